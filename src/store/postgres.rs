//! PostgreSQL backend, for the scaled mode: all state in one database that
//! any number of workers and web nodes share.

use super::StoreError;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;

pub struct PgStore {
    pub(super) pool: PgPool,
}

impl PgStore {
    /// Connects and migrates. `schema`, if given, is created and used as the
    /// search path (tests use one schema each).
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(schema) = schema {
            let mut conn = sqlx::PgConnection::connect_with(&options).await?;
            // Identifiers cannot be bound; the schema name is ours, quoted.
            let ddl = format!(
                "CREATE SCHEMA IF NOT EXISTS \"{}\"",
                schema.replace('"', "")
            );
            sqlx::query(sqlx::AssertSqlSafe(ddl))
                .execute(&mut conn)
                .await?;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("src/store/postgres/migrations")
            .run(&pool)
            .await?;
        Ok(PgStore { pool })
    }
}

impl PgStore {
    /// Drop a schema [`PgStore::connect`] made (benchmarks' throwaway
    /// stores); its pool should be closed first.
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let mut conn = sqlx::PgConnection::connect_with(&options).await?;
        let ddl = format!(
            "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
            schema.replace('"', "")
        );
        sqlx::query(sqlx::AssertSqlSafe(ddl))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

impl_sql_store!(PgStore, sqlx::Postgres);
impl_review_store!(PgStore, sqlx::Postgres);
impl_notify_store!(PgStore, sqlx::Postgres);
impl_queue_store!(PgStore, sqlx::Postgres);
impl_syndicate_store!(PgStore, sqlx::Postgres, " FOR UPDATE OF p SKIP LOCKED");
