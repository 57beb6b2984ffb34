//! The rule language (placeholder interface; being implemented).

use crate::model::RuleHit;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
#[error("rule errors")]
pub struct RuleSetError {}

pub struct RuleSet {}

/// One post's fields, normalised.
pub struct Document<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub author: &'a str,
    pub source: &'a str,
}

impl RuleSet {
    pub fn load_dir(_dir: &Path) -> Result<RuleSet, RuleSetError> {
        Ok(RuleSet {})
    }

    pub fn matches(&self, _doc: &Document<'_>) -> Vec<RuleHit> {
        Vec::new()
    }
}

/// Holder of the running rule set, replaced atomically.
pub struct SharedRuleSet {
    current: arc_swap::ArcSwap<RuleSet>,
}

impl SharedRuleSet {
    pub fn new(set: RuleSet) -> Self {
        SharedRuleSet {
            current: arc_swap::ArcSwap::from_pointee(set),
        }
    }

    pub fn load(&self) -> std::sync::Arc<RuleSet> {
        self.current.load_full()
    }

    pub fn replace_from_dir(&self, dir: &Path) -> Result<(), RuleSetError> {
        self.current
            .store(std::sync::Arc::new(RuleSet::load_dir(dir)?));
        Ok(())
    }
}

impl RuleSet {
    pub fn version(&self) -> &str {
        "0"
    }
}

pub struct CheckSummary {
    pub files: usize,
    pub rules: usize,
    pub terms: usize,
}

impl std::fmt::Display for CheckSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} files, {} rules, {} terms",
            self.files, self.rules, self.terms
        )
    }
}

pub fn check_dir(dir: &Path) -> Result<CheckSummary, RuleSetError> {
    RuleSet::load_dir(dir)?;
    Ok(CheckSummary {
        files: 0,
        rules: 0,
        terms: 0,
    })
}

pub struct RuleExplanation {}

impl std::fmt::Display for RuleExplanation {
    fn fmt(&self, _f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}

impl RuleSet {
    pub fn explain(&self, _doc: &Document<'_>) -> Vec<RuleExplanation> {
        Vec::new()
    }
}
