//! From a problem's key path to the line of the file that sets the key.
//!
//! The TOML parser gives spans for ids only; the rest of a table is found by reading
//! the text: the item's table, its sub-tables and arrays of tables, inline tables.

use std::collections::HashMap;
use std::ops::Range;

/// The scenario source, read to place problems on lines.
pub(super) struct Spans<'a> {
    text: &'a str,
}

impl<'a> Spans<'a> {
    pub(super) fn new(text: &'a str) -> Spans<'a> {
        Spans { text }
    }

    /// The line to show for a problem at `path`. `span` is the item's (usually its
    /// id): the line is the one that sets the path's key in that item's table when it
    /// is written there, else the span's own. Without a span, a top-level key
    /// (`detection_base`) is looked for in the lines before the first table.
    pub(super) fn line(&self, span: Option<Range<usize>>, path: &str) -> Option<usize> {
        match span {
            Some(s) => Some(key_offset(self.text, s.start, path).unwrap_or(s.start)),
            None if !path.contains(['.', '[']) => key_offset(self.text, 0, path),
            None => None,
        }
        .map(|at| line_of(self.text, at))
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map(|s| s.bytes().filter(|b| *b == b'\n').count() + 1)
        .unwrap_or(1)
}

/// Where the file sets the key that `path` names, for an item whose table contains
/// `at` (usually its id): a line of that table, or of one of its sub-tables
/// (`[teams.options.success]`, the second `[[teams.options.modifiers]]`). Failing the
/// key itself, an enclosing key written inline (the `success = {...}` line for
/// `success.effects.morale`), or the sub-table's header. `None` when the file does not
/// write it anywhere there, such as a missing key.
fn key_offset(text: &str, at: usize, path: &str) -> Option<usize> {
    // The item's table: from its header (a line starting with '[') to the next one.
    let start = text.get(..at)?.rfind("\n[").map_or(0, |i| i + 1);
    let end = next_table(text, at)?;
    let header = header_at(text, start);
    // The path's first segments name the item itself, one per part of its header.
    let depth = header.map_or(0, |(name, _)| name.split('.').count());
    let below: Vec<&str> = path.split('.').skip(depth).collect();
    // A path into an array of sub-tables (`when[0].prefer`) is looked for there
    // first: the item's own table may set a key of the same name.
    if let (Some((item, _)), Some((_, Some(_)))) = (header, below.first().map(|s| split_index(s)))
        && let Some(offset) = sub_table_offset(text, item, end, &below)
    {
        return Some(offset);
    }
    if let Some(offset) = find_keys(text, start, end, &below) {
        return Some(offset);
    }
    let (item, _) = header?;
    sub_table_offset(text, item, end, &below)
}

/// The sub-tables of `item` from `pos` on (they follow the item's table until the next
/// table that is not one of them): where the one that `below` names sets its key, or
/// its header.
fn sub_table_offset(text: &str, item: &str, mut pos: usize, below: &[&str]) -> Option<usize> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    while let Some((name, is_array)) = header_at(text, pos) {
        let sub = name.strip_prefix(item)?.strip_prefix('.')?;
        let body = text
            .get(pos..)?
            .find('\n')
            .map_or(text.len(), |i| pos + i + 1);
        let next = next_table(text, body)?;
        let index = is_array.then(|| {
            let n = seen.entry(sub).or_default();
            *n += 1;
            *n - 1
        });
        let parts: Vec<&str> = sub.split('.').collect();
        let names_it = parts.len() <= below.len()
            && parts.iter().zip(below).enumerate().all(|(i, (part, seg))| {
                let (seg_name, seg_index) = split_index(seg);
                seg_name == *part && (i + 1 < parts.len() || index.is_none() || seg_index == index)
            });
        if names_it {
            return find_keys(text, body, next, &below[parts.len()..]).or(Some(pos));
        }
        pos = next;
    }
    None
}

/// Where the first table header after `from` starts (the end of the text if none).
fn next_table(text: &str, from: usize) -> Option<usize> {
    Some(
        text.get(from..)?
            .find("\n[")
            .map_or(text.len(), |i| from + i + 1),
    )
}

/// The name of the table header starting at `at` (`[a.b]` or `[[a.b]]`), and whether
/// it is an array of tables.
fn header_at(text: &str, at: usize) -> Option<(&str, bool)> {
    let line = text.get(at..)?.lines().next()?.trim();
    if let Some(rest) = line.strip_prefix("[[") {
        return Some((rest.split("]]").next()?.trim(), true));
    }
    let rest = line.strip_prefix('[')?;
    Some((rest.split(']').next()?.trim(), false))
}

/// `modifiers[1]` -> ("modifiers", Some(1)); `options[talk]` -> ("options", None).
fn split_index(segment: &str) -> (&str, Option<usize>) {
    match segment.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
        None => (segment, None),
    }
}

/// The line in `text[start..end]` that sets the last of `keys`, or failing that the
/// one before it, and so on.
fn find_keys(text: &str, start: usize, end: usize, keys: &[&str]) -> Option<usize> {
    let block = text.get(start..end)?;
    for key in keys.iter().rev().map(|k| split_index(k).0) {
        if key.is_empty() || key == "id" {
            return None;
        }
        let mut offset = start;
        for line in block.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed.strip_prefix(key)
                && rest.trim_start().starts_with('=')
            {
                return Some(offset + (line.len() - trimmed.len()));
            }
            offset += line.len();
        }
    }
    None
}
