//! The `wargame` command line: serve | validate | simulate | replay | export | series |
//! fork.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use wargame::store::StoredSession;

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
        /// Ask for this password (header `X-Host-Password`) before creating or
        /// forking a session. Unset: anyone who reaches the server may.
        #[arg(long, env = "WARGAME_HOST_PASSWORD", hide_env_values = true)]
        host_password: Option<String>,
        /// Sessions one address may create (or fork) per window; 0: no limit.
        #[arg(long, env = "WARGAME_SESSIONS_PER_ADDRESS", default_value_t = wargame::server::DEFAULT_SESSIONS_PER_ADDRESS)]
        sessions_per_address: u32,
        /// The window of --sessions-per-address, in seconds.
        #[arg(long, env = "WARGAME_SESSION_WINDOW", default_value_t = wargame::server::DEFAULT_SESSION_WINDOW.as_secs())]
        session_window: u64,
        /// Seats (players and observers) one session takes; 0: no limit.
        #[arg(long, env = "WARGAME_PLAYERS_PER_SESSION", default_value_t = wargame::server::DEFAULT_PLAYERS_PER_SESSION)]
        players_per_session: u32,
    },
    /// Check scenario files; one line per problem.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Play many sessions by a policy (random legal choices, or doctrines) and print
    /// a JSON summary.
    Simulate {
        #[arg(long)]
        scenario: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 8)]
        turns: u32,
        #[arg(long, default_value_t = 100)]
        runs: u32,
        /// A catalog event fired at the start of a turn in every run: EVENT@TURN
        /// (repeatable, or comma-separated).
        #[arg(long)]
        inject: Vec<String>,
        /// How teams choose: random, doctrine (each team its first doctrine), or
        /// doctrine:TEAM=DOCTRINE,...
        #[arg(long, default_value = "random")]
        policy: String,
    },
    /// Re-derive a session from its stored events and print its state hash.
    Replay {
        #[arg(long, env = "WARGAME_DB", default_value = "wargame.db")]
        db: PathBuf,
        #[arg(long)]
        session: String,
    },
    /// Restart a session from the briefing of one of its turns, as a new session
    /// (players rejoin with its join code); prints its id, join code and facilitator
    /// token as JSON. A server running on the database sees it after a restart.
    Fork {
        #[arg(long, env = "WARGAME_DB", default_value = "wargame.db")]
        db: PathBuf,
        #[arg(long)]
        session: String,
        #[arg(long)]
        turn: u32,
        /// The new session's title (default: the source's).
        #[arg(long)]
        title: Option<String>,
    },
    /// Write a session's after-action report (json, markdown, html, csv or xlsx).
    Export {
        #[arg(long, env = "WARGAME_DB", default_value = "wargame.db")]
        db: PathBuf,
        #[arg(long)]
        session: String,
        #[arg(long, default_value = "json")]
        format: String,
        /// Replace player names with team and seat number.
        #[arg(long)]
        anonymize: bool,
        /// The CSV's table: choices (the default), messages, plan or debrief.
        #[arg(long)]
        table: Option<String>,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare sessions of one scenario side by side (html, json, csv or markdown),
    /// with simulated baselines beside the human games. Anonymous unless --names.
    Series {
        #[arg(long, env = "WARGAME_DB", default_value = "wargame.db")]
        db: PathBuf,
        /// Every started session of this scenario id (its newest version).
        #[arg(long)]
        scenario: Option<String>,
        /// Exactly these sessions (comma-separated ids), of one scenario version.
        #[arg(long)]
        sessions: Option<String>,
        #[arg(long, default_value = "html")]
        format: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include player names (left out by default).
        #[arg(long)]
        names: bool,
        /// Games per simulated baseline (0: no baselines).
        #[arg(long, default_value_t = wargame::series::DEFAULT_RUNS)]
        runs: u32,
        /// The simulated baselines' seed.
        #[arg(long, default_value_t = wargame::series::DEFAULT_SEED)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Serve {
            addr,
            db,
            scenarios,
            host_password,
            sessions_per_address,
            session_window,
            players_per_session,
        } => {
            // Hashed here, once; the plaintext goes no further.
            let host_password = match host_password {
                None => None,
                Some(plain) => match wargame::server::HostPassword::new(&plain) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                },
            };
            serve(wargame::server::Config {
                addr,
                db,
                scenarios,
                host_password,
                sessions_per_address,
                session_window: std::time::Duration::from_secs(session_window),
                players_per_session,
                ..Default::default()
            })
        }
        Cmd::Fork {
            db,
            session,
            turn,
            title,
        } => report(fork(&db, &session, turn, title.as_deref())),
        Cmd::Replay { db, session } => report(replay(&db, &session)),
        Cmd::Export {
            db,
            session,
            format,
            anonymize,
            table,
            out,
        } => report(export(
            &db,
            &session,
            &format,
            anonymize,
            table.as_deref(),
            out.as_deref(),
        )),
        Cmd::Series {
            db,
            scenario,
            sessions,
            format,
            out,
            names,
            runs,
            seed,
        } => report(series(
            &db,
            scenario,
            sessions,
            &format,
            out.as_deref(),
            wargame::series::Options { names, runs, seed },
        )),
        Cmd::Validate { files } => validate(&files),
        Cmd::Simulate {
            scenario,
            seed,
            turns,
            runs,
            inject,
            policy,
        } => match wargame::scenario::load_file(&scenario) {
            Ok((s, _)) => {
                let inject = match wargame::engine::parse_injects(&s, &inject, turns) {
                    Ok(i) => i,
                    Err(e) => {
                        eprintln!("{}: {e}", scenario.display());
                        return ExitCode::FAILURE;
                    }
                };
                let policy_spec = policy.trim().to_string();
                let policy = match wargame::engine::Policy::parse(&s, &policy_spec) {
                    Ok(p) => p,
                    Err(e) => {
                        eprintln!("{}: {e}", scenario.display());
                        return ExitCode::FAILURE;
                    }
                };
                let opts = wargame::engine::SimOptions {
                    inject,
                    policy,
                    policy_spec: Some(policy_spec),
                };
                let summary = wargame::engine::simulate_with(Arc::new(s), seed, turns, runs, &opts)
                    .map_err(|e| e.to_string())
                    .and_then(|s| serde_json::to_string_pretty(&s).map_err(|e| e.to_string()));
                match summary {
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
                    eprintln!("{}", one_line(&p.to_string()));
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
                    println!("{}", one_line(&p.to_string()));
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

/// One problem, one line: line breaks, tabs and other control characters (an id
/// or key in the file may hold any of them), and the Unicode characters that break
/// or reorder a line on screen, are written as escapes (`\n`, `\u{1b}`), so a
/// terminal shows the text as it is in the file and a script can count lines.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

fn report(r: anyhow::Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: wargame::server::Config) -> ExitCode {
    use std::io::IsTerminal;
    // The log goes to standard output; colours only when a person is watching it,
    // never as escape codes in a file or a pipe.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let result = actix_web::rt::System::new().block_on(async move {
        let app = wargame::server::Application::build(config.clone()).await?;
        tracing::info!(
            "wargame serving on http://{} (database {}, scenarios {})",
            config.addr.replace(":0", &format!(":{}", app.port())),
            config.db.display(),
            config.scenarios.display()
        );
        println!(
            "wargame: open http://{}/ in a browser",
            local_url(&config.addr, app.port())
        );
        app.run_until_stopped(true).await?;
        anyhow::Ok(())
    });
    report(result)
}

fn local_url(addr: &str, port: u16) -> String {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let host = if host == "0.0.0.0" || host.is_empty() {
        "127.0.0.1"
    } else {
        host
    };
    format!("{host}:{port}")
}

/// The stored session, read as the server reads it.
fn open_session(db: &std::path::Path, session: &str) -> anyhow::Result<StoredSession> {
    if !db.exists() {
        anyhow::bail!("no database at {}", db.display());
    }
    let store = wargame::store::Store::open(db)?;
    let stored = StoredSession::load(&store, session);
    store.close();
    stored.map_err(|e| anyhow::anyhow!("session {session}: {e}"))
}

fn replay(db: &std::path::Path, session: &str) -> anyhow::Result<()> {
    let StoredSession {
        row,
        scenario,
        events,
    } = open_session(db, session)?;
    let (state, checked) = wargame::engine::replay_checked(scenario, &events, row.hash_seq);
    let Some(checked) = checked? else {
        anyhow::bail!(
            "the stored state hash is for event {}, but the session has {} events",
            row.hash_seq,
            events.len()
        );
    };
    if checked != row.state_hash {
        anyhow::bail!(
            "replayed state hash {checked} after event {} differs from the stored {}",
            row.hash_seq,
            row.state_hash
        );
    }
    // The hash of the state as it stands now, for comparing two copies of a session.
    println!("{}", state.hash()?);
    eprintln!(
        "ok: {} events, state hash checked after event {}, turn {}, phase {}",
        events.len(),
        row.hash_seq,
        state.turn,
        state.phase
    );
    Ok(())
}

/// `wargame fork`: the new session is stored as the server would store it.
fn fork(db: &std::path::Path, session: &str, turn: u32, title: Option<&str>) -> anyhow::Result<()> {
    use wargame::server::{JoinCode, SessionId, Token};
    let title = title.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = title
        && t.chars().count() > wargame::engine::MAX_TITLE
    {
        anyhow::bail!(
            "the title is longer than {} characters",
            wargame::engine::MAX_TITLE
        );
    }
    let StoredSession {
        row,
        scenario,
        events,
    } = open_session(db, session)?;
    let from = wargame::engine::ForkedFrom {
        session: row.id.clone(),
        turn,
    };
    let (state, events) = wargame::engine::fork(scenario, &events, from.clone(), title)
        .map_err(|e| anyhow::anyhow!("session {session}: {e}"))?;
    let state_hash = state.hash()?;
    let store = wargame::store::Store::open(db)?;
    let result = (|| {
        let taken: std::collections::HashSet<String> =
            store.sessions()?.into_iter().map(|r| r.join_code).collect();
        let code = (0..64)
            .map(|_| JoinCode::random())
            .find(|c| !taken.contains(c.as_str()))
            .ok_or_else(|| anyhow::anyhow!("no free join code could be drawn"))?;
        let token = Token::generate()
            .ok_or_else(|| anyhow::anyhow!("the OS random number generator failed"))?;
        let id = SessionId::new();
        let new = wargame::store::NewSession {
            id: id.to_string(),
            join_code: code.to_string(),
            scenario_id: row.scenario_id.clone(),
            scenario_source: row.scenario_source.clone(),
            title: state.title.clone(),
            created_at: wargame::server::now_ms(),
            facilitator_token_hash: token.hash().as_str().to_string(),
        };
        actix_web::rt::System::new().block_on(store.create_session(new, &events, state_hash))?;
        let out = serde_json::json!({
            "session_id": id.to_string(),
            "join_code": code.to_string(),
            "facilitator_token": token.reveal(),
            "forked_from": from,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        anyhow::Ok(())
    })();
    store.close();
    result
}

fn export(
    db: &std::path::Path,
    session: &str,
    format: &str,
    anonymize: bool,
    table: Option<&str>,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let format = wargame::export::Format::parse(format).ok_or_else(|| {
        anyhow::anyhow!("unknown format `{format}`: use json, markdown, html, csv or xlsx")
    })?;
    let table = match table {
        None => wargame::export::CsvTable::default(),
        Some(t) => {
            let table = wargame::export::CsvTable::parse(t).ok_or_else(|| {
                anyhow::anyhow!("unknown table `{t}`: use choices, messages, plan or debrief")
            })?;
            if format != wargame::export::Format::Csv {
                anyhow::bail!("--table chooses the CSV's table; use it with --format csv");
            }
            table
        }
    };
    let StoredSession {
        row,
        scenario,
        events,
    } = open_session(db, session)?;
    let body = wargame::export::export(
        format,
        &wargame::export::SessionMeta {
            session_id: row.id.clone(),
            join_code: Some(row.join_code.clone()),
            exported_at: None,
        },
        &scenario,
        &row.scenario_source,
        &events,
        &wargame::export::ExportOptions { anonymize, table },
    );
    match out {
        Some(path) => std::fs::write(path, &body)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&body)?;
        }
    }
    Ok(())
}

fn series(
    db: &std::path::Path,
    scenario: Option<String>,
    sessions: Option<String>,
    format: &str,
    out: Option<&std::path::Path>,
    options: wargame::series::Options,
) -> anyhow::Result<()> {
    use wargame::series::{Format, Selection};
    let format = Format::parse(format).ok_or_else(|| {
        anyhow::anyhow!("unknown format `{format}`: use html, json, csv or markdown")
    })?;
    let selection = match (scenario, sessions) {
        (Some(s), None) => Selection::Scenario(s.trim().to_string()),
        (None, Some(list)) => Selection::Sessions(list.split(',').map(str::to_string).collect()),
        (Some(_), Some(_)) => {
            anyhow::bail!("give either --scenario ID or --sessions ID,ID,..., not both")
        }
        (None, None) => anyhow::bail!("no sessions: give --scenario ID or --sessions ID,ID,..."),
    };
    if !db.exists() {
        anyhow::bail!("no database at {}", db.display());
    }
    let store = wargame::store::Store::open(db)?;
    let body = wargame::series::report(&store, &selection, &options, format);
    store.close();
    let body = body?;
    match out {
        Some(path) => std::fs::write(path, &body)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&body)?;
        }
    }
    Ok(())
}
