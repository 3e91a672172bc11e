//! Small talk: a whole message with nothing to look up — thanks, yes, no,
//! a greeting, a goodbye — from the `smalltalk` section of the rules file.
//!
//! Searching 「ありがとう」 or 「はい」 in the FAQ finds nothing (or, worse,
//! entries that share a kana bigram) and counts as a turn without an answer:
//! three polite thank-yous used to end in an `unresolved` hand-off. So a
//! message is small talk when **every part of it** is one of the listed words:
//! the message is folded like the rules' input ([`match_text`]), cut at
//! anything that is not a letter or digit (punctuation, spaces, emoji), and a
//! trailing 笑 or w (and a drawn-out ー) is dropped from each part. 「はい、ありがとうございました！」
//! is small talk; 「はい、カードをなくしました」 is not (and the urgent
//! rules run first anyway).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::types::match_text;

/// What a small-talk message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    /// ありがとう, 助かりました, わかりました.
    Thanks,
    /// はい, 解決しました, できました.
    Yes,
    /// いいえ, 違います, 解決しませんでした.
    No,
    /// こんにちは, もしもし, よろしくお願いします.
    Greeting,
    /// さようなら, 以上です, 大丈夫です.
    Bye,
}

impl Act {
    /// The snake_case name used in the rules file.
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Thanks => "thanks",
            Act::Yes => "yes",
            Act::No => "no",
            Act::Greeting => "greeting",
            Act::Bye => "bye",
        }
    }
}

/// The small-talk words of a rule set, folded.
///
/// ```
/// use madoguchi::decide::rules::{Act, RuleSet};
/// let rules = RuleSet::bundled()?;
/// assert_eq!(rules.smalltalk("ありがとうございました！"), Some(Act::Thanks));
/// assert_eq!(rules.smalltalk("ｲｲｴ、違います"), Some(Act::No));
/// assert_eq!(rules.smalltalk("はい、解決しました。ありがとう😊"), Some(Act::Yes));
/// assert_eq!(rules.smalltalk("はい、カードの再発行について"), None);
/// # Ok::<(), madoguchi::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Smalltalk {
    // FNV: looked up for every part of every message.
    words: HashMap<String, Act, crate::fnv::BuildFnv>,
    /// Intensifiers and softeners (本当に, とても, 誠に) dropped from the
    /// start of a part: 「本当にありがとうございました」 is thanks.
    fillers: Vec<String>,
}

/// Longer messages are never small talk (and are not split at all).
const MAX_CHARS: usize = 60;

impl Smalltalk {
    /// Adds `word` (already folded and checked by the loader) for `act`;
    /// a later file's word replaces an earlier one's act.
    pub(super) fn insert(&mut self, word: String, act: Act) {
        self.words.insert(word, act);
    }

    /// The act `word` (folded) is listed under.
    pub(super) fn act_of(&self, word: &str) -> Option<Act> {
        self.words.get(word).copied()
    }

    /// Adds a filler (already folded and checked by the loader).
    pub(super) fn insert_filler(&mut self, filler: String) {
        if !self.fillers.contains(&filler) {
            self.fillers.push(filler);
            // Longest first, so 本当に is tried before 本当.
            self.fillers.sort_by_key(|f| std::cmp::Reverse(f.len()));
        }
    }

    /// Adds every word of `other` (see [`super::RuleSet::extend`]).
    pub(super) fn extend(&mut self, other: &Smalltalk) {
        self.words.extend(other.words.iter().map(|(w, a)| (w.clone(), *a)));
        for f in &other.fillers {
            self.insert_filler(f.clone());
        }
    }

    /// The act of one part: the word itself, without leading fillers, or
    /// without a drawn-out ending (ありがとう〜, はいー) when the word does
    /// not end in ー (サンキュー).
    fn part_act(&self, part: &str) -> Option<Act> {
        let mut part = part.trim_end_matches(['笑', 'w']);
        loop {
            if let Some(a) = self.words.get(part).or_else(|| self.words.get(part.trim_end_matches('ー'))) {
                return Some(*a);
            }
            let rest = self.fillers.iter().find_map(|f| part.strip_prefix(f.as_str()).filter(|r| !r.is_empty()))?;
            part = rest;
        }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when no word is listed (small talk is off).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The act of `message` when every part of it is a listed word.
    ///
    /// Several parts combine: no with thanks or bye (「いいえ、ありがとう」,
    /// 「いいえ、大丈夫です」) is a polite close, not a verdict; no with yes
    /// contradicts itself and is not small talk; otherwise yes beats thanks
    /// beats bye beats greeting (「はい、ありがとう」 answers 「解決しましたか」).
    pub fn act(&self, message: &str) -> Option<Act> {
        self.act_normalized(message, &crate::normalize::normalize(message))
    }

    /// [`Smalltalk::act`] of `message` whose `normalize` the caller already
    /// has (the engine's analysis holds it).
    pub(crate) fn act_normalized(&self, message: &str, normalized: &str) -> Option<Act> {
        if self.words.is_empty() || message.chars().count() > MAX_CHARS {
            return None;
        }
        // match_text(message), from the normalized text.
        let folded = crate::normalize::fold_text(normalized);
        // Words of several parts are listed joined (「thank you」 as thankyou).
        let joined: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
        if let Some(a) = self.words.get(&joined) {
            return Some(*a);
        }
        let mut seen = [false; 5];
        let mut any = false;
        for part in folded.split(|c: char| !c.is_alphanumeric()) {
            if part.is_empty() {
                continue;
            }
            let act = match self.part_act(part) {
                Some(a) => a,
                None if self.fillers.iter().any(|f| f == part) => continue,
                None => return None,
            };
            seen[act as usize] = true;
            any = true;
        }
        if !any {
            return None;
        }
        let has = |a: Act| seen[a as usize];
        if has(Act::No) {
            return match (has(Act::Yes), has(Act::Thanks) || has(Act::Bye)) {
                (true, _) => None,
                (false, true) => Some(Act::Bye),
                _ => Some(Act::No),
            };
        }
        [Act::Yes, Act::Thanks, Act::Bye, Act::Greeting].into_iter().find(|a| has(*a))
    }
}

/// Folds a listed word for the table; an error when it would never match
/// (empty, or not one part of a message).
pub(super) fn fold_word(word: &str) -> Result<String, String> {
    let folded = match_text(word);
    if folded.is_empty() {
        return Err("an empty word".into());
    }
    if folded.chars().any(|c| !c.is_alphanumeric()) {
        return Err(format!("{word:?}: write one word without punctuation or spaces (messages are cut there)"));
    }
    if folded.ends_with(['笑', 'w']) {
        return Err(format!("{word:?}: a trailing 笑 or w is dropped from messages, so this never matches"));
    }
    Ok(folded)
}
