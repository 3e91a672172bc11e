//! Business hours and hand-off routes.
//!
//! A [`Calendar`] lists the places a customer can be handed to (chat, phone
//! desks, web forms …) and when each one is staffed. It answers "is this route
//! open now?", "when does it open next?" and, for a closed route, which
//! fallback route to offer instead ([`Calendar::availability`]).
//!
//! All opening hours are wall-clock times in the calendar's fixed UTC offset
//! (`timezone_offset_hours`, default 9 = Asia/Tokyo). Japan has no daylight
//! saving time, so a fixed offset is exact for JST all year round. Times passed
//! in may use any offset; they are converted first.
//!
//! # JSON shape
//!
//! ```json
//! {
//!   "timezone_offset_hours": 9,
//!   "routes": [
//!     {
//!       "id": "card_center",
//!       "name": "カードセンター",
//!       "channel": "phone",
//!       "contact": "0120-000-022",
//!       "schedule": {
//!         "weekly": [{ "days": ["every_day"], "open": "09:00", "close": "18:00" }],
//!         "holidays": ["2026-11-23"],
//!         "closures": [{ "from": "2026-12-31", "to": "2027-01-03", "note": "年末年始休業" }]
//!       },
//!       "when_closed": "受付時間外はコールバック予約フォームをご利用ください。",
//!       "fallback_route": "callback_form"
//!     }
//!   ]
//! }
//! ```
//!
//! * `channel`: `chat`, `phone`, `video`, `web_form` or `email`.
//! * `schedule.always_open: true` means open around the clock (then `weekly`
//!   must be empty); otherwise `weekly` must list at least one entry.
//! * `weekly[].days`: `mon` … `sun`, `weekdays` (mon–fri), `weekends`
//!   (sat, sun) or `every_day`. `open`/`close` are `"HH:MM"` (24-hour);
//!   `close` may be `"24:00"` and must be later than `open`: an overnight
//!   span is written as two entries. Several entries may cover the same day
//!   (e.g. around a lunch break).
//! * `holidays` (dates) and `closures` (inclusive date ranges) close the route
//!   for the whole day, `always_open` routes included.
//! * `fallback_route` names another route offered while this one is closed.
//!
//! Unknown fields are rejected so that typos do not silently change hours.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How far ahead [`Calendar::next_opening`] looks before giving up.
const SEARCH_DAYS: u64 = 400;
const DAY_SECS: u32 = 86_400;

/// The bundled routes for the fictional operator まどか (`dictionaries/routes.json`).
const BUNDLED_ROUTES: &str = include_str!("../../dictionaries/routes.json");

/// How a route reaches the customer.
///
/// ```
/// use madoguchi::decide::hours::Channel;
/// assert_eq!(serde_json::to_string(&Channel::WebForm).unwrap(), "\"web_form\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Live chat with an operator.
    Chat,
    /// A telephone desk.
    Phone,
    /// A video call.
    Video,
    /// A web form (always reachable; answered later).
    WebForm,
    /// An e-mail address.
    Email,
}

/// A set of weekdays in a [`WeeklyHours`] entry.
///
/// ```
/// use chrono::Weekday;
/// use madoguchi::decide::hours::DaySpec;
/// let d: DaySpec = serde_json::from_str("\"weekdays\"").unwrap();
/// assert!(d.matches(Weekday::Fri) && !d.matches(Weekday::Sat));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaySpec {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
    /// Monday to Friday.
    Weekdays,
    /// Saturday and Sunday.
    Weekends,
    /// All seven days.
    EveryDay,
}

impl DaySpec {
    /// Whether `day` belongs to this set.
    pub fn matches(self, day: Weekday) -> bool {
        use Weekday::*;
        match self {
            DaySpec::Mon => day == Mon,
            DaySpec::Tue => day == Tue,
            DaySpec::Wed => day == Wed,
            DaySpec::Thu => day == Thu,
            DaySpec::Fri => day == Fri,
            DaySpec::Sat => day == Sat,
            DaySpec::Sun => day == Sun,
            DaySpec::Weekdays => !matches!(day, Sat | Sun),
            DaySpec::Weekends => matches!(day, Sat | Sun),
            DaySpec::EveryDay => true,
        }
    }
}

/// Opening hours on some days of the week.
///
/// ```
/// use madoguchi::decide::hours::WeeklyHours;
/// let w: WeeklyHours = serde_json::from_str(r#"{"days":["mon","tue"],"open":"09:30","close":"17:30"}"#).unwrap();
/// assert_eq!(w.open, "09:30");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// The days these hours apply to.
    pub days: Vec<DaySpec>,
    /// Opening time, `"HH:MM"` (24-hour, calendar offset).
    pub open: String,
    /// Closing time, `"HH:MM"`; `"24:00"` means midnight at the end of the day.
    pub close: String,
}

/// Dates on which a route is closed all day (both ends inclusive).
///
/// ```
/// use madoguchi::decide::hours::Closure;
/// let c: Closure = serde_json::from_str(r#"{"from":"2026-12-31","to":"2027-01-03","note":"年末年始休業"}"#).unwrap();
/// assert_eq!(c.to.to_string(), "2027-01-03");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// First closed date.
    pub from: NaiveDate,
    /// Last closed date (inclusive).
    pub to: NaiveDate,
    /// Why (shown to staff, e.g. "年末年始休業").
    #[serde(default)]
    pub note: String,
}

/// When a route is staffed.
///
/// ```
/// use madoguchi::decide::hours::Schedule;
/// let s: Schedule = serde_json::from_str(r#"{"always_open":true}"#).unwrap();
/// assert!(s.always_open && s.weekly.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Open around the clock (holidays and closures still apply).
    #[serde(default)]
    pub always_open: bool,
    /// Regular weekly hours (ignored when `always_open`).
    #[serde(default)]
    pub weekly: Vec<WeeklyHours>,
    /// Dates closed all day, e.g. national holidays.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Closed date ranges, e.g. the year-end break.
    #[serde(default)]
    pub closures: Vec<Closure>,
}

/// A place a conversation can be handed to.
///
/// ```
/// use madoguchi::decide::hours::{Channel, Route};
/// let r: Route = serde_json::from_str(r#"{
///     "id": "lost_stolen_desk", "name": "紛失・盗難受付デスク", "channel": "phone",
///     "contact": "0120-000-011", "schedule": {"always_open": true}
/// }"#).unwrap();
/// assert_eq!(r.channel, Channel::Phone);
/// assert!(r.fallback_route.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Stable identifier referenced by rules and `fallback_route`.
    pub id: String,
    /// Japanese display name.
    pub name: String,
    /// How the customer is reached.
    pub channel: Channel,
    /// Phone number or URL.
    pub contact: String,
    /// Opening hours.
    pub schedule: Schedule,
    /// Japanese text telling the customer what to do while this route is closed.
    #[serde(default)]
    pub when_closed: Option<String>,
    /// Id of the route to offer while this one is closed.
    #[serde(default)]
    pub fallback_route: Option<String>,
}

/// All routes and the UTC offset their hours are written in.
///
/// Build one with [`Calendar::from_json_str`] or [`Calendar::load`], which
/// validate it; deserializing directly skips validation.
///
/// ```
/// use chrono::DateTime;
/// use madoguchi::decide::hours::Calendar;
/// let json = r#"{"routes":[{"id":"chat","name":"有人チャット","channel":"chat",
///     "contact":"https://example.jp/support/chat",
///     "schedule":{"weekly":[{"days":["every_day"],"open":"09:30","close":"17:30"}]}}]}"#;
/// let cal = Calendar::from_json_str(json, "routes.json").unwrap();
/// assert_eq!(cal.timezone_offset_hours, 9);
/// let at = DateTime::parse_from_rfc3339("2026-11-24T09:30:00+09:00").unwrap();
/// assert!(cal.is_open("chat", at));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Offset of all opening hours from UTC, in hours (9 = JST; Japan has no DST).
    #[serde(default = "default_offset_hours")]
    pub timezone_offset_hours: i32,
    /// The routes.
    pub routes: Vec<Route>,
    /// Which phone route a request for a call gets.
    #[serde(default, skip_serializing_if = "PhoneRoutes::is_empty")]
    pub phone: PhoneRoutes,
    /// Which route takes urgent situations, requests for a person and
    /// complaints, when not `lost_stolen_desk`, `chat_operator` and
    /// `complaints_desk` (see [`Roles`]).
    #[serde(default, skip_serializing_if = "Roles::is_empty")]
    pub roles: Roles,
}

/// The routes the engine hands off to by role, so that an operator's own
/// routes file names its own desks (「紛失・盗難デスク」 may be
/// `emergency_line`). A role left out keeps its built-in route id.
///
/// ```
/// use madoguchi::decide::hours::Roles;
/// let r: Roles = serde_json::from_str(r#"{"urgent":"emergency_line"}"#).unwrap();
/// assert_eq!(r.urgent.as_deref(), Some("emergency_line"));
/// assert!(r.operator.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Urgent situations (lost or stolen cards and phones, fraud, takeover).
    #[serde(default)]
    pub urgent: Option<String>,
    /// Requests for a person, and hand-offs after turns without an answer.
    #[serde(default)]
    pub operator: Option<String>,
    /// Complaints and requests for a supervisor.
    #[serde(default)]
    pub complaint: Option<String>,
}

impl Roles {
    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.urgent.is_none() && self.operator.is_none() && self.complaint.is_none()
    }
}

fn default_offset_hours() -> i32 {
    9
}

/// Which phone route a request for a call (「電話で話したい」) gets: the
/// route of the category of the conversation's last answer, else the
/// default route, else the operator route. Data of the routes file, so an
/// operator with other categories and lines sets their own.
///
/// ```
/// use madoguchi::decide::hours::PhoneRoutes;
/// let p: PhoneRoutes = serde_json::from_str(r#"{"default_route":"tel","by_category":{"税金":"tax_line"}}"#).unwrap();
/// assert_eq!(p.route_for(Some("税金")), Some("tax_line"));
/// assert_eq!(p.route_for(Some("ごみ")), Some("tel"));
/// assert_eq!(PhoneRoutes::default().route_for(Some("ごみ")), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneRoutes {
    /// Route by category name.
    #[serde(default)]
    pub by_category: std::collections::BTreeMap<String, String>,
    /// Route when no category applies.
    #[serde(default)]
    pub default_route: Option<String>,
}

impl PhoneRoutes {
    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.by_category.is_empty() && self.default_route.is_none()
    }

    /// The route for a conversation whose last answer had `category`.
    pub fn route_for(&self, category: Option<&str>) -> Option<&str> {
        category.and_then(|c| self.by_category.get(c)).or(self.default_route.as_ref()).map(String::as_str)
    }
}

/// Whether a route is open at a moment, and what to offer if it is not.
///
/// Times are RFC 3339 strings in the calendar's offset.
///
/// ```
/// use chrono::DateTime;
/// use madoguchi::decide::hours::Calendar;
/// let cal = Calendar::bundled().unwrap();
/// let at = DateTime::parse_from_rfc3339("2026-11-24T20:00:00+09:00").unwrap();
/// let a = cal.availability("chat_operator", at).unwrap();
/// assert!(!a.open_now);
/// assert_eq!(a.next_open.as_deref(), Some("2026-11-25T09:30:00+09:00"));
/// assert_eq!(a.fallback.unwrap().route_id, "callback_form");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    /// The route's id.
    pub route_id: String,
    /// The route's Japanese display name.
    pub route_name: String,
    /// The route's channel.
    pub channel: Channel,
    /// Phone number or URL.
    pub contact: String,
    /// Open at the moment asked about.
    pub open_now: bool,
    /// When open: the end of the current open period (`None` when it does not
    /// end within the search window, e.g. 24-hour desks).
    pub closes_at: Option<String>,
    /// When closed: the next opening (`None` if none within 400 days).
    pub next_open: Option<String>,
    /// When closed: the route's `when_closed` text.
    pub when_closed: Option<String>,
    /// When closed: availability of the route's `fallback_route`.
    pub fallback: Option<Box<Availability>>,
}

/// Parses `"H:MM"`/`"HH:MM"` into seconds after midnight; `"24:00"` only when `allow_end`.
pub(super) fn parse_hhmm(s: &str, allow_end: bool) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if allow_end => Some(DAY_SECS),
        (0..=23, 0..=59) => Some(h * 3600 + m * 60),
        _ => None,
    }
}

impl Route {
    /// Whether the whole of `date` is a holiday or inside a closure.
    fn closed_on(&self, date: NaiveDate) -> bool {
        let s = &self.schedule;
        s.holidays.contains(&date) || s.closures.iter().any(|c| c.from <= date && date <= c.to)
    }

    /// Open periods on `date` as sorted, merged `[open, close)` second ranges.
    fn intervals(&self, date: NaiveDate) -> Vec<(u32, u32)> {
        if self.closed_on(date) {
            return Vec::new();
        }
        if self.schedule.always_open {
            return vec![(0, DAY_SECS)];
        }
        let day = date.weekday();
        let mut spans: Vec<(u32, u32)> = self
            .schedule
            .weekly
            .iter()
            .filter(|w| w.days.iter().any(|d| d.matches(day)))
            // Entries that fail validation are skipped, never guessed at.
            .filter_map(|w| Some((parse_hhmm(&w.open, false)?, parse_hhmm(&w.close, true)?)))
            .filter(|(o, c)| o < c)
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(spans.len());
        for (o, c) in spans {
            match merged.last_mut() {
                Some(last) if o <= last.1 => last.1 = last.1.max(c),
                _ => merged.push((o, c)),
            }
        }
        merged
    }
}

fn add_days(date: NaiveDate, n: u64) -> Option<NaiveDate> {
    date.checked_add_days(chrono::Days::new(n))
}

impl Calendar {
    /// Parses and validates a calendar. `path` only labels error messages.
    ///
    /// Syntax errors carry the JSON line; validation errors name the route
    /// and carry the line of the value at fault (or of the route's id; 0
    /// when the file does not spell it as written). All validation problems
    /// are reported together.
    ///
    /// ```
    /// use madoguchi::decide::Calendar;
    /// let json = "{\"routes\": [\n  {\"id\": \"desk\", \"name\": \"窓口\", \"channel\": \"phone\", \"contact\": \"0120\",\n   \"schedule\": {\"weekly\": [{\"days\": [\"weekdays\"], \"open\": \"09:00\",\n     \"close\": \"25:00\"}]}}\n]}";
    /// let err = Calendar::from_json_str(json, "r.json").unwrap_err().to_string();
    /// assert!(err.contains("r.json:4: route `desk`: weekly[0] close time `25:00`"), "{err}");
    /// ```
    pub fn from_json_str(text: &str, path: impl AsRef<Path>) -> Result<Calendar> {
        let path = path.as_ref();
        let cal: Calendar = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| Error::Resource {
            path: path.into(),
            line: e.line(),
            message: e.to_string(),
        })?;
        let problems: Vec<Error> = cal
            .problems()
            .into_iter()
            .map(|message| Error::Resource { path: path.into(), line: line_of_problem(text, &message), message })
            .collect();
        Error::from_many(problems).map_or(Ok(cal), Err)
    }

    /// Reads and validates a calendar file.
    pub fn load(path: impl AsRef<Path>) -> Result<Calendar> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json_str(&text, path)
    }

    /// The bundled calendar of the fictional operator まどか
    /// (`dictionaries/routes.json`, compiled in).
    pub fn bundled() -> Result<Calendar> {
        Self::from_json_str(BUNDLED_ROUTES, "dictionaries/routes.json")
    }

    /// Every validation problem, as messages.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(-12..=14).contains(&self.timezone_offset_hours) {
            out.push(format!("timezone_offset_hours {} is outside -12..=14", self.timezone_offset_hours));
        }
        let mut seen = HashSet::new();
        for r in &self.routes {
            let id = &r.id;
            if id.trim().is_empty() {
                out.push(format!("route named `{}`: id is empty", r.name));
            } else if !seen.insert(id.as_str()) {
                out.push(format!("route `{id}`: duplicate id"));
            }
            let s = &r.schedule;
            if s.always_open && !s.weekly.is_empty() {
                out.push(format!("route `{id}`: always_open routes must not list weekly hours"));
            }
            if !s.always_open && s.weekly.is_empty() {
                out.push(format!("route `{id}`: no opening hours (set always_open or weekly)"));
            }
            for (i, w) in s.weekly.iter().enumerate() {
                if w.days.is_empty() {
                    out.push(format!("route `{id}`: weekly[{i}] lists no days"));
                }
                let open = parse_hhmm(&w.open, false);
                let close = parse_hhmm(&w.close, true);
                if open.is_none() {
                    out.push(format!("route `{id}`: weekly[{i}] open time `{}` is not HH:MM (00:00–23:59)", w.open));
                }
                if close.is_none() {
                    out.push(format!("route `{id}`: weekly[{i}] close time `{}` is not HH:MM (00:00–24:00)", w.close));
                }
                if let (Some(o), Some(c)) = (open, close)
                    && c <= o
                {
                    out.push(format!(
                        "route `{id}`: weekly[{i}] closes ({}) at or before it opens ({}); split overnight hours into two entries",
                        w.close, w.open
                    ));
                }
            }
            for c in &s.closures {
                if c.to < c.from {
                    out.push(format!("route `{id}`: closure {}..{} ends before it starts", c.from, c.to));
                }
            }
            if let Some(fb) = &r.fallback_route {
                if fb == id {
                    out.push(format!("route `{id}`: fallback_route points to itself"));
                } else if !self.routes.iter().any(|x| &x.id == fb) {
                    out.push(format!("route `{id}`: unknown fallback_route `{fb}`"));
                }
            }
        }
        for (category, route) in &self.phone.by_category {
            if self.route(route).is_none() {
                out.push(format!("phone.by_category: `{category}` → unknown route `{route}`"));
            }
        }
        if let Some(route) = &self.phone.default_route
            && self.route(route).is_none()
        {
            out.push(format!("phone.default_route: unknown route `{route}`"));
        }
        let roles = &self.roles;
        for (role, route) in [("urgent", &roles.urgent), ("operator", &roles.operator), ("complaint", &roles.complaint)] {
            if let Some(route) = route
                && self.route(route).is_none()
            {
                out.push(format!("roles.{role}: unknown route `{route}`"));
            }
        }
        out.extend(self.fallback_loops());
        out
    }

    /// Fallback chains that loop (length ≥ 2), each reported once.
    fn fallback_loops(&self) -> Vec<String> {
        let mut out = Vec::new();
        for start in &self.routes {
            let mut chain = vec![start.id.as_str()];
            let mut cur = start;
            while let Some(next) = cur.fallback_route.as_deref().and_then(|fb| self.route(fb)) {
                if next.id == start.id {
                    // Report from the smallest id only, so a loop is listed once.
                    if chain.len() > 1 && chain.iter().all(|c| *c >= start.id.as_str()) {
                        chain.push(&next.id);
                        out.push(format!("route `{}`: fallback routes loop: {}", start.id, chain.join(" → ")));
                    }
                    break;
                }
                if chain.contains(&next.id.as_str()) || chain.len() > self.routes.len() {
                    break;
                }
                chain.push(&next.id);
                cur = next;
            }
        }
        out
    }

    /// The calendar's fixed offset (out-of-range values are clamped).
    pub fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.timezone_offset_hours.clamp(-23, 23) * 3600).unwrap_or(Utc.fix())
    }

    /// The route with this id.
    pub fn route(&self, id: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.id == id)
    }

    fn local(&self, date: NaiveDate, secs: u32) -> Option<DateTime<FixedOffset>> {
        let naive = date.and_time(NaiveTime::MIN).checked_add_signed(TimeDelta::seconds(i64::from(secs)))?;
        self.offset().from_local_datetime(&naive).single()
    }

    /// Whether the route is open at `at` (any offset). Opening times are
    /// inclusive, closing times exclusive. Unknown routes are closed.
    pub fn is_open(&self, route_id: &str, at: DateTime<FixedOffset>) -> bool {
        let Some(route) = self.route(route_id) else { return false };
        let local = at.with_timezone(&self.offset());
        let s = local.num_seconds_from_midnight();
        route.intervals(local.date_naive()).iter().any(|&(o, c)| o <= s && s < c)
    }

    /// The earliest moment at or after `at` when the route is open: `at` itself
    /// (in the calendar's offset) if open now, else the next opening within 400
    /// days, honoring holidays and closures. `None` for unknown routes.
    pub fn next_opening(&self, route_id: &str, at: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let route = self.route(route_id)?;
        let local = at.with_timezone(&self.offset());
        let today = local.date_naive();
        let s = local.num_seconds_from_midnight();
        for k in 0..=SEARCH_DAYS {
            let date = add_days(today, k)?;
            for (o, c) in route.intervals(date) {
                if k > 0 || o > s {
                    return self.local(date, o);
                }
                if s < c {
                    return Some(local);
                }
            }
        }
        None
    }

    /// When the open period containing `at` ends, following periods that run
    /// on past midnight; `None` if closed or no end within 400 days.
    fn closes_at(&self, route: &Route, at: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        if route.schedule.always_open {
            return self.always_open_closes_at(route, at);
        }
        self.closes_at_by_days(route, at)
    }

    /// [`Calendar::closes_at`] of a route open around the clock: midnight
    /// before its first holiday or closure day within the look-ahead, found
    /// from the lists instead of walking 400 days (a 24-hour desk is on
    /// every urgent hand-off).
    fn always_open_closes_at(&self, route: &Route, at: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let today = at.with_timezone(&self.offset()).date_naive();
        let (Some(tomorrow), Some(last)) = (add_days(today, 1), add_days(today, SEARCH_DAYS)) else {
            return self.closes_at_by_days(route, at);
        };
        if route.closed_on(today) {
            return None;
        }
        let s = &route.schedule;
        let holidays = s.holidays.iter().copied().filter(|h| *h >= tomorrow);
        let closures = s.closures.iter().filter(|c| c.to >= tomorrow && c.from <= c.to).map(|c| c.from.max(tomorrow));
        let first = holidays.chain(closures).filter(|d| *d <= last).min()?;
        self.local(first, 0)
    }

    /// [`Calendar::closes_at`] by walking the days.
    fn closes_at_by_days(&self, route: &Route, at: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let local = at.with_timezone(&self.offset());
        let mut date = local.date_naive();
        let s = local.num_seconds_from_midnight();
        let mut end = route.intervals(date).into_iter().find(|&(o, c)| o <= s && s < c)?.1;
        for _ in 0..SEARCH_DAYS {
            if end < DAY_SECS {
                return self.local(date, end);
            }
            let next = add_days(date, 1)?;
            match route.intervals(next).first() {
                Some(&(0, c)) => {
                    date = next;
                    end = c;
                }
                _ => return self.local(next, 0),
            }
        }
        None
    }

    /// The route's state at `at`, with its fallback's state filled in when it
    /// is closed (recursively, stopping at loops). `None` for unknown routes.
    pub fn availability(&self, route_id: &str, at: DateTime<FixedOffset>) -> Option<Availability> {
        self.availability_inner(route_id, at, &mut Vec::new())
    }

    fn availability_inner<'a>(
        &'a self,
        route_id: &str,
        at: DateTime<FixedOffset>,
        visited: &mut Vec<&'a str>,
    ) -> Option<Availability> {
        let route = self.route(route_id)?;
        visited.push(&route.id);
        let open_now = self.is_open(route_id, at);
        let rfc = |t: DateTime<FixedOffset>| t.to_rfc3339();
        let (closes_at, next_open, when_closed, fallback) = if open_now {
            (self.closes_at(route, at).map(rfc), None, None, None)
        } else {
            let fallback = route
                .fallback_route
                .as_deref()
                .filter(|fb| !visited.contains(fb))
                .and_then(|fb| self.availability_inner(fb, at, visited))
                .map(Box::new);
            (None, self.next_opening(route_id, at).map(rfc), route.when_closed.clone(), fallback)
        };
        Some(Availability {
            route_id: route.id.clone(),
            route_name: route.name.clone(),
            channel: route.channel,
            contact: route.contact.clone(),
            open_now,
            closes_at,
            next_open,
            when_closed,
            fallback,
        })
    }
}

/// The line a validation message is about, found in the file's text: the
/// route's `"id": "…"` (the second one for a duplicate), then the first
/// other quoted value of the message after it (a time, a fallback route);
/// for the `phone` section, the category or key it names. 0 when not found.
fn line_of_problem(text: &str, message: &str) -> usize {
    // The message's `…` values, in order.
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let find_string = |value: &str, from: usize| -> Option<usize> {
        let needle = serde_json::to_string(value).ok()?;
        text.get(from..)?.find(&needle).map(|i| from + i)
    };
    let start = if let Some(rest) = message.strip_prefix("route `") {
        let id = rest.split('`').next().unwrap_or_default();
        let re = regex::Regex::new(&format!(r#""id"\s*:\s*{}"#, regex::escape(&serde_json::to_string(id).unwrap_or_default()))).ok();
        let mut at = re.as_ref().and_then(|re| re.find(text)).map(|m| m.start());
        if message.ends_with("duplicate id") {
            at = at.and_then(|first| re.as_ref()?.find_at(text, first + 1)).map(|m| m.start()).or(at);
        }
        let Some(at) = at else { return 0 };
        quoted.iter().skip(1).find_map(|v| find_string(v, at)).unwrap_or(at)
    } else if message.starts_with("phone.") {
        let key = if message.starts_with("phone.by_category") { "\"by_category\"" } else { "\"default_route\"" };
        let Some(at) = text.find(key) else { return 0 };
        quoted.first().and_then(|v| find_string(v, at)).unwrap_or(at)
    } else if let Some(rest) = message.strip_prefix("roles.") {
        let role = rest.split(':').next().unwrap_or_default();
        let Some(at) = text.find("\"roles\"") else { return 0 };
        text[at..].find(&format!("\"{role}\"")).map_or(at, |i| at + i)
    } else if message.starts_with("timezone_offset_hours") {
        let Some(at) = text.find("\"timezone_offset_hours\"") else { return 0 };
        at
    } else {
        return 0;
    };
    1 + text[..start].bytes().filter(|&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> Calendar {
        Calendar::bundled().expect("bundled routes.json is valid")
    }

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    fn next(c: &Calendar, id: &str, at: &str) -> Option<String> {
        c.next_opening(id, t(at)).map(|d| d.to_rfc3339())
    }

    #[test]
    fn open_at_opening_time_exactly() {
        assert!(cal().is_open("chat_operator", t("2026-11-24T09:30:00+09:00")));
        assert!(!cal().is_open("chat_operator", t("2026-11-24T09:29:59+09:00")));
    }

    #[test]
    fn closed_at_closing_time_exactly() {
        assert!(cal().is_open("chat_operator", t("2026-11-24T17:29:59+09:00")));
        assert!(!cal().is_open("chat_operator", t("2026-11-24T17:30:00+09:00")));
    }

    #[test]
    fn next_opening_from_evening_is_next_morning() {
        let c = cal();
        assert_eq!(next(&c, "chat_operator", "2026-11-24T20:00:00+09:00").as_deref(), Some("2026-11-25T09:30:00+09:00"));
        // Before opening the same day; and while open it is the moment itself.
        assert_eq!(next(&c, "chat_operator", "2026-11-24T08:00:00+09:00").as_deref(), Some("2026-11-24T09:30:00+09:00"));
        assert_eq!(next(&c, "chat_operator", "2026-11-24T12:00:00+09:00").as_deref(), Some("2026-11-24T12:00:00+09:00"));
    }

    #[test]
    fn next_opening_skips_year_end_closure() {
        let c = cal();
        for id in ["card_center", "mobile_center", "shop_center"] {
            assert!(!c.is_open(id, t("2026-12-31T10:00:00+09:00")));
            assert!(!c.is_open(id, t("2027-01-03T10:00:00+09:00")));
            assert_eq!(next(&c, id, "2026-12-30T18:00:00+09:00").as_deref(), Some("2027-01-04T09:00:00+09:00"));
            assert_eq!(next(&c, id, "2026-12-31T09:00:00+09:00").as_deref(), Some("2027-01-04T09:00:00+09:00"));
            assert_eq!(next(&c, id, "2027-12-31T00:00:00+09:00").as_deref(), Some("2028-01-04T09:00:00+09:00"));
        }
        // Closures are a route's own: video consultation has none.
        assert!(c.is_open("video_consultation", t("2026-12-31T11:00:00+09:00")));
    }

    /// The shortcut for round-the-clock routes gives what walking the days
    /// gives, around holidays, closures and the end of the look-ahead.
    #[test]
    fn always_open_closing_time_equals_walking_the_days() {
        let json = r#"{"routes":[{"id":"desk","name":"desk","channel":"phone","contact":"0120",
            "schedule":{"always_open":true,"holidays":["2026-12-24","2027-02-11","2028-03-01"],
              "closures":[{"from":"2026-12-30","to":"2027-01-03"},{"from":"2027-08-13","to":"2027-08-15"}]}}]}"#;
        let c = Calendar::from_json_str(json, "test").unwrap();
        let route = c.route("desk").unwrap();
        let mut at = t("2026-11-20T15:00:00+09:00");
        for _ in 0..500 {
            assert_eq!(c.always_open_closes_at(route, at), c.closes_at_by_days(route, at), "{at}");
            at += TimeDelta::hours(19);
        }
    }

    #[test]
    fn always_open_route() {
        let c = cal();
        for at in ["2026-01-01T00:00:00+09:00", "2026-12-31T23:59:59+09:00", "2027-05-05T03:00:00+09:00"] {
            assert!(c.is_open("lost_stolen_desk", t(at)), "{at}");
            assert_eq!(next(&c, "lost_stolen_desk", at).as_deref(), Some(at));
        }
        let a = c.availability("lost_stolen_desk", t("2026-11-24T03:00:00+09:00")).unwrap();
        assert!(a.open_now);
        assert_eq!(a.closes_at, None, "a 24-hour desk never closes");
        assert_eq!(a.fallback, None);
    }

    #[test]
    fn utc_input_is_converted_to_jst() {
        let c = cal();
        // 00:30Z = 09:30 JST (open); 08:30Z = 17:30 JST (closed).
        assert!(c.is_open("chat_operator", t("2026-11-24T00:30:00Z")));
        assert!(!c.is_open("chat_operator", t("2026-11-24T08:30:00Z")));
        // 2026-11-24 23:00Z is already 11-25 08:00 in Tokyo.
        assert_eq!(next(&c, "chat_operator", "2026-11-24T23:00:00Z").as_deref(), Some("2026-11-25T09:30:00+09:00"));
        let a = c.availability("card_center", t("2026-11-24T01:00:00+00:00")).unwrap();
        assert!(a.open_now);
        assert_eq!(a.closes_at.as_deref(), Some("2026-11-24T18:00:00+09:00"));
    }

    #[test]
    fn fallback_is_filled_when_closed() {
        let c = cal();
        let a = c.availability("video_consultation", t("2026-11-24T21:00:00+09:00")).unwrap();
        assert!(!a.open_now);
        assert_eq!(a.channel, Channel::Video);
        assert_eq!(a.next_open.as_deref(), Some("2026-11-25T10:00:00+09:00"));
        assert!(a.when_closed.as_deref().unwrap().contains("https://example.jp/shop/video/reserve"));
        let fb = a.fallback.as_deref().unwrap();
        assert_eq!(fb.route_id, "video_reservation");
        assert!(fb.open_now && fb.fallback.is_none());

        let open = c.availability("video_consultation", t("2026-11-24T11:00:00+09:00")).unwrap();
        assert!(open.open_now);
        assert_eq!(open.closes_at.as_deref(), Some("2026-11-24T19:00:00+09:00"));
        assert!(open.fallback.is_none() && open.when_closed.is_none() && open.next_open.is_none());
        assert!(c.availability("no_such_route", t("2026-11-24T11:00:00+09:00")).is_none());
    }

    #[test]
    fn complaints_desk_closes_on_weekends_and_holidays() {
        let c = cal();
        // 2026-11-23 (Mon) is 勤労感謝の日; 11-21/22 are a weekend.
        assert!(!c.is_open("complaints_desk", t("2026-11-23T11:00:00+09:00")));
        assert!(!c.is_open("complaints_desk", t("2026-11-22T11:00:00+09:00")));
        assert!(c.is_open("complaints_desk", t("2026-11-24T11:00:00+09:00")));
        assert_eq!(next(&c, "complaints_desk", "2026-11-20T17:00:00+09:00").as_deref(), Some("2026-11-24T10:00:00+09:00"));
        // Golden Week 2026: 5/2-5/6 closed (weekend, holidays, 振替休日).
        assert_eq!(next(&c, "complaints_desk", "2026-05-01T17:00:00+09:00").as_deref(), Some("2026-05-07T10:00:00+09:00"));
        let a = c.availability("complaints_desk", t("2026-11-23T11:00:00+09:00")).unwrap();
        assert_eq!(a.fallback.unwrap().route_id, "callback_form");
    }

    #[test]
    fn bundled_holidays_are_plausible() {
        let c = cal();
        let hol = &c.route("complaints_desk").unwrap().schedule.holidays;
        assert_eq!(hol.iter().filter(|d| d.year() == 2026).count(), 18);
        assert_eq!(hol.iter().filter(|d| d.year() == 2027).count(), 17);
        // Happy-Monday holidays fall on Mondays; no holiday is listed twice.
        for md in ["2026-01-12", "2026-07-20", "2026-09-21", "2026-10-12", "2027-01-11", "2027-07-19", "2027-09-20", "2027-10-11"] {
            let d: NaiveDate = md.parse().unwrap();
            assert!(hol.contains(&d) && d.weekday() == Weekday::Mon, "{md}");
        }
        // Substitute holidays (振替休日) and the 2026 citizens' holiday (国民の休日).
        for md in ["2026-05-06", "2026-09-22", "2027-03-22"] {
            assert!(hol.contains(&md.parse().unwrap()), "{md}");
        }
        let mut uniq = hol.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), hol.len());
    }

    #[test]
    fn lunch_break_and_overnight_continuation() {
        let json = r#"{"timezone_offset_hours": 0, "routes": [
            {"id":"a","name":"A","channel":"phone","contact":"0120-000-099","schedule":{"weekly":[
                {"days":["weekdays"],"open":"09:00","close":"12:00"},
                {"days":["weekdays"],"open":"13:00","close":"17:00"}]}},
            {"id":"b","name":"B","channel":"chat","contact":"https://example.jp/b","schedule":{"weekly":[
                {"days":["fri"],"open":"20:00","close":"24:00"},
                {"days":["sat"],"open":"00:00","close":"02:00"}]}}]}"#;
        let c = Calendar::from_json_str(json, "x.json").unwrap();
        assert!(!c.is_open("a", t("2026-11-24T12:30:00Z")));
        assert_eq!(next(&c, "a", "2026-11-24T12:30:00Z").as_deref(), Some("2026-11-24T13:00:00+00:00"));
        // 2026-11-27 is a Friday.
        let a = c.availability("b", t("2026-11-27T21:00:00Z")).unwrap();
        assert_eq!(a.closes_at.as_deref(), Some("2026-11-28T02:00:00+00:00"));
        assert!(c.is_open("b", t("2026-11-28T01:59:00Z")));
    }

    #[test]
    fn validation_errors_name_the_problem() {
        let bad = r#"{"routes": [
            {"id":"a","name":"A","channel":"phone","contact":"0120-000-099",
             "schedule":{"weekly":[{"days":["mon"],"open":"18:00","close":"09:00"}]},
             "fallback_route":"nowhere"},
            {"id":"a","name":"A2","channel":"chat","contact":"https://example.jp/a",
             "schedule":{"weekly":[{"days":["tue"],"open":"9:3","close":"25:00"}]}},
            {"id":"c","name":"C","channel":"web_form","contact":"https://example.jp/c",
             "schedule":{}, "fallback_route":"d"},
            {"id":"d","name":"D","channel":"email","contact":"support@example.jp",
             "schedule":{"always_open":true,"closures":[{"from":"2027-01-03","to":"2026-12-31"}]},
             "fallback_route":"c"}
        ]}"#;
        let err = Calendar::from_json_str(bad, "routes.json").unwrap_err();
        let Error::Many(list) = err else { panic!("expected several problems, got {err}") };
        let messages: Vec<String> = list.iter().map(ToString::to_string).collect();
        // Each at the line of the value at fault, or of the route's id (the
        // second `a` for the duplicate).
        let expected = [
            "routes.json:2: route `a`: weekly[0] closes (09:00) at or before it opens (18:00); split overnight hours into two entries",
            "routes.json:4: route `a`: unknown fallback_route `nowhere`",
            "routes.json:5: route `a`: duplicate id",
            "routes.json:6: route `a`: weekly[0] open time `9:3` is not HH:MM (00:00–23:59)",
            "routes.json:6: route `a`: weekly[0] close time `25:00` is not HH:MM (00:00–24:00)",
            "routes.json:7: route `c`: no opening hours (set always_open or weekly)",
            "routes.json:9: route `d`: closure 2027-01-03..2026-12-31 ends before it starts",
            "routes.json:7: route `c`: fallback routes loop: c → d → c",
        ];
        assert_eq!(messages, expected);

        // Syntax and type errors carry the JSON line.
        let syntax = "{\"routes\": [\n  {\"id\": \"a\",\n   \"channel\": \"fax\"}\n]}";
        let err = Calendar::from_json_str(syntax, "routes.json").unwrap_err().to_string();
        assert!(err.starts_with("routes.json:3: unknown variant `fax`"), "{err}");
        let date = "{\"routes\": [{\"id\":\"a\",\"name\":\"A\",\"channel\":\"phone\",\"contact\":\"x\",\n\"schedule\":{\"always_open\":true,\"holidays\":[\"2026-02-30\"]}}]}";
        let err = Calendar::from_json_str(date, "routes.json").unwrap_err().to_string();
        assert!(err.starts_with("routes.json:2: "), "{err}");
        let typo = "{\"routes\": [{\"id\":\"a\",\"name\":\"A\",\"channel\":\"phone\",\"contact\":\"x\",\n\"schedule\":{\"alwaysopen\":true}}]}";
        let err = Calendar::from_json_str(typo, "routes.json").unwrap_err().to_string();
        assert!(err.starts_with("routes.json:2: unknown field `alwaysopen`"), "{err}");
        let self_fb = r#"{"timezone_offset_hours": 30, "routes": [{"id":"a","name":"A","channel":"phone","contact":"x",
            "schedule":{"always_open":true,"weekly":[{"days":[],"open":"09:00","close":"10:00"}]},"fallback_route":"a"}]}"#;
        let Error::Many(list) = Calendar::from_json_str(self_fb, "r.json").unwrap_err() else { panic!() };
        let messages: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "r.json:1: timezone_offset_hours 30 is outside -12..=14",
                "r.json:1: route `a`: always_open routes must not list weekly hours",
                "r.json:1: route `a`: weekly[0] lists no days",
                "r.json:1: route `a`: fallback_route points to itself",
            ]
        );
    }

    #[test]
    fn load_reports_missing_file() {
        let err = Calendar::load("/nonexistent/routes.json").unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/routes.json");
        assert_eq!(Calendar::load(path).unwrap(), cal());
    }
}
