//! Query construction from analyzer output.
//!
//! Each content word becomes a `TermQuery` in every morpheme field (with that
//! field's boost) for its base-form key and, except in the answer field, its
//! reading; synonym expansions are added to the question-side fields with a
//! lower weight; the query's reading bigrams go to the bigram
//! field. All clauses are `Should`: BM25 sums the evidence. A category filter
//! becomes a `Must` clause.

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::index::{Boosts, Fields};
use crate::tokenize::{Analysis, bigrams};

/// Index of the answer field in the morpheme field list.
const ANSWER: usize = 3;

fn term_query(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
    // Unboosted term clauses let Tantivy score the union with block-max WAND.
    if boost == 1.0 { Box::new(q) } else { Box::new(BoostQuery::new(Box::new(q), boost)) }
}

/// Builds the query, or `None` when the text has nothing to search for.
pub fn build_query(
    fields: &Fields,
    boosts: &Boosts,
    analysis: &Analysis,
    synonyms: &[String],
    category: Option<&str>,
) -> Option<Box<dyn Query>> {
    let morph = [
        (fields.question, boosts.question),
        (fields.alternatives, boosts.alternatives),
        (fields.keywords, boosts.keywords),
        (fields.answer, boosts.answer),
    ];
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    // The answer field gets base forms only: readings and synonyms there
    // added clauses (cost per query) without changing any ranking on the
    // paraphrase set (examples/tune.rs).
    let readings: Vec<&str> = analysis.terms.iter().filter_map(|t| t.reading.as_deref()).collect();
    for key in analysis.keys() {
        for (i, (field, boost)) in morph.iter().enumerate() {
            // A zero boost means the field is not searched at all.
            if *boost == 0.0 || (i == ANSWER && readings.contains(&key)) {
                continue;
            }
            clauses.push((Occur::Should, term_query(*field, key, *boost)));
        }
    }
    for key in synonyms {
        for (field, boost) in morph[..ANSWER].iter().filter(|(_, b)| *b != 0.0) {
            clauses.push((Occur::Should, term_query(*field, key, boost * boosts.synonym)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for b in bigrams(&analysis.reading_text) {
        if seen.insert(b.clone()) {
            clauses.push((Occur::Should, term_query(fields.bigram, &b, boosts.bigram)));
        }
    }
    if clauses.is_empty() {
        return None;
    }
    let should: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
    Some(match category {
        Some(c) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, should),
            (Occur::Must, Box::new(TermQuery::new(Term::from_field_text(fields.category, c), IndexRecordOption::Basic))),
        ])),
        None => should,
    })
}
