//! One FAQ entry.

use crate::error::{Error, Result};

/// A link shown with an answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    /// Link text.
    pub title: String,
    /// Target URL.
    pub url: String,
}

/// What an entry says about handing the customer to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// A lost or stolen card/phone: the 24-hour desk.
    LostStolen,
    /// Fraud, unknown charges, account takeover.
    Fraud,
    /// The answer is "we connect you to staff".
    Operator,
}

/// Where an entry was loaded from (for error messages).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    /// File path as given.
    pub file: String,
    /// 1-based line (0 for entries built in code).
    pub line: usize,
}

/// One FAQ entry.
///
/// JSONL form (all fields but `id`, `question` and `answer` optional):
///
/// ```
/// let line = r#"{"id":"card-001","category":"クレジットカード","subcategory":"暗証番号",
///   "question":"暗証番号を変更したい","alternatives":["PINを変えたい"],
///   "answer":"会員サイトから変更できます。","keywords":["暗証番号","PIN"],
///   "links":[{"title":"会員サイト","url":"https://example.jp/member"}],
///   "cautions":[],"escalation":null}"#;
/// let entry: madoguchi::knowledge::FaqEntry = serde_json::from_str(line).unwrap();
/// assert_eq!(entry.alternatives, ["PINを変えたい"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    /// Unique id.
    pub id: String,
    /// Category (support sites list FAQ by category).
    #[serde(default)]
    pub category: Option<String>,
    /// Subcategory.
    #[serde(default)]
    pub subcategory: Option<String>,
    /// The representative question.
    pub question: String,
    /// Other phrasings of the question.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// The answer shown to the customer.
    pub answer: String,
    /// Search keywords, synonyms and abbreviations.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Links shown with the answer.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Cautions (注意喚起) shown with the answer.
    #[serde(default)]
    pub cautions: Vec<String>,
    /// Optional escalation hint.
    #[serde(default)]
    pub escalation: Option<Escalation>,
    /// Where the entry came from; not part of the file format (so an entry
    /// serializes back to exactly the JSONL form it was read from).
    #[serde(skip)]
    pub source: Source,
}

impl FaqEntry {
    /// An entry with the three required fields.
    pub fn new(id: impl Into<String>, question: impl Into<String>, answer: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            category: None,
            subcategory: None,
            question: question.into(),
            alternatives: Vec::new(),
            answer: answer.into(),
            keywords: Vec::new(),
            links: Vec::new(),
            cautions: Vec::new(),
            escalation: None,
            source: Source::default(),
        }
    }

    /// Sets the category.
    pub fn with_category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// Adds alternative phrasings.
    pub fn with_alternatives<I: IntoIterator<Item = S>, S: Into<String>>(mut self, alts: I) -> Self {
        self.alternatives.extend(alts.into_iter().map(Into::into));
        self
    }

    /// Adds keywords.
    pub fn with_keywords<I: IntoIterator<Item = S>, S: Into<String>>(mut self, kws: I) -> Self {
        self.keywords.extend(kws.into_iter().map(Into::into));
        self
    }

    /// Checks required fields; the error names the entry's file and line.
    pub fn validate(&self) -> Result<()> {
        let mut problems = Vec::new();
        if self.id.trim().is_empty() {
            problems.push("empty id".to_string());
        }
        if self.question.trim().is_empty() {
            problems.push("empty question".to_string());
        }
        if self.answer.trim().is_empty() {
            problems.push("empty answer".to_string());
        }
        if self.alternatives.iter().any(|a| a.trim().is_empty()) {
            problems.push("empty alternative phrasing".to_string());
        }
        if self.keywords.iter().any(|a| a.trim().is_empty()) {
            problems.push("empty keyword".to_string());
        }
        if self.category.as_deref().is_some_and(|c| c.trim().is_empty()) {
            problems.push("empty category".to_string());
        }
        for l in &self.links {
            if l.url.trim().is_empty() || l.title.trim().is_empty() {
                problems.push("link with empty title or url".to_string());
            }
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(Error::Corpus {
            path: self.source.file.clone().into(),
            line: self.source.line,
            message: format!("entry {:?}: {}", self.id, problems.join(", ")),
        })
    }
}
