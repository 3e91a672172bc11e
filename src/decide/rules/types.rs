//! The rule vocabulary: what a rule can say (urgent kinds, harassment
//! categories, severities, VOC classes), the policy thresholds, and what a
//! check reports.

use serde::{Deserialize, Serialize};

use crate::decide::harassment::ModelThresholds;
use crate::normalize::{fold_text, normalize};


/// The situation behind an urgent hand-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

impl UrgentKind {
    /// Every kind.
    pub const ALL: &'static [UrgentKind] = &[
        UrgentKind::LostStolen,
        UrgentKind::Fraud,
        UrgentKind::UnknownCharge,
        UrgentKind::AccountTakeover,
        UrgentKind::CardDataLeak,
        UrgentKind::Phishing,
    ];

    /// The name used in the JSON (`lost_stolen` …).
    ///
    /// ```
    /// assert_eq!(madoguchi::decide::rules::UrgentKind::UnknownCharge.as_str(), "unknown_charge");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            UrgentKind::LostStolen => "lost_stolen",
            UrgentKind::Fraud => "fraud",
            UrgentKind::UnknownCharge => "unknown_charge",
            UrgentKind::AccountTakeover => "account_takeover",
            UrgentKind::CardDataLeak => "card_data_leak",
            UrgentKind::Phishing => "phishing",
        }
    }
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
    /// The same demand again and again: counted by the engine (the same
    /// message `repeat_limit` times) and by rules for threats to keep calling,
    /// coming or posting (何回でも電話するからな).
    PersistentRepetition,
    /// 迷惑行為 not aimed at anyone in particular: offers of illegal goods
    /// or jobs (drugs, bank accounts, 闇バイト), sexual solicitation,
    /// trolling and exposing third parties' private lives.
    Nuisance,
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarassmentPolicy {
    /// The strike that ends the conversation; strikes before it get a
    /// warning (a severe hit ends it at once).
    pub end_on_strike: u32,
    /// When the classifier counts (see [`crate::decide::harassment::combine`]).
    #[serde(default)]
    pub model: ModelThresholds,
}

/// Thresholds the engine applies on top of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
            harassment: HarassmentPolicy { end_on_strike: 3, model: ModelThresholds::default() },
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleMatches {
    /// The first urgent rule that fired, or the urgent model
    /// ([`super::URGENT_MODEL_RULE_ID`]) when no rule did.
    pub urgent: Option<RuleHit<UrgentKind>>,
    /// The urgent model's probability, when it raised the situation (or a
    /// possible one, see `urgent_possible`) from this message: no rule
    /// fired, the gate opened and the probability reached the threshold (or
    /// the notice threshold); a situation raised from two turns joined
    /// carries none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent_probability: Option<f32>,
    /// No urgent rule fired and the model's probability stayed below its
    /// threshold, but reached `urgent.model.notice`
    /// ([`super::URGENT_NOTICE_RULE_ID`], with the gate's kind and match): not a
    /// hand-off, but the engine gives the urgent route beside its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent_possible: Option<RuleHit<UrgentKind>>,
    /// The first hand-off request rule that fired.
    pub handoff_request: Option<HandoffHit>,
    /// Every harassment rule that fired, in file order, then lexicon words
    /// and the classifier (see [`crate::decide::harassment::combine`]).
    pub harassment: Vec<HarassmentHit>,
    /// The aim word found (お前, 担当者, 御社 …): the message addresses staff
    /// or the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aimed_at: Option<String>,
    /// The harassment classifier's probability, when a model is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harassment_probability: Option<f32>,
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
