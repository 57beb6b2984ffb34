//! The rule language: TOML rule files with boolean keyword queries, compiled
//! into one multi-pattern matcher so that matching cost follows the text,
//! not the number of rules. See `docs/rules.md` for the syntax.
//!
//! - [`file`]: TOML → raw rules, with byte offsets for every value
//! - [`query`]: lexer, parser and AST of the query language
//! - [`compile`]: validation across files, automaton and trigger index
//! - [`matcher`]: bigram-filtered multi-pattern search
//! - [`eval`]: per-document scan and evaluation

mod compile;
mod eval;
pub mod file;
mod matcher;
pub mod query;
#[doc(hidden)]
pub mod synthetic;

use crate::model::{MatchSpan, RuleHit, Severity};
use arc_swap::ArcSwap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One post's fields, normalised with [`crate::analyze::normalize::normalize`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub author: &'a str,
    pub source: &'a str,
}

impl<'a> Document<'a> {
    /// The fields in the order of [`crate::model::Field::ALL`].
    pub(crate) fn fields(&self) -> [&'a str; 4] {
        [self.title, self.text, self.author, self.source]
    }
}

/// One problem in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub path: PathBuf,
    /// 1-based; `None` when the error concerns the file as a whole.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub col: Option<usize>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.col) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.path.display(), self.message),
            _ => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Every error found in a rule set, across all files, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleSetError {
    errors: Vec<RuleError>,
}

impl RuleSetError {
    pub fn errors(&self) -> &[RuleError] {
        &self.errors
    }
}

impl fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// What `yuqing rules check` reports for a valid rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSummary {
    pub files: usize,
    /// All rules, enabled or not.
    pub rules: usize,
    pub enabled: usize,
    /// Distinct literal terms (words and phrases) after normalisation.
    pub terms: usize,
    pub regexes: usize,
    pub exclude_phrases: usize,
    pub version: String,
}

impl fmt::Display for CheckSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "规则检查通过: {} 个文件, {} 条规则 (启用 {}), {} 个词, {} 个正则, {} 个全局排除短语, 版本 {}",
            self.files,
            self.rules,
            self.enabled,
            self.terms,
            self.regexes,
            self.exclude_phrases,
            self.version
        )
    }
}

/// A rule as its file describes it (enabled or not), for the rules page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub category: String,
    pub severity: Severity,
    pub weight: f32,
    pub description: String,
    pub enabled: bool,
    pub tags: Vec<String>,
    pub query: String,
    pub file: PathBuf,
}

/// A compiled, immutable rule set. Cheap to share behind an `Arc`.
pub struct RuleSet {
    engine: eval::Engine,
    summary: CheckSummary,
    infos: Vec<RuleInfo>,
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSet")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl RuleSet {
    /// Load every `*.toml` directly in `dir` (subfolders such as
    /// `rules/publish/` hold other rule kinds and are skipped), in name order.
    pub fn load_dir(dir: &Path) -> Result<RuleSet, RuleSetError> {
        let io_err = |path: &Path, e: std::io::Error| RuleSetError {
            errors: vec![RuleError {
                path: path.to_path_buf(),
                line: None,
                col: None,
                message: format!("cannot read: {e}"),
            }],
        };
        let paths = file::toml_files(dir).map_err(|e| io_err(dir, e))?;
        let mut files = Vec::with_capacity(paths.len());
        let mut errors = Vec::new();
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(src) => files.push((path, src)),
                Err(e) => errors.extend(io_err(&path, e).errors),
            }
        }
        match Self::from_sources(&files) {
            Err(mut e) if !errors.is_empty() => {
                errors.append(&mut e.errors);
                Err(RuleSetError { errors })
            }
            _ if !errors.is_empty() => Err(RuleSetError { errors }),
            other => other,
        }
    }

    /// Compile a rule set from in-memory files (path, contents).
    pub fn from_sources(files: &[(PathBuf, String)]) -> Result<RuleSet, RuleSetError> {
        compile::build(files)
    }

    /// The rules that fire on `doc`, in rule-set order.
    pub fn matches(&self, doc: &Document<'_>) -> Vec<RuleHit> {
        self.engine.matches(doc)
    }

    /// Why rules fired or were suppressed on `doc`, for `yuqing rules test`.
    pub fn explain(&self, doc: &Document<'_>) -> Vec<RuleExplanation> {
        self.engine.explain(doc)
    }

    /// Number of enabled (compiled) rules.
    pub fn len(&self) -> usize {
        self.engine.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.engine.rules.is_empty()
    }

    /// Short stable hash of the rule sources, stored with analyses.
    pub fn version(&self) -> &str {
        &self.summary.version
    }

    pub fn summary(&self) -> &CheckSummary {
        &self.summary
    }

    /// Every rule of the files, enabled or not, in file order.
    pub fn infos(&self) -> &[RuleInfo] {
        &self.infos
    }

    /// The categories of the enabled rules, each once, sorted.
    pub fn categories(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<&str> = self
            .engine
            .rules
            .iter()
            .map(|r| r.category.as_str())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// Ids of the enabled rules, in rule-set order.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.engine.rules.iter().map(|r| r.id.as_str())
    }
}

/// Validate the rule files in `dir`, for `yuqing rules check`.
pub fn check_dir(dir: &Path) -> Result<CheckSummary, RuleSetError> {
    RuleSet::load_dir(dir).map(|r| r.summary)
}

/// A term found in a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermMatch {
    pub term: String,
    pub span: MatchSpan,
}

impl fmt::Display for TermMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{}:{}..{}",
            self.term,
            self.span.field.as_str(),
            self.span.start,
            self.span.end
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Fired,
    /// The rule's own `exclude` query matched these terms.
    ExcludedByRule {
        matches: Vec<TermMatch>,
    },
    /// The rule matched only terms inside global exclusion phrases.
    MaskedByGlobal {
        phrases: Vec<TermMatch>,
    },
}

/// Why one rule fired or was suppressed on a post.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleExplanation {
    pub rule: String,
    pub category: String,
    pub severity: Severity,
    pub weight: f32,
    pub outcome: Outcome,
    /// The rule's positive terms found in the post.
    pub terms: Vec<TermMatch>,
}

impl RuleExplanation {
    pub fn fired(&self) -> bool {
        self.outcome == Outcome::Fired
    }
}

pub fn severity_zh(s: Severity) -> &'static str {
    match s {
        Severity::Low => "低",
        Severity::Medium => "中",
        Severity::High => "高",
        Severity::Critical => "紧急",
    }
}

fn join(items: &[TermMatch]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for RuleExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = format!(
            "{} [{}/{}]",
            self.rule,
            self.category,
            severity_zh(self.severity)
        );
        let terms = join(&self.terms);
        match &self.outcome {
            Outcome::Fired => write!(f, "命中 {head} 词: {terms}"),
            Outcome::ExcludedByRule { matches } => write!(
                f,
                "被排除: {head} 词: {terms}; 排除条件命中: {}",
                join(matches)
            ),
            Outcome::MaskedByGlobal { phrases } => write!(
                f,
                "被排除: {head} 词: {terms}; 位于全局排除短语内: {}",
                join(phrases)
            ),
        }
    }
}

/// The current rule set, swappable at runtime (hot reload) without locks on
/// the matching path.
pub struct SharedRuleSet {
    current: ArcSwap<RuleSet>,
}

impl SharedRuleSet {
    pub fn new(rules: RuleSet) -> Self {
        SharedRuleSet {
            current: ArcSwap::from_pointee(rules),
        }
    }

    pub fn load_dir(dir: &Path) -> Result<Self, RuleSetError> {
        RuleSet::load_dir(dir).map(Self::new)
    }

    /// The current rule set; holding the `Arc` keeps it alive across a swap.
    pub fn load(&self) -> Arc<RuleSet> {
        self.current.load_full()
    }

    /// Replace the rule set with `dir`'s, only if it compiles; on error the
    /// old set stays in place.
    pub fn replace_from_dir(&self, dir: &Path) -> Result<(), RuleSetError> {
        let new = RuleSet::load_dir(dir)?;
        self.replace(new);
        Ok(())
    }

    pub fn replace(&self, rules: RuleSet) {
        self.current.store(Arc::new(rules));
    }
}

#[cfg(test)]
mod tests;
