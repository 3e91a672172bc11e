//! Compiled rules and how they match: one [`RegexSet`] pass per group, then
//! masks, excludes and a confirmation of the few rules that matched.

use std::borrow::Cow;
use std::collections::HashSet;

use regex::{NoExpand, Regex, RegexSet, RegexSetBuilder};

/// What a mask leaves behind: a sentence break, so gaps cannot bridge it.
const MASK_FILL: &str = "。";
/// Compiled-size limit per regex; the bounded gaps over Unicode classes are
/// large but still far below this.
pub(super) const SIZE_LIMIT: usize = 64 << 20;
/// Lazy-DFA cache per set: the harassment set outgrows the default cache and
/// would fall back to a much slower engine.
const DFA_CACHE: usize = 16 << 20;

/// One compiled rule.
#[derive(Debug, Clone)]
pub(super) struct Rule<M> {
    pub(super) id: String,
    /// Where the rule was written: file and line.
    pub(super) origin: (std::path::PathBuf, usize),
    pub(super) meta: M,
    pub(super) patterns: Vec<Regex>,
    pub(super) mask: Option<Regex>,
    pub(super) exclude: Option<Regex>,
}

/// The rules of one group from one file, with that file's group-level
/// mask and exclude, and a set over all their patterns.
#[derive(Debug, Clone)]
pub(super) struct Section<M> {
    pub(super) mask: Option<Regex>,
    pub(super) exclude: Option<Regex>,
    pub(super) rules: Vec<Rule<M>>,
    pub(super) set: RegexSet,
    /// Pattern index in `set` → rule index.
    pub(super) owner: Vec<usize>,
}

impl<M> Section<M> {
    pub(super) fn new(mask: Option<Regex>, exclude: Option<Regex>, rules: Vec<Rule<M>>) -> std::result::Result<Self, String> {
        let mut sources = Vec::new();
        let mut owner = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for p in &r.patterns {
                sources.push(p.as_str().to_string());
                owner.push(i);
            }
        }
        let set = RegexSetBuilder::new(&sources)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(DFA_CACHE)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Section { mask, exclude, rules, set, owner })
    }

    /// Pushes the rules that fire on `folded` (in rule order), stopping after
    /// the first when `first_only`.
    fn find<'s>(&'s self, folded: &str, first_only: bool, out: &mut Vec<(&'s Rule<M>, String)>) {
        if self.exclude.as_ref().is_some_and(|e| e.is_match(folded)) {
            return;
        }
        let masked = apply_mask(self.mask.as_ref(), folded);
        let hits = self.set.matches(&masked);
        if !hits.matched_any() {
            return;
        }
        let mut last = usize::MAX;
        // Patterns were added in rule order, so rule indices ascend.
        for p in hits.iter() {
            let ri = self.owner[p];
            if ri == last {
                continue;
            }
            last = ri;
            let rule = &self.rules[ri];
            if rule.exclude.as_ref().is_some_and(|e| e.is_match(folded)) {
                continue;
            }
            let text = apply_mask(rule.mask.as_ref(), &masked);
            if let Some(m) = rule.patterns.iter().find_map(|p| p.find(&text)) {
                out.push((rule, m.as_str().to_string()));
                if first_only {
                    return;
                }
            }
        }
    }
}

fn apply_mask<'t>(mask: Option<&Regex>, text: &'t str) -> Cow<'t, str> {
    match mask {
        Some(m) if has_mask_group(m) => {
            let spans = mask_spans(m, text);
            if spans.is_empty() {
                return Cow::Borrowed(text);
            }
            let mut out = String::with_capacity(text.len());
            let mut at = 0;
            for r in spans {
                out.push_str(&text[at..r.start]);
                out.push_str(MASK_FILL);
                at = r.end;
            }
            out.push_str(&text[at..]);
            Cow::Owned(out)
        }
        Some(m) => m.replace_all(text, NoExpand(MASK_FILL)),
        None => Cow::Borrowed(text),
    }
}

/// Capture groups that narrow a mask: a mask pattern written
/// `(?<m>たら)(?:[^し]|$)` blanks only `たら` and leaves the context it
/// needed (the regex crate has no look-ahead). When masks are joined into
/// one alternation the loader renames them `m0`, `m1` …
fn is_mask_group(name: &str) -> bool {
    name.strip_prefix('m').is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
}

fn has_mask_group(m: &Regex) -> bool {
    m.capture_names().flatten().any(is_mask_group)
}

/// Byte ranges a mask blanks in `text`: each match, or only its `m` group
/// when the pattern has one (matches without the group blank nothing).
pub(super) fn mask_spans(m: &Regex, text: &str) -> Vec<std::ops::Range<usize>> {
    if !has_mask_group(m) {
        return m.find_iter(text).map(|x| x.range()).collect();
    }
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for c in m.captures_iter(text) {
        // The alternative that matched may have no mask group: then the whole match.
        let group = m
            .capture_names()
            .enumerate()
            .filter(|(_, n)| n.is_some_and(is_mask_group))
            .find_map(|(i, _)| c.get(i));
        let r = group.or_else(|| c.get(0)).map_or(0..0, |g| g.range());
        if r.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// All sections of one group, in load order.
#[derive(Debug, Clone)]
pub(super) struct Group<M> {
    pub(super) sections: Vec<Section<M>>,
}

impl<M> Default for Group<M> {
    fn default() -> Self {
        Group { sections: Vec::new() }
    }
}

impl<M> Group<M> {
    pub(super) fn find(&self, folded: &str, first_only: bool) -> Vec<(&Rule<M>, String)> {
        let mut out = Vec::new();
        for s in &self.sections {
            s.find(folded, first_only, &mut out);
            if first_only && !out.is_empty() {
                break;
            }
        }
        out
    }

    /// Byte ranges of `folded` that the groups' masks (group-level and
    /// rule-level) blank out; the lexicon ignores words inside them.
    pub(super) fn mask_ranges(&self, folded: &str) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        for s in &self.sections {
            for m in s.mask.iter() {
                out.extend(mask_spans(m, folded));
            }
        }
        out
    }

    pub(super) fn rules(&self) -> impl Iterator<Item = &Rule<M>> {
        self.sections.iter().flat_map(|s| s.rules.iter())
    }

    pub(super) fn ids(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().flat_map(|s| s.rules.iter().map(|r| r.id.as_str()))
    }

    /// Drops rules whose id is in `ids`, rebuilding the sets it touches.
    pub(super) fn remove_ids(&mut self, ids: &HashSet<String>)
    where
        M: Clone,
    {
        for s in &mut self.sections {
            if s.rules.iter().any(|r| ids.contains(&r.id)) {
                let kept: Vec<Rule<M>> = s.rules.iter().filter(|r| !ids.contains(&r.id)).cloned().collect();
                // A subset of patterns that already compiled as a set compiles again.
                *s = Section::new(s.mask.take(), s.exclude.take(), kept).expect("subset of a compiled set");
            }
        }
        self.sections.retain(|s| !s.rules.is_empty());
    }
}
