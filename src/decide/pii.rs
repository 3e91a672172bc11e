//! Personal-data masking for customer text (before it is logged or shown).
//!
//! [`mask`] finds card numbers, phone numbers, e-mail addresses, postal
//! codes, numbers right after a secret's keyword (PIN, security code,
//! account number, My Number) and My Numbers with a valid check digit, and
//! replaces their digits with `*`:
//!
//! | kind | example input | output |
//! |---|---|---|
//! | card number: 13–19 digits, unseparated, in groups of 3–6 joined by a hyphen or up to three spaces (4–6 when joined by a dot or slash), or one digit at a time; not starting with 0 | `4111 1111 1111 1234` | `**** **** **** 1234` |
//! | phone number: 10–11 digits starting with 0 (`090-1234-5678`, `03(1234)5678`, `0120-000-022`, `09012345678`, `090.1234.5678`, one digit at a time) or `+81…` | `090-1234-5678` | `090-****-**78` |
//! | e-mail address | `taro.yamada@example.jp` | `t***@example.jp` |
//! | postal code after `〒` or `郵便番号` | `〒123-4567` | `〒***-****` |
//! | PIN after `暗証番号`, `暗証`, `PIN`, `パスコード` | `暗証番号は1234` | `暗証番号は****` |
//! | security code after `セキュリティコード`, `CVV`, `CVC`, `確認コード`, `認証コード` | `CVVは123` | `CVVは***` |
//! | account number after `口座番号`, `口座`, `支店番号` | `口座番号 1234567` | `口座番号 *******` |
//! | My Number after `マイナンバー` or `個人番号`, or any 12 digits with a valid check digit and no other label | `マイナンバーは1234 5678 9018` | `マイナンバーは**** **** ****` |
//!
//! * A keyword's number may follow after up to 8 characters of particles and
//!   punctuation (`は`, `が`, `を`, `の`, `も`, `:`, `「`, spaces…), so
//!   `暗証番号を1234に変えたい` is masked but `暗証番号の変更は4回まで` is not.
//!   The number is 3–20 digits, in groups joined by single spaces or hyphens.
//! * Numbers written in kanji digits (`〇一二三四五六七八九`) count as digits:
//!   `暗証番号は一二三四` and `〇九〇一二三四五六七八` are masked.
//! * Cards keep only the last 4 digits. Phones keep the last 2 digits and the
//!   leading prefix (the first group when written with separators, at most 3
//!   digits; `+81` keeps the country code), so staff can still tell a mobile
//!   number from a landline. Every phone number is masked, the operator's own
//!   support numbers included: the masker cannot know who a number belongs to.
//! * Detection runs on a width-folded copy (full-width digits, letters, `＠`,
//!   `－`, ideographic space, and `ー` between digits count as their ASCII
//!   forms; tabs and zero-width spaces count as spaces), but the output
//!   keeps the customer's characters: separators and unmasked digits stay as
//!   written, masked digits become ASCII `*`.
//! * Short numbers (order numbers up to 12 digits, amounts such as
//!   `12,000円`, dates, times) are left alone. A 10–11 digit number starting
//!   with 0 is treated as a phone number even if it is something else.
//! * An unlabelled 12-digit number is taken for a My Number only when its
//!   check digit is valid and no other label (`注文`, `会員`, `お問い合わせ`,
//!   `受付`, `伝票`, `契約`, `顧客`, `番号`) precedes it: order numbers stay
//!   readable, at the price of missing a My Number written as `番号は…`.
//! * `*` counts as a digit during detection, so masking already-masked text
//!   changes nothing (`mask` is idempotent).

use serde::{Deserialize, Serialize};

/// A kind of personal data that [`mask`] hides.
///
/// ```
/// use madoguchi::decide::pii::PiiKind;
/// assert_eq!(serde_json::to_string(&PiiKind::CardNumber).unwrap(), "\"card_number\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// A payment card number.
    CardNumber,
    /// A Japanese phone number.
    PhoneNumber,
    /// An e-mail address.
    Email,
    /// A Japanese postal code (郵便番号).
    PostalCode,
    /// A PIN (暗証番号) after its keyword.
    Pin,
    /// A card security code (セキュリティコード, CVV) after its keyword.
    SecurityCode,
    /// A bank account number (口座番号) after its keyword.
    AccountNumber,
    /// An individual number (マイナンバー, 個人番号).
    MyNumber,
}

/// The result of [`mask`].
///
/// ```
/// use madoguchi::decide::pii::{mask, PiiKind};
/// let m = mask("連絡先はtaro@example.jpです");
/// assert_eq!(m.text, "連絡先はt***@example.jpです");
/// assert_eq!(m.found, vec![PiiKind::Email]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Masked {
    /// The text with personal data masked.
    pub text: String,
    /// The kinds that were masked (each once, in [`PiiKind`] order). Data
    /// that was already fully masked is not reported again.
    pub found: Vec<PiiKind>,
}

/// Masks card numbers, phone numbers, e-mail addresses and postal codes in
/// `text` (see the [module docs](self) for the rules). Never panics.
///
/// ```
/// use madoguchi::decide::pii::mask;
/// assert_eq!(mask("カード番号は４１１１－１１１１－１１１１－１２３４です").text, "カード番号は****－****－****－１２３４です");
/// assert_eq!(mask("携帯090-1234-5678まで").text, "携帯090-****-**78まで");
/// assert_eq!(mask("12,000円を9:30〜17:30に").text, "12,000円を9:30〜17:30に");
/// ```
pub fn mask(text: &str) -> Masked {
    // Everything masked is digits or an e-mail's @: most messages have
    // neither, and the scans below cost more than the whole rest of a turn's
    // masking.
    let maskable = |c: char| {
        let c = fold_char(c);
        c == '@' || is_digitish(c)
    };
    if !text.chars().any(maskable) {
        return Masked { text: text.to_string(), found: Vec::new() };
    }
    scan(text)
}

/// [`mask`] without its shortcut.
fn scan(text: &str) -> Masked {
    let orig: Vec<char> = text.chars().collect();
    let folded = fold(&orig);
    let n = orig.len();
    let mut s = Scanner {
        f: &folded,
        claimed: vec![false; n],
        star: vec![false; n],
        spans: Vec::new(),
        found: Vec::new(),
    };
    // E-mails first: their local parts and domains may contain digits.
    s.emails();
    s.postal_codes();
    s.keyword_numbers();
    s.my_numbers();
    s.digit_runs();

    let mut out = String::with_capacity(text.len());
    let mut si = 0;
    let mut i = 0;
    while i < n {
        if let Some(span) = s.spans.get(si).filter(|sp| sp.start == i) {
            out.push_str(span.text);
            si += 1;
            if span.end > i {
                i = span.end;
                continue;
            }
        }
        out.push(if s.star[i] { '*' } else { orig[i] });
        i += 1;
    }
    let mut found = s.found;
    found.sort_unstable();
    found.dedup();
    Masked { text: out, found }
}

/// Folds one character for detection; every input char maps to one output char.
fn fold_char(c: char) -> char {
    match c {
        // Full-width ASCII block (！..～) → ASCII.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        // Tabs and zero-width characters between digit groups separate them
        // as a space does (a number pasted with them must still be found).
        '\u{3000}' | '\u{00A0}' | '\t' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => '-',
        // Kanji digits, as in 暗証番号は一二三四.
        '〇' => '0',
        '一' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        _ => c,
    }
}

fn is_digitish(c: char) -> bool {
    c.is_ascii_digit() || c == '*'
}

fn fold(orig: &[char]) -> Vec<char> {
    let mut f: Vec<char> = orig.iter().map(|&c| fold_char(c)).collect();
    // ー / ｰ are long-vowel marks in words but hyphens between digits, and
    // so is の when a number is read out in groups (090の1234の5678).
    for i in 1..f.len().saturating_sub(1) {
        if matches!(orig[i], 'ー' | 'ｰ' | 'の') && is_digitish(f[i - 1]) && is_digitish(f[i + 1]) {
            f[i] = '-';
        }
    }
    f
}

/// Keywords whose following number is secret (matched lowercase).
const KEYWORDS: &[(&str, PiiKind)] = &[
    ("暗証番号", PiiKind::Pin),
    ("暗証", PiiKind::Pin),
    ("ピン番号", PiiKind::Pin),
    ("パスコード", PiiKind::Pin),
    ("pin", PiiKind::Pin),
    ("セキュリティコード", PiiKind::SecurityCode),
    ("セキュリティーコード", PiiKind::SecurityCode),
    ("確認コード", PiiKind::SecurityCode),
    ("認証コード", PiiKind::SecurityCode),
    ("cvv2", PiiKind::SecurityCode),
    ("cvv", PiiKind::SecurityCode),
    ("cvc", PiiKind::SecurityCode),
    ("口座番号", PiiKind::AccountNumber),
    ("支店番号", PiiKind::AccountNumber),
    ("口座", PiiKind::AccountNumber),
    ("マイナンバー", PiiKind::MyNumber),
    ("個人番号", PiiKind::MyNumber),
];

/// Labels that make an unlabelled 12-digit number something else.
const OTHER_LABELS: &[&str] = &["注文", "会員", "お問い合わせ", "問合せ", "受付", "伝票", "契約", "顧客", "番号"];

/// Characters allowed between a keyword and its number.
fn is_gap_char(c: char) -> bool {
    matches!(c, ' ' | 'は' | 'が' | 'を' | 'の' | 'も' | 'で' | ':' | '=' | '「' | '『' | '(' | '、' | ',' | '”' | '"' | '#' | '№')
}

/// The My Number check digit (the last of 12) is right.
fn my_number_valid(digits: &[u32]) -> bool {
    if digits.len() != 12 {
        return false;
    }
    // P_n is the n-th digit from the right of the first 11; Q_n = n + 1 for
    // n ≤ 6, n − 5 after.
    let sum: u32 = (1..=11u32).map(|n| digits[11 - n as usize] * if n <= 6 { n + 1 } else { n - 5 }).sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    digits[11] == check
}

/// A replacement of `orig[start..end]` by `text` (`start == end` inserts).
struct Span {
    start: usize,
    end: usize,
    text: &'static str,
}

struct Scanner<'a> {
    /// Width-folded copy of `orig`, same length.
    f: &'a [char],
    /// Characters already part of a detected item.
    claimed: Vec<bool>,
    /// Characters to print as `*`.
    star: Vec<bool>,
    spans: Vec<Span>,
    found: Vec<PiiKind>,
}

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '*')
}

/// `*` counts like a digit everywhere, so masking a digit can never change
/// what is detected on a second pass.
fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*')
}

/// End of the longest domain at the start of `f[from..to]`: two or more
/// non-empty labels, ending with the letters that open the last one (2+ ASCII
/// letters), so "example.jp4111…" and "example.jp。" both give "example.jp".
/// Ending on letters means masking what follows can never move the end.
fn domain_end(f: &[char], from: usize, to: usize) -> Option<usize> {
    let (mut best, mut label, mut k) = (None, 0, from);
    while k < to && f[k] != '.' {
        let letters = f[k..to].iter().take_while(|c| c.is_ascii_alphabetic()).count();
        if label >= 1 && letters >= 2 {
            best = Some(k + letters);
        }
        let label_end = f[k..to].iter().position(|&c| c == '.').map_or(to, |p| k + p);
        label += 1;
        k = label_end + 1;
    }
    best
}

/// One maximal sequence of digit groups joined by single separators.
struct Run {
    /// `[start, end)` char ranges of the digit groups.
    groups: Vec<(usize, usize)>,
    /// `seps[k]` separates `groups[k]` and `groups[k + 1]` (folded char).
    seps: Vec<char>,
    /// A `+` directly precedes the run.
    plus: bool,
}

impl Scanner<'_> {
    fn claim(&mut self, from: usize, to: usize) {
        self.claimed[from..to].iter_mut().for_each(|c| *c = true);
    }

    /// Stars the given positions; reports `kind` if a real digit was hidden.
    fn star_positions(&mut self, positions: impl IntoIterator<Item = usize>, kind: PiiKind) {
        let mut changed = false;
        for p in positions {
            changed |= self.f[p].is_ascii_digit();
            self.star[p] = true;
        }
        if changed {
            self.found.push(kind);
        }
    }

    fn emails(&mut self) {
        let n = self.f.len();
        for at in 0..n {
            if self.f[at] != '@' || self.claimed[at] {
                continue;
            }
            let mut start = at;
            while start > 0 && !self.claimed[start - 1] && is_local_char(self.f[start - 1]) {
                start -= 1;
            }
            if start == at {
                continue;
            }
            let mut end = at + 1;
            while end < n && is_domain_char(self.f[end]) {
                end += 1;
            }
            let Some(end) = domain_end(self.f, at + 1, end) else { continue };
            let local_rest = &self.f[start + 1..at];
            if local_rest != ['*', '*', '*'] {
                self.found.push(PiiKind::Email);
            }
            // Keep the first character; a fixed "***" hides the length.
            self.spans.push(Span { start: start + 1, end: at, text: "***" });
            self.claim(start, end);
        }
    }

    fn postal_codes(&mut self) {
        let n = self.f.len();
        let f = self.f;
        for i in 0..n {
            if self.claimed[i] {
                continue;
            }
            let mut j = if f[i] == '〒' {
                i + 1
            } else if f[i..].starts_with(&['郵', '便', '番', '号']) {
                let mut j = i + 4;
                while j < n && matches!(f[j], 'は' | ':') {
                    j += 1;
                }
                j
            } else {
                continue;
            };
            while j < n && f[j] == ' ' {
                j += 1;
            }
            let digits = |from: usize, len: usize| {
                from + len <= n && (from..from + len).all(|k| is_digitish(f[k]) && !self.claimed[k])
            };
            let end = if digits(j, 3) && j + 3 < n && f[j + 3] == '-' && !self.claimed[j + 3] && digits(j + 4, 4) {
                j + 8
            } else if digits(j, 7) {
                j + 7
            } else {
                continue;
            };
            if end < n && is_digitish(f[end]) {
                continue;
            }
            self.star_positions((j..end).filter(|&k| is_digitish(f[k])), PiiKind::PostalCode);
            self.claim(j, end);
        }
    }

    /// Numbers right after a secret's keyword (see the module docs).
    fn keyword_numbers(&mut self) {
        let n = self.f.len();
        let lower: Vec<char> = self.f.iter().map(|c| c.to_ascii_lowercase()).collect();
        let mut i = 0;
        while i < n {
            // Compared char by char in place: collecting each keyword for
            // each position was most of the masking cost.
            let Some((len, kind)) = KEYWORDS.iter().find_map(|(k, kind)| {
                let mut rest = lower[i..].iter();
                k.chars().all(|c| rest.next() == Some(&c)).then(|| (k.chars().count(), *kind))
            }) else {
                i += 1;
                continue;
            };
            // ASCII keywords (pin, cvv) must not sit inside a longer word.
            let ascii = lower[i].is_ascii_alphabetic();
            if ascii && (i > 0 && lower[i - 1].is_ascii_alphanumeric() || i + len < n && lower[i + len].is_ascii_alphabetic()) {
                i += 1;
                continue;
            }
            let mut j = i + len;
            let gap_end = (j + 8).min(n);
            while j < gap_end && !is_digitish(self.f[j]) && is_gap_char(self.f[j]) {
                j += 1;
            }
            if j < n && is_digitish(self.f[j]) && !self.claimed[j] && (j == 0 || !is_digitish(self.f[j - 1])) {
                let mut k = j;
                let mut digits = 0;
                let mut end = j;
                while k < n && !self.claimed[k] {
                    if is_digitish(self.f[k]) {
                        digits += 1;
                        k += 1;
                        end = k;
                    } else if matches!(self.f[k], ' ' | '-') && k + 1 < n && is_digitish(self.f[k + 1]) {
                        k += 1;
                    } else {
                        break;
                    }
                }
                if (3..=20).contains(&digits) {
                    self.star_positions((j..end).filter(|&p| is_digitish(self.f[p])), kind);
                    self.claim(j, end);
                    i = end;
                    continue;
                }
            }
            i += len;
        }
    }

    /// 12-digit numbers (`123456789018` or `1234 5678 9018`) with a valid My
    /// Number check digit and no other label before them.
    fn my_numbers(&mut self) {
        let n = self.f.len();
        let mut i = 0;
        while i < n {
            // Not inside a longer run: no digit, nor separator + digit, before it.
            let joined_before = i > 0
                && (is_digitish(self.f[i - 1]) || i > 1 && matches!(self.f[i - 1], ' ' | '-' | '(' | ')') && is_digitish(self.f[i - 2]));
            if self.claimed[i] || !self.f[i].is_ascii_digit() || joined_before {
                i += 1;
                continue;
            }
            let grouped = i + 14 <= n
                && self.f[i + 4] == self.f[i + 9]
                && matches!(self.f[i + 4], ' ' | '-')
                && [i..i + 4, i + 5..i + 9, i + 10..i + 14].iter().all(|r| r.clone().all(|k| self.f[k].is_ascii_digit()));
            let plain = i + 12 <= n && (i..i + 12).all(|k| self.f[k].is_ascii_digit());
            let end = if grouped { i + 14 } else if plain { i + 12 } else { i + 1 };
            let joined_after = end < n
                && (is_digitish(self.f[end])
                    || end + 1 < n && matches!(self.f[end], ' ' | '-' | '(' | ')') && is_digitish(self.f[end + 1]));
            let whole = (grouped || plain) && !joined_after;
            let digits: Vec<u32> = (i..end).filter_map(|k| self.f[k].to_digit(10)).collect();
            let labelled = {
                let from = i.saturating_sub(10);
                let before: String = self.f[from..i].iter().collect();
                OTHER_LABELS.iter().any(|l| before.contains(l))
            };
            if whole && (self.claimed[i..end].iter().all(|c| !c)) && !labelled && my_number_valid(&digits) {
                self.star_positions((i..end).filter(|&k| self.f[k].is_ascii_digit()), PiiKind::MyNumber);
                self.claim(i, end);
            }
            i = end;
        }
    }

    fn digit_runs(&mut self) {
        let n = self.f.len();
        let mut i = 0;
        while i < n {
            if self.claimed[i] || !is_digitish(self.f[i]) {
                i += 1;
                continue;
            }
            let plus = i > 0 && self.f[i - 1] == '+' && !self.claimed[i - 1];
            let mut run = Run { groups: Vec::new(), seps: Vec::new(), plus };
            let mut k = i;
            loop {
                let start = k;
                while k < n && !self.claimed[k] && is_digitish(self.f[k]) {
                    k += 1;
                }
                run.groups.push((start, k));
                // One separator, or up to three spaces (double spaces, a
                // space and a zero-width one), between digit groups.
                let mut gap = k;
                while gap < n && gap - k < 3 && !self.claimed[gap] && self.f[gap] == ' ' {
                    gap += 1;
                }
                if gap == k && k < n && !self.claimed[k] && matches!(self.f[k], '-' | '(' | ')' | '.' | '/') {
                    gap = k + 1;
                }
                let joins = gap > k && gap < n && !self.claimed[gap] && is_digitish(self.f[gap]);
                if !joins {
                    break;
                }
                run.seps.push(self.f[k]);
                k = gap;
            }
            self.mask_run(&run);
            i = k;
        }
    }

    /// Shapes of the group spans `gi..=j` of `run`, for every `j` while the
    /// digit count stays within 19: `(j, digits, card_shaped, phone_shaped)`.
    /// Shapes look at lengths and separators only, never at digit values.
    fn shapes(run: &Run, gi: usize) -> impl Iterator<Item = (usize, usize, bool, bool)> + '_ {
        let len = |g: &(usize, usize)| g.1 - g.0;
        let mut total = 0;
        (gi..run.groups.len())
            .map(move |j| {
                total += len(&run.groups[j]);
                (j, total)
            })
            .take_while(|&(_, total)| total <= 19)
            .map(move |(j, total)| {
                let count = j - gi + 1;
                let groups = &run.groups[gi..=j];
                // A number read out or typed one digit at a time.
                let digit_by_digit = count == total && run.seps[gi..j].iter().all(|&c| c == ' ' || c == '-');
                // Dots and slashes join the groups of a card as printed
                // (4111.1111.1111.1111), never the 1–3-digit groups of an IP
                // address or a product code.
                let dotted = run.seps[gi..j].iter().any(|&c| c == '.' || c == '/');
                let (inner, last) = if dotted { (4..=6, 4..=6) } else { (3..=6, 0..=6) };
                let card = total >= 13
                    && (count == 1
                        || digit_by_digit
                        || run.seps[gi..j].iter().all(|&c| matches!(c, ' ' | '-' | '.' | '/'))
                            && groups[..count - 1].iter().all(|g| inner.contains(&len(g)))
                            && last.contains(&len(&groups[count - 1])));
                let phone = (10..=11).contains(&total)
                    && (count == 1
                        || digit_by_digit
                        || (2..=3).contains(&count)
                            && (2..=5).contains(&len(&run.groups[gi]))
                            && len(&run.groups[j]) >= 3);
                (j, total, card, phone)
            })
    }

    /// Digits in the longest card- or phone-shaped span starting at group `gi`.
    fn longest_shape(run: &Run, gi: usize) -> usize {
        Self::shapes(run, gi).filter(|s| s.2 || s.3).map(|s| s.1).max().unwrap_or(0)
    }

    /// Greedy left to right. At each group, pick among the candidates starting
    /// there the one that, with the longest shaped span right after it, covers
    /// most digits (so "card 090-…" leaves the phone whole); longer wins ties.
    /// Choices depend only on the group layout and the first digit of the
    /// starting group, which masking never turns from card-like to phone-like,
    /// so a second pass makes the same choices.
    fn mask_run(&mut self, run: &Run) {
        let mut gi = 0;
        while gi < run.groups.len() {
            let g0 = run.groups[gi].0;
            let first = self.f[g0];
            // Cards never start with 0 and domestic phones always do.
            let intl = gi == 0
                && run.plus
                && run.groups[0].1 - g0 >= 2
                && self.f[g0] == '8'
                && self.f[g0 + 1] == '1';
            let mut best: Option<(usize, usize, PiiKind, usize, usize)> = None;
            for (j, total, card, phone) in Self::shapes(run, gi) {
                let choice = if card && first != '0' {
                    (PiiKind::CardNumber, 0, 4)
                } else if phone && first == '0' {
                    (PiiKind::PhoneNumber, (run.groups[gi].1 - g0).min(3), 2)
                } else if intl && (11..=13).contains(&total) {
                    (PiiKind::PhoneNumber, 2, 2)
                } else {
                    continue;
                };
                let score = total + Self::longest_shape(run, j + 1);
                if best.is_none_or(|b| score >= b.1) {
                    best = Some((j, score, choice.0, choice.1, choice.2));
                }
            }
            let Some((j, _, kind, keep_front, keep_back)) = best else {
                gi += 1;
                continue;
            };
            let positions: Vec<usize> = run.groups[gi..=j].iter().flat_map(|&(s, e)| s..e).collect();
            let hide = keep_front..positions.len().saturating_sub(keep_back);
            self.star_positions(positions[hide].iter().copied(), kind);
            self.claim(g0, run.groups[j].1);
            gi = j + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PiiKind::*;

    #[test]
    fn golden_table() {
        let table: &[(&str, &str, &[PiiKind])] = &[
            // Cards.
            ("4111 1111 1111 1234", "**** **** **** 1234", &[CardNumber]),
            ("4111-1111-1111-1234", "****-****-****-1234", &[CardNumber]),
            ("4111111111111234", "************1234", &[CardNumber]),
            ("４１１１　１１１１　１１１１　１２３４", "****　****　****　１２３４", &[CardNumber]),
            ("４１１１ー１１１１ー１１１１ー１２３４", "****ー****ー****ー１２３４", &[CardNumber]),
            ("カード番号は４１１１－１１１１－１１１１－１２３４です", "カード番号は****－****－****－１２３４です", &[CardNumber]),
            ("カード番号は4111 1111 1111 1234です。", "カード番号は**** **** **** 1234です。", &[CardNumber]),
            ("3782 822463 10005", "**** ****** *0005", &[CardNumber]),
            ("4111 111 1111 1234", "**** *** **** 1234", &[CardNumber]),
            ("4111 1111 1111 1234 2028", "**** **** **** 1234 2028", &[CardNumber]),
            // Separators people also use: dots, slashes, tabs, double spaces,
            // zero-width spaces, one digit at a time.
            ("4111.1111.1111.1234", "****.****.****.1234", &[CardNumber]),
            ("4111/1111/1111/1234", "****/****/****/1234", &[CardNumber]),
            ("4111\t1111\t1111\t1234", "****\t****\t****\t1234", &[CardNumber]),
            ("4111  1111  1111  1234", "****  ****  ****  1234", &[CardNumber]),
            ("4111\u{200b}1111\u{200b}1111\u{200b}1234", "****\u{200b}****\u{200b}****\u{200b}1234", &[CardNumber]),
            ("4 1 1 1 1 1 1 1 1 1 1 1 1 2 3 4", "* * * * * * * * * * * * 1 2 3 4", &[CardNumber]),
            // Order numbers, date ranges, IP addresses and product codes stay.
            ("注文番号は250-1234567-1234567です", "注文番号は250-1234567-1234567です", &[]),
            ("注文番号 12345678-87654321", "注文番号 12345678-87654321", &[]),
            ("期間は20261101-20261130です", "期間は20261101-20261130です", &[]),
            ("192.168.100.200/24", "192.168.100.200/24", &[]),
            ("192.168.100.200-192.168.100.250", "192.168.100.200-192.168.100.250", &[]),
            ("商品コード 123.456.789.012.345", "商品コード 123.456.789.012.345", &[]),
            // Phones.
            ("090-1234-5678", "090-****-**78", &[PhoneNumber]),
            ("03-1234-5678", "03-****-**78", &[PhoneNumber]),
            ("045-123-4567", "045-***-**67", &[PhoneNumber]),
            ("0120-000-022", "012*-***-*22", &[PhoneNumber]),
            ("09012345678", "090******78", &[PhoneNumber]),
            ("0312345678", "031*****78", &[PhoneNumber]),
            ("090 1234 5678", "090 **** **78", &[PhoneNumber]),
            ("03(1234)5678", "03(****)**78", &[PhoneNumber]),
            ("(03)1234-5678", "(03)****-**78", &[PhoneNumber]),
            ("０９０－１２３４－５６７８", "０９０－****－**７８", &[PhoneNumber]),
            ("090.1234.5678", "090.****.**78", &[PhoneNumber]),
            ("090\u{200b}1234\u{200b}5678", "090\u{200b}****\u{200b}**78", &[PhoneNumber]),
            ("0 9 0 1 2 3 4 5 6 7 8", "0 * * * * * * * * 7 8", &[PhoneNumber]),
            ("電話は090の1234の5678です", "電話は090の****の**78です", &[PhoneNumber]),
            ("〇九〇の一二三四の五六七八", "〇九〇の****の**七八", &[PhoneNumber]),
            // の between digits that make no phone, card or code stays.
            ("3の倍数と1の2の3番地", "3の倍数と1の2の3番地", &[]),
            ("+81-90-1234-5678", "+81-**-****-**78", &[PhoneNumber]),
            ("+81 3 1234 5678", "+81 * **** **78", &[PhoneNumber]),
            ("＋８１９０１２３４５６７８", "＋８１********７８", &[PhoneNumber]),
            ("自宅03-1234-5678 携帯090-1234-5678", "自宅03-****-**78 携帯090-****-**78", &[PhoneNumber]),
            ("03-1234-5678 090-1234-5678", "03-****-**78 090-****-**78", &[PhoneNumber]),
            // E-mail.
            ("taro.yamada@example.jp", "t***@example.jp", &[Email]),
            ("a@example.jp", "a***@example.jp", &[Email]),
            ("メールはtaro+faq@mail.example.co.jpです", "メールはt***@mail.example.co.jpです", &[Email]),
            ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "ｔ***＠ｅｘａｍｐｌｅ．ｊｐ", &[Email]),
            ("送信先: hanako_09012345678@example.jp.", "送信先: h***@example.jp.", &[Email]),
            ("taro@example.jp4111 1111 1111 1234", "t***@example.jp**** **** **** 1234", &[CardNumber, Email]),
            // Postal codes.
            ("〒123-4567 東京都", "〒***-**** 東京都", &[PostalCode]),
            ("〒１２３－４５６７", "〒***－****", &[PostalCode]),
            ("〒 1234567", "〒 *******", &[PostalCode]),
            ("郵便番号は123-4567です", "郵便番号は***-****です", &[PostalCode]),
            // Mixed.
            (
                "電話090-1234-5678、カード4111 1111 1111 1234、taro@example.jp、〒100-0001",
                "電話090-****-**78、カード**** **** **** 1234、t***@example.jp、〒***-****",
                &[CardNumber, PhoneNumber, Email, PostalCode],
            ),
            ("4111 1111 1111 1234 090-1234-5678", "**** **** **** 1234 090-****-**78", &[CardNumber, PhoneNumber]),
            // Must stay unchanged.
            ("12,000円", "12,000円", &[]),
            ("2026年11月24日", "2026年11月24日", &[]),
            ("2026-11-24 09:30", "2026-11-24 09:30", &[]),
            ("2026/11/24", "2026/11/24", &[]),
            ("2026.11.24 9.30", "2026.11.24 9.30", &[]),
            ("192.168.100.200", "192.168.100.200", &[]),
            ("1 2 3", "1 2 3", &[]),
            ("注文番号123456789", "注文番号123456789", &[]),
            ("注文番号 1234-5678-9012", "注文番号 1234-5678-9012", &[]),
            ("注文番号123456789012", "注文番号123456789012", &[]),
            ("9:30〜17:30", "9:30〜17:30", &[]),
            ("ポイントは1,234,567,890,123点", "ポイントは1,234,567,890,123点", &[]),
            ("123-4567", "123-4567", &[]),
            ("ユーザー12ー34", "ユーザー12ー34", &[]),
            ("@example.jp と a@b", "@example.jp と a@b", &[]),
            ("", "", &[]),
            // Already masked: unchanged and not reported.
            ("**** **** **** 1234", "**** **** **** 1234", &[]),
            ("090-****-**78", "090-****-**78", &[]),
            ("t***@example.jp", "t***@example.jp", &[]),
            ("〒***-****", "〒***-****", &[]),
            // Secrets next to their keywords.
            ("暗証番号は1234", "暗証番号は****", &[Pin]),
            ("暗証番号を1234に変えたい", "暗証番号を****に変えたい", &[Pin]),
            ("暗証番号は一二三四です", "暗証番号は****です", &[Pin]),
            ("PIN: 0000", "PIN: ****", &[Pin]),
            ("ｐｉｎは９８７６", "ｐｉｎは****", &[Pin]),
            ("セキュリティコードは123", "セキュリティコードは***", &[SecurityCode]),
            ("CVVは４５６です", "CVVは***です", &[SecurityCode]),
            ("口座番号 1234567", "口座番号 *******", &[AccountNumber]),
            ("支店番号123、口座番号は7654321", "支店番号***、口座番号は*******", &[AccountNumber]),
            ("マイナンバーは1234 5678 9012です", "マイナンバーは**** **** ****です", &[MyNumber]),
            ("個人番号：１２３４５６７８９０１２", "個人番号：************", &[MyNumber]),
            // My Number by its check digit alone (123456789018 is valid).
            ("123456789018", "************", &[MyNumber]),
            ("これ 1234-5678-9018 です", "これ ****-****-**** です", &[MyNumber]),
            // Numbers in kanji.
            ("〇九〇一二三四五六七八", "〇九〇******七八", &[PhoneNumber]),
            // Must stay unchanged.
            ("暗証番号の変更は4回まで", "暗証番号の変更は4回まで", &[]),
            ("暗証番号を忘れました", "暗証番号を忘れました", &[]),
            ("spin 1234", "spin 1234", &[]),
            ("123456789012", "123456789012", &[]),
            ("注文番号123456789018", "注文番号123456789018", &[]),
            ("一つ目の二番", "一つ目の二番", &[]),
            ("二〇二六年十一月", "二〇二六年十一月", &[]),
            ("暗証番号は****", "暗証番号は****", &[]),
        ];
        for (input, expected, kinds) in table {
            let m = mask(input);
            assert_eq!(m.text, *expected, "input: {input}");
            assert_eq!(m.found, *kinds, "input: {input}");
            assert_eq!(mask(&m.text).text, m.text, "idempotent: {input}");
            assert_eq!(m, scan(input), "the shortcut disagrees with the scan on {input}");
        }
    }

    #[test]
    fn masked_serializes_snake_case() {
        let json = serde_json::to_string(&mask("03-1234-5678")).unwrap();
        assert_eq!(json, r#"{"text":"03-****-**78","found":["phone_number"]}"#);
    }

    /// xorshift64*: deterministic pseudo-random numbers without extra crates.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn never_panics_and_is_idempotent() {
        const PIECES: &[&str] = &[
            "0", "1", "4", "8", "9", "81", "090", "4111", "1234", "０", "１", "９", "８１", " ", "-", "ー", "ｰ", "－", "　",
            "(", ")", "+", "＋", "*", "＊", "@", "＠", ".", "．", "a", "t", "ｔ", "jp", "example", "〒", "郵便番号", "は",
            ":", ",", "円", "年", "カード", "です", "\u{0}", "\n", "\t", "\u{200b}", "\u{feff}", "😀", "é", "\u{301}",
            "4111 1111 1111 1234", "090-1234-5678", "taro@example.jp", "〒123-4567",
            // Kanji digits and plain words, so that many texts have no digit at all.
            "〇", "一", "九", "暗証番号", "カードを", "なくした", "の",
        ];
        const DENSE: &[&str] = &["0", "1", "8", "4", "*", "＊", " ", "-", "ー", "(", ")", "+", "０", "　", "@", "a", ".", "_"];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let len = rng.below(40);
            // Half the pieces come from a dense digit/separator mix so that
            // adjacent numbers and e-mails collide often.
            let s: String = (0..len)
                .map(|_| match rng.below(2) {
                    0 => DENSE[rng.below(DENSE.len())],
                    _ => PIECES[rng.below(PIECES.len())],
                })
                .collect();
            let once = mask(&s);
            assert_eq!(once, scan(&s), "the shortcut disagrees with the scan on {s:?}");
            let twice = mask(&once.text);
            assert_eq!(twice.text, once.text, "not idempotent for {s:?}");
            assert!(twice.found.is_empty(), "second pass found {:?} in {:?} (from {s:?})", twice.found, once.text);
        }
        // Long inputs stay linear and safe.
        let long = "4111 ".repeat(100_000) + &"9".repeat(100_000) + &"a@".repeat(50_000);
        let m = mask(&long);
        assert_eq!(mask(&m.text).text, m.text);
    }
}
