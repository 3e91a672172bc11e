//! Compiled rules and how they match: one Aho-Corasick pass per section over
//! literals of which every match of a pattern contains one (its prefixes, or
//! those of a part it cannot match without), then only the patterns whose
//! literals occur are run, then masks, excludes and a confirmation of the
//! few rules that matched. A second scan ([`Companions`]) checks the
//! literals of a pattern's other required parts (a card named, but no
//! event word: the pattern is not run), for masks and excludes too.
//!
//! A pattern whose literals are its prefixes (most: a word list first) is
//! searched anchored, from each place one occurs, not across the whole
//! message (or one character before, after an opening such as
//! `(?:^|[。、])`). An unanchored search carries "a match may start here"
//! threads for every branch of the word list at every byte, so on a
//! message never seen before its lazy DFA builds many large states;
//! anchored ones build a few small ones. Excludes and masks are searched
//! the same way when their literals allow (a mask that opens with a lazy
//! gap, from the literals after it: see `LeadGap`). On 506 unseen dev messages
//! (`PROBE_WARM`, `scripts/callgrind-turns.sh`) a turn took 6.14 M
//! instructions before and 1.68 M after.
//!
//! A `RegexSet` over all patterns was the first design: its lazy DFA has so
//! many states (word lists × bounded gaps) that on real, varied messages it
//! kept rebuilding them — about 1 ms per message (`examples/rules_warmth`).
//! Each pattern alone stays small and its DFA warm.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::mask::{MaskRegex, push_joined};

use super::pattern::{LazyDfa, Pattern, lazy_dfa};

/// What a mask leaves behind: a sentence break, so gaps cannot bridge it.
const MASK_FILL: &str = "。";
/// Compiled-size limit per regex; the bounded gaps over Unicode classes are
/// large but still far below this.
pub(super) const SIZE_LIMIT: usize = 64 << 20;
/// Cap on the literals taken from one pattern: beyond it the extractor
/// shortens them (still sound), and an alternation whose branches together
/// exceed it runs on every message.
const MAX_PREFIXES: usize = 4096;
/// Literals are cut to this many characters (a cut literal is still
/// required) and those another one starts are dropped (「当選という」 where
/// 「当選と」 is kept). The urgent section's 30,795 literals became 1,375 and
/// the rule set 10 MiB smaller; the automaton is faster too, and longer
/// literals hardly make the prefilter more selective on customer messages.
const LITERAL_CHARS: usize = 4;

/// One compiled rule.
#[derive(Debug, Clone)]
pub(super) struct Rule<M> {
    pub(super) id: String,
    /// Where the rule was written: file and line.
    pub(super) origin: (std::path::PathBuf, usize),
    pub(super) meta: M,
    pub(super) patterns: Vec<Pattern>,
    /// The rule's own masks, applied as one alternation (see [`MaskSet`]).
    pub(super) mask: Vec<MaskRegex>,
    pub(super) exclude: Option<Exclude>,
}

/// The rules of one group from one file, with that file's group-level
/// mask and exclude, and a prefilter over all their patterns.
#[derive(Debug, Clone)]
pub(super) struct Section<M> {
    /// The group's masks.
    masks: MaskSet,
    /// The group's exclude, behind its gates (it would run on every
    /// message, so it gets the same literal tests as the patterns).
    pub(super) exclude: Option<Exclude>,
    pub(super) rules: Vec<Rule<M>>,
    /// Per rule, its own masks (empty when it has none).
    rule_masks: Vec<MaskSet>,
    /// Every pattern of every rule, in rule order.
    patterns: Vec<Pattern>,
    /// Pattern index → rule index.
    owner: Vec<usize>,
    prefilter: Prefilter,
    companions: Companions,
}

/// Which patterns can match a text: those with one of their required
/// literals in it, and those without a usable literal set (always run).
#[derive(Debug, Clone)]
struct Prefilter {
    literals: Option<AhoCorasick>,
    /// Literal index → the patterns that require it (or another of theirs),
    /// each with where its matches can start relative to the literal (where
    /// they are its prefixes, it need only be tried, anchored, there).
    starts: Vec<Vec<(u32, Start)>>,
    always: Vec<u32>,
    /// No literal holds the mask fill 。, so masking cannot create one.
    fill_safe: bool,
}

impl Prefilter {
    fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> std::result::Result<Self, String> {
        let mut ids: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut starts: Vec<Vec<(u32, Start)>> = Vec::new();
        let mut always = Vec::new();
        for (pi, p) in patterns.into_iter().enumerate() {
            match literals_of(p) {
                Some(set) => {
                    for (lit, start) in set {
                        let id = *ids.entry(lit.clone()).or_insert_with(|| {
                            literals.push(lit);
                            starts.push(Vec::new());
                            literals.len() - 1
                        });
                        starts[id].push((pi as u32, start));
                    }
                }
                None => always.push(pi as u32),
            }
        }
        let fill = MASK_FILL.as_bytes();
        let fill_safe = literals.iter().all(|l| !l.windows(fill.len()).any(|w| w == fill));
        let literals = if literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&literals)
                    .map_err(|e| e.to_string())?,
            )
        };
        Ok(Prefilter { literals, starts, always, fill_safe })
    }

    /// True when no pattern can match `text` or any masking of it: masks
    /// only replace spans by 。, so a literal absent from the text stays
    /// absent (unless it holds 。).
    fn rules_out(&self, text: &str) -> bool {
        self.always.is_empty() && self.fill_safe && self.literals.as_ref().is_none_or(|ac| !ac.is_match(text))
    }

    /// The patterns worth running on `text`, ascending (so rule order
    /// holds), each with where its matches can start: the positions of its
    /// prefix literals, ascending, or `None` (anywhere).
    fn starts(&self, text: &str, out: &mut Vec<(u32, Option<usize>)>) {
        out.clear();
        out.extend(self.always.iter().map(|&p| (p, None)));
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(text) {
                for &(p, start) in &self.starts[m.pattern().as_usize()] {
                    match start {
                        Start::Anywhere => out.push((p, None)),
                        start => start.each(text, m.start(), |s| out.push((p, Some(s)))),
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// The second literal test of a pattern: besides the literals its starts
/// come from, every match of an object-gap-event pattern holds one of its
/// event words, and most messages that name a card name no event. Each of
/// the pattern's other required parts gives a literal set (for an
/// alternation, each branch its own sets); the pattern runs only if the
/// text holds a literal of every set of some branch (one scan for all
/// patterns of a section).
#[derive(Debug, Clone, Default)]
struct Companions {
    literals: Option<AhoCorasick>,
    /// Per pattern: its branches, each its required sets as literal indices.
    conditions: Vec<Vec<Vec<Vec<u32>>>>,
}

impl Companions {
    fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> std::result::Result<Self, String> {
        let mut ids: std::collections::HashMap<Vec<u8>, u32> = std::collections::HashMap::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut id = |l: Vec<u8>| -> u32 {
            *ids.entry(l.clone()).or_insert_with(|| {
                literals.push(l);
                (literals.len() - 1) as u32
            })
        };
        let conditions: Vec<Vec<Vec<Vec<u32>>>> = patterns
            .into_iter()
            .map(|p| {
                required_parts(p)
                    .into_iter()
                    .map(|branch| branch.into_iter().map(|set| set.into_iter().map(&mut id).collect()).collect())
                    .collect()
            })
            .collect();
        let literals = match literals.is_empty() {
            true => None,
            // The contiguous NFA, as for gates: one per exclude and rule
            // mask, so size matters more than the last bit of speed.
            false => Some(
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .match_kind(MatchKind::Standard)
                    .build(&literals)
                    .map_err(|e| e.to_string())?,
            ),
        };
        Ok(Companions { literals, conditions })
    }

    /// Which literals occur in `text` (`present[i]`).
    fn scan(&self, text: &str, present: &mut Vec<bool>) {
        present.clear();
        if let Some(ac) = &self.literals {
            present.resize(ac.patterns_len(), false);
            for m in ac.find_overlapping_iter(text) {
                present[m.pattern().as_usize()] = true;
            }
        }
    }

    /// For the test of one pattern: false when it cannot match `text`.
    fn allows(&self, text: &str) -> bool {
        // No literals: no pattern has a set.
        self.literals.is_none() || {
            let mut present = Vec::new();
            self.scan(text, &mut present);
            self.allow(0, &present)
        }
    }

    /// False when pattern `p` cannot match a text whose literals are
    /// `present` (from [`Companions::scan`] of that text).
    fn allow(&self, p: u32, present: &[bool]) -> bool {
        let branches = &self.conditions[p as usize];
        branches.is_empty() || branches.iter().any(|sets| sets.iter().all(|set| set.iter().any(|&l| present[l as usize])))
    }
}

/// Per branch of `pattern` (one, unless it is an alternation), the literal
/// sets of the parts every match of that branch must contain (see
/// [`required`]): of each part of a concatenation, or of the whole branch.
/// Sets with a one-character literal are left out (a particle occurs in
/// most messages and would only cost the scan); a branch left with no set
/// can always match, and then so can the pattern (no branches returned).
fn required_parts(pattern: &str) -> Vec<Vec<Vec<Vec<u8>>>> {
    use regex_syntax::hir::{Hir, HirKind};
    let Ok(mut hir) = regex_syntax::ParserBuilder::new().build().parse(pattern) else { return Vec::new() };
    while let HirKind::Capture(c) = hir.kind() {
        hir = (*c.sub).clone();
    }
    let one_char = |l: &Vec<u8>| std::str::from_utf8(l).map_or(l.len() < 2, |s| s.chars().count() < 2);
    let sets = |h: &Hir| -> Vec<Vec<Vec<u8>>> {
        let parts = match h.kind() {
            HirKind::Concat(parts) => parts.iter().collect(),
            _ => vec![h],
        };
        parts.into_iter().filter_map(required).filter(|set| !set.iter().any(one_char)).collect()
    };
    let branches: Vec<Vec<Vec<Vec<u8>>>> = match hir.kind() {
        HirKind::Alternation(branches) => branches.iter().map(sets).collect(),
        _ => vec![sets(&hir)],
    };
    if branches.iter().any(Vec::is_empty) { Vec::new() } else { branches }
}

/// A cheap test that a regex cannot match: none of the literals that every
/// match contains occurs (no literals known: it may always match). When
/// they are its prefixes, where they occur is where a match can start.
#[derive(Debug, Clone, Default)]
struct Gate {
    literals: Option<AhoCorasick>,
    /// Literal index → where a match can start relative to it.
    starts: Vec<Start>,
}

impl Gate {
    fn new(pattern: Option<&str>) -> std::result::Result<Self, String> {
        match pattern.and_then(literals_of) {
            Some(set) => Gate::of(set),
            None => Ok(Gate::default()),
        }
    }

    /// The gate of a literal set.
    fn of(set: Vec<(Vec<u8>, Start)>) -> std::result::Result<Self, String> {
        // The contiguous NFA: a gate per mask and exclude, so size matters
        // more than the last bit of speed (a DFA would be several MiB).
        let ac = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(set.iter().map(|(l, _)| l))
            .map_err(|e| e.to_string())?;
        Ok(Gate { literals: Some(ac), starts: set.into_iter().map(|(_, s)| s).collect() })
    }

    fn may_match(&self, text: &str) -> bool {
        self.literals.as_ref().is_none_or(|ac| ac.is_match(text))
    }

    /// Whether its literals say where a match can start.
    fn is_anchored(&self) -> bool {
        self.literals.is_some() && !self.starts.contains(&Start::Anywhere)
    }

    /// Where a match can start in `text`, ascending, when the literals say
    /// (`None`: anywhere, or no literals known).
    fn match_starts(&self, text: &str) -> Option<Vec<usize>> {
        if !self.is_anchored() {
            return None;
        }
        let ac = self.literals.as_ref()?;
        let mut starts: Vec<usize> = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            self.starts[m.pattern().as_usize()].each(text, m.start(), |s| starts.push(s));
        }
        starts.sort_unstable();
        starts.dedup();
        Some(starts)
    }

    /// Whether `pattern`, the one the gate was built for, matches `text`:
    /// not at all without its literals, searched from where they occur when
    /// they are its prefixes.
    fn is_match(&self, pattern: &Pattern, text: &str) -> bool {
        match self.match_starts(text) {
            Some(starts) => pattern.is_match_from(text, starts.into_iter()),
            None => self.may_match(text) && pattern.is_match(text),
        }
    }
}

/// An exclude behind its gates. Excludes are alternations of phrases, and
/// one branch without literal starts made the whole alternation run
/// unanchored on every message (a lazy DFA building states on text it had
/// not seen). Split at the top, the branches whose literals say where they
/// start are one pattern searched from there, the others a second one;
/// the exclude matches when either does.
#[derive(Debug, Clone)]
pub(super) struct Exclude {
    /// The exclude as written (its list joined), for tests.
    #[cfg(test)]
    source: Arc<str>,
    /// Each part with its gate and its second literal test.
    parts: Vec<(Pattern, Gate, Companions)>,
}

impl Exclude {
    pub(super) fn new(pattern: &Pattern) -> std::result::Result<Self, String> {
        let halves = match split_anchored(pattern.as_str()) {
            None => vec![pattern.clone()],
            Some((anchored, rest)) => [anchored, rest]
                .iter()
                .map(|half| Pattern::new(half, SIZE_LIMIT).map_err(|e| e.to_string()))
                .collect::<std::result::Result<_, _>>()?,
        };
        let parts = halves
            .into_iter()
            .map(|p| {
                let gate = Gate::new(Some(p.as_str()))?;
                let companions = Companions::new([p.as_str()])?;
                Ok((p, gate, companions))
            })
            .collect::<std::result::Result<_, String>>()?;
        Ok(Exclude {
            #[cfg(test)]
            source: pattern.as_str().into(),
            parts,
        })
    }

    /// The exclude as written.
    #[cfg(test)]
    pub(super) fn as_str(&self) -> &str {
        &self.source
    }

    pub(super) fn is_match(&self, text: &str) -> bool {
        self.parts.iter().any(|(p, gate, companions)| companions.allows(text) && gate.is_match(p, text))
    }
}

/// The top-level branches of `pattern` split into those whose literals say
/// where their matches start and the others, as two alternations; `None`
/// when all are of one kind.
fn split_anchored(pattern: &str) -> Option<(String, String)> {
    use regex_syntax::hir::{Hir, HirKind};
    fn branches(h: &Hir, out: &mut Vec<Hir>) {
        match h.kind() {
            HirKind::Alternation(bs) => bs.iter().for_each(|b| branches(b, out)),
            _ => out.push(h.clone()),
        }
    }
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    let mut all = Vec::new();
    branches(&hir, &mut all);
    let (anchored, rest): (Vec<Hir>, Vec<Hir>) =
        all.into_iter().partition(|b| anchors(b).is_some());
    (!anchored.is_empty() && !rest.is_empty()).then(|| (Hir::alternation(anchored).to_string(), Hir::alternation(rest).to_string()))
}

/// Where a mask's matches can start in a text, ascending (`None`: anywhere).
type MatchStarts = Option<Vec<usize>>;

/// A mask of a [`MaskSet`]. Where its matches can start comes from the
/// set's literal scan, except for a mask that opens with a lazy gap
/// (`[^。!?\n]{0,60}?…`, `{GAP}{0,30}?…`): its gate holds the literals of
/// the rest, and `lead` finds the start from there.
#[derive(Debug, Clone)]
struct Mask {
    regex: MaskRegex,
    anchors: Option<Gate>,
    lead: Option<LeadGap>,
}

/// `G{0,n}?REST`: every match is a run of at most `n` matches of `G`
/// followed by a match of `REST`, which starts at one of its literals. A
/// match starts at the earliest place from which such a run reaches a
/// place where `REST` matches, so the leftmost match starts at the
/// earliest of those over the places `REST` matches. The run is found by
/// a small reverse lazy DFA over `G{0,n}` anchored at that place (longest
/// run backwards = earliest start); it stays warm, since its states only
/// count units, whatever the text (`G` is a class such as `[^。!?\n]`, or
/// the `{GAP}` unit that also takes an ellipsis).
#[derive(Debug, Clone)]
struct LeadGap {
    run: Arc<LazyDfa>,
    rest: Pattern,
    /// How far after the best start so far a later place of the rest can
    /// still give an earlier one: 0 when `G` is one character of a class
    /// (a run reaching back past an earlier place would also serve that
    /// place, so the first place is the leftmost), the longest run in
    /// bytes when bounded, else no limit (every later place is tried).
    reach: Option<usize>,
}

impl LeadGap {
    /// The mask's lead gap and the gate of the rest's literals, if it has
    /// that shape.
    fn of(source: &str) -> Option<(LeadGap, Gate)> {
        use regex_automata::nfa::thompson;
        use regex_syntax::hir::{Hir, HirKind, Repetition};
        let hir = regex_syntax::ParserBuilder::new().build().parse(source).ok()?;
        let HirKind::Concat(parts) = hir.kind() else { return None };
        let HirKind::Repetition(r) = parts.first()?.kind() else { return None };
        if r.min != 0 || r.greedy || parts.len() < 2 || r.max.is_none() || r.sub.properties().explicit_captures_len() > 0 {
            return None;
        }
        let rest = Hir::concat(parts[1..].to_vec());
        let gate = Gate::of(anchors(&rest)?).ok()?;
        let pattern = Pattern::new(&rest.to_string(), SIZE_LIMIT).ok()?;
        let run = Hir::repetition(Repetition { min: 0, max: r.max, greedy: true, sub: r.sub.clone() });
        let reach = match r.sub.kind() {
            HirKind::Class(_) => Some(0),
            _ => run.properties().maximum_len(),
        };
        let nfa = thompson::Compiler::new()
            .configure(thompson::Config::new().reverse(true).which_captures(thompson::WhichCaptures::None))
            .build_from_hir(&run)
            .ok()?;
        // All matches: the reverse search runs to the longest run, the
        // earliest start.
        let run = lazy_dfa(nfa, 64 << 10, regex_automata::MatchKind::All)?;
        Some((LeadGap { run: Arc::new(run), rest: pattern, reach }, gate))
    }

    /// Where the leftmost match at or after `at` starts, given the rest's
    /// possible starts (ascending); `None` when there is none. Should the
    /// run's automaton give up, `at` (the caller's anchored search from
    /// there either matches, and that match is the leftmost, or it
    /// searches the whole text).
    fn start(&self, text: &str, at: usize, starts: &[usize]) -> Option<usize> {
        use regex_automata::{Anchored, Input};
        let (dfa, caches) = &*self.run;
        let mut cache = caches.get();
        let from = starts.partition_point(|&s| s < at);
        let mut best: Option<usize> = None;
        for &p in &starts[from..] {
            // No run reaches back past `at`, or this far back from here.
            if best == Some(at) || best.zip(self.reach).is_some_and(|(b, reach)| p > b + reach) {
                break;
            }
            if !self.rest.is_match_from(text, std::iter::once(p)) {
                continue;
            }
            let input = Input::new(text).range(at..p).anchored(Anchored::Yes);
            let Ok(Some(run)) = dfa.try_search_rev(&mut cache, &input) else { return Some(at) };
            let s = run.offset();
            best = Some(best.map_or(s, |b| b.min(s)));
        }
        best
    }
}

impl Mask {
    /// A mask in a [`MaskSet`]: the set's one literal scan gives its starts,
    /// so only a lead gap keeps a gate of its own (its rest's literals).
    fn in_group(regex: MaskRegex) -> Self {
        match LeadGap::of(regex.as_str()) {
            Some((lead, gate)) => Mask { regex, anchors: Some(gate), lead: Some(lead) },
            None => Mask { regex, anchors: None, lead: None },
        }
    }

    /// Where its matches (or, with a lead gap, their rest) can start in
    /// `text` (`None`: anywhere).
    fn starts(&self, text: &str) -> MatchStarts {
        self.anchors.as_ref().and_then(|gate| gate.match_starts(text))
    }

    /// The leftmost-first match starting at or after `at`; `starts` from
    /// [`Mask::starts`].
    fn find_at(&self, text: &str, at: usize, starts: Option<&[usize]>) -> Option<std::ops::Range<usize>> {
        match (starts, &self.lead) {
            (Some(starts), Some(lead)) => {
                let start = lead.start(text, at, starts)?;
                // The mask itself, anchored there, gives the end (or, were
                // the start wrong, nothing: then search as before).
                self.regex.find_anchored(text, start).or_else(|| self.regex.find_at(text, at))
            }
            (Some(starts), None) => {
                let from = starts.partition_point(|&s| s < at);
                starts[from..].iter().find_map(|&s| self.regex.find_anchored(text, s))
            }
            (None, _) => self.regex.find_at(text, at),
        }
    }
}

/// Where a pattern's matches can start, given where its literals occur.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Start {
    /// Anywhere: its literals are somewhere inside every match.
    #[default]
    Anywhere,
    /// Where one of them starts: they are its prefixes.
    AtLiteral,
    /// There or one character before: the pattern opens with at most one
    /// character of context (`(?:^|[。、!?\s])`, `(?:^|[^a-z])`) before the
    /// part they are the prefixes of.
    AtOrBeforeLiteral,
}

impl Start {
    /// Calls `f` with each start a literal at byte `at` of `text` allows,
    /// ascending (`Anywhere`: none).
    fn each(self, text: &str, at: usize, mut f: impl FnMut(usize)) {
        match self {
            Start::Anywhere => {}
            Start::AtLiteral => f(at),
            Start::AtOrBeforeLiteral => {
                if let Some(c) = text[..at].chars().next_back() {
                    f(at - c.len_utf8());
                }
                f(at);
            }
        }
    }
}

/// Literals of which every match of `pattern` contains at least one, when
/// a small, finite set of non-empty ones can be found (`None`: run the
/// pattern on every message), each with where a match starts relative to
/// it (one kind for all, or per branch of an alternation).
fn literals_of(pattern: &str) -> Option<Vec<(Vec<u8>, Start)>> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    anchors(&hir).or_else(|| Some(required(&hir)?.into_iter().map(|l| (l, Start::Anywhere)).collect()))
}

/// Literals every match of `hir` starts at or one character before: its
/// prefixes; those of what follows a one-character opening (`(?:^|[。、])`,
/// `(?:^|[^a-z])`); those of its first part, if never empty; or, for an
/// alternation, those of each branch.
fn anchors(hir: &regex_syntax::hir::Hir) -> Option<Vec<(Vec<u8>, Start)>> {
    use regex_syntax::hir::{Hir, HirKind};
    if let Some(set) = prefix_literals(hir) {
        return Some(set.into_iter().map(|l| (l, Start::AtLiteral)).collect());
    }
    let out = match hir.kind() {
        HirKind::Capture(c) => return anchors(&c.sub),
        HirKind::Concat(parts) if parts.len() >= 2 && at_most_one_char(&parts[0]) => {
            prefix_literals(&Hir::concat(parts[1..].to_vec()))?.into_iter().map(|l| (l, Start::AtOrBeforeLiteral)).collect()
        }
        // A match starts where its first part's does, when that part is
        // never empty.
        HirKind::Concat(parts) if parts.first().is_some_and(|p| p.properties().minimum_len().is_some_and(|n| n > 0)) => {
            return anchors(&parts[0]);
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(anchors(b)?);
            }
            all
        }
        _ => return None,
    };
    let out = minimal_anchors(out);
    (out.len() <= MAX_PREFIXES).then_some(out)
}

/// [`minimal`] for literals with start kinds: a literal another one starts
/// is dropped, and the one kept takes the wider kind of the two.
fn minimal_anchors(mut set: Vec<(Vec<u8>, Start)>) -> Vec<(Vec<u8>, Start)> {
    let cut: Vec<Vec<u8>> = minimal(set.iter().map(|(l, _)| l.clone()).collect());
    let mut out: Vec<(Vec<u8>, Start)> = cut.into_iter().map(|l| (l, Start::AtLiteral)).collect();
    set.sort_unstable();
    for (lit, start) in set {
        // The kept literal that this one starts with (`minimal` keeps one).
        if let Some(kept) = out.iter_mut().find(|(k, _)| lit.starts_with(k)) {
            kept.1 = kept.1.max(start);
        }
    }
    out
}

/// Whether every match of `hir` is empty or one character.
fn at_most_one_char(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::HirKind;
    let zero_width = |h: &regex_syntax::hir::Hir| matches!(h.kind(), HirKind::Empty | HirKind::Look(_));
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) | HirKind::Class(_) => true,
        HirKind::Literal(l) => std::str::from_utf8(&l.0).is_ok_and(|s| s.chars().count() <= 1),
        HirKind::Capture(c) => at_most_one_char(&c.sub),
        HirKind::Alternation(branches) => branches.iter().all(at_most_one_char),
        HirKind::Repetition(r) => r.max.is_some_and(|m| m <= 1) && at_most_one_char(&r.sub),
        HirKind::Concat(parts) => parts.iter().filter(|p| !zero_width(p)).count() <= 1 && parts.iter().all(at_most_one_char),
    }
}

/// The literals every match of `hir` starts with, if a small, finite set of
/// non-empty ones.
fn prefix_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Prefix).limit_total(MAX_PREFIXES);
    let seq = extractor.extract(hir);
    let literals = seq.literals()?;
    (!literals.is_empty() && literals.iter().all(|l| !l.as_bytes().is_empty()))
        .then(|| minimal(literals.iter().map(|l| l.as_bytes().to_vec()).collect()))
}

/// The prefix literals of `hir`, or else those of a part every match must
/// contain: an element of a concatenation (「(card|phone|…)…(lost|stolen)…」
/// whose object list starts with a look-behind-like `(?:^|[^a-z])` still
/// has its event words), each branch of an alternation, a repeated part.
fn required(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::HirKind;
    if let Some(set) = prefix_literals(hir) {
        return Some(set);
    }
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        // The most selective part: no one-character literal (a particle such
        // as と occurs in most messages), then the fewest literals.
        HirKind::Concat(parts) => parts.iter().filter_map(required).min_by_key(|set| {
            let one_char = set.iter().any(|l| std::str::from_utf8(l).map_or(l.len() < 2, |s| s.chars().count() < 2));
            (one_char, set.len())
        }),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(required(b)?);
            }
            let all = minimal(all);
            (all.len() <= MAX_PREFIXES).then_some(all)
        }
        _ => None,
    }
}

/// The same condition with fewer literals: each cut to [`LITERAL_CHARS`]
/// characters, and none kept that another one starts (where the longer one
/// occurs, so does the shorter). A literal the extractor cut inside a
/// character loses that partial character: 「当」 plus the first byte of 。
/// could otherwise be completed by a mask's fill.
fn minimal(mut literals: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    for l in &mut literals {
        if let Some(last) = l.iter().rposition(|&b| (b & 0xC0) != 0x80)
            && last > 0
            && std::str::from_utf8(&l[last..]).is_err()
        {
            l.truncate(last);
        }
        // Literals come from a UTF-8 pattern: cut at a character boundary.
        let mut chars = 0;
        if let Some(cut) = l.iter().position(|&b| {
            let start = (b & 0xC0) != 0x80;
            chars += usize::from(start);
            start && chars > LITERAL_CHARS
        }) {
            l.truncate(cut);
        }
    }
    literals.sort_unstable();
    literals.dedup();
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(literals.len());
    for l in literals {
        // Sorted: a literal's extensions follow it directly.
        if out.last().is_none_or(|p| !l.starts_with(p)) {
            out.push(l);
        }
    }
    out
}

/// Masks applied as one alternation: a group's, or one rule's own. Each
/// mask is a regex of its own behind one literal scan for all of them.
#[derive(Debug, Clone)]
struct MaskSet {
    masks: Vec<Mask>,
    /// Which masks can match a text, and where (one scan for all).
    filter: Prefilter,
    companions: Companions,
    /// Some mask narrows its span with an `m` group: spans that touch are
    /// joined into one fill (as the joined alternation's capture path did);
    /// otherwise each match gets its own fill (as `replace_all` did).
    narrowed: bool,
}

impl MaskSet {
    fn new(masks: Vec<MaskRegex>) -> std::result::Result<Self, String> {
        let filter = Prefilter::new(masks.iter().map(MaskRegex::as_str))?;
        let companions = Companions::new(masks.iter().map(MaskRegex::as_str))?;
        let narrowed = masks.iter().any(MaskRegex::is_narrowed);
        let masks = masks.into_iter().map(Mask::in_group).collect();
        Ok(MaskSet { masks, filter, companions, narrowed })
    }

    fn is_empty(&self) -> bool {
        self.masks.is_empty()
    }

    /// The masks' sources, in order.
    fn regexes(&self) -> impl Iterator<Item = &MaskRegex> {
        self.masks.iter().map(|m| &m.regex)
    }

    /// Byte ranges the masks blank in `text`, exactly as if they
    /// were one alternation matched left to right: at the leftmost position
    /// where any mask matches, the first mask (in file order) that matches
    /// there wins, and the text it matched is not matched again (so a mask
    /// with an empty `m` group claims a span without blanking it).
    ///
    /// The masks were once joined into one regex. On a message never seen
    /// before, its lazy DFA (word lists × bounded gaps over Unicode classes)
    /// built new states at about a million instructions per message; each
    /// mask alone is small, and most never run (one literal scan rules them
    /// out).
    fn spans(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        if self.masks.is_empty() {
            return Vec::new();
        }
        // The masks worth running, with where their literals put match
        // starts (the one literal scan for all of them; a mask with a lead
        // gap has its own literals, those of the rest).
        let mut found = Vec::new();
        self.filter.starts(text, &mut found);
        if !found.is_empty() {
            let mut present = Vec::new();
            self.companions.scan(text, &mut present);
            found.retain(|(m, _)| self.companions.allow(*m, &present));
        }
        // Per candidate: its starts once known (`Some(None)`: anywhere).
        let (candidates, mut starts): (Vec<u32>, Vec<Option<MatchStarts>>) = found
            .chunk_by(|a, b| a.0 == b.0)
            .map(|g| {
                let anchored = g[0].1.is_some() && self.masks[g[0].0 as usize].lead.is_none();
                (g[0].0, anchored.then(|| Some(g.iter().filter_map(|x| x.1).collect())))
            })
            .unzip();
        // Each candidate's leftmost match from the last search position; a
        // match starting at or after the current position is still its
        // leftmost one from there.
        let mut next: Vec<Option<std::ops::Range<usize>>> = vec![None; candidates.len()];
        let mut searched = vec![false; candidates.len()];
        let mut out: Vec<std::ops::Range<usize>> = Vec::new();
        let mut at = 0;
        while at <= text.len() {
            let mut best: Option<(usize, std::ops::Range<usize>)> = None;
            for (c, &i) in candidates.iter().enumerate() {
                let mask = &self.masks[i as usize];
                if !searched[c] || next[c].as_ref().is_some_and(|m| m.start < at) {
                    let from = starts[c].get_or_insert_with(|| mask.starts(text));
                    next[c] = mask.find_at(text, at, from.as_deref());
                    searched[c] = true;
                }
                if let Some(m) = &next[c]
                    && best.as_ref().is_none_or(|(_, b)| m.start < b.start)
                {
                    best = Some((c, m.clone()));
                }
            }
            let Some((c, m)) = best else { break };
            let mask = &self.masks[candidates[c] as usize].regex;
            let span = if mask.is_narrowed() { mask.blanked_at(text, m.start).unwrap_or(0..0) } else { m.clone() };
            if !span.is_empty() {
                if self.narrowed {
                    push_joined(&mut out, span);
                } else {
                    out.push(span);
                }
            }
            at = if m.is_empty() { text[m.end..].chars().next().map_or(text.len() + 1, |ch| m.end + ch.len_utf8()) } else { m.end };
        }
        out
    }
}

impl<M> Section<M> {
    /// The section of `rules` with the group's `masks` and `exclude`.
    pub(super) fn new(masks: Vec<MaskRegex>, exclude: Option<Exclude>, rules: Vec<Rule<M>>) -> std::result::Result<Self, String> {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for p in &r.patterns {
                patterns.push(p.clone());
                owner.push(i);
            }
        }
        let prefilter = Prefilter::new(patterns.iter().map(Pattern::as_str))?;
        let companions = Companions::new(patterns.iter().map(Pattern::as_str))?;
        let masks = MaskSet::new(masks)?;
        let rule_masks = rules.iter().map(|r| MaskSet::new(r.mask.clone())).collect::<std::result::Result<_, String>>()?;
        Ok(Section { masks, exclude, rules, rule_masks, patterns, owner, prefilter, companions })
    }

    /// Byte ranges the group's masks blank in `text` (see [`MaskSet::spans`]).
    fn mask_spans(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        self.masks.spans(text)
    }

    /// `text` with the group's masks applied.
    fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        fill_spans(text, &self.mask_spans(text))
    }

    /// Pushes the rules that fire on `folded` (in rule order), stopping after
    /// the first when `first_only`.
    fn find<'s>(&'s self, folded: &str, first_only: bool, out: &mut Vec<(&'s Rule<M>, String)>) {
        // Most messages hold none of a section's literals: skip the masks.
        if self.prefilter.rules_out(folded) {
            return;
        }
        if self.exclude.as_ref().is_some_and(|e| e.is_match(folded)) {
            return;
        }
        let masked = self.mask(folded);
        let mut last = usize::MAX;
        // Room for the usual few dozen starts at once, not grown by doubling.
        let mut starts = Vec::with_capacity(64);
        self.prefilter.starts(&masked, &mut starts);
        // Patterns were added in rule order, so rule indices ascend; a
        // pattern's start positions follow one another.
        let groups: Vec<&[(u32, Option<usize>)]> = starts.chunk_by(|a, b| a.0 == b.0).collect();
        let mut present = Vec::new();
        if !groups.is_empty() {
            self.companions.scan(&masked, &mut present);
        }
        for (gi, group) in groups.iter().enumerate() {
            let p = group[0].0;
            let ri = self.owner[p as usize];
            if ri == last || !self.companions.allow(p, &present) {
                continue;
            }
            let pattern = &self.patterns[p as usize];
            let matched = match group[0].1 {
                Some(_) => pattern.is_match_from(&masked, group.iter().filter_map(|g| g.1)),
                None => pattern.is_match(&masked),
            };
            if !matched {
                continue;
            }
            last = ri;
            let rule = &self.rules[ri];
            let mask = &self.rule_masks[ri];
            if rule.exclude.as_ref().is_some_and(|e| e.is_match(folded)) {
                continue;
            }
            let text = match mask.is_empty() {
                false => fill_spans(&masked, &mask.spans(&masked)),
                true => Cow::Borrowed(&*masked),
            };
            // The rule's patterns that can match are this one and those
            // after it with literals in the text, at the starts found (found
            // again if the rule's mask changed the text).
            let mut again = Vec::new();
            let regrouped: Vec<&[(u32, Option<usize>)]>;
            let rest: &[&[(u32, Option<usize>)]] = match &text {
                Cow::Borrowed(_) => &groups[gi..],
                Cow::Owned(t) => {
                    self.prefilter.starts(t, &mut again);
                    regrouped = again.chunk_by(|a, b| a.0 == b.0).skip_while(|g| self.owner[g[0].0 as usize] != ri).collect();
                    &regrouped
                }
            };
            let found = rest.iter().take_while(|g| self.owner[g[0].0 as usize] == ri).find_map(|g| {
                let pattern = &self.patterns[g[0].0 as usize];
                match g[0].1 {
                    Some(_) => pattern.find_from(&text, g.iter().filter_map(|g| g.1)),
                    None => pattern.find(&text),
                }
            });
            if let Some(m) = found {
                out.push((rule, m.to_string()));
                if first_only {
                    return;
                }
            }
        }
    }
}

/// `text` with each of the sorted, disjoint `spans` replaced by the fill.
fn fill_spans<'t>(text: &'t str, spans: &[std::ops::Range<usize>]) -> Cow<'t, str> {
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
    /// False when no rule of any section can fire on `text`: one literal
    /// scan, no masks (see `Prefilter::rules_out`).
    pub(super) fn may_fire(&self, text: &str) -> bool {
        self.sections.iter().any(|s| !s.prefilter.rules_out(text))
    }

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

    /// `folded` with each section's group masks applied in turn.
    pub(super) fn masked<'t>(&self, folded: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(folded);
        for s in &self.sections {
            if let Cow::Owned(t) = s.mask(&text) {
                text = Cow::Owned(t);
            }
        }
        text
    }

    /// Byte ranges of `folded` that the groups' masks (group-level and
    /// rule-level) blank out; the lexicon ignores words inside them.
    pub(super) fn mask_ranges(&self, folded: &str) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        for s in &self.sections {
            out.extend(s.mask_spans(folded));
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
                let masks = s.masks.regexes().cloned().collect();
                *s = Section::new(masks, s.exclude.take(), kept).expect("subset of a compiled set");
            }
        }
        self.sections.retain(|s| !s.rules.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::super::mask::is_mask_group;
    use super::*;
    use regex::Regex;

    fn lits(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    /// Byte ranges a mask blanks, by the regex crate's own searches (the
    /// reference the matcher must agree with): each match, or only its
    /// first `m` group that took part; touching spans join.
    fn mask_spans(m: &Regex, text: &str) -> Vec<std::ops::Range<usize>> {
        let groups: Vec<usize> =
            m.capture_names().enumerate().filter(|(_, n)| n.is_some_and(is_mask_group)).map(|(i, _)| i).collect();
        if groups.is_empty() {
            return m.find_iter(text).map(|x| x.range()).collect();
        }
        let mut out: Vec<std::ops::Range<usize>> = Vec::new();
        for c in m.captures_iter(text) {
            let r = groups.iter().find_map(|&g| c.get(g)).or_else(|| c.get(0)).map_or(0..0, |g| g.range());
            if !r.is_empty() {
                push_joined(&mut out, r);
            }
        }
        out
    }

    /// A mask applied as the regex crate applies it.
    fn apply_mask<'t>(m: &Regex, text: &'t str) -> Cow<'t, str> {
        if m.capture_names().flatten().any(is_mask_group) {
            fill_spans(text, &mask_spans(m, text))
        } else {
            m.replace_all(text, regex::NoExpand(MASK_FILL))
        }
    }

    fn mask_regex(source: &str) -> MaskRegex {
        MaskRegex::new(source, SIZE_LIMIT).unwrap()
    }

    /// The group masks as the loader once joined them: one alternation.
    fn joined<M>(s: &Section<M>) -> Option<Regex> {
        joined_set(&s.masks)
    }

    /// A set of masks as the loader once joined them: one alternation.
    fn joined_set(set: &MaskSet) -> Option<Regex> {
        let parts: Vec<String> = set
            .regexes()
            .enumerate()
            .map(|(i, r)| format!("(?:{})", r.as_str().replace("(?<m>", &format!("(?<m{i}>"))))
            .collect();
        (!parts.is_empty()).then(|| regex::RegexBuilder::new(&parts.join("|")).size_limit(SIZE_LIMIT).build().unwrap())
    }

    fn old_spans<M>(s: &Section<M>, text: &str) -> Vec<std::ops::Range<usize>> {
        joined(s).map_or_else(Vec::new, |j| mask_spans(&j, text))
    }

    /// A mask that opens with a lazy gap over a class is found from the
    /// rest's literals, with the regex crate's spans.
    #[test]
    fn lead_gap_masks_agree_with_the_regex_crate() {
        let masks = [
            "[^。]{0,3}?たと思",
            "[^。!?\\n]{0,6}?(?:た|だ)(?:と|って)(?:思|おも)",
            "[^。]{0,2}?(?<m>もし)か",
            // The {GAP} unit: a character, or an ellipsis of dots or ・.
            "(?:(?:[^。.!?\\n]|\\.\\.+|・・+)){0,4}?(?:と|[^黙]つて)(?:言|いう)",
        ];
        let texts = [
            "さっき落としたと思ったら",
            "。。たと思",
            "abcdたと思",
            "あいうえおかきたと思う",
            "たと思たと思",
            "x。yたと思。zzzzだって思",
            "",
            "もしもしか",
            "ああもしかして",
            "彼は..つて言った",
            "a.つて言う",
            "あいう..えおと言",
            "x。y......と言う",
            "ab.cd・・・・と言",
            "と言",
            "かきくけこさしすせそと言う",
            "..。..つていう、またと言",
            // A later place of the rest gives an earlier start (the run
            // from 言 reaches over the dots; the first と is not a match).
            "ab..つて言と言",
        ];
        for m in masks {
            let set = MaskSet::new(vec![mask_regex(m)]).unwrap();
            let mask = &set.masks[0];
            assert!(mask.lead.is_some(), "{m}");
            let reference = Regex::new(m).unwrap();
            for t in texts {
                assert_eq!(set.spans(t), mask_spans(&reference, t), "{m} on {t}");
                let starts = mask.starts(t);
                for at in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
                    assert_eq!(mask.find_at(t, at, starts.as_deref()), reference.find_at(t, at).map(|m| m.range()), "{m} on {t} from {at}");
                }
            }
        }
    }

    #[test]
    fn masks_one_by_one_blank_what_their_alternation_blanked() {
        // Order matters: the first mask claims もしもし (blanking only the
        // group), so the second, broader one does not match inside it.
        let masks = ["(?<m>)もしもし", "もし[^。]{0,6}", "(?<m>たら)(?:[^し]|$)", "たら(?:ば)?", "[ab]{1,3}"];
        let masks: Vec<MaskRegex> = masks.iter().map(|m| mask_regex(m)).collect();
        let section: Section<()> = Section::new(masks, None, Vec::new()).unwrap();
        for text in ["もしもし、かーど", "もしかーどを", "なくしたらしい", "なくしたらば", "abab もしもしもし", "", "たら"] {
            assert_eq!(section.mask_spans(text), old_spans(&section, text), "{text}");
        }
        assert_eq!(section.mask_spans("もしもし、かーど"), Vec::<std::ops::Range<usize>>::new());
        // The bundled groups, on every dev message and harassment example.
        let rules = super::super::RuleSet::bundled().unwrap();
        let texts = dev_texts(&["tests/decisions/dev", "data/harassment"]);
        assert!(texts.len() > 2000, "{} texts", texts.len());
        fn check<M>(group: &Group<M>, texts: &[String]) -> usize {
            let mut masked = 0;
            for s in &group.sections {
                let old = joined(s).expect("the group has masks");
                let rule_masks: Vec<(&MaskSet, Regex)> =
                    s.rule_masks.iter().filter_map(|m| Some((m, joined_set(m)?))).collect();
                for text in texts {
                    let new = s.mask_spans(text);
                    assert_eq!(fill_spans(text, &new), apply_mask(&old, text), "{text}");
                    masked += usize::from(!new.is_empty());
                    // A rule's own masks, each found from its literals,
                    // blank what their joined alternation blanked.
                    for (mask, reference) in &rule_masks {
                        let spans = mask.spans(text);
                        assert_eq!(fill_spans(text, &spans), apply_mask(reference, text), "{} on {text}", reference.as_str());
                        masked += usize::from(!spans.is_empty());
                    }
                }
            }
            masked
        }
        let masked = check(&rules.urgent, &texts)
            + check(&rules.harassment, &texts)
            + check(&rules.handoff, &texts)
            + check(&rules.voc, &texts);
        // Masks without an `m` group: touching matches keep a fill each.
        let plain: Section<()> =
            Section::new(vec![mask_regex("ab"), mask_regex("cd")], None, Vec::new()).unwrap();
        assert_eq!(plain.mask("xabcdabx"), "x。。。x");
        assert!(masked > 300, "only {masked} masked texts");
    }

    /// Every message, text and turn of the JSONL files in `dirs`, folded
    /// for matching.
    fn dev_texts(dirs: &[&str]) -> Vec<String> {
        let mut texts = Vec::new();
        for dir in dirs {
            for f in std::fs::read_dir(dir).unwrap().flatten().filter(|f| f.path().extension().is_some_and(|e| e == "jsonl")) {
                let body = std::fs::read_to_string(f.path()).unwrap();
                for line in body.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()) {
                    let strings = ["query", "text", "message"].iter().filter_map(|k| line.get(*k).and_then(|v| v.as_str()).map(str::to_string));
                    let turns = line.get("turns").and_then(|t| t.as_array()).into_iter().flatten().filter_map(|t| t.as_str().map(str::to_string));
                    texts.extend(strings.chain(turns).map(|t| super::super::match_text(&t)));
                }
            }
        }
        texts
    }

    /// Every bundled rule pattern and exclude, on every dev text (and its
    /// spoken reading) its literals select, answers as the regex crate does:
    /// searched anywhere, and (a pattern with prefix literals) searched only
    /// from where its literals occur, as the matcher runs it.
    #[test]
    fn bundled_patterns_agree_with_the_regex_crate_on_dev_texts() {
        let rules = super::super::RuleSet::bundled().unwrap();
        let mut texts = dev_texts(&["tests/decisions/dev"]);
        let spoken: Vec<String> = texts.iter().filter_map(|t| super::super::spoken(t)).collect();
        texts.extend(spoken);
        assert!(texts.len() > 4000, "{} texts", texts.len());
        let mut full: std::collections::HashMap<String, Regex> = std::collections::HashMap::new();
        let (mut compared, mut anchored) = (0, 0);
        // `skipped`: the second literal test ruled the pattern out, so it
        // must not match.
        let mut check = |p: &Pattern, text: &str, starts: Option<Vec<usize>>, skipped: bool| {
            let re = full.entry(p.as_str().to_string()).or_insert_with(|| regex::RegexBuilder::new(p.as_str()).size_limit(SIZE_LIMIT).build().unwrap());
            assert!(!(skipped && re.is_match(text)), "skipped {} on {text}", p.as_str());
            assert_eq!(p.is_match(text), re.is_match(text), "{} on {text}", p.as_str());
            assert_eq!(p.find(text), re.find(text).map(|m| m.as_str()), "{} on {text}", p.as_str());
            if let Some(starts) = starts {
                assert_eq!(p.is_match_from(text, starts.iter().copied()), re.is_match(text), "from {starts:?}: {} on {text}", p.as_str());
                assert_eq!(p.find_from(text, starts.iter().copied()), re.find(text).map(|m| m.as_str()), "from {starts:?}: {} on {text}", p.as_str());
                anchored += 1;
            }
            compared += 1;
        };
        // Each section's prefilter and patterns, and its excludes (the
        // group's and its rules') with their gates.
        type Part<'r> = (&'r Prefilter, &'r Companions, &'r Vec<Pattern>, Vec<&'r Exclude>);
        fn parts<M>(g: &Group<M>) -> impl Iterator<Item = Part<'_>> {
            g.sections.iter().map(|s| {
                let rule_excludes = s.rules.iter().filter_map(|r| r.exclude.as_ref());
                let excludes = s.exclude.as_ref().into_iter().chain(rule_excludes).collect();
                (&s.prefilter, &s.companions, &s.patterns, excludes)
            })
        }
        let all: Vec<_> = parts(&rules.urgent).chain(parts(&rules.handoff)).chain(parts(&rules.harassment)).chain(parts(&rules.voc)).collect();
        let mut starts = Vec::new();
        let (mut excludes, mut skipped, mut present) = (0, 0, Vec::new());
        // Each exclude as written, joined (the reference for its halves).
        let mut whole: std::collections::HashMap<String, Regex> = std::collections::HashMap::new();
        for text in &texts {
            for (prefilter, companions, patterns, exclude) in &all {
                prefilter.starts(text, &mut starts);
                companions.scan(text, &mut present);
                for group in starts.chunk_by(|a, b| a.0 == b.0) {
                    let p = &patterns[group[0].0 as usize];
                    let at = group[0].1.map(|_| group.iter().filter_map(|g| g.1).collect());
                    let skip = !companions.allow(group[0].0, &present);
                    skipped += usize::from(skip);
                    check(p, text, at, skip);
                }
                for e in exclude {
                    let reference = whole.entry(e.as_str().to_string()).or_insert_with(|| regex::RegexBuilder::new(e.as_str()).size_limit(SIZE_LIMIT).build().unwrap());
                    assert_eq!(e.is_match(text), reference.is_match(text), "gated exclude {} on {text}", e.as_str());
                    for (part, part_gate, part_companions) in &e.parts {
                        check(part, text, None, !part_companions.allows(text));
                        assert_eq!(part_gate.is_match(part, text), part.is_match(text), "gated part {} on {text}", part.as_str());
                    }
                    excludes += 1;
                }
            }
        }
        assert!(excludes > 10_000, "only {excludes} exclude comparisons");
        assert!(skipped > compared / 4, "only {skipped} of {compared} skipped by the second literal test");
        assert!(compared > 10_000, "only {compared} comparisons");
        assert!(anchored > compared / 2, "only {anchored} of {compared} searched from their literals");
    }

    /// Where a pattern's matches can start, read off its literals.
    #[test]
    fn literals_know_where_matches_start() {
        let kinds = |p: &str| -> Vec<(String, Start)> {
            literals_of(p).unwrap().into_iter().map(|(l, s)| (String::from_utf8(l).unwrap(), s)).collect()
        };
        assert_eq!(kinds("(?:かーど|すまほ).{0,6}落と"), [("かーど".into(), Start::AtLiteral), ("すまほ".into(), Start::AtLiteral)]);
        // A one-character opening: the match starts at or one character before.
        assert_eq!(kinds("(?:^|[。、!?\\s])かーど"), [("かーど".into(), Start::AtOrBeforeLiteral)]);
        // (A small class is still a prefix: 。かーど and かーど.)
        assert_eq!(kinds("(?:^|[。])かーど"), [("。かーど".into(), Start::AtLiteral), ("かーど".into(), Start::AtLiteral)]);
        assert_eq!(kinds("[^a-z]sim"), [("sim".into(), Start::AtOrBeforeLiteral)]);
        // Per branch of an alternation; a literal that another starts gives
        // the kept one its wider kind.
        assert_eq!(
            kinds("見つかった|(?:^|[^a-z])見つ|(?:^|[^a-z])かーど|かーどの"),
            [("かーど".into(), Start::AtOrBeforeLiteral), ("見つ".into(), Start::AtOrBeforeLiteral)]
        );
        // A first part that is never empty decides where matches start.
        assert_eq!(
            kinds("(?:[^でう]なければ|ないなら)[^。]{0,30}"),
            [("ないなら".into(), Start::AtLiteral), ("なければ".into(), Start::AtOrBeforeLiteral)]
        );
        // A longer opening: the literals are only required somewhere.
        assert_eq!(kinds(".{0,3}かーど"), [("かーど".into(), Start::Anywhere)]);
        let mut at = Vec::new();
        Start::AtOrBeforeLiteral.each("あかーど", 3, |s| at.push(s));
        Start::AtOrBeforeLiteral.each("かーど", 0, |s| at.push(s));
        assert_eq!(at, [0, 3, 0]);
    }

    /// Each required part of a concatenation gives a set; optional parts
    /// and one-character particles give none.
    #[test]
    fn required_parts_of_an_object_gap_event_pattern() {
        let branches = |p: &str| -> Vec<Vec<Vec<String>>> {
            let text = |l: Vec<u8>| String::from_utf8(l).unwrap();
            required_parts(p).into_iter().map(|b| b.into_iter().map(|s| s.into_iter().map(text).collect()).collect()).collect()
        };
        let lits = |l: &[&str]| -> Vec<String> { l.iter().map(|s| s.to_string()).collect() };
        assert_eq!(branches("(?:かーど|すまほ)(?:を)?[^。]{0,10}?(?:落と|盗まれ)"), [vec![lits(&["かーど", "すまほ"]), lits(&["盗まれ", "落と"])]]);
        assert_eq!(branches("(?:かーど|すまほ)を[^。]{0,10}?なくした"), [vec![lits(&["かーど", "すまほ"]), lits(&["なくした"])]]);
        // An alternation: each branch its own sets (盗 alone is too common a
        // character to be worth a set).
        assert_eq!(branches("かーど.{0,3}落と|すまほ.{0,3}盗"), [vec![lits(&["かーど"]), lits(&["落と"])], vec![lits(&["すまほ"])]]);
        // A branch with no set can always match: no condition at all.
        assert!(branches("かーど.{0,3}落と|[0-9]+").is_empty());
        // The sets hold a text that matches.
        let (c, present) = (Companions::new(["(?:かーど|すまほ)[^。]{0,10}?(?:落と|盗まれ)|通帳.{0,5}ない"]).unwrap(), &mut Vec::new());
        for (text, allowed) in [("すまほを盗まれた", true), ("通帳がない", true), ("すまほの機種変更", false), ("通帳を落とした", false)] {
            c.scan(text, present);
            assert_eq!(c.allow(0, present), allowed, "{text}");
        }
    }

    /// An exclude splits into its branches with literal starts and the
    /// others; each half, and the whole, answer as the regex crate does.
    #[test]
    fn excludes_split_into_anchored_and_other_branches() {
        let source = "(?:かーど.{0,3}見つか)|(?:.{0,2}思ったら)|(?:すまほ|けいたい)は無事";
        let (anchored, rest) = split_anchored(source).expect("two kinds of branch");
        assert_eq!(literals_of(&rest).unwrap()[0].1, Start::Anywhere);
        assert!(literals_of(&anchored).unwrap().iter().all(|(_, s)| *s == Start::AtLiteral));
        let exclude = Exclude::new(&Pattern::new(source, SIZE_LIMIT).unwrap()).unwrap();
        assert_eq!(exclude.parts.len(), 2);
        let reference = Regex::new(source).unwrap();
        for text in ["かーどが見つかった", "あ思ったら", "けいたいは無事です", "かーどをなくした", "", "思ったら"] {
            assert_eq!(exclude.is_match(text), reference.is_match(text), "{text}");
        }
        // All branches of one kind: no split.
        assert!(split_anchored("かーど|すまほ").is_none());
        assert_eq!(Exclude::new(&Pattern::new("かーど|すまほ", SIZE_LIMIT).unwrap()).unwrap().parts.len(), 1);
    }

    #[test]
    fn literals_are_cut_at_characters_and_extensions_dropped() {
        let got = minimal(lits(&["当選という", "当選と", "当選しました", "賞金", "カードを落とした", "ab"]));
        assert_eq!(got, lits(&["ab", "カードを", "当選しま", "当選と", "賞金"]));
        // A partial last character (the first byte of 。) is dropped.
        let mut partial = "当".as_bytes().to_vec();
        partial.push(0xE3);
        assert_eq!(minimal(vec![partial]), lits(&["当"]));
    }

    #[test]
    fn every_match_still_contains_a_literal() {
        let pattern = "(?:当選|当たつた|懸賞)(?:した|しました)?(?:と|つて|という)";
        let set: Vec<Vec<u8>> = literals_of(pattern).expect("literals").into_iter().map(|(l, _)| l).collect();
        let re = Regex::new(pattern).expect("valid");
        for text in ["懸賞しましたという", "当たつたつて", "先月当選しましたとの連絡"] {
            assert!(re.is_match(text));
            assert!(set.iter().any(|l| text.as_bytes().windows(l.len()).any(|w| w == l.as_slice())), "{text}");
        }
        assert!(set.iter().all(|l| std::str::from_utf8(l).is_ok_and(|s| s.chars().count() <= LITERAL_CHARS)));
    }
}
