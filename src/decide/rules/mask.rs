//! A compiled mask: what it blanks, found anywhere in a text or from a
//! given start.
//!
//! Masks need more than rule patterns (where a match starts and ends, and
//! the `m` groups that narrow a blank), so they are the regex crate's own
//! meta engine, used directly: unlike `regex::Regex` it searches anchored at
//! a position (with the text before it as context), which is how the
//! matcher runs a mask whose literals say where its matches start.

use std::ops::Range;
use std::sync::Arc;

use regex_automata::meta;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, PatternID};

/// A mask pattern compiled once; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct MaskRegex {
    source: Arc<str>,
    re: meta::Regex,
    /// Capture groups named `m`, `m0`, `m1` …: only they are blanked.
    narrowing: Arc<[usize]>,
}

impl MaskRegex {
    /// Compiles `source` with the regex crate's syntax and error messages,
    /// refusing automata larger than `size_limit` bytes.
    pub(crate) fn new(source: &str, size_limit: usize) -> Result<Self, String> {
        let hir = regex_syntax::ParserBuilder::new().build().parse(source).map_err(|e| e.to_string())?;
        // An empty match would blank nothing (or, as a fill, put a sentence
        // break between every two characters): refused at load.
        if hir.properties().minimum_len() == Some(0) {
            return Err("a mask must not match the empty text".into());
        }
        // No lazy DFA: a mask runs on a short text, and on a text never
        // seen before (most real messages) the lazy DFA spent more building
        // its states than the bounded backtracker spends searching (the
        // first-sight turns of the bundled dev queries: 496 k → 453 k
        // instructions). A text seen again costs a little more (a repeated
        // urgent message 269 k → 285 k), and so does a message over about
        // 450 characters (1,000: 18.8 M → 23.0 M); no lazy-DFA cache is
        // kept per mask.
        let re = meta::Builder::new()
            .configure(meta::Config::new().nfa_size_limit(Some(size_limit)).hybrid(false))
            .build_from_hir(&hir)
            .map_err(|e| match e.size_limit() {
                // As the regex crate words it (the meta error says only
                // "error building NFA").
                Some(limit) => format!("Compiled regex exceeds size limit of {limit} bytes."),
                None => e.to_string(),
            })?;
        let narrowing = re
            .group_info()
            .pattern_names(PatternID::ZERO)
            .enumerate()
            .filter_map(|(i, name)| name.filter(|n| is_mask_group(n)).map(|_| i))
            .collect();
        Ok(MaskRegex { source: source.into(), re, narrowing })
    }

    /// The pattern as compiled.
    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether it blanks only its `m` groups.
    pub(crate) fn is_narrowed(&self) -> bool {
        !self.narrowing.is_empty()
    }

    /// The leftmost-first match starting at or after `at`.
    pub(crate) fn find_at(&self, text: &str, at: usize) -> Option<Range<usize>> {
        self.re.find(Input::new(text).range(at..)).map(|m| m.range())
    }

    /// The leftmost-first match starting exactly at `start`.
    pub(crate) fn find_anchored(&self, text: &str, start: usize) -> Option<Range<usize>> {
        self.re.find(Input::new(text).range(start..).anchored(Anchored::Yes)).map(|m| m.range())
    }

    /// What the match starting at `start` blanks: its first `m` group that
    /// took part, else (the alternative that matched has none) all of it.
    pub(crate) fn blanked_at(&self, text: &str, start: usize) -> Option<Range<usize>> {
        let mut caps = self.re.create_captures();
        self.re.search_captures(&Input::new(text).range(start..).anchored(Anchored::Yes), &mut caps);
        self.blanked(&caps)
    }

    fn blanked(&self, caps: &Captures) -> Option<Range<usize>> {
        let whole = caps.get_match()?.range();
        Some(self.narrowing.iter().find_map(|&g| caps.get_group(g)).map_or(whole, |s| s.range()))
    }

    /// Byte ranges the mask blanks in `text`, found by searching the whole
    /// text: each match, or, when the pattern has `m` groups, the first that
    /// took part in a match (the whole match if none did; an empty group
    /// blanks nothing), spans that touch joined.
    #[cfg(test)]
    pub(crate) fn spans(&self, text: &str) -> Vec<Range<usize>> {
        if !self.is_narrowed() {
            return self.re.find_iter(text).map(|m| m.range()).collect();
        }
        let mut out: Vec<Range<usize>> = Vec::new();
        for caps in self.re.captures_iter(text) {
            let Some(r) = self.blanked(&caps).filter(|r| !r.is_empty()) else {
                continue;
            };
            push_joined(&mut out, r);
        }
        out
    }
}

/// Appends `r` to sorted spans, joining it with the last if they touch.
pub(crate) fn push_joined(out: &mut Vec<Range<usize>>, r: Range<usize>) {
    match out.last_mut() {
        Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
        _ => out.push(r),
    }
}

/// Capture groups that narrow a mask: a mask pattern written
/// `(?<m>たら)(?:[^し]|$)` blanks only `たら` and leaves the context it
/// needed (the regex crate has no look-ahead). `m0`, `m1` … are the names
/// joined masks once gave them (and tests still do).
pub(crate) fn is_mask_group(name: &str) -> bool {
    name.strip_prefix('m').is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same spans as the regex crate's own searches.
    #[test]
    fn spans_agree_with_the_regex_crate() {
        let masks = ["(?<m>)もしもし", "もし[^。]{0,6}", "(?<m>たら)(?:[^し]|$)", "たら(?:ば)?", "[ab]{1,3}", "x+"];
        let texts = ["もしもし、かーど", "もしかーどを", "なくしたらしい", "なくしたらば", "abab もしもしもし", "", "たら", "axxb"];
        for m in masks {
            let ours = MaskRegex::new(m, 1 << 24).unwrap();
            let theirs = regex::Regex::new(m).unwrap();
            for t in texts {
                assert_eq!(ours.find_at(t, 0), theirs.find(t).map(|m| m.range()), "{m} on {t}");
                if !ours.is_narrowed() {
                    let want: Vec<Range<usize>> = theirs.find_iter(t).map(|m| m.range()).collect();
                    assert_eq!(ours.spans(t), want, "{m} on {t}");
                }
                if let Some(r) = ours.find_at(t, 0) {
                    assert_eq!(ours.find_anchored(t, r.start), Some(r.clone()), "{m} on {t}");
                }
            }
        }
        let m = MaskRegex::new("(?<m>たら)(?:[^し]|$)", 1 << 20).unwrap();
        assert_eq!(m.spans("落としたらね、なくしたらしい"), vec![9..15]);
        assert_eq!(m.blanked_at("落としたらね", 9), Some(9..15));
    }

    #[test]
    fn errors_read_like_the_regex_crate() {
        let bad = String::from("(unclosed");
        let ours = MaskRegex::new(&bad, 1 << 20).unwrap_err();
        let theirs = regex::Regex::new(&bad).unwrap_err().to_string();
        assert!(theirs.contains(&ours), "{ours} / {theirs}");
        assert!(MaskRegex::new("x*", 1 << 20).unwrap_err().contains("empty"));
        let big = MaskRegex::new("\\w{50}", 1 << 10).unwrap_err();
        assert!(big.contains("exceeds size limit of 1024 bytes"), "{big}");
    }
}
