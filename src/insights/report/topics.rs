//! Questions the bot could not answer (or only with choices), grouped by
//! similarity into topics: the FAQ entries to write next.
//!
//! Memory is bounded: at most [`Reservoir::capacity`] distinct questions
//! (folded text) are kept with their counts. When more distinct questions
//! come, a uniform sample of them stays (reservoir sampling over first
//! occurrences, with a fixed seed so a report is reproducible); the totals
//! stay exact. Topics are then formed greedily, most frequent question
//! first: a question joins the first topic whose lead question shares at
//! least [`SIMILARITY`] of their character bigrams (Jaccard), else starts
//! a topic.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::normalize::{fold_text, is_symbol, normalize};

/// Jaccard similarity of character bigrams for a question to join a topic.
pub const SIMILARITY: f64 = 0.3;

/// Why a question is in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// `fallback` or an unresolved hand-off: nothing fitted.
    Unanswered,
    /// `clarify`: only candidates, no confident answer.
    LowConfidence,
}

#[derive(Debug, Clone)]
struct Item {
    count: u64,
    unanswered: u64,
    low_confidence: u64,
    /// The first masked text seen (shown as an example).
    example: String,
    slot: usize,
}

/// A bounded sample of distinct questions with counts.
#[derive(Debug)]
pub struct Reservoir {
    capacity: usize,
    items: HashMap<String, Item>,
    keys: Vec<String>,
    distinct_seen: u64,
    total: u64,
    rng: u64,
}

/// One topic of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// The most frequent question of the topic (masked).
    pub label: String,
    /// Questions in the topic (counting repeats).
    pub count: u64,
    /// Of them, unanswered (`fallback`, unresolved hand-off).
    pub unanswered: u64,
    /// Of them, answered only with choices (`clarify`).
    pub low_confidence: u64,
    /// Up to 3 different questions of the topic (masked).
    pub examples: Vec<String>,
}

/// The topics and how they were sampled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topics {
    /// Unanswered and low-confidence questions in the input.
    pub questions: u64,
    /// Distinct questions (folded) in the input.
    pub distinct: u64,
    /// Distinct questions kept for grouping (at most the reservoir size).
    pub kept: u64,
    /// True when not every distinct question could be kept (the topics are
    /// from a uniform sample; counts of kept questions are exact).
    pub sampled: bool,
    /// Topics, largest first (at most the report's `top_topics`).
    pub list: Vec<Topic>,
}

/// The folded key of a question: width, case, kana and symbols ignored.
fn key_of(text: &str) -> String {
    fold_text(&normalize(text)).chars().filter(|c| !c.is_whitespace() && !is_symbol(*c)).collect()
}

impl Reservoir {
    /// A reservoir of at most `capacity` distinct questions.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            items: HashMap::new(),
            keys: Vec::new(),
            distinct_seen: 0,
            total: 0,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// Most distinct questions kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: fixed seed, reproducible reports.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Adds one question.
    pub fn add(&mut self, text: &str, miss: Miss) {
        let key = key_of(text);
        if key.is_empty() {
            return;
        }
        self.total += 1;
        let bump = |item: &mut Item| {
            item.count += 1;
            match miss {
                Miss::Unanswered => item.unanswered += 1,
                Miss::LowConfidence => item.low_confidence += 1,
            }
        };
        if let Some(item) = self.items.get_mut(&key) {
            bump(item);
            return;
        }
        self.distinct_seen += 1;
        let slot = if self.keys.len() < self.capacity {
            self.keys.push(key.clone());
            self.keys.len() - 1
        } else {
            // Algorithm R over first occurrences: keep this one with
            // probability capacity / distinct_seen, in place of a random one.
            let j = self.next_random() % self.distinct_seen;
            if j >= self.capacity as u64 {
                return;
            }
            let slot = j as usize;
            let old = std::mem::replace(&mut self.keys[slot], key.clone());
            self.items.remove(&old);
            slot
        };
        let mut item = Item { count: 0, unanswered: 0, low_confidence: 0, example: text.trim().to_string(), slot };
        bump(&mut item);
        debug_assert_eq!(self.keys[item.slot], key);
        self.items.insert(key, item);
    }

    /// Groups the kept questions into topics; at most `max` topics, largest first.
    pub fn topics(&self, max: usize) -> Topics {
        let mut items: Vec<(&String, &Item)> = self.items.iter().collect();
        items.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));

        struct Group {
            lead: Vec<(char, char)>,
            topic: Topic,
        }
        let mut groups: Vec<Group> = Vec::new();
        // bigram → groups whose lead has it, to compare only with groups
        // that share something.
        let mut postings: HashMap<(char, char), Vec<usize>> = HashMap::new();
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for (key, item) in items {
            let grams = bigrams(key);
            shared.clear();
            for g in &grams {
                for &gi in postings.get(g).map(Vec::as_slice).unwrap_or_default() {
                    *shared.entry(gi).or_default() += 1;
                }
            }
            let best = shared
                .iter()
                .map(|(&gi, &s)| (gi, s as f64 / (grams.len() + groups[gi].lead.len() - s).max(1) as f64))
                .filter(|(_, j)| *j >= SIMILARITY)
                .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
            match best {
                Some((gi, _)) => {
                    let t = &mut groups[gi].topic;
                    t.count += item.count;
                    t.unanswered += item.unanswered;
                    t.low_confidence += item.low_confidence;
                    if t.examples.len() < 3 && !t.examples.contains(&item.example) {
                        t.examples.push(item.example.clone());
                    }
                }
                None => {
                    let gi = groups.len();
                    for g in &grams {
                        postings.entry(*g).or_default().push(gi);
                    }
                    groups.push(Group {
                        lead: grams,
                        topic: Topic {
                            label: item.example.clone(),
                            count: item.count,
                            unanswered: item.unanswered,
                            low_confidence: item.low_confidence,
                            examples: vec![item.example.clone()],
                        },
                    });
                }
            }
        }
        let mut list: Vec<Topic> = groups.into_iter().map(|g| g.topic).collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
        list.truncate(max);
        Topics {
            questions: self.total,
            distinct: self.distinct_seen,
            kept: self.items.len() as u64,
            sampled: self.distinct_seen > self.items.len() as u64,
            list,
        }
    }
}

/// Distinct character bigrams of a folded key, over its content characters:
/// hiragana (particles, endings: を, したい, ますか) is left out, so
/// 「解約したい」 and 「予約したい」 share nothing while 「宇宙旅行の予約は
/// できますか」 and 「宇宙旅行を予約したい」 match. A key with fewer than two
/// content characters uses all its characters; a one-character key is its
/// own "bigram".
fn bigrams(key: &str) -> Vec<(char, char)> {
    let content: Vec<char> = key.chars().filter(|c| !('\u{3041}'..='\u{309F}').contains(c)).collect();
    let chars: Vec<char> = if content.len() >= 2 { content } else { key.chars().collect() };
    let mut out: Vec<(char, char)> = match chars.as_slice() {
        [c] => vec![(*c, ' ')],
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_questions_form_one_topic_and_counts_add_up() {
        let mut r = Reservoir::new(100);
        for _ in 0..3 {
            r.add("ポイントの合算はできますか", Miss::Unanswered);
        }
        r.add("ポイントを合算したい", Miss::LowConfidence);
        r.add("ﾎﾟｲﾝﾄの合算はできますか？", Miss::Unanswered);
        r.add("解約金はいくらですか", Miss::Unanswered);
        r.add("解約したい", Miss::Unanswered);
        r.add("予約したい", Miss::Unanswered);
        let t = r.topics(10);
        assert_eq!(t.questions, 8);
        assert_eq!(t.distinct, 5);
        // 解約金 and 解約したい share 解約; 予約したい stays apart.
        assert_eq!(t.list.len(), 3, "{:?}", t.list);
        assert_eq!(t.list[0].count, 5);
        assert_eq!(t.list[0].low_confidence, 1);
        assert_eq!(t.list[1].count, 2);
        assert!(t.list[1].examples.contains(&"解約金はいくらですか".to_string()), "{:?}", t.list[1]);
        assert_eq!(t.list[2].label, "予約したい");
    }

    #[test]
    fn the_reservoir_stays_bounded_and_totals_exact() {
        let mut r = Reservoir::new(50);
        for i in 0..10_000 {
            r.add(&format!("質問{i}番の件"), Miss::Unanswered);
        }
        let t = r.topics(1000);
        assert_eq!(t.questions, 10_000);
        assert_eq!(t.distinct, 10_000);
        assert_eq!(t.kept, 50);
        assert!(t.sampled);
        assert!(r.items.len() <= 50 && r.keys.len() <= 50);
    }
}
