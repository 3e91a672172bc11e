//! A rule pattern compiled for the two questions the matcher asks: does it
//! match, and (for the few rules that fire) where.
//!
//! `regex::Regex` answers every question: besides the forward automaton it
//! compiles a reverse one (to find where a match starts), and keeps
//! capture states. Rule patterns are word lists times bounded gaps over
//! Unicode classes, and in reverse their UTF-8 automata share far less:
//! on the bundled rules the reverse half and the rest were 26.6 of the
//! 37.0 MiB the patterns took (`examples/memory_probe`). A pattern here
//! keeps one forward NFA (only the implicit whole-match group) and a lazy
//! DFA over it; the start
//! of a match is found by anchored forward searches, which only a rule that
//! already matched ever runs.
//!
//! Searches from given starts (most rule searches: a pattern's literals say
//! where its matches begin) run a bounded backtracker over at most the
//! pattern's longest match, not the lazy DFA: on text never seen before,
//! which is what real traffic is, the lazy DFA spends most of its time
//! building states, and it keeps them (up to [`CACHE_CAPACITY`] per
//! pattern and thread). The backtracker keeps nothing per pattern: one
//! cache per thread serves every pattern. Over the 5,836 turns of
//! `tests/decisions/dev` (`memory_probe`) the heap grew by 92.2 MiB with
//! the lazy DFA and by 26.9 MiB with the backtracker; first-sight turns
//! cost 0.93 M against 0.83 M instructions (callgrind), warm ones (the
//! same text again) 410 k against 423 k.

use std::cell::RefCell;
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::backtrack::{self, BoundedBacktracker};
use regex_automata::nfa::thompson::pikevm::{self, PikeVM};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::Hir;

/// Lazy-DFA cache per pattern and thread (for unanchored searches and
/// spans too long for the backtracker). Every such search grows its cache
/// on text it has not seen, so under traffic the rules' heap heads for
/// (patterns run) × this. Measured when every search used the lazy DFA,
/// over the 4,210 first-sight turns of `memory_probe faq-corpus tests/decisions/dev`:
/// 2 MiB (the regex crate's default) +180.9 MiB of heap in 1,313 ms,
/// 512 KiB +121.4 MiB in 1,551 ms, 256 KiB +93.9 MiB in 1,842 ms, 128 KiB
/// +69.4 MiB in 2,154 ms; warm turns cost the same at each size.
const CACHE_CAPACITY: usize = 512 << 10;

type CacheFn = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// A lazy DFA and a pool of its caches (one per thread that searches).
pub(super) type LazyDfa = (DFA, Pool<Cache, CacheFn>);

/// A compiled pattern: cheap to clone (clones share the automaton and its
/// search caches).
#[derive(Clone)]
pub(crate) struct Pattern {
    inner: Arc<Inner>,
}

struct Inner {
    source: String,
    /// The lazy DFA and its caches (`None` only if one cannot be built).
    lazy: Option<LazyDfa>,
    /// The same NFA run by the PikeVM (the thread's one cache): for what the lazy
    /// DFA hands back (a Unicode word boundary `\b` next to non-ASCII
    /// text), as the regex crate does.
    pikevm: PikeVM,
    /// The same NFA run by a bounded backtracker, for searches from given
    /// starts (see the module docs); its cache is the thread's one.
    backtrack: BoundedBacktracker,
    /// The longest match in bytes, when bounded: a search from a start
    /// need not look further.
    max_len: Option<usize>,
}

/// Longest span the backtracker searches from one start. A pattern with no
/// longest match (a gap that takes an ellipsis of any length) would
/// otherwise clear its visited set over the rest of the text at every
/// start; on such spans the lazy DFA is cheaper. Customer messages are
/// mostly far shorter.
const BACKTRACK_SPAN: usize = 1024;

thread_local! {
    /// One backtracker cache per thread for every pattern: each
    /// search sizes it to its own NFA and span, so nothing is kept per
    /// pattern (at most the backtracker's visited capacity, 256 KiB).
    static BACKTRACK: RefCell<Option<backtrack::Cache>> = const { RefCell::new(None) };
    /// One PikeVM cache per thread for every pattern (reset for each).
    static PIKE: RefCell<Option<pikevm::Cache>> = const { RefCell::new(None) };
}

/// Runs `search` with the thread's backtracker cache, reset for `re`.
/// `search` must not search another pattern (the cache is borrowed).
fn with_backtrack<R>(re: &BoundedBacktracker, search: impl FnOnce(&mut backtrack::Cache) -> R) -> R {
    BACKTRACK.with(|cell| {
        let mut cell = cell.borrow_mut();
        let cache = cell.get_or_insert_with(|| re.create_cache());
        re.reset_cache(cache);
        search(cache)
    })
}

/// Why a pattern did not compile: the regex syntax error (as the regex
/// crate words it), or the automaton grew past the size limit (in
/// regex-automata's words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternError(String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Pattern {
    /// Compiles `source` with the regex crate's syntax (Unicode, UTF-8),
    /// refusing automata larger than `size_limit` bytes.
    pub(crate) fn new(source: &str, size_limit: usize) -> Result<Pattern, PatternError> {
        // Parsed here so syntax errors read exactly like the regex crate's.
        let hir = regex_syntax::ParserBuilder::new().build().parse(source).map_err(|e| PatternError(e.to_string()))?;
        let nfa = compile(&hir, size_limit)?;
        let lazy = lazy_dfa(nfa.clone(), CACHE_CAPACITY, regex_automata::MatchKind::LeftmostFirst);
        let backtrack = BoundedBacktracker::new_from_nfa(nfa.clone()).map_err(|e| PatternError(e.to_string()))?;
        let pikevm = PikeVM::new_from_nfa(nfa).map_err(|e| PatternError(e.to_string()))?;
        Ok(Pattern {
            inner: Arc::new(Inner {
                source: source.to_string(),
                lazy,
                pikevm,
                backtrack,
                max_len: hir.properties().maximum_len(),
            }),
        })
    }

    /// The pattern as compiled.
    pub(crate) fn as_str(&self) -> &str {
        &self.inner.source
    }

    /// Whether the pattern matches anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let input = Input::new(text).earliest(true);
        self.lazy_end(&input).unwrap_or_else(|| self.pike(&input).map(|m| m.end())).is_some()
    }

    /// Whether the pattern matches starting at one of `starts` (ascending
    /// byte offsets into `text`): for a pattern whose every match starts with
    /// a known literal, tried only where one occurs: anchored there, by the
    /// bounded backtracker (see [`Pattern::first_from`]).
    pub(crate) fn is_match_from(&self, text: &str, starts: impl Iterator<Item = usize>) -> bool {
        self.first_from(text, starts, true).is_some()
    }

    /// [`Pattern::find`] for a pattern whose every match starts at one of
    /// `starts` (ascending): the first start from which an anchored search
    /// matches holds the leftmost match, and the search gives its end.
    pub(crate) fn find_from<'t>(&self, text: &'t str, starts: impl Iterator<Item = usize>) -> Option<&'t str> {
        self.first_from(text, starts, false).map(|r| &text[r])
    }

    /// The match from the first of `starts` where an anchored search
    /// matches (its end the earliest one when `earliest`): by the bounded
    /// backtracker over at most the longest match from each start, or by
    /// the lazy DFA where that span is too long for the backtracker's
    /// memory. No match starts before the first start, so what the lazy
    /// DFA hands back goes to the PikeVM from there.
    fn first_from(&self, text: &str, starts: impl Iterator<Item = usize>, earliest: bool) -> Option<std::ops::Range<usize>> {
        let mut starts = starts.peekable();
        let first = *starts.peek()?;
        let pike = || self.pike(&Input::new(text).range(first..).earliest(earliest)).map(|m| m.range());
        let inner = &*self.inner;
        let mut lazy = None;
        for s in starts {
            let mut end = inner.max_len.map_or(text.len(), |m| s.saturating_add(m).min(text.len()));
            while !text.is_char_boundary(end) {
                end += 1;
            }
            // Look-arounds (`$`, `\b`) still see the whole text.
            let input = Input::new(text).range(s..end).anchored(Anchored::Yes).earliest(earliest);
            if end - s <= inner.backtrack.max_haystack_len().min(BACKTRACK_SPAN) {
                let mut slots = [None, None];
                match with_backtrack(&inner.backtrack, |cache| inner.backtrack.try_search_slots(cache, &input, &mut slots)) {
                    Ok(Some(_)) => return slots[1].map(|e| s..e.get()),
                    Ok(None) => continue,
                    Err(_) => return pike(),
                }
            }
            let Some((dfa, caches)) = &inner.lazy else {
                return pike();
            };
            let cache = lazy.get_or_insert_with(|| caches.get());
            match dfa.try_search_fwd(cache, &input) {
                Ok(Some(m)) => return Some(s..m.offset()),
                Ok(None) => {}
                Err(_) => return pike(),
            }
        }
        None
    }

    /// The leftmost-first match, as the regex crate's `find` gives it.
    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.find_lazy(text).unwrap_or_else(|| self.pike(&Input::new(text)).map(|m| &text[m.range()]))
    }

    /// `find` by the lazy DFA alone, or `None` when it handed back. Where
    /// the match ends bounds where it can start; the first position from
    /// which an anchored search (up to that end) matches is its start.
    fn find_lazy<'t>(&self, text: &'t str) -> Option<Option<&'t str>> {
        let Some(end) = self.lazy_end(&Input::new(text))? else {
            return Some(None);
        };
        for s in (0..=end).filter(|&s| text.is_char_boundary(s)) {
            if let Some(e) = self.lazy_end(&Input::new(text).range(s..end).anchored(Anchored::Yes))? {
                return Some(Some(&text[s..e]));
            }
        }
        Some(None)
    }

    /// End of the leftmost-first match of `input` (earliest when asked) by
    /// the lazy DFA, or `None` when it cannot say.
    fn lazy_end(&self, input: &Input<'_>) -> Option<Option<usize>> {
        let (dfa, caches) = self.inner.lazy.as_ref()?;
        dfa.try_search_fwd(&mut caches.get(), input).ok().map(|m| m.map(|m| m.offset()))
    }

    /// The PikeVM's search (rare: what the lazy DFA hands back), with the
    /// thread's one PikeVM cache reset for this pattern.
    fn pike(&self, input: &Input<'_>) -> Option<regex_automata::Match> {
        let vm = &self.inner.pikevm;
        PIKE.with(|cell| {
            let mut cell = cell.borrow_mut();
            let cache = cell.get_or_insert_with(|| vm.create_cache());
            vm.reset_cache(cache);
            vm.find(cache, input.clone())
        })
    }
}

/// The NFA of `hir` (only the implicit whole-match group).
fn compile(hir: &Hir, size_limit: usize) -> Result<thompson::NFA, PatternError> {
    thompson::Compiler::new()
        .configure(thompson::Config::new().which_captures(WhichCaptures::Implicit).nfa_size_limit(Some(size_limit)))
        .build_from_hir(hir)
        .map_err(|e| PatternError(e.to_string()))
}

/// A lazy DFA over `nfa` with a pool of caches of `capacity` bytes, its
/// matches of `kind` (leftmost-first, as the regex crate's; all, for a
/// reverse search that runs to the longest match).
pub(super) fn lazy_dfa(nfa: thompson::NFA, capacity: usize, kind: regex_automata::MatchKind) -> Option<LazyDfa> {
    let config = DFA::config()
        .match_kind(kind)
        // A pattern's cache grows as new text arrives, up to this (or the
        // NFA's minimum, if larger); then it is cleared and rebuilt.
        .cache_capacity(capacity)
        .skip_cache_capacity_check(true)
        // Never give up to the PikeVM because the cache keeps being cleared
        // (the regex crate gives up after 3 clears): on rule patterns the
        // PikeVM over the whole text cost more than rebuilding states (506
        // unseen dev messages, callgrind: 2.97 M → 2.78 M instructions a
        // turn without the give-up). A Unicode \b next to non-ASCII text
        // still goes to the PikeVM (instead of refusing the pattern).
        .minimum_cache_clear_count(None)
        .unicode_word_boundary(true);
    DFA::builder().configure(config).build_from_nfa(nfa).ok().map(|dfa| {
        let for_pool = dfa.clone();
        let create: CacheFn = Box::new(move || for_pool.create_cache());
        (dfa, Pool::new(create))
    })
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.inner.source).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same answers as the regex crate, on patterns shaped like the
    /// rules (word lists, bounded gaps, ASCII word boundaries, classes).
    #[test]
    fn agrees_with_the_regex_crate() {
        let patterns = [
            "(?:かーど|すまほ|携帯).{0,6}(?:落と|なくし|盗まれ)",
            "[^a-z]?(?-u:\\b)sim(?-u:\\b)",
            "(?:a|ab)(?:c|bcd)",
            "x*",
            "^だれか.{0,3}$",
            "(?:オペレーター|人間|担当者).{0,10}(?:話|つな|代わ)",
            // A Unicode word boundary: the lazy DFA hands non-ASCII text to the PikeVM.
            "\\bsim\\b",
            "\\bかーど",
        ];
        let texts = [
            "",
            "昨日かーどを落としました",
            "携帯。なくした",
            "新しいsimが届かない",
            "simcard",
            "abcd",
            "xx",
            "だれか!",
            "オペレーターと話したい",
            "担当者に代わってください、人間と話す",
            "my sim card",
            "ésim",
        ];
        for p in patterns {
            let ours = Pattern::new(p, 1 << 24).unwrap();
            let theirs = regex::Regex::new(p).unwrap();
            for t in texts {
                assert_eq!(ours.is_match(t), theirs.is_match(t), "{p} on {t}");
                assert_eq!(ours.find(t), theirs.find(t).map(|m| m.as_str()), "{p} on {t}");
            }
        }
    }

    /// Searched only from given starts (where a prefix literal occurs), a
    /// pattern answers as the regex crate does on the whole text.
    #[test]
    fn searches_from_literal_starts_agree_with_the_regex_crate() {
        let cases: [(&str, &str, &[usize]); 9] = [
            ("(?:かーど|すまほ).{0,6}(?:落と|盗まれ)", "昨日すまほとかーどを落とした", &[6, 18]),
            ("(?:かーど|すまほ).{0,6}(?:落と|盗まれ)", "かーどは無事。すまほも平気", &[0, 21]),
            ("(?-u:\\b)e?sim(?:が|を)", "私のesimが", &[6]),
            ("(?-u:\\b)e?sim(?:が|を)", "2esimが", &[1]),
            ("(?:a|ab)(?:c|bcd)", "xxabcd", &[2]),
            ("\\bsim\\b", "あ sim", &[4]),
            // The span ends with the longest match; a look-around at its end
            // still sees the text after it.
            ("\\bsim\\b", "あ simcard", &[4]),
            ("(?-u:\\b)sim(?-u:\\b)", "x simcard", &[2]),
            ("sim$", "simcard", &[0]),
        ];
        for (p, text, starts) in cases {
            let ours = Pattern::new(p, 1 << 24).unwrap();
            let theirs = regex::Regex::new(p).unwrap();
            assert_eq!(ours.is_match_from(text, starts.iter().copied()), theirs.is_match(text), "{p} on {text}");
            assert_eq!(ours.find_from(text, starts.iter().copied()), theirs.find(text).map(|m| m.as_str()), "{p} on {text}");
        }
        // No start, no match (the caller found no literal).
        assert!(!Pattern::new("かーど", 1 << 20).unwrap().is_match_from("かーど", std::iter::empty()));
    }

    /// A span too long for the backtracker's memory goes to the lazy DFA,
    /// with the same answers.
    #[test]
    fn long_spans_from_starts_agree_with_the_regex_crate() {
        let p = "(?:かーど|すまほ).*(?:落と|盗まれ)";
        let ours = Pattern::new(p, 1 << 24).unwrap();
        let theirs = regex::Regex::new(p).unwrap();
        let long = format!("かーど{}落とした", "あ".repeat(400_000));
        assert!(long.len() > ours.inner.backtrack.max_haystack_len());
        for text in [long.as_str(), "すまほを盗まれた", "かーどは無事"] {
            let starts: Vec<usize> = text.match_indices("かーど").chain(text.match_indices("すまほ")).map(|(i, _)| i).collect();
            assert_eq!(ours.is_match_from(text, starts.iter().copied()), theirs.is_match(text));
            assert_eq!(ours.find_from(text, starts.iter().copied()), theirs.find(text).map(|m| m.as_str()));
        }
    }

    #[test]
    fn unicode_word_boundaries_run_on_the_pikevm() {
        // The lazy DFA is built and hands non-ASCII text back to the PikeVM.
        let p = Pattern::new("\\bsim\\b", 1 << 24).unwrap();
        assert!(p.inner.lazy.is_some());
        assert!(p.is_match("あsim") == regex::Regex::new("\\bsim\\b").unwrap().is_match("あsim"));
    }

    #[test]
    fn syntax_errors_read_like_the_regex_crate() {
        let bad = String::from("(unclosed");
        let ours = Pattern::new(&bad, 1 << 24).unwrap_err().to_string();
        let theirs = regex::Regex::new(&bad).unwrap_err().to_string();
        assert!(theirs.contains(&ours), "{ours} / {theirs}");
    }

    #[test]
    fn size_limit_is_enforced() {
        assert!(Pattern::new("\\w{50}", 1 << 10).is_err());
    }

    #[test]
    fn clones_share_and_work_across_threads() {
        let p = Pattern::new("落と", 1 << 20).unwrap();
        let q = p.clone();
        let handle = std::thread::spawn(move || q.is_match("財布を落とした"));
        assert!(handle.join().unwrap());
        assert!(!p.is_match("財布を拾った"));
    }
}
