//! Storage: the only place with SQL. SQLite (embedded, default) or
//! PostgreSQL (scaled), chosen by the database URL; each backend has its own
//! migrations. Queries that read the same on both are written once in
//! `sql.rs` and instantiated per backend.

#[macro_use]
mod sql;
#[macro_use]
mod review_sql;
#[macro_use]
pub(crate) mod notify_sql;
#[macro_use]
mod queue_sql;
#[macro_use]
pub(crate) mod syndicate_sql;
mod postgres;
pub mod queue;
pub mod review;
pub mod seed;
mod sqlite;

use crate::model::{Analysis, NewPost, RiskLevel, StoredPost};
use chrono::{DateTime, Utc};
use std::path::Path;

pub use notify_sql::{AttemptOutcome, Delivery, NotifyAlert, QueuedAlert};
pub use postgres::PgStore;
pub use queue::{
    ActiveEvent, AlertFacts, AlertFilter, AlertListItem, AlertPage, AlertSort, ClusterPost,
    EditLock, GroupRow, ResponseRow, Visibility, Workload,
};
pub use review::{AlertUpdate, AssignTo, AuditEntry, NewUser, ResponseInput, SessionRow, UserRow};
pub use sqlite::SqliteStore;
pub use syndicate_sql::{
    ChannelRecord, ContentChange, Credential, JobOutcome, NewPublication, Publication,
    PublicationAttempt, PublicationState, SealedGrant,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("unsupported database URL '{0}' (expected sqlite:… or postgres://…)")]
    UnsupportedUrl(String),
    #[error("{0}")]
    Conflict(String),
    #[error("corrupt row in {table}: {message}")]
    Corrupt {
        table: &'static str,
        message: String,
    },
}

/// What saving a post did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveStatus {
    /// A post never seen before.
    New,
    /// A known post whose content changed; the old version was kept.
    Updated,
    /// A known post with the same content; only its metrics were refreshed.
    Unchanged,
}

/// What happened to the event's alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    Raised { alert_id: i64 },
    Updated { alert_id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveOutcome {
    pub post_id: i64,
    pub event_id: i64,
    pub status: SaveStatus,
    /// True when the post joined an existing event (a repost or copy).
    pub joined_event: bool,
    pub alert: Option<AlertChange>,
}

/// A post already stored under the same identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Existing {
    pub post_id: i64,
    pub content_hash: u64,
    pub version: i32,
    pub event_id: i64,
}

/// What to save along with a post.
pub struct SaveRequest<'a> {
    pub post: &'a NewPost,
    pub canonical_url: Option<&'a str>,
    pub content_hash: u64,
    pub simhash: u64,
    pub analysis: &'a Analysis,
    pub analyzer_version: &'a str,
    /// Events whose best post reaches this level get an alert.
    pub alert_level: RiskLevel,
}

/// Crawl state of one source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceState {
    pub name: String,
    pub kind: String,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub next_run_at: Option<DateTime<Utc>>,
    pub consecutive_failures: i64,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSummary {
    pub id: i64,
    pub title: String,
    pub post_count: i64,
    pub source_count: i64,
    pub max_risk: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    pub id: i64,
    pub event_id: i64,
    pub post_id: i64,
    pub level: RiskLevel,
    pub risk_score: i64,
    pub state: String,
    pub post_count: i64,
    pub created_at: DateTime<Utc>,
}

/// The store, whichever backend the URL chose.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $body:expr) => {
        match $self {
            Store::Sqlite($s) => $body,
            Store::Postgres($s) => $body,
        }
    };
}

impl Store {
    /// `database_url` if given (`postgres://…` or `sqlite:…`), else the
    /// SQLite file `yuqing.db` in `data_dir`. Runs pending migrations.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Store, StoreError> {
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Store::Postgres(PgStore::connect(url, None).await?))
            }
            Some(url) if url.starts_with("sqlite:") => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                Ok(Store::Sqlite(SqliteStore::open(Path::new(path)).await?))
            }
            Some(url) => Err(StoreError::UnsupportedUrl(url.to_string())),
            None => {
                std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
                    path: data_dir.display().to_string(),
                    source,
                })?;
                Ok(Store::Sqlite(
                    SqliteStore::open(&data_dir.join("yuqing.db")).await?,
                ))
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn find_existing(
        &self,
        source: &str,
        external_id: &str,
        canonical_url: Option<&str>,
    ) -> Result<Option<Existing>, StoreError> {
        dispatch!(self, s => s.find_existing(source, external_id, canonical_url).await)
    }

    /// Save a post with its analysis in one transaction: a new version if it
    /// changed, its event (joining a near-duplicate's), the event's alert.
    pub async fn save_post(&self, req: &SaveRequest<'_>) -> Result<SaveOutcome, StoreError> {
        dispatch!(self, s => s.save_post(req).await)
    }

    /// Posts updated at or after `since`, oldest first, keyset-paginated by
    /// `(updated_at, id)` after `after`.
    pub async fn posts_since(
        &self,
        since: Option<DateTime<Utc>>,
        after: Option<(DateTime<Utc>, i64)>,
        limit: i64,
    ) -> Result<Vec<StoredPost>, StoreError> {
        dispatch!(self, s => s.posts_since(since, after, limit).await)
    }

    pub async fn post_versions(
        &self,
        post_id: i64,
    ) -> Result<Vec<(i32, String, String)>, StoreError> {
        dispatch!(self, s => s.post_versions(post_id).await)
    }

    pub async fn event(&self, id: i64) -> Result<Option<EventSummary>, StoreError> {
        dispatch!(self, s => s.event(id).await)
    }

    pub async fn alerts(&self) -> Result<Vec<AlertRow>, StoreError> {
        dispatch!(self, s => s.alerts().await)
    }

    /// New counters for a post whose content did not change.
    pub async fn update_metrics(
        &self,
        post_id: i64,
        metrics: Option<crate::model::Metrics>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.update_metrics(post_id, metrics).await)
    }

    pub async fn count_posts(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.count_posts().await)
    }

    pub async fn ensure_source(&self, name: &str, kind: &str) -> Result<(), StoreError> {
        dispatch!(self, s => s.ensure_source(name, kind).await)
    }

    pub async fn source_state(&self, name: &str) -> Result<Option<SourceState>, StoreError> {
        dispatch!(self, s => s.source_state(name).await)
    }

    pub async fn record_source_success(
        &self,
        name: &str,
        at: DateTime<Utc>,
        next_run_at: DateTime<Utc>,
        cursor: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.record_source_success(name, at, next_run_at, cursor).await)
    }

    pub async fn record_source_failure(
        &self,
        name: &str,
        at: DateTime<Utc>,
        error: &str,
        next_run_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.record_source_failure(name, at, error, next_run_at).await)
    }

    /// Take a source for one run (a lease until `until`); false when another
    /// process holds it, or when it is not due and `force` is off.
    pub async fn claim_source(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        force: bool,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.claim_source(name, owner, now, until, force).await)
    }

    /// Who holds the source's lease, if anyone.
    pub async fn lease_owner(&self, name: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, s => s.lease_owner(name).await)
    }

    /// Take over the lease of a process known to be gone.
    pub async fn take_over_lease(
        &self,
        name: &str,
        dead: &str,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.take_over_lease(name, dead, owner, until).await)
    }

    /// Give up one owner's leases, or all of them (`None`).
    pub async fn release_leases(&self, owner: Option<&str>) -> Result<u64, StoreError> {
        dispatch!(self, s => s.release_leases(owner).await)
    }

    pub async fn create_user(
        &self,
        user: &NewUser<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, s => s.create_user(user, now).await)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        dispatch!(self, s => s.user_by_name(username).await)
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        dispatch!(self, s => s.user(id).await)
    }

    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        dispatch!(self, s => s.users().await)
    }

    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_password(user_id, password_hash, actor, now).await)
    }

    pub async fn set_user_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_user_disabled(user_id, disabled, actor, now).await)
    }

    pub async fn create_group(
        &self,
        name: &str,
        lead: Option<i64>,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, s => s.create_group(name, lead, actor, now).await)
    }

    pub async fn add_group_member(
        &self,
        group_id: i64,
        user_id: i64,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.add_group_member(group_id, user_id, actor, now).await)
    }

    pub async fn group_id(&self, name: &str) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.group_id(name).await)
    }

    /// The user as an actor (roles, groups); none if unknown or disabled.
    pub async fn actor(&self, user_id: i64) -> Result<Option<crate::review::Actor>, StoreError> {
        dispatch!(self, s => s.actor(user_id).await)
    }

    pub async fn member_loads(
        &self,
        group_id: i64,
    ) -> Result<Vec<crate::review::routing::MemberLoad>, StoreError> {
        dispatch!(self, s => s.member_loads(group_id).await)
    }

    pub async fn alert_access(
        &self,
        alert_id: i64,
    ) -> Result<Option<crate::review::AlertAccess>, StoreError> {
        dispatch!(self, s => s.alert_access(alert_id).await)
    }

    /// Apply one checked change to an alert with its audit entry; false if
    /// the alert was no longer in `change.from`.
    pub async fn change_alert(&self, change: &AlertUpdate<'_>) -> Result<bool, StoreError> {
        dispatch!(self, s => s.change_alert(change).await)
    }

    pub async fn add_response(
        &self,
        alert_id: i64,
        user_id: i64,
        response: &ResponseInput<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, s => s.add_response(alert_id, user_id, response, now).await)
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.create_session(id_hash, user_id, csrf, now).await)
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        dispatch!(self, s => s.session(id_hash).await)
    }

    pub async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        dispatch!(self, s => s.touch_session(id_hash, now).await)
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        dispatch!(self, s => s.delete_session(id_hash).await)
    }

    /// Count a failed sign-in; lock the account once `max_failures` failed in a row.
    pub async fn record_login_failure(
        &self,
        user_id: i64,
        max_failures: i64,
        lock_until: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        dispatch!(self, s => s.record_login_failure(user_id, max_failures, lock_until).await)
    }

    pub async fn record_login_success(&self, user_id: i64) -> Result<(), StoreError> {
        dispatch!(self, s => s.record_login_success(user_id).await)
    }

    /// End a user's sessions (after a password change or when disabled),
    /// except the one with id hash `keep`.
    pub async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64, StoreError> {
        dispatch!(self, s => s.end_sessions(user_id, keep).await)
    }

    pub async fn overdue_alerts(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, crate::review::AlertState)>, StoreError> {
        dispatch!(self, s => s.overdue_alerts(now).await)
    }

    pub async fn audit_trail(
        &self,
        target_type: &str,
        target_id: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, s => s.audit_trail(target_type, target_id).await)
    }

    pub async fn alert_page(&self, filter: &AlertFilter) -> Result<AlertPage, StoreError> {
        dispatch!(self, s => s.alert_page(filter).await)
    }

    pub async fn alert_item(&self, id: i64) -> Result<Option<AlertListItem>, StoreError> {
        dispatch!(self, s => s.alert_item(id).await)
    }

    /// Keeps the query planner's statistics current as the alerts grow (on
    /// SQLite; PostgreSQL's autovacuum analyses by itself). Cheap when
    /// nothing changed much: a count. Returns whether it analysed.
    pub async fn refresh_planner_stats(&self) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.refresh_planner_stats(sqlite::STATS_MIN_ALERTS).await,
            Store::Postgres(_) => Ok(false),
        }
    }

    pub async fn max_alert_id(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.max_alert_id().await)
    }

    pub async fn post(&self, id: i64) -> Result<Option<StoredPost>, StoreError> {
        dispatch!(self, s => s.post(id).await)
    }

    pub async fn cluster_posts(
        &self,
        event_id: i64,
        limit: i64,
    ) -> Result<Vec<ClusterPost>, StoreError> {
        dispatch!(self, s => s.cluster_posts(event_id, limit).await)
    }

    pub async fn alert_responses(&self, alert_id: i64) -> Result<Vec<ResponseRow>, StoreError> {
        dispatch!(self, s => s.alert_responses(alert_id).await)
    }

    pub async fn groups(&self) -> Result<Vec<GroupRow>, StoreError> {
        dispatch!(self, s => s.groups().await)
    }

    pub async fn lock_alert(
        &self,
        alert_id: i64,
        user_id: i64,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<EditLock>, StoreError> {
        dispatch!(self, s => s.lock_alert(alert_id, user_id, until, now).await)
    }

    pub async fn unlock_alert(&self, alert_id: i64, user_id: i64) -> Result<(), StoreError> {
        dispatch!(self, s => s.unlock_alert(alert_id, user_id).await)
    }

    pub async fn alert_lock(
        &self,
        alert_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<EditLock>, StoreError> {
        dispatch!(self, s => s.alert_lock(alert_id, now).await)
    }

    pub async fn alert_facts(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        with_rules: bool,
    ) -> Result<Vec<AlertFacts>, StoreError> {
        dispatch!(self, s => s.alert_facts(since, until, with_rules).await)
    }

    pub async fn active_events(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ActiveEvent>, StoreError> {
        dispatch!(self, s => s.active_events(since, limit).await)
    }

    pub async fn event_post_times(
        &self,
        events: &[i64],
    ) -> Result<Vec<(i64, DateTime<Utc>)>, StoreError> {
        dispatch!(self, s => s.event_post_times(events).await)
    }

    pub async fn add_alert_note(
        &self,
        alert_id: i64,
        user_id: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.add_alert_note(alert_id, user_id, note, now).await)
    }

    pub async fn source_names(&self) -> Result<Vec<String>, StoreError> {
        dispatch!(self, s => s.source_names().await)
    }

    pub async fn audit_log(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        limit: i64,
        newest_first: bool,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, s => s.audit_log(since, until, limit, newest_first).await)
    }

    pub async fn post_sentiments(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
        dispatch!(self, s => s.post_sentiments(since, until).await)
    }

    pub async fn workload(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Workload>, StoreError> {
        dispatch!(self, s => s.workload(since, until, now).await)
    }

    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, s => s.create_api_token(user_id, name, token_hash, now).await)
    }

    pub async fn api_token_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.api_token_user(token_hash, now).await)
    }

    pub async fn revoke_api_tokens(
        &self,
        user_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        dispatch!(self, s => s.revoke_api_tokens(user_id, name, now).await)
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, s => s.meta(key).await)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        dispatch!(self, s => s.set_meta(key, value).await)
    }
}

/// The notifier's queries (`notify_sql.rs`); see `crate::notify`.
impl Store {
    pub async fn notify_alerts_after(
        &self,
        after: (DateTime<Utc>, i64),
        limit: i64,
    ) -> Result<Vec<NotifyAlert>, StoreError> {
        dispatch!(self, s => s.notify_alerts_after(after, limit).await)
    }

    pub async fn notify_mark(
        &self,
        channel: &str,
        alert: &NotifyAlert,
        growth_step: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.notify_mark(channel, alert, growth_step, reason, now).await)
    }

    pub async fn notify_marked(
        &self,
        channel: &str,
        alert_id: i64,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        dispatch!(self, s => s.notify_marked(channel, alert_id).await)
    }

    pub async fn notify_queued(&self, channel: &str) -> Result<Vec<QueuedAlert>, StoreError> {
        dispatch!(self, s => s.notify_queued(channel).await)
    }

    pub async fn notify_create_delivery(
        &self,
        channel: &str,
        covered: &[(i64, i64)],
        payload: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, s => s.notify_create_delivery(channel, covered, payload, now).await)
    }

    pub async fn notify_due(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        dispatch!(self, s => s.notify_due(channel, now, limit).await)
    }

    pub async fn notify_deliveries(
        &self,
        channel: Option<&str>,
    ) -> Result<Vec<Delivery>, StoreError> {
        dispatch!(self, s => s.notify_deliveries(channel).await)
    }

    pub async fn notify_record_attempt(
        &self,
        delivery_id: i64,
        channel: &str,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.notify_record_attempt(delivery_id, channel, at, outcome).await)
    }

    pub async fn notify_attempts_since(
        &self,
        channel: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, s => s.notify_attempts_since(channel, since).await)
    }

    pub async fn notify_last_message_at(
        &self,
        channel: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        dispatch!(self, s => s.notify_last_message_at(channel).await)
    }

    /// `None` when another process holds the channel; else its pause, if any.
    pub async fn notify_claim_channel(
        &self,
        channel: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<Option<DateTime<Utc>>>, StoreError> {
        dispatch!(self, s => s.notify_claim_channel(channel, owner, now, until).await)
    }

    /// Give up channel leases: one channel's or all (`None`), one owner's or anyone's.
    pub async fn notify_release_channel(
        &self,
        channel: Option<&str>,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.notify_release_channel(channel, owner).await)
    }

    pub async fn notify_pause_channel(
        &self,
        channel: &str,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.notify_pause_channel(channel, until).await)
    }
}

/// Syndication: content, channel accounts, the publication outbox
/// (`syndicate_sql.rs`); see `crate::syndicate`.
impl Store {
    pub async fn syn_create_channel(
        &self,
        name: &str,
        kind: crate::syndicate::channels::ChannelKind,
        settings: &crate::syndicate::channels::ChannelSettings,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, s => s.syn_create_channel(name, kind, settings, actor, now).await)
    }

    pub async fn syn_channel(&self, id: i64) -> Result<Option<ChannelRecord>, StoreError> {
        dispatch!(self, s => s.syn_channel(id).await)
    }

    pub async fn syn_channels(&self) -> Result<Vec<ChannelRecord>, StoreError> {
        dispatch!(self, s => s.syn_channels().await)
    }

    pub async fn syn_set_channel_credential(
        &self,
        id: i64,
        which: Credential,
        sealed: Option<&str>,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.syn_set_channel_credential(id, which, sealed, actor, now).await)
    }

    pub async fn syn_store_grant(
        &self,
        id: i64,
        grant: &SealedGrant<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.syn_store_grant(id, grant, now).await)
    }

    pub async fn syn_set_channel_token(
        &self,
        id: i64,
        sealed: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.syn_set_channel_token(id, sealed, expires_at).await)
    }

    pub async fn syn_pause_channel(
        &self,
        id: i64,
        until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.syn_pause_channel(id, until).await)
    }

    pub async fn syn_create_content(
        &self,
        author: i64,
        body: &crate::syndicate::content::ContentBody,
        source_post_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, s => s.syn_create_content(author, body, source_post_id, now).await)
    }

    pub async fn syn_edit_content(
        &self,
        id: i64,
        editor: i64,
        expected_version: i64,
        body: &crate::syndicate::content::ContentBody,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.syn_edit_content(id, editor, expected_version, body, now).await)
    }

    pub async fn syn_content(
        &self,
        id: i64,
    ) -> Result<Option<crate::syndicate::content::Content>, StoreError> {
        dispatch!(self, s => s.syn_content(id).await)
    }

    pub async fn syn_contents(
        &self,
        state: Option<crate::syndicate::content::ContentState>,
        limit: i64,
    ) -> Result<Vec<crate::syndicate::content::Content>, StoreError> {
        dispatch!(self, s => s.syn_contents(state, limit).await)
    }

    pub async fn syn_choose_channels(
        &self,
        id: i64,
        channel_ids: &[i64],
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.syn_choose_channels(id, channel_ids).await)
    }

    pub async fn syn_update_channel(
        &self,
        id: i64,
        name: &str,
        settings: &crate::syndicate::channels::ChannelSettings,
        enabled: bool,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.syn_update_channel(id, name, settings, enabled, actor, now).await)
    }

    pub async fn syn_content_versions(
        &self,
        id: i64,
    ) -> Result<Vec<crate::syndicate::content::ContentVersion>, StoreError> {
        dispatch!(self, s => s.syn_content_versions(id).await)
    }

    pub async fn syn_change_content(&self, change: &ContentChange<'_>) -> Result<bool, StoreError> {
        dispatch!(self, s => s.syn_change_content(change).await)
    }

    pub async fn syn_enqueue(
        &self,
        change: &ContentChange<'_>,
        version: i64,
        jobs: &[NewPublication],
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.syn_enqueue(change, version, jobs).await)
    }

    pub async fn syn_due_contents(&self, now: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, s => s.syn_due_contents(now).await)
    }

    pub async fn syn_claim(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<Publication>, StoreError> {
        dispatch!(self, s => s.syn_claim(owner, now, until).await)
    }

    pub async fn syn_expire_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        dispatch!(self, s => s.syn_expire_leases(now).await)
    }

    pub async fn syn_renew(
        &self,
        id: i64,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.syn_renew(id, owner, until).await)
    }

    pub async fn syn_save_checkpoint(
        &self,
        id: i64,
        owner: &str,
        checkpoint: &serde_json::Value,
        at: DateTime<Utc>,
        note: Option<&str>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.syn_save_checkpoint(id, owner, checkpoint, at, note).await)
    }

    pub async fn syn_finish(
        &self,
        id: i64,
        owner: &str,
        outcome: &JobOutcome,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.syn_finish(id, owner, outcome, at).await)
    }

    pub async fn syn_media_in_use(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        dispatch!(self, s => s.syn_media_in_use().await)
    }

    pub async fn syn_platform_review(
        &self,
        channel_id: i64,
        remote_id: &str,
        passed: bool,
        message: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.syn_platform_review(channel_id, remote_id, passed, message, at).await)
    }

    pub async fn syn_publications(&self, content_id: i64) -> Result<Vec<Publication>, StoreError> {
        dispatch!(self, s => s.syn_publications(content_id).await)
    }

    pub async fn syn_published_on(
        &self,
        channel_id: i64,
        limit: i64,
    ) -> Result<Vec<Publication>, StoreError> {
        dispatch!(self, s => s.syn_published_on(channel_id, limit).await)
    }

    pub async fn syn_publication_attempts(
        &self,
        id: i64,
    ) -> Result<Vec<PublicationAttempt>, StoreError> {
        dispatch!(self, s => s.syn_publication_attempts(id).await)
    }

    pub async fn syn_retry_failed(
        &self,
        content_id: i64,
        actor: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        dispatch!(self, s => s.syn_retry_failed(content_id, actor, now).await)
    }
}

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod queue_tests;
