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
        Some(m) => m.replace_all(text, NoExpand(MASK_FILL)),
        None => Cow::Borrowed(text),
    }
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
                out.extend(m.find_iter(folded).map(|x| x.range()));
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
