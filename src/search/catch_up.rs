//! Keeping the index up to date from the store.
//!
//! The store is the source of truth. A watermark `(updated_at, id)` (the
//! last post indexed, in the order of `Store::posts_since`) is saved in the
//! store's meta table under `search.watermark.<index id>`, one per index
//! directory, so that several web nodes sharing a PostgreSQL store each keep
//! their own. Catch-up indexes pages after the watermark, commits, and only
//! then saves the new watermark: a crash in between re-indexes those posts,
//! which is harmless because indexing replaces a post by its id.

use super::{SearchError, SearchIndex};
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Prefix of the meta key; the index id follows.
pub const WATERMARK_KEY: &str = "search.watermark";

/// The last post indexed, in `(updated_at, id)` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub updated_at: DateTime<Utc>,
    pub id: i64,
}

impl Watermark {
    fn key(index: &SearchIndex) -> String {
        format!("{WATERMARK_KEY}.{}", index.id())
    }

    /// The saved watermark of `index`; none if never saved, cleared, or
    /// unreadable (then everything is indexed again, which is safe).
    pub async fn load(
        store: &Store,
        index: &SearchIndex,
    ) -> Result<Option<Watermark>, SearchError> {
        let value = store.meta(&Self::key(index)).await?;
        Ok(value.filter(|v| !v.is_empty()).and_then(|v| {
            serde_json::from_str(&v)
                .inspect_err(|e| tracing::warn!(value = %v, error = %e, "unreadable search watermark; reindexing"))
                .ok()
        }))
    }

    pub async fn save(
        store: &Store,
        index: &SearchIndex,
        mark: Option<Watermark>,
    ) -> Result<(), SearchError> {
        let value = match mark {
            Some(m) => serde_json::to_string(&m).expect("a watermark serialises"),
            None => String::new(),
        };
        store.set_meta(&Self::key(index), &value).await?;
        Ok(())
    }
}

/// How to catch up.
#[derive(Debug, Clone)]
pub struct CatchUp {
    /// Posts read from the store per query.
    pub page_size: i64,
    /// Posts indexed between two commits (and watermark saves).
    pub commit_every: usize,
    /// Start this much before the watermark. Posts are stamped with the
    /// writer's clock when their transaction starts, so with concurrent
    /// writers (or workers on several machines) a post can become visible
    /// with an `updated_at` slightly older than one already indexed; the
    /// overlap picks those up. Re-indexing the overlap is harmless.
    pub overlap: chrono::Duration,
}

impl Default for CatchUp {
    fn default() -> Self {
        CatchUp {
            page_size: 500,
            commit_every: 10_000,
            overlap: chrono::Duration::seconds(60),
        }
    }
}

/// Index every post changed since the watermark, with the default settings.
/// Returns how many posts were (re-)indexed.
pub async fn catch_up(store: &Store, index: &mut SearchIndex) -> Result<usize, SearchError> {
    catch_up_with(store, index, &CatchUp::default()).await
}

pub async fn catch_up_with(
    store: &Store,
    index: &mut SearchIndex,
    opts: &CatchUp,
) -> Result<usize, SearchError> {
    let page_size = opts.page_size.max(1);
    let mut after = Watermark::load(store, index).await?.map(|m| {
        (
            m.updated_at - opts.overlap,
            if opts.overlap.is_zero() { m.id } else { 0 },
        )
    });
    let mut total = 0;
    let mut pending: Option<Watermark> = None;
    let mut uncommitted = 0;
    loop {
        let page = store.posts_since(None, after, page_size).await?;
        let Some(last) = page.last() else { break };
        let mark = Watermark {
            updated_at: last.updated_at,
            id: last.id,
        };
        index.index_posts(&page)?;
        total += page.len();
        uncommitted += page.len();
        after = Some((mark.updated_at, mark.id));
        pending = Some(mark);
        if uncommitted >= opts.commit_every {
            index.commit()?;
            Watermark::save(store, index, pending.take()).await?;
            uncommitted = 0;
        }
        if (page.len() as i64) < page_size {
            break;
        }
    }
    if pending.is_some() {
        // Commit first: a crash before the save only repeats this work.
        index.commit()?;
        Watermark::save(store, index, pending).await?;
    }
    if total > 0 {
        tracing::info!(posts = total, "search index caught up");
    }
    Ok(total)
}

/// Empty the index and index every stored post again (`--reindex`).
pub async fn rebuild(store: &Store, index: &mut SearchIndex) -> Result<usize, SearchError> {
    // Watermark first: if we die after clearing, the next catch-up starts
    // from the beginning instead of trusting a watermark of the old index.
    Watermark::save(store, index, None).await?;
    index.clear()?;
    index.commit()?;
    catch_up_with(store, index, &CatchUp::default()).await
}
