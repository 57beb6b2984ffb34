//! The stages wired together for one collected post:
//! dedup → analyse → store (event, alert). The crawler and the push/import
//! endpoints hand every item here.

use crate::analyze::Analyzer;
use crate::dedup;
use crate::model::{NewPost, PostText, RiskLevel};
use crate::review::routing::RouteInput;
use crate::review::{Review, ReviewSettings};
use crate::store::{AlertChange, SaveOutcome, SaveRequest, SaveStatus, Store, StoreError};
use std::sync::Arc;

/// What ingesting one post did, for the crawl summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Analysed and stored; `joined_event` when it is a copy of a known story.
    Saved(SaveOutcome),
    /// Already stored with the same content; only its counters were updated.
    Unchanged { post_id: i64 },
}

impl Ingested {
    pub fn is_new(&self) -> bool {
        matches!(self, Ingested::Saved(o) if o.status == SaveStatus::New)
    }
}

#[derive(Clone)]
pub struct Pipeline {
    analyzer: Arc<Analyzer>,
    store: Arc<Store>,
    /// Events reaching this level raise an alert.
    alert_level: RiskLevel,
    /// Routing and SLA of new alerts; none leaves them unrouted.
    review: Option<Arc<ReviewSettings>>,
}

impl Pipeline {
    pub fn new(analyzer: Arc<Analyzer>, store: Arc<Store>, alert_level: RiskLevel) -> Self {
        Pipeline {
            analyzer,
            store,
            alert_level,
            review: None,
        }
    }

    /// Route new alerts and set their due times with these settings.
    pub fn with_review(mut self, settings: Arc<ReviewSettings>) -> Self {
        self.review = Some(settings);
        self
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.analyzer
    }

    /// Ingest one post from a source of authority `source_weight`.
    pub async fn ingest(&self, post: &NewPost, source_weight: f32) -> Result<Ingested, StoreError> {
        let canonical = post.url.as_deref().map(dedup::canonical_url);
        let content_hash = dedup::content_hash(&post.title, &post.text);
        let existing = self
            .store
            .find_existing(&post.source, &post.external_id, canonical.as_deref())
            .await?;
        if let Some(ex) = existing.filter(|ex| ex.content_hash == content_hash) {
            // Unchanged content needs no analysis; reposts and likes still move.
            self.store.update_metrics(ex.post_id, post.metrics).await?;
            return Ok(Ingested::Unchanged {
                post_id: ex.post_id,
            });
        }

        let (analysis, simhash) = self.analyzer.analyze_with_simhash(&PostText {
            title: &post.title,
            text: &post.text,
            author: post.author.as_deref().unwrap_or(""),
            source: &post.source,
            source_weight,
            metrics: post.metrics,
        });
        let version = self.analyzer.version();
        let outcome = self
            .store
            .save_post(&SaveRequest {
                post,
                canonical_url: canonical.as_deref(),
                content_hash,
                simhash,
                analysis: &analysis,
                analyzer_version: &version,
                alert_level: self.alert_level,
            })
            .await?;
        if let (Some(settings), Some(AlertChange::Raised { alert_id })) =
            (&self.review, outcome.alert)
        {
            let categories: Vec<String> =
                analysis.hits.iter().map(|h| h.category.clone()).collect();
            let input = RouteInput {
                categories: &categories,
                level: analysis.risk.level,
                source: &post.source,
                tags: &post.tags,
            };
            let review = Review {
                store: &self.store,
                settings,
            };
            // The alert stands even if routing fails: monitors see it as new.
            if let Err(e) = review.route_new(alert_id, &input, chrono::Utc::now()).await {
                tracing::error!(alert_id, error = %e, "routing a new alert failed");
            }
        }
        Ok(Ingested::Saved(outcome))
    }
}
