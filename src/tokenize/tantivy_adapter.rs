//! Adapters from the [`Analyzer`] to `tantivy::tokenizer::Tokenizer`
//! (lindera-tantivy does not support Lindera 6).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{Analysis, Analyzer, bigrams};

/// Emits each content word's base-form key, plus its reading key at the same
/// position when it differs.
#[derive(Clone, Debug)]
pub struct MorphTokenizer {
    analyzer: Analyzer,
}

/// Emits character bigrams of the folded reading of the text.
#[derive(Clone, Debug)]
pub struct BigramTokenizer {
    analyzer: Analyzer,
}

impl MorphTokenizer {
    /// Wraps an analyzer (cheap: the analyzer is shared).
    pub fn new(analyzer: Analyzer) -> Self {
        Self { analyzer }
    }
}

impl BigramTokenizer {
    /// Wraps an analyzer (cheap: the analyzer is shared).
    pub fn new(analyzer: Analyzer) -> Self {
        Self { analyzer }
    }
}

/// A token stream over precomputed tokens.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    cursor: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.cursor += 1;
        self.cursor <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.cursor - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.cursor - 1]
    }
}

fn token(text: String, position: usize, span: (usize, usize)) -> Token {
    Token { offset_from: span.0, offset_to: span.1, position, text, position_length: 1 }
}

/// The morpheme field's tokens for an analysis: each word's base-form key,
/// and its reading key at the same position. Shared by [`MorphTokenizer`]
/// and the index builder's pre-tokenized path, so they cannot drift.
pub fn morph_tokens(analysis: &Analysis) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(analysis.terms.len() * 2);
    for (position, t) in analysis.terms.iter().enumerate() {
        if let Some(r) = &t.reading {
            tokens.push(token(r.clone(), position, t.span));
        }
        tokens.push(token(t.key.clone(), position, t.span));
    }
    tokens
}

/// The bigram field's tokens for an analysis (see [`morph_tokens`]).
pub fn bigram_tokens(analysis: &Analysis) -> Vec<Token> {
    bigrams(&analysis.reading_text).into_iter().enumerate().map(|(i, b)| token(b, i, (0, 0))).collect()
}

impl Tokenizer for MorphTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream { tokens: morph_tokens(&self.analyzer.analyze(text)), cursor: 0 }
    }
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream { tokens: bigram_tokens(&self.analyzer.analyze(text)), cursor: 0 }
    }
}
