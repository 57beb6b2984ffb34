//! Users, groups and alert handling, written once for both backends like
//! `sql.rs`. Every change to an alert is made with an optimistic check of
//! its current state and writes its audit entry in the same transaction.

/// The SLA pass's query. Its state condition is the partial index
/// `alerts_sla`'s (migration 0010) word for word, so that the planner can
/// prove the index applies; a test checks that it does.
pub(crate) const OVERDUE_SQL: &str = "SELECT id, state FROM alerts WHERE due_at IS NOT NULL AND due_at < $1 \
     AND state NOT IN ('resolved', 'dismissed', 'escalated', 'responded') ORDER BY due_at";

/// Implements the review queries on `$store` (a struct with `pool`).
macro_rules! impl_review_store {
    ($store:ty, $db:ty) => {
        impl $store {
            pub async fn create_user(
                &self,
                user: &$crate::store::NewUser<'_>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let roles = $crate::store::review::roles_text(user.roles);
                let mut tx = self.begin_write().await?;
                let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                    .bind(user.username)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err($crate::store::StoreError::Conflict(format!(
                        "用户名 '{}' 已存在",
                        user.username
                    )));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, password_hash, roles, created_at, password_changed_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                )
                .bind(user.username)
                .bind(user.display_name)
                .bind(user.password_hash)
                .bind(&roles)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                review_audit(&mut *tx, now, user.created_by, "user.create", "user", id, None,
                    Some(serde_json::json!({"username": user.username, "roles": roles})), None).await?;
                tx.commit().await?;
                Ok(id)
            }

            pub async fn user_by_name(
                &self,
                username: &str,
            ) -> Result<Option<$crate::store::UserRow>, $crate::store::StoreError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{USER_COLUMNS} WHERE username = $1")))
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(user_row).transpose()
            }

            pub async fn user(&self, id: i64) -> Result<Option<$crate::store::UserRow>, $crate::store::StoreError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{USER_COLUMNS} WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(user_row).transpose()
            }

            pub async fn users(&self) -> Result<Vec<$crate::store::UserRow>, $crate::store::StoreError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{USER_COLUMNS} ORDER BY id")))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(user_row).collect()
            }

            /// Change a user's password hash (the caller ends their sessions).
            pub async fn set_password(
                &self,
                user_id: i64,
                password_hash: &str,
                actor: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = 0, \
                     locked_until = NULL WHERE id = $3",
                )
                .bind(password_hash)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    review_audit(&mut *tx, now, actor, "user.password", "user", user_id, None, None, None).await?;
                }
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            pub async fn set_user_disabled(
                &self,
                user_id: i64,
                disabled: bool,
                actor: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 1 {
                    let action = if disabled { "user.disable" } else { "user.enable" };
                    review_audit(&mut *tx, now, actor, action, "user", user_id, None, None, None).await?;
                }
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            pub async fn create_group(
                &self,
                name: &str,
                lead: Option<i64>,
                actor: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar("INSERT INTO user_groups (name, lead_id) VALUES ($1, $2) RETURNING id")
                    .bind(name)
                    .bind(lead)
                    .fetch_one(&mut *tx)
                    .await?;
                if let Some(lead) = lead {
                    sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(id)
                        .bind(lead)
                        .execute(&mut *tx)
                        .await?;
                }
                review_audit(&mut *tx, now, actor, "group.create", "group", id, None,
                    Some(serde_json::json!({"name": name, "lead": lead})), None).await?;
                tx.commit().await?;
                Ok(id)
            }

            pub async fn add_group_member(
                &self,
                group_id: i64,
                user_id: i64,
                actor: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(group_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                review_audit(&mut *tx, now, actor, "group.add_member", "group", group_id, None,
                    Some(serde_json::json!({"user": user_id})), None).await?;
                tx.commit().await?;
                Ok(())
            }

            pub async fn group_id(&self, name: &str) -> Result<Option<i64>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT id FROM user_groups WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            /// The user as an actor: roles, groups, groups led. `None` for
            /// an unknown or disabled user.
            pub async fn actor(&self, user_id: i64) -> Result<Option<$crate::review::Actor>, $crate::store::StoreError> {
                let Some(user) = self.user(user_id).await? else { return Ok(None) };
                if user.disabled {
                    return Ok(None);
                }
                let groups: Vec<i64> = sqlx::query_scalar("SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id")
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                let leads: Vec<i64> = sqlx::query_scalar("SELECT id FROM user_groups WHERE lead_id = $1 ORDER BY id")
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(Some($crate::review::Actor { user_id, roles: user.roles, groups, leads }))
            }

            /// Active commentators of a group with their open items.
            pub async fn member_loads(&self, group_id: i64) -> Result<Vec<$crate::review::routing::MemberLoad>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT u.id, u.roles, \
                       (SELECT COUNT(*) FROM alerts a WHERE a.assignee_id = u.id \
                          AND a.state NOT IN ('resolved', 'dismissed')) AS open_items, \
                       (SELECT MAX(a.assigned_at) FROM alerts a WHERE a.assignee_id = u.id) AS last_assigned \
                     FROM group_members m JOIN users u ON u.id = m.user_id \
                     WHERE m.group_id = $1 AND NOT u.disabled ORDER BY u.id",
                )
                .bind(group_id)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::new();
                for r in &rows {
                    let roles: String = r.try_get("roles")?;
                    if !$crate::store::review::parse_roles(&roles)?.contains(&$crate::review::Role::Commentator) {
                        continue;
                    }
                    let last: Option<chrono::DateTime<chrono::Utc>> = r.try_get("last_assigned")?;
                    out.push($crate::review::routing::MemberLoad {
                        user_id: r.try_get("id")?,
                        open_items: r.try_get("open_items")?,
                        last_assigned: last.map_or(0, |t| t.timestamp_millis()),
                    });
                }
                Ok(out)
            }

            pub async fn alert_access(&self, alert_id: i64) -> Result<Option<$crate::review::AlertAccess>, $crate::store::StoreError> {
                let row: Option<(String, Option<i64>, Option<i64>)> =
                    sqlx::query_as("SELECT state, assignee_id, group_id FROM alerts WHERE id = $1")
                        .bind(alert_id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(state, assignee, group)| {
                    Ok($crate::review::AlertAccess {
                        state: state.parse().map_err(|message| $crate::store::StoreError::Corrupt { table: "alerts", message })?,
                        assignee,
                        group,
                    })
                })
                .transpose()
            }

            /// Move an alert from `change.from` to `change.to` (nothing
            /// happens, `false`, if someone moved it first), with its audit entry.
            pub async fn change_alert(
                &self,
                change: &$crate::store::AlertUpdate<'_>,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::review::AlertState;
                let mut tx = self.begin_write().await?;
                let c = change;
                let closing = matches!(c.to, AlertState::Resolved | AlertState::Dismissed);
                let done = sqlx::query(
                    "UPDATE alerts SET state = $1, updated_at = $2, \
                       assignee_id = CASE WHEN $3 THEN $4 ELSE assignee_id END, \
                       group_id = CASE WHEN $3 THEN $5 ELSE group_id END, \
                       assigned_at = CASE WHEN $3 THEN $2 ELSE assigned_at END, \
                       due_at = CASE WHEN $6 THEN $7 ELSE due_at END, \
                       escalated_at = CASE WHEN $1 = 'escalated' THEN $2 ELSE escalated_at END, \
                       closed_at = CASE WHEN $8 THEN $2 ELSE NULL END, \
                       false_positive = $9, locked_by = NULL, locked_until = NULL \
                     WHERE id = $10 AND state = $11",
                )
                .bind(c.to.as_str())
                .bind(c.at)
                .bind(c.assign.is_some())
                .bind(c.assign.and_then(|a| a.user))
                .bind(c.assign.and_then(|a| a.group))
                .bind(c.due.is_some())
                .bind(c.due.flatten())
                .bind(closing)
                .bind(c.false_positive)
                .bind(c.alert_id)
                .bind(c.from.as_str())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                let mut after = serde_json::json!({"state": c.to.as_str()});
                if let Some(a) = c.assign {
                    after["assignee"] = serde_json::json!(a.user);
                    after["group"] = serde_json::json!(a.group);
                }
                if c.false_positive {
                    after["false_positive"] = serde_json::json!(true);
                }
                review_audit(&mut *tx, c.at, c.actor, c.action, "alert", c.alert_id,
                    Some(serde_json::json!({"state": c.from.as_str()})), Some(after), c.note).await?;
                tx.commit().await?;
                Ok(true)
            }

            /// Record a commentator's response to an alert (with an audit entry).
            pub async fn add_response(
                &self,
                alert_id: i64,
                user_id: i64,
                response: &$crate::store::ResponseInput<'_>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO alert_responses (alert_id, user_id, text, link, channel, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(alert_id)
                .bind(user_id)
                .bind(response.text)
                .bind(response.link)
                .bind(response.channel)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                review_audit(&mut *tx, now, Some(user_id), "alert.response", "alert", alert_id, None,
                    Some(serde_json::json!({"text": response.text, "link": response.link, "channel": response.channel})), None).await?;
                tx.commit().await?;
                Ok(id)
            }

            pub async fn create_session(
                &self,
                id_hash: &str,
                user_id: i64,
                csrf: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
                )
                .bind(id_hash)
                .bind(user_id)
                .bind(csrf)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            pub async fn session(
                &self,
                id_hash: &str,
            ) -> Result<Option<$crate::store::SessionRow>, $crate::store::StoreError> {
                let row: Option<(i64, String, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                    "SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = $1",
                )
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(user_id, csrf, created_at, last_seen_at)| $crate::store::SessionRow {
                    user_id,
                    csrf,
                    created_at,
                    last_seen_at,
                }))
            }

            pub async fn touch_session(&self, id_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                    .bind(now)
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            pub async fn delete_session(&self, id_hash: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            /// Count a failed sign-in; lock the account for `lock_for` once
            /// `max_failures` failed in a row. Returns the lock's end, if locked.
            pub async fn record_login_failure(
                &self,
                user_id: i64,
                max_failures: i64,
                lock_until: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::store::StoreError> {
                let failures: i64 = sqlx::query_scalar(
                    "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
                )
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
                if failures >= max_failures {
                    sqlx::query("UPDATE users SET locked_until = $1, failed_logins = 0 WHERE id = $2")
                        .bind(lock_until)
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?;
                    return Ok(Some(lock_until));
                }
                Ok(None)
            }

            pub async fn record_login_success(&self, user_id: i64) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            /// End a user's sessions, except the one whose id hash is `keep`.
            pub async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)")
                    .bind(user_id)
                    .bind(keep)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            /// Open alerts past their due time that were not escalated yet.
            pub async fn overdue_alerts(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<(i64, $crate::review::AlertState)>, $crate::store::StoreError> {
                let rows: Vec<(i64, String)> = sqlx::query_as($crate::store::review_sql::OVERDUE_SQL)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(id, s)| Ok((id, s.parse().map_err(|message| $crate::store::StoreError::Corrupt { table: "alerts", message })?)))
                    .collect()
            }

            /// The audit trail of one record, oldest first.
            pub async fn audit_trail(
                &self,
                target_type: &str,
                target_id: i64,
            ) -> Result<Vec<$crate::store::AuditEntry>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT id, at, actor_id, action, target_type, target_id, before, after, note FROM audit_log \
                     WHERE target_type = $1 AND target_id = $2 ORDER BY id",
                )
                .bind(target_type)
                .bind(target_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let before: Option<sqlx::types::Json<serde_json::Value>> = r.try_get("before")?;
                        let after: Option<sqlx::types::Json<serde_json::Value>> = r.try_get("after")?;
                        Ok($crate::store::AuditEntry {
                            id: r.try_get("id")?,
                            at: r.try_get("at")?,
                            actor_id: r.try_get("actor_id")?,
                            action: r.try_get("action")?,
                            target_type: r.try_get("target_type")?,
                            target_id: r.try_get("target_id")?,
                            before: before.map(|j| j.0),
                            after: after.map(|j| j.0),
                            note: r.try_get("note")?,
                        })
                    })
                    .collect()
            }
        }

        const USER_COLUMNS: &str = "SELECT id, username, display_name, password_hash, roles, disabled, \
             failed_logins, locked_until, password_changed_at FROM users";

        fn user_row(r: &<$db as sqlx::Database>::Row) -> Result<$crate::store::UserRow, $crate::store::StoreError> {
            use sqlx::Row;
            let roles: String = r.try_get("roles")?;
            Ok($crate::store::UserRow {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                password_hash: r.try_get("password_hash")?,
                roles: $crate::store::review::parse_roles(&roles)?,
                disabled: r.try_get("disabled")?,
                failed_logins: r.try_get("failed_logins")?,
                locked_until: r.try_get("locked_until")?,
                password_changed_at: r.try_get("password_changed_at")?,
            })
        }

        #[allow(clippy::too_many_arguments)]
        async fn review_audit(
            conn: &mut <$db as sqlx::Database>::Connection,
            at: chrono::DateTime<chrono::Utc>,
            actor: Option<i64>,
            action: &str,
            target_type: &str,
            target_id: i64,
            before: Option<serde_json::Value>,
            after: Option<serde_json::Value>,
            note: Option<&str>,
        ) -> Result<(), $crate::store::StoreError> {
            sqlx::query(
                "INSERT INTO audit_log (at, actor_id, action, target_type, target_id, before, after, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(target_type)
            .bind(target_id)
            .bind(before.map(sqlx::types::Json))
            .bind(after.map(sqlx::types::Json))
            .bind(note)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
    };
}
