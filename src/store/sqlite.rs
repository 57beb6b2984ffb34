//! SQLite backend: one file in the data directory, WAL mode.

use super::StoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;

pub struct SqliteStore {
    pub(super) pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and migrates it.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL: a killed process loses nothing committed; only a
            // power cut may lose the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 32 MiB of pages per connection instead of SQLite's 2 MiB: the
            // alerts table and its indexes stay in memory, and a queue page
            // stops re-reading them from the OS (docs/performance.md).
            .pragma("cache_size", "-32768");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("src/store/sqlite/migrations")
            .run(&pool)
            .await?;
        let store = SqliteStore { pool };
        store.refresh_planner_stats(STATS_MIN_ALERTS).await?;
        Ok(store)
    }
}

/// Below this many alerts any plan is fast; statistics are not gathered.
pub(super) const STATS_MIN_ALERTS: i64 = 1_000;

impl SqliteStore {
    /// Gathers the planner's statistics for `alerts` (`ANALYZE alerts`, all
    /// rows: about 0.15 s of CPU at 100,000) when there are none or the table
    /// has doubled or halved since. Without them SQLite guesses that any
    /// equality is selective and, e.g., walks `alerts_level` fetching every
    /// critical alert to test its state, or every assigned alert to test a
    /// search's event ids (docs/performance.md). `posts` is left alone: its
    /// plans are primary-key lookups. Returns whether it analysed.
    pub(super) async fn refresh_planner_stats(&self, min_rows: i64) -> Result<bool, StoreError> {
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alerts")
            .fetch_one(&self.pool)
            .await?;
        if rows < min_rows {
            return Ok(false);
        }
        let has_stats: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1')",
        )
        .fetch_one(&self.pool)
        .await?;
        let analysed_rows: Option<i64> = if has_stats {
            let stat: Option<String> =
                sqlx::query_scalar("SELECT stat FROM sqlite_stat1 WHERE tbl = 'alerts' LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?;
            stat.and_then(|s| s.split(' ').next()?.parse().ok())
        } else {
            None
        };
        let stale = match analysed_rows {
            None => true,
            Some(n) => rows > 2 * n || 2 * rows < n,
        };
        if stale {
            sqlx::query("ANALYZE alerts").execute(&self.pool).await?;
        }
        Ok(stale)
    }

    /// A write transaction takes the write lock at once: a deferred one that
    /// upgrades later fails with SQLITE_BUSY instead of waiting its turn.
    pub(super) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

impl_sql_store!(SqliteStore, sqlx::Sqlite);
impl_review_store!(SqliteStore, sqlx::Sqlite);
impl_notify_store!(SqliteStore, sqlx::Sqlite);
impl_queue_store!(SqliteStore, sqlx::Sqlite);
impl_syndicate_store!(SqliteStore, sqlx::Sqlite, "");
