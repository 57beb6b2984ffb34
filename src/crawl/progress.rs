//! Progress reports of a crawl, for a progress bar or a log.

use super::SourceSummary;

pub trait CrawlProgress: Send + Sync {
    /// A source starts running.
    fn started(&self, _source: &str) {}
    /// A source handed one more item to the pipeline.
    fn item(&self, _source: &str) {}
    /// A source finished (or failed).
    fn finished(&self, _summary: &SourceSummary) {}
}

/// Reports nothing.
pub struct NoProgress;

impl CrawlProgress for NoProgress {}
