//! The dashboard's reads (see `queue.rs`), written once for both backends.

/// Pushes the WHERE clause of an alert filter on `alerts a` alone: the
/// alert carries copies of its post's source, channel, categories and
/// sentiment (migrations 0009, 0011), so no filter needs a join.
macro_rules! push_alert_filter {
    ($qb:expr, $f:expr) => {{
        let f = $f;
        $qb.push(" WHERE 1=1");
        if let Some(ids) = &f.ids {
            if ids.is_empty() {
                $qb.push(" AND 1=0");
            } else {
                $qb.push(" AND a.id IN (");
                let mut sep = $qb.separated(", ");
                for id in ids {
                    sep.push_bind(*id);
                }
                $qb.push(")");
            }
        }
        if !f.levels.is_empty() {
            $qb.push(" AND a.level IN (");
            let mut sep = $qb.separated(", ");
            for l in &f.levels {
                sep.push_bind(l.as_str());
            }
            $qb.push(")");
        }
        if !f.states.is_empty() {
            $qb.push(" AND a.state IN (");
            let mut sep = $qb.separated(", ");
            for s in &f.states {
                sep.push_bind(s.as_str());
            }
            $qb.push(")");
        }
        if let Some(c) = &f.category {
            // The alert's copy of its analysis' categories (migration 0009), a
            // JSON array of strings: match one element exactly.
            $qb.push(" AND a.categories LIKE ");
            $qb.push_bind(format!("%{}%", serde_json::Value::from(c.as_str())));
        }
        if let Some(s) = &f.source {
            $qb.push(" AND a.source = ");
            $qb.push_bind(s.clone());
        }
        if let Some(c) = f.channel {
            $qb.push(" AND a.channel = ");
            $qb.push_bind(c.as_str());
        }
        if let Some(s) = &f.sentiment {
            $qb.push(" AND a.sentiment_label = ");
            $qb.push_bind(s.clone());
        }
        if let Some(t) = f.since {
            $qb.push(" AND a.created_at >= ");
            $qb.push_bind(t);
        }
        if let Some(t) = f.until {
            $qb.push(" AND a.created_at < ");
            $qb.push_bind(t);
        }
        if let Some(u) = f.assignee {
            $qb.push(" AND a.assignee_id = ");
            $qb.push_bind(u);
        }
        if f.unassigned {
            $qb.push(" AND a.assignee_id IS NULL");
        }
        if let Some(g) = f.group {
            $qb.push(" AND a.group_id = ");
            $qb.push_bind(g);
        }
        if let Some(events) = &f.events {
            if events.is_empty() {
                $qb.push(" AND 1=0");
            } else {
                $qb.push(" AND a.event_id IN (");
                let mut sep = $qb.separated(", ");
                for e in events {
                    sep.push_bind(*e);
                }
                $qb.push(")");
            }
        }
        if let Some(t) = f.overdue_at {
            $qb.push(
                " AND a.due_at IS NOT NULL AND a.state NOT IN ('resolved', 'dismissed') AND a.due_at < ",
            );
            $qb.push_bind(t);
        }
        if let Some(id) = f.after_id {
            $qb.push(" AND a.id > ");
            $qb.push_bind(id);
        }
        if let Some(v) = &f.visible_to {
            $qb.push(" AND (a.assignee_id = ");
            $qb.push_bind(v.user_id);
            if !v.groups.is_empty() {
                $qb.push(" OR a.group_id IN (");
                let mut sep = $qb.separated(", ");
                for g in &v.groups {
                    sep.push_bind(*g);
                }
                $qb.push(")");
            }
            $qb.push(")");
        }
    }};
}

macro_rules! impl_queue_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// One page of the alert queue and the number of matches.
            pub async fn alert_page(
                &self,
                filter: &$crate::store::AlertFilter,
            ) -> Result<$crate::store::AlertPage, $crate::store::StoreError> {
                use $crate::store::AlertSort;
                let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM alerts a");
                push_alert_filter!(count, filter);
                let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

                let order = match filter.sort {
                    AlertSort::Risk => " ORDER BY a.risk_score DESC, a.id DESC",
                    AlertSort::Newest => " ORDER BY a.created_at DESC, a.id DESC",
                    AlertSort::Updated => " ORDER BY a.updated_at DESC, a.id DESC",
                    AlertSort::Due => {
                        " ORDER BY CASE WHEN a.due_at IS NULL THEN 1 ELSE 0 END, a.due_at, a.id"
                    }
                };
                // The page's ids are chosen on the alerts (and only the joins
                // the filter reads), then the rows joined: sorting thousands
                // of matches with their posts' texts attached was the cost.
                let mut qb = sqlx::QueryBuilder::<$db>::new(ALERT_ITEM_SELECT);
                qb.push(" WHERE a.id IN (SELECT a.id FROM alerts a");
                push_alert_filter!(qb, filter);
                qb.push(order);
                qb.push(" LIMIT ");
                qb.push_bind(filter.limit.clamp(1, 1000));
                qb.push(" OFFSET ");
                qb.push_bind(filter.offset.max(0));
                qb.push(")");
                qb.push(order);
                let rows = qb.build().fetch_all(&self.pool).await?;
                let items = rows.iter().map(alert_item).collect::<Result<Vec<_>, _>>()?;
                Ok($crate::store::AlertPage { items, total })
            }

            /// One alert as the queue shows it.
            pub async fn alert_item(
                &self,
                id: i64,
            ) -> Result<Option<$crate::store::AlertListItem>, $crate::store::StoreError> {
                let filter = $crate::store::AlertFilter {
                    ids: Some(vec![id]),
                    limit: 1,
                    ..Default::default()
                };
                Ok(self.alert_page(&filter).await?.items.into_iter().next())
            }

            /// The newest alert id (0 with none): live updates compare it.
            pub async fn max_alert_id(&self) -> Result<i64, $crate::store::StoreError> {
                let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM alerts")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(id.unwrap_or(0))
            }

            /// One stored post with its analysis.
            pub async fn post(
                &self,
                id: i64,
            ) -> Result<Option<$crate::model::StoredPost>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT p.id, p.source, p.external_id, p.url, p.channel, p.title, p.text, p.author, \
                     p.published_at, p.fetched_at, p.metrics, p.event_id, p.parent_id, p.version, p.updated_at, \
                     p.tags, a.analysis FROM posts p LEFT JOIN analyses a ON a.post_id = p.id WHERE p.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(stored_post).transpose()
            }

            /// The posts of an event cluster in the order they appeared (at
            /// most `limit`).
            pub async fn cluster_posts(
                &self,
                event_id: i64,
                limit: i64,
            ) -> Result<Vec<$crate::store::ClusterPost>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT p.id, p.source, p.channel, p.title, p.url, p.author, p.published_at, p.fetched_at, \
                     p.metrics, p.parent_id, an.risk_score FROM posts p LEFT JOIN analyses an ON an.post_id = p.id \
                     WHERE p.event_id = $1 ORDER BY COALESCE(p.published_at, p.fetched_at), p.id LIMIT $2",
                )
                .bind(event_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let channel: String = r.try_get("channel")?;
                        let metrics: Option<sqlx::types::Json<$crate::model::Metrics>> =
                            r.try_get("metrics")?;
                        Ok($crate::store::ClusterPost {
                            id: r.try_get("id")?,
                            source: r.try_get("source")?,
                            channel: parse_channel(&channel)?,
                            title: r.try_get("title")?,
                            url: r.try_get("url")?,
                            author: r.try_get("author")?,
                            published_at: r.try_get("published_at")?,
                            fetched_at: r.try_get("fetched_at")?,
                            metrics: metrics.map(|m| m.0),
                            risk_score: r.try_get("risk_score")?,
                            parent_id: r.try_get("parent_id")?,
                        })
                    })
                    .collect()
            }

            /// Responses recorded on an alert, oldest first.
            pub async fn alert_responses(
                &self,
                alert_id: i64,
            ) -> Result<Vec<$crate::store::ResponseRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT r.id, u.display_name, r.text, r.link, r.channel, r.created_at \
                     FROM alert_responses r JOIN users u ON u.id = r.user_id \
                     WHERE r.alert_id = $1 ORDER BY r.id",
                )
                .bind(alert_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::store::ResponseRow {
                            id: r.try_get("id")?,
                            user: r.try_get("display_name")?,
                            text: r.try_get("text")?,
                            link: r.try_get("link")?,
                            channel: r.try_get("channel")?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            /// Every commentator group with its members.
            pub async fn groups(&self) -> Result<Vec<$crate::store::GroupRow>, $crate::store::StoreError> {
                let groups: Vec<(i64, String, Option<i64>)> =
                    sqlx::query_as("SELECT id, name, lead_id FROM user_groups ORDER BY name")
                        .fetch_all(&self.pool)
                        .await?;
                let members: Vec<(i64, i64)> =
                    sqlx::query_as("SELECT group_id, user_id FROM group_members ORDER BY user_id")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(groups
                    .into_iter()
                    .map(|(id, name, lead_id)| $crate::store::GroupRow {
                        id,
                        name,
                        lead_id,
                        members: members.iter().filter(|m| m.0 == id).map(|m| m.1).collect(),
                    })
                    .collect())
            }

            /// Take (or renew) the edit lock of an alert unless someone else
            /// holds it; returns the lock that holds afterwards.
            pub async fn lock_alert(
                &self,
                alert_id: i64,
                user_id: i64,
                until: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<$crate::store::EditLock>, $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE alerts SET locked_by = $1, locked_until = $2 WHERE id = $3 \
                     AND (locked_by IS NULL OR locked_by = $1 OR locked_until IS NULL OR locked_until < $4)",
                )
                .bind(user_id)
                .bind(until)
                .bind(alert_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                self.alert_lock(alert_id, now).await
            }

            /// Release a lock held by `user_id`.
            pub async fn unlock_alert(&self, alert_id: i64, user_id: i64) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE alerts SET locked_by = NULL, locked_until = NULL WHERE id = $1 AND locked_by = $2",
                )
                .bind(alert_id)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            /// The edit lock of an alert if one holds at `now`.
            pub async fn alert_lock(
                &self,
                alert_id: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<$crate::store::EditLock>, $crate::store::StoreError> {
                let row: Option<(Option<i64>, Option<chrono::DateTime<chrono::Utc>>)> =
                    sqlx::query_as("SELECT locked_by, locked_until FROM alerts WHERE id = $1")
                        .bind(alert_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(match row {
                    Some((Some(user_id), Some(until))) if until > now => {
                        Some($crate::store::EditLock { user_id, until })
                    }
                    _ => None,
                })
            }

            /// Facts of the alerts raised in `[since, until)`, for counts.
            pub async fn alert_facts(
                &self,
                since: Option<chrono::DateTime<chrono::Utc>>,
                until: Option<chrono::DateTime<chrono::Utc>>,
                with_rules: bool,
            ) -> Result<Vec<$crate::store::AlertFacts>, $crate::store::StoreError> {
                use sqlx::Row;
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT a.id, a.event_id, a.level, a.state, a.created_at, a.due_at, a.closed_at, \
                     a.false_positive, a.assignee_id, p.source, p.channel, an.sentiment_label, \
                     CAST(an.categories AS TEXT) AS categories, ",
                );
                qb.push(if with_rules {
                    "CAST(an.analysis AS TEXT) AS analysis"
                } else {
                    "NULL AS analysis"
                });
                qb.push(
                    " FROM alerts a JOIN posts p ON p.id = a.post_id \
                     LEFT JOIN analyses an ON an.post_id = a.post_id WHERE 1=1",
                );
                if let Some(t) = since {
                    qb.push(" AND a.created_at >= ");
                    qb.push_bind(t);
                }
                if let Some(t) = until {
                    qb.push(" AND a.created_at < ");
                    qb.push_bind(t);
                }
                qb.push(" ORDER BY a.id");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let level: String = r.try_get("level")?;
                        let state: String = r.try_get("state")?;
                        let channel: String = r.try_get("channel")?;
                        let analysis: Option<String> = r.try_get("analysis")?;
                        Ok($crate::store::AlertFacts {
                            id: r.try_get("id")?,
                            event_id: r.try_get("event_id")?,
                            level: $crate::store::sql::parse_level(&level)?,
                            state: parse_state(&state)?,
                            created_at: r.try_get("created_at")?,
                            due_at: r.try_get("due_at")?,
                            closed_at: r.try_get("closed_at")?,
                            false_positive: r.try_get("false_positive")?,
                            assignee_id: r.try_get("assignee_id")?,
                            source: r.try_get("source")?,
                            channel: parse_channel(&channel)?,
                            sentiment_label: r.try_get("sentiment_label")?,
                            categories: $crate::store::queue::parse_json_list(r.try_get("categories")?),
                            rules: analysis.map(|a| rule_names(&a)).unwrap_or_default(),
                        })
                    })
                    .collect()
            }

            /// Event clusters active since `since`, most posts first, with
            /// their first post's title.
            pub async fn active_events(
                &self,
                since: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<$crate::store::ActiveEvent>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT e.id, e.title, e.post_count, e.source_count, e.max_risk, e.first_seen_at, \
                     e.last_seen_at, a.id AS alert_id, a.state, a.level FROM events e \
                     LEFT JOIN alerts a ON a.event_id = e.id \
                     WHERE e.last_seen_at >= $1 AND e.post_count > 1 \
                     ORDER BY e.post_count DESC, e.max_risk DESC, e.id DESC LIMIT $2",
                )
                .bind(since)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let state: Option<String> = r.try_get("state")?;
                        let level: Option<String> = r.try_get("level")?;
                        Ok($crate::store::ActiveEvent {
                            id: r.try_get("id")?,
                            title: r.try_get("title")?,
                            post_count: r.try_get("post_count")?,
                            source_count: r.try_get("source_count")?,
                            max_risk: r.try_get("max_risk")?,
                            first_seen_at: r.try_get("first_seen_at")?,
                            last_seen_at: r.try_get("last_seen_at")?,
                            alert_id: r.try_get("alert_id")?,
                            state: state.as_deref().map(parse_state).transpose()?,
                            level: level.as_deref().map($crate::store::sql::parse_level).transpose()?,
                        })
                    })
                    .collect()
            }

            /// A note on an alert: an audit entry only.
            pub async fn add_alert_note(
                &self,
                alert_id: i64,
                user_id: i64,
                note: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                review_audit(&mut *tx, now, Some(user_id), "alert.note", "alert", alert_id, None, None, Some(note)).await?;
                tx.commit().await?;
                Ok(())
            }

            /// Names of the sources that stored anything, for filters.
            pub async fn source_names(&self) -> Result<Vec<String>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT name FROM sources ORDER BY name")
                    .fetch_all(&self.pool)
                    .await?)
            }

            /// The audit log in `[since, until)`: the oldest `limit` entries,
            /// or the newest first.
            pub async fn audit_log(
                &self,
                since: Option<chrono::DateTime<chrono::Utc>>,
                until: Option<chrono::DateTime<chrono::Utc>>,
                limit: i64,
                newest_first: bool,
            ) -> Result<Vec<$crate::store::AuditEntry>, $crate::store::StoreError> {
                use sqlx::Row;
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, at, actor_id, action, target_type, target_id,                      CAST(before AS TEXT) AS before, CAST(after AS TEXT) AS after, note FROM audit_log WHERE 1=1",
                );
                if let Some(t) = since {
                    qb.push(" AND at >= ");
                    qb.push_bind(t);
                }
                if let Some(t) = until {
                    qb.push(" AND at < ");
                    qb.push_bind(t);
                }
                qb.push(if newest_first { " ORDER BY id DESC LIMIT " } else { " ORDER BY id LIMIT " });
                qb.push_bind(limit);
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let json = |name: &str| -> Result<Option<serde_json::Value>, sqlx::Error> {
                            let s: Option<String> = r.try_get(name)?;
                            Ok(s.and_then(|s| serde_json::from_str(&s).ok()))
                        };
                        Ok($crate::store::AuditEntry {
                            id: r.try_get("id")?,
                            at: r.try_get("at")?,
                            actor_id: r.try_get("actor_id")?,
                            action: r.try_get("action")?,
                            target_type: r.try_get("target_type")?,
                            target_id: r.try_get("target_id")?,
                            before: json("before")?,
                            after: json("after")?,
                            note: r.try_get("note")?,
                        })
                    })
                    .collect()
            }

            /// When each post fetched in `[since, until)` appeared, with its
            /// sentiment label (reports' sentiment trend).
            pub async fn post_sentiments(
                &self,
                since: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<(chrono::DateTime<chrono::Utc>, String)>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT p.fetched_at, an.sentiment_label FROM posts p JOIN analyses an ON an.post_id = p.id \
                     WHERE p.fetched_at >= $1 AND p.fetched_at < $2",
                )
                .bind(since)
                .bind(until)
                .fetch_all(&self.pool)
                .await?)
            }

            /// Each commentator's work in `[since, until)` and what is open now.
            pub async fn workload(
                &self,
                since: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<$crate::store::Workload>, $crate::store::StoreError> {
                let rows: Vec<(i64, String, String, i64, i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT u.id, u.display_name, u.roles, \
                     (SELECT COUNT(*) FROM alerts a WHERE a.assignee_id = u.id AND a.assigned_at >= $1 AND a.assigned_at < $2), \
                     (SELECT COUNT(*) FROM alert_responses r WHERE r.user_id = u.id AND r.created_at >= $1 AND r.created_at < $2), \
                     (SELECT COUNT(*) FROM alerts a WHERE a.assignee_id = u.id AND a.state = 'resolved' AND a.closed_at >= $1 AND a.closed_at < $2), \
                     (SELECT COUNT(*) FROM alerts a WHERE a.assignee_id = u.id AND a.state NOT IN ('resolved', 'dismissed')), \
                     (SELECT COUNT(*) FROM alerts a WHERE a.assignee_id = u.id AND a.state NOT IN ('resolved', 'dismissed') AND a.due_at < $3) \
                     FROM users u ORDER BY u.display_name",
                )
                .bind(since)
                .bind(until)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .filter(|r| r.2.split(',').any(|role| role == "commentator") || r.3 + r.4 + r.6 > 0)
                    .map(|(user_id, name, _, assigned, responded, resolved, open, overdue)| $crate::store::Workload {
                        user_id, name, assigned, responded, resolved, open, overdue,
                    })
                    .collect())
            }

            /// Store a new API token (its hash) for a user; audited.
            pub async fn create_api_token(
                &self,
                user_id: i64,
                name: &str,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_tokens (name, token_hash, user_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(name)
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                review_audit(&mut *tx, now, None, "token.create", "user", user_id, None,
                    Some(serde_json::json!({"token": id, "name": name})), None).await?;
                tx.commit().await?;
                Ok(id)
            }

            /// The user of an unrevoked token, marking it used.
            pub async fn api_token_user(
                &self,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<i64>, $crate::store::StoreError> {
                let row: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT id, user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                if let Some((id, _)) = row {
                    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(row.map(|r| r.1))
            }

            /// Revoke every token of a user with this name; returns how many.
            pub async fn revoke_api_tokens(
                &self,
                user_id: i64,
                name: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND name = $3 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(user_id)
                .bind(name)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            /// When each post of these events appeared, for trend charts.
            pub async fn event_post_times(
                &self,
                events: &[i64],
            ) -> Result<Vec<(i64, chrono::DateTime<chrono::Utc>)>, $crate::store::StoreError> {
                if events.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT event_id, COALESCE(published_at, fetched_at) FROM posts WHERE event_id IN (",
                );
                let mut sep = qb.separated(", ");
                for e in events {
                    sep.push_bind(*e);
                }
                qb.push(")");
                Ok(qb.build_query_as().fetch_all(&self.pool).await?)
            }
        }

        const ALERT_ITEM_SELECT: &str =
            "SELECT a.id, a.event_id, a.post_id, a.level, a.risk_score, a.state, a.post_count, \
             a.created_at, a.updated_at, a.due_at, a.escalated_at, a.closed_at, a.false_positive, \
             a.assignee_id, u.display_name AS assignee, a.group_id, g.name AS group_name, \
             a.locked_by, a.locked_until, p.title, substr(p.text, 1, 160) AS excerpt, p.source, \
             p.channel, p.url, p.author, p.published_at, an.sentiment_label, an.sentiment_score, \
             CAST(an.categories AS TEXT) AS categories \
             FROM alerts a JOIN posts p ON p.id = a.post_id \
             LEFT JOIN analyses an ON an.post_id = a.post_id \
             LEFT JOIN users u ON u.id = a.assignee_id \
             LEFT JOIN user_groups g ON g.id = a.group_id";

        fn alert_item(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<$crate::store::AlertListItem, $crate::store::StoreError> {
            use sqlx::Row;
            let level: String = r.try_get("level")?;
            let state: String = r.try_get("state")?;
            let channel: String = r.try_get("channel")?;
            Ok($crate::store::AlertListItem {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                post_id: r.try_get("post_id")?,
                level: $crate::store::sql::parse_level(&level)?,
                risk_score: r.try_get("risk_score")?,
                state: parse_state(&state)?,
                post_count: r.try_get("post_count")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                due_at: r.try_get("due_at")?,
                escalated_at: r.try_get("escalated_at")?,
                closed_at: r.try_get("closed_at")?,
                false_positive: r.try_get("false_positive")?,
                assignee_id: r.try_get("assignee_id")?,
                assignee: r.try_get("assignee")?,
                group_id: r.try_get("group_id")?,
                group: r.try_get("group_name")?,
                locked_by: r.try_get("locked_by")?,
                locked_until: r.try_get("locked_until")?,
                title: r.try_get("title")?,
                excerpt: r.try_get("excerpt")?,
                source: r.try_get("source")?,
                channel: parse_channel(&channel)?,
                url: r.try_get("url")?,
                author: r.try_get("author")?,
                published_at: r.try_get("published_at")?,
                sentiment_label: r.try_get("sentiment_label")?,
                sentiment_score: r.try_get("sentiment_score")?,
                categories: $crate::store::queue::parse_json_list(r.try_get("categories")?),
            })
        }

        fn parse_state(s: &str) -> Result<$crate::review::AlertState, $crate::store::StoreError> {
            s.parse()
                .map_err(|message| $crate::store::StoreError::Corrupt { table: "alerts", message })
        }

        fn parse_channel(s: &str) -> Result<$crate::model::Channel, $crate::store::StoreError> {
            s.parse()
                .map_err(|message| $crate::store::StoreError::Corrupt { table: "posts", message })
        }

        /// The rule ids of an analysis stored as JSON, without decoding the rest.
        fn rule_names(analysis: &str) -> Vec<String> {
            #[derive(serde::Deserialize)]
            struct Hit {
                rule: String,
            }
            #[derive(serde::Deserialize)]
            struct Hits {
                #[serde(default)]
                hits: Vec<Hit>,
            }
            serde_json::from_str::<Hits>(analysis)
                .map(|h| h.hits.into_iter().map(|h| h.rule).collect())
                .unwrap_or_default()
        }
    };
}
