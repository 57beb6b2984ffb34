//! Syndication queries (tables of migration `0007_syndicate`): content and
//! its versions, channel accounts, the publication outbox. Written once and
//! instantiated per backend like `sql.rs`; the claim query takes the
//! backend's row-locking clause (`FOR UPDATE … SKIP LOCKED` on PostgreSQL,
//! nothing on SQLite, whose writers are serialised).

use crate::syndicate::channels::ChannelAccount;
use crate::syndicate::content::ContentState;
use crate::syndicate::variants::Variant;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A channel account with its sealed secret and cached token.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRecord {
    pub account: ChannelAccount,
    /// Sealed (see `crate::syndicate::secrets`).
    pub secret: Option<String>,
    /// Sealed cached access token.
    pub token: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    /// Sealed refresh token of a user grant (video platforms).
    pub refresh_token: Option<String>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// Sealed app secret (Kuaishou refresh, Bilibili signatures).
    pub app_secret: Option<String>,
}

impl ChannelRecord {
    /// Which credentials the account holds.
    pub fn held(&self) -> crate::syndicate::channels::Held {
        crate::syndicate::channels::Held {
            secret: self.secret.is_some(),
            refresh_token: self.refresh_token.is_some(),
            app_secret: self.app_secret.is_some(),
        }
    }
}

/// A sealed credential of a channel that a person enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// AppSecret, access token or whsec_ key: what the adapter calls with.
    Secret,
    /// The refresh token of a video platform's user grant.
    RefreshToken,
    /// The app's own secret where a video platform needs one.
    AppSecret,
}

impl Credential {
    /// The sealing context's purpose and the audit action.
    pub fn purpose(self) -> &'static str {
        match self {
            Credential::Secret => "secret",
            Credential::RefreshToken => "refresh",
            Credential::AppSecret => "app_secret",
        }
    }
}

/// A refreshed user grant, sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedGrant<'a> {
    pub token: &'a str,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub refresh_token: &'a str,
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

/// One checked change of a content's state, with its audit entry.
#[derive(Debug, Clone)]
pub struct ContentChange<'a> {
    pub content_id: i64,
    /// None: the system (scheduler, outbox).
    pub actor: Option<i64>,
    /// Audit action, e.g. `content.submit`.
    pub action: &'a str,
    pub from: ContentState,
    pub to: ContentState,
    /// `Some(v)` sets the column to `v`.
    pub approved_version: Option<Option<i64>>,
    pub approver: Option<Option<i64>>,
    pub reject_reason: Option<Option<&'a str>>,
    pub scheduled_at: Option<Option<DateTime<Utc>>>,
    pub channel_ids: Option<&'a [i64]>,
    /// Extra audit detail (check hits, reasons).
    pub details: Option<serde_json::Value>,
    pub note: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl<'a> ContentChange<'a> {
    pub fn new(
        content_id: i64,
        actor: Option<i64>,
        action: &'a str,
        from: ContentState,
        to: ContentState,
        at: DateTime<Utc>,
    ) -> Self {
        ContentChange {
            content_id,
            actor,
            action,
            from,
            to,
            approved_version: None,
            approver: None,
            reject_reason: None,
            scheduled_at: None,
            channel_ids: None,
            details: None,
            note: None,
            at,
        }
    }
}

/// Where an outbox job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicationState {
    /// Waiting for its (next) attempt.
    Pending,
    /// A worker holds its lease; if the lease runs out the job is resumed.
    Sending,
    Published,
    Failed,
}

impl PublicationState {
    pub fn as_str(self) -> &'static str {
        match self {
            PublicationState::Pending => "pending",
            PublicationState::Sending => "sending",
            PublicationState::Published => "published",
            PublicationState::Failed => "failed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            PublicationState::Pending => "等待发送",
            PublicationState::Sending => "发送中",
            PublicationState::Published => "已发布",
            PublicationState::Failed => "失败",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, super::StoreError> {
        Ok(match s {
            "pending" => PublicationState::Pending,
            "sending" => PublicationState::Sending,
            "published" => PublicationState::Published,
            "failed" => PublicationState::Failed,
            other => {
                return Err(super::StoreError::Corrupt {
                    table: "publications",
                    message: format!("unknown state '{other}'"),
                });
            }
        })
    }
}

/// An outbox job: one content version on one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publication {
    pub id: i64,
    pub content_id: i64,
    pub version: i64,
    pub channel_id: i64,
    pub idempotency_key: String,
    pub variant: Variant,
    pub state: PublicationState,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// Platform ids of the steps already done (adapter-specific JSON).
    pub checkpoint: serde_json::Value,
    pub remote_id: Option<String>,
    pub remote_url: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewPublication {
    pub channel_id: i64,
    pub idempotency_key: String,
    pub variant: Variant,
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    Published {
        remote_id: Option<String>,
        remote_url: Option<String>,
    },
    Retry {
        error: String,
        next: DateTime<Utc>,
    },
    Failed {
        error: String,
    },
}

/// One row of a job's attempt log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicationAttempt {
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub message: Option<String>,
}

macro_rules! impl_syndicate_store {
    ($store:ty, $db:ty, $lock:literal) => {
        impl $store {
            pub async fn syn_create_channel(
                &self,
                name: &str,
                kind: $crate::syndicate::channels::ChannelKind,
                settings: &$crate::syndicate::channels::ChannelSettings,
                actor: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM syn_channels WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err($crate::store::StoreError::Conflict(format!("账号「{name}」已存在")));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO syn_channels (name, kind, settings, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(name)
                .bind(kind.as_str())
                .bind(sqlx::types::Json(settings))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                review_audit(&mut *tx, now, actor, "channel.create", "channel", id, None,
                    Some(serde_json::json!({"name": name, "kind": kind.as_str()})), None).await?;
                tx.commit().await?;
                Ok(id)
            }

            pub async fn syn_channel(
                &self,
                id: i64,
            ) -> Result<Option<$crate::store::ChannelRecord>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT id, name, kind, settings, secret, token, token_expires_at, refresh_token, \
                     refresh_expires_at, app_secret, paused_until, enabled, created_at FROM syn_channels WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(syn_channel_row).transpose()
            }

            pub async fn syn_channels(&self) -> Result<Vec<$crate::store::ChannelRecord>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, name, kind, settings, secret, token, token_expires_at, refresh_token, \
                     refresh_expires_at, app_secret, paused_until, enabled, created_at FROM syn_channels ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(syn_channel_row).collect()
            }

            /// Store one of the channel's sealed credentials (or remove it).
            /// A new secret drops the cached token; a new refresh token
            /// forgets the old one's expiry.
            pub async fn syn_set_channel_credential(
                &self,
                id: i64,
                which: $crate::store::Credential,
                sealed: Option<&str>,
                actor: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::Credential;
                let mut tx = self.begin_write().await?;
                let sql = match which {
                    Credential::Secret => "UPDATE syn_channels SET secret = $1, token = NULL, token_expires_at = NULL WHERE id = $2",
                    Credential::RefreshToken => "UPDATE syn_channels SET refresh_token = $1, refresh_expires_at = NULL WHERE id = $2",
                    Credential::AppSecret => "UPDATE syn_channels SET app_secret = $1 WHERE id = $2",
                };
                sqlx::query(sql)
                    .bind(sealed)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                // The audit says that it changed, never what it is.
                let action = match which {
                    Credential::Secret => "channel.secret",
                    Credential::RefreshToken => "channel.refresh_token",
                    Credential::AppSecret => "channel.app_secret",
                };
                review_audit(&mut *tx, now, actor, action, "channel", id, None, None, None).await?;
                tx.commit().await?;
                Ok(())
            }

            /// Keep a refreshed user grant: the new access token and the
            /// (possibly new) refresh token, in one write, audited as the
            /// system's.
            pub async fn syn_store_grant(
                &self,
                id: i64,
                grant: &$crate::store::SealedGrant<'_>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE syn_channels SET token = $1, token_expires_at = $2, refresh_token = $3, \
                     refresh_expires_at = $4 WHERE id = $5",
                )
                .bind(grant.token)
                .bind(grant.token_expires_at)
                .bind(grant.refresh_token)
                .bind(grant.refresh_expires_at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                review_audit(&mut *tx, now, None, "channel.token_refresh", "channel", id, None, None, None).await?;
                tx.commit().await?;
                Ok(())
            }

            /// Cache a (sealed) access token, or forget it.
            pub async fn syn_set_channel_token(
                &self,
                id: i64,
                sealed: Option<&str>,
                expires_at: Option<chrono::DateTime<chrono::Utc>>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE syn_channels SET token = $1, token_expires_at = $2 WHERE id = $3")
                    .bind(sealed)
                    .bind(expires_at)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            /// Send nothing on the channel before `until` (quota, rate limit).
            pub async fn syn_pause_channel(
                &self,
                id: i64,
                until: Option<chrono::DateTime<chrono::Utc>>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE syn_channels SET paused_until = $1 WHERE id = $2")
                    .bind(until)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            /// A new draft (version 1).
            pub async fn syn_create_content(
                &self,
                author: i64,
                body: &$crate::syndicate::content::ContentBody,
                source_post_id: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO contents (author_id, state, version, source_post_id, created_at, updated_at) \
                     VALUES ($1, 'draft', 1, $2, $3, $3) RETURNING id",
                )
                .bind(author)
                .bind(source_post_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO content_versions (content_id, version, body, editor_id, created_at) \
                     VALUES ($1, 1, $2, $3, $4)",
                )
                .bind(id)
                .bind(sqlx::types::Json(body))
                .bind(author)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                review_audit(&mut *tx, now, Some(author), "content.create", "content", id, None,
                    Some(serde_json::json!({"version": 1, "title": body.title, "source_post": source_post_id})),
                    None).await?;
                tx.commit().await?;
                Ok(id)
            }

            /// Save an edit as a new version, if the content is still at
            /// `expected_version` and editable; a rejected content returns
            /// to draft. The new version, or None when it moved meanwhile.
            pub async fn syn_edit_content(
                &self,
                id: i64,
                editor: i64,
                expected_version: i64,
                body: &$crate::syndicate::content::ContentBody,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<i64>, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE contents SET version = version + 1, state = 'draft', reject_reason = NULL, \
                     updated_at = $1 WHERE id = $2 AND version = $3 AND state IN ('draft', 'rejected')",
                )
                .bind(now)
                .bind(id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let version = expected_version + 1;
                sqlx::query(
                    "INSERT INTO content_versions (content_id, version, body, editor_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(version)
                .bind(sqlx::types::Json(body))
                .bind(editor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                review_audit(&mut *tx, now, Some(editor), "content.edit", "content", id,
                    Some(serde_json::json!({"version": expected_version})),
                    Some(serde_json::json!({"version": version, "title": body.title})), None).await?;
                tx.commit().await?;
                Ok(Some(version))
            }

            pub async fn syn_content(
                &self,
                id: i64,
            ) -> Result<Option<$crate::syndicate::content::Content>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT c.id, c.author_id, c.state, c.version, c.source_post_id, c.approved_version, \
                     c.approver_id, c.reject_reason, c.scheduled_at, c.channel_ids, c.created_at, c.updated_at, \
                     v.body FROM contents c JOIN content_versions v ON v.content_id = c.id AND v.version = c.version \
                     WHERE c.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(syn_content_row).transpose()
            }

            /// Contents (current versions), most recently changed first,
            /// optionally only those in `state`.
            pub async fn syn_contents(
                &self,
                state: Option<$crate::syndicate::content::ContentState>,
                limit: i64,
            ) -> Result<Vec<$crate::syndicate::content::Content>, $crate::store::StoreError> {
                const COLUMNS: &str = "SELECT c.id, c.author_id, c.state, c.version, c.source_post_id, \
                     c.approved_version, c.approver_id, c.reject_reason, c.scheduled_at, c.channel_ids, c.created_at, \
                     c.updated_at, v.body FROM contents c JOIN content_versions v ON v.content_id = c.id \
                     AND v.version = c.version";
                let rows = match state {
                    Some(st) => {
                        sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE c.state = $1 ORDER BY c.updated_at DESC, c.id DESC LIMIT $2")))
                            .bind(st.as_str())
                            .bind(limit)
                            .fetch_all(&self.pool)
                            .await?
                    }
                    None => {
                        sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} ORDER BY c.updated_at DESC, c.id DESC LIMIT $1")))
                            .bind(limit)
                            .fetch_all(&self.pool)
                            .await?
                    }
                };
                rows.iter().map(syn_content_row).collect()
            }

            /// Remember the channels chosen while editing (draft or
            /// rejected content only; submission fixes them).
            pub async fn syn_choose_channels(
                &self,
                id: i64,
                channel_ids: &[i64],
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE contents SET channel_ids = $1 WHERE id = $2 AND state IN ('draft', 'rejected')",
                )
                .bind(sqlx::types::Json(channel_ids))
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            /// Change an account's name, settings and whether it is used;
            /// false when it does not exist.
            pub async fn syn_update_channel(
                &self,
                id: i64,
                name: &str,
                settings: &$crate::syndicate::channels::ChannelSettings,
                enabled: bool,
                actor: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM syn_channels WHERE name = $1 AND id <> $2")
                    .bind(name)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err($crate::store::StoreError::Conflict(format!("账号「{name}」已存在")));
                }
                let before: Option<(String, sqlx::types::Json<serde_json::Value>, bool)> =
                    sqlx::query_as("SELECT name, settings, enabled FROM syn_channels WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((old_name, old_settings, old_enabled)) = before else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                sqlx::query("UPDATE syn_channels SET name = $1, settings = $2, enabled = $3 WHERE id = $4")
                    .bind(name)
                    .bind(sqlx::types::Json(settings))
                    .bind(enabled)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                review_audit(&mut *tx, now, actor, "channel.update", "channel", id,
                    Some(serde_json::json!({"name": old_name, "settings": old_settings.0, "enabled": old_enabled})),
                    Some(serde_json::json!({"name": name, "settings": settings, "enabled": enabled})), None).await?;
                tx.commit().await?;
                Ok(true)
            }

            /// Every version of a content, oldest first.
            pub async fn syn_content_versions(
                &self,
                id: i64,
            ) -> Result<Vec<$crate::syndicate::content::ContentVersion>, $crate::store::StoreError> {
                let rows: Vec<(i64, i64, i64, chrono::DateTime<chrono::Utc>, sqlx::types::Json<$crate::syndicate::content::ContentBody>)> =
                    sqlx::query_as(
                        "SELECT content_id, version, editor_id, created_at, body FROM content_versions \
                         WHERE content_id = $1 ORDER BY version",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(content_id, version, editor_id, created_at, body)| $crate::syndicate::content::ContentVersion {
                        content_id,
                        version,
                        editor_id,
                        created_at,
                        body: body.0,
                    })
                    .collect())
            }

            /// Apply one checked state change with its audit entry; false if
            /// the content was no longer in `change.from`.
            pub async fn syn_change_content(
                &self,
                change: &$crate::store::ContentChange<'_>,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let ok = syn_change_in(&mut *tx, change).await?;
                if ok {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                Ok(ok)
            }

            /// Move the content from `change.from` to publishing and queue
            /// its jobs, in one transaction. A job whose idempotency key is
            /// already queued is left as it is.
            pub async fn syn_enqueue(
                &self,
                change: &$crate::store::ContentChange<'_>,
                version: i64,
                jobs: &[$crate::store::NewPublication],
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                if !syn_change_in(&mut *tx, change).await? {
                    tx.rollback().await?;
                    return Ok(false);
                }
                for job in jobs {
                    sqlx::query(
                        "INSERT INTO publications (content_id, version, channel_id, idempotency_key, variant, \
                         state, next_attempt_at, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $6) ON CONFLICT (idempotency_key) DO NOTHING",
                    )
                    .bind(change.content_id)
                    .bind(version)
                    .bind(job.channel_id)
                    .bind(&job.idempotency_key)
                    .bind(sqlx::types::Json(&job.variant))
                    .bind(change.at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            /// Scheduled contents whose time has come.
            pub async fn syn_due_contents(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<i64>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT id FROM contents WHERE state = 'scheduled' AND scheduled_at <= $1 ORDER BY scheduled_at, id",
                )
                .bind(now)
                .fetch_all(&self.pool)
                .await?)
            }

            /// Take one due job under a lease until `until`: a pending job
            /// whose time has come, or a job whose sender's lease ran out
            /// (the process died) — resumed from its checkpoint.
            pub async fn syn_claim(
                &self,
                owner: &str,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<$crate::store::Publication>, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(concat!(
                    "UPDATE publications SET state = 'sending', lease_owner = $1, lease_until = $2, \
                     attempts = attempts + 1, updated_at = $3 WHERE id = (\
                     SELECT p.id FROM publications p JOIN syn_channels c ON c.id = p.channel_id \
                     WHERE ((p.state = 'pending' AND p.next_attempt_at <= $3) \
                        OR (p.state = 'sending' AND p.lease_until < $3)) \
                       AND c.enabled AND (c.paused_until IS NULL OR c.paused_until <= $3) \
                     ORDER BY p.next_attempt_at, p.id LIMIT 1", $lock, ") RETURNING ",
                    "id, content_id, version, channel_id, idempotency_key, variant, state, attempts, \
                     next_attempt_at, lease_owner, lease_until, checkpoint, remote_id, remote_url, last_error, \
                     created_at, updated_at, published_at"
                ))
                .bind(owner)
                .bind(until)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.as_ref().map(syn_publication_row).transpose()
            }

            /// End every live lease (a single process restarting: its old
            /// leases belong to no one). The jobs stay `sending` and are
            /// resumed from their checkpoints.
            pub async fn syn_expire_leases(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE publications SET lease_until = $1 WHERE state = 'sending' AND lease_until >= $2",
                )
                .bind(now - chrono::TimeDelta::seconds(1))
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            /// Extend the lease; false if the job is no longer ours.
            pub async fn syn_renew(
                &self,
                id: i64,
                owner: &str,
                until: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE publications SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'sending'",
                )
                .bind(until)
                .bind(id)
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            /// Persist the platform ids of a finished (or started) step
            /// before going on; false if the job is no longer ours.
            pub async fn syn_save_checkpoint(
                &self,
                id: i64,
                owner: &str,
                checkpoint: &serde_json::Value,
                at: chrono::DateTime<chrono::Utc>,
                note: Option<&str>,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE publications SET checkpoint = $1, updated_at = $2 \
                     WHERE id = $3 AND lease_owner = $4 AND state = 'sending'",
                )
                .bind(sqlx::types::Json(checkpoint))
                .bind(at)
                .bind(id)
                .bind(owner)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 && note.is_some() {
                    sqlx::query("INSERT INTO publication_attempts (publication_id, at, outcome, message) VALUES ($1, $2, 'progress', $3)")
                        .bind(id)
                        .bind(at)
                        .bind(note)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            /// Record the attempt's outcome and release the lease; when the
            /// content's last job ends, the content becomes published (all
            /// channels) or failed (any channel). False if the job is no
            /// longer ours.
            pub async fn syn_finish(
                &self,
                id: i64,
                owner: &str,
                outcome: &$crate::store::JobOutcome,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::JobOutcome;
                let (state, label, error, next, remote_id, remote_url) = match outcome {
                    JobOutcome::Published { remote_id, remote_url } => {
                        ("published", "published", None, at, remote_id.as_deref(), remote_url.as_deref())
                    }
                    JobOutcome::Retry { error, next } => ("pending", "retry", Some(error.as_str()), *next, None, None),
                    JobOutcome::Failed { error } => ("failed", "failed", Some(error.as_str()), at, None, None),
                };
                let mut tx = self.begin_write().await?;
                let content: Option<i64> = sqlx::query_scalar(
                    "UPDATE publications SET state = $1, last_error = COALESCE($2, last_error), next_attempt_at = $3, \
                     remote_id = COALESCE($4, remote_id), remote_url = COALESCE($5, remote_url), \
                     published_at = CASE WHEN $1 = 'published' THEN $6 ELSE published_at END, \
                     lease_owner = NULL, lease_until = NULL, updated_at = $6 \
                     WHERE id = $7 AND lease_owner = $8 AND state = 'sending' RETURNING content_id",
                )
                .bind(state)
                .bind(error)
                .bind(next)
                .bind(remote_id)
                .bind(remote_url)
                .bind(at)
                .bind(id)
                .bind(owner)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(content_id) = content else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                sqlx::query("INSERT INTO publication_attempts (publication_id, at, outcome, message) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(at)
                    .bind(label)
                    .bind(error)
                    .execute(&mut *tx)
                    .await?;
                if state != "pending" {
                    review_audit(&mut *tx, at, None, &format!("publication.{state}"), "publication", id, None,
                        Some(serde_json::json!({"content": content_id, "remote_id": remote_id, "url": remote_url, "error": error})),
                        None).await?;
                    syn_roll_up(&mut *tx, content_id, at).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            /// A platform's review verdict on a job it accepted (Bilibili's
            /// `video_open` / `video_fail`), found by the post's id on the
            /// channel. Passed: noted in the job's log. Failed: the job
            /// fails with the platform's reason and forgets its steps, so
            /// "retry failed" submits anew; a published content becomes
            /// failed. None when no published job has that id (or the
            /// verdict was already recorded).
            pub async fn syn_platform_review(
                &self,
                channel_id: i64,
                remote_id: &str,
                passed: bool,
                message: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<i64>, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let found: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT id, content_id FROM publications WHERE channel_id = $1 AND remote_id = $2 \
                     AND state = 'published' ORDER BY id DESC LIMIT 1",
                )
                .bind(channel_id)
                .bind(remote_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id, content_id)) = found else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                if passed {
                    let seen: Option<i64> = sqlx::query_scalar(
                        "SELECT 1 FROM publication_attempts WHERE publication_id = $1 AND outcome = 'progress' \
                         AND message = $2",
                    )
                    .bind(id)
                    .bind(message)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if seen.is_some() {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                    sqlx::query("INSERT INTO publication_attempts (publication_id, at, outcome, message) VALUES ($1, $2, 'progress', $3)")
                        .bind(id)
                        .bind(at)
                        .bind(message)
                        .execute(&mut *tx)
                        .await?;
                    review_audit(&mut *tx, at, None, "publication.review_passed", "publication", id, None,
                        Some(serde_json::json!({"content": content_id, "remote_id": remote_id})), None).await?;
                    tx.commit().await?;
                    return Ok(Some(id));
                }
                sqlx::query(
                    "UPDATE publications SET state = 'failed', last_error = $1, checkpoint = '{}', \
                     published_at = NULL, updated_at = $2 WHERE id = $3",
                )
                .bind(message)
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO publication_attempts (publication_id, at, outcome, message) VALUES ($1, $2, 'failed', $3)")
                    .bind(id)
                    .bind(at)
                    .bind(message)
                    .execute(&mut *tx)
                    .await?;
                review_audit(&mut *tx, at, None, "publication.failed", "publication", id, None,
                    Some(serde_json::json!({"content": content_id, "remote_id": remote_id, "error": message})), None).await?;
                let was_published = sqlx::query(
                    "UPDATE contents SET state = 'failed', updated_at = $1 WHERE id = $2 AND state = 'published'",
                )
                .bind(at)
                .bind(content_id)
                .execute(&mut *tx)
                .await?;
                if was_published.rows_affected() == 1 {
                    review_audit(&mut *tx, at, None, "content.failed", "content", content_id,
                        Some(serde_json::json!({"state": "published"})),
                        Some(serde_json::json!({"state": "failed", "reason": message})), None).await?;
                } else {
                    syn_roll_up(&mut *tx, content_id, at).await?;
                }
                tx.commit().await?;
                Ok(Some(id))
            }

            /// The media file names any content version or job refers to.
            pub async fn syn_media_in_use(
                &self,
            ) -> Result<std::collections::HashSet<String>, $crate::store::StoreError> {
                use futures_util::TryStreamExt;
                let mut out = std::collections::HashSet::new();
                for sql in ["SELECT body FROM content_versions", "SELECT variant FROM publications"] {
                    let mut rows = sqlx::query_scalar::<_, sqlx::types::Json<serde_json::Value>>(sql)
                        .fetch(&self.pool);
                    while let Some(v) = rows.try_next().await? {
                        $crate::syndicate::media::names_in(&v.0, &mut out);
                    }
                }
                Ok(out)
            }

            /// The outbox jobs of a content, by channel.
            pub async fn syn_publications(
                &self,
                content_id: i64,
            ) -> Result<Vec<$crate::store::Publication>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, content_id, version, channel_id, idempotency_key, variant, state, attempts, \
                     next_attempt_at, lease_owner, lease_until, checkpoint, remote_id, remote_url, last_error, \
                     created_at, updated_at, published_at FROM publications WHERE content_id = $1 ORDER BY channel_id, id",
                )
                .bind(content_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(syn_publication_row).collect()
            }

            /// What a channel published, newest first (the website feeds).
            pub async fn syn_published_on(
                &self,
                channel_id: i64,
                limit: i64,
            ) -> Result<Vec<$crate::store::Publication>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, content_id, version, channel_id, idempotency_key, variant, state, attempts, \
                     next_attempt_at, lease_owner, lease_until, checkpoint, remote_id, remote_url, last_error, \
                     created_at, updated_at, published_at FROM publications \
                     WHERE channel_id = $1 AND state = 'published' ORDER BY published_at DESC, id DESC LIMIT $2",
                )
                .bind(channel_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(syn_publication_row).collect()
            }

            pub async fn syn_publication_attempts(
                &self,
                id: i64,
            ) -> Result<Vec<$crate::store::PublicationAttempt>, $crate::store::StoreError> {
                let rows: Vec<(chrono::DateTime<chrono::Utc>, String, Option<String>)> = sqlx::query_as(
                    "SELECT at, outcome, message FROM publication_attempts WHERE publication_id = $1 ORDER BY at, outcome",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(at, outcome, message)| $crate::store::PublicationAttempt { at, outcome, message })
                    .collect())
            }

            /// Queue the content's failed jobs again (after a token or quota
            /// problem was fixed); the content goes back to publishing.
            /// Returns how many jobs were requeued.
            pub async fn syn_retry_failed(
                &self,
                content_id: i64,
                actor: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE publications SET state = 'pending', next_attempt_at = $1, updated_at = $1 \
                     WHERE content_id = $2 AND state = 'failed'",
                )
                .bind(now)
                .bind(content_id)
                .execute(&mut *tx)
                .await?;
                let n = done.rows_affected();
                if n > 0 {
                    sqlx::query("UPDATE contents SET state = 'publishing', updated_at = $1 WHERE id = $2 AND state = 'failed'")
                        .bind(now)
                        .bind(content_id)
                        .execute(&mut *tx)
                        .await?;
                    review_audit(&mut *tx, now, Some(actor), "content.retry_failed", "content", content_id,
                        Some(serde_json::json!({"state": "failed"})),
                        Some(serde_json::json!({"state": "publishing", "jobs": n})), None).await?;
                }
                tx.commit().await?;
                Ok(n)
            }
        }

        async fn syn_change_in(
            conn: &mut <$db as sqlx::Database>::Connection,
            change: &$crate::store::ContentChange<'_>,
        ) -> Result<bool, $crate::store::StoreError> {
            use sqlx::Row;
            let Some(cur) = sqlx::query(
                "SELECT approved_version, approver_id, reject_reason, scheduled_at, channel_ids FROM contents \
                 WHERE id = $1 AND state = $2",
            )
            .bind(change.content_id)
            .bind(change.from.as_str())
            .fetch_optional(&mut *conn)
            .await?
            else {
                return Ok(false);
            };
            let approved: Option<i64> = match change.approved_version {
                Some(v) => v,
                None => cur.try_get("approved_version")?,
            };
            let approver: Option<i64> = match change.approver {
                Some(v) => v,
                None => cur.try_get("approver_id")?,
            };
            let reason: Option<String> = match change.reject_reason {
                Some(v) => v.map(str::to_string),
                None => cur.try_get("reject_reason")?,
            };
            let scheduled: Option<chrono::DateTime<chrono::Utc>> = match change.scheduled_at {
                Some(v) => v,
                None => cur.try_get("scheduled_at")?,
            };
            let channels: Vec<i64> = match change.channel_ids {
                Some(c) => c.to_vec(),
                None => cur.try_get::<sqlx::types::Json<Vec<i64>>, _>("channel_ids")?.0,
            };
            let done = sqlx::query(
                "UPDATE contents SET state = $1, approved_version = $2, approver_id = $3, reject_reason = $4, \
                 scheduled_at = $5, channel_ids = $6, updated_at = $7 WHERE id = $8 AND state = $9",
            )
            .bind(change.to.as_str())
            .bind(approved)
            .bind(approver)
            .bind(&reason)
            .bind(scheduled)
            .bind(sqlx::types::Json(&channels))
            .bind(change.at)
            .bind(change.content_id)
            .bind(change.from.as_str())
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            let mut after = serde_json::json!({"state": change.to.as_str()});
            if let Some(d) = &change.details {
                after["details"] = d.clone();
            }
            review_audit(&mut *conn, change.at, change.actor, change.action, "content", change.content_id,
                Some(serde_json::json!({"state": change.from.as_str()})), Some(after), change.note).await?;
            Ok(true)
        }

        /// A content whose jobs have all ended is published or failed.
        async fn syn_roll_up(
            conn: &mut <$db as sqlx::Database>::Connection,
            content_id: i64,
            at: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), $crate::store::StoreError> {
            let counts: Vec<(String, i64)> = sqlx::query_as(
                "SELECT state, COUNT(*) FROM publications WHERE content_id = $1 GROUP BY state",
            )
            .bind(content_id)
            .fetch_all(&mut *conn)
            .await?;
            let count = |s: &str| counts.iter().find(|(k, _)| k == s).map(|(_, n)| *n).unwrap_or(0);
            if count("pending") + count("sending") > 0 {
                return Ok(());
            }
            let to = if count("failed") > 0 { "failed" } else { "published" };
            let done = sqlx::query("UPDATE contents SET state = $1, updated_at = $2 WHERE id = $3 AND state = 'publishing'")
                .bind(to)
                .bind(at)
                .bind(content_id)
                .execute(&mut *conn)
                .await?;
            if done.rows_affected() == 1 {
                review_audit(&mut *conn, at, None, &format!("content.{to}"), "content", content_id,
                    Some(serde_json::json!({"state": "publishing"})),
                    Some(serde_json::json!({"state": to, "published": count("published"), "failed": count("failed")})),
                    None).await?;
            }
            Ok(())
        }

        fn syn_content_row(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<$crate::syndicate::content::Content, $crate::store::StoreError> {
            use sqlx::Row;
            let state: String = r.try_get("state")?;
            let channels: sqlx::types::Json<Vec<i64>> = r.try_get("channel_ids")?;
            let body: sqlx::types::Json<$crate::syndicate::content::ContentBody> = r.try_get("body")?;
            Ok($crate::syndicate::content::Content {
                id: r.try_get("id")?,
                author_id: r.try_get("author_id")?,
                state: state.parse().map_err(|message| $crate::store::StoreError::Corrupt {
                    table: "contents",
                    message,
                })?,
                version: r.try_get("version")?,
                source_post_id: r.try_get("source_post_id")?,
                approved_version: r.try_get("approved_version")?,
                approver_id: r.try_get("approver_id")?,
                reject_reason: r.try_get("reject_reason")?,
                scheduled_at: r.try_get("scheduled_at")?,
                channel_ids: channels.0,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                body: body.0,
            })
        }

        fn syn_channel_row(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<$crate::store::ChannelRecord, $crate::store::StoreError> {
            use sqlx::Row;
            let kind: String = r.try_get("kind")?;
            let settings: sqlx::types::Json<$crate::syndicate::channels::ChannelSettings> = r.try_get("settings")?;
            Ok($crate::store::ChannelRecord {
                account: $crate::syndicate::channels::ChannelAccount {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    kind: kind.parse().map_err(|message| $crate::store::StoreError::Corrupt {
                        table: "syn_channels",
                        message,
                    })?,
                    settings: settings.0,
                    enabled: r.try_get("enabled")?,
                    paused_until: r.try_get("paused_until")?,
                    created_at: r.try_get("created_at")?,
                },
                secret: r.try_get("secret")?,
                token: r.try_get("token")?,
                token_expires_at: r.try_get("token_expires_at")?,
                refresh_token: r.try_get("refresh_token")?,
                refresh_expires_at: r.try_get("refresh_expires_at")?,
                app_secret: r.try_get("app_secret")?,
            })
        }

        fn syn_publication_row(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<$crate::store::Publication, $crate::store::StoreError> {
            use sqlx::Row;
            let state: String = r.try_get("state")?;
            let variant: sqlx::types::Json<$crate::syndicate::variants::Variant> = r.try_get("variant")?;
            let checkpoint: sqlx::types::Json<serde_json::Value> = r.try_get("checkpoint")?;
            Ok($crate::store::Publication {
                id: r.try_get("id")?,
                content_id: r.try_get("content_id")?,
                version: r.try_get("version")?,
                channel_id: r.try_get("channel_id")?,
                idempotency_key: r.try_get("idempotency_key")?,
                variant: variant.0,
                state: $crate::store::PublicationState::parse(&state)?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                lease_owner: r.try_get("lease_owner")?,
                lease_until: r.try_get("lease_until")?,
                checkpoint: checkpoint.0,
                remote_id: r.try_get("remote_id")?,
                remote_url: r.try_get("remote_url")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                published_at: r.try_get("published_at")?,
            })
        }
    };
}
