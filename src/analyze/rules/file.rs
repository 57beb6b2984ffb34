//! Rule files: TOML walked by hand over `toml::de::DeTable` so that every
//! error (unknown key, wrong type, bad query) points at its place in the file,
//! and all errors of a file are reported at once.

use super::query::{FieldMask, parse_field};
use crate::model::Severity;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

const TOP_KEYS: &[&str] = &["prefix", "category", "global", "rule"];
const GLOBAL_KEYS: &[&str] = &["exclude_phrases"];
const RULE_KEYS: &[&str] = &[
    "id",
    "category",
    "severity",
    "weight",
    "description",
    "enabled",
    "tags",
    "query",
    "exclude",
    "fields",
];

/// Largest accepted weight; weights are multipliers for the risk score.
pub const MAX_WEIGHT: f64 = 10.0;

/// An error at a byte offset of a file (None: the file as a whole).
#[derive(Debug, Clone)]
pub struct FileError {
    pub offset: Option<usize>,
    pub message: String,
}

/// A query string with the map from its bytes back to the file.
#[derive(Debug, Clone)]
pub struct QuerySource {
    pub text: String,
    /// `map[i]` = file byte offset of query byte `i`; one extra entry for the end.
    map: Vec<usize>,
}

impl QuerySource {
    pub fn file_offset(&self, query_offset: usize) -> usize {
        self.map
            .get(query_offset)
            .or(self.map.last())
            .copied()
            .unwrap_or(0)
    }
}

/// A rule as written, validated for types but with its queries unparsed.
#[derive(Debug, Clone)]
pub struct RawRule {
    /// `prefix.id`.
    pub id: String,
    pub id_offset: usize,
    pub category: String,
    pub severity: Severity,
    pub weight: f32,
    pub description: String,
    pub enabled: bool,
    pub tags: Vec<String>,
    pub query: QuerySource,
    pub exclude: Option<QuerySource>,
    pub fields: FieldMask,
}

#[derive(Debug, Default)]
pub struct RawFile {
    pub rules: Vec<RawRule>,
    /// Global exclusion phrases with their offsets.
    pub exclude_phrases: Vec<(String, usize)>,
}

/// Parse one rule file; returns what could be read and every error found.
pub fn parse_file(path: &Path, src: &str) -> (RawFile, Vec<FileError>) {
    let mut out = RawFile::default();
    let mut errs = Vec::new();
    let (doc, toml_errors) = DeTable::parse_recoverable(src);
    if !toml_errors.is_empty() {
        for e in toml_errors {
            errs.push(FileError {
                offset: e.span().map(|s| s.start),
                message: format!("TOML syntax error: {}", first_line(e.message())),
            });
        }
        return (out, errs);
    }
    let doc = doc.into_inner();
    let mut cx = Cx {
        src,
        errs: &mut errs,
    };

    for (key, _) in doc.iter() {
        cx.check_key(key, TOP_KEYS, "at the top level");
    }
    let stem_prefix = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    let prefix = match doc.get("prefix") {
        Some(v) => cx.string(v, "prefix"),
        None => Some((stem_prefix, 0)),
    };
    if let Some((p, off)) = &prefix
        && !valid_id(p)
        && doc.contains_key("rule")
    {
        cx.err(
            *off,
            format!(
                "invalid prefix '{p}': use lowercase letters, digits and '-' (set `prefix = \"...\"` when the file name is not one)"
            ),
        );
    }
    let default_category = doc
        .get("category")
        .and_then(|v| cx.string(v, "category"))
        .map(|(s, _)| s);

    if let Some(global) = doc.get("global") {
        if let DeValue::Table(t) = global.get_ref() {
            for (key, value) in t.iter() {
                if cx.check_key(key, GLOBAL_KEYS, "in [global]") {
                    for (phrase, off) in cx.string_array(value, "exclude_phrases") {
                        let norm = crate::analyze::normalize::normalize_term(&phrase);
                        if norm.trim().is_empty() {
                            cx.err(off, "empty exclusion phrase");
                        } else {
                            out.exclude_phrases.push((norm, off));
                        }
                    }
                }
            }
        } else {
            cx.err(global.span().start, "'global' must be a table: [global]");
        }
    }

    if let Some(rules) = doc.get("rule") {
        match rules.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let DeValue::Table(t) = item.get_ref() {
                        let prefix = prefix.as_ref().map(|(p, _)| p.as_str()).unwrap_or("");
                        if let Some(rule) =
                            cx.rule(t, item.span(), prefix, default_category.as_deref())
                        {
                            out.rules.push(rule);
                        }
                    } else {
                        cx.err(item.span().start, "each rule must be a table: [[rule]]");
                    }
                }
            }
            _ => cx.err(
                rules.span().start,
                "'rule' must be an array of tables: [[rule]]",
            ),
        }
    }
    (out, errs)
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

pub fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

struct Cx<'a> {
    src: &'a str,
    errs: &'a mut Vec<FileError>,
}

type V<'i> = Spanned<DeValue<'i>>;

impl Cx<'_> {
    fn err(&mut self, offset: usize, message: impl Into<String>) {
        self.errs.push(FileError {
            offset: Some(offset),
            message: message.into(),
        });
    }

    /// True if the key is allowed; otherwise records an error with a hint.
    fn check_key(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        allowed: &[&str],
        place: &str,
    ) -> bool {
        let name = key.get_ref().as_ref();
        if allowed.contains(&name) {
            return true;
        }
        let hint = allowed
            .iter()
            .filter(|k| edit_distance(k, name) <= 2)
            .min_by_key(|k| edit_distance(k, name))
            .map(|k| format!("; did you mean '{k}'?"))
            .unwrap_or_else(|| format!(" (expected one of: {})", allowed.join(", ")));
        self.err(
            key.span().start,
            format!("unknown key '{name}' {place}{hint}"),
        );
        false
    }

    fn string(&mut self, v: &V<'_>, key: &str) -> Option<(String, usize)> {
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span().start)),
            _ => {
                self.err(v.span().start, format!("'{key}' must be a string"));
                None
            }
        }
    }

    fn string_array(&mut self, v: &V<'_>, key: &str) -> Vec<(String, usize)> {
        let DeValue::Array(items) = v.get_ref() else {
            self.err(
                v.span().start,
                format!("'{key}' must be an array of strings"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span().start)),
                _ => self.err(
                    item.span().start,
                    format!("'{key}' must be an array of strings"),
                ),
            }
        }
        out
    }

    fn query(&mut self, v: &V<'_>, key: &str) -> Option<QuerySource> {
        let DeValue::String(s) = v.get_ref() else {
            self.err(v.span().start, format!("'{key}' must be a string"));
            return None;
        };
        Some(query_source(self.src, v.span(), s))
    }

    fn rule(
        &mut self,
        t: &DeTable<'_>,
        span: Range<usize>,
        prefix: &str,
        default_category: Option<&str>,
    ) -> Option<RawRule> {
        let before = self.errs.len();
        for (key, _) in t.iter() {
            self.check_key(key, RULE_KEYS, "in [[rule]]");
        }
        // The span of a [[rule]] table starts at its header: missing keys are
        // reported there.
        let at = span.start;
        let missing = |cx: &mut Self, key: &str| {
            cx.err(at, format!("rule is missing required key '{key}'"));
        };
        let id = match t.get("id") {
            Some(v) => self.string(v, "id"),
            None => {
                missing(self, "id");
                None
            }
        };
        if let Some((id, off)) = &id
            && !valid_id(id)
        {
            self.err(
                *off,
                format!("invalid rule id '{id}': use lowercase letters, digits and '-'"),
            );
        }
        let category = match t.get("category") {
            Some(v) => self.string(v, "category").map(|(s, _)| s),
            None => match default_category {
                Some(c) => Some(c.to_string()),
                None => {
                    missing(self, "category");
                    None
                }
            },
        };
        if let Some(c) = &category
            && c.trim().is_empty()
        {
            self.err(at, "category must not be empty");
        }
        let severity = match t.get("severity") {
            Some(v) => self
                .string(v, "severity")
                .and_then(|(s, off)| s.parse::<Severity>().map_err(|e| self.err(off, e)).ok()),
            None => {
                missing(self, "severity");
                None
            }
        };
        let weight = match t.get("weight") {
            None => Some(1.0),
            Some(v) => {
                let n = match v.get_ref() {
                    DeValue::Integer(i) => {
                        i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                            .ok()
                            .map(|n| n as f64)
                    }
                    DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
                    _ => None,
                };
                match n {
                    Some(n) if n.is_finite() && (0.0..=MAX_WEIGHT).contains(&n) => Some(n as f32),
                    Some(n) => {
                        self.err(
                            v.span().start,
                            format!("weight {n} is out of range (expected 0 to {MAX_WEIGHT})"),
                        );
                        None
                    }
                    None => {
                        self.err(v.span().start, "'weight' must be a number");
                        None
                    }
                }
            }
        };
        let description = t
            .get("description")
            .and_then(|v| self.string(v, "description"))
            .map(|(s, _)| s)
            .unwrap_or_default();
        let enabled = match t.get("enabled") {
            None => true,
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => *b,
                _ => {
                    self.err(v.span().start, "'enabled' must be true or false");
                    true
                }
            },
        };
        let tags = t
            .get("tags")
            .map(|v| self.string_array(v, "tags"))
            .unwrap_or_default()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let fields = match t.get("fields") {
            None => FieldMask::ALL,
            Some(v) => {
                let mut mask = FieldMask(0);
                let errors_before = self.errs.len();
                for (name, off) in self.string_array(v, "fields") {
                    match parse_field(&name) {
                        Some(f) => mask = mask.union(FieldMask::single(f)),
                        None => self.err(
                            off,
                            format!(
                                "unknown field '{name}' (expected title, text, author or source)"
                            ),
                        ),
                    }
                }
                if mask.0 == 0 && self.errs.len() == errors_before {
                    self.err(v.span().start, "'fields' must name at least one field");
                }
                mask
            }
        };
        let query = match t.get("query") {
            Some(v) => self.query(v, "query"),
            None => {
                missing(self, "query");
                None
            }
        };
        let exclude = t.get("exclude").and_then(|v| self.query(v, "exclude"));
        if self.errs.len() > before {
            return None;
        }
        let (id, id_offset) = id?;
        Some(RawRule {
            id: format!("{prefix}.{id}"),
            id_offset,
            category: category?,
            severity: severity?,
            weight: weight?,
            description,
            enabled,
            tags,
            query: query?,
            exclude,
            fields,
        })
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Map each byte of a decoded TOML string back to the file. Handles basic
/// strings with escapes, literal strings and both multi-line forms; if our
/// decoding disagrees with toml's, every offset falls back to the value's start.
fn query_source(src: &str, span: Range<usize>, decoded: &str) -> QuerySource {
    let fallback = || QuerySource {
        text: decoded.to_string(),
        map: vec![span.start; decoded.len() + 1],
    };
    let Some(raw) = src.get(span.clone()) else {
        return fallback();
    };
    match decode_with_map(raw, span.start) {
        Some((text, map)) if text == decoded => QuerySource { text, map },
        _ => fallback(),
    }
}

fn decode_with_map(raw: &str, base: usize) -> Option<(String, Vec<usize>)> {
    let (delim, escapes) = if raw.starts_with("\"\"\"") {
        ("\"\"\"", true)
    } else if raw.starts_with("'''") {
        ("'''", false)
    } else if raw.starts_with('"') {
        ("\"", true)
    } else if raw.starts_with('\'') {
        ("'", false)
    } else {
        return None;
    };
    if raw.len() < 2 * delim.len() {
        return None;
    }
    let multiline = delim.len() == 3;
    let mut start = delim.len();
    let end = raw.len() - delim.len();
    if multiline {
        if raw[start..].starts_with("\r\n") {
            start += 2;
        } else if raw[start..].starts_with('\n') {
            start += 1;
        }
    }
    let body = raw.get(start..end)?;
    let mut text = String::with_capacity(body.len());
    let mut map = Vec::with_capacity(body.len() + 1);
    let mut it = body.char_indices().peekable();
    while let Some((off, c)) = it.next() {
        let at = base + start + off;
        if !(escapes && c == '\\') {
            text.push(c);
            map.extend(std::iter::repeat_n(at, c.len_utf8()));
            continue;
        }
        let (_, e) = it.next()?;
        let ch = match e {
            'b' => '\u{8}',
            't' => '\t',
            'n' => '\n',
            'f' => '\u{c}',
            'r' => '\r',
            'e' => '\u{1b}',
            '"' => '"',
            '\\' => '\\',
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut hex = String::new();
                for _ in 0..n {
                    hex.push(it.next()?.1);
                }
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            w if multiline && w.is_whitespace() => {
                // Line-ending backslash: skip all whitespace and newlines.
                while it.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    it.next();
                }
                continue;
            }
            _ => return None,
        };
        text.push(ch);
        map.extend(std::iter::repeat_n(at, ch.len_utf8()));
    }
    map.push(base + end);
    Some((text, map))
}

/// Line starts of a file, for offset → LINE:COL (1-based, columns in characters).
pub struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(src: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { src, starts }
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let line_start = self.starts[line];
        let col = self
            .src
            .get(line_start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - line_start);
        (line + 1, col + 1)
    }
}

/// For `load_dir`: the paths of `*.toml` files directly in `dir`, by name.
pub fn toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_of(src: &str) -> QuerySource {
        let (file, errs) = parse_file(Path::new("t.toml"), src);
        assert!(errs.is_empty(), "{errs:?}");
        file.rules[0].query.clone()
    }

    /// The file offset of the first occurrence of `needle` in the query.
    fn at(src: &str, needle: &str) -> usize {
        let q = query_of(src);
        let i = q.text.find(needle).expect("needle");
        q.file_offset(i)
    }

    const HEAD: &str =
        "prefix = \"t\"\ncategory = \"c\"\n[[rule]]\nid = \"a\"\nseverity = \"low\"\n";

    #[test]
    fn maps_basic_string_with_escapes() {
        let src = format!("{HEAD}query = \"\\\"a b\\\" \\u98df堂 x\"\n");
        let q = query_of(&src);
        assert_eq!(q.text, "\"a b\" 食堂 x");
        let x = src.rfind('x').unwrap();
        assert_eq!(at(&src, "x"), x);
        assert_eq!(at(&src, "食"), src.find("\\u98df").unwrap());
    }

    #[test]
    fn maps_literal_and_multiline_strings() {
        let src = format!("{HEAD}query = 'a \\d x'\n");
        assert_eq!(at(&src, "x"), src.rfind('x').unwrap());
        let src = format!("{HEAD}query = '''\n食堂\n  x'''\n");
        assert_eq!(at(&src, "x"), src.rfind('x').unwrap());
        let src = format!("{HEAD}query = \"\"\"\n食堂 \\\n   x\"\"\"\n");
        assert_eq!(query_of(&src).text, "食堂 x");
        assert_eq!(at(&src, "x"), src.rfind('x').unwrap());
    }

    #[test]
    fn line_col_counts_characters() {
        let idx = LineIndex::new("ab\n食堂x\n");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(3), (2, 1));
        assert_eq!(idx.line_col(9), (2, 3));
    }

    #[test]
    fn edit_distance_suggests() {
        assert_eq!(edit_distance("severity", "severty"), 1);
    }
}
