//! The `wargame` command line: serve | validate | simulate | replay | export.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "wargame",
    version,
    about = "Facilitate tabletop policy wargames"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (HTTP + WebSocket + the web consoles).
    Serve {
        #[arg(long, env = "WARGAME_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        #[arg(long, env = "WARGAME_DB", default_value = "wargame.db")]
        db: PathBuf,
        #[arg(long, env = "WARGAME_SCENARIOS", default_value = "scenarios")]
        scenarios: PathBuf,
    },
    /// Check scenario files; one line per problem.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Play many sessions with random legal choices and print a JSON summary.
    Simulate {
        #[arg(long)]
        scenario: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 8)]
        turns: u32,
        #[arg(long, default_value_t = 100)]
        runs: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Serve { .. } => {
            eprintln!("the server is not built yet");
            ExitCode::FAILURE
        }
        Cmd::Validate { files } => validate(&files),
        Cmd::Simulate {
            scenario,
            seed,
            turns,
            runs,
        } => match wargame::scenario::load_file(&scenario) {
            Ok((s, _)) => {
                let summary = wargame::engine::simulate(Arc::new(s), seed, turns, runs);
                match serde_json::to_string_pretty(&summary) {
                    Ok(text) => {
                        println!("{text}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("cannot write the summary: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            Err(problems) => {
                for p in problems {
                    eprintln!("{p}");
                }
                ExitCode::FAILURE
            }
        },
    }
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut bad = 0;
    for f in files {
        match wargame::scenario::load_file(f) {
            Ok((s, _)) => {
                let options: usize = s.teams.iter().map(|t| t.options.len()).sum();
                println!(
                    "{}: ok ({} teams, {} options, {} events, {} scripted injects)",
                    f.display(),
                    s.teams.len(),
                    options,
                    s.events.len(),
                    s.script.len()
                );
            }
            Err(problems) => {
                bad += 1;
                for p in problems {
                    println!("{p}");
                }
            }
        }
    }
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
