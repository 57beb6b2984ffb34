//! Review actions against a real store, SQLite and PostgreSQL.

use super::routing::{RouteInput, RoutingRule};
use super::*;
use crate::model::RiskLevel;
use crate::store::tests::{analysis, post, save, stores};
use crate::store::{NewUser, ResponseInput, Store};
use chrono::{Duration, Utc};

async fn user(store: &Store, name: &str, roles: &[Role]) -> i64 {
    store
        .create_user(
            &NewUser {
                username: name,
                display_name: name,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
                roles,
                created_by: None,
            },
            Utc::now(),
        )
        .await
        .unwrap()
}

/// A raised alert of `level` on a post of `text`.
async fn raise(store: &Store, id: &str, text: &str, level: RiskLevel) -> i64 {
    let out = save(store, &post("bbs", id, text), &analysis(level, 70)).await;
    match out.alert {
        Some(crate::store::AlertChange::Raised { alert_id }) => alert_id,
        other => panic!("no alert raised: {other:?}"),
    }
}

fn settings() -> ReviewSettings {
    ReviewSettings {
        routing: vec![RoutingRule {
            category: Some("食品安全".into()),
            min_level: None,
            source: None,
            tag: None,
            group: "后勤组".into(),
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn routing_assigns_the_least_loaded_member_and_the_workflow_is_audited() {
    for (store, _dir) in stores().await {
        let b = store.backend();
        let monitor = user(&store, "monitor", &[Role::Monitor]).await;
        let lead = user(&store, "lead", &[Role::Commentator]).await;
        let c1 = user(&store, "c1", &[Role::Commentator]).await;
        let c2 = user(&store, "c2", &[Role::Commentator]).await;
        let g = store
            .create_group("后勤组", Some(lead), Some(monitor), Utc::now())
            .await
            .unwrap();
        for c in [c1, c2] {
            store
                .add_group_member(g, c, Some(monitor), Utc::now())
                .await
                .unwrap();
        }
        let settings = settings();
        let review = Review {
            store: &store,
            settings: &settings,
        };
        let cats = vec!["食品安全".to_string()];
        let input = RouteInput {
            categories: &cats,
            level: RiskLevel::High,
            source: "bbs",
            tags: &[],
        };

        // Three alerts spread over the three members, one each.
        let texts = [
            "食堂 饭菜 腹泻 一",
            "宿舍 停水 三天 二",
            "考试 作弊 举报 三",
        ];
        let mut assignees = Vec::new();
        let raised = Utc::now();
        for (i, t) in texts.iter().enumerate() {
            let id = raise(&store, &format!("p{i}"), t, RiskLevel::High).await;
            review.route_new(id, &input, raised).await.unwrap();
            let a = store.alert_access(id).await.unwrap().unwrap();
            assert_eq!((a.state, a.group), (AlertState::Assigned, Some(g)), "{b}");
            assignees.push((id, a.assignee.unwrap()));
        }
        let mut who: Vec<i64> = assignees.iter().map(|(_, u)| *u).collect();
        who.sort();
        assert_eq!(
            who,
            {
                let mut v = vec![lead, c1, c2];
                v.sort();
                v
            },
            "{b}: least loaded spreads the work"
        );

        // The assignee works the item; others cannot.
        let (alert, owner) = assignees[0];
        let owner_actor = store.actor(owner).await.unwrap().unwrap();
        let other = assignees
            .iter()
            .map(|(_, u)| *u)
            .find(|u| *u != owner && *u != lead)
            .unwrap_or(owner);
        let other_actor = store.actor(other).await.unwrap().unwrap();
        let now = Utc::now();
        if other != owner {
            let e = review
                .transition(&other_actor, alert, AlertState::InProgress, None, now)
                .await;
            assert!(matches!(e, Err(ReviewError::Denied(_))), "{b}: {e:?}");
        }
        review
            .transition(&owner_actor, alert, AlertState::InProgress, None, now)
            .await
            .unwrap();
        let bad = review
            .respond(
                &owner_actor,
                alert,
                &ResponseInput {
                    text: "已回复",
                    link: Some("javascript:x"),
                    channel: None,
                },
                now,
            )
            .await;
        assert!(matches!(bad, Err(ReviewError::Invalid(_))), "{b}");
        review
            .respond(
                &owner_actor,
                alert,
                &ResponseInput {
                    text: "已在微博评论区回复并说明处理进展",
                    link: Some("https://weibo.com/1/abc"),
                    channel: Some("微博"),
                },
                now,
            )
            .await
            .unwrap();
        review
            .transition(
                &owner_actor,
                alert,
                AlertState::Resolved,
                Some("学生已满意"),
                now,
            )
            .await
            .unwrap();
        // Illegal: resolved → in progress.
        let e = review
            .transition(&owner_actor, alert, AlertState::InProgress, None, now)
            .await;
        assert!(
            matches!(
                e,
                Err(ReviewError::Denied(Denied::IllegalTransition { .. }))
            ),
            "{b}: {e:?}"
        );

        let trail: Vec<String> = store
            .audit_trail("alert", alert)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            trail,
            [
                "alert.route",
                "alert.state",
                "alert.response",
                "alert.state",
                "alert.state"
            ],
            "{b}"
        );
        let last = store
            .audit_trail("alert", alert)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(last.actor_id, Some(owner), "{b}");
        assert_eq!(last.before.unwrap()["state"], "responded", "{b}");
        assert_eq!(last.after.unwrap()["state"], "resolved", "{b}");
        assert_eq!(last.note.as_deref(), Some("学生已满意"), "{b}");

        // A monitor dismisses another as a false positive, with a reason.
        let m = store.actor(monitor).await.unwrap().unwrap();
        let (second, _) = assignees[1];
        assert!(matches!(
            review.dismiss(&m, second, " ", true, now).await,
            Err(ReviewError::Invalid(_))
        ));
        review
            .dismiss(&m, second, "规则误报：停水通知", true, now)
            .await
            .unwrap();
        let d = store
            .audit_trail("alert", second)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(d.action, "alert.false_positive", "{b}");
    }
}

#[tokio::test]
async fn overdue_alerts_escalate_once_and_stale_changes_conflict() {
    for (store, _dir) in stores().await {
        let b = store.backend();
        let monitor = user(&store, "m", &[Role::Monitor]).await;
        let settings = ReviewSettings::default();
        let review = Review {
            store: &store,
            settings: &settings,
        };
        let raised = Utc::now() - Duration::hours(2);
        let id = raise(&store, "x", "实验室 爆炸 受伤", RiskLevel::Critical).await;
        let input = RouteInput {
            categories: &[],
            level: RiskLevel::Critical,
            source: "bbs",
            tags: &[],
        };
        review.route_new(id, &input, raised).await.unwrap();
        // Unrouted (no rule): stays new, but has its 1-hour due time.
        assert_eq!(
            store.alert_access(id).await.unwrap().unwrap().state,
            AlertState::New,
            "{b}"
        );
        let low = raise(&store, "y", "图书馆 开放 时间 调整", RiskLevel::Medium).await;
        review
            .route_new(
                low,
                &RouteInput {
                    level: RiskLevel::Medium,
                    ..input
                },
                Utc::now(),
            )
            .await
            .unwrap();

        assert_eq!(review.escalate_overdue(Utc::now()).await.unwrap(), 1, "{b}");
        assert_eq!(
            review.escalate_overdue(Utc::now()).await.unwrap(),
            0,
            "{b}: only once"
        );
        assert_eq!(
            store.alert_access(id).await.unwrap().unwrap().state,
            AlertState::Escalated,
            "{b}"
        );
        let e = store.audit_trail("alert", id).await.unwrap().pop().unwrap();
        assert_eq!(
            (e.action.as_str(), e.actor_id),
            ("alert.sla_escalate", None),
            "{b}"
        );
        // The medium one is due in 24 h.
        assert_eq!(
            store.alert_access(low).await.unwrap().unwrap().state,
            AlertState::New,
            "{b}"
        );

        // A change made against a state that moved meanwhile is refused.
        let m = store.actor(monitor).await.unwrap().unwrap();
        let stale = crate::store::AlertUpdate {
            alert_id: low,
            actor: Some(monitor),
            action: "alert.state",
            from: AlertState::Triaged,
            to: AlertState::Escalated,
            assign: None,
            due: None,
            false_positive: false,
            note: None,
            at: Utc::now(),
        };
        assert!(!store.change_alert(&stale).await.unwrap(), "{b}");
        review
            .transition(&m, low, AlertState::Triaged, None, Utc::now())
            .await
            .unwrap();
        // Publishers see nothing; a disabled user is no actor at all.
        let p = user(&store, "p", &[Role::Publisher]).await;
        let pa = store.actor(p).await.unwrap().unwrap();
        let e = review
            .transition(&pa, low, AlertState::Escalated, None, Utc::now())
            .await;
        assert!(
            matches!(e, Err(ReviewError::Denied(Denied::NotVisible))),
            "{b}: {e:?}"
        );
        store
            .set_user_disabled(p, true, Some(monitor), Utc::now())
            .await
            .unwrap();
        assert!(store.actor(p).await.unwrap().is_none(), "{b}");
        // Usernames are unique.
        let dup = store
            .create_user(
                &NewUser {
                    username: "m",
                    display_name: "m",
                    password_hash: "x",
                    roles: &[Role::Admin],
                    created_by: None,
                },
                Utc::now(),
            )
            .await;
        assert!(
            matches!(dup, Err(crate::store::StoreError::Conflict(_))),
            "{b}"
        );
    }
}
