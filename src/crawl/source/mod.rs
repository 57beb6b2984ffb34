//! Source kinds. Each is a serde config (`HtmlConfig`, `FeedConfig`,
//! `JsonConfig`, parsed as part of `SourceConfig`) that [`SourceConfig::build`]
//! turns into a runnable [`Source`] after checking URLs, selectors and
//! mappings, so that nothing runs with a broken configuration.

pub mod feed;
pub mod html;
pub mod import;
pub mod item;
pub mod json;
pub mod push;

use super::fetch::{FetchError, FetchPolicy, Fetched, Fetcher, Page, Validators};
use super::progress::CrawlProgress;
use crate::config::{ConfigError, KindSettings, SourceConfig, SourceKind};
use crate::model::{Channel, NewPost};
use crate::pipeline::{Ingested, Pipeline};
use crate::store::{SaveStatus, StoreError};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use url::Url;

/// A source ready to run.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub kind: SourceKind,
    pub url: Url,
    pub channel: Channel,
    pub weight: f32,
    pub interval: Duration,
    pub jitter: Duration,
    pub tags: Vec<String>,
    pub max_items: Option<usize>,
    pub policy: FetchPolicy,
    pub spec: Spec,
}

#[derive(Debug)]
pub enum Spec {
    Html(html::HtmlSource),
    Feed(feed::FeedSource),
    Json(Box<json::JsonSource>),
    Import(import::ImportSource),
}

/// A configuration error about `sources[NAME].field`.
pub(crate) fn invalid(source: &str, field: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        origin: "config".into(),
        key: format!("sources[{source}].{field}"),
        message: message.into(),
    }
}

impl SourceConfig {
    /// Check everything the crawler will rely on and build the source.
    pub fn build(&self) -> Result<Source, ConfigError> {
        let bad = |field: &str, msg: String| invalid(&self.name, field, msg);
        let import = match &self.settings {
            KindSettings::Import(c) => Some(c.build(&self.name)?),
            _ => None,
        };
        // An import source's location is its folder.
        let url = match &import {
            Some(i) => Url::from_directory_path(&i.dir)
                .map_err(|()| bad("dir", format!("'{}' is not a usable path", i.dir.display())))?,
            None => {
                let url_text = self
                    .url
                    .as_deref()
                    .ok_or_else(|| bad("url", "required for this kind".into()))?;
                let url =
                    Url::parse(url_text).map_err(|e| bad("url", format!("'{url_text}': {e}")))?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err(bad("url", format!("'{url_text}' is not an http(s) URL")));
                }
                url
            }
        };
        let mut policy = FetchPolicy::default();
        policy.polite = self.polite;
        policy.respect_robots = self.respect_robots;
        policy.rate_limit = self.rate_limit;
        policy.encoding = self.encoding.clone();
        if let Some(enc) = &self.encoding
            && encoding_rs::Encoding::for_label(enc.trim().as_bytes()).is_none()
        {
            return Err(bad("encoding", format!("unknown encoding '{enc}'")));
        }
        for (k, v) in &self.headers {
            policy
                .header(k, v.expose())
                .map_err(|m| bad(&format!("headers.{k}"), m))?;
        }
        if let Some(c) = &self.cookies {
            policy
                .header("cookie", c.expose())
                .map_err(|_| bad("cookies", "not a valid Cookie header value".into()))?;
        }
        if let Some(r) = self.rate_limit
            && r.is_zero()
        {
            return Err(bad(
                "rate_limit",
                "must be positive (set polite = false to turn limits off)".into(),
            ));
        }
        let (spec, default_channel) = match &self.settings {
            KindSettings::Html(c) => (Spec::Html(c.build(&self.name)?), Channel::Campus),
            KindSettings::Feed(c) => (Spec::Feed(c.build(&self.name)?), Channel::News),
            KindSettings::Json(c) => {
                let (s, ch) = c.build(&self.name)?;
                (Spec::Json(Box::new(s)), ch)
            }
            KindSettings::Import(_) => (Spec::Import(import.expect("built above")), Channel::News),
            KindSettings::Push(_) => {
                return Err(bad(
                    "kind",
                    "push sources receive posts over HTTP and are not run".into(),
                ));
            }
        };
        Ok(Source {
            name: self.name.clone(),
            kind: self.kind,
            url,
            channel: self.channel.unwrap_or(default_channel),
            weight: self.weight,
            interval: self.interval,
            jitter: self.jitter.unwrap_or(self.interval / 10),
            tags: self.tags.clone(),
            max_items: self.max_items,
            policy,
            spec,
        })
    }
}

/// Why a source's run failed; shown as its error state.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Parse(String),
    #[error("列表选择器 `{0}` 未匹配任何条目（页面结构可能已改变）")]
    NoItems(String),
    #[error("接口返回错误：{0}")]
    Api(String),
    #[error("数据库错误：{0}")]
    Store(#[from] StoreError),
}

/// What a source remembers between runs (stored as its cursor, JSON):
/// ids already taken and cache validators of the pages it polls.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceCursor {
    #[serde(default)]
    pub seen: Vec<String>,
    #[serde(default)]
    pub validators: BTreeMap<String, Validators>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<DateTime<Utc>>,
    #[serde(skip)]
    index: HashSet<String>,
}

const MAX_SEEN: usize = 5000;
const MAX_VALIDATORS: usize = 200;

impl SourceCursor {
    /// A stored cursor; an unreadable one starts afresh (the pipeline's dedup
    /// still prevents duplicates).
    pub fn parse(stored: Option<&str>) -> SourceCursor {
        let mut c: SourceCursor = stored
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        c.index = c.seen.iter().cloned().collect();
        c
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("cursor serialises")
    }

    pub fn is_seen(&self, id: &str) -> bool {
        self.index.contains(id)
    }

    pub fn mark_seen(&mut self, id: &str) {
        if self.index.insert(id.to_string()) {
            self.seen.push(id.to_string());
            if self.seen.len() > MAX_SEEN {
                let drop = self.seen.len() - MAX_SEEN;
                for old in self.seen.drain(..drop) {
                    self.index.remove(&old);
                }
            }
        }
    }

    pub fn note_published(&mut self, t: Option<DateTime<Utc>>) {
        if let Some(t) = t
            && self.newest.is_none_or(|n| t > n)
        {
            self.newest = Some(t);
        }
    }
}

/// Counters of one source's run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Items taken from the source and handed to the pipeline.
    pub fetched: usize,
    pub new: usize,
    /// Unchanged re-deliveries, or copies that joined a known event.
    pub duplicates: usize,
    /// Known posts whose content changed (a new version was stored).
    pub updated: usize,
    /// Pages answered 304 Not Modified.
    pub not_modified: usize,
    /// Items skipped: already seen in an earlier run, or disallowed by robots.txt.
    pub skipped: usize,
    /// HTTP requests made (pages, APIs, comments; robots.txt not counted).
    pub requests: usize,
    /// Items that failed (a detail page, a comment list) without failing the source.
    pub errors: usize,
    pub last_error: Option<String>,
}

impl RunStats {
    /// Count what the pipeline did with one item.
    pub fn tally(&mut self, outcome: Ingested) {
        match outcome {
            Ingested::Unchanged { .. } => self.duplicates += 1,
            Ingested::Saved(o) => match o.status {
                SaveStatus::New if o.joined_event => {
                    self.new += 1;
                    self.duplicates += 1;
                }
                SaveStatus::New => self.new += 1,
                SaveStatus::Updated => self.updated += 1,
                SaveStatus::Unchanged => self.duplicates += 1,
            },
        }
    }
}

/// Everything a running source works with.
pub struct RunCtx<'a> {
    pub fetcher: &'a Fetcher,
    pub pipeline: &'a Pipeline,
    pub progress: &'a dyn CrawlProgress,
    pub source: &'a Source,
    pub cursor: SourceCursor,
    pub stats: RunStats,
    pub now: DateTime<FixedOffset>,
    pub limit: usize,
    /// Held while writing to the store when the backend allows one writer
    /// at a time (SQLite); fetching stays concurrent.
    pub write_lock: Option<&'a tokio::sync::Mutex<()>>,
}

impl RunCtx<'_> {
    /// GET a page. With `conditional`, the URL's remembered validators are
    /// sent and a 304 gives `None`; new validators are remembered.
    pub async fn fetch(
        &mut self,
        url: &str,
        conditional: bool,
    ) -> Result<Option<Page>, FetchError> {
        let validators = conditional
            .then(|| self.cursor.validators.get(url).cloned())
            .flatten();
        self.stats.requests += 1;
        match self
            .fetcher
            .get(url, &self.source.policy, validators.as_ref())
            .await?
        {
            Fetched::NotModified => {
                self.stats.not_modified += 1;
                Ok(None)
            }
            Fetched::Page(p) => {
                if conditional && !p.validators.is_empty() {
                    let v = &mut self.cursor.validators;
                    if v.len() >= MAX_VALIDATORS && !v.contains_key(url) {
                        let first = v.keys().next().cloned();
                        if let Some(k) = first {
                            v.remove(&k);
                        }
                    }
                    v.insert(url.to_string(), p.validators.clone());
                }
                Ok(Some(p))
            }
        }
    }

    /// Decode a page with the source's encoding override.
    pub fn decode(&self, page: &Page) -> String {
        page.decode(self.source.policy.encoding.as_deref()).text
    }

    /// Whether the run's item budget is used up.
    pub fn full(&self) -> bool {
        self.stats.fetched >= self.limit
    }

    /// A new post skeleton for this source.
    pub fn post(&self, external_id: String) -> NewPost {
        NewPost {
            source: self.source.name.clone(),
            external_id,
            url: None,
            channel: self.source.channel,
            title: String::new(),
            text: String::new(),
            author: None,
            published_at: None,
            fetched_at: Utc::now(),
            metrics: None,
            parent_external_id: None,
            tags: self.source.tags.clone(),
        }
    }

    /// Hand a post to the pipeline, count what it did, remember its id under `seen_key`.
    pub async fn ingest(&mut self, post: &NewPost, seen_key: &str) -> Result<(), SourceError> {
        self.ingest_item(post).await?;
        self.cursor.mark_seen(seen_key);
        Ok(())
    }

    /// [`Self::ingest`] for sources whose items need no seen set (imported
    /// files are moved aside once read).
    pub async fn ingest_item(&mut self, post: &NewPost) -> Result<(), SourceError> {
        self.stats.fetched += 1;
        let _guard = match self.write_lock {
            Some(l) => Some(l.lock().await),
            None => None,
        };
        let outcome = self.pipeline.ingest(post, self.source.weight).await?;
        self.stats.tally(outcome);
        self.cursor.note_published(post.published_at);
        self.progress.item(&self.source.name);
        Ok(())
    }

    /// An item failed; the source goes on.
    pub fn item_error(&mut self, what: &str, message: impl std::fmt::Display) {
        tracing::warn!(source = %self.source.name, item = what, error = %message, "item failed");
        self.stats.errors += 1;
        self.stats.last_error = Some(format!("{what}: {message}"));
    }

    /// Resolve a possibly relative link against `base`.
    pub fn resolve(base: &str, link: &str) -> Option<String> {
        let base = Url::parse(base).ok()?;
        let u = base.join(link.trim()).ok()?;
        matches!(u.scheme(), "http" | "https").then(|| u.to_string())
    }
}

impl Source {
    pub async fn run(&self, ctx: &mut RunCtx<'_>) -> Result<(), SourceError> {
        match &self.spec {
            Spec::Html(s) => s.run(ctx).await,
            Spec::Feed(s) => s.run(ctx).await,
            Spec::Json(s) => s.run(ctx).await,
            Spec::Import(s) => s.run(ctx).await,
        }
    }
}
