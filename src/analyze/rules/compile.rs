//! From rule files to an [`Engine`]: parse, validate across files, then
//! compile every literal of every rule into one multi-pattern matcher.

use super::eval::{CompiledRule, Engine, Expr, PAT_MASK, PAT_TERM};
use super::file::{self, FileError, LineIndex, QuerySource, RawRule};
use super::matcher::Matcher;
use super::query::{self, Ast, FieldMask};
use super::{CheckSummary, RuleError, RuleSet, RuleSetError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A rule with its parsed queries.
struct Parsed {
    raw: RawRule,
    file: usize,
    query: Ast,
    exclude: Option<Ast>,
}

pub(crate) fn build(files: &[(PathBuf, String)]) -> Result<RuleSet, RuleSetError> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    let mut phrases: Vec<String> = Vec::new();
    let mut total_rules = 0;
    for (fi, (path, src)) in files.iter().enumerate() {
        let lines = LineIndex::new(src);
        let at = |e: FileError| error_at(path, &lines, e.offset, e.message);
        let (raw, errs) = file::parse_file(path, src);
        errors.extend(errs.into_iter().map(at));
        phrases.extend(raw.exclude_phrases.into_iter().map(|(p, _)| p));
        for rule in raw.rules {
            total_rules += 1;
            let mut parse = |q: &QuerySource, what: &str| -> Option<Ast> {
                match query::parse(&q.text) {
                    Ok(ast) => {
                        if trigger_kind(&ast) == Trig::Nothing {
                            errors.push(error_at(
                                path,
                                &lines,
                                Some(q.file_offset(0)),
                                format!(
                                    "{what} can match a post that contains none of its terms (a NOT/-/! on its own, or in an OR branch); add a positive term"
                                ),
                            ));
                            return None;
                        }
                        Some(ast.with_default_fields(rule.fields))
                    }
                    Err(e) => {
                        let mut message = e.message;
                        if let Some(open) = e.opened_at {
                            let (l, c) = lines.line_col(q.file_offset(open));
                            message = format!("{message} opened at {l}:{c}");
                        }
                        errors.push(error_at(
                            path,
                            &lines,
                            Some(q.file_offset(e.offset)),
                            message,
                        ));
                        None
                    }
                }
            };
            let query = parse(&rule.query, "query");
            let exclude = match &rule.exclude {
                Some(q) => parse(q, "exclude query").map(Some),
                None => Some(None),
            };
            if let (Some(query), Some(exclude)) = (query, exclude) {
                parsed.push(Parsed {
                    raw: rule,
                    file: fi,
                    query,
                    exclude,
                });
            }
        }
    }

    // Duplicate ids, reported at the later definition.
    let mut seen: HashMap<&str, &Parsed> = HashMap::new();
    for p in &parsed {
        if let Some(first) = seen.get(p.raw.id.as_str()) {
            let (fpath, fsrc) = &files[first.file];
            let (l, c) = LineIndex::new(fsrc).line_col(first.raw.id_offset);
            let (path, src) = &files[p.file];
            errors.push(error_at(
                path,
                &LineIndex::new(src),
                Some(p.raw.id_offset),
                format!(
                    "duplicate rule id '{}' (first defined at {}:{l}:{c})",
                    p.raw.id,
                    fpath.display()
                ),
            ));
        } else {
            seen.insert(&p.raw.id, p);
        }
    }

    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
        return Err(RuleSetError { errors });
    }

    let infos = parsed
        .iter()
        .map(|p| super::RuleInfo {
            id: p.raw.id.clone(),
            category: p.raw.category.clone(),
            severity: p.raw.severity,
            weight: p.raw.weight,
            description: p.raw.description.clone(),
            enabled: p.raw.enabled,
            tags: p.raw.tags.clone(),
            query: p.raw.query.text.clone(),
            file: files[p.file].0.clone(),
        })
        .collect();
    let mut c = Compiler::default();
    for phrase in &phrases {
        let id = c.pattern(phrase);
        c.flags[id as usize] |= PAT_MASK;
    }
    let mut rules = Vec::new();
    let mut asts = Vec::new();
    let mut regexes = 0;
    for p in parsed.iter().filter(|p| p.raw.enabled) {
        let query = c.expr(&p.query);
        let exclude = p.exclude.as_ref().map(|e| c.expr(e));
        regexes += count_regex(&p.query) + p.exclude.as_ref().map_or(0, count_regex);
        rules.push(CompiledRule {
            id: p.raw.id.clone(),
            category: p.raw.category.clone(),
            severity: p.raw.severity,
            weight: p.raw.weight,
            query,
            exclude,
        });
        asts.push(&p.query);
    }
    // Pattern popularity: a rule is indexed under its least popular
    // sufficient set of terms, so common words (学生, 学校) do not make
    // thousands of rules candidates.
    let mut popularity = vec![0u32; c.patterns.len()];
    for r in &rules {
        count_terms(&r.query, &mut popularity);
    }
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); c.patterns.len()];
    let mut always = Vec::new();
    for (ri, r) in rules.iter().enumerate() {
        match trigger_set(&r.query, &popularity) {
            Trigger::Set(pats) => {
                for p in pats {
                    let b = &mut buckets[p as usize];
                    if b.last() != Some(&(ri as u32)) {
                        b.push(ri as u32);
                    }
                }
            }
            Trigger::Always => always.push(ri as u32),
            Trigger::Nothing => unreachable!("rejected while parsing"),
        }
    }
    let mut trig_start = Vec::with_capacity(buckets.len() + 1);
    let mut trig_rules = Vec::new();
    trig_start.push(0);
    for b in &buckets {
        trig_rules.extend_from_slice(b);
        trig_start.push(trig_rules.len() as u32);
    }
    let matcher = Matcher::new(&c.patterns);
    let summary = CheckSummary {
        files: files.len(),
        rules: total_rules,
        enabled: rules.len(),
        terms: c.flags.iter().filter(|f| **f & PAT_TERM != 0).count(),
        regexes,
        exclude_phrases: c.flags.iter().filter(|f| **f & PAT_MASK != 0).count(),
        version: version(files),
    };
    Ok(RuleSet {
        engine: Engine {
            matcher,
            patterns: c.patterns,
            pat_flags: c.flags,
            trig_start,
            trig_rules,
            always,
            rules,
        },
        summary,
        infos,
    })
}

fn error_at(
    path: &Path,
    lines: &LineIndex<'_>,
    offset: Option<usize>,
    message: String,
) -> RuleError {
    let (line, col) = match offset {
        Some(o) => {
            let (l, c) = lines.line_col(o);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    RuleError {
        path: path.to_path_buf(),
        line,
        col,
        message,
    }
}

#[derive(Default)]
struct Compiler {
    ids: HashMap<String, u32>,
    patterns: Vec<String>,
    flags: Vec<u8>,
}

impl Compiler {
    fn pattern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.patterns.len() as u32;
        self.ids.insert(text.to_string(), id);
        self.patterns.push(text.to_string());
        self.flags.push(0);
        id
    }

    fn term(&mut self, text: &str) -> u32 {
        let id = self.pattern(text);
        self.flags[id as usize] |= PAT_TERM;
        id
    }

    fn expr(&mut self, ast: &Ast) -> Expr {
        let all = |f: &Option<FieldMask>| f.unwrap_or(FieldMask::ALL);
        match ast {
            Ast::Term { text, fields, .. } => Expr::Term {
                pat: self.term(text),
                fields: all(fields),
            },
            Ast::Regex {
                pattern, fields, ..
            } => Expr::Regex {
                re: query::build_regex(pattern).expect("validated by the parser"),
                prefixes: super::eval::required_prefixes(pattern),
                fields: all(fields),
            },
            Ast::And(cs) => Expr::And(cs.iter().map(|c| self.expr(c)).collect()),
            Ast::Or(cs) => Expr::Or(cs.iter().map(|c| self.expr(c)).collect()),
            Ast::Not(c) => Expr::Not(Box::new(self.expr(c))),
            Ast::Near {
                left,
                right,
                distance,
            } => {
                let mut side = |a: &Ast| -> Box<[(u32, FieldMask)]> {
                    a.term_leaves()
                        .into_iter()
                        .filter_map(|l| match l {
                            Ast::Term { text, fields, .. } => Some((self.term(text), all(fields))),
                            _ => None,
                        })
                        .collect()
                };
                Expr::Near {
                    left: side(left),
                    right: side(right),
                    distance: *distance,
                }
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Trig {
    /// Needs one of its literal terms to occur.
    Literal,
    /// Can be true through a regex alone.
    Regex,
    /// Can be true with nothing in the post.
    Nothing,
}

/// Can this query be true without any of its literal terms occurring?
fn trigger_kind(ast: &Ast) -> Trig {
    match ast {
        Ast::Term { .. } | Ast::Near { .. } => Trig::Literal,
        Ast::Regex { .. } => Trig::Regex,
        Ast::Not(_) => Trig::Nothing,
        Ast::And(cs) => {
            let kinds: Vec<Trig> = cs.iter().map(trigger_kind).collect();
            if kinds.contains(&Trig::Literal) {
                Trig::Literal
            } else if kinds.contains(&Trig::Regex) {
                Trig::Regex
            } else {
                Trig::Nothing
            }
        }
        Ast::Or(cs) => {
            let kinds: Vec<Trig> = cs.iter().map(trigger_kind).collect();
            if kinds.contains(&Trig::Nothing) {
                Trig::Nothing
            } else if kinds.contains(&Trig::Regex) {
                Trig::Regex
            } else {
                Trig::Literal
            }
        }
    }
}

enum Trigger {
    Set(Vec<u32>),
    Always,
    Nothing,
}

/// A set of patterns at least one of which must occur for `expr` to be true.
fn trigger_set(expr: &Expr, pop: &[u32]) -> Trigger {
    let cost = |s: &[u32]| s.iter().map(|p| pop[*p as usize] as u64).sum::<u64>();
    match expr {
        Expr::Term { pat, .. } => Trigger::Set(vec![*pat]),
        Expr::Regex { .. } => Trigger::Always,
        Expr::Not(_) => Trigger::Nothing,
        Expr::Near { left, right, .. } => {
            let l: Vec<u32> = left.iter().map(|(p, _)| *p).collect();
            let r: Vec<u32> = right.iter().map(|(p, _)| *p).collect();
            Trigger::Set(if cost(&l) <= cost(&r) { l } else { r })
        }
        Expr::And(cs) => {
            let mut best: Option<Vec<u32>> = None;
            let mut any_regex = false;
            for c in cs.iter() {
                match trigger_set(c, pop) {
                    Trigger::Set(s) => {
                        if best.as_ref().is_none_or(|b| cost(&s) < cost(b)) {
                            best = Some(s);
                        }
                    }
                    Trigger::Always => any_regex = true,
                    Trigger::Nothing => {}
                }
            }
            match best {
                Some(s) => Trigger::Set(s),
                None if any_regex => Trigger::Always,
                None => Trigger::Nothing,
            }
        }
        Expr::Or(cs) => {
            let mut all = Vec::new();
            for c in cs.iter() {
                match trigger_set(c, pop) {
                    Trigger::Set(s) => all.extend(s),
                    other => return other,
                }
            }
            all.sort_unstable();
            all.dedup();
            Trigger::Set(all)
        }
    }
}

fn count_terms(expr: &Expr, pop: &mut [u32]) {
    match expr {
        Expr::Term { pat, .. } => pop[*pat as usize] += 1,
        Expr::Regex { .. } => {}
        Expr::And(cs) | Expr::Or(cs) => cs.iter().for_each(|c| count_terms(c, pop)),
        Expr::Not(c) => count_terms(c, pop),
        Expr::Near { left, right, .. } => {
            for (p, _) in left.iter().chain(right.iter()) {
                pop[*p as usize] += 1;
            }
        }
    }
}

fn count_regex(ast: &Ast) -> usize {
    match ast {
        Ast::Regex { .. } => 1,
        Ast::Term { .. } | Ast::Near { .. } => 0,
        Ast::And(cs) | Ast::Or(cs) => cs.iter().map(count_regex).sum(),
        Ast::Not(c) => count_regex(c),
    }
}

/// A short stable hash of the rule sources (file names and contents, in name
/// order): FNV-1a, because std's hasher may change between Rust releases.
fn version(files: &[(PathBuf, String)]) -> String {
    let mut sorted: Vec<(String, &str)> = files
        .iter()
        .map(|(p, s)| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, s.as_str())
        })
        .collect();
    sorted.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, src) in sorted {
        for b in name.bytes().chain([0]).chain(src.bytes()).chain([0]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{:012x}", h >> 16)
}
