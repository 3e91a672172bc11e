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
//!   A mask may name a group `m` (`(?<m>たら)(?:[^しなず]|$)`): then only
//!   that group is blanked and the rest of the match is context (the regex
//!   crate has no look-around), so `確認したらカード` keeps its `か`.
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


mod loader;
mod matcher;
mod types;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

pub use types::*;

use crate::decide::harassment::combine::combine;
use crate::decide::harassment::{Boundaries, Classifier, Evidence, Lexicon, LexiconHit};
use crate::error::{Error, Result};
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

const BUNDLED_JSON: &str = include_str!("../../../dictionaries/rules.json");
const BUNDLED_PATH: &str = "dictionaries/rules.json";

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
    lexicon: Lexicon,
    classifier: Option<Arc<Classifier>>,
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
        rules.classifier = Some(Classifier::bundled()?);
        Ok(rules)
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
        self.lexicon.extend(&other.lexicon);
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

    /// Only the urgent rules for `message` (no hand-off, harassment or VOC
    /// work): what the engine uses to look at two turns together.
    pub fn check_urgent(&self, message: &str) -> Option<RuleHit<UrgentKind>> {
        let folded = fold_text(&normalize(message));
        self.urgent.find(&folded, true).into_iter().next().map(|(r, matched)| RuleHit {
            rule_id: r.id.clone(),
            kind: r.meta,
            matched,
        })
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
        if folded.len() == analysis.normalized.len() && !analysis.boundaries.is_empty() {
            self.check_folded(&folded, &Boundaries::Tokens(&analysis.boundaries))
        } else {
            self.check_folded(&folded, &Boundaries::Script(&folded))
        }
    }

    fn check_folded(&self, folded: &str, bounds: &Boundaries<'_>) -> RuleMatches {
        let folded = folded.to_string();
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
        let mut harassment: Vec<HarassmentHit> = self
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
        let mut masked = self.harassment.mask_ranges(&folded);
        masked.extend(self.lexicon.innocent_spans(&folded));
        let words = self.lexicon.find(&folded, bounds, &masked);
        let aimed_at = self.lexicon.aim(&folded, bounds, &masked);
        let probability = self.classifier.as_ref().map(|c| c.probability_with(&folded, &self.evidence(&folded, bounds, &words, aimed_at.is_some())));
        combine(&mut harassment, &self.lexicon, &words, aimed_at.as_deref(), probability, &self.policy.harassment.model);
        let voc_hits = self.voc.find(&folded, false);
        let pick = voc_hits
            .iter()
            .find(|(r, _)| r.meta == VocClass::Complaint)
            .or_else(|| voc_hits.iter().find(|(r, _)| r.meta == VocClass::OpinionRequest));
        let (voc, voc_rule) = match pick {
            Some((r, _)) => (r.meta, Some(r.id.clone())),
            None => (VocClass::Inquiry, None),
        };
        RuleMatches { urgent, handoff_request, harassment, aimed_at, harassment_probability: probability, voc, voc_rule }
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
        let tokens = folded.len() == analysis.normalized.len() && !analysis.boundaries.is_empty();
        let bounds = if tokens { Boundaries::Tokens(&analysis.boundaries) } else { Boundaries::Script(&folded) };
        let mut masked = self.harassment.mask_ranges(&folded);
        masked.extend(self.lexicon.innocent_spans(&folded));
        let words = self.lexicon.find(&folded, &bounds, &masked);
        let aimed = self.lexicon.aim(&folded, &bounds, &masked).is_some();
        let evidence = self.evidence(&folded, &bounds, &words, aimed);
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
