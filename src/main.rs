//! The `madoguchi` command-line tool. Run `madoguchi --help`.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use madoguchi::config::Config;
use madoguchi::decide::{Engine, EngineConfig, Reply, ReplyKind, Session};
use madoguchi::insights::{Event, EventSink, JsonlSink, NoopSink};
use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::{Retriever, SearchOptions};
use madoguchi::tokenize::{Analyzer, default_dictionary_dir};
use madoguchi::{Error, Result};

#[derive(Parser)]
#[command(name = "madoguchi", version, about = "Japanese customer-support FAQ engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct CorpusArgs {
    /// FAQ corpus: a directory of .jsonl/.csv/.tsv files (any case; other files are not read) or one file.
    #[arg(long, default_value = "faq-corpus")]
    corpus: PathBuf,
    /// Compiled IPADIC directory (default: dictionaries/ipadic or $MADOGUCHI_DICTIONARY).
    #[arg(long)]
    dictionary: Option<PathBuf>,
    /// Keep the search index in this directory instead of memory.
    #[arg(long)]
    index_dir: Option<PathBuf>,
    /// Decision rules (default: the bundled dictionaries/rules.json).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Urgent-situation model (default: the bundled dictionaries/urgent-model.json; asked behind the gate in the rules file).
    #[arg(long)]
    urgent_model: Option<PathBuf>,
    /// Routes and hours (default: the bundled dictionaries/routes.json).
    #[arg(long)]
    routes: Option<PathBuf>,
    /// Retrieval configuration written by `madoguchi tune` (default: the bundled dictionaries/config.json).
    #[arg(long)]
    config: Option<PathBuf>,
}

impl CorpusArgs {
    fn config(&self) -> Result<Config> {
        match &self.config {
            Some(path) => Config::load(path),
            None => Ok(Config::bundled().clone()),
        }
    }

    /// Checks the decision files given on the command line for commands
    /// that only search (`ask`, `categories`): they do not use them, but a
    /// missing or broken file must not pass unnoticed.
    fn check_decision_files(&self) -> Result<()> {
        if self.rules.is_some() || self.urgent_model.is_some() {
            madoguchi::decide::RuleSet::from_files(self.rules.as_deref(), self.urgent_model.as_deref())?;
        }
        if let Some(path) = &self.routes {
            madoguchi::decide::Calendar::load(path)?;
        }
        self.config().map(drop)
    }

    /// The engine over this corpus, configured by `--config`, `--rules`
    /// and `--routes`.
    fn engine(&self, quiet: bool) -> Result<Engine> {
        let config = self.config()?;
        let mut builder = Engine::builder().config(EngineConfig::from_config(&config));
        if let Some(path) = &self.routes {
            builder = builder.calendar(madoguchi::decide::Calendar::load(path)?);
        }
        builder.build_concurrently(
            || madoguchi::decide::RuleSet::from_files(self.rules.as_deref(), self.urgent_model.as_deref()),
            || retriever(self, quiet),
        )
    }
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Chat interactively with the FAQ (type a question, empty line or Ctrl-D to quit; piped in, blank lines are passed over).
    Chat {
        #[command(flatten)]
        corpus: CorpusArgs,
        /// Print each reply as JSON.
        #[arg(long)]
        json: bool,
        /// Write one masked event per turn to DIR/events-YYYY-MM-DD.jsonl (see `madoguchi report`).
        #[arg(long, value_name = "DIR")]
        events: Option<PathBuf>,
    },
    /// Report on the event log: turns, sessions, resolution, hand-offs, VOC, FAQ use, unanswered topics, harassment.
    Report {
        /// Event files, or directories of events-YYYY-MM-DD.jsonl files (as `serve --events` writes them).
        #[arg(long = "events", required = true, num_args = 1.., value_name = "PATH")]
        events: Vec<PathBuf>,
        /// First day (YYYY-MM-DD, inclusive).
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD, inclusive).
        #[arg(long)]
        to: Option<String>,
        /// Write the HTML report here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Routes file for route names (default: the bundled dictionaries/routes.json).
        #[arg(long)]
        routes: Option<PathBuf>,
        /// FAQ corpus, to show the questions of the entries listed (default: ./faq-corpus when present).
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Distinct unanswered questions kept for grouping into topics (bounds memory).
        #[arg(long, default_value_t = 5000)]
        topic_questions: usize,
    },
    /// Answer one question: the top entries with confidence.
    Ask {
        /// The question.
        question: String,
        #[command(flatten)]
        corpus: CorpusArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Number of entries to return (at least 1).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
        top: u16,
        /// Only entries of this category.
        #[arg(long)]
        category: Option<String>,
    },
    /// Validate a corpus and the dictionaries; report every problem.
    Check {
        #[command(flatten)]
        corpus: CorpusArgs,
    },
    /// List categories, or the entries of one category.
    Categories {
        /// Show the entries of this category.
        category: Option<String>,
        #[command(flatten)]
        corpus: CorpusArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate on labelled cases (JSONL): ranking metrics, decision accuracy, latency.
    Eval {
        #[command(flatten)]
        corpus: CorpusArgs,
        /// Cases file (one JSON case per line, see `madoguchi::eval`) or a directory of them.
        #[arg(long)]
        cases: PathBuf,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// Message time for cases without `at` (RFC 3339; default: now).
        #[arg(long)]
        at: Option<String>,
        /// Leave out the list of failed cases (for test sets: report figures, don't read failures).
        #[arg(long)]
        no_failures: bool,
    },
    /// Fit ranking weights, the confidence model and thresholds to labelled queries (cross-validated); write a --config file.
    Tune {
        /// FAQ corpus; repeat with one --cases per corpus to tune across several.
        #[arg(long = "corpus", required = true)]
        corpora: Vec<PathBuf>,
        /// Labelled cases (file or directory) for the --corpus at the same position.
        #[arg(long = "cases", required = true)]
        cases: Vec<PathBuf>,
        /// Compiled IPADIC directory (default: dictionaries/ipadic or $MADOGUCHI_DICTIONARY).
        #[arg(long)]
        dictionary: Option<PathBuf>,
        /// Cross-validation folds.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Share of direct answers that must be right (on held-out folds) when choosing the answer threshold.
        #[arg(long, default_value_t = 0.9)]
        target_precision: f64,
        /// Draws of small FAQs per corpus (each draw one FAQ of 15 and one of 40 entries, chosen by a fixed hash; a
        /// corpus no bigger gets none), with its queries relabelled, for the answer model and threshold: so that a
        /// small FAQ's one entry on a topic is not taken for a sure answer. 0: none.
        #[arg(long, default_value_t = madoguchi::tune::SmallFaqs::default().draws)]
        small_faq_draws: usize,
        /// Write the configuration here (JSON, for --config).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show how a text is normalized and tokenized (debugging aid).
    Analyze {
        /// The text.
        text: String,
        /// Compiled IPADIC directory (default: dictionaries/ipadic or $MADOGUCHI_DICTIONARY)
        #[arg(long)]
        dictionary: Option<PathBuf>,
    },
    /// Compile UTF-8 IPADIC sources into a Lindera dictionary (used by scripts/setup-dictionary.sh).
    BuildDictionary {
        /// Directory of UTF-8 *.csv and *.def files.
        #[arg(long)]
        source: PathBuf,
        /// Output directory.
        #[arg(long)]
        output: PathBuf,
    },
    /// Serve the HTTP JSON API and the web chat widget (see openapi.yaml).
    #[cfg(feature = "serve")]
    Serve(madoguchi::serve::ServeArgs),
}

fn analyzer(args: &CorpusArgs) -> Result<Analyzer> {
    analyzer_in(args.dictionary.clone())
}

/// The analyzer on `--dictionary`, or on the default dictionary directory.
fn analyzer_in(dictionary: Option<PathBuf>) -> Result<Analyzer> {
    Analyzer::builder().dictionary_dir(dictionary.unwrap_or_else(default_dictionary_dir)).build()
}

/// Loads the corpus and builds the index, with progress on stderr for large corpora.
fn retriever(args: &CorpusArgs, quiet: bool) -> Result<Retriever> {
    let started = Instant::now();
    let analyzer = analyzer(args)?;
    let kb = load_corpus(&args.corpus)?;
    let total = kb.len();
    let mut builder = Retriever::builder().analyzer(analyzer).config(&args.config()?);
    if let Some(dir) = &args.index_dir {
        builder = builder.on_disk(dir);
    }
    // On a terminal one line that updates; in a log one line per step.
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if !quiet && total >= 2000 {
        builder = builder.progress(move |done, total| {
            if tty {
                eprint!("\rindexing {done}/{total} entries");
            } else {
                eprintln!("indexing {done}/{total} entries");
            }
        });
    }
    let r = builder.build(kb)?;
    if !quiet {
        if total >= 2000 && tty {
            eprintln!();
        }
        eprintln!("loaded {total} entries from {} in {:.2?}", args.corpus.display(), started.elapsed());
    }
    Ok(r)
}

/// The engine with the rules and routes of `args`, checked against each other.
fn ask(question: &str, args: &CorpusArgs, json: bool, top: usize, category: Option<String>) -> Result<()> {
    args.check_decision_files()?;
    let r = retriever(args, json)?;
    // An unknown category is an error, as for `categories`, not an empty
    // result that looks like "nothing fits".
    if let Some(c) = &category
        && !r.knowledge_base().category_names().any(|n| n == c)
    {
        let names: Vec<&str> = r.knowledge_base().category_names().collect();
        return Err(Error::InvalidInput(format!("no category {c:?} (the corpus has: {})", names.join(", "))));
    }
    let result = r.search(question, &SearchOptions { top_k: top, category });
    if json {
        let hits: Vec<serde_json::Value> = result
            .hits
            .iter()
            .map(|h| {
                let e = r.entry(&h.id);
                serde_json::json!({
                    "rank": h.rank, "id": h.id, "score": h.score, "confidence": h.confidence, "features": h.features,
                    "category": e.and_then(|e| e.category.clone()),
                    "question": e.map(|e| e.question.clone()),
                })
            })
            .collect();
        let out = serde_json::json!({
            "query": result.query, "normalized": result.normalized, "terms": result.terms,
            "synonyms": result.synonyms, "margin": result.margin,
            "choices_confidence": result.choices_confidence, "hits": hits,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        print_hits(&r, &result);
    }
    Ok(())
}

fn print_hits(r: &Retriever, result: &madoguchi::retrieve::SearchResult) {
    if result.hits.is_empty() {
        println!("(該当するFAQが見つかりませんでした)");
    }
    for h in &result.hits {
        let q = r.entry(&h.id).map(|e| e.question.as_str()).unwrap_or("");
        println!("{:>2}. [{}] {}  (確信度 {:.2}, score {:.2})", h.rank, h.id, q, h.confidence, h.score);
    }
}

fn chat(args: &CorpusArgs, json: bool, events: Option<&std::path::Path>) -> Result<()> {
    let engine = args.engine(false)?;
    let sink: Box<dyn EventSink> = match events {
        Some(dir) => Box::new(JsonlSink::new(dir).map_err(|e| Error::InvalidInput(format!("--events: {e}")))?),
        None => Box::new(NoopSink),
    };
    // A fresh id per run, so two runs are two sessions in the report.
    let id = format!("cli-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default());
    let mut session = Session::new(id).with_channel("cli");
    // With --json, stdout carries only the replies (one JSON value each);
    // the greeting and the prompt go to stderr.
    let say = |text: &str, newline: bool| {
        let out: &mut dyn Write = if json { &mut std::io::stderr() } else { &mut std::io::stdout() };
        let _ = if newline { writeln!(out, "{text}") } else { write!(out, "{text}") };
        let _ = out.flush();
    };
    // The greeting of the rules file's messages (the operator's words, not
    // the bundled brand's).
    // Typed at a terminal, an empty line ends the chat; piped in, only the
    // end of the input does (blank lines are passed over).
    let typed = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let how_to_end = if typed { "（空行または Ctrl-D で終了）" } else { "" };
    say(&format!("{}{how_to_end}", engine.rules().messages().greeting), true);
    let stdin = std::io::stdin();
    let mut bytes = Vec::new();
    let mut said_not_utf8 = false;
    loop {
        say("> ", false);
        bytes.clear();
        // The terminal went away: say so, not a silent end. A line that is
        // not UTF-8 is still a turn (the engine answers what it cannot read
        // with a fallback), not the end of the chat.
        if let Err(e) = stdin.lock().read_until(b'\n', &mut bytes) {
            return Err(Error::InvalidInput(format!("stdin: {e}")));
        }
        let line = String::from_utf8_lossy(&bytes);
        // Lossy decoding copies only when some bytes were not UTF-8.
        if !said_not_utf8 && matches!(line, std::borrow::Cow::Owned(_)) {
            eprintln!("note: input that is not UTF-8 (a Shift_JIS terminal?) is read with those bytes replaced");
            said_not_utf8 = true;
        }
        // The end: Ctrl-D (or the end of piped input), or an empty line
        // typed at a terminal. Piped in, a blank line is no end (the lines
        // after it would be lost), and a line of spaces alone (a full-width
        // 「　」 typed by mistake) is no end anywhere: both are passed over.
        if bytes.is_empty() || (typed && line.trim_end_matches(['\n', '\r']).is_empty()) {
            say("ご利用ありがとうございました。", true);
            return Ok(());
        }
        if line.trim().is_empty() {
            continue;
        }
        let at = chrono::Utc::now().with_timezone(&engine.calendar().offset());
        let reply = engine.respond_at(&mut session, line.trim_end_matches(['\n', '\r']), at);
        if let Err(e) = sink.record(&Event::turn(&session, &reply, at)) {
            eprintln!("warning: event not written: {e}");
        }
        if json {
            println!("{}", serde_json::to_string_pretty(&reply).unwrap_or_default());
        } else {
            print_reply(&reply);
        }
        if reply.kind == ReplyKind::End {
            return Ok(());
        }
    }
}

fn print_reply(reply: &Reply) {
    match (&reply.kind, &reply.answer) {
        (ReplyKind::Answer, Some(a)) => {
            println!("【{}】(確信度 {:.2})\n{}", a.question, a.confidence, a.answer);
            for c in &a.cautions {
                println!("※ {c}");
            }
            for l in &a.links {
                println!("→ {}: {}", l.title, l.url);
            }
            if !reply.related.is_empty() {
                let rel: Vec<&str> = reply.related.iter().map(|c| c.question.as_str()).collect();
                println!("関連: {}", rel.join(" / "));
            }
        }
        _ => println!("{}", reply.message),
    }
    if !reply.suggestions.is_empty() {
        println!("カテゴリ: {}", reply.suggestions.join(" / "));
    }
    if let Some(h) = &reply.handoff {
        println!("[hand-off: {} / 優先度 {:?}]", h.reason.as_str(), h.priority);
    }
}

fn eval(args: &CorpusArgs, cases_path: &std::path::Path, json: bool, at: Option<&str>, no_failures: bool) -> Result<()> {
    let (cases, bad) = madoguchi::eval::load_cases(cases_path)?;
    for (_, msg) in &bad {
        eprintln!("{msg} (skipped)");
    }
    // Figures over no case would read as a pass.
    if cases.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: no usable cases ({} bad line(s), listed above)",
            cases_path.display(),
            bad.len()
        )));
    }
    let default_at = match at {
        Some(a) => chrono::DateTime::parse_from_rfc3339(a).map_err(|e| Error::InvalidInput(format!("--at {a:?}: {e}")))?,
        None => chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("valid offset")),
    };
    let engine = args.engine(json)?;
    let mut report = madoguchi::eval::run(&engine, &cases, bad, default_at, |done, total| {
        if total >= 500 && (done % 500 == 0 || done == total) {
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                eprint!("\revaluated {done}/{total} cases");
                if done == total {
                    eprintln!();
                }
            } else {
                eprintln!("evaluated {done}/{total} cases");
            }
        }
    });
    if no_failures {
        report.failed.clear();
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print!("{}", report.to_table());
    }
    Ok(())
}

/// Fewer labelled queries with a relevant entry than this per corpus are
/// too few for `tune` to fit on (it warns).
const FEW_CASES: usize = 100;

#[allow(clippy::too_many_arguments)]
fn tune(
    corpora: &[PathBuf],
    cases: &[PathBuf],
    dictionary: Option<PathBuf>,
    folds: usize,
    target_precision: f64,
    small: madoguchi::tune::SmallFaqs,
    out: Option<&std::path::Path>,
    json: bool,
) -> Result<()> {
    if corpora.len() != cases.len() {
        return Err(Error::InvalidInput(format!(
            "give one --cases per --corpus ({} corpora, {} cases)",
            corpora.len(),
            cases.len()
        )));
    }
    if folds < 2 {
        return Err(Error::InvalidInput("--folds must be at least 2".into()));
    }
    if !(0.0..=1.0).contains(&target_precision) {
        return Err(Error::InvalidInput("--target-precision must be in [0, 1]".into()));
    }
    // Where the configuration goes is checked before the work, not after.
    if let Some(path) = out {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        if !dir.is_dir() {
            return Err(Error::InvalidInput(format!("--out {}: the directory {} does not exist", path.display(), dir.display())));
        }
    }
    let analyzer = analyzer_in(dictionary)?;
    let opts = madoguchi::tune::TuneOptions { folds, target_precision, small, ..Default::default() };
    let mut sets = Vec::new();
    for (corpus, cases) in corpora.iter().zip(cases) {
        let kb = load_corpus(corpus)?;
        let retriever = Retriever::builder().analyzer(analyzer.clone()).params(opts.start).build(kb)?;
        let name = format!("{} ({})", corpus.display(), cases.display());
        let set = madoguchi::tune::TuneSet::new(name, retriever, cases, folds)?;
        let (n, answerable) = set.counts();
        eprintln!("loaded {}: {n} queries, {answerable} with a relevant entry", set.name());
        if answerable < FEW_CASES {
            eprintln!(
                "warning: {answerable} queries with a relevant entry in {}: too few to fit on (a few hundred per corpus); \
                 the bundled configuration, fitted on three corpora, is likely the better choice",
                set.name()
            );
        }
        sets.push(set);
    }
    let report = madoguchi::tune::tune(&sets, &opts, |line| eprintln!("{line}"))?;
    if let Some(path) = out {
        std::fs::write(path, report.config.to_json() + "\n").map_err(|source| Error::Io { path: path.into(), source })?;
        eprintln!("wrote {}", path.display());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print!("{}", report.to_table());
    }
    Ok(())
}

fn check(args: &CorpusArgs) -> Result<()> {
    let mut problems = Vec::new();
    match analyzer(args) {
        Ok(_) => println!("ok: dictionaries (system, user dictionary, synonyms)"),
        Err(e) => problems.push(e),
    }
    let mut categories: Option<Vec<String>> = None;
    let mut corpus = None;
    match load_corpus(&args.corpus) {
        Ok(kb) => {
            let cats = kb.categories().len();
            println!(
                "ok: {} {} in {cats} {} from {}",
                kb.len(),
                if kb.len() == 1 { "entry" } else { "entries" },
                if cats == 1 { "category" } else { "categories" },
                args.corpus.display()
            );
            for p in madoguchi::knowledge::skipped_files(&args.corpus) {
                let what = if p.is_dir() {
                    "a directory: not read"
                } else if !p.is_file() {
                    "not a readable file: not read"
                } else {
                    "not .jsonl, .csv or .tsv: not read"
                };
                println!("note: {} is {what}", p.display());
            }
            categories = Some(kb.categories().into_iter().map(|c| c.name).collect());
            corpus = Some(kb);
        }
        Err(e) => problems.push(e),
    }
    let rules = madoguchi::decide::RuleSet::from_files(args.rules.as_deref(), args.urgent_model.as_deref());
    let routes = match &args.routes {
        Some(p) => madoguchi::decide::Calendar::load(p),
        None => madoguchi::decide::Calendar::bundled(),
    };
    let label = |p: &Option<PathBuf>, d: &str| p.as_ref().map_or(d.to_string(), |p| p.display().to_string());
    match (rules, routes) {
        (Ok(rules), Ok(routes)) => {
            // Hours an answer tells otherwise than the route it names: a
            // warning, not a failure (the answers are read by a heuristic).
            for m in corpus.as_ref().map(|kb| madoguchi::decide::validate::hours_mismatches(kb, &routes)).unwrap_or_default() {
                println!(
                    "warning: entry {} gives {} for route `{}`, but {} has {}",
                    m.entry,
                    m.said,
                    m.route,
                    label(&args.routes, "dictionaries/routes.json"),
                    m.hours.join(", ")
                );
            }
            if let Some(kb) = &corpus {
                // Answers are plain text: a CMS's markup is shown as written
                // and its tag names are searched like words.
                let markup = regex::Regex::new(r"(?i)</?(?:br|p|a|div|span|b|strong|em|img|ul|ol|li|table|tr|td|h[1-6])\b[^>]*>")
                    .expect("a valid pattern");
                let marked: Vec<&str> =
                    kb.entries().iter().filter(|e| markup.is_match(&e.answer)).map(|e| e.id.as_str()).collect();
                if let Some(first) = marked.first() {
                    println!(
                        "warning: {} answer(s) contain HTML tags (the first in entry {first}); answers are plain text: the chat \
                         shows the tags as written and searches their names as words (convert them to text and line breaks)",
                        marked.len()
                    );
                }
                // Two entries asking the same question: a customer offered both
                // cannot tell them apart.
                let mut by_question: std::collections::BTreeMap<String, Vec<&madoguchi::knowledge::FaqEntry>> =
                    Default::default();
                for e in kb.entries() {
                    by_question.entry(madoguchi::retrieve::verbatim_key(&e.question)).or_default().push(e);
                }
                for same in by_question.values().filter(|same| same.len() > 1) {
                    let ids: Vec<&str> = same.iter().map(|e| e.id.as_str()).collect();
                    println!(
                        "warning: entries {} ask the same question ({}): a list of choices would show it twice; \
                         reword them to say what differs (the service, the case)",
                        ids.join(", "),
                        same[0].question
                    );
                }
            }
            let config = madoguchi::decide::EngineConfig::default().with_roles(&routes.roles);
            // The bundled routes are the demo's desks: with any corpus but
            // the demo's (even one that reuses its category names) the
            // advice is to write a routes file, not to change the corpus.
            let demo_routes = args.routes.is_none();
            // Known by its content, not its path (an operator's own FAQ may
            // sit in ./faq-corpus, the default): the demo's first entry of
            // each product, and the categories its routes name.
            let demo_corpus = corpus.as_ref().is_some_and(|kb: &madoguchi::knowledge::KnowledgeBase| {
                ["card-001", "mobile-001", "shop-001"].iter().all(|id| kb.get(id).is_some())
                    && categories.as_ref().is_some_and(|cats| routes.phone.by_category.keys().all(|c| cats.contains(c)))
            });
            if demo_routes && !demo_corpus && let Some(cats) = &categories {
                let foreign: Vec<&str> =
                    routes.phone.by_category.keys().filter(|c| !cats.contains(c)).map(String::as_str).collect();
                let why = if foreign.is_empty() {
                    String::new()
                } else {
                    format!(", and its phone.by_category names categories this corpus does not have ({})", foreign.join(", "))
                };
                println!(
                    "warning: the bundled dictionaries/routes.json is the demo's (まどか's desks and 0120-000-… \
                     numbers){why}; every hand-off would name the demo's desks: write a routes file for your own desks \
                     and hours and pass it with --routes (README, Routes and hours)"
                );
            }
            let held_to = if demo_routes { None } else { categories.as_deref() };
            match madoguchi::decide::validate::validate(&rules, &routes, &label(&args.routes, "dictionaries/routes.json"), &config, held_to) {
                Ok(()) => {
                    // A file of messages alone is laid over the bundled rules:
                    // say whose rules are counted.
                    let overlay = args.rules.as_deref().filter(|p| madoguchi::decide::RuleSet::only_words(p));
                    let from = match overlay {
                        Some(p) => format!("dictionaries/rules.json with the words of {}", p.display()),
                        None => label(&args.rules, "dictionaries/rules.json"),
                    };
                    println!(
                        "ok: {} rules and {} small-talk words from {from}, routes from {}",
                        rules.len(),
                        rules.smalltalk_words().len(),
                        label(&args.routes, "dictionaries/routes.json")
                    );
                    if let Some(path) = overlay {
                        println!("note: {} has no rules of its own: it is laid over the bundled rules", path.display());
                    }
                    if rules.smalltalk_words().is_empty() {
                        println!(
                            "note: {} lists no smalltalk words: 「ありがとう」 or 「はい」 will be searched like questions \
                             and count toward the unresolved hand-off (see the smalltalk section of the bundled dictionaries/rules.json)",
                            label(&args.rules, "dictionaries/rules.json")
                        );
                    }
                }
                Err(e) => problems.push(e),
            }
        }
        (r, c) => problems.extend(r.err().into_iter().chain(c.err())),
    }
    match Error::from_problems(problems) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn categories(category: Option<String>, args: &CorpusArgs, json: bool) -> Result<()> {
    args.check_decision_files()?;
    let kb = load_corpus(&args.corpus)?;
    match (category, json) {
        (None, true) => println!("{}", serde_json::to_string_pretty(&kb.categories()).unwrap_or_default()),
        (None, false) => {
            for c in kb.categories() {
                let subs: Vec<String> = c.subcategories.iter().map(|(s, n)| format!("{s}({n})")).collect();
                match subs.is_empty() {
                    true => println!("{} ({})", c.name, c.entries),
                    false => println!("{} ({}): {}", c.name, c.entries, subs.join(" ")),
                }
            }
        }
        (Some(c), json) => {
            let entries = kb.browse(&c, None);
            if entries.is_empty() {
                return Err(Error::InvalidInput(format!("no category {c:?}")));
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&entries).unwrap_or_default());
            } else {
                for e in entries {
                    println!("[{}] {} / {}", e.id, e.subcategory.as_deref().unwrap_or("-"), e.question);
                }
            }
        }
    }
    Ok(())
}

fn parse_day(flag: &str, value: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    value
        .map(|v| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|e| Error::InvalidInput(format!("{flag} {v:?}: expected YYYY-MM-DD ({e})")))
        })
        .transpose()
}

#[allow(clippy::too_many_arguments)]
fn report(
    events: &[PathBuf],
    from: Option<&str>,
    to: Option<&str>,
    out: Option<&std::path::Path>,
    json: bool,
    routes: Option<&std::path::Path>,
    corpus: Option<&std::path::Path>,
    topic_questions: usize,
) -> Result<()> {
    use madoguchi::insights::report;
    if out.is_none() && !json {
        return Err(Error::InvalidInput("give --out report.html and/or --json".into()));
    }
    let calendar = match routes {
        Some(p) => madoguchi::decide::Calendar::load(p)?,
        None => madoguchi::decide::Calendar::bundled()?,
    };
    let options = report::ReportOptions {
        from: parse_day("--from", from)?,
        to: parse_day("--to", to)?,
        topic_questions: topic_questions.max(1),
        route_names: calendar.routes.iter().map(|r| (r.id.clone(), r.name.clone())).collect(),
        entry_questions: match corpus.map(PathBuf::from).or_else(|| Some(PathBuf::from("faq-corpus")).filter(|p| p.exists())) {
            Some(path) => load_corpus(&path)?.entries().iter().map(|e| (e.id.clone(), e.question.clone())).collect(),
            None => Default::default(),
        },
        ..Default::default()
    };
    let started = Instant::now();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let built = report::build(events, &options, |p| {
        let pct = if p.total_bytes == 0 { 100.0 } else { p.bytes as f64 * 100.0 / p.total_bytes as f64 };
        // On a terminal one line that updates; in a log one line per step.
        let end = if tty { "\r" } else { "\n" };
        eprint!("report: {} lines read ({pct:.0} %){end}", p.lines);
    })
    .map_err(|e| Error::InvalidInput(e.to_string()))?;
    if tty {
        eprintln!();
    }
    let i = &built.input;
    eprintln!(
        "report: {} events from {} files in {:.2?} ({} bad lines, {} outside the dates)",
        i.events,
        i.files,
        started.elapsed(),
        i.bad_lines,
        i.out_of_range
    );
    for b in &i.bad_examples {
        eprintln!("  bad line: {b}");
    }
    if let Some(path) = out {
        std::fs::write(path, report::html::render(&built)).map_err(|source| Error::Io { path: path.into(), source })?;
        eprintln!("report: wrote {}", path.display());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&built).unwrap_or_default());
    }
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Chat { corpus, json, events } => chat(&corpus, json, events.as_deref()),
        Command::Report { events, from, to, out, json, routes, corpus, topic_questions } => report(
            &events,
            from.as_deref(),
            to.as_deref(),
            out.as_deref(),
            json,
            routes.as_deref(),
            corpus.as_deref(),
            topic_questions,
        ),
        Command::Ask { question, corpus, json, top, category } => ask(&question, &corpus, json, top.into(), category),
        Command::Check { corpus } => check(&corpus),
        Command::Eval { corpus, cases, json, at, no_failures } => eval(&corpus, &cases, json, at.as_deref(), no_failures),
        Command::Categories { category, corpus, json } => categories(category, &corpus, json),
        Command::Tune { corpora, cases, dictionary, folds, target_precision, small_faq_draws, out, json } => {
            let small = madoguchi::tune::SmallFaqs { draws: small_faq_draws, ..Default::default() };
            tune(&corpora, &cases, dictionary, folds, target_precision, small, out.as_deref(), json)
        }
        Command::Analyze { text, dictionary } => analyzer_in(dictionary).map(|a| {
            println!("{}", serde_json::to_string_pretty(&a.analyze(&text)).unwrap_or_default());
        }),
        Command::BuildDictionary { source, output } => {
            madoguchi::tokenize::build_system_dictionary(&source, &output)
        }
        #[cfg(feature = "serve")]
        Command::Serve(args) => madoguchi::serve::run(args),
    }
}

fn main() -> ExitCode {
    return_large_frees_to_the_os();
    let cli = Cli::parse();
    #[cfg(feature = "serve")]
    let serving = matches!(cli.command, Command::Serve(_));
    #[cfg(not(feature = "serve"))]
    let serving = false;
    if !serving {
        stop_quietly_on_a_closed_pipe();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `madoguchi ask … | head -1` ends quietly when `head` goes away, as Unix
/// tools do. Rust ignores SIGPIPE, so the next write fails and `println!`
/// panics (exit 101, a backtrace). Not for `serve`: a client that hangs up
/// must never stop the server.
fn stop_quietly_on_a_closed_pipe() {
    #[cfg(target_os = "linux")]
    {
        // signal(2); SIGPIPE and SIG_DFL as Linux defines them.
        unsafe extern "C" {
            fn signal(signum: i32, handler: usize) -> usize;
        }
        const SIGPIPE: i32 = 13;
        const SIG_DFL: usize = 0;
        // SAFETY: restores the default action of one signal at start-up,
        // before any thread exists; no handler code runs.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
}

/// Allocations of 128 KiB and more get their own mapping, returned to the
/// system when freed. glibc raises that threshold whenever such a block is
/// freed, so the index build's growing posting lists would otherwise end up
/// in the heap and stay there after the build: a 10k corpus kept about
/// 19 MiB it no longer used (malloc_trim showed it), and the peak RSS of
/// `madoguchi ask` on the 10k synthetic corpus was 120,008 kB instead of
/// 116,616–116,860 kB (`/usr/bin/time -v`). Only the command-line program sets this; the
/// library leaves the allocator of its host alone.
fn return_large_frees_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's mallopt and M_MMAP_THRESHOLD (malloc.h).
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_MMAP_THRESHOLD: i32 = -3;
        // SAFETY: mallopt only sets an allocator parameter; called first
        // thing in main, before any other thread exists.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        }
    }
}
