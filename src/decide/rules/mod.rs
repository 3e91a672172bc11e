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
//!   "policy": {"harassment": {"end_on_strike": 3, "model": {"alone": 0.97, "aimed": 0.95, "with_word": 0.7}},
//!              "unresolved_turns": 3, "repeat_limit": 3},
//!   "vocabulary": {"OBJ": "(?:カード|スマホ|財布)"},
//!   "urgent": {
//!     "description": "…", "mask": ["(?:た|だ)ら"], "exclude": [],
//!     "rules": [{"id": "urgent.lost", "kind": "lost_stolen",
//!                "description": "A card or phone was lost.",
//!                "patterns": ["{OBJ}を?(?:落と|なく)した"],
//!                "mask": [], "exclude": []}],
//!     "model": {"threshold": 0.9, "mask": [], "exclude": [],
//!               "gate": [{"id": "urgent.model.things", "kind": "lost_stolen",
//!                         "description": "Our card or phone is named.",
//!                         "patterns": ["{OBJ}"]}]}
//!   },
//!   "handoff_request": {"rules": [{"id": "…", "route": "chat_operator", …}]},
//!   "harassment": {"rules": [{"id": "…", "category": "threat", "severity": "severe", …}]},
//!   "voc": {"rules": [{"id": "…", "class": "complaint", …}]},
//!   "smalltalk": {"thanks": ["ありがとう"], "yes": ["はい"], "no": ["いいえ"],
//!                 "greeting": ["こんにちは"], "bye": ["さようなら"]}
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
//!   A mask may name a group `m` (`(?<m>たら)(?:[^しなず]|$)`): then only
//!   that group is blanked and the rest of the match is context (the regex
//!   crate has no look-around), so `確認したらカード` keeps its `か`.
//! * `exclude` patterns veto the rule for the whole (unmasked) message; use
//!   them sparingly, since a real situation may share a message with a
//!   question ("カードを落としたので再発行の手数料は？" must still fire).
//!
//! # Small talk
//!
//! `smalltalk` lists whole-message words per act (plain words, no regex):
//! a message every part of which is such a word ([`RuleSet::smalltalk`],
//! [`Smalltalk::act`]) is answered as thanks, yes, no, a greeting or a
//! goodbye instead of being searched (see the engine's order of decisions).
//!
//! # The urgent model
//!
//! When no urgent rule fires, a statistical detector may still raise an
//! urgent situation (rule id [`URGENT_MODEL_RULE_ID`]): a character n-gram
//! logistic regression ([`crate::decide::classifier`], weights in
//! `dictionaries/urgent-model.json`, trained by `cargo run --release
//! --example train_urgent`) whose probability reaches `urgent.model.threshold`.
//! It raises one only when the message also passes the **gate** (its
//! literals are scanned before the model is scored, its masks run after,
//! for a message the model would raise or give a notice for): one of the
//! `urgent.model.gate` rules fires after the urgent group's masks and
//! excludes and the gate's own (so the deployment's things must be named —
//! a city office's 保険証 or 納付書 never opens it — and hypotheticals,
//! negations and things found again keep it shut). The first gate rule
//! that fires gives the [`UrgentKind`]. A rule file without `urgent.model`
//! has no statistical detector.
//!
//! Within a group, rules earlier in the file win ([`RuleMatches::urgent`] and
//! [`RuleMatches::handoff_request`] report the first that fires); every
//! harassment rule that fires is reported. A check is one literal scan per
//! group (Aho-Corasick over literals every match of a pattern must contain),
//! then only the patterns whose literals occur are run, then a confirmation
//! of the few rules that matched.
//!
//! For speed on messages never seen before, start a pattern with words
//! (`{OBJ}…`, `(?:紛失|盗難)…`), or with one character of context before
//! them (`(?:^|[。、])…`, `[^a-z]sim`): it is then searched only from where
//! those words occur. A pattern that opens with a longer gap
//! (`[^。]{0,60}?…`) is searched across the whole message, and so is one
//! whose word list holds such an opening after its first part (prefer the
//! zero-width `(?-u:\b)` to `(?:^|[^a-z])` inside a vocabulary entry).
//!
//! ```
//! use madoguchi::decide::rules::{RuleSet, UrgentKind};
//! let rules = RuleSet::bundled()?;
//! let m = rules.check("ｶｰﾄﾞなくした");
//! assert_eq!(m.urgent.map(|h| h.kind), Some(UrgentKind::LostStolen));
//! assert!(rules.check("紛失したときの連絡先は？").urgent.is_none());
//! # Ok::<(), madoguchi::Error>(())
//! ```


mod loader;
mod mask;
mod matcher;
mod pattern;
mod smalltalk;
mod types;
#[cfg(test)]
mod tests;

use std::cell::OnceCell;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

pub use smalltalk::{Act, Smalltalk};
pub use types::*;

use crate::decide::harassment::combine::{MODEL_RULE_ID, combine};
use crate::decide::classifier::Bundled;
use crate::decide::harassment::{Boundaries, Classifier, Evidence, Lexicon, LexiconHit};
use crate::error::{Error, Result};
use crate::normalize::kana::is_kana;
use crate::normalize::{fold_text, normalize};
use crate::tokenize::Analysis;
use loader::Loader;
use matcher::Group;

/// A route named by a hand-off rule (see [`RuleSet::route_hints`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteHint<'a> {
    /// The rule's id.
    pub rule_id: &'a str,
    /// The route it names (`phone` = the phone centre of the topic).
    pub route: &'a str,
    /// The rule file.
    pub file: &'a Path,
    /// The rule's line in it.
    pub line: usize,
}

/// Rule id reported when the urgent model (not a rule) raised the situation.
pub const URGENT_MODEL_RULE_ID: &str = "model.urgent";

/// Rule id of [`RuleMatches::urgent_possible`]: the urgent model found the
/// situation likely but below its threshold (`urgent.model.notice`).
pub const URGENT_NOTICE_RULE_ID: &str = "model.urgent_possible";

/// Threshold of a rule set without `urgent.model`: above any probability.
pub(crate) const NO_MODEL_THRESHOLD: f32 = 1.01;

pub(crate) const BUNDLED_JSON: &str = include_str!("../../../dictionaries/rules.json");
const BUNDLED_PATH: &str = "dictionaries/rules.json";

/// What the urgent rules and model say of one message.
#[derive(Default)]
struct UrgentReading {
    hit: Option<RuleHit<UrgentKind>>,
    /// The model's probability, when it raised the situation or a possible one.
    probability: Option<f32>,
    possible: Option<RuleHit<UrgentKind>>,
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
    /// `urgent.model.gate`: when the urgent model may be asked.
    urgent_gate: Group<UrgentKind>,
    /// `urgent.model.threshold`.
    urgent_threshold: f32,
    /// `urgent.model.notice` (1.01 when absent: no notice).
    urgent_notice: f32,
    urgent_model: Option<Arc<Classifier>>,
    handoff: Group<Option<String>>,
    harassment: Group<(HarassmentCategory, Severity)>,
    voc: Group<VocClass>,
    policy: Policy,
    lexicon: Lexicon,
    smalltalk: Smalltalk,
    /// What the bot says (the `messages` section; bundled texts for the rest).
    messages: Arc<crate::decide::messages::Messages>,
    /// The file had a `messages` section (so `extend` takes it).
    own_messages: bool,
    classifier: Option<Arc<Classifier>>,
}

/// [`RuleSet::only_words`] of a rules file's text.
fn only_words_in(text: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}')) {
        Ok(serde_json::Value::Object(o)) => o.keys().all(|k| matches!(k.as_str(), "messages" | "smalltalk" | "description")),
        _ => false,
    }
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
        let mut rules = Loader::new(text, path.as_ref()).load()?;
        rules.classifier = Some(Classifier::bundled(Bundled::Harassment)?);
        rules.urgent_model = Some(Classifier::bundled(Bundled::Urgent)?);
        Ok(rules)
    }

    /// The rules of `--rules` (or the bundled ones) with the urgent model of
    /// `--urgent-model` (or the bundled one): what the commands load.
    ///
    /// A file with rules or settings of its own replaces the bundled rules.
    /// A file with nothing but `messages` and `smalltalk` (and a
    /// `description`), to reword the bot, is laid over the bundled rules
    /// ([`RuleSet::extend`]): rewording a greeting must not switch off the
    /// urgent hand-off. (A `policy` or `urgent` section makes it a file of
    /// its own, so its settings are not lost under the bundled ones.)
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("madoguchi-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use madoguchi::decide::RuleSet;
    /// let file = dir.join("words.json");
    /// std::fs::write(&file, r#"{"messages": {"greeting": "こんにちは、ジムです。"}}"#)?;
    /// let rules = RuleSet::from_files(Some(&file), None)?;
    /// assert_eq!(rules.messages().greeting, "こんにちは、ジムです。");
    /// assert_eq!(rules.len(), RuleSet::bundled()?.len());
    /// assert!(rules.check("財布ごとカードを落としました").urgent.is_some());
    /// // A policy is a setting of its own: that file replaces the bundled rules.
    /// let policy = dir.join("policy.json");
    /// std::fs::write(&policy, r#"{"policy": {"warn_strikes": 1}}"#)?;
    /// assert!(RuleSet::only_words(&file) && !RuleSet::only_words(&policy));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_files(rules: Option<&Path>, urgent_model: Option<&Path>) -> Result<Self> {
        let mut set = match rules {
            Some(p) => {
                // Read once: the same text is loaded and asked what it holds.
                let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
                let own = RuleSet::from_json_str(&text, p)?;
                if only_words_in(&text) {
                    let mut set = RuleSet::bundled()?;
                    set.extend(own);
                    set
                } else {
                    own
                }
            }
            None => RuleSet::bundled()?,
        };
        if let Some(p) = urgent_model {
            set.load_urgent_model(p)?;
        }
        Ok(set)
    }

    /// Whether the rules file at `path` holds only the bot's words
    /// (`messages`, `smalltalk`, `description`): what [`RuleSet::from_files`]
    /// lays over the bundled rules. A file that cannot be read as a JSON
    /// object is not (its loading reports why).
    pub fn only_words(path: &Path) -> bool {
        std::fs::read_to_string(path).is_ok_and(|text| only_words_in(&text))
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
    /// [`RuleSet::set_policy`]). When `other`'s file has a `messages`
    /// section, its messages (that section over the bundled texts) replace
    /// these whole; keys set by an earlier file and not by `other` go back
    /// to the bundled text.
    pub fn extend(&mut self, other: RuleSet) {
        let ids: HashSet<String> = other.rule_ids().into_iter().map(str::to_string).collect();
        self.urgent.remove_ids(&ids);
        self.urgent_gate.remove_ids(&ids);
        self.handoff.remove_ids(&ids);
        self.harassment.remove_ids(&ids);
        self.voc.remove_ids(&ids);
        self.urgent.sections.extend(other.urgent.sections);
        if self.urgent_gate.sections.is_empty() {
            self.urgent_threshold = other.urgent_threshold;
            self.urgent_notice = other.urgent_notice;
        }
        self.urgent_gate.sections.extend(other.urgent_gate.sections);
        self.handoff.sections.extend(other.handoff.sections);
        self.harassment.sections.extend(other.harassment.sections);
        self.voc.sections.extend(other.voc.sections);
        self.lexicon.extend(&other.lexicon);
        self.smalltalk.extend(&other.smalltalk);
        if other.own_messages {
            self.messages = other.messages.clone();
            self.own_messages = true;
        }
    }

    /// The act of a small-talk message (thanks, yes, no, a greeting, a
    /// goodbye), when every part of it is a word of the rules file's
    /// `smalltalk` section; see [`Smalltalk::act`].
    pub fn smalltalk(&self, message: &str) -> Option<Act> {
        self.smalltalk.act(message)
    }

    /// [`RuleSet::smalltalk`] of a message already analyzed.
    pub(crate) fn smalltalk_analyzed(&self, message: &str, analysis: &Analysis) -> Option<Act> {
        self.smalltalk.act_normalized(message, &analysis.normalized)
    }

    /// What the bot says (see [`crate::decide::messages`]).
    pub fn messages(&self) -> &crate::decide::messages::Messages {
        &self.messages
    }

    /// The small-talk words (see [`RuleSet::smalltalk`]).
    pub fn smalltalk_words(&self) -> &Smalltalk {
        &self.smalltalk
    }

    /// The harassment classifier in use (the bundled
    /// `dictionaries/harassment-model.json` unless replaced).
    pub fn classifier(&self) -> Option<&Classifier> {
        self.classifier.as_deref()
    }

    /// Replaces the harassment classifier; `None` turns that layer off.
    pub fn set_classifier(&mut self, classifier: Option<Classifier>) {
        self.classifier = classifier.map(Arc::new);
    }

    /// The urgent model in use (the bundled `dictionaries/urgent-model.json`
    /// unless replaced); it only speaks behind the gate (see the module doc).
    pub fn urgent_model(&self) -> Option<&Classifier> {
        self.urgent_model.as_deref()
    }

    /// Replaces the urgent model; `None` leaves urgent detection to the rules.
    /// The model must read characters only (it also scores two turns joined
    /// together, which have no analysis): a model with word or lexicon
    /// features is an error.
    pub fn set_urgent_model(&mut self, model: Option<Classifier>) -> Result<()> {
        if let Some(m) = &model
            && (m.words || m.lexicon)
        {
            return Err(Error::InvalidInput(
                "urgent model: only character n-grams are supported (train it with train_urgent)".into(),
            ));
        }
        self.urgent_model = model.map(Arc::new);
        Ok(())
    }

    /// Reads and checks an urgent model file (errors name the file).
    pub fn load_urgent_model(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let model = Classifier::load(path)?;
        self.set_urgent_model(Some(model)).map_err(|e| Error::Resource { path: path.into(), line: 0, message: e.to_string() })
    }

    /// `urgent.model.threshold` (1.01 when the rule file has no model section).
    pub fn urgent_threshold(&self) -> f32 {
        self.urgent_threshold
    }

    /// Replaces the urgent model's threshold (above 1: the model hands
    /// nothing off; notices follow their own threshold,
    /// [`RuleSet::set_urgent_notice_threshold`]; `set_urgent_model(None)`
    /// silences both).
    pub fn set_urgent_threshold(&mut self, threshold: f32) {
        self.urgent_threshold = threshold;
    }

    /// `urgent.model.notice`: from this probability up to the threshold, a
    /// gated message is reported as [`RuleMatches::urgent_possible`] (1.01
    /// when the rule file sets none).
    ///
    /// ```
    /// let rules = madoguchi::decide::rules::RuleSet::bundled()?;
    /// assert!(rules.urgent_notice_threshold() < rules.urgent_threshold());
    /// # Ok::<(), madoguchi::Error>(())
    /// ```
    pub fn urgent_notice_threshold(&self) -> f32 {
        self.urgent_notice
    }

    /// Replaces the notice threshold (above 1, or at or above the
    /// threshold, turns the notice off).
    pub fn set_urgent_notice_threshold(&mut self, notice: f32) {
        self.urgent_notice = notice;
    }

    /// The gate of the urgent model on `message`: the first `urgent.model.gate`
    /// rule that fires (its id, kind and the matched thing), or `None` when
    /// the gate stays shut (the model then raises nothing). Independent of
    /// the urgent rules.
    pub fn urgent_gate(&self, message: &str) -> Option<RuleHit<UrgentKind>> {
        first_hit(&self.urgent_gate, &fold_text(&normalize(message)))
    }

    /// The folded message as the urgent model's gate reads it: the urgent
    /// group's and the gate's masks (hypotheticals, negation, other people's
    /// things, things found again) blanked.
    ///
    /// ```
    /// let rules = madoguchi::decide::rules::RuleSet::bundled()?;
    /// assert!(rules.urgent_gate_text("もしカードを落としたらどうすれば").len() < "もしかーどを落としたらどうすれば".len());
    /// # Ok::<(), madoguchi::Error>(())
    /// ```
    pub fn urgent_gate_text(&self, message: &str) -> String {
        self.urgent_gate.masked(&fold_text(&normalize(message))).into_owned()
    }

    /// The urgent rules, then (when none fires) the urgent model behind its
    /// gate; with the model's probability when it raised the situation or
    /// a possible one (from `urgent.model.notice`).
    ///
    /// Cheapest first: the gate's literals (one scan; a message that names
    /// none of the deployment's things stops here), then the model (a few
    /// ten thousand instructions), and the gate's masks (a few hundred
    /// thousand on a message that names a card) only for a message the
    /// model would raise or give a notice for; most card questions are
    /// ordinary ones it turns down.
    ///
    /// Messages written with spaces between words (kana-only writing,
    /// voice input: 「けいたいが なくなって おりました」) or with the pause
    /// commas voice input puts after particles (「すまほを、たくしーに、置いて」)
    /// get a second reading by the rules without them ([`spoken`]), so that
    /// patterns need not allow a space or a comma after every particle.
    /// `spoken_reading` holds that reading once made (the request rules
    /// read it too).
    fn urgent_in(&self, folded: &str, spoken_reading: &OnceCell<Option<String>>) -> UrgentReading {
        let none = UrgentReading::default();
        if let Some(hit) = first_hit(&self.urgent, folded) {
            return UrgentReading { hit: Some(hit), ..none };
        }
        if let Some(hit) = spoken_reading.get_or_init(|| spoken(folded)).as_deref().and_then(|joined| first_hit(&self.urgent, joined)) {
            return UrgentReading { hit: Some(hit), ..none };
        }
        let Some(model) = self.urgent_model.as_deref() else {
            return none;
        };
        let bar = self.urgent_threshold.min(self.urgent_notice);
        if bar > 1.0 || !self.urgent_gate.may_fire(folded) {
            return none;
        }
        let p = model.probability(folded);
        // Written so that a NaN probability raises nothing, a NaN threshold
        // no hand-off and a NaN notice threshold no notice.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !(p >= bar) {
            return none;
        }
        let Some(gate) = first_hit(&self.urgent_gate, folded) else {
            return none;
        };
        if p >= self.urgent_threshold {
            UrgentReading { hit: Some(RuleHit { rule_id: URGENT_MODEL_RULE_ID.into(), ..gate }), probability: Some(p), possible: None }
        } else {
            UrgentReading { hit: None, probability: Some(p), possible: Some(RuleHit { rule_id: URGENT_NOTICE_RULE_ID.into(), ..gate }) }
        }
    }

    /// The harassment lexicon (insults, slurs, sexual terms, aim words).
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Checks one customer message against every group. Without a Lindera
    /// analysis, lexicon words are bounded where the script changes; the
    /// engine calls [`RuleSet::check_analysis`] with real morpheme
    /// boundaries.
    pub fn check(&self, message: &str) -> RuleMatches {
        let normalized = normalize(message);
        let folded = fold_text(&normalized);
        let bounds = if folded.len() == normalized.len() {
            Boundaries::Script(&normalized)
        } else {
            Boundaries::Script(&folded)
        };
        self.check_folded(&folded, &bounds)
    }

    /// Only the urgent rules (and the urgent model behind its gate) for
    /// `message` (no hand-off, harassment or VOC work): what the engine uses
    /// to look at two turns together.
    pub fn check_urgent(&self, message: &str) -> Option<RuleHit<UrgentKind>> {
        self.check_urgent_or_possible(message).0
    }

    /// [`RuleSet::check_urgent`], and when nothing is raised, the possible
    /// situation of [`RuleMatches::urgent_possible`] (the urgent model between
    /// `urgent.model.notice` and its threshold).
    pub fn check_urgent_or_possible(&self, message: &str) -> (Option<RuleHit<UrgentKind>>, Option<RuleHit<UrgentKind>>) {
        let folded = fold_text(&normalize(message));
        let reading = self.urgent_in(&folded, &OnceCell::new());
        (reading.hit, reading.possible)
    }

    /// Checks a message already analyzed by the [`crate::tokenize::Analyzer`]: lexicon
    /// words count only on its token boundaries (no セックス inside
    /// ユニセックス), and the message is not analyzed twice.
    ///
    /// ```no_run
    /// use madoguchi::decide::rules::RuleSet;
    /// use madoguchi::tokenize::Analyzer;
    /// let (rules, analyzer) = (RuleSet::bundled()?, Analyzer::new()?);
    /// assert!(rules.check_analysis(&analyzer.analyze("ユニセックスのTシャツ")).harassment.is_empty());
    /// assert!(!rules.check_analysis(&analyzer.analyze("このクソ野郎")).harassment.is_empty());
    /// # Ok::<(), madoguchi::Error>(())
    /// ```
    pub fn check_analysis(&self, analysis: &Analysis) -> RuleMatches {
        let folded = fold_text(&analysis.normalized);
        self.check_folded(&folded, &boundaries(analysis, &folded))
    }

    /// When a message raises no harassment but spells a word out letter by
    /// letter to slip past a word list (「ク ソ 会 社」), its harassment is
    /// read again with those letters joined ([`unobfuscate`]; boundaries by
    /// script, since the analysis was of the original text).
    fn check_folded(&self, folded: &str, bounds: &Boundaries<'_>) -> RuleMatches {
        let spoken_reading = OnceCell::new();
        let UrgentReading { hit: urgent, probability: urgent_probability, possible: urgent_possible } =
            self.urgent_in(folded, &spoken_reading);
        // A request said into a phone (「すたっふ の 方 と 直接 お話し でき ません か」)
        // is read again as written.
        let request = self.handoff.find(folded, true).into_iter().next().or_else(|| {
            let again = spoken_reading.get_or_init(|| spoken(folded)).as_deref()?;
            self.handoff.find(again, true).into_iter().next()
        });
        let handoff_request = request.map(|(r, matched)| HandoffHit {
            rule_id: r.id.clone(),
            route: r.meta.clone(),
            matched,
        });
        let mut reading = self.harassment_in(folded, bounds);
        if reading.hits.is_empty()
            && let Some(plain) = unobfuscate(folded)
        {
            // Only the harassment layers read the joined letters again.
            let again = self.harassment_in(&plain, &Boundaries::Script(&plain));
            if !again.hits.is_empty() {
                reading = again;
            }
        }
        // A request for a person that the classifier alone finds rude
        // (「担当者に代われ」: a staff word and a command) is a request, not
        // abuse, when the request is most of the message; an insult or
        // threat beside it still counts (「担当者を出せ。お前の家知ってるからな」).
        let request_is_message = handoff_request
            .as_ref()
            .is_some_and(|h| h.matched.chars().count() * 2 >= folded.chars().filter(|c| !c.is_whitespace()).count());
        if request_is_message && reading.hits.iter().all(|h| h.rule_id == MODEL_RULE_ID) {
            reading.hits.clear();
        }
        let voc_hits = self.voc.find(folded, false);
        let pick = voc_hits
            .iter()
            .find(|(r, _)| r.meta == VocClass::Complaint)
            .or_else(|| voc_hits.iter().find(|(r, _)| r.meta == VocClass::OpinionRequest));
        let (voc, voc_rule) = match pick {
            Some((r, _)) => (r.meta, Some(r.id.clone())),
            None => (VocClass::Inquiry, None),
        };
        RuleMatches {
            urgent,
            urgent_probability,
            urgent_possible,
            handoff_request,
            harassment: reading.hits,
            aimed_at: reading.aimed_at,
            harassment_probability: reading.probability,
            voc,
            voc_rule,
        }
    }

    /// The harassment layers on one reading of a message: rules, lexicon on
    /// `bounds`, aim and classifier, combined.
    fn harassment_in(&self, folded: &str, bounds: &Boundaries<'_>) -> HarassmentReading {
        let mut hits: Vec<HarassmentHit> = self
            .harassment
            .find(folded, false)
            .into_iter()
            .map(|(r, matched)| HarassmentHit {
                rule_id: r.id.clone(),
                category: r.meta.0,
                severity: r.meta.1,
                matched,
            })
            .collect();
        let (words, aimed_at) = self.lexicon_in(folded, bounds);
        let probability = self.classifier.as_ref().map(|c| c.probability_with(folded, &self.evidence(folded, bounds, &words, aimed_at.is_some())));
        combine(&mut hits, &self.lexicon, &words, aimed_at.as_deref(), probability, &self.policy.harassment.model);
        HarassmentReading { hits, aimed_at, probability }
    }

    /// The lexicon's words and the aim word in `folded`, outside what the
    /// harassment masks blank and the lexicon's innocent spans.
    fn lexicon_in(&self, folded: &str, bounds: &Boundaries<'_>) -> (Vec<LexiconHit>, Option<String>) {
        let mut masked = self.harassment.mask_ranges(folded);
        masked.extend(self.lexicon.innocent_spans(folded));
        (self.lexicon.find(folded, bounds, &masked), self.lexicon.aim(folded, bounds, &masked))
    }

    fn evidence(&self, folded: &str, bounds: &Boundaries<'_>, words: &[LexiconHit], aimed: bool) -> Evidence {
        Evidence {
            words: bounds.segments(folded).into_iter().map(str::to_string).collect(),
            lexicon: words.iter().map(|w| self.lexicon.entries()[w.entry].id.clone()).collect(),
            aimed,
        }
    }

    /// What the harassment classifier reads in a message besides its
    /// characters (words of the analysis, lexicon evidence), with the folded
    /// text: for training a classifier on the features the engine will give it.
    pub fn harassment_evidence(&self, analysis: &Analysis) -> (String, Evidence) {
        let folded = fold_text(&analysis.normalized);
        let bounds = boundaries(analysis, &folded);
        let (words, aimed_at) = self.lexicon_in(&folded, &bounds);
        let evidence = self.evidence(&folded, &bounds, &words, aimed_at.is_some());
        (folded, evidence)
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
        self.urgent
            .ids()
            .chain(self.urgent_gate.ids())
            .chain(self.handoff.ids())
            .chain(self.harassment.ids())
            .chain(self.voc.ids())
            .chain(self.lexicon.entries().iter().map(|e| e.id.as_str()))
            .collect()
    }

    /// The route hints the hand-off rules can name (`phone` included), with
    /// the rule id and where it was written (file, line), for checking
    /// against the routes file.
    pub fn route_hints(&self) -> Vec<RouteHint<'_>> {
        self.handoff
            .rules()
            .filter_map(|r| {
                r.meta.as_deref().map(|route| RouteHint { rule_id: &r.id, route, file: &r.origin.0, line: r.origin.1 })
            })
            .collect()
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

/// `folded` without the spaces that stand between two Japanese characters
/// (「かーどを なくしました」 → 「かーどをなくしました」), or `None` when it
/// has none. Spaces next to Latin letters or digits stay (「my まどかカード」).
pub(crate) fn join_spaced(folded: &str) -> Option<String> {
    let japanese = |c: char| !c.is_ascii() && c.is_alphabetic();
    let chars: Vec<char> = folded.chars().collect();
    let mut out = String::with_capacity(folded.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' && i > 0 && japanese(chars[i - 1]) {
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            if j < chars.len() && japanese(chars[j]) {
                changed = true;
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    changed.then_some(out)
}

/// `folded` as voice input writes it, read as typed: spaces between
/// Japanese words removed ([`join_spaced`]) and the pause comma after a
/// particle dropped (「すまほを、えー、たくしーに、置いて」 → 「すまほをえー、たくしーに置いて」),
/// or `None` when neither changes anything. The comma goes after を, に, は,
/// も, へ and after が unless that が can be the conjunction (after た, す,
/// だ, い or ん: 「落としましたが、」, 「知らないが、」, 「すみませんが、」).
/// Some commas it drops do close a clause (「のに、」, 「では、」); the rules'
/// masks and excludes must not need them (a test checks the bundled ones).
pub(crate) fn spoken(folded: &str) -> Option<String> {
    let joined = join_spaced(folded);
    let text = joined.as_deref().unwrap_or(folded);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut dropped = false;
    for (i, &c) in chars.iter().enumerate() {
        let pause = matches!(c, '、' | ',')
            && match (i.checked_sub(2).map(|k| chars[k]), i.checked_sub(1).map(|k| chars[k])) {
                (_, Some('を' | 'に' | 'は' | 'も' | 'へ')) => true,
                (before, Some('が')) => !matches!(before, Some('た' | 'す' | 'だ' | 'い' | 'ん')),
                _ => false,
            };
        if pause {
            dropped = true;
        } else {
            out.push(c);
        }
    }
    if dropped { Some(out) } else { joined }
}

/// `folded` with words spelt out letter by letter joined again, or `None`
/// when it has none: a run of three or more single characters separated by
/// spaces is joined (「く そ 会 社」 → 「くそ会社」), or of two kana (「ば か」).
/// Only the harassment layers read the result, and only when the message
/// as written raised nothing. (A wave dash inside a
/// word, 「ば〜か」, is already a long-vowel mark after normalization.)
pub(crate) fn unobfuscate(folded: &str) -> Option<String> {
    let chars: Vec<char> = folded.chars().collect();
    let n = chars.len();
    // Single characters: not a space, with a space (or the text's edge) on both sides.
    let single = |i: usize| chars[i] != ' ' && (i == 0 || chars[i - 1] == ' ') && (i + 1 == n || chars[i + 1] == ' ');
    let mut drop = vec![false; n];
    let mut i = 0;
    while i < n {
        if single(i) {
            // Extend the run: c ␣ c ␣ c …
            let mut j = i;
            while j + 2 < n && chars[j + 1] == ' ' && single(j + 2) {
                j += 2;
            }
            // Two kana are enough (「ば か」, 「ア ホ」): a word of two kana
            // spelt apart, where two kanji apart are more often two words.
            let run = (j - i) / 2 + 1;
            if run >= 3 || (run == 2 && is_kana(chars[i]) && is_kana(chars[j])) {
                (i..j).filter(|k| chars[*k] == ' ').for_each(|k| drop[k] = true);
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    drop.iter().any(|d| *d).then(|| chars.iter().zip(&drop).filter(|(_, d)| !**d).map(|(c, _)| *c).collect())
}

/// Word boundaries for matching `folded` (the folded normalized text of
/// `analysis`): the analysis's tokens when folding kept every byte offset,
/// else by script.
fn boundaries<'a>(analysis: &'a Analysis, folded: &'a str) -> Boundaries<'a> {
    if folded.len() == analysis.normalized.len() && !analysis.boundaries.is_empty() {
        Boundaries::Tokens(&analysis.boundaries)
    } else {
        Boundaries::Script(folded)
    }
}

/// What the harassment layers found on one reading of a message.
struct HarassmentReading {
    hits: Vec<HarassmentHit>,
    aimed_at: Option<String>,
    probability: Option<f32>,
}

/// The first rule of `group` that fires on `folded`, as a hit.
fn first_hit<M: Copy>(group: &Group<M>, folded: &str) -> Option<RuleHit<M>> {
    group.find(folded, true).into_iter().next().map(|(r, matched)| RuleHit { rule_id: r.id.clone(), kind: r.meta, matched })
}
