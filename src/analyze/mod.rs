//! Analysis: normalise, tokenize, score sentiment, match rules, score risk,
//! extract keywords. Pure and fast: no I/O after [`Analyzer`] is built.

pub mod normalize;
pub mod rules;
pub mod sentiment;
pub mod tokenize;

use std::path::{Path, PathBuf};

/// Errors while loading the analyser's dictionaries and rules.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Dictionary {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Rules(#[from] rules::RuleSetError),
}

impl AnalyzeError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        AnalyzeError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The dictionaries shipped in the repository, for tests and benches.
pub fn default_dictionaries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries")
}

/// The rules shipped in the repository, for tests and benches.
pub fn default_rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}
