//! Reading and validating a rule file: JSON with `file:line` errors,
//! vocabulary expansion, pattern lint, folding and compilation. Every problem
//! is collected; nothing is dropped silently.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use super::mask::MaskRegex;
use super::matcher::{Exclude, Group, Rule, SIZE_LIMIT, Section};
use super::pattern::Pattern;
use super::smalltalk::{Act, Smalltalk, fold_word};
use super::types::*;
use super::{NO_MODEL_THRESHOLD, RuleSet};
use crate::decide::harassment::{Lexicon, LexiconEntry, ModelThresholds};
use crate::error::{Error, Result};
use crate::normalize::{fold_text, nfkc};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(rename = "_doc", default)]
    _doc: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    policy: Option<RawPolicy>,
    #[serde(default)]
    lexicon: RawLexicon,
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
    #[serde(default)]
    smalltalk: RawSmalltalk,
    /// What the bot says (see [`crate::decide::messages`]); keys left out
    /// keep the bundled text.
    #[serde(default)]
    messages: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `smalltalk`: whole-message words per act (see [`super::smalltalk`]).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSmalltalk {
    #[serde(default)]
    #[allow(dead_code)] // documentation only
    description: Option<String>,
    #[serde(default)]
    thanks: Vec<String>,
    #[serde(default)]
    yes: Vec<String>,
    #[serde(default)]
    no: Vec<String>,
    #[serde(default)]
    greeting: Vec<String>,
    #[serde(default)]
    bye: Vec<String>,
    #[serde(default)]
    fillers: Vec<String>,
}

/// The policy as written; `warn_strikes` is read only to reject it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    harassment: RawHarassmentPolicy,
    unresolved_turns: u32,
    repeat_limit: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHarassmentPolicy {
    end_on_strike: u32,
    #[serde(default)]
    warn_strikes: Option<u32>,
    #[serde(default)]
    model: Option<ModelThresholds>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    #[serde(default)]
    #[allow(dead_code)] // documentation only
    description: Option<String>,
    #[serde(default)]
    aim: Vec<String>,
    #[serde(default)]
    innocent: Vec<String>,
    #[serde(default)]
    entries: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexiconEntry {
    id: String,
    description: String,
    category: HarassmentCategory,
    severity: Severity,
    #[serde(default)]
    needs_aim: bool,
    words: Vec<String>,
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
    /// Only in the urgent group: the statistical detector's gate and threshold.
    #[serde(default)]
    model: Option<RawUrgentModel>,
}

/// `urgent.model`: when the urgent classifier may speak (see
/// [`RuleSet::urgent_gate`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUrgentModel {
    #[serde(default)]
    description: Option<String>,
    /// Calibrated probability at which a gated message is urgent (1.01:
    /// never; a `notice` below it still gives notices).
    threshold: f32,
    /// Probability from which a gated message that stays below `threshold`
    /// still gets the urgent route as a notice beside its answer (none: no
    /// notice).
    #[serde(default)]
    notice: Option<f32>,
    /// Masks and excludes on top of the urgent group's own.
    #[serde(default)]
    mask: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    /// Rules (`id`, `kind`, `description`, `patterns`, `mask`, `exclude`)
    /// naming this deployment's things; the first that fires opens the gate
    /// and gives the kind.
    gate: Vec<serde_json::Value>,
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

/// What a pattern compiles to: a full regex for masks (they need spans
/// and `m` groups), a match-only [`Pattern`] for rule patterns and
/// excludes.
trait Compiled: Clone + Sized {
    fn build(source: &str) -> std::result::Result<Self, String>;
    fn source(&self) -> &str;
    fn cache<'l>(loader: &'l mut Loader<'_>) -> &'l mut HashMap<String, Self>;
}

impl Compiled for MaskRegex {
    fn build(source: &str) -> std::result::Result<Self, String> {
        MaskRegex::new(source, SIZE_LIMIT)
    }
    fn source(&self) -> &str {
        self.as_str()
    }
    fn cache<'l>(loader: &'l mut Loader<'_>) -> &'l mut HashMap<String, Self> {
        &mut loader.regexes
    }
}

impl Compiled for Pattern {
    fn build(source: &str) -> std::result::Result<Self, String> {
        Pattern::new(source, SIZE_LIMIT).map_err(|e| e.to_string())
    }
    fn source(&self) -> &str {
        self.as_str()
    }
    fn cache<'l>(loader: &'l mut Loader<'_>) -> &'l mut HashMap<String, Self> {
        &mut loader.patterns
    }
}

pub(super) struct Loader<'a> {
    text: &'a str,
    path: &'a Path,
    errors: Vec<Error>,
    vocab: BTreeMap<String, String>,
    /// Rule id → line of its first definition.
    ids: HashMap<String, usize>,
    /// Compiled masks and patterns by source: the same mask, exclude or
    /// vocabulary pattern written in several places (the urgent masks the
    /// model's gate applies again, {FOUND_AGAIN} as three rules' exclude)
    /// shares one compiled program — a clone shares it. Bounded gaps make
    /// each program large (tens to hundreds of KiB).
    regexes: HashMap<String, MaskRegex>,
    patterns: HashMap<String, Pattern>,
}

impl<'a> Loader<'a> {
    pub(super) fn new(text: &'a str, path: &'a Path) -> Self {
        Loader { text, path, errors: Vec::new(), vocab: BTreeMap::new(), ids: HashMap::new(), regexes: HashMap::new(), patterns: HashMap::new() }
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

    pub(super) fn load(mut self) -> Result<RuleSet> {
        let raw: RawFile = serde_json::from_str(self.text).map_err(|e| {
            let msg = e.to_string();
            let msg = msg.rfind(" at line ").map_or(msg.clone(), |i| msg[..i].to_string());
            Error::Resource { path: self.path.into(), line: e.line(), message: msg }
        })?;
        if let Some(v) = raw.version.filter(|&v| v != 1) {
            let line = self.line_of("\"version\"");
            self.err(line, format!("unsupported version {v} (this build reads version 1)"));
        }
        let mut policy = Policy::default();
        if let Some(p) = raw.policy {
            let line = self.line_of("\"policy\"");
            let h = &p.harassment;
            if h.warn_strikes.is_some() {
                let wline = self.line_of("\"warn_strikes\"");
                self.err(
                    wline,
                    "policy.harassment.warn_strikes is not used (every strike before end_on_strike warns): remove it".into(),
                );
            }
            if h.end_on_strike == 0 {
                self.err(line, "policy.harassment.end_on_strike must be at least 1".into());
            }
            let model = h.model.unwrap_or_default();
            for (name, v) in [("alone", model.alone), ("aimed", model.aimed), ("with_word", model.with_word)] {
                if !(0.0..=1.01).contains(&v) {
                    let mline = self.line_of(&format!("\"{name}\""));
                    self.err(mline, format!("policy.harassment.model.{name}: {v} is not a probability (use 0..1, or 1.01 to disable)"));
                }
            }
            if p.unresolved_turns == 0 || p.repeat_limit == 0 {
                self.err(line, "policy: unresolved_turns and repeat_limit must be at least 1".into());
            }
            policy = Policy {
                harassment: HarassmentPolicy { end_on_strike: h.end_on_strike, model },
                unresolved_turns: p.unresolved_turns,
                repeat_limit: p.repeat_limit,
            };
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
        for (name, g) in [("handoff_request", &raw.handoff_request), ("harassment", &raw.harassment), ("voc", &raw.voc)] {
            if g.model.is_some() {
                let line = self.line_of(&format!("\"{name}\""));
                self.err(line, format!("{name}.model: only the urgent group has a model"));
            }
        }
        let mut raw_urgent = raw.urgent;
        let raw_model = raw_urgent.model.take();
        let (urgent_mask, urgent_exclude) = (raw_urgent.mask.clone(), raw_urgent.exclude.clone());
        let urgent = self.group("urgent", raw_urgent, |r| tag_of(r, &["kind"], |r| r.kind));
        let (urgent_gate, urgent_threshold, urgent_notice) = match raw_model {
            Some(m) => {
                if !(0.0..=1.01).contains(&m.threshold) {
                    let line = self.line_of("\"threshold\"");
                    self.err(line, format!("urgent.model.threshold: {} is not a probability (use 0..1, or 1.01 to disable)", m.threshold));
                }
                if let Some(n) = m.notice
                    && !(0.0..m.threshold).contains(&n)
                {
                    let line = self.line_of("\"notice\"");
                    self.err(line, format!("urgent.model.notice: {n} must be a probability below the threshold {} (or leave it out)", m.threshold));
                }
                if m.gate.is_empty() {
                    let line = self.line_of("\"gate\"");
                    self.err(line, "urgent.model.gate: no rules (the model would never be asked)".into());
                }
                // The gate sees the message as the urgent rules do: their
                // masks (hypotheticals, negation, questions about others)
                // and excludes apply first.
                let gate = RawGroup {
                    description: m.description,
                    mask: urgent_mask.into_iter().chain(m.mask).collect(),
                    exclude: urgent_exclude.into_iter().chain(m.exclude).collect(),
                    rules: m.gate,
                    model: None,
                };
                let notice = m.notice.unwrap_or(NO_MODEL_THRESHOLD);
                (self.group("urgent.model", gate, |r| tag_of(r, &["kind"], |r| r.kind)), m.threshold, notice)
            }
            None => (Group::default(), NO_MODEL_THRESHOLD, NO_MODEL_THRESHOLD),
        };
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
        let lexicon = self.lexicon(raw.lexicon);
        let smalltalk = self.smalltalk(raw.smalltalk);
        let bundled = crate::decide::messages::Messages::bundled();
        let own_messages = raw.messages.is_some();
        let messages = match raw.messages.map(|section| crate::decide::messages::Messages::overlay(bundled, &section)) {
            Some(Ok(m)) => m,
            Some(Err(problems)) => {
                let line = self.line_of("\"messages\"");
                for p in problems {
                    self.err(line, p);
                }
                bundled.clone()
            }
            None => bundled.clone(),
        };
        if let Some(e) = Error::from_many(self.errors) {
            return Err(e);
        }
        Ok(RuleSet {
            urgent,
            urgent_gate,
            urgent_threshold,
            urgent_notice,
            urgent_model: None,
            handoff,
            harassment,
            voc,
            policy,
            lexicon,
            smalltalk,
            messages: std::sync::Arc::new(messages),
            own_messages,
            classifier: None,
        })
    }

    /// Reads the small-talk words: folded, each in one act only.
    fn smalltalk(&mut self, raw: RawSmalltalk) -> Smalltalk {
        let mut table = Smalltalk::default();
        let gline = self.line_of("\"smalltalk\"");
        let lists = [
            (Act::Thanks, raw.thanks),
            (Act::Yes, raw.yes),
            (Act::No, raw.no),
            (Act::Greeting, raw.greeting),
            (Act::Bye, raw.bye),
        ];
        for word in raw.fillers {
            let line = self.line_of_string(&word, gline);
            match fold_word(&word) {
                Err(e) => self.err(line, format!("smalltalk.fillers: {e}")),
                Ok(folded) => table.insert_filler(folded),
            }
        }
        for (act, words) in lists {
            for word in words {
                let line = self.line_of_string(&word, gline);
                match fold_word(&word) {
                    Err(e) => self.err(line, format!("smalltalk.{}: {e}", act.as_str())),
                    Ok(folded) => match table.act_of(&folded) {
                        Some(other) if other != act => self.err(
                            line,
                            format!("smalltalk.{}: {word:?} is also listed under {} (one act per word)", act.as_str(), other.as_str()),
                        ),
                        _ => table.insert(folded, act),
                    },
                }
            }
        }
        table
    }

    /// Reads the lexicon: plain words (no regex), folded like messages.
    fn lexicon(&mut self, raw: RawLexicon) -> Lexicon {
        let gline = self.line_of("\"lexicon\"");
        let mut aim = Vec::new();
        for a in &raw.aim {
            let folded = match_text(a).trim().to_string();
            if folded.is_empty() {
                let line = self.line_of_string(a, gline);
                self.err(line, "lexicon.aim: empty word".into());
            } else if !aim.contains(&folded) {
                aim.push(folded);
            }
        }
        let mut entries = Vec::new();
        for (n, value) in raw.entries.into_iter().enumerate() {
            let id_hint = value.get("id").and_then(|v| v.as_str()).map(str::to_string);
            let line = id_hint.as_deref().and_then(|id| self.id_lines(id).first().copied()).unwrap_or(gline);
            let label = match &id_hint {
                Some(id) => format!("lexicon entry {id:?}"),
                None => format!("lexicon entry #{}", n + 1),
            };
            let e: RawLexiconEntry = match serde_json::from_value(value) {
                Ok(e) => e,
                Err(err) => {
                    self.err(line, format!("{label}: {err}"));
                    continue;
                }
            };
            if let Some(&first) = self.ids.get(&e.id) {
                let again = self.id_lines(&e.id).get(1).copied().unwrap_or(line);
                self.err(again, format!("{label}: duplicate id (first defined at line {first})"));
                continue;
            }
            self.ids.insert(e.id.clone(), line);
            if e.description.trim().is_empty() {
                self.err(line, format!("{label}: empty description"));
            }
            if e.words.is_empty() {
                self.err(line, format!("{label}: no words"));
            }
            let mut words = Vec::new();
            for w in &e.words {
                let folded = match_text(w).trim().to_string();
                if folded.is_empty() {
                    let wl = self.line_of_string(w, line);
                    self.err(wl, format!("{label}: empty word"));
                } else if !words.contains(&folded) {
                    words.push(folded);
                }
            }
            entries.push(LexiconEntry { id: e.id, category: e.category, severity: e.severity, needs_aim: e.needs_aim, words });
        }
        let innocent = raw.innocent.iter().map(|w| match_text(w).trim().to_string()).filter(|w| !w.is_empty()).collect();
        Lexicon::with_innocent(entries, aim, innocent)
    }

    /// Expands, lints, folds and compiles one pattern.
    fn pattern<T: Compiled>(&mut self, raw: &str, what: &str, near: usize) -> Option<T> {
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
        match self.compile::<T>(&fold_text(&expanded)) {
            Ok(re) => Some(re),
            Err(e) => {
                self.err(line, format!("{what}: {}", e.to_string().replace('\n', " ")));
                None
            }
        }
    }

    /// Compiles `source`, or clones what was already compiled from it.
    fn compile<T: Compiled>(&mut self, source: &str) -> std::result::Result<T, String> {
        if let Some(re) = T::cache(self).get(source) {
            return Ok(re.clone());
        }
        let re = T::build(source)?;
        T::cache(self).insert(source.to_string(), re.clone());
        Ok(re)
    }

    /// Compiles each pattern on its own, numbering them from 1 in errors
    /// (`what 2: …`); a pattern that fails is reported and left out.
    fn numbered<T: Compiled>(&mut self, raws: &[String], what: &str, near: usize) -> Vec<T> {
        raws.iter().enumerate().filter_map(|(i, p)| self.pattern(p, &format!("{what} {}", i + 1), near)).collect()
    }

    /// Compiles a list of patterns into one alternation (None when empty).
    fn alternation<T: Compiled>(&mut self, raws: &[String], what: &str, near: usize) -> Option<T> {
        let parts: Vec<T> = raws.iter().filter_map(|p| self.pattern::<T>(p, what, near)).collect();
        if parts.is_empty() || parts.len() != raws.len() {
            return None;
        }
        // Mask groups (`(?<m>…)`, see the matcher) get a distinct name per
        // part: one regex cannot name two groups alike.
        let joined = parts
            .iter()
            .enumerate()
            .map(|(i, r)| format!("(?:{})", r.source().replace("(?<m>", &format!("(?<m{i}>"))))
            .collect::<Vec<_>>()
            .join("|");
        // Each part compiled alone, so only the size limit can fail here.
        match self.compile::<T>(&joined) {
            Ok(re) => Some(re),
            Err(e) => {
                self.err(near, format!("{what}: {}", e.to_string().replace('\n', " ")));
                None
            }
        }
    }

    /// An exclude split for its searches (see [`Exclude`]).
    fn exclude(&mut self, joined: Option<Pattern>, what: &str, near: usize) -> Option<Exclude> {
        match Exclude::new(&joined?) {
            Ok(e) => Some(e),
            Err(e) => {
                self.err(near, format!("{what}: {}", e.replace('\n', " ")));
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
        // The gate's rules sit under "gate" in the urgent group.
        let key = if name == "urgent.model" { "gate" } else { name };
        let gline = self.line_of(&format!("\"{key}\""));
        let masks = self.numbered(&raw.mask, &format!("{name}.mask"), gline);
        let exclude = self.alternation(&raw.exclude, &format!("{name}.exclude"), gline);
        let exclude = self.exclude(exclude, &format!("{name}.exclude"), gline);
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
            let patterns = self.numbered(&r.patterns, &format!("{label} pattern"), line);
            let rmask = self.numbered(&r.mask, &format!("{label} mask"), line);
            let rexclude = self.alternation(&r.exclude, &format!("{label} exclude"), line);
            let rexclude = self.exclude(rexclude, &format!("{label} exclude"), line);
            if let Some(meta) = meta
                && self.errors.len() == before
                && !patterns.is_empty()
            {
                rules.push(Rule { id: r.id, origin: (self.path.to_path_buf(), line), meta, patterns, mask: rmask, exclude: rexclude });
            }
        }
        if rules.is_empty() {
            return Group::default();
        }
        match Section::new(masks, exclude, rules) {
            Ok(s) => Group { sections: vec![s] },
            Err(e) => {
                self.err(gline, format!("{name}: the rules do not compile as one set: {}", e.replace('\n', " ")));
                Group::default()
            }
        }
    }
}
