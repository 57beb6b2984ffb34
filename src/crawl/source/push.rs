//! `kind = "push"`: another system POSTs items to
//! `/api/v1/sources/{name}/items` with the source's token. The HTTP side is in
//! `crate::web::push`; here the items are checked and handed to the pipeline.

use super::RunStats;
use super::item::{ItemDefaults, ItemError, item_to_post};
use crate::config::{ConfigError, KindSettings, Secret, SourceConfig};
use crate::model::Channel;
use crate::pipeline::Pipeline;
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most items in one request; larger batches are refused, not cut.
pub const MAX_ITEMS: usize = 1000;

/// `[[sources]]` keys of a push source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// Sent by the other system as `Authorization: Bearer <token>`; at least
    /// 16 characters. Secret: never logged.
    pub token: Secret,
}

/// A push source ready to receive.
#[derive(Debug, Clone)]
pub struct PushSource {
    pub name: String,
    pub channel: Channel,
    pub weight: f32,
    pub tags: Vec<String>,
    token: Secret,
}

impl SourceConfig {
    /// The push source this configures, if it is one.
    pub fn build_push(&self) -> Result<Option<PushSource>, ConfigError> {
        let KindSettings::Push(c) = &self.settings else {
            return Ok(None);
        };
        if c.token.expose().chars().count() < 16 {
            return Err(super::invalid(
                &self.name,
                "token",
                "must be at least 16 characters",
            ));
        }
        Ok(Some(PushSource {
            name: self.name.clone(),
            channel: self.channel.unwrap_or(Channel::News),
            weight: self.weight,
            tags: self.tags.clone(),
            token: c.token.clone(),
        }))
    }
}

impl PushSource {
    /// Whether `presented` is this source's token, compared in constant time.
    pub fn accepts(&self, presented: &str) -> bool {
        self.token.matches(presented)
    }
}

/// One refused item of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedItem {
    /// Position in the request, from 0.
    pub index: usize,
    pub field: String,
    pub message: String,
}

/// What a push did; the response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushReceipt {
    pub received: usize,
    pub accepted: usize,
    pub new: usize,
    pub duplicates: usize,
    pub updated: usize,
    pub rejected: Vec<RejectedItem>,
}

/// Check every item, then ingest the valid ones (each in its own
/// transaction: a store error stops the batch, and what was committed stays).
pub async fn receive(
    source: &PushSource,
    pipeline: &Pipeline,
    items: Vec<Value>,
) -> Result<PushReceipt, StoreError> {
    let defaults = ItemDefaults {
        source: &source.name,
        channel: source.channel,
        now: crate::crawl::time::now_cst(),
    };
    let mut receipt = PushReceipt {
        received: items.len(),
        ..Default::default()
    };
    let mut posts = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match item_to_post(item, &defaults) {
            Ok(mut post) => {
                post.tags = source.tags.clone();
                posts.push(post);
            }
            Err(ItemError { field, message }) => receipt.rejected.push(RejectedItem {
                index,
                field,
                message,
            }),
        }
    }
    let store = pipeline.store();
    store.ensure_source(&source.name, "push").await?;
    let mut stats = RunStats::default();
    for post in &posts {
        stats.tally(pipeline.ingest(post, source.weight).await?);
        receipt.accepted += 1;
    }
    receipt.new = stats.new;
    receipt.duplicates = stats.duplicates;
    receipt.updated = stats.updated;
    let now = chrono::Utc::now();
    store
        .record_source_success(&source.name, now, now, None)
        .await?;
    Ok(receipt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_must_match_exactly() {
        let s = PushSource {
            name: "p".into(),
            channel: Channel::News,
            weight: 1.0,
            tags: vec![],
            token: Secret::new("0123456789abcdef"),
        };
        assert!(s.accepts("0123456789abcdef"));
        assert!(!s.accepts("0123456789abcdeF"));
        assert!(!s.accepts("0123456789abcde"));
        assert!(!s.accepts(""));
    }
}
