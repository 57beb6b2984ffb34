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
        Ok(SqliteStore { pool })
    }
}

impl SqliteStore {
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
