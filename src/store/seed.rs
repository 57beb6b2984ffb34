//! Bulk seeding of a SQLite store, **for benchmarks only** (`yuqing bench
//! dashboard`). It writes events, posts, their SimHash bands, analyses and
//! alerts as given, with multi-row `INSERT`s in one transaction per batch.
//! It **bypasses the pipeline**: no analysis, no dedup, no alert rules, no
//! routing, no audit log. The caller supplies analysis JSON and alert
//! fields that are consistent with each other; nothing here checks them.
//! Never use it to import real data (`yuqing crawl` / `import` sources do that).

use super::{SqliteStore, Store, StoreError};
use chrono::{DateTime, Utc};

/// An event cluster to seed; its posts refer to it by index in the batch.
#[derive(Debug, Clone)]
pub struct SeedEvent {
    pub title: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub post_count: i64,
    pub source_count: i64,
    pub max_risk: i64,
}

/// A post with its stored analysis.
#[derive(Debug, Clone)]
pub struct SeedPost {
    /// Index of its event in [`SeedBatch::events`].
    pub event: usize,
    pub source: String,
    pub external_id: String,
    pub url: Option<String>,
    pub channel: &'static str,
    pub title: String,
    pub text: String,
    pub author: Option<String>,
    pub published_at: DateTime<Utc>,
    pub fetched_at: DateTime<Utc>,
    pub content_hash: u64,
    pub simhash: u64,
    pub analyzer_version: String,
    pub sentiment_score: f64,
    pub sentiment_label: &'static str,
    pub risk_score: i64,
    pub risk_level: &'static str,
    /// JSON array of category names.
    pub categories: String,
    /// The serialized `model::Analysis`.
    pub analysis: String,
}

/// An alert of an event of the same batch.
#[derive(Debug, Clone)]
pub struct SeedAlert {
    /// Index in [`SeedBatch::events`].
    pub event: usize,
    /// Index in [`SeedBatch::posts`]: the event's best post.
    pub post: usize,
    pub level: &'static str,
    pub risk_score: i64,
    pub state: &'static str,
    pub post_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub assignee_id: Option<i64>,
    pub group_id: Option<i64>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub false_positive: bool,
}

/// What one call to [`Store::seed_batch`] writes, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct SeedBatch {
    pub events: Vec<SeedEvent>,
    pub posts: Vec<SeedPost>,
    pub alerts: Vec<SeedAlert>,
}

/// Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters.
const ROWS: usize = 1000;

impl SqliteStore {
    async fn seed_batch(&self, batch: &SeedBatch) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Explicit ids, continuing the tables' sequences: the batch's rows
        // refer to each other by index.
        let (event_base, post_base, alert_base): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM events), (SELECT COALESCE(MAX(id), 0) FROM posts), \
             (SELECT COALESCE(MAX(id), 0) FROM alerts)",
        )
        .fetch_one(&mut *tx)
        .await?;
        let event_id = |i: usize| event_base + i as i64 + 1;
        let post_id = |i: usize| post_base + i as i64 + 1;

        let mut sources: Vec<&str> = batch.posts.iter().map(|p| p.source.as_str()).collect();
        sources.sort_unstable();
        sources.dedup();
        for s in sources {
            sqlx::query("INSERT INTO sources (name, kind) VALUES ($1, 'push') ON CONFLICT (name) DO NOTHING")
                .bind(s)
                .execute(&mut *tx)
                .await?;
        }

        // The first post of each event.
        let mut first_post = vec![None; batch.events.len()];
        for (i, p) in batch.posts.iter().enumerate() {
            first_post[p.event].get_or_insert(post_id(i));
        }
        for (chunk_no, chunk) in batch.events.chunks(ROWS).enumerate() {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO events (id, title, first_post_id, post_count, source_count, first_seen_at, last_seen_at, max_risk) ",
            );
            qb.push_values(chunk.iter().enumerate(), |mut b, (k, e)| {
                let i = chunk_no * ROWS + k;
                b.push_bind(event_id(i))
                    .push_bind(&e.title)
                    .push_bind(first_post[i])
                    .push_bind(e.post_count)
                    .push_bind(e.source_count)
                    .push_bind(e.first_seen_at)
                    .push_bind(e.last_seen_at)
                    .push_bind(e.max_risk);
            });
            qb.build().execute(&mut *tx).await?;
        }
        for (chunk_no, chunk) in batch.posts.chunks(ROWS).enumerate() {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO posts (id, source, external_id, url, channel, title, text, author, published_at, \
                 fetched_at, content_hash, simhash, event_id, updated_at) ",
            );
            qb.push_values(chunk.iter().enumerate(), |mut b, (k, p)| {
                b.push_bind(post_id(chunk_no * ROWS + k))
                    .push_bind(&p.source)
                    .push_bind(&p.external_id)
                    .push_bind(&p.url)
                    .push_bind(p.channel)
                    .push_bind(&p.title)
                    .push_bind(&p.text)
                    .push_bind(&p.author)
                    .push_bind(p.published_at)
                    .push_bind(p.fetched_at)
                    .push_bind(p.content_hash as i64)
                    .push_bind(p.simhash as i64)
                    .push_bind(event_id(p.event))
                    .push_bind(p.fetched_at);
            });
            qb.build().execute(&mut *tx).await?;

            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO analyses (post_id, post_version, analyzer_version, sentiment_score, sentiment_label, \
                 risk_score, risk_level, categories, analysis, analyzed_at) ",
            );
            qb.push_values(chunk.iter().enumerate(), |mut b, (k, p)| {
                b.push_bind(post_id(chunk_no * ROWS + k))
                    .push_bind(1_i64)
                    .push_bind(&p.analyzer_version)
                    .push_bind(p.sentiment_score)
                    .push_bind(p.sentiment_label)
                    .push_bind(p.risk_score)
                    .push_bind(p.risk_level)
                    .push_bind(&p.categories)
                    .push_bind(&p.analysis)
                    .push_bind(p.fetched_at);
            });
            qb.build().execute(&mut *tx).await?;

            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT OR IGNORE INTO simhash_bands (band, post_id) ",
            );
            qb.push_values(
                chunk.iter().enumerate().flat_map(|(k, p)| {
                    crate::dedup::bands(p.simhash).map(|b| (b, post_id(chunk_no * ROWS + k)))
                }),
                |mut b, (band, id)| {
                    b.push_bind(band).push_bind(id);
                },
            );
            qb.build().execute(&mut *tx).await?;
        }
        for (chunk_no, chunk) in batch.alerts.chunks(ROWS).enumerate() {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO alerts (id, event_id, post_id, level, risk_score, state, post_count, created_at, \
                 updated_at, assignee_id, group_id, assigned_at, due_at, escalated_at, closed_at, false_positive) ",
            );
            qb.push_values(chunk.iter().enumerate(), |mut b, (k, a)| {
                b.push_bind(alert_base + (chunk_no * ROWS + k) as i64 + 1)
                    .push_bind(event_id(a.event))
                    .push_bind(post_id(a.post))
                    .push_bind(a.level)
                    .push_bind(a.risk_score)
                    .push_bind(a.state)
                    .push_bind(a.post_count)
                    .push_bind(a.created_at)
                    .push_bind(a.updated_at)
                    .push_bind(a.assignee_id)
                    .push_bind(a.group_id)
                    .push_bind(a.assigned_at)
                    .push_bind(a.due_at)
                    .push_bind(a.escalated_at)
                    .push_bind(a.closed_at)
                    .push_bind(a.false_positive);
            });
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn seed_counts(&self) -> Result<(i64, i64), StoreError> {
        Ok(
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM posts), (SELECT COUNT(*) FROM alerts)")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Fold the write-ahead log into the database file. No `ANALYZE`: the
    /// server never gathers planner statistics, so neither does the seed.
    async fn seed_finish(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Benchmarks only: write a batch of ready-made rows, bypassing the
    /// pipeline (see the module documentation). SQLite only.
    pub async fn seed_batch(&self, batch: &SeedBatch) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.seed_batch(batch).await,
            Store::Postgres(_) => Err(StoreError::Conflict(
                "bulk seeding is implemented for SQLite only".into(),
            )),
        }
    }

    /// Benchmarks only: (posts, alerts) stored.
    pub async fn seed_counts(&self) -> Result<(i64, i64), StoreError> {
        match self {
            Store::Sqlite(s) => s.seed_counts().await,
            Store::Postgres(_) => Err(StoreError::Conflict(
                "bulk seeding is implemented for SQLite only".into(),
            )),
        }
    }

    /// Benchmarks only: a WAL checkpoint after seeding.
    pub async fn seed_finish(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.seed_finish().await,
            Store::Postgres(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AlertFilter;
    use crate::store::tests::{analysis, post, save};

    fn batch(tag: &str, now: DateTime<Utc>) -> SeedBatch {
        let a = analysis(crate::model::RiskLevel::High, 70);
        let event = |title: &str, n: i64| SeedEvent {
            title: title.into(),
            first_seen_at: now,
            last_seen_at: now,
            post_count: n,
            source_count: 1,
            max_risk: 70,
        };
        let post = |event: usize, k: usize| SeedPost {
            event,
            source: "weibo-campus".into(),
            external_id: format!("{tag}-{k}"),
            url: None,
            channel: "weibo",
            title: String::new(),
            text: format!("食堂 饭菜 出事 {tag} {k}"),
            author: None,
            published_at: now,
            fetched_at: now,
            content_hash: k as u64,
            simhash: (k as u64) << 20,
            analyzer_version: "test".into(),
            sentiment_score: -0.5,
            sentiment_label: "negative",
            risk_score: 70,
            risk_level: "high",
            categories: r#"["食品安全"]"#.into(),
            analysis: serde_json::to_string(&a).unwrap(),
        };
        SeedBatch {
            // A cluster of two posts with an alert, and a post alone.
            events: vec![event("一", 2), event("二", 1)],
            posts: vec![post(0, 0), post(0, 1), post(1, 2)],
            alerts: vec![SeedAlert {
                event: 0,
                post: 0,
                level: "high",
                risk_score: 70,
                state: "new",
                post_count: 2,
                created_at: now,
                updated_at: now,
                assignee_id: None,
                group_id: None,
                assigned_at: None,
                due_at: None,
                escalated_at: None,
                closed_at: None,
                false_positive: false,
            }],
        }
    }

    #[tokio::test]
    async fn seeded_rows_read_like_stored_ones_and_ids_continue() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(None, dir.path()).await.unwrap();
        let now = Utc::now();
        store.seed_batch(&batch("a", now)).await.unwrap();
        store.seed_batch(&batch("b", now)).await.unwrap();
        store.seed_finish().await.unwrap();
        assert_eq!(store.seed_counts().await.unwrap(), (6, 2));

        let page = store
            .alert_page(&AlertFilter {
                category: Some("食品安全".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, 2);
        // The second batch's alert points at its own event and first post.
        let second = page.items.iter().find(|a| a.id == 2).unwrap();
        assert_eq!(
            (second.event_id, second.post_id, second.post_count),
            (3, 4, 2)
        );
        let stored = store.post(4).await.unwrap().unwrap();
        assert_eq!(stored.external_id, "b-0");
        assert_eq!(stored.analysis.unwrap().risk.score, 70);
        assert_eq!(store.cluster_posts(3, 10).await.unwrap().len(), 2);

        // The pipeline's own writes carry on after the seeded ids.
        let out = save(
            &store,
            &post("s", "new", "全新的一条帖子 与众不同"),
            &analysis(crate::model::RiskLevel::High, 80),
        )
        .await;
        assert_eq!(out.post_id, 7);
        assert!(out.event_id > 4);
        assert!(matches!(
            out.alert,
            Some(crate::store::AlertChange::Raised { alert_id: 3 })
        ));
    }
}
