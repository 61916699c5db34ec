//! Small pure helpers shared by every format: ISO-8601 times and escaping.
//!
//! **Invariant:** every string that reaches an export passes through exactly one of
//! [`html`], [`md`] or [`csv_cell`] (JSON is escaped by serde), so a payload such as
//! `<script>` or `=HYPERLINK(...)` is inert in every format.

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), after
/// Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction.
    (year, month as u32, day as u32)
}

/// Milliseconds since the Unix epoch as ISO-8601 UTC: `2026-11-27T09:00:00Z`, with
/// `.mmm` only when the milliseconds are not zero.
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
    if milli == 0 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
    }
}

/// Line breaks as `\n` only (CRLF and lone CR folded).
fn lines(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = s.chars().peekable();
    std::iter::from_fn(move || {
        let c = chars.next()?;
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            return Some('\n');
        }
        Some(c)
    })
}

/// Text for HTML element content and attribute values: `& < > " '` escaped, control
/// characters (other than newline and tab) replaced by U+FFFD.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in lines(s) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Inline Markdown text (CommonMark): HTML-significant characters become entities,
/// Markdown punctuation is backslash-escaped, and nothing a player wrote can start
/// a block or a link.
///
/// - A line break becomes a CommonMark hard break (a backslash at the end of the
///   line) and the next line is indented, so the text stays in its paragraph or
///   list item; blank lines and white space at the start of a line are dropped.
/// - A line's leading `-`, `+`, `=` or `1.`/`1)` is escaped (`#`, `>`, `*`, `` ` ``,
///   `~`, `|` and `<` are escaped or made entities wherever they are), so no line
///   becomes a list, heading, quote, rule, fence or table row.
/// - A bare URL is never a link, not even where Markdown links them (GitHub's
///   autolinks): `https://` is written `https\://`, `www.` as `www\.`, and `@`
///   as `\@`; each still reads as typed.
pub fn md(s: &str) -> String {
    md_with(s, "\\\n    ")
}

/// [`md`] for a table cell, where a line break would end the table: breaks
/// become spaces.
pub fn md_cell(s: &str) -> String {
    md_with(s, " ")
}

fn md_with(s: &str, line_break: &str) -> String {
    let s: String = lines(s).collect();
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    let mut first = true;
    for line in s.split('\n') {
        let line = line.trim_start_matches([' ', '\t']).trim_end();
        if line.is_empty() {
            continue;
        }
        if !first {
            out.push_str(line_break);
        }
        first = false;
        md_line(line, &mut out);
    }
    out
}

fn md_line(line: &str, out: &mut String) {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let chars: Vec<char> = line.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let marker = (i == 0 && matches!(c, '-' | '+' | '='))
            // `)` is escaped wherever it is.
            || (i == digits && i > 0 && c == '.');
        if marker {
            out.push('\\');
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '!' | '~' | '@' => {
                out.push('\\');
                out.push(c);
            }
            // `scheme://`: the colon escaped, so no autolink finds the URL.
            ':' if chars.get(i + 1..i + 3) == Some(&['/', '/'])
                && i > 0
                && chars[i - 1].is_ascii_alphanumeric() =>
            {
                out.push_str("\\:");
            }
            // `www.`: the dot escaped.
            '.' if i >= 3
                && chars[i - 3..i].iter().all(|c| c.eq_ignore_ascii_case(&'w'))
                && (i == 3 || !chars[i - 4].is_alphanumeric()) =>
            {
                out.push_str("\\.");
            }
            '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// Whether a spreadsheet could read a cell as a formula: it begins with a control
/// character (tab, CR, ...), or its first character other than white space is
/// `= + - @` or a Unicode look-alike that a spreadsheet may fold into one (the
/// full-width `＝＋－＠`, the small forms, super- and subscript signs, the minus
/// sign and the dashes).
pub fn formula_like(s: &str) -> bool {
    if s.chars().next().is_some_and(char::is_control) {
        return true;
    }
    s.chars().find(|c| !c.is_whitespace()).is_some_and(|c| {
        matches!(
            c,
            '=' | '+'
                | '-'
                | '@'
                | '\u{FF1D}' // ＝
                | '\u{FF0B}' // ＋
                | '\u{FF0D}' // －
                | '\u{FF20}' // ＠
                | '\u{FE66}' // ﹦
                | '\u{FE62}' // ﹢
                | '\u{FE63}' // ﹣
                | '\u{FE6B}' // ﹫
                | '\u{207A}'..='\u{207C}' // ⁺ ⁻ ⁼
                | '\u{208A}'..='\u{208C}' // ₊ ₋ ₌
                | '\u{2212}' // −
                | '\u{2010}'..='\u{2015}' // hyphens and dashes
                | '\u{2795}'..='\u{2796}' // ➕ ➖
                | '\u{FE58}' // ﹘
        )
    })
}

/// One CSV cell (RFC 4180): a cell that a spreadsheet could read as a formula
/// ([`formula_like`]) is prefixed with `'`; a cell with a comma, quote, CR or LF
/// is quoted, quotes doubled.
pub fn csv_cell(s: &str) -> String {
    let risky = formula_like(s);
    let needs_quotes = s.contains([',', '"', '\r', '\n']);
    let mut out = String::with_capacity(s.len() + 3);
    if needs_quotes {
        out.push('"');
    }
    if risky {
        out.push('\'');
    }
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if needs_quotes {
        out.push('"');
    }
    out
}

/// A signed delta as read aloud: `+3`, `-2`, `0`.
pub fn signed(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_795_770_000_000), "2026-11-27T09:00:00Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso(1_234), "1970-01-01T00:00:01.234Z");
        assert_eq!(iso(4_107_542_400_000), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        // Walk day by day across leap and non-leap centuries and check continuity.
        let mut prev = civil_from_days(-800_000);
        for d in -799_999..800_000 {
            let cur = civil_from_days(d);
            let next_day = (prev.0, prev.1, prev.2 + 1);
            let next_month = (prev.0, prev.1 + 1, 1);
            let next_year = (prev.0 + 1, 1, 1);
            assert!(
                cur == next_day || cur == next_month || cur == next_year,
                "{prev:?} -> {cur:?}"
            );
            prev = cur;
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(
            html("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(md("[x](javascript:1)"), "\\[x\\]\\(javascript:1\\)");
        assert_eq!(md("a|b\r\nc"), "a\\|b\\\n    c");
        assert_eq!(md("a\n\n  - b\n"), "a\\\n    \\- b");
        assert_eq!(md_cell("a\nb"), "a b");
        assert_eq!(md("- item"), "\\- item");
        assert_eq!(md("12. item"), "12\\. item");
        assert_eq!(md("x\n3) item"), "x\\\n    3\\) item");
        assert_eq!(md("2024 was"), "2024 was");
        assert_eq!(
            md("see https://x.org, www.x.org or a@x.org"),
            "see https\\://x.org, www\\.x.org or a\\@x.org"
        );
        assert_eq!(md("12:30 a.m. awww.x"), "12:30 a.m. awww.x");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("-1,2"), "\"'-1,2\"");
        assert_eq!(csv_cell("plain"), "plain");
        // Look-alikes and white space before a formula.
        for risky in [
            "\u{FF1D}1+1",
            "\u{FF0B}cmd",
            "\u{FF0D}1",
            "\u{FF20}SUM(1)",
            "\u{FE66}1",
            "\u{2212}1",
            " =1+1",
            "\u{3000}=1",
            "\r=1",
        ] {
            assert!(
                csv_cell(risky).trim_start_matches('"').starts_with('\''),
                "{risky:?}"
            );
        }
        assert_eq!(csv_cell("1+1"), "1+1");
        assert_eq!(csv_cell("a-b"), "a-b");
    }
}
