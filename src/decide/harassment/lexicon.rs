//! Words that are abusive in themselves (insults, slurs, sexual terms) and
//! words that aim a message at staff or the company (お前, 担当者, 御社 …),
//! matched as whole morphemes in the folded message.
//!
//! Each lexicon entry names a category and severity, and whether it needs
//! an aim: `クソ野郎` is abusive anywhere, `バカ` only when the message is
//! aimed at someone (`お前バカか`) or the classifier finds the whole message
//! abusive — `バカみたいな質問ですみません` stays an ordinary question.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use super::boundary::Boundaries;
use crate::decide::rules::{HarassmentCategory, Severity};

/// One lexicon entry: a list of words sharing a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LexiconEntry {
    /// Unique id (shares the id space with the rules).
    pub id: String,
    /// What kind of harassment the words are.
    pub category: HarassmentCategory,
    /// Warn or end.
    pub severity: Severity,
    /// True when a word alone is not enough: the message must also be aimed
    /// at staff or the company, or score high with the classifier.
    pub needs_aim: bool,
    /// The words, folded (see [`crate::decide::rules::match_text`]).
    pub words: Vec<String>,
}

/// A lexicon word found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconHit {
    /// Index of the entry in [`Lexicon::entries`].
    pub entry: usize,
    /// The word as found (folded).
    pub word: String,
    /// Byte range in the folded message.
    pub span: Range<usize>,
}

/// The compiled lexicon: entries and aim words, searched in one pass each.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    entries: Vec<LexiconEntry>,
    aim: Vec<String>,
    /// Automaton over every entry word; pattern index → (entry, word).
    words: Option<AhoCorasick>,
    owner: Vec<(usize, usize)>,
    aims: Option<AhoCorasick>,
    innocent: Vec<String>,
    innocents: Option<AhoCorasick>,
}

impl Lexicon {
    /// Builds a lexicon from folded entries and aim words.
    pub fn new(entries: Vec<LexiconEntry>, aim: Vec<String>) -> Lexicon {
        Lexicon::with_innocent(entries, aim, Vec::new())
    }

    /// Builds a lexicon that also knows innocent words containing lexicon
    /// words (ユニセックス, 殺虫剤): their spans never count.
    pub fn with_innocent(entries: Vec<LexiconEntry>, aim: Vec<String>, innocent: Vec<String>) -> Lexicon {
        let mut owner = Vec::new();
        let mut pats = Vec::new();
        for (e, entry) in entries.iter().enumerate() {
            for (w, word) in entry.words.iter().enumerate() {
                owner.push((e, w));
                pats.push(word.as_str());
            }
        }
        let build = |p: &[&str]| {
            (!p.is_empty()).then(|| {
                AhoCorasick::builder().match_kind(MatchKind::Standard).build(p).expect("plain words always compile")
            })
        };
        let words = build(&pats);
        let aim_refs: Vec<&str> = aim.iter().map(String::as_str).collect();
        let aims = build(&aim_refs);
        let innocent_refs: Vec<&str> = innocent.iter().map(String::as_str).collect();
        let innocents = build(&innocent_refs);
        Lexicon { entries, aim, words, owner, aims, innocent, innocents }
    }

    /// The entries, in load order.
    pub fn entries(&self) -> &[LexiconEntry] {
        &self.entries
    }

    /// The aim words (folded).
    pub fn aim_words(&self) -> &[String] {
        &self.aim
    }

    /// Adds another lexicon's entries and aim words; an entry with an id
    /// already here replaces the old one.
    pub fn extend(&mut self, other: &Lexicon) {
        let mut entries: Vec<LexiconEntry> =
            self.entries.iter().filter(|e| !other.entries.iter().any(|o| o.id == e.id)).cloned().collect();
        entries.extend(other.entries.iter().cloned());
        let mut aim = self.aim.clone();
        aim.extend(other.aim.iter().filter(|a| !self.aim.contains(a)).cloned());
        let mut innocent = self.innocent.clone();
        innocent.extend(other.innocent.iter().filter(|a| !self.innocent.contains(a)).cloned());
        *self = Lexicon::with_innocent(entries, aim, innocent);
    }

    /// Spans of innocent words in `folded` (to be masked).
    pub fn innocent_spans(&self, folded: &str) -> Vec<Range<usize>> {
        self.innocents.as_ref().map_or_else(Vec::new, |ac| ac.find_overlapping_iter(folded).map(|m| m.start()..m.end()).collect())
    }

    /// Every lexicon word in `folded` that lies on morpheme boundaries and
    /// outside the `masked` ranges (quotes, questions about the policy).
    pub fn find(&self, folded: &str, bounds: &Boundaries<'_>, masked: &[Range<usize>]) -> Vec<LexiconHit> {
        let Some(ac) = &self.words else { return Vec::new() };
        let mut out: Vec<LexiconHit> = Vec::new();
        for m in ac.find_overlapping_iter(folded) {
            let span = m.start()..m.end();
            if !bounds.spans(&span) || overlaps(&span, masked) {
                continue;
            }
            let (e, w) = self.owner[m.pattern().as_usize()];
            // A longer word over the same start wins (クソ野郎 over クソ).
            if out.iter().any(|h| h.span.start <= span.start && h.span.end >= span.end) {
                continue;
            }
            out.retain(|h| !(span.start <= h.span.start && span.end >= h.span.end));
            out.push(LexiconHit { entry: e, word: self.entries[e].words[w].clone(), span });
        }
        out
    }

    /// The first aim word in `folded` on morpheme boundaries and outside
    /// `masked`, if any.
    pub fn aim(&self, folded: &str, bounds: &Boundaries<'_>, masked: &[Range<usize>]) -> Option<String> {
        let ac = self.aims.as_ref()?;
        ac.find_overlapping_iter(folded)
            .map(|m| m.start()..m.end())
            .find(|span| bounds.spans(span) && !overlaps(span, masked))
            .map(|span| folded[span].to_string())
    }
}

fn overlaps(span: &Range<usize>, masked: &[Range<usize>]) -> bool {
    masked.iter().any(|m| m.start < span.end && span.start < m.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let e = |id: &str, needs_aim, words: &[&str]| LexiconEntry {
            id: id.into(),
            category: HarassmentCategory::VerbalAbuse,
            severity: Severity::Minor,
            needs_aim,
            words: words.iter().map(|w| w.to_string()).collect(),
        };
        Lexicon::new(vec![e("strong", false, &["くそ野郎", "せっくす"]), e("weak", true, &["くそ", "ばか"])], vec!["お前".into()])
    }

    #[test]
    fn longest_word_wins_and_boundaries_hold() {
        let l = lexicon();
        let t = "お前、くそ野郎";
        let hits = l.find(t, &Boundaries::Script(t), &[]);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].word, "くそ野郎");
        let t = "ゆにせっくすのtシャツ";
        // Token boundaries: ゆにせっくす is one token.
        let b = [0, "ゆにせっくす".len(), "ゆにせっくすの".len(), t.len()];
        assert!(l.find(t, &Boundaries::Tokens(&b), &[]).is_empty());
    }

    #[test]
    fn masked_spans_and_aim() {
        let l = lexicon();
        let t = "「ばか」は暴言";
        let s = t.find("ばか").unwrap();
        let quoted = s - 3..s + 9;
        assert!(l.find(t, &Boundaries::Script(t), std::slice::from_ref(&quoted)).is_empty());
        assert_eq!(l.aim("お前、ばか", &Boundaries::Script("お前、ばか"), &[]).as_deref(), Some("お前"));
    }
}
