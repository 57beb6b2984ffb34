//! The dashboard's reads on both backends (PostgreSQL when its URL is set).

use super::tests::{analysis, post, save, stores};
use super::*;
use crate::model::RiskLevel;
use crate::review::{AlertState, Role};

#[tokio::test]
async fn queue_reads_filter_page_and_count_on_both_backends() {
    for (store, _dir) in stores().await {
        let now = chrono::Utc::now();
        let user = store
            .create_user(
                &NewUser {
                    username: "c1",
                    display_name: "甲",
                    password_hash: "x",
                    roles: &[Role::Commentator],
                    created_by: None,
                },
                now,
            )
            .await
            .unwrap();
        let group = store
            .create_group("后勤组", Some(user), None, now)
            .await
            .unwrap();
        let mut ids = Vec::new();
        for (i, level) in [RiskLevel::High, RiskLevel::Critical, RiskLevel::Medium]
            .into_iter()
            .enumerate()
        {
            let p = post(
                "s",
                &format!("p{i}"),
                &format!("第{i}条 食堂 出事 不同 内容 {i}"),
            );
            let out = save(&store, &p, &analysis(level, 50 + i as u8 * 10)).await;
            assert!(out.alert.is_some(), "{i}");
        }
        for a in store.alerts().await.unwrap() {
            ids.push(a.id);
        }
        assert_eq!(ids.len(), 3);
        store
            .change_alert(&AlertUpdate {
                alert_id: ids[0],
                actor: None,
                action: "alert.assign",
                from: AlertState::New,
                to: AlertState::Assigned,
                assign: Some(AssignTo {
                    user: Some(user),
                    group: Some(group),
                }),
                due: Some(Some(now - chrono::Duration::hours(1))),
                false_positive: false,
                note: None,
                at: now,
            })
            .await
            .unwrap();

        let all = store
            .alert_page(&AlertFilter {
                limit: 2,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((all.total, all.items.len()), (3, 2));
        // Highest risk first.
        assert!(all.items[0].risk_score >= all.items[1].risk_score);
        assert_eq!(all.items[0].categories, ["食品安全"]);
        let f = |f: AlertFilter| {
            let store = &store;
            async move {
                store
                    .alert_page(&AlertFilter { limit: 50, ..f })
                    .await
                    .unwrap()
            }
        };
        let by_level = f(AlertFilter {
            levels: vec![RiskLevel::Critical],
            ..Default::default()
        })
        .await;
        assert_eq!(by_level.total, 1);
        assert_eq!(
            f(AlertFilter {
                category: Some("食品安全".into()),
                sentiment: Some("negative".into()),
                ..Default::default()
            })
            .await
            .total,
            3
        );
        assert_eq!(
            f(AlertFilter {
                category: Some("食品".into()),
                ..Default::default()
            })
            .await
            .total,
            0,
            "a category matches whole"
        );
        let mine = f(AlertFilter {
            visible_to: Some(Visibility {
                user_id: user,
                groups: vec![],
            }),
            ..Default::default()
        })
        .await;
        assert_eq!(mine.items.len(), 1);
        assert_eq!(mine.items[0].assignee.as_deref(), Some("甲"));
        assert_eq!(mine.items[0].group.as_deref(), Some("后勤组"));
        let overdue = f(AlertFilter {
            overdue_at: Some(now),
            sort: AlertSort::Due,
            ..Default::default()
        })
        .await;
        assert_eq!(overdue.total, 1);
        assert_eq!(
            f(AlertFilter {
                unassigned: true,
                sort: AlertSort::Newest,
                ..Default::default()
            })
            .await
            .total,
            2
        );
        assert_eq!(
            f(AlertFilter {
                since: Some(now + chrono::Duration::hours(1)),
                ..Default::default()
            })
            .await
            .total,
            0
        );
        assert_eq!(
            f(AlertFilter {
                after_id: Some(ids[1]),
                ..Default::default()
            })
            .await
            .total,
            1
        );
        assert_eq!(store.max_alert_id().await.unwrap(), ids[2]);

        // Facts, events, workload, locks, notes, tokens.
        let facts = store.alert_facts(None, None, true).await.unwrap();
        assert_eq!(facts.len(), 3);
        assert_eq!(facts[0].rules, ["food-safety.canteen-illness"]);
        let item = store.alert_item(ids[0]).await.unwrap().unwrap();
        let cluster = store.cluster_posts(item.event_id, 10).await.unwrap();
        assert_eq!(cluster.len(), 1);
        assert!(store.post(item.post_id).await.unwrap().is_some());
        let work = store
            .workload(
                now - chrono::Duration::days(1),
                now + chrono::Duration::days(1),
                now,
            )
            .await
            .unwrap();
        assert_eq!(work.len(), 1);
        assert_eq!((work[0].assigned, work[0].open, work[0].overdue), (1, 1, 1));
        assert_eq!(
            store
                .post_sentiments(
                    now - chrono::Duration::days(1),
                    now + chrono::Duration::days(1)
                )
                .await
                .unwrap()
                .len(),
            3
        );
        let until = now + chrono::Duration::minutes(10);
        let lock = store.lock_alert(ids[0], user, until, now).await.unwrap();
        assert_eq!(lock.map(|l| l.user_id), Some(user));
        assert_eq!(
            store
                .lock_alert(ids[0], user + 1, until, now)
                .await
                .unwrap()
                .map(|l| l.user_id),
            Some(user),
            "another user cannot take a held lock"
        );
        assert!(
            store
                .alert_lock(ids[0], until + chrono::Duration::seconds(1))
                .await
                .unwrap()
                .is_none()
        );
        store
            .add_alert_note(ids[0], user, "已核实", now)
            .await
            .unwrap();
        let log = store.audit_log(None, None, 100, true).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.action == "alert.note" && e.note.as_deref() == Some("已核实"))
        );
        store
            .create_api_token(user, "t", "hash1", now)
            .await
            .unwrap();
        assert_eq!(
            store.api_token_user("hash1", now).await.unwrap(),
            Some(user)
        );
        assert_eq!(store.revoke_api_tokens(user, "t", now).await.unwrap(), 1);
        assert_eq!(store.api_token_user("hash1", now).await.unwrap(), None);
        assert_eq!(store.groups().await.unwrap()[0].members, [user]);
        store.ensure_source("s", "push").await.unwrap();
        assert_eq!(store.source_names().await.unwrap(), ["s"]);
    }
}

#[tokio::test]
async fn planner_statistics_are_gathered_when_missing_or_stale_on_sqlite() {
    for (store, _dir) in stores().await {
        let Store::Sqlite(s) = &store else {
            assert!(
                !store.refresh_planner_stats().await.unwrap(),
                "PostgreSQL: no-op"
            );
            continue;
        };
        // Below the threshold nothing is analysed.
        assert!(!s.refresh_planner_stats(1).await.unwrap());
        let p = post("s", "p0", "食堂 出事 第一条");
        save(&store, &p, &analysis(RiskLevel::High, 70)).await;
        // None yet: analysed; then current: left alone.
        assert!(s.refresh_planner_stats(1).await.unwrap());
        let stat: String =
            sqlx::query_scalar("SELECT stat FROM sqlite_stat1 WHERE tbl = 'alerts' LIMIT 1")
                .fetch_one(&s.pool)
                .await
                .unwrap();
        assert!(stat.starts_with("1 "), "{stat}");
        assert!(!s.refresh_planner_stats(1).await.unwrap());
        // Three times as many alerts: analysed again.
        for (i, text) in [
            "宿舍 停电 三天 无人 处理",
            "教务处 成绩 录入 错误 学生 投诉",
        ]
        .into_iter()
        .enumerate()
        {
            let p = post("s", &format!("q{i}"), text);
            save(&store, &p, &analysis(RiskLevel::High, 70)).await;
        }
        assert_eq!(store.alerts().await.unwrap().len(), 3);
        assert!(s.refresh_planner_stats(1).await.unwrap());
    }
}

#[tokio::test]
async fn filters_on_copied_columns_follow_the_alerts_post_and_its_analysis() {
    async fn count(store: &Store, category: Option<&str>, sentiment: Option<&str>) -> i64 {
        let filter = AlertFilter {
            category: category.map(Into::into),
            sentiment: sentiment.map(Into::into),
            limit: 50,
            ..Default::default()
        };
        store.alert_page(&filter).await.unwrap().total
    }
    for (store, _dir) in stores().await {
        let b = store.backend();
        let story =
            "今天 中午 二食堂 饭菜 导致 多名 学生 腹泻 呕吐 后勤处 介入 调查 学生 校医院 治疗";
        save(
            &store,
            &post("s", "a", story),
            &analysis(RiskLevel::High, 60),
        )
        .await;
        assert_eq!(
            count(&store, Some("食品安全"), Some("negative")).await,
            1,
            "{b}"
        );

        // A riskier copy becomes the alert's post: the alert takes its analysis.
        let mut riskier = analysis(RiskLevel::Critical, 90);
        riskier.hits[0].category = "宿舍安全".into();
        riskier.sentiment.label = crate::model::SentimentLabel::Neutral;
        let out = save(&store, &post("t", "b", story), &riskier).await;
        assert!(
            matches!(out.alert, Some(AlertChange::Updated { .. })),
            "{b}: {:?}",
            out.alert
        );
        assert_eq!(count(&store, Some("食品安全"), None).await, 0, "{b}");
        assert_eq!(
            count(&store, Some("宿舍安全"), Some("neutral")).await,
            1,
            "{b}"
        );
        // ... and its post's source (the channel is the same here).
        for (source, n) in [("s", 0), ("t", 1)] {
            let filter = AlertFilter {
                source: Some(source.into()),
                channel: Some(crate::model::Channel::Campus),
                limit: 50,
                ..Default::default()
            };
            assert_eq!(
                store.alert_page(&filter).await.unwrap().total,
                n,
                "{b} {source}"
            );
        }

        // The analysis of that post is replaced (re-analysis): the filter follows.
        let alert = &store.alerts().await.unwrap()[0];
        let q = "UPDATE analyses SET sentiment_label = 'negative', categories = '[\"校园安全\"]' \
                 WHERE post_id = $1";
        match &store {
            Store::Sqlite(s) => sqlx::query(q)
                .bind(alert.post_id)
                .execute(&s.pool)
                .await
                .map(|r| r.rows_affected()),
            Store::Postgres(p) => {
                let q = "UPDATE analyses SET sentiment_label = 'negative', \
                         categories = '[\"校园安全\"]'::jsonb WHERE post_id = $1";
                sqlx::query(q)
                    .bind(alert.post_id)
                    .execute(&p.pool)
                    .await
                    .map(|r| r.rows_affected())
            }
        }
        .unwrap();
        assert_eq!(count(&store, Some("宿舍安全"), None).await, 0, "{b}");
        assert_eq!(
            count(&store, Some("校园安全"), Some("negative")).await,
            1,
            "{b}"
        );
        let item = store.alert_item(alert.id).await.unwrap().unwrap();
        assert_eq!(item.categories, ["校园安全"], "{b}");
    }
}

#[tokio::test]
async fn the_sla_pass_reads_its_partial_index_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let Store::Sqlite(s) = Store::open(None, dir.path()).await.unwrap() else {
        unreachable!("no URL opens SQLite")
    };
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "EXPLAIN QUERY PLAN {}",
        super::review_sql::OVERDUE_SQL
    )))
    .bind(chrono::Utc::now())
    .fetch_all(&s.pool)
    .await
    .unwrap();
    assert!(
        plan.iter()
            .any(|(.., detail)| detail.contains("alerts_sla")),
        "{plan:?}"
    );
}
