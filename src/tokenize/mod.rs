//! Tokenization: normalized text → content words (base form + reading) and
//! character bigrams, the units the index and the rules work with.
//!
//! * [`Analyzer`] wraps Lindera with the IPADIC system dictionary and the
//!   domain user dictionary, keeps content words (nouns, verbs, adjectives,
//!   unknown words) and drops particles, auxiliaries and symbols.
//! * Every [`Term`] carries a folded base form and a folded reading, so a
//!   kana-only spelling meets its kanji or katakana form.
//! * [`Synonyms`] (hand-written domain groups) and [`SynonymDictionary`]
//!   (the Sudachi synonym dictionary) supply alternative forms of query words.
//! * [`MorphTokenizer`] and [`BigramTokenizer`] adapt all of this to
//!   `tantivy::tokenizer::Tokenizer`.

mod analyzer;
mod bigram;
mod dictionary;
mod sudachi;
mod synonyms;
mod tantivy_adapter;
mod word_info;

pub use analyzer::{Analysis, Analyzer, AnalyzerBuilder, Term, TermKind};
pub use bigram::bigrams;
pub(crate) use bigram::for_each_bigram;
pub use dictionary::{
    IPADIC_COLUMNS, UserWord, build_system_dictionary, default_dictionary_dir,
    load_system_dictionary, load_user_dictionary, parse_user_dictionary,
};
pub use sudachi::{Relation, SynonymDictionary};
pub use synonyms::{Expansion, SynonymGroup, Synonyms, parse_synonyms};
pub use tantivy_adapter::{
    BigramTokenizer, KEY_SEPARATOR, KeysTokenStream, KeysTokenizer, MorphTokenizer, bigram_keys, bigram_tokens,
    for_each_bigram_key, for_each_morph_key, morph_keys, morph_tokens,
};
