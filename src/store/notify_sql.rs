//! The notifier's queries (tables of migration `0004_notify`), written once
//! and instantiated per backend like `sql.rs`. Kept apart from `sql.rs` so
//! that notifications and the core store evolve independently.

use crate::model::{Channel, RiskLevel};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An alert with what a notification shows of it: its event, its best post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotifyAlert {
    pub id: i64,
    pub event_id: i64,
    pub level: RiskLevel,
    pub risk_score: i64,
    /// Review state (`new`, `dismissed` …).
    pub state: String,
    /// Posts in the event cluster (copies and reposts).
    pub post_count: i64,
    pub source_count: i64,
    pub event_title: String,
    /// Source name and channel type of the alert's best post.
    pub source: String,
    pub channel: Channel,
    pub title: String,
    /// The post's text; the notifier keeps only a PII-masked excerpt of it
    /// in what it queues.
    pub text: String,
    pub url: Option<String>,
    pub categories: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An alert waiting in a channel's queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedAlert {
    pub alert_id: i64,
    /// Why it is notified: `raised`, `level` (the level rose) or `growth`.
    pub reason: String,
    pub level_rank: i64,
    pub alert: NotifyAlert,
    pub queued_at: DateTime<Utc>,
}

/// A row of the delivery log.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub channel: String,
    pub alert_ids: Vec<i64>,
    /// The exact request body (signatures cover it).
    pub payload: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// What one request to a channel came to.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOutcome {
    Sent,
    /// Try again at `next`.
    Retry {
        error: String,
        next: DateTime<Utc>,
    },
    /// Permanent: the delivery is marked failed.
    Failed {
        error: String,
    },
}

/// The level as an integer that orders the same in SQL.
pub fn level_rank(level: RiskLevel) -> i64 {
    level as i64
}

/// Implements the notifier's queries on `$store` (a struct with a `pool`
/// field and a `begin_write` method).
macro_rules! impl_notify_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Alerts changed after `(updated_at, id)`, in that order.
            pub async fn notify_alerts_after(
                &self,
                after: (chrono::DateTime<chrono::Utc>, i64),
                limit: i64,
            ) -> Result<Vec<$crate::store::NotifyAlert>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT a.id, a.event_id, a.level, a.risk_score, a.state, a.post_count, e.source_count, \
                     e.title AS event_title, p.source, p.channel, p.title, p.text, p.url, an.categories, \
                     a.created_at, a.updated_at \
                     FROM alerts a JOIN events e ON e.id = a.event_id JOIN posts p ON p.id = a.post_id \
                     LEFT JOIN analyses an ON an.post_id = a.post_id \
                     WHERE a.updated_at > $1 OR (a.updated_at = $1 AND a.id > $2) \
                     ORDER BY a.updated_at, a.id LIMIT $3",
                )
                .bind(after.0)
                .bind(after.1)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let level: String = r.try_get("level")?;
                        let channel: String = r.try_get("channel")?;
                        let categories: Option<sqlx::types::Json<Vec<String>>> = r.try_get("categories")?;
                        Ok($crate::store::NotifyAlert {
                            id: r.try_get("id")?,
                            event_id: r.try_get("event_id")?,
                            level: $crate::store::sql::parse_level(&level)?,
                            risk_score: r.try_get("risk_score")?,
                            state: r.try_get("state")?,
                            post_count: r.try_get("post_count")?,
                            source_count: r.try_get("source_count")?,
                            event_title: r.try_get("event_title")?,
                            source: r.try_get("source")?,
                            channel: channel.parse().map_err(|message| $crate::store::StoreError::Corrupt {
                                table: "posts",
                                message,
                            })?,
                            title: r.try_get("title")?,
                            text: r.try_get("text")?,
                            url: r.try_get("url")?,
                            categories: categories.map(|c| c.0).unwrap_or_default(),
                            created_at: r.try_get("created_at")?,
                            updated_at: r.try_get("updated_at")?,
                        })
                    })
                    .collect()
            }

            /// Claim the news about `alert` for `channel` and queue it, in one
            /// transaction. The claim is a conditional upsert: it succeeds for
            /// an alert the channel never notified, or when the level rose, or
            /// when the cluster grew by `growth_step` posts (0 = never), so
            /// of two processes (or two scans) only one queues it.
            pub async fn notify_mark(
                &self,
                channel: &str,
                alert: &$crate::store::NotifyAlert,
                growth_step: i64,
                reason: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let rank = $crate::store::notify_sql::level_rank(alert.level);
                let mut tx = self.begin_write().await?;
                let claimed: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO notify_marks (channel, alert_id, level_rank, post_count, marked_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (channel, alert_id) DO UPDATE SET level_rank = $3, post_count = $4, marked_at = $5 \
                     WHERE $3 > notify_marks.level_rank \
                        OR ($6 > 0 AND $4 >= notify_marks.post_count + $6) \
                     RETURNING alert_id",
                )
                .bind(channel)
                .bind(alert.id)
                .bind(rank)
                .bind(alert.post_count)
                .bind(now)
                .bind(growth_step)
                .fetch_optional(&mut *tx)
                .await?;
                if claimed.is_none() {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO notify_queue (channel, alert_id, reason, level_rank, snapshot, queued_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (channel, alert_id) DO UPDATE SET reason = $3, level_rank = $4, snapshot = $5",
                )
                .bind(channel)
                .bind(alert.id)
                .bind(reason)
                .bind(rank)
                .bind(sqlx::types::Json(alert))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            /// What the channel last notified about an alert: (level rank, post count).
            pub async fn notify_marked(
                &self,
                channel: &str,
                alert_id: i64,
            ) -> Result<Option<(i64, i64)>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT level_rank, post_count FROM notify_marks WHERE channel = $1 AND alert_id = $2",
                )
                .bind(channel)
                .bind(alert_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            /// The channel's queue, most severe first, then oldest first.
            pub async fn notify_queued(
                &self,
                channel: &str,
            ) -> Result<Vec<$crate::store::QueuedAlert>, $crate::store::StoreError> {
                let rows: Vec<(i64, String, i64, sqlx::types::Json<$crate::store::NotifyAlert>, chrono::DateTime<chrono::Utc>)> =
                    sqlx::query_as(
                        "SELECT alert_id, reason, level_rank, snapshot, queued_at FROM notify_queue \
                         WHERE channel = $1 ORDER BY level_rank DESC, queued_at, alert_id",
                    )
                    .bind(channel)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(alert_id, reason, level_rank, snapshot, queued_at)| $crate::store::QueuedAlert {
                        alert_id,
                        reason,
                        level_rank,
                        alert: snapshot.0,
                        queued_at,
                    })
                    .collect())
            }

            /// Write a message to the delivery log (pending, due now) and take
            /// the alerts it covers off the queue, in one transaction: from
            /// here on the message is sent at least once.
            pub async fn notify_create_delivery(
                &self,
                channel: &str,
                covered: &[(i64, i64)],
                payload: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let ids: Vec<i64> = covered.iter().map(|(id, _)| *id).collect();
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO notify_deliveries (channel, alert_ids, payload, state, attempts, next_attempt_at, created_at) \
                     VALUES ($1, $2, $3, 'pending', 0, $4, $4) RETURNING id",
                )
                .bind(channel)
                .bind(sqlx::types::Json(&ids))
                .bind(payload)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                for (alert_id, rank) in covered {
                    // A level that rose meanwhile stays queued for its own message.
                    sqlx::query(
                        "DELETE FROM notify_queue WHERE channel = $1 AND alert_id = $2 AND level_rank <= $3",
                    )
                    .bind(channel)
                    .bind(alert_id)
                    .bind(rank)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            /// Pending deliveries of the channel due at `now`, oldest first.
            pub async fn notify_due(
                &self,
                channel: &str,
                now: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<$crate::store::Delivery>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, channel, alert_ids, payload, state, attempts, last_error, next_attempt_at, \
                     created_at, sent_at FROM notify_deliveries \
                     WHERE channel = $1 AND state = 'pending' AND next_attempt_at <= $2 ORDER BY id LIMIT $3",
                )
                .bind(channel)
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(delivery_from_row).collect()
            }

            /// The delivery log, of one channel or all, oldest first.
            pub async fn notify_deliveries(
                &self,
                channel: Option<&str>,
            ) -> Result<Vec<$crate::store::Delivery>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, channel, alert_ids, payload, state, attempts, last_error, next_attempt_at, \
                     created_at, sent_at FROM notify_deliveries WHERE ($1 IS NULL OR channel = $1) ORDER BY id",
                )
                .bind(channel)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(delivery_from_row).collect()
            }

            /// Record one request and its outcome.
            pub async fn notify_record_attempt(
                &self,
                delivery_id: i64,
                channel: &str,
                at: chrono::DateTime<chrono::Utc>,
                outcome: &$crate::store::AttemptOutcome,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::AttemptOutcome;
                let (state, error, next, sent_at, label) = match outcome {
                    AttemptOutcome::Sent => ("sent", None, at, Some(at), "sent"),
                    AttemptOutcome::Retry { error, next } => ("pending", Some(error.as_str()), *next, None, "retry"),
                    AttemptOutcome::Failed { error } => ("failed", Some(error.as_str()), at, None, "failed"),
                };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO notify_attempts (delivery_id, channel, at, outcome) VALUES ($1, $2, $3, $4)")
                    .bind(delivery_id)
                    .bind(channel)
                    .bind(at)
                    .bind(label)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE notify_deliveries SET state = $1, attempts = attempts + 1, \
                     last_error = COALESCE($2, last_error), next_attempt_at = $3, sent_at = $4 WHERE id = $5",
                )
                .bind(state)
                .bind(error)
                .bind(next)
                .bind(sent_at)
                .bind(delivery_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            /// Requests made to the channel after `since`.
            pub async fn notify_attempts_since(
                &self,
                channel: &str,
                since: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notify_attempts WHERE channel = $1 AND at > $2")
                    .bind(channel)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?)
            }

            /// When the channel's last message was written.
            pub async fn notify_last_message_at(
                &self,
                channel: &str,
            ) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT created_at FROM notify_deliveries WHERE channel = $1 ORDER BY created_at DESC LIMIT 1",
                )
                .bind(channel)
                .fetch_optional(&self.pool)
                .await?)
            }

            /// Take the channel for one dispatch until `until`; false while
            /// another owner's lease is live. Returns the channel's pause.
            pub async fn notify_claim_channel(
                &self,
                channel: &str,
                owner: &str,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<Option<chrono::DateTime<chrono::Utc>>>, $crate::store::StoreError> {
                sqlx::query("INSERT INTO notify_channels (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
                    .bind(channel)
                    .execute(&self.pool)
                    .await?;
                let paused: Option<(Option<chrono::DateTime<chrono::Utc>>,)> = sqlx::query_as(
                    "UPDATE notify_channels SET lease_owner = $2, lease_until = $3 WHERE name = $1 \
                     AND (lease_until IS NULL OR lease_until < $4 OR lease_owner = $2) RETURNING paused_until",
                )
                .bind(channel)
                .bind(owner)
                .bind(until)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(paused.map(|(p,)| p))
            }

            /// Give up a channel's lease: `owner`'s, or anyone's (`None`).
            pub async fn notify_release_channel(
                &self,
                channel: Option<&str>,
                owner: Option<&str>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE notify_channels SET lease_owner = NULL, lease_until = NULL \
                     WHERE ($1 IS NULL OR name = $1) AND lease_owner IS NOT NULL \
                     AND ($2 IS NULL OR lease_owner = $2)",
                )
                .bind(channel)
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            /// Send nothing on the channel before `until` (the robot throttles us).
            pub async fn notify_pause_channel(
                &self,
                channel: &str,
                until: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE notify_channels SET paused_until = $2 WHERE name = $1")
                    .bind(channel)
                    .bind(until)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }

        fn delivery_from_row(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<$crate::store::Delivery, $crate::store::StoreError> {
            use sqlx::Row;
            let ids: sqlx::types::Json<Vec<i64>> = r.try_get("alert_ids")?;
            Ok($crate::store::Delivery {
                id: r.try_get("id")?,
                channel: r.try_get("channel")?,
                alert_ids: ids.0,
                payload: r.try_get("payload")?,
                state: r.try_get("state")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                created_at: r.try_get("created_at")?,
                sent_at: r.try_get("sent_at")?,
            })
        }
    };
}
