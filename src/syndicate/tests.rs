//! The workflow, the store and the outbox state machine on SQLite and (when
//! `YUQING_TEST_DATABASE_URL` is set) PostgreSQL. Platform adapters are
//! tested against local mock servers in `tests/server/syndicate.rs`.

use super::*;
use crate::review::{Actor, Role};
use crate::store::tests::stores;
use crate::store::{JobOutcome, NewUser, PublicationState, Store};
use chrono::{TimeDelta, Utc};
use std::sync::{Arc, OnceLock};

fn checker() -> &'static PublishChecker {
    static C: OnceLock<PublishChecker> = OnceLock::new();
    C.get_or_init(|| PublishChecker::load(&check::default_publish_rules_dir()).unwrap())
}

async fn actor(store: &Store, name: &str, roles: &[Role]) -> Actor {
    let id = store
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
        .unwrap();
    store.actor(id).await.unwrap().unwrap()
}

fn body(title: &str, text: &str) -> ContentBody {
    ContentBody {
        title: title.into(),
        body: text.into(),
        tags: vec!["校园".into()],
        ..ContentBody::default()
    }
}

async fn webhook_channel(store: &Store, key: &SecretKey) -> i64 {
    register_channel(
        store,
        key,
        &NewChannel {
            college: "XX职业技术学院",
            name: "XX职业技术学院Webhook",
            kind: ChannelKind::Webhook,
            settings: &ChannelSettings {
                url: Some("http://127.0.0.1:9/hook".into()),
                ..ChannelSettings::default()
            },
            secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            refresh_token: None,
            app_secret: None,
        },
        None,
        Utc::now(),
    )
    .await
    .unwrap()
}

fn key() -> SecretKey {
    SecretKey::from_bytes(&[9u8; 32]).unwrap()
}

#[tokio::test]
async fn workflow_from_draft_to_queued_jobs_with_audit() {
    for (store, _dir) in stores().await {
        let be = store.backend();
        let desk = Desk {
            store: &store,
            checker: checker(),
        };
        let now = Utc::now();
        let alice = actor(&store, "alice", &[Role::Publisher]).await;
        let bob = actor(&store, "bob", &[Role::Publisher]).await;
        let key = key();
        let ch = webhook_channel(&store, &key).await;

        let id = desk
            .create(&alice, &body("开学典礼", "新学期开始了。"), now)
            .await
            .unwrap();
        let v2 = desk
            .edit(&alice, id, 1, &body("开学典礼举行", "新学期开始了！"), now)
            .await
            .unwrap();
        assert_eq!(v2, 2);
        // A stale edit is refused.
        assert!(matches!(
            desk.edit(&alice, id, 1, &body("x", "y"), now).await,
            Err(SyndicateError::Conflict)
        ));
        let versions = store.syn_content_versions(id).await.unwrap();
        assert_eq!(versions.len(), 2, "{be}");
        assert_eq!(versions[0].body.title, "开学典礼");

        desk.submit(&alice, id, &[ch], now).await.unwrap();
        // No self-approval; a monitor may not approve at all.
        assert!(matches!(
            desk.approve(&alice, id, now).await,
            Err(SyndicateError::Denied(_))
        ));
        let monitor = actor(&store, "mon", &[Role::Monitor]).await;
        assert!(matches!(
            desk.approve(&monitor, id, now).await,
            Err(SyndicateError::Denied(_))
        ));
        // Scheduling before approval is not a legal move.
        assert!(matches!(
            desk.schedule(&alice, id, None, now).await,
            Err(SyndicateError::IllegalTransition { .. })
        ));
        desk.approve(&bob, id, now).await.unwrap();
        let c = store.syn_content(id).await.unwrap().unwrap();
        assert_eq!(
            (c.state, c.approved_version, c.approver_id),
            (ContentState::Approved, Some(2), Some(bob.user_id))
        );

        let later = now + TimeDelta::minutes(30);
        desk.schedule(&alice, id, Some(later), now).await.unwrap();
        assert!(
            desk.release_due(now).await.unwrap().is_empty(),
            "{be}: not yet"
        );
        assert_eq!(desk.release_due(later).await.unwrap(), vec![id]);
        let jobs = store.syn_publications(id).await.unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(
            jobs[0].idempotency_key,
            approval::idempotency_key(id, 2, ch)
        );
        assert_eq!(jobs[0].state, PublicationState::Pending);
        assert_eq!(
            store.syn_content(id).await.unwrap().unwrap().state,
            ContentState::Publishing
        );

        let actions: Vec<String> = store
            .audit_trail("content", id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert_eq!(
            actions,
            [
                "content.create",
                "content.edit",
                "content.submit",
                "content.approve",
                "content.schedule",
                "content.publish"
            ],
            "{be}"
        );
    }
}

#[tokio::test]
async fn rejection_needs_a_reason_and_returns_to_editing() {
    for (store, _dir) in stores().await {
        let desk = Desk {
            store: &store,
            checker: checker(),
        };
        let now = Utc::now();
        let alice = actor(&store, "alice", &[Role::Publisher]).await;
        let admin = actor(&store, "root", &[Role::Admin]).await;
        let commentator = actor(&store, "cm", &[Role::Commentator]).await;
        let key = key();
        let ch = webhook_channel(&store, &key).await;
        assert!(matches!(
            desk.create(&commentator, &body("a", "b"), now).await,
            Err(SyndicateError::Denied(_))
        ));
        let id = desk
            .create(&alice, &body("通知", "内容"), now)
            .await
            .unwrap();
        desk.submit(&alice, id, &[ch], now).await.unwrap();
        assert!(matches!(
            desk.reject(&admin, id, "  ", now).await,
            Err(SyndicateError::Invalid(_))
        ));
        desk.reject(&admin, id, "标题不够准确", now).await.unwrap();
        let c = store.syn_content(id).await.unwrap().unwrap();
        assert_eq!(c.state, ContentState::Rejected);
        assert_eq!(c.reject_reason.as_deref(), Some("标题不够准确"));
        // An edit by the approver makes them an editor: they may not approve that version.
        desk.edit(&admin, id, 1, &body("通知（修订）", "内容"), now)
            .await
            .unwrap();
        desk.submit(&alice, id, &[ch], now).await.unwrap();
        assert!(matches!(
            desk.approve(&admin, id, now).await,
            Err(SyndicateError::Denied(_))
        ));
        let trail = store.audit_trail("content", id).await.unwrap();
        assert!(
            trail
                .iter()
                .any(|a| a.action == "content.reject" && a.note.as_deref() == Some("标题不够准确"))
        );
    }
}

#[tokio::test]
async fn critical_wording_blocks_submission_and_release() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(None, dir.path()).await.unwrap();
    let desk = Desk {
        store: &store,
        checker: checker(),
    };
    let now = Utc::now();
    let alice = actor(&store, "alice", &[Role::Publisher]).await;
    let key = key();
    let ch = webhook_channel(&store, &key).await;
    let id = desk
        .create(
            &alice,
            &body("学习会", "深入学习习近萍总书记重要讲话。"),
            now,
        )
        .await
        .unwrap();
    match desk.submit(&alice, id, &[ch], now).await {
        Err(e @ SyndicateError::Blocked(_)) => {
            assert!(
                e.to_string().contains("领导人姓名错别字：「习近萍」"),
                "{e}"
            )
        }
        other => panic!("not blocked: {other:?}"),
    }
    assert_eq!(
        store.syn_content(id).await.unwrap().unwrap().state,
        ContentState::Draft
    );
    // A warning does not block.
    desk.edit(
        &alice,
        id,
        1,
        &body("学习会", "做好疫情防控常态化工作。"),
        now,
    )
    .await
    .unwrap();
    let report = desk.submit(&alice, id, &[ch], now).await.unwrap();
    assert_eq!(report.warnings().count(), 1);
}

#[tokio::test]
async fn variant_limits_block_submission() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(None, dir.path()).await.unwrap();
    let desk = Desk {
        store: &store,
        checker: checker(),
    };
    let now = Utc::now();
    let alice = actor(&store, "alice", &[Role::Publisher]).await;
    let key = key();
    let wx = register_channel(
        &store,
        &key,
        &NewChannel {
            college: "XX职业技术学院",
            name: "XX职业技术学院微信公众号",
            kind: ChannelKind::Wechat,
            settings: &ChannelSettings {
                app_id: Some("wx123".into()),
                ..ChannelSettings::default()
            },
            secret: Some("app-secret"),
            refresh_token: None,
            app_secret: None,
        },
        None,
        now,
    )
    .await
    .unwrap();
    let id = desk
        .create(&alice, &body(&"长".repeat(40), "正文"), now)
        .await
        .unwrap();
    let err = desk.submit(&alice, id, &[wx], now).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("标题超长：40 字，上限 32 字") && msg.contains("需要封面图"),
        "{msg}"
    );
    // The secret is sealed in the store, never in clear.
    let rec = store.syn_channel(wx).await.unwrap().unwrap();
    assert!(!rec.secret.as_deref().unwrap().contains("app-secret"));
    assert_eq!(
        key.open(
            &secrets::channel_context(wx, "secret"),
            rec.secret.as_deref().unwrap()
        )
        .unwrap(),
        "app-secret"
    );
}

#[tokio::test]
async fn outbox_jobs_are_unique_leased_resumed_and_rolled_up() {
    for (store, _dir) in stores().await {
        let be = store.backend();
        let desk = Desk {
            store: &store,
            checker: checker(),
        };
        let now = Utc::now();
        let alice = actor(&store, "alice", &[Role::Publisher]).await;
        let bob = actor(&store, "bob", &[Role::Admin]).await;
        let key = key();
        let a = webhook_channel(&store, &key).await;
        let b = register_channel(
            &store,
            &key,
            &NewChannel {
                college: "XX职业技术学院",
                name: "XX职业技术学院官网",
                kind: ChannelKind::Website,
                settings: &ChannelSettings {
                    site_url: Some("https://www.xx.edu.cn".into()),
                    ..ChannelSettings::default()
                },
                secret: None,
                refresh_token: None,
                app_secret: None,
            },
            None,
            now,
        )
        .await
        .unwrap();
        let id = desk
            .create(&alice, &body("新闻", "正文"), now)
            .await
            .unwrap();
        desk.submit(&alice, id, &[a, b], now).await.unwrap();
        desk.approve(&bob, id, now).await.unwrap();
        desk.schedule(&alice, id, None, now).await.unwrap();
        desk.release_due(now).await.unwrap();
        // Queuing the same version again adds nothing (unique idempotency key).
        let content = store.syn_content(id).await.unwrap().unwrap();
        let again = crate::store::ContentChange::new(
            id,
            None,
            "content.publish",
            ContentState::Publishing,
            ContentState::Publishing,
            now,
        );
        let jobs = store.syn_publications(id).await.unwrap();
        let dup: Vec<_> = jobs
            .iter()
            .map(|j| crate::store::NewPublication {
                channel_id: j.channel_id,
                idempotency_key: j.idempotency_key.clone(),
                variant: j.variant.clone(),
            })
            .collect();
        assert!(
            store
                .syn_enqueue(&again, content.version, &dup)
                .await
                .unwrap()
        );
        assert_eq!(store.syn_publications(id).await.unwrap().len(), 2, "{be}");

        let lease = TimeDelta::seconds(60);
        let j1 = store
            .syn_claim("w1", now, now + lease)
            .await
            .unwrap()
            .unwrap();
        let j2 = store
            .syn_claim("w2", now, now + lease)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(j1.id, j2.id);
        assert!(
            store
                .syn_claim("w3", now, now + lease)
                .await
                .unwrap()
                .is_none(),
            "{be}: both leased"
        );
        // w1 records progress, then "dies"; after its lease w3 resumes it with the checkpoint.
        let cp = serde_json::json!({"step": "draft", "draft_media_id": "M1"});
        assert!(
            store
                .syn_save_checkpoint(j1.id, "w1", &cp, now, Some("草稿已创建"))
                .await
                .unwrap()
        );
        let after = now + lease + TimeDelta::seconds(1);
        let resumed = store
            .syn_claim("w3", after, after + lease)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resumed.id, j1.id);
        assert_eq!(resumed.checkpoint, cp);
        assert_eq!(resumed.attempts, 2);
        // The dead worker can no longer record anything.
        assert!(
            !store
                .syn_finish(
                    j1.id,
                    "w1",
                    &JobOutcome::Failed { error: "x".into() },
                    after
                )
                .await
                .unwrap()
        );
        let published = JobOutcome::Published {
            remote_id: Some("P1".into()),
            remote_url: Some("https://x/1".into()),
        };
        assert!(
            store
                .syn_finish(j1.id, "w3", &published, after)
                .await
                .unwrap()
        );
        assert_eq!(
            store.syn_content(id).await.unwrap().unwrap().state,
            ContentState::Publishing
        );
        let failed = JobOutcome::Failed {
            error: "微信错误 45003：title size out of limit".into(),
        };
        assert!(store.syn_finish(j2.id, "w2", &failed, after).await.unwrap());
        let c = store.syn_content(id).await.unwrap().unwrap();
        assert_eq!(c.state, ContentState::Failed, "{be}: one channel failed");
        let jobs = store.syn_publications(id).await.unwrap();
        let done = jobs.iter().find(|j| j.id == j1.id).unwrap();
        assert_eq!(
            (done.remote_id.as_deref(), done.remote_url.as_deref()),
            (Some("P1"), Some("https://x/1"))
        );
        assert!(
            store
                .syn_publication_attempts(j1.id)
                .await
                .unwrap()
                .iter()
                .any(|a| a.outcome == "progress")
        );

        // Retry failed: only the failed job is queued again.
        assert_eq!(desk.retry_failed(&alice, id, after).await.unwrap(), 1);
        assert_eq!(
            store.syn_content(id).await.unwrap().unwrap().state,
            ContentState::Publishing
        );
        let j = store
            .syn_claim("w4", after, after + lease)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(j.id, j2.id);
        assert!(
            store
                .syn_finish(j.id, "w4", &published, after)
                .await
                .unwrap()
        );
        assert_eq!(
            store.syn_content(id).await.unwrap().unwrap().state,
            ContentState::Published,
            "{be}"
        );
        let actions: Vec<String> = store
            .audit_trail("content", id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert!(
            actions.ends_with(&[
                "content.failed".into(),
                "content.retry_failed".into(),
                "content.published".into()
            ]),
            "{be}: {actions:?}"
        );

        // A paused channel's jobs wait.
        store
            .syn_pause_channel(a, Some(after + TimeDelta::hours(1)))
            .await
            .unwrap();
        assert!(
            store
                .syn_claim("w5", after, after + lease)
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn outbox_fails_a_job_whose_wording_became_critical() {
    // The rules changed between approval and sending: the second check stops it.
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(None, dir.path()).await.unwrap());
    let desk = Desk {
        store: &store,
        checker: checker(),
    };
    let now = Utc::now();
    let alice = actor(&store, "alice", &[Role::Publisher]).await;
    let bob = actor(&store, "bob", &[Role::Publisher]).await;
    let key = Arc::new(key());
    let ch = webhook_channel(&store, &key).await;
    let id = desk
        .create(&alice, &body("校园开放日", "欢迎参观。"), now)
        .await
        .unwrap();
    desk.submit(&alice, id, &[ch], now).await.unwrap();
    desk.approve(&bob, id, now).await.unwrap();
    desk.schedule(&alice, id, None, now).await.unwrap();
    desk.release_due(now).await.unwrap();
    let strict = crate::analyze::rules::RuleSet::from_sources(&[(
        "x.toml".into(),
        "[[rule]]\nid = \"open-day\"\ncategory = \"禁用词\"\nseverity = \"critical\"\ndescription = \"测试禁用词\"\nquery = \"开放日\"\n".into(),
    )])
    .unwrap();
    let outbox = Outbox::new(
        store.clone(),
        Arc::new(PublishChecker::from_rules(strict)),
        key,
        Arc::new(crate::clock::SystemClock),
        OutboxSettings::default(),
    )
    .unwrap();
    let report = outbox.tick().await.unwrap();
    assert_eq!(report.failed, 1);
    let job = &store.syn_publications(id).await.unwrap()[0];
    assert!(
        job.last_error
            .as_deref()
            .unwrap()
            .contains("发送前检查未通过：测试禁用词：「开放日」"),
        "{job:?}"
    );
    assert_eq!(
        store.syn_content(id).await.unwrap().unwrap().state,
        ContentState::Failed
    );
}

#[test]
fn settings_are_parsed_and_checked_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("yuqing.toml");
    let load = |text: &str, env: Vec<(String, String)>| {
        std::fs::write(&path, text).unwrap();
        crate::config::Config::load_with_env(Some(&path), env)
    };
    let err = load(
        "[syndicate.outbox]\nlease = \"10s\"\nrequest_timeout = \"20s\"\n",
        vec![],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("syndicate.outbox.lease"), "{err}");
    let c = load(
        "[syndicate]\ncollege = \"YY职业技术学院\"\n[syndicate.outbox]\nbackoff_base = \"2s\"\n",
        vec![
            // The secrets key is not a config key: no "unknown key" error.
            ("YUQING_SECRET_KEY".into(), SecretKey::generate()),
            ("YUQING_SYNDICATE__OUTBOX__MAX_ATTEMPTS".into(), "3".into()),
        ],
    )
    .unwrap();
    assert_eq!(c.syndicate.college, "YY职业技术学院");
    assert_eq!(
        c.syndicate.outbox.backoff_base,
        std::time::Duration::from_secs(2)
    );
    assert_eq!(c.syndicate.outbox.max_attempts, 3);
}

#[tokio::test]
async fn a_stored_post_is_promoted_to_a_draft() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(None, dir.path()).await.unwrap();
    let desk = Desk {
        store: &store,
        checker: checker(),
    };
    let alice = actor(&store, "alice", &[Role::Publisher]).await;
    let p = crate::store::tests::post(
        "campus-news",
        "n1",
        "我院学子获技能大赛*一等奖*\n<b>再创佳绩</b>",
    );
    let saved = crate::store::tests::save(
        &store,
        &p,
        &crate::store::tests::analysis(crate::model::RiskLevel::None, 0),
    )
    .await;
    let id = desk
        .promote_post(&alice, saved.post_id, Utc::now())
        .await
        .unwrap();
    let c = store.syn_content(id).await.unwrap().unwrap();
    assert_eq!(c.source_post_id, Some(saved.post_id));
    assert_eq!(c.body.link.as_deref(), Some("http://example.edu.cn/n1"));
    // The post's text stays text: no emphasis, no HTML.
    assert_eq!(
        c.body.plain_text(),
        "我院学子获技能大赛*一等奖*\n<b>再创佳绩</b>"
    );
    assert!(c.body.html().contains("&lt;b&gt;"), "{}", c.body.html());
}

#[tokio::test]
async fn contents_are_listed_by_state_and_channels_updated_with_audit() {
    for (store, _dir) in stores().await {
        let alice = actor(&store, "alice", &[Role::Publisher]).await;
        let desk = Desk {
            store: &store,
            checker: checker(),
        };
        let now = Utc::now();
        let a = desk.create(&alice, &body("甲", "正文"), now).await.unwrap();
        let b = desk
            .create(&alice, &body("乙", "正文"), now + TimeDelta::seconds(1))
            .await
            .unwrap();
        let ch = webhook_channel(&store, &key()).await;
        assert!(store.syn_choose_channels(b, &[ch]).await.unwrap());
        desk.submit(&alice, b, &[ch], now + TimeDelta::seconds(2))
            .await
            .unwrap();
        // Chosen channels are fixed once submitted.
        assert!(!store.syn_choose_channels(b, &[]).await.unwrap());
        let all: Vec<i64> = store
            .syn_contents(None, 10)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(all, vec![b, a], "{}", store.backend());
        let submitted = store
            .syn_contents(Some(ContentState::Submitted), 10)
            .await
            .unwrap();
        assert_eq!(submitted.len(), 1);
        assert_eq!(submitted[0].body.title, "乙");
        assert_eq!(submitted[0].channel_ids, vec![ch]);

        let settings = ChannelSettings {
            url: Some("http://127.0.0.1:9/other".into()),
            ..ChannelSettings::default()
        };
        let update = ChannelUpdate {
            college: "XX职业技术学院",
            id: ch,
            name: "XX职业技术学院团委Webhook",
            settings: &settings,
            enabled: false,
        };
        update_channel(&store, &update, Some(alice.user_id), now)
            .await
            .unwrap();
        let rec = store.syn_channel(ch).await.unwrap().unwrap();
        assert_eq!(rec.account.name, "XX职业技术学院团委Webhook");
        assert!(!rec.account.enabled);
        assert!(rec.secret.is_some(), "the secret is kept");
        let bad = ChannelUpdate {
            name: "团委Webhook",
            ..update
        };
        assert!(matches!(
            update_channel(&store, &bad, None, now).await,
            Err(SyndicateError::Channel(_))
        ));
        set_channel_credential(
            &store,
            &key(),
            ch,
            Credential::Secret,
            "not-a-whsec",
            None,
            now,
        )
        .await
        .unwrap_err();
        // A webhook has no grant to refresh.
        set_channel_credential(&store, &key(), ch, Credential::RefreshToken, "r", None, now)
            .await
            .unwrap_err();
        set_channel_credential(
            &store,
            &key(),
            ch,
            Credential::Secret,
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            Some(alice.user_id),
            now,
        )
        .await
        .unwrap();
        let actions: Vec<String> = store
            .audit_trail("channel", ch)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "channel.create",
                "channel.secret",
                "channel.update",
                "channel.secret"
            ]
        );
    }
}

#[tokio::test]
async fn the_media_sweep_removes_only_files_no_version_refers_to() {
    for (store, _db) in stores().await {
        let label = store.backend();
        let dir = tempfile::tempdir().unwrap();
        let alice = actor(&store, "alice", &[Role::Publisher]).await;
        let cover = media::save(dir.path(), &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]).unwrap();
        let orphan = media::save(dir.path(), &[0xFF, 0xD8, 0xFF, 0xE0, 3, 4]).unwrap();
        let desk = Desk {
            store: &store,
            checker: checker(),
        };
        let mut b = body("校园开放日", "欢迎参观。");
        b.cover = Some(cover.clone());
        desk.create(&alice, &b, Utc::now()).await.unwrap();
        let grace = std::time::Duration::ZERO;
        // Files are "changed now": a zero grace still needs them to be older.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let dry = media::sweep_unused(&store, dir.path(), grace, true)
            .await
            .unwrap();
        assert_eq!(dry.files, vec![media::name_of(&orphan)], "{label}");
        let done = media::sweep_unused(&store, dir.path(), grace, false)
            .await
            .unwrap();
        assert_eq!(done.files.len(), 1, "{label}");
        assert!(std::path::Path::new(&cover.path).exists(), "{label}");
        assert!(!std::path::Path::new(&orphan.path).exists(), "{label}");
        // A day's grace keeps even the unreferenced.
        let again = media::save(dir.path(), &[0xFF, 0xD8, 0xFF, 0xE0, 3, 4]).unwrap();
        let day = std::time::Duration::from_secs(86_400);
        assert!(
            media::sweep_unused(&store, dir.path(), day, false)
                .await
                .unwrap()
                .files
                .is_empty()
        );
        assert!(std::path::Path::new(&again.path).exists());
    }
}
