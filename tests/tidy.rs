//! Invariants checked on the source text itself.
//!
//! - `src/engine` is pure: no async runtime, web framework, database, file system,
//!   network, clock or global randomness. Comments may mention them; code may not.
//! - Every rejection code (`RejectionCode`) is snake_case, serialises as its
//!   `as_str`, and docs/PROTOCOL.md lists them all. (That every code is given
//!   somewhere is `tests/engine.rs`'s business: it provokes each one.)
//! - No file of the engine is longer than 700 lines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use wargame::engine::RejectionCode;

/// Words the engine must not use. Matched as whole identifiers / paths.
const FORBIDDEN: &[&str] = &[
    "tokio",
    "actix",
    "actix_web",
    "actix_ws",
    "rusqlite",
    "std::fs",
    "std::net",
    "std::time",
    "std::env",
    "std::process",
    "std::thread",
    "thread_rng",
    "rand::rng",
    "OsRng",
    "SystemTime",
    "Instant",
    "getrandom",
    "from_entropy",
    "from_os_rng",
];

/// The source with every comment blanked out (newlines kept, so line numbers hold).
/// String and char literals are kept: a forbidden path inside one is still suspect.
fn strip_comments(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        match c[i] {
            '/' if next == Some('/') => {
                while i < c.len() && c[i] != '\n' {
                    out.push(' ');
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        out.push_str("  ");
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        out.push_str("  ");
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        out.push(blank(c[i]));
                        i += 1;
                    }
                }
            }
            'r' if (next == Some('"') || next == Some('#'))
                && !c
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_') =>
            {
                // Raw string r"..." or r#"..."#.
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    out.push(c[i]);
                    i += 1;
                    continue;
                }
                let end: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let rest: String = c[j + 1..].iter().collect();
                let len = rest.find(&end).map_or(rest.len(), |k| k + end.len());
                let stop = (j + 1 + rest[..len].chars().count()).min(c.len());
                out.extend(&c[i..stop]);
                i = stop;
            }
            '"' => {
                out.push('"');
                i += 1;
                while i < c.len() {
                    out.push(c[i]);
                    if c[i] == '\\' {
                        if let Some(n) = c.get(i + 1) {
                            out.push(*n);
                        }
                        i += 2;
                        continue;
                    }
                    i += 1;
                    if c[i - 1] == '"' {
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal ('x', '\n', '\''), or a lifetime ('a).
                let is_char = next == Some('\\') || c.get(i + 2) == Some(&'\'');
                if is_char {
                    let mut j = i + 1;
                    if c.get(j) == Some(&'\\') {
                        j += 2;
                    }
                    while j < c.len() && c[j] != '\'' {
                        j += 1;
                    }
                    let stop = (j + 1).min(c.len());
                    out.extend(&c[i..stop]);
                    i = stop;
                } else {
                    out.push('\'');
                    i += 1;
                }
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Forbidden words used in code: (line, word).
fn forbidden_uses(src: &str) -> Vec<(usize, &'static str)> {
    let code = strip_comments(src);
    let mut hits = Vec::new();
    for (n, line) in code.lines().enumerate() {
        for word in FORBIDDEN {
            let mut from = 0;
            while let Some(k) = line[from..].find(word) {
                let start = from + k;
                let end = start + word.len();
                let before = line[..start].chars().next_back();
                let after = line[end..].chars().next();
                // `x::tokio` is still tokio; `my_tokio` or `Instantly` is not.
                if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
                    hits.push((n + 1, *word));
                }
                from = end;
            }
        }
    }
    hits
}

fn engine_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("src/engine exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_engine_does_no_io_and_reads_no_clock_or_global_rng() {
    let files = engine_files();
    assert!(
        files.iter().any(|f| f.ends_with("mod.rs")) && files.len() >= 5,
        "expected the engine's sources, found {files:?}"
    );
    let mut problems = Vec::new();
    for f in &files {
        let src = std::fs::read_to_string(f).expect("readable source");
        for (line, word) in forbidden_uses(&src) {
            problems.push(format!(
                "{}:{line}: the pure engine must not use `{word}`",
                f.display()
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_scanner_sees_code_and_ignores_comments() {
    let src = r#"
//! Knows nothing of tokio or std::fs.
/* a block comment about Instant::now() /* nested: OsRng */ still comment */
use std::collections::BTreeMap; // not std::net
fn a<'a>(x: &'a str) -> char { let _ = "//"; let _ = '"'; 'x' }
fn b() { let t = std::time::Instant::now(); }
fn c() { let r = rand::rng(); let s = "Instantly"; }
use tokio::sync::mpsc;
fn d() { let _ = r"/* std::fs */"; let _ = SystemTime::now(); }
"#;
    let hits = forbidden_uses(src);
    assert_eq!(
        hits,
        [
            (6, "std::time"),
            (6, "Instant"),
            (7, "rand::rng"),
            (8, "tokio"),
            (9, "std::fs"),
            (9, "SystemTime"),
        ]
    );
}

/// The backticked names in docs/PROTOCOL.md's list of the engine's error codes.
fn codes_in_protocol_doc() -> Vec<String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/PROTOCOL.md"))
            .expect("docs/PROTOCOL.md is readable");
    let start = doc
        .find("the engine's:")
        .expect("PROTOCOL.md lists the engine's error codes after \"the engine's:\"");
    let list = &doc[start..];
    let list = &list[..list.find("\n\n").unwrap_or(list.len())];
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_rejection_code_is_snake_case_unique_and_documented() {
    let names: Vec<&str> = RejectionCode::ALL.iter().map(|c| c.as_str()).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "RejectionCode::ALL has duplicates"
    );
    for c in RejectionCode::ALL {
        let s = c.as_str();
        assert!(
            !s.is_empty() && s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
            "`{s}` is not snake_case"
        );
        // The wire form (serde) and the documented form (as_str) are one string.
        assert_eq!(
            serde_json::to_value(c).expect("a code serialises"),
            serde_json::Value::String(s.to_string())
        );
        assert_eq!(c.to_string(), s);
    }
    let documented = codes_in_protocol_doc();
    assert_eq!(
        documented, names,
        "docs/PROTOCOL.md must list the engine's rejection codes in RejectionCode::ALL order"
    );
}

#[test]
fn no_engine_file_is_too_long_to_read_in_one_sitting() {
    for f in engine_files() {
        let lines = std::fs::read_to_string(&f)
            .expect("readable source")
            .lines()
            .count();
        assert!(
            lines <= 700,
            "{} has {lines} lines; split it by concern (limit 700)",
            f.display()
        );
    }
}
