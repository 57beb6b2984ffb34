//! Queries that read the same on SQLite and PostgreSQL (both accept `$1`
//! placeholders, `RETURNING` and `ON CONFLICT`), instantiated once per
//! backend so that each runs with its own driver types.

/// Implements the shared queries on `$store`, a struct with a `pool:
/// sqlx::Pool<$db>` field.
macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        impl $store {
            pub async fn find_existing(
                &self,
                source: &str,
                external_id: &str,
                canonical_url: Option<&str>,
            ) -> Result<Option<$crate::store::Existing>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await?;
                find_existing_in(&mut *conn, source, external_id, canonical_url).await
            }

            pub async fn save_post(
                &self,
                req: &$crate::store::SaveRequest<'_>,
            ) -> Result<$crate::store::SaveOutcome, $crate::store::StoreError> {
                use $crate::store::{SaveOutcome, SaveStatus};
                use sqlx::types::Json;
                let post = req.post;
                let mut tx = self.begin_write().await?;
                let now = chrono::Utc::now();
                let existing =
                    find_existing_in(&mut *tx, &post.source, &post.external_id, req.canonical_url).await?;
                let metrics = post.metrics.map(Json);

                if let Some(ex) = existing {
                    if ex.content_hash == req.content_hash {
                        // Same content: only the counters move.
                        sqlx::query("UPDATE posts SET metrics = $1 WHERE id = $2")
                            .bind(metrics)
                            .bind(ex.post_id)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        return Ok(SaveOutcome {
                            post_id: ex.post_id,
                            event_id: ex.event_id,
                            status: SaveStatus::Unchanged,
                            joined_event: false,
                            alert: None,
                        });
                    }
                    // Edited: keep the old version, then overwrite.
                    sqlx::query(
                        "INSERT INTO post_versions (post_id, version, title, text, content_hash, fetched_at) \
                         SELECT id, version, title, text, content_hash, fetched_at FROM posts WHERE id = $1",
                    )
                    .bind(ex.post_id)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE posts SET title = $1, text = $2, author = $3, url = $4, published_at = $5, \
                         fetched_at = $6, metrics = $7, content_hash = $8, simhash = $9, \
                         version = version + 1, updated_at = $10, tags = $12 WHERE id = $11",
                    )
                    .bind(&post.title)
                    .bind(&post.text)
                    .bind(&post.author)
                    .bind(&post.url)
                    .bind(post.published_at)
                    .bind(post.fetched_at)
                    .bind(metrics)
                    .bind(req.content_hash as i64)
                    .bind(req.simhash as i64)
                    .bind(now)
                    .bind(ex.post_id)
                    .bind(Json(&post.tags))
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM simhash_bands WHERE post_id = $1")
                        .bind(ex.post_id)
                        .execute(&mut *tx)
                        .await?;
                    insert_bands(&mut *tx, ex.post_id, req.simhash).await?;
                    upsert_analysis(&mut *tx, ex.post_id, ex.version + 1, req, now).await?;
                    let alert = touch_event(&mut *tx, ex.event_id, ex.post_id, req, now).await?;
                    tx.commit().await?;
                    return Ok(SaveOutcome {
                        post_id: ex.post_id,
                        event_id: ex.event_id,
                        status: SaveStatus::Updated,
                        joined_event: false,
                        alert,
                    });
                }

                let near = nearest_duplicate(&mut *tx, req.simhash).await?;
                let (event_id, joined) = match near {
                    Some(event_id) => (event_id, true),
                    None => {
                        // A new event's counters are known: this post is all of it.
                        let title = event_title(&post.title, &post.text);
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO events (title, first_seen_at, last_seen_at, post_count, source_count, max_risk) \
                             VALUES ($1, $2, $2, 1, 1, $3) RETURNING id",
                        )
                        .bind(title)
                        .bind(now)
                        .bind(req.analysis.risk.score as i64)
                        .fetch_one(&mut *tx)
                        .await?;
                        (id, false)
                    }
                };
                let parent_id: Option<i64> = match &post.parent_external_id {
                    Some(parent) => sqlx::query_scalar(
                        "SELECT id FROM posts WHERE source = $1 AND external_id = $2",
                    )
                    .bind(&post.source)
                    .bind(parent)
                    .fetch_optional(&mut *tx)
                    .await?,
                    None => None,
                };
                let post_id: i64 = sqlx::query_scalar(
                    "INSERT INTO posts (source, external_id, url, canonical_url, parent_id, channel, title, text, \
                     author, published_at, fetched_at, metrics, content_hash, simhash, event_id, updated_at, tags) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
                )
                .bind(&post.source)
                .bind(&post.external_id)
                .bind(&post.url)
                .bind(req.canonical_url)
                .bind(parent_id)
                .bind(post.channel.as_str())
                .bind(&post.title)
                .bind(&post.text)
                .bind(&post.author)
                .bind(post.published_at)
                .bind(post.fetched_at)
                .bind(metrics)
                .bind(req.content_hash as i64)
                .bind(req.simhash as i64)
                .bind(event_id)
                .bind(now)
                .bind(Json(&post.tags))
                .fetch_one(&mut *tx)
                .await?;
                insert_bands(&mut *tx, post_id, req.simhash).await?;
                upsert_analysis(&mut *tx, post_id, 1, req, now).await?;
                let alert = if joined {
                    touch_event(&mut *tx, event_id, post_id, req, now).await?
                } else {
                    start_event(&mut *tx, event_id, post_id, req, now).await?
                };
                tx.commit().await?;
                Ok(SaveOutcome {
                    post_id,
                    event_id,
                    status: SaveStatus::New,
                    joined_event: joined,
                    alert,
                })
            }

            pub async fn posts_since(
                &self,
                since: Option<chrono::DateTime<chrono::Utc>>,
                after: Option<(chrono::DateTime<chrono::Utc>, i64)>,
                limit: i64,
            ) -> Result<Vec<$crate::model::StoredPost>, $crate::store::StoreError> {
                let since = since.unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH);
                let (after_time, after_id) = after.unwrap_or((chrono::DateTime::<chrono::Utc>::UNIX_EPOCH, 0));
                let rows = sqlx::query(
                    "SELECT p.id, p.source, p.external_id, p.url, p.channel, p.title, p.text, p.author, \
                     p.published_at, p.fetched_at, p.metrics, p.event_id, p.parent_id, p.version, p.updated_at, \
                     p.tags, a.analysis FROM posts p LEFT JOIN analyses a ON a.post_id = p.id \
                     WHERE p.updated_at >= $1 AND (p.updated_at > $2 OR (p.updated_at = $2 AND p.id > $3)) \
                     ORDER BY p.updated_at, p.id LIMIT $4",
                )
                .bind(since)
                .bind(after_time)
                .bind(after_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(stored_post).collect()
            }

            pub async fn post_versions(
                &self,
                post_id: i64,
            ) -> Result<Vec<(i32, String, String)>, $crate::store::StoreError> {
                let rows: Vec<(i64, String, String)> = sqlx::query_as(
                    "SELECT version, title, text FROM post_versions WHERE post_id = $1 ORDER BY version",
                )
                .bind(post_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(v, t, x)| (v as i32, t, x)).collect())
            }

            pub async fn event(
                &self,
                id: i64,
            ) -> Result<Option<$crate::store::EventSummary>, $crate::store::StoreError> {
                let row: Option<(i64, String, i64, i64, i64)> = sqlx::query_as(
                    "SELECT id, title, post_count, source_count, max_risk FROM events WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, title, post_count, source_count, max_risk)| $crate::store::EventSummary {
                    id,
                    title,
                    post_count,
                    source_count,
                    max_risk,
                }))
            }

            pub async fn alerts(&self) -> Result<Vec<$crate::store::AlertRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT id, event_id, post_id, level, risk_score, state, post_count, created_at \
                     FROM alerts ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let level: String = r.try_get("level")?;
                        Ok($crate::store::AlertRow {
                            id: r.try_get("id")?,
                            event_id: r.try_get("event_id")?,
                            post_id: r.try_get("post_id")?,
                            level: $crate::store::sql::parse_level(&level)?,
                            risk_score: r.try_get("risk_score")?,
                            state: r.try_get("state")?,
                            post_count: r.try_get("post_count")?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            pub async fn update_metrics(
                &self,
                post_id: i64,
                metrics: Option<$crate::model::Metrics>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE posts SET metrics = COALESCE($1, metrics) WHERE id = $2")
                    .bind(metrics.map(sqlx::types::Json))
                    .bind(post_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            pub async fn count_posts(&self) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM posts").fetch_one(&self.pool).await?)
            }

            pub async fn ensure_source(&self, name: &str, kind: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO sources (name, kind) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET kind = $2",
                )
                .bind(name)
                .bind(kind)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            pub async fn source_state(
                &self,
                name: &str,
            ) -> Result<Option<$crate::store::SourceState>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT name, kind, last_run_at, last_success_at, last_error, last_error_at, next_run_at, \
                     consecutive_failures, cursor FROM sources WHERE name = $1",
                )
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                Ok(Some($crate::store::SourceState {
                    name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    last_run_at: r.try_get("last_run_at")?,
                    last_success_at: r.try_get("last_success_at")?,
                    last_error: r.try_get("last_error")?,
                    last_error_at: r.try_get("last_error_at")?,
                    next_run_at: r.try_get("next_run_at")?,
                    consecutive_failures: r.try_get("consecutive_failures")?,
                    cursor: r.try_get("cursor")?,
                }))
            }

            pub async fn record_source_success(
                &self,
                name: &str,
                at: chrono::DateTime<chrono::Utc>,
                next_run_at: chrono::DateTime<chrono::Utc>,
                cursor: Option<&str>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE sources SET last_run_at = $1, last_success_at = $1, next_run_at = $2, \
                     consecutive_failures = 0, last_error = NULL, cursor = COALESCE($3, cursor), \
                     lease_owner = NULL, lease_until = NULL WHERE name = $4",
                )
                .bind(at)
                .bind(next_run_at)
                .bind(cursor)
                .bind(name)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            pub async fn record_source_failure(
                &self,
                name: &str,
                at: chrono::DateTime<chrono::Utc>,
                error: &str,
                next_run_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE sources SET last_run_at = $1, last_error = $2, last_error_at = $1, next_run_at = $3, \
                     consecutive_failures = consecutive_failures + 1, lease_owner = NULL, lease_until = NULL \
                     WHERE name = $4",
                )
                .bind(at)
                .bind(error)
                .bind(next_run_at)
                .bind(name)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            /// Take the source for a run until `until`, unless another
            /// owner's lease is still live or (without `force`) it is not due.
            pub async fn claim_source(
                &self,
                name: &str,
                owner: &str,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
                force: bool,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE sources SET lease_owner = $1, lease_until = $2 WHERE name = $3 \
                     AND (lease_until IS NULL OR lease_until < $4 OR lease_owner = $1) \
                     AND ($5 OR next_run_at IS NULL OR next_run_at <= $4)",
                )
                .bind(owner)
                .bind(until)
                .bind(name)
                .bind(now)
                .bind(force)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            /// Who holds the source's lease, if anyone.
            pub async fn lease_owner(&self, name: &str) -> Result<Option<String>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT lease_owner FROM sources WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .flatten())
            }

            /// Take over the lease `dead` holds (its process is gone).
            pub async fn take_over_lease(
                &self,
                name: &str,
                dead: &str,
                owner: &str,
                until: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE sources SET lease_owner = $1, lease_until = $2 WHERE name = $3 AND lease_owner = $4",
                )
                .bind(owner)
                .bind(until)
                .bind(name)
                .bind(dead)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            /// Give up leases: one owner's, or every lease (`None`, at the
            /// start of a single-process server whose previous run died).
            pub async fn release_leases(&self, owner: Option<&str>) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE sources SET lease_owner = NULL, lease_until = NULL \
                     WHERE lease_owner IS NOT NULL AND ($1 IS NULL OR lease_owner = $1)",
                )
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            pub async fn meta(&self, key: &str) -> Result<Option<String>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
                )
                .bind(key)
                .bind(value)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }

        async fn find_existing_in(
            conn: &mut <$db as sqlx::Database>::Connection,
            source: &str,
            external_id: &str,
            canonical_url: Option<&str>,
        ) -> Result<Option<$crate::store::Existing>, $crate::store::StoreError> {
            // Two index lookups: written as one `OR`, SQLite scans every post
            // of the source (quadratic over a crawl).
            let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT id, content_hash, version, event_id FROM posts WHERE source = $1 AND external_id = $2 \
                 UNION ALL \
                 SELECT id, content_hash, version, event_id FROM posts WHERE canonical_url = $3 AND source = $1 \
                 ORDER BY id LIMIT 1",
            )
            .bind(source)
            .bind(external_id)
            .bind(canonical_url)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(row.map(|(post_id, hash, version, event_id)| $crate::store::Existing {
                post_id,
                content_hash: hash as u64,
                version: version as i32,
                event_id,
            }))
        }

        async fn insert_bands(
            conn: &mut <$db as sqlx::Database>::Connection,
            post_id: i64,
            simhash: u64,
        ) -> Result<(), $crate::store::StoreError> {
            let b = $crate::dedup::bands(simhash);
            sqlx::query(
                "INSERT INTO simhash_bands (band, post_id) VALUES ($1, $5), ($2, $5), ($3, $5), ($4, $5) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(b[0])
            .bind(b[1])
            .bind(b[2])
            .bind(b[3])
            .bind(post_id)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// The event of the closest stored near-duplicate, if any.
        async fn nearest_duplicate(
            conn: &mut <$db as sqlx::Database>::Connection,
            simhash: u64,
        ) -> Result<Option<i64>, $crate::store::StoreError> {
            let b = $crate::dedup::bands(simhash);
            let candidates: Vec<(i64, i64, i64)> = sqlx::query_as(
                "SELECT DISTINCT p.id, p.simhash, p.event_id FROM simhash_bands s JOIN posts p ON p.id = s.post_id \
                 WHERE s.band IN ($1, $2, $3, $4)",
            )
            .bind(b[0])
            .bind(b[1])
            .bind(b[2])
            .bind(b[3])
            .fetch_all(&mut *conn)
            .await?;
            Ok(candidates
                .into_iter()
                .map(|(id, h, event)| ($crate::dedup::hamming(h as u64, simhash), id, event))
                .filter(|(d, _, _)| *d <= $crate::dedup::NEAR_DUPLICATE_BITS)
                .min()
                .map(|(_, _, event)| event))
        }

        async fn upsert_analysis(
            conn: &mut <$db as sqlx::Database>::Connection,
            post_id: i64,
            version: i32,
            req: &$crate::store::SaveRequest<'_>,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), $crate::store::StoreError> {
            let a = req.analysis;
            let mut categories: Vec<&str> = a.hits.iter().map(|h| h.category.as_str()).collect();
            categories.dedup();
            sqlx::query(
                "INSERT INTO analyses (post_id, post_version, analyzer_version, sentiment_score, sentiment_label, \
                 risk_score, risk_level, categories, analysis, analyzed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (post_id) DO UPDATE SET post_version = $2, analyzer_version = $3, \
                 sentiment_score = $4, sentiment_label = $5, risk_score = $6, risk_level = $7, \
                 categories = $8, analysis = $9, analyzed_at = $10",
            )
            .bind(post_id)
            .bind(version as i64)
            .bind(req.analyzer_version)
            .bind(a.sentiment.score as f64)
            .bind(a.sentiment.label.as_str())
            .bind(a.risk.score as i64)
            .bind(a.risk.level.as_str())
            .bind(sqlx::types::Json(&categories))
            .bind(sqlx::types::Json(a))
            .bind(now)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// Refresh the event's counters and raise or update its one alert:
        /// a copy joining an event updates the event's alert, never a second one.
        async fn touch_event(
            conn: &mut <$db as sqlx::Database>::Connection,
            event_id: i64,
            post_id: i64,
            req: &$crate::store::SaveRequest<'_>,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<Option<$crate::store::AlertChange>, $crate::store::StoreError> {
            let risk = req.analysis.risk.score as i64;
            sqlx::query(
                "UPDATE events SET post_count = (SELECT COUNT(*) FROM posts WHERE event_id = $1), \
                 source_count = (SELECT COUNT(DISTINCT source) FROM posts WHERE event_id = $1), \
                 first_post_id = COALESCE(first_post_id, $2), last_seen_at = $3, \
                 max_risk = CASE WHEN max_risk > $4 THEN max_risk ELSE $4 END WHERE id = $1",
            )
            .bind(event_id)
            .bind(post_id)
            .bind(now)
            .bind(risk)
            .execute(&mut *conn)
            .await?;

            let existing: Option<(i64, i64)> =
                sqlx::query_as("SELECT id, risk_score FROM alerts WHERE event_id = $1")
                    .bind(event_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let level = req.analysis.risk.level;
            match existing {
                Some((alert_id, old_risk)) => {
                    let (best_post, best_risk, best_level) = if risk > old_risk {
                        (Some(post_id), risk, Some(level.as_str()))
                    } else {
                        (None, old_risk, None)
                    };
                    sqlx::query(
                        "UPDATE alerts SET post_count = (SELECT COUNT(*) FROM posts WHERE event_id = $1), \
                         risk_score = $2, level = COALESCE($3, level), post_id = COALESCE($4, post_id), \
                         updated_at = $5 WHERE id = $6",
                    )
                    .bind(event_id)
                    .bind(best_risk)
                    .bind(best_level)
                    .bind(best_post)
                    .bind(now)
                    .bind(alert_id)
                    .execute(&mut *conn)
                    .await?;
                    Ok(Some($crate::store::AlertChange::Updated { alert_id }))
                }
                None if level >= req.alert_level && level > $crate::model::RiskLevel::None => {
                    let alert_id: i64 = sqlx::query_scalar(
                        "INSERT INTO alerts (event_id, post_id, level, risk_score, post_count, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, (SELECT COUNT(*) FROM posts WHERE event_id = $1), $5, $5) RETURNING id",
                    )
                    .bind(event_id)
                    .bind(post_id)
                    .bind(level.as_str())
                    .bind(risk)
                    .bind(now)
                    .fetch_one(&mut *conn)
                    .await?;
                    Ok(Some($crate::store::AlertChange::Raised { alert_id }))
                }
                None => Ok(None),
            }
        }

        /// [`touch_event`] for an event this post has just started: its
        /// counters are already right and it has no alert yet.
        async fn start_event(
            conn: &mut <$db as sqlx::Database>::Connection,
            event_id: i64,
            post_id: i64,
            req: &$crate::store::SaveRequest<'_>,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<Option<$crate::store::AlertChange>, $crate::store::StoreError> {
            sqlx::query("UPDATE events SET first_post_id = $2 WHERE id = $1")
                .bind(event_id)
                .bind(post_id)
                .execute(&mut *conn)
                .await?;
            let level = req.analysis.risk.level;
            if level >= req.alert_level && level > $crate::model::RiskLevel::None {
                let alert_id: i64 = sqlx::query_scalar(
                    "INSERT INTO alerts (event_id, post_id, level, risk_score, post_count, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
                )
                .bind(event_id)
                .bind(post_id)
                .bind(level.as_str())
                .bind(req.analysis.risk.score as i64)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?;
                Ok(Some($crate::store::AlertChange::Raised { alert_id }))
            } else {
                Ok(None)
            }
        }

        fn event_title(title: &str, text: &str) -> String {
            let source = if title.trim().is_empty() { text } else { title };
            source.trim().chars().take(60).collect()
        }

        /// A `posts` row (with `a.analysis` joined) as the domain type.
        fn stored_post(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<$crate::model::StoredPost, $crate::store::StoreError> {
            use sqlx::Row;
            let channel: String = r.try_get("channel")?;
            let metrics: Option<sqlx::types::Json<$crate::model::Metrics>> = r.try_get("metrics")?;
            let analysis: Option<sqlx::types::Json<$crate::model::Analysis>> = r.try_get("analysis")?;
            let tags: sqlx::types::Json<Vec<String>> = r.try_get("tags")?;
            Ok($crate::model::StoredPost {
                id: r.try_get("id")?,
                source: r.try_get("source")?,
                external_id: r.try_get("external_id")?,
                url: r.try_get("url")?,
                channel: channel.parse().map_err(|message| $crate::store::StoreError::Corrupt {
                    table: "posts",
                    message,
                })?,
                title: r.try_get("title")?,
                text: r.try_get("text")?,
                author: r.try_get("author")?,
                published_at: r.try_get("published_at")?,
                fetched_at: r.try_get("fetched_at")?,
                metrics: metrics.map(|m| m.0),
                event_id: r.try_get("event_id")?,
                parent_id: r.try_get("parent_id")?,
                version: r.try_get::<i64, _>("version")? as i32,
                updated_at: r.try_get("updated_at")?,
                analysis: analysis.map(|a| a.0),
                tags: tags.0,
            })
        }
    };
}

pub(crate) fn parse_level(s: &str) -> Result<crate::model::RiskLevel, super::StoreError> {
    use crate::model::RiskLevel;
    Ok(match s {
        "none" => RiskLevel::None,
        "low" => RiskLevel::Low,
        "medium" => RiskLevel::Medium,
        "high" => RiskLevel::High,
        "critical" => RiskLevel::Critical,
        other => {
            return Err(super::StoreError::Corrupt {
                table: "alerts",
                message: format!("unknown level '{other}'"),
            });
        }
    })
}
