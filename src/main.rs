use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "madoguchi", version, about = "Japanese customer-support FAQ engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile UTF-8 IPADIC sources into a Lindera dictionary (used by scripts/setup-dictionary.sh).
    BuildDictionary {
        #[arg(long)]
        source: PathBuf,
        #[arg(long)]
        output: PathBuf,
    },
    /// Show how a text is normalized and tokenized (debugging aid).
    Analyze {
        text: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::BuildDictionary { source, output } => madoguchi::tokenize::build_system_dictionary(&source, &output),
        Command::Analyze { text } => madoguchi::tokenize::Analyzer::new().map(|a| {
            let analysis = a.analyze(&text);
            println!("{}", serde_json::to_string_pretty(&analysis).unwrap_or_default());
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
