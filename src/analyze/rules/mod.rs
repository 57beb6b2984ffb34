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
