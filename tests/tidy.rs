//! Invariants checked on the source text itself.
//!
//! - `src/engine` is pure: no async runtime, web framework, database, file system,
//!   network, clock or global randomness. Comments may mention them; code may not.
//! - Every rejection code the engine can give is listed in `REJECTION_CODES`, and
//!   every listed code is given somewhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use wargame::engine::REJECTION_CODES;

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

/// Every `Rejection::new("code", ...)` literal in the engine.
fn codes_in_source() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for f in engine_files() {
        let code = strip_comments(&std::fs::read_to_string(f).expect("readable source"));
        let mut rest = code.as_str();
        while let Some(k) = rest.find("Rejection::new(") {
            rest = &rest[k + "Rejection::new(".len()..];
            let arg = rest.trim_start();
            let Some(arg) = arg.strip_prefix('"') else {
                panic!(
                    "a rejection code must be a string literal: Rejection::new({}",
                    &arg[..arg.len().min(40)]
                );
            };
            let end = arg.find('"').expect("closed literal");
            codes.insert(arg[..end].to_string());
        }
    }
    codes
}

#[test]
fn rejection_codes_in_the_source_match_the_published_list() {
    let in_source = codes_in_source();
    let listed: BTreeSet<String> = REJECTION_CODES.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        listed.len(),
        REJECTION_CODES.len(),
        "REJECTION_CODES has duplicates"
    );
    let unlisted: Vec<_> = in_source.difference(&listed).collect();
    let dead: Vec<_> = listed.difference(&in_source).collect();
    assert!(
        unlisted.is_empty(),
        "codes the engine gives but REJECTION_CODES does not list: {unlisted:?}"
    );
    assert!(
        dead.is_empty(),
        "codes listed in REJECTION_CODES that the engine never gives: {dead:?}"
    );
    for c in &in_source {
        assert!(
            !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
            "`{c}` is not snake_case"
        );
    }
}
