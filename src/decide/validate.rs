//! Start-up checks across the configuration files: every route the engine
//! can name exists in the routes file, and category-specific routes refer to
//! categories of the corpus. All problems are reported at once, each with
//! `file:line` where it was written.

use std::path::PathBuf;

use super::engine::EngineConfig;
use super::hours::Calendar;
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
        if hint.route != "phone" && !known(hint.route) {
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
