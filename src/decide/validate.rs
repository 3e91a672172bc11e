//! Start-up checks across the configuration files: every route the engine
//! can name exists in the routes file, and category-specific routes refer to
//! categories of the corpus. All problems are reported at once, each with
//! `file:line` where it was written.

use std::path::PathBuf;

use super::engine::EngineConfig;
use super::hours::{Calendar, parse_hhmm};
use super::rules::RuleSet;
use crate::error::{Error, Result};

/// Checks that the rules, the routes and the engine configuration fit
/// together. `categories` are the corpus's category names (`None` skips the
/// category check). `routes_file` names the routes file in messages.
///
/// ```
/// use madoguchi::decide::{Calendar, EngineConfig, RuleSet, validate::validate};
/// let (rules, routes) = (RuleSet::bundled()?, Calendar::bundled()?);
/// validate(&rules, &routes, "dictionaries/routes.json", &EngineConfig::default(), None)?;
/// let mut config = EngineConfig::default();
/// config.urgent_route = "nowhere".into();
/// let err = validate(&rules, &routes, "dictionaries/routes.json", &config, None).unwrap_err();
/// assert!(err.to_string().contains("urgent_route `nowhere`"));
/// # Ok::<(), madoguchi::Error>(())
/// ```
pub fn validate(
    rules: &RuleSet,
    calendar: &Calendar,
    routes_file: &str,
    config: &EngineConfig,
    categories: Option<&[String]>,
) -> Result<()> {
    let mut errors = Vec::new();
    let known = |id: &str| calendar.route(id).is_some();
    // The engine configuration is built in or set by the embedding code:
    // it has no file and line of its own.
    let config_err =
        |message: String| Error::Resource { path: PathBuf::from("engine configuration (EngineConfig)"), line: 0, message };
    for hint in rules.route_hints() {
        if hint.route != "phone" && !known(config.rule_route(hint.route)) {
            errors.push(Error::Resource {
                path: hint.file.to_path_buf(),
                line: hint.line,
                message: format!("rule {:?} names route `{}`, which {routes_file} does not define", hint.rule_id, hint.route),
            });
        }
    }
    let uses_phone = rules.route_hints().iter().any(|h| h.route == "phone");
    let mut named: Vec<(&str, &str)> = vec![
        ("urgent_route", config.urgent_route.as_str()),
        ("operator_route", config.operator_route.as_str()),
        ("complaint_route", config.complaint_route.as_str()),
    ];
    if uses_phone && !config.default_phone_route.is_empty() {
        named.push(("default_phone_route", config.default_phone_route.as_str()));
    }
    for (what, id) in named {
        if !known(id) {
            errors.push(config_err(format!("{what} `{id}` is not a route of {routes_file}")));
        }
    }
    // The routes file's own phone routes were checked when it was loaded;
    // only their categories are left to check against the corpus.
    if let Some(cats) = categories {
        for category in calendar.phone.by_category.keys() {
            if !cats.iter().any(|c| c == category) {
                errors.push(Error::Resource {
                    path: PathBuf::from(routes_file),
                    line: 0,
                    message: format!(
                        "phone.by_category: category `{category}` is not a category of the corpus (it has: {})",
                        cats.join(", ")
                    ),
                });
            }
        }
    }
    for (category, route) in &config.phone_routes {
        if !known(route) {
            errors.push(config_err(format!("phone_routes: `{category}` → `{route}` is not a route of {routes_file}")));
        }
        if let Some(cats) = categories
            && !cats.iter().any(|c| c == category)
        {
            errors.push(config_err(format!(
                "phone_routes: category `{category}` is not a category of the corpus (it has: {})",
                cats.join(", ")
            )));
        }
    }
    match Error::from_many(errors) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// An FAQ answer that tells a route's opening hours otherwise than the
/// routes file: the customer would read one time in the answer and another
/// in the hand-off to that route.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HoursMismatch {
    /// The entry whose answer says it.
    pub entry: String,
    /// The route it is about.
    pub route: String,
    /// The hours as the answer writes them (`9:00～18:00`).
    pub said: String,
    /// The route's weekly hours in the routes file (`10:00–17:00`).
    pub hours: Vec<String>,
}

/// FAQ answers whose opening hours disagree with the routes file. In each
/// sentence of an answer, a time range (`9:00～18:00`, full or half width)
/// is about the routes named (by name or contact) since the previous range;
/// it must be one of their weekly hours. Routes open around the clock, or
/// with no weekly hours, are not checked. A heuristic for `madoguchi
/// check`: what it finds deserves a look, and an answer that words its
/// hours otherwise is not read.
///
/// ```
/// use madoguchi::decide::{Calendar, validate::hours_mismatches};
/// use madoguchi::knowledge::{FaqEntry, KnowledgeBase};
/// let routes = Calendar::bundled()?; // お客さま相談室 (0120-000-077): weekdays 10:00–17:00
/// let kb = KnowledgeBase::new(vec![
///     FaqEntry::new("a", "苦情はどこへ？", "お客さま相談室（0120-000-077、9:00～18:00）へどうぞ。"),
///     FaqEntry::new("b", "相談室の時間は？", "お客さま相談室は平日10:00～17:00です。"),
///     FaqEntry::new("c", "相談室は何時から？", "お客さま相談室は１０：００～１７：００です。"),
/// ])?;
/// let found = hours_mismatches(&kb, &routes);
/// assert_eq!(found.len(), 1);
/// assert_eq!((found[0].entry.as_str(), found[0].route.as_str(), found[0].said.as_str()), ("a", "complaints_desk", "9:00～18:00"));
/// # Ok::<(), madoguchi::Error>(())
/// ```
pub fn hours_mismatches(kb: &crate::knowledge::KnowledgeBase, calendar: &Calendar) -> Vec<HoursMismatch> {
    static RANGE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let range = RANGE.get_or_init(|| {
        regex::Regex::new(r"([0-9０-９]{1,2})[:：]([0-9０-９]{2})\s*[～〜~\-－–—ー]\s*([0-9０-９]{1,2})[:：]([0-9０-９]{2})")
            .expect("a valid pattern")
    });
    // Times read as the routes file's are (full-width digits folded); a
    // time no route could have (25:00) is a mismatch.
    let time = |h: &str, m: &str, end: bool| parse_hhmm(&crate::normalize::nfkc(&format!("{h}:{m}")), end);
    let checked: Vec<(&super::hours::Route, Vec<(u32, u32)>)> = calendar
        .routes
        .iter()
        .filter(|r| !r.schedule.always_open && !r.schedule.weekly.is_empty())
        .map(|r| {
            let hours = r.schedule.weekly.iter().filter_map(|w| Some((parse_hhmm(&w.open, false)?, parse_hhmm(&w.close, true)?)));
            (r, hours.collect())
        })
        .collect();
    let mut out = Vec::new();
    for entry in kb.entries() {
        for sentence in entry.answer.split(['。', '\n']) {
            let mut from = 0;
            for m in range.captures_iter(sentence) {
                let whole = m.get(0).expect("group 0");
                let before = &sentence[from..whole.start()];
                from = whole.end();
                let said = time(&m[1], &m[2], false).zip(time(&m[3], &m[4], true));
                for (route, hours) in &checked {
                    let named = (route.name.chars().count() >= 2 && before.contains(route.name.as_str()))
                        || (!route.contact.is_empty() && mentions(before, &route.contact));
                    if named && !said.is_some_and(|s| hours.contains(&s)) {
                        out.push(HoursMismatch {
                            entry: entry.id.clone(),
                            route: route.id.clone(),
                            said: whole.as_str().to_string(),
                            hours: route.schedule.weekly.iter().map(|w| format!("{}–{}", w.open, w.close)).collect(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// `contact` in `text` as a whole: not the start of a longer number or URL
/// (`…/shop/video` in `…/shop/video/reserve`).
fn mentions(text: &str, contact: &str) -> bool {
    text.match_indices(contact).any(|(i, _)| {
        text[i + contact.len()..].chars().next().is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_')))
    })
}
