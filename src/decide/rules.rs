//! Data-driven rules that decide when a message must not be answered by the
//! bot: urgent situations, requests for a person, harassment, and the
//! voice-of-customer class.
//!
//! The rules live in `dictionaries/rules.json` (bundled with
//! [`RuleSet::bundled`]); integrators load their own with [`RuleSet::load`]
//! and merge them with [`RuleSet::extend`].
//!
//! # File format
//!
//! ```json
//! {
//!   "_doc": "free text, ignored",
//!   "version": 1,
//!   "policy": {"harassment": {"warn_strikes": 2, "end_on_strike": 3},
//!              "unresolved_turns": 3, "repeat_limit": 3},
//!   "vocabulary": {"OBJ": "(?:カード|スマホ|財布)"},
//!   "urgent": {
//!     "description": "…", "mask": ["(?:た|だ)ら"], "exclude": [],
//!     "rules": [{"id": "urgent.lost", "kind": "lost_stolen",
//!                "description": "A card or phone was lost.",
//!                "patterns": ["{OBJ}を?(?:落と|なく)した"],
//!                "mask": [], "exclude": []}]
//!   },
//!   "handoff_request": {"rules": [{"id": "…", "route": "chat_operator", …}]},
//!   "harassment": {"rules": [{"id": "…", "category": "threat", "severity": "severe", …}]},
//!   "voc": {"rules": [{"id": "…", "class": "complaint", …}]}
//! }
//! ```
//!
//! `description` is required on every rule (why it exists, what it covers)
//! and optional on groups. Every other field but `rules` is optional; unknown fields are errors, so
//! a misspelt `"patern"` cannot silently disable a rule. Rule ids are unique
//! within a file. Each group needs its own tag: `kind` ([`UrgentKind`]),
//! `route` (optional route id, see [`HandoffHit::route`]), `category` + `severity`
//! ([`HarassmentCategory`], [`Severity`]) or `class` ([`VocClass`]).
//!
//! # Matching
//!
//! Patterns are Rust [`regex`] syntax. The message is matched as
//! [`match_text`]`(message)` = `fold_text(normalize(message))`: NFKC width
//! folding, ASCII lowercase, katakana → hiragana, small kana → large. Every
//! pattern is folded the same way at load time, so rules are written in
//! natural spelling (`カード`) and still match `かーど` and `ｶｰﾄﾞ`. Hence:
//!
//! * write ASCII letters in lowercase (`sns`, `line`);
//! * write `?`, `(`, `!` … in ASCII (`[?]` for a literal question mark):
//!   full-width `？（` would turn into regex syntax after NFKC;
//! * do not use kana ranges such as `[ァ-ン]`: folding breaks them.
//!
//! The loader rejects patterns that break these rules.
//!
//! `{NAME}` inserts the vocabulary entry `NAME` (as a non-capturing group;
//! entries may use other entries).
//!
//! A rule fires when, after masking, one of its `patterns` matches and none
//! of the `exclude` patterns (the group's and its own) matches the message:
//!
//! * `mask` patterns (group, then rule) blank their matches with `。` before
//!   the patterns run. They remove conditional, quoted or look-alike phrases:
//!   with the mask `たら`, `カードを落としたら` no longer contains `落とした`.
//!   Situation patterns therefore end on the verb ending (`た`, `ました`,
//!   `ている`, `ない` …), so a mask can take the ending away, and a blanked
//!   span works as a sentence break.
//! * `exclude` patterns veto the rule for the whole (unmasked) message; use
//!   them sparingly, since a real situation may share a message with a
//!   question ("カードを落としたので再発行の手数料は？" must still fire).
//!
//! Within a group, rules earlier in the file win ([`RuleMatches::urgent`] and
//! [`RuleMatches::handoff_request`] report the first that fires); every
//! harassment rule that fires is reported. A check is one [`RegexSet`] pass per
//! group, plus a confirmation of the few rules that matched.
//!
//! ```
//! use madoguchi::decide::rules::{RuleSet, UrgentKind};
//! let rules = RuleSet::bundled()?;
//! let m = rules.check("ｶｰﾄﾞなくした");
//! assert_eq!(m.urgent.map(|h| h.kind), Some(UrgentKind::LostStolen));
//! assert!(rules.check("紛失したときの連絡先は？").urgent.is_none());
//! # Ok::<(), madoguchi::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::{NoExpand, Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::normalize::{fold_text, nfkc, normalize};

const BUNDLED_JSON: &str = include_str!("../../dictionaries/rules.json");
const BUNDLED_PATH: &str = "dictionaries/rules.json";
/// What a mask leaves behind: a sentence break, so gaps cannot bridge it.
const MASK_FILL: &str = "。";
/// Compiled-size limit per regex; the bounded gaps over Unicode classes are
/// large but still far below this.
const SIZE_LIMIT: usize = 64 << 20;
/// Lazy-DFA cache per set: the harassment set outgrows the default cache and
/// would fall back to a much slower engine.
const DFA_CACHE: usize = 16 << 20;

/// The situation behind an urgent hand-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrgentKind {
    /// A card, phone or wallet was lost or stolen.
    LostStolen,
    /// The card or account was used fraudulently, or the customer was scammed.
    Fraud,
    /// A charge the customer does not recognise.
    UnknownCharge,
    /// An account or login was taken over.
    AccountTakeover,
    /// Card data (number, security code, PIN) leaked or was given away.
    CardDataLeak,
    /// The customer acted on a phishing site, mail, SMS or call.
    Phishing,
}

/// Kinds of customer harassment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HarassmentCategory {
    /// Insults and abusive language.
    VerbalAbuse,
    /// Threats: violence, killing, arson, intimidation.
    Threat,
    /// Sexual remarks or demands.
    Sexual,
    /// Contempt for gender, nationality, disability, age …
    Discrimination,
    /// Disproportionate demands: 土下座, large compensation, 誠意を見せろ.
    ExcessiveDemand,
    /// Demands to fire or punish a staff member.
    DismissalDemand,
    /// Threats to expose staff or the conversation online.
    OnlineExposure,
    /// Demands for an agent's private information.
    PrivateInfo,
    /// The same demand again and again; counted by the engine, no patterns.
    PersistentRepetition,
}

/// How serious a harassment hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Warn and count a strike.
    Minor,
    /// End the conversation at once.
    Severe,
}

/// Voice-of-customer class of a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VocClass {
    /// An ordinary question (the default).
    #[default]
    Inquiry,
    /// Dissatisfaction or a complaint; wins over an opinion.
    Complaint,
    /// An opinion, wish or suggestion for the service.
    OpinionRequest,
}

/// Harassment thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarassmentPolicy {
    /// Minor strikes 1..=warn_strikes get a warning.
    pub warn_strikes: u32,
    /// The strike that ends the conversation (a severe hit ends it at once).
    pub end_on_strike: u32,
}

/// Thresholds the engine applies on top of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Harassment strikes.
    pub harassment: HarassmentPolicy,
    /// Consecutive turns without an answer before offering a person.
    pub unresolved_turns: u32,
    /// How often the same message may come before it counts as
    /// [`HarassmentCategory::PersistentRepetition`].
    pub repeat_limit: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            harassment: HarassmentPolicy { warn_strikes: 2, end_on_strike: 3 },
            unresolved_turns: 3,
            repeat_limit: 3,
        }
    }
}

/// A rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleHit<K> {
    /// The rule's id.
    pub rule_id: String,
    /// The rule's tag (for urgent rules, the situation).
    pub kind: K,
    /// The matched span, in folded form (see [`match_text`]).
    pub matched: String,
}

/// A request for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffHit {
    /// The rule's id.
    pub rule_id: String,
    /// The rule's route hint: a route id of `dictionaries/routes.json`
    /// (`chat_operator`, `video_consultation`, `complaints_desk` …) or
    /// `phone` (the phone centre of the topic); `None` means the default
    /// operator route. Strings, so integrators can add routes without code.
    pub route: Option<String>,
    /// The matched span, in folded form (see [`match_text`]).
    pub matched: String,
}

/// A harassment rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HarassmentHit {
    /// The rule's id.
    pub rule_id: String,
    /// What kind of harassment.
    pub category: HarassmentCategory,
    /// Warn or end.
    pub severity: Severity,
    /// The matched span, in folded form (see [`match_text`]).
    pub matched: String,
}

/// Everything the rules found in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMatches {
    /// The first urgent rule that fired.
    pub urgent: Option<RuleHit<UrgentKind>>,
    /// The first hand-off request rule that fired.
    pub handoff_request: Option<HandoffHit>,
    /// Every harassment rule that fired, in file order.
    pub harassment: Vec<HarassmentHit>,
    /// Voice-of-customer class.
    pub voc: VocClass,
    /// The voc rule that decided the class (none for an inquiry).
    pub voc_rule: Option<String>,
}

impl RuleMatches {
    /// The most severe harassment level found, if any.
    pub fn harassment_severity(&self) -> Option<Severity> {
        self.harassment.iter().map(|h| h.severity).max()
    }
}

/// The text rules match against: `fold_text(normalize(message))`.
///
/// ```
/// assert_eq!(madoguchi::decide::rules::match_text("ｶｰﾄﾞを ｵﾄｼﾀ！"), "かーどを おとした!");
/// ```
pub fn match_text(message: &str) -> String {
    fold_text(&normalize(message))
}

/// One compiled rule.
#[derive(Debug, Clone)]
struct Rule<M> {
    id: String,
    meta: M,
    patterns: Vec<Regex>,
    mask: Option<Regex>,
    exclude: Option<Regex>,
}

/// The rules of one group from one file, with that file's group-level
/// mask and exclude, and a set over all their patterns.
#[derive(Debug, Clone)]
struct Section<M> {
    mask: Option<Regex>,
    exclude: Option<Regex>,
    rules: Vec<Rule<M>>,
    set: RegexSet,
    /// Pattern index in `set` → rule index.
    owner: Vec<usize>,
}

impl<M> Section<M> {
    fn new(mask: Option<Regex>, exclude: Option<Regex>, rules: Vec<Rule<M>>) -> std::result::Result<Self, String> {
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
struct Group<M> {
    sections: Vec<Section<M>>,
}

impl<M> Default for Group<M> {
    fn default() -> Self {
        Group { sections: Vec::new() }
    }
}

impl<M> Group<M> {
    fn find(&self, folded: &str, first_only: bool) -> Vec<(&Rule<M>, String)> {
        let mut out = Vec::new();
        for s in &self.sections {
            s.find(folded, first_only, &mut out);
            if first_only && !out.is_empty() {
                break;
            }
        }
        out
    }

    fn ids(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().flat_map(|s| s.rules.iter().map(|r| r.id.as_str()))
    }

    /// Drops rules whose id is in `ids`, rebuilding the sets it touches.
    fn remove_ids(&mut self, ids: &HashSet<String>)
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

/// A loaded, compiled rule set.
///
/// ```
/// use madoguchi::decide::rules::{HarassmentCategory, RuleSet, Severity};
/// let rules = RuleSet::bundled()?;
/// let m = rules.check("オペレーターと話したい");
/// assert_eq!(m.handoff_request.and_then(|h| h.route).as_deref(), Some("chat_operator"));
/// let m = rules.check("殺すぞ");
/// assert_eq!(m.harassment[0].category, HarassmentCategory::Threat);
/// assert_eq!(m.harassment_severity(), Some(Severity::Severe));
/// assert!(rules.check("死ぬほど急いでいます").harassment.is_empty());
/// # Ok::<(), madoguchi::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    urgent: Group<UrgentKind>,
    handoff: Group<Option<String>>,
    harassment: Group<(HarassmentCategory, Severity)>,
    voc: Group<VocClass>,
    policy: Policy,
}

impl RuleSet {
    /// Loads and validates a rule file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json_str(&text, path)
    }

    /// Parses and validates rule JSON; `path` names the source in errors.
    ///
    /// Every problem is reported (as [`Error::Many`] when there are several),
    /// each with its line where it can be found.
    ///
    /// ```
    /// use madoguchi::decide::rules::RuleSet;
    /// let bad = r#"{"urgent": {"rules": [
    ///   {"id": "a", "kind": "lost", "description": "x", "patterns": ["落とした"]},
    ///   {"id": "b", "kind": "fraud", "description": "x", "patterns": ["(不正"]}
    /// ]}}"#;
    /// let err = RuleSet::from_json_str(bad, "r.json").unwrap_err().to_string();
    /// assert!(err.contains("r.json:2:") && err.contains("unknown variant `lost`"));
    /// assert!(err.contains("r.json:3:") && err.contains("rule \"b\""));
    /// ```
    pub fn from_json_str(text: &str, path: impl AsRef<Path>) -> Result<Self> {
        Loader::new(text, path.as_ref()).load()
    }

    /// The bundled rules (`dictionaries/rules.json`), compiled once per
    /// process (later calls clone the compiled set, which is cheap).
    pub fn bundled() -> Result<Self> {
        static BUNDLED: OnceLock<RuleSet> = OnceLock::new();
        if let Some(r) = BUNDLED.get() {
            return Ok(r.clone());
        }
        let r = RuleSet::from_json_str(BUNDLED_JSON, BUNDLED_PATH)?;
        Ok(BUNDLED.get_or_init(|| r).clone())
    }

    /// Adds the rules of `other` after these. A rule of `other` whose id is
    /// already here replaces the old rule, so integrators can override a
    /// bundled rule by reusing its id. This set's policy is kept (see
    /// [`RuleSet::set_policy`]).
    pub fn extend(&mut self, other: RuleSet) {
        let ids: HashSet<String> = other.rule_ids().into_iter().map(str::to_string).collect();
        self.urgent.remove_ids(&ids);
        self.handoff.remove_ids(&ids);
        self.harassment.remove_ids(&ids);
        self.voc.remove_ids(&ids);
        self.urgent.sections.extend(other.urgent.sections);
        self.handoff.sections.extend(other.handoff.sections);
        self.harassment.sections.extend(other.harassment.sections);
        self.voc.sections.extend(other.voc.sections);
    }

    /// Checks one customer message against every group.
    pub fn check(&self, message: &str) -> RuleMatches {
        let folded = match_text(message);
        let urgent = self.urgent.find(&folded, true).into_iter().next().map(|(r, matched)| RuleHit {
            rule_id: r.id.clone(),
            kind: r.meta,
            matched,
        });
        let handoff_request = self.handoff.find(&folded, true).into_iter().next().map(|(r, matched)| HandoffHit {
            rule_id: r.id.clone(),
            route: r.meta.clone(),
            matched,
        });
        let harassment = self
            .harassment
            .find(&folded, false)
            .into_iter()
            .map(|(r, matched)| HarassmentHit {
                rule_id: r.id.clone(),
                category: r.meta.0,
                severity: r.meta.1,
                matched,
            })
            .collect();
        let voc_hits = self.voc.find(&folded, false);
        let pick = voc_hits
            .iter()
            .find(|(r, _)| r.meta == VocClass::Complaint)
            .or_else(|| voc_hits.iter().find(|(r, _)| r.meta == VocClass::OpinionRequest));
        let (voc, voc_rule) = match pick {
            Some((r, _)) => (r.meta, Some(r.id.clone())),
            None => (VocClass::Inquiry, None),
        };
        RuleMatches { urgent, handoff_request, harassment, voc, voc_rule }
    }

    /// The thresholds from the rule file (or the defaults).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Replaces the thresholds.
    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
    }

    /// All rule ids, group by group, in matching order.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.urgent.ids().chain(self.handoff.ids()).chain(self.harassment.ids()).chain(self.voc.ids()).collect()
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rule_ids().len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// ---------------------------------------------------------------- loading

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(rename = "_doc", default)]
    _doc: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    policy: Option<Policy>,
    #[serde(default)]
    vocabulary: BTreeMap<String, String>,
    #[serde(default)]
    urgent: RawGroup,
    #[serde(default)]
    handoff_request: RawGroup,
    #[serde(default)]
    harassment: RawGroup,
    #[serde(default)]
    voc: RawGroup,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    #[serde(default)]
    #[allow(dead_code)] // documentation only
    description: Option<String>,
    #[serde(default)]
    mask: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    rules: Vec<serde_json::Value>,
}

/// One rule as written; the group decides which tag fields it needs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    description: String,
    patterns: Vec<String>,
    #[serde(default)]
    mask: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    kind: Option<UrgentKind>,
    route: Option<String>,
    category: Option<HarassmentCategory>,
    severity: Option<Severity>,
    class: Option<VocClass>,
}

impl RawRule {
    /// The tag fields that are present.
    fn tags(&self) -> Vec<&'static str> {
        let mut t = Vec::new();
        if self.kind.is_some() {
            t.push("kind");
        }
        if self.route.is_some() {
            t.push("route");
        }
        if self.category.is_some() {
            t.push("category");
        }
        if self.severity.is_some() {
            t.push("severity");
        }
        if self.class.is_some() {
            t.push("class");
        }
        t
    }
}

/// Checks that a rule has exactly the tag fields of its group.
fn tag_of<M>(raw: &RawRule, wanted: &[&str], get: impl Fn(&RawRule) -> Option<M>) -> std::result::Result<M, String> {
    let extra: Vec<&str> = raw.tags().into_iter().filter(|t| !wanted.contains(t)).collect();
    if !extra.is_empty() {
        return Err(format!(
            "field(s) {} do not belong in this group (it uses {})",
            extra.join(", "),
            wanted.join(" + ")
        ));
    }
    get(raw).ok_or_else(|| format!("missing field(s) {}", wanted.join(" + ")))
}

fn vocab_ref() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{([A-Z][A-Z0-9_]*)\}").expect("valid"))
}

/// Replaces `{NAME}` with `(?:entry)`, recursively.
fn expand(pattern: &str, vocab: &BTreeMap<String, String>, depth: usize) -> std::result::Result<String, String> {
    if depth > 8 {
        return Err("vocabulary nested more than 8 deep (a cycle?)".into());
    }
    let mut out = String::with_capacity(pattern.len());
    let mut last = 0;
    for c in vocab_ref().captures_iter(pattern) {
        let whole = c.get(0).expect("match");
        let name = &c[1];
        let entry = vocab.get(name).ok_or_else(|| format!("unknown vocabulary entry {{{name}}}"))?;
        out.push_str(&pattern[last..whole.start()]);
        out.push_str("(?:");
        out.push_str(&expand(entry, vocab, depth + 1)?);
        out.push(')');
        last = whole.end();
    }
    out.push_str(&pattern[last..]);
    Ok(out)
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{FF66}'..='\u{FF9D}')
}

/// Problems that folding would hide: uppercase ASCII (messages are
/// lowercased), full-width regex metacharacters (NFKC makes them syntax),
/// kana ranges (folding moves their ends).
fn lint(pattern: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                // \p{Han}, \P{…}: skip the class name; other escapes: skip one char.
                if matches!(chars.get(i + 1), Some('p' | 'P')) && chars.get(i + 2) == Some(&'{') {
                    while i < chars.len() && chars[i] != '}' {
                        i += 1;
                    }
                } else {
                    i += 1;
                }
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '-' if in_class && i > 0 => {
                let (a, b) = (chars[i - 1], chars.get(i + 1).copied().unwrap_or(' '));
                if is_kana(a) || is_kana(b) {
                    problems.push(format!("kana range `{a}-{b}`: folding changes its ends; list the characters"));
                }
            }
            c if c.is_ascii_uppercase() => {
                problems.push(format!("uppercase `{c}`: messages are lowercased, write ASCII in lowercase"));
            }
            c if !c.is_ascii() => {
                let n = nfkc(&c.to_string());
                if n.len() == 1 && n.chars().all(|a| "\\.+*?()|[]{}^$".contains(a)) {
                    problems.push(format!(
                        "full-width `{c}` becomes regex syntax `{n}` after NFKC; write it in ASCII (escaped)"
                    ));
                } else if n.chars().any(|a| a.is_ascii_uppercase()) {
                    problems.push(format!(
                        "`{c}` folds to uppercase `{n}`: messages are lowercased, write ASCII in lowercase"
                    ));
                }
            }
            _ => {}
        }
        i += 1;
    }
    problems
}

struct Loader<'a> {
    text: &'a str,
    path: &'a Path,
    errors: Vec<Error>,
    vocab: BTreeMap<String, String>,
    /// Rule id → line of its first definition.
    ids: HashMap<String, usize>,
}

impl<'a> Loader<'a> {
    fn new(text: &'a str, path: &'a Path) -> Self {
        Loader { text, path, errors: Vec::new(), vocab: BTreeMap::new(), ids: HashMap::new() }
    }

    fn err(&mut self, line: usize, message: String) {
        self.errors.push(Error::Resource { path: PathBuf::from(self.path), line, message });
    }

    /// 1-based line of the first occurrence of `needle`, 0 if absent.
    fn line_of(&self, needle: &str) -> usize {
        self.text.find(needle).map_or(0, |i| self.text[..i].matches('\n').count() + 1)
    }

    /// Line of a JSON string value as it is written (falls back to `near`).
    fn line_of_string(&self, s: &str, near: usize) -> usize {
        let json = serde_json::to_string(s).unwrap_or_default();
        match self.line_of(&json) {
            0 => near,
            l => l,
        }
    }

    /// Lines of `"id": "<id>"` definitions.
    fn id_lines(&self, id: &str) -> Vec<usize> {
        let json = serde_json::to_string(id).unwrap_or_default();
        let re = Regex::new(&format!(r#""id"\s*:\s*{}"#, regex::escape(&json))).expect("escaped");
        re.find_iter(self.text).map(|m| self.text[..m.start()].matches('\n').count() + 1).collect()
    }

    fn load(mut self) -> Result<RuleSet> {
        let raw: RawFile = serde_json::from_str(self.text).map_err(|e| {
            let msg = e.to_string();
            let msg = msg.rfind(" at line ").map_or(msg.clone(), |i| msg[..i].to_string());
            Error::Resource { path: self.path.into(), line: e.line(), message: msg }
        })?;
        if let Some(v) = raw.version.filter(|&v| v != 1) {
            let line = self.line_of("\"version\"");
            self.err(line, format!("unsupported version {v} (this build reads version 1)"));
        }
        let policy = raw.policy.unwrap_or_default();
        if let Some(p) = raw.policy {
            let line = self.line_of("\"policy\"");
            let h = p.harassment;
            if h.end_on_strike == 0 || h.warn_strikes >= h.end_on_strike {
                self.err(
                    line,
                    format!(
                        "policy.harassment: need 0 <= warn_strikes < end_on_strike, got {} and {}",
                        h.warn_strikes, h.end_on_strike
                    ),
                );
            }
            if p.unresolved_turns == 0 || p.repeat_limit == 0 {
                self.err(line, "policy: unresolved_turns and repeat_limit must be at least 1".into());
            }
        }
        self.vocab = raw.vocabulary;
        for (name, entry) in self.vocab.clone() {
            let line = self.line_of(&format!("\"{name}\""));
            if !vocab_ref().is_match(&format!("{{{name}}}")) {
                self.err(line, format!("vocabulary name {name:?}: use A-Z, 0-9 and _, starting with a letter"));
            } else if let Err(e) = expand(&entry, &self.vocab, 0) {
                self.err(line, format!("vocabulary {name}: {e}"));
            }
        }
        let urgent = self.group("urgent", raw.urgent, |r| tag_of(r, &["kind"], |r| r.kind));
        let handoff = self.group("handoff_request", raw.handoff_request, |r| {
            let route = tag_of(r, &["route"], |r| Some(r.route.clone()))?;
            match &route {
                Some(id)
                    if id.is_empty()
                        || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
                {
                    Err(format!("route {id:?}: use a route id such as chat_operator (a-z, 0-9, _)"))
                }
                _ => Ok(route),
            }
        });
        let harassment = self.group("harassment", raw.harassment, |r| {
            tag_of(r, &["category", "severity"], |r| r.category.zip(r.severity))
        });
        let voc = self.group("voc", raw.voc, |r| tag_of(r, &["class"], |r| r.class));
        if let Some(e) = Error::from_many(self.errors) {
            return Err(e);
        }
        Ok(RuleSet { urgent, handoff, harassment, voc, policy })
    }

    /// Expands, lints, folds and compiles one pattern.
    fn pattern(&mut self, raw: &str, what: &str, near: usize) -> Option<Regex> {
        let line = self.line_of_string(raw, near);
        if raw.trim().is_empty() {
            self.err(line, format!("{what}: empty pattern"));
            return None;
        }
        let expanded = match expand(raw, &self.vocab, 0) {
            Ok(p) => p,
            Err(e) => {
                self.err(line, format!("{what}: {e}"));
                return None;
            }
        };
        let problems = lint(&expanded);
        if !problems.is_empty() {
            self.err(line, format!("{what}: {}", problems.join("; ")));
            return None;
        }
        match RegexBuilder::new(&fold_text(&expanded)).size_limit(SIZE_LIMIT).build() {
            Ok(re) => Some(re),
            Err(e) => {
                self.err(line, format!("{what}: {}", e.to_string().replace('\n', " ")));
                None
            }
        }
    }

    /// Compiles a list of patterns into one alternation (None when empty).
    fn alternation(&mut self, raws: &[String], what: &str, near: usize) -> Option<Regex> {
        let parts: Vec<Regex> = raws.iter().filter_map(|p| self.pattern(p, what, near)).collect();
        if parts.is_empty() || parts.len() != raws.len() {
            return None;
        }
        let joined = parts.iter().map(|r| format!("(?:{})", r.as_str())).collect::<Vec<_>>().join("|");
        // Each part compiled alone, so only the size limit can fail here.
        match RegexBuilder::new(&joined).size_limit(SIZE_LIMIT).build() {
            Ok(re) => Some(re),
            Err(e) => {
                self.err(near, format!("{what}: {}", e.to_string().replace('\n', " ")));
                None
            }
        }
    }

    fn group<M: Clone>(
        &mut self,
        name: &str,
        raw: RawGroup,
        tag: impl Fn(&RawRule) -> std::result::Result<M, String>,
    ) -> Group<M> {
        let gline = self.line_of(&format!("\"{name}\""));
        let mask = self.alternation(&raw.mask, &format!("{name}.mask"), gline);
        let exclude = self.alternation(&raw.exclude, &format!("{name}.exclude"), gline);
        let mut rules = Vec::new();
        for (n, value) in raw.rules.into_iter().enumerate() {
            let id_hint = value.get("id").and_then(|v| v.as_str()).map(str::to_string);
            let line = id_hint.as_deref().and_then(|id| self.id_lines(id).first().copied()).unwrap_or(gline);
            let label = match &id_hint {
                Some(id) => format!("{name} rule {id:?}"),
                None => format!("{name} rule #{}", n + 1),
            };
            let r: RawRule = match serde_json::from_value(value) {
                Ok(r) => r,
                Err(e) => {
                    self.err(line, format!("{label}: {e}"));
                    continue;
                }
            };
            let meta = match tag(&r) {
                Ok(m) => Some(m),
                Err(e) => {
                    self.err(line, format!("{label}: {e}"));
                    None
                }
            };
            if r.id.trim().is_empty() {
                self.err(line, format!("{label}: empty id"));
            } else if let Some(&first) = self.ids.get(&r.id) {
                let again = self.id_lines(&r.id).get(1).copied().unwrap_or(line);
                self.err(again, format!("{label}: duplicate id (first defined at line {first})"));
            } else {
                self.ids.insert(r.id.clone(), line);
            }
            if r.description.trim().is_empty() {
                self.err(line, format!("{label}: empty description"));
            }
            if r.patterns.is_empty() {
                self.err(line, format!("{label}: no patterns"));
            }
            let before = self.errors.len();
            let patterns: Vec<Regex> = r
                .patterns
                .iter()
                .enumerate()
                .filter_map(|(i, p)| self.pattern(p, &format!("{label} pattern {}", i + 1), line))
                .collect();
            let rmask = self.alternation(&r.mask, &format!("{label} mask"), line);
            let rexclude = self.alternation(&r.exclude, &format!("{label} exclude"), line);
            if let Some(meta) = meta
                && self.errors.len() == before
                && !patterns.is_empty()
            {
                rules.push(Rule { id: r.id, meta, patterns, mask: rmask, exclude: rexclude });
            }
        }
        if rules.is_empty() {
            return Group::default();
        }
        match Section::new(mask, exclude, rules) {
            Ok(s) => Group { sections: vec![s] },
            Err(e) => {
                self.err(gline, format!("{name}: the rules do not compile as one set: {}", e.replace('\n', " ")));
                Group::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RuleSet {
        RuleSet::bundled().unwrap()
    }

    fn urgent(msg: &str) -> Option<UrgentKind> {
        rules().check(msg).urgent.map(|h| h.kind)
    }

    fn handoff(msg: &str) -> Option<String> {
        rules().check(msg).handoff_request.map(|h| h.route.unwrap_or_else(|| "(default)".into()))
    }

    /// Categories with their severities, deduplicated, sorted.
    fn harassment(msg: &str) -> Vec<(HarassmentCategory, Severity)> {
        let mut v: Vec<_> = rules().check(msg).harassment.iter().map(|h| (h.category, h.severity)).collect();
        v.sort();
        v.dedup();
        v
    }

    fn voc(msg: &str) -> VocClass {
        rules().check(msg).voc
    }

    #[test]
    fn bundled_rules_load() {
        let r = RuleSet::from_json_str(BUNDLED_JSON, BUNDLED_PATH).unwrap();
        assert!(r.len() > 20);
        assert_eq!(r.policy().harassment, HarassmentPolicy { warn_strikes: 2, end_on_strike: 3 });
        assert_eq!(r.policy().unresolved_turns, 3);
    }

    #[test]
    fn urgent_golden() {
        use UrgentKind::*;
        let table: &[(&str, Option<UrgentKind>)] = &[
            // Situations: fire.
            ("カードを落とした", Some(LostStolen)),
            ("財布ごとカードを盗まれました", Some(LostStolen)),
            ("スマホをなくしました", Some(LostStolen)),
            ("身に覚えのない請求があります", Some(UnknownCharge)),
            ("知らない利用がある", Some(UnknownCharge)),
            ("不正利用された", Some(Fraud)),
            ("アカウントが乗っ取られた", Some(AccountTakeover)),
            ("勝手にログインされた", Some(AccountTakeover)),
            ("カード番号を偽サイトに入力してしまった", Some(Phishing)),
            ("フィッシングメールのリンクを押してカード情報を入れてしまった", Some(Phishing)),
            ("ｶｰﾄﾞなくした", Some(LostStolen)),
            ("かーどをおとした", Some(LostStolen)),
            ("カードを落としたので止めたい", Some(LostStolen)),
            ("カードを落としたので再発行の手数料は？", Some(LostStolen)),
            ("ＣＡＲＤ番号ではなくカードそのものを紛失しました", Some(LostStolen)),
            ("スマホが見当たらない", Some(LostStolen)),
            ("携帯を電車に置き忘れてしまいました", Some(LostStolen)),
            ("海外で財布をすられた", Some(LostStolen)),
            ("カードの盗難にあいました", Some(LostStolen)),
            ("クレジットカードをなくしてしまった", Some(LostStolen)),
            ("スマホをなくしたので回線を止めたい", Some(LostStolen)),
            ("紛失したときの手続きは知っているけど、さっきカードを落としました", Some(LostStolen)),
            ("不正利用されたので今後の対策を知りたい", Some(Fraud)),
            ("誰かに勝手にカードを使われた", Some(Fraud)),
            ("詐欺にあったかもしれません", Some(Fraud)),
            ("知らない請求が明細に載っている", Some(UnknownCharge)),
            ("使った覚えのない利用がある", Some(UnknownCharge)),
            ("この引き落としに身に覚えがありません", Some(UnknownCharge)),
            ("使っていないのに請求が来た", Some(UnknownCharge)),
            ("マイページに不正ログインされた", Some(AccountTakeover)),
            ("会員サイトのメールアドレスが勝手に変更されていました", Some(AccountTakeover)),
            ("知らない端末からログインの通知が来た", Some(AccountTakeover)),
            ("詐欺SMSに騙されてカード情報を送った", Some(Phishing)),
            ("カード番号を電話で教えてしまいました", Some(CardDataLeak)),
            ("セキュリティコードが漏れたかもしれない", Some(CardDataLeak)),
            ("スキミングされたみたいです", Some(CardDataLeak)),
            // Ordinary questions: answer.
            ("カードの再発行には何日かかりますか", None),
            ("紛失・盗難の補償内容は？", None),
            ("不正利用を防ぐ設定は？", None),
            // A question about what to do IF lost is a question: answer.
            ("紛失したときの連絡先は？", None),
            ("フィッシングメールの見分け方", None),
            ("盗難保険はありますか", None),
            ("落とし物の問い合わせ先", None),
            ("カードをなくしたらどうすればいい？", None),
            ("海外でカードをなくしたらどうすればいい？", None),
            ("不正利用された場合の補償は？", None),
            ("身に覚えのない請求があった場合はどうなりますか", None),
            ("偽サイトにログインしてしまったらどうなる？", None),
            ("カードを盗まれた場合の連絡先を教えてください", None),
            ("スマホの電源を落としたのに再起動しない", None),
            ("スマホを落として画面が割れた", None),
            ("SIMカードが見つかりませんと表示される", None),
            ("カード番号を入力したのにエラーになる", None),
            ("通信量を少なくしたい", None),
            ("不正利用されていないか心配です", None),
            ("フィッシングメールが届きました", None),
            ("カードの引き落とし日はいつ？", None),
            ("カードをなくしたくないのでケースが欲しい", None),
            ("紛失したカードの再発行には何日かかりますか？", None),
            ("なくしたスマホが見つかったので利用を再開したい", None),
            ("スマホを初期化したらeSIMが消えた", None),
            ("カードを落としてしまって困っています", Some(LostStolen)),
            ("けいたいおとしちゃったのでとめてほしい", Some(LostStolen)),
        ];
        let mut wrong = Vec::new();
        for (msg, want) in table {
            let got = urgent(msg);
            if got != *want {
                wrong.push(format!("{msg}: got {got:?}, want {want:?} ({:?})", rules().check(msg).urgent));
            }
        }
        assert!(wrong.is_empty(), "urgent mismatches:\n{}", wrong.join("\n"));
    }

    #[test]
    fn handoff_golden() {
        const CHAT: Option<&str> = Some("chat_operator");
        const PHONE: Option<&str> = Some("phone");
        const VIDEO: Option<&str> = Some("video_consultation");
        const DESK: Option<&str> = Some("complaints_desk");
        let table: &[(&str, Option<&str>)] = &[
            ("オペレーターと話したい", CHAT),
            ("人間に代わって", CHAT),
            ("担当者につないで", CHAT),
            ("有人チャットに切り替えて", CHAT),
            ("ビデオ通話でスタッフに相談したい", VIDEO),
            ("人と話したい", CHAT),
            ("電話で相談したい", PHONE),
            ("スタッフを呼んで", CHAT),
            ("ｵﾍﾟﾚｰﾀｰにつないでください", CHAT),
            ("担当者と直接話したいです。", CHAT),
            ("にんげんとはなしたい", CHAT),
            ("自動応答で解決しないときは？", None),
            ("ロボットじゃなくて人に代わって", CHAT),
            ("責任者を出せ", DESK),
            ("折り返し電話してほしい", PHONE),
            ("オペレーターの受付時間は？", None),
            ("問い合わせの電話番号は？", None),
            ("担当者の名前は？", None),
            ("ビデオ通話相談の予約方法は？", None),
            ("チャットで担当者と話せる時間を教えて", None),
            ("本人に代わって家族が手続きできますか", None),
            ("有人チャットは何時から何時まで？", None),
        ];
        let mut wrong = Vec::new();
        for (msg, want) in table {
            let got = handoff(msg);
            if got.as_deref() != *want {
                wrong.push(format!("{msg}: got {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "handoff mismatches:\n{}", wrong.join("\n"));
    }

    #[test]
    fn harassment_golden() {
        use HarassmentCategory::*;
        use Severity::*;
        let table: &[(&str, &[(HarassmentCategory, Severity)])] = &[
            // Abuse aimed at staff: fire.
            ("バカ野郎", &[(VerbalAbuse, Minor)]),
            ("お前は無能か", &[(VerbalAbuse, Minor)]),
            ("ふざけるな", &[(VerbalAbuse, Minor)]),
            ("死ね", &[(Threat, Severe)]),
            ("殺すぞ", &[(Threat, Severe)]),
            ("ぶっ殺す", &[(Threat, Severe)]),
            ("お前", &[(VerbalAbuse, Minor)]),
            ("クズ", &[(VerbalAbuse, Minor)]),
            ("貴様", &[(VerbalAbuse, Minor)]),
            ("お前と言われて傷ついた", &[]),
            ("お前クズだな", &[(VerbalAbuse, Minor)]),
            ("このクズが", &[(VerbalAbuse, Minor)]),
            ("ﾊﾞｶﾔﾛｰ", &[(VerbalAbuse, Minor)]),
            ("店に火をつけてやる", &[(Threat, Severe)]),
            ("覚えてろよ", &[(Threat, Minor)]),
            ("土下座して謝れ", &[(ExcessiveDemand, Minor)]),
            ("慰謝料100万払え", &[(ExcessiveDemand, Minor)]),
            ("誠意を見せろ", &[(ExcessiveDemand, Minor)]),
            ("あの店員をクビにしろ", &[(DismissalDemand, Minor)]),
            ("担当者を辞めさせろ", &[(DismissalDemand, Minor)]),
            ("SNSに晒すぞ", &[(OnlineExposure, Minor)]),
            ("ネットに書き込むからな", &[(OnlineExposure, Minor)]),
            ("この対応を拡散する", &[(OnlineExposure, Minor)]),
            ("店員の名前を晒してやる", &[(OnlineExposure, Minor)]),
            ("店員の住所を教えろ", &[(PrivateInfo, Minor)]),
            ("店員の電話番号を教えろ", &[(PrivateInfo, Minor)]),
            ("あなたの下の名前教えて", &[(PrivateInfo, Minor)]),
            ("お姉さんのLINE教えてよ", &[(PrivateInfo, Minor)]),
            ("女のくせに生意気だ", &[(Discrimination, Minor)]),
            ("男を出せ", &[(Discrimination, Minor)]),
            ("声がエロいね", &[(Sexual, Minor)]),
            ("やらせろ", &[(Sexual, Severe)]),
            ("お前バカじゃないの", &[(VerbalAbuse, Minor)]),
            ("こんな会社潰れろ", &[(VerbalAbuse, Minor)]),
            ("ゴミ会社が", &[(VerbalAbuse, Minor)]),
            ("舐めてんのか", &[(VerbalAbuse, Minor)]),
            ("外国人はみんな嘘つきだ", &[(Discrimination, Minor)]),
            ("ｺﾛｽｿﾞ", &[(Threat, Severe)]),
            // Colloquial intensity and ordinary questions: no fire.
            ("死ぬほど急いでいます", &[]),
            ("バカみたいな質問ですみませんが", &[]),
            ("やばいくらい安い", &[]),
            ("クソ暑い中ありがとう", &[]),
            ("殺人的な忙しさ", &[]),
            ("鬼のように電話した", &[]),
            ("担当者の名前は？", &[]),
            ("問い合わせの電話番号は？", &[]),
            ("あなたの会社の住所を教えてください", &[]),
            ("解約ばかり勧められる", &[]),
            ("アプリを動かすがエラーになる", &[]),
            ("わたしね、カードが欲しいの", &[]),
            ("住所を変えろと言われた", &[]),
            ("失礼ですが、料金を教えてください", &[]),
            ("更に安いプランはありますか", &[]),
            ("土下座して謝れと言ったらどうなる", &[]),
            ("ネットに晒すぞと言ったらどうなる", &[]),
            ("担当者を辞めさせろと言ったらどうなる", &[]),
            ("「死ね」は暴言ですか", &[]),
            ("謝罪として土下座を求めることはできますか？", &[]),
            ("慰謝料を請求したい", &[]),
            ("パンツのサイズを交換したい", &[]),
            ("写真をSNSに投稿したいです", &[]),
            ("バカ高い料金ですね", &[]),
            ("馬鹿にならない金額です", &[]),
            ("買ったばかりです", &[]),
            ("女性でも申し込めますか", &[]),
            ("彼女は外国人ですが契約できますか", &[]),
            ("ポイントで携帯料金を払えますか", &[]),
            ("お金を出せる範囲で選びたい", &[]),
            ("私にやらせてください", &[]),
            ("スタッフのフルネームを知りたい", &[]),
            ("クビにしてほしいと要求できますか？", &[]),
            ("帰り道に気をつけてね", &[]),
        ];
        let mut wrong = Vec::new();
        for (msg, want) in table {
            let got = harassment(msg);
            if got != *want {
                wrong.push(format!("{msg}: got {got:?}, want {want:?} ({:?})", rules().check(msg).harassment));
            }
        }
        assert!(wrong.is_empty(), "harassment mismatches:\n{}", wrong.join("\n"));
    }

    #[test]
    fn voc_golden() {
        use VocClass::*;
        let table: &[(&str, VocClass)] = &[
            ("対応に不満があります", Complaint),
            ("返信が遅すぎる", Complaint),
            ("ひどい対応でした", Complaint),
            ("最悪だ", Complaint),
            ("納得できない", Complaint),
            ("改善しろ", Complaint),
            ("スタッフの対応が悪かった", Complaint),
            ("二度と使わない", Complaint),
            ("アプリで明細を見られるようにしてほしい", OpinionRequest),
            ("ダークモードがあったら便利", OpinionRequest),
            ("サービスへの意見を伝えたいです", OpinionRequest),
            ("改善してほしい点があります", OpinionRequest),
            ("要望です。支払い方法を増やしてほしい", OpinionRequest),
            ("対応が遅いので改善してほしい", Complaint),
            ("新しいSIMを発行してほしい", Inquiry),
            ("支払日はいつですか", Inquiry),
            ("失礼ですが、料金を教えてください", Inquiry),
            ("最悪の場合どうなりますか", Inquiry),
            ("問い合わせるとき手元に何があればいい", Inquiry),
        ];
        let mut wrong = Vec::new();
        for (msg, want) in table {
            let got = voc(msg);
            if got != *want {
                wrong.push(format!("{msg}: got {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "voc mismatches:\n{}", wrong.join("\n"));
    }

    #[test]
    fn hits_carry_ids_and_folded_span() {
        let m = rules().check("ｶｰﾄﾞなくした");
        let hit = m.urgent.unwrap();
        assert_eq!(hit.rule_id, "urgent.lost_stolen.lost");
        assert_eq!(hit.matched, "かーどなくした");
        let m = rules().check("オペレーターにつないで");
        assert_eq!(m.handoff_request.unwrap().rule_id, "handoff.operator");
        let json = serde_json::to_value(rules().check("殺すぞ")).unwrap();
        assert_eq!(json["harassment"][0]["category"], "threat");
        assert_eq!(json["harassment"][0]["severity"], "severe");
        assert_eq!(json["voc"], "inquiry");
    }

    fn one_rule(group: &str, tag: &str, id: &str, pattern: &str) -> String {
        format!(
            r#"{{"{group}": {{"rules": [{{"id": "{id}", {tag}, "description": "test", "patterns": [{}]}}]}}}}"#,
            serde_json::to_string(pattern).unwrap()
        )
    }

    #[test]
    fn syntax_error_has_line() {
        let err = RuleSet::from_json_str("{\n\"urgent\": {\n  \"rules\": [,]\n}}", "x.json").unwrap_err();
        match err {
            Error::Resource { line, ref path, .. } => {
                assert_eq!(line, 3);
                assert_eq!(path, Path::new("x.json"));
            }
            e => panic!("{e}"),
        }
    }

    #[test]
    fn all_problems_are_reported() {
        let text = r#"{
  "vocabulary": {"X": "{Y}"},
  "urgent": {"rules": [
    {"id": "a", "kind": "lost", "description": "d", "patterns": ["x"]},
    {"id": "b", "kind": "fraud", "description": "d", "patterns": ["(unclosed"]},
    {"id": "b", "kind": "fraud", "description": "d", "patterns": ["ok"]},
    {"id": "c", "kind": "fraud", "severity": "minor", "description": "d", "patterns": ["ok"]},
    {"id": "d", "kind": "fraud", "description": "d", "patterns": ["ＳＮＳ？", "SNS", "[ァ-ン]", "{NOPE}"]},
    {"id": "e", "kind": "fraud", "description": "d", "patern": ["x"]}
  ]},
  "harassment": {"rules": [{"id": "f", "category": "threat", "description": "d", "patterns": ["x"]}]}
}"#;
        let err = RuleSet::from_json_str(text, "r.json").unwrap_err();
        let Error::Many(list) = err else { panic!("expected many") };
        let msgs: Vec<String> = list.iter().map(ToString::to_string).collect();
        let all = msgs.join("\n");
        let expect = [
            ("r.json:2:", "unknown vocabulary entry {Y}"),
            ("r.json:4:", "unknown variant `lost`"),
            ("r.json:5:", "rule \"b\" pattern 1"),
            ("r.json:6:", "duplicate id"),
            ("r.json:7:", "severity do not belong"),
            ("r.json:8:", "becomes regex syntax"),
            ("r.json:8:", "uppercase `S`"),
            ("r.json:8:", "kana range"),
            ("r.json:8:", "unknown vocabulary entry {NOPE}"),
            ("r.json:9:", "unknown field `patern`"),
            ("r.json:11:", "missing field(s) category + severity"),
        ];
        for (prefix, needle) in expect {
            assert!(
                msgs.iter().any(|m| m.starts_with(prefix) && m.contains(needle)),
                "{prefix} {needle} not in:\n{all}"
            );
        }
    }

    #[test]
    fn bad_policy_is_rejected() {
        let text = r#"{"policy": {"harassment": {"warn_strikes": 3, "end_on_strike": 3}, "unresolved_turns": 3, "repeat_limit": 3}}"#;
        let err = RuleSet::from_json_str(text, "p.json").unwrap_err().to_string();
        assert!(err.contains("warn_strikes < end_on_strike"), "{err}");
    }

    #[test]
    fn folding_applies_to_patterns_and_messages() {
        let r = RuleSet::from_json_str(
            &one_rule("urgent", r#""kind": "fraud""#, "t", "カード(?:が|を)?ぬすまれた"),
            "t.json",
        )
        .unwrap();
        for msg in ["カードが盗まれた", "かーどがヌスマレタ", "ｶｰﾄﾞがぬすまれた"] {
            let msg = msg.replace("盗", "ぬす");
            assert!(r.check(&msg).urgent.is_some(), "{msg}");
        }
        assert!(r.check("カード").urgent.is_none());
    }

    #[test]
    fn masks_and_excludes() {
        let text = r#"{"urgent": {"mask": ["たら"], "rules": [
            {"id": "t", "kind": "lost_stolen", "description": "d", "patterns": ["落とした"], "exclude": ["夢"]}]}}"#;
        let r = RuleSet::from_json_str(text, "t.json").unwrap();
        assert!(r.check("財布を落とした").urgent.is_some());
        assert!(r.check("財布を落としたら").urgent.is_none());
        assert!(r.check("財布を落としたら困る。でも今日落とした").urgent.is_some());
        assert!(r.check("財布を落とした夢を見た").urgent.is_none());
    }

    #[test]
    fn extend_adds_and_replaces() {
        let mut r = rules();
        let n = r.len();
        assert!(r.check("ピザを注文した").urgent.is_none());
        let extra = RuleSet::from_json_str(
            &one_rule("urgent", r#""kind": "fraud""#, "custom.pizza", "ピザを注文した"),
            "extra.json",
        )
        .unwrap();
        r.extend(extra);
        assert_eq!(r.len(), n + 1);
        assert_eq!(r.check("ピザを注文した").urgent.unwrap().rule_id, "custom.pizza");
        // Reusing a bundled id replaces that rule: kill threats now count as minor.
        let over = RuleSet::from_json_str(
            r#"{"harassment": {"rules": [{"id": "harassment.threat.kill", "category": "threat",
                "severity": "minor", "description": "d", "patterns": ["殺すぞ"]}]}}"#,
            "over.json",
        )
        .unwrap();
        r.extend(over);
        assert_eq!(r.len(), n + 1);
        assert_eq!(r.check("殺すぞ").harassment_severity(), Some(Severity::Minor));
        assert!(r.check("死ね").harassment.is_empty());
        // The policy stays.
        assert_eq!(r.policy(), rules().policy());
    }

    #[test]
    fn check_is_fast() {
        let r = rules();
        let msgs = [
            "カードの再発行には何日かかりますか？",
            "オペレーターと話したいのですが",
            "お前は本当に無能だな、ふざけるな",
        ];
        for m in msgs {
            r.check(m);
        }
        let start = std::time::Instant::now();
        let n = 300;
        for _ in 0..n {
            for m in msgs {
                std::hint::black_box(r.check(m));
            }
        }
        let per = start.elapsed() / (n * msgs.len() as u32);
        // About 5 µs in release builds. The bound (10x) catches a set whose
        // lazy DFA outgrows its cache and falls back to a slow engine (~60 µs),
        // and still tolerates a busy machine. Debug builds are not timed.
        if !cfg!(debug_assertions) {
            assert!(per < std::time::Duration::from_micros(50), "check took {per:?}");
        }
    }
}
