//! Labelled harassment data shared by `harassment_eval` and
//! `train_harassment`: the public toxicity data set (majority vote), the
//! labelled support-chat messages, the written examples and ordinary
//! questions.

#![allow(dead_code)]

/// One labelled text.
#[derive(Debug, Clone)]
pub struct Row {
    pub text: String,
    /// Toxic / abusive.
    pub label: bool,
    /// Where it came from (for per-source figures).
    pub source: &'static str,
    /// For the toxicity data set: the strict-majority label (2·toxic votes > annotators).
    pub strict: bool,
}

pub const TOXIC_CSV: &str = "../shared/data/japanese-toxic-dataset/subset.csv";

/// The toxicity data set. `label` is the lenient majority (at least half of
/// the annotators voted Toxic or Very Toxic); `strict` a strict majority.
/// Rows where at least half voted "Not Toxic" or neither side has half
/// ("Hard to Say" splits) are benign.
pub fn toxic_dataset(path: &str) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| format!("{path}: no column {name:?}"));
    let (text, toxic, very, annotators) = (col("text")?, col("Toxic")?, col("Very Toxic")?, col("annotation_num")?);
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record?;
        let num = |i: usize| -> Result<u32, String> {
            record[i].trim().parse().map_err(|e| format!("{path}: row {}: column {}: {e}", n + 2, &headers[i]))
        };
        let (votes, people) = (num(toxic)? + num(very)?, num(annotators)?);
        rows.push(Row {
            text: record[text].to_string(),
            label: votes > 0 && 2 * votes >= people,
            strict: 2 * votes > people,
            source: "toxic_dataset",
        });
    }
    Ok(rows)
}

/// `{"text", "label": 0|1, …}` lines.
pub fn jsonl(path: &str, source: &'static str) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", i + 1))?;
        let t = v["text"].as_str().ok_or_else(|| format!("{path}:{}: no text", i + 1))?;
        let label = v["label"].as_u64().ok_or_else(|| format!("{path}:{}: no label", i + 1))? == 1;
        rows.push(Row { text: t.to_string(), label, strict: label, source });
    }
    Ok(rows)
}

/// One benign text per line (`#` comments skipped).
pub fn lines(path: &str, source: &'static str) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| Row { text: l.to_string(), label: false, strict: false, source })
        .collect())
}

/// Customer-side texts of the bundled FAQ, the city-office and the bank corpus
/// (questions and alternative phrasings): ordinary messages.
pub fn corpus_questions() -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let mut rows = Vec::new();
    for path in ["faq-corpus", "corpora/city", "corpora/bank"] {
        let kb = madoguchi::knowledge::load_corpus(path.as_ref())?;
        for e in kb.entries() {
            for q in std::iter::once(&e.question).chain(e.alternatives.iter()) {
                rows.push(Row { text: q.clone(), label: false, strict: false, source: "corpus_questions" });
            }
        }
    }
    Ok(rows)
}

/// Decision cases (`query` or every turn of `turns`) of every `*.jsonl` in
/// `dir`: the last turn of `abuse`/`end` cases is positive, the last turn of
/// every other case negative.
pub fn decision_cases(dir: &str) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut rows = Vec::new();
    for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "jsonl")) {
        let text = std::fs::read_to_string(f)?;
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", f.display(), i + 1))?;
            let turns: Vec<String> = match (v["query"].as_str(), v["turns"].as_array()) {
                (Some(q), _) => vec![q.to_string()],
                (None, Some(t)) => t.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                _ => continue,
            };
            let abuse = matches!(v["expect"].as_str(), Some("abuse" | "end"));
            if abuse {
                if let Some(last) = turns.last() {
                    rows.push(Row { text: last.clone(), label: true, strict: true, source: "decision_cases" });
                }
            } else if let Some(last) = turns.last() {
                // Earlier turns of a multi-turn case may be abuse the case is not about.
                rows.push(Row { text: last.clone(), label: false, strict: false, source: "decision_cases" });
            }
        }
    }
    Ok(rows)
}

/// The queries (every turn) of the `*.jsonl` files in these folders: benign.
pub fn queries(dirs: &[&str]) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let mut rows = Vec::new();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "jsonl")) {
            let text = std::fs::read_to_string(f)?;
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", f.display(), i + 1))?;
                if let Some(q) = v["query"].as_str() {
                    rows.push(Row { text: q.to_string(), label: false, strict: false, source: "queries" });
                }
                for t in v["turns"].as_array().into_iter().flatten().filter_map(|t| t.as_str()) {
                    rows.push(Row { text: t.to_string(), label: false, strict: false, source: "queries" });
                }
            }
        }
    }
    Ok(rows)
}

#[derive(Default, Clone, Copy)]
pub struct Counts {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
    pub tn: u32,
}

impl Counts {
    pub fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    pub fn prf(&self) -> (f64, f64, f64) {
        let ratio = |a: u32, b: u32| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let p = ratio(self.tp, self.tp + self.fp);
        let r = ratio(self.tp, self.tp + self.fn_);
        let f1 = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
        (p, r, f1)
    }

    pub fn line(&self, name: &str) -> String {
        let (p, r, f1) = self.prf();
        format!(
            "{name:<28} pos {:>4} neg {:>4}  TP {:>4} FP {:>4} FN {:>4} TN {:>4}  P {p:.3} R {r:.3} F1 {f1:.3}",
            self.tp + self.fn_,
            self.fp + self.tn,
            self.tp,
            self.fp,
            self.fn_,
            self.tn
        )
    }
}
