//! Syndication to the video platforms (Douyin, Bilibili, Kuaishou) against
//! the mocks of `yuqing::syndicate::mock`: publication end to end, exactly
//! once when the platform accepts but the answer times out, backoff on rate
//! limits, daily quota, expired user tokens, permanent errors shown.

use crate::syndicate::{Setup, setup};
use serde_json::json;
use std::time::Duration;
use yuqing::store::PublicationState;
use yuqing::syndicate::mock::{
    BILI_CLIENT, BILI_REFRESH, BILI_REFRESH_PATH, BILI_SECRET, BILI_TOKEN, DY_CLIENT_KEY,
    DY_OPEN_ID, DY_REFRESH, DY_TOKEN, KS_APP, KS_REFRESH, KS_SECRET, KS_TOKEN,
};
use yuqing::syndicate::{ChannelKind, ChannelSettings, ContentBody, ContentState, MediaRef};

const MB: usize = 1024 * 1024;

impl Setup {
    async fn douyin(&self) -> i64 {
        self.channel_with(
            ChannelKind::Douyin,
            ChannelSettings {
                api_base: Some(self.base.clone()),
                open_id: Some(DY_OPEN_ID.into()),
                app_id: Some(DY_CLIENT_KEY.into()),
                ..ChannelSettings::default()
            },
            DY_TOKEN,
            Some(DY_REFRESH),
            None,
        )
        .await
    }

    async fn bilibili(&self) -> i64 {
        // Parts go to another host in production; here the same mock.
        let mut paths = std::collections::BTreeMap::new();
        paths.insert(
            "part_upload".to_string(),
            format!("{}/video/v2/part/upload", self.base),
        );
        paths.insert(
            "refresh_token".to_string(),
            format!("{}{BILI_REFRESH_PATH}", self.base),
        );
        self.channel_with(
            ChannelKind::Bilibili,
            ChannelSettings {
                api_base: Some(self.base.clone()),
                app_id: Some(BILI_CLIENT.into()),
                paths,
                ..ChannelSettings::default()
            },
            BILI_TOKEN,
            Some(BILI_REFRESH),
            Some(BILI_SECRET),
        )
        .await
    }

    async fn kuaishou(&self) -> i64 {
        self.channel_with(
            ChannelKind::Kuaishou,
            ChannelSettings {
                api_base: Some(self.base.clone()),
                app_id: Some(KS_APP.into()),
                ..ChannelSettings::default()
            },
            KS_TOKEN,
            Some(KS_REFRESH),
            Some(KS_SECRET),
        )
        .await
    }

    fn video(&self, name: &str, len: usize) -> MediaRef {
        let path = self.dir.path().join(name);
        let mut bytes = b"\x00\x00\x00\x20ftypisom".to_vec();
        bytes.resize(len, 7);
        std::fs::write(&path, &bytes).unwrap();
        MediaRef {
            path: path.display().to_string(),
            mime: "video/mp4".into(),
            bytes: len as u64,
        }
    }

    /// A video post: title, a short text, tags, a cover and a video.
    fn video_body(&self, title: &str, video_len: usize) -> ContentBody {
        ContentBody {
            title: title.into(),
            body: format!("{title}。欢迎转发。"),
            cover: Some(self.media("cover.jpg", "image/jpeg", 3000)),
            video: Some(self.video(&format!("{}.mp4", video_len), video_len)),
            tags: vec!["校园".into()],
            ..ContentBody::default()
        }
    }

    async fn attempt_messages(&self, content: i64) -> Vec<String> {
        let job = self.job(content).await;
        self.store
            .syn_publication_attempts(job.id)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|a| a.message)
            .collect()
    }
}

#[tokio::test]
async fn douyin_chunked_upload_publishes_once_after_a_timeout_after_accepting() {
    let s = setup().await;
    let dy = s.douyin().await;
    // Above 50 MB: three parts of at most 20 MB.
    let id = s
        .approved(&s.video_body("我院举行2026届毕业典礼", 51 * MB), &[dy])
        .await;
    s.mock.hang("/video/create/", Duration::from_secs(6));
    // 20 MB parts through an unoptimised mock need more than the usual 400 ms.
    let outbox = s.outbox_timeout("w1", Duration::from_secs(3));
    let r = outbox.tick().await.unwrap();
    assert_eq!(r.retried, 1, "{r:?} {:?}", s.job(id).await.last_error);
    let job = s.job(id).await;
    assert!(
        job.last_error.as_deref().unwrap().contains("超时"),
        "{job:?}"
    );
    assert!(job.checkpoint.get("create_sent_at").is_some());
    assert_eq!(job.checkpoint["video_id"], "v0200f1");
    s.mock.with(|m| {
        assert_eq!(m.dy_posts.len(), 1, "the platform accepted it");
        let parts = &m.dy_part_uploads["up-1"];
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.values().sum::<usize>(), 51 * MB);
        assert_eq!(m.dy_videos["v0200f1"].0, 51 * MB);
    });
    s.advance(2);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    let job = s.job(id).await;
    assert_eq!(job.state, PublicationState::Published);
    assert_eq!(job.remote_id.as_deref(), Some("@9VwL1"));
    assert_eq!(
        job.remote_url.as_deref(),
        Some("https://www.iesdouyin.com/share/video/@9VwL1")
    );
    s.mock.with(|m| {
        assert_eq!(
            m.dy_posts.len(),
            1,
            "found by its caption, not posted again"
        );
        assert_eq!(m.dy_videos.len(), 1, "not uploaded again");
        assert!(m.dy_posts[0].1.ends_with("#校园"), "{}", m.dy_posts[0].1);
    });
    assert!(
        s.attempt_messages(id)
            .await
            .iter()
            .any(|m| m.contains("不再重复发布"))
    );
    assert_eq!(
        s.store.syn_content(id).await.unwrap().unwrap().state,
        ContentState::Published
    );
}

#[tokio::test]
async fn douyin_unknown_outcome_not_found_twice_stops_and_asks_a_human() {
    let s = setup().await;
    let dy = s.douyin().await;
    let id = s
        .approved(&s.video_body("我院召开新学期工作会议", 4000), &[dy])
        .await;
    // The create request times out and the platform did NOT take it; its
    // list does not show it either.
    s.mock.script_http("/video/create/", 504, json!({}), None);
    let outbox = s.outbox("w1");
    assert_eq!(outbox.tick().await.unwrap().retried, 1);
    assert!(s.job(id).await.checkpoint.get("create_sent_at").is_some());
    s.advance(2);
    assert_eq!(outbox.tick().await.unwrap().retried, 1, "looked once");
    s.advance(4);
    assert_eq!(outbox.tick().await.unwrap().failed, 1, "looked twice");
    let job = s.job(id).await;
    assert_eq!(job.state, PublicationState::Failed);
    assert!(
        job.last_error.as_deref().unwrap().contains("请到平台核实"),
        "{job:?}"
    );
    s.mock.with(|m| assert!(m.dy_posts.is_empty()));
    assert_eq!(
        s.mock.calls("/video/create/"),
        1,
        "never sent twice on its own"
    );
    // A human checked: "retry failed" posts it (the in-flight mark is gone).
    s.desk().retry_failed(&s.alice, id, s.now()).await.unwrap();
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    s.mock.with(|m| assert_eq!(m.dy_posts.len(), 1));
}

#[tokio::test]
async fn bilibili_uploads_8mb_parts_and_cover_and_is_submitted_for_review_once() {
    let s = setup().await;
    let bili = s.bilibili().await;
    let id = s
        .approved(
            &s.video_body("我院学子在全国职业院校技能大赛中获奖", 9 * MB),
            &[bili],
        )
        .await;
    s.mock
        .hang("/arcopen/fn/archive/add-by-utoken", Duration::from_secs(3));
    let outbox = s.outbox("w1");
    let r = outbox.tick().await.unwrap();
    assert_eq!(r.retried, 1, "{r:?} {:?}", s.job(id).await.last_error);
    let job = s.job(id).await;
    assert_eq!(job.checkpoint["upload_token"], "UT-1");
    assert_eq!(job.checkpoint["upload_completed"], true);
    assert!(job.checkpoint.get("submit_sent_at").is_some());
    s.advance(2);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    let job = s.job(id).await;
    assert_eq!(job.remote_id.as_deref(), Some("BV1mock1"));
    assert_eq!(
        job.remote_url.as_deref(),
        Some("https://www.bilibili.com/video/BV1mock1")
    );
    s.mock.with(|m| {
        assert_eq!(m.bili_archives.len(), 1, "submitted once");
        let u = &m.bili_uploads["UT-1"];
        assert_eq!(u.parts.len(), 2, "8 MB parts");
        assert_eq!(u.parts[&1], 8 * MB);
        assert_eq!(u.parts.values().sum::<usize>(), 9 * MB);
        assert_eq!(m.bili_covers, 1);
        let a = &m.bili_archives[0].2;
        assert_eq!(a["title"], "我院学子在全国职业院校技能大赛中获奖");
        assert_eq!(a["tid"], 208);
        assert_eq!(a["tag"], "校园");
        assert_eq!(a["cover"], "https://archive.biliimg.com/bfs/cover-1.jpg");
    });

    // Another one, submitted straight away: the log says it awaits review.
    let other = s
        .approved(&s.video_body("我院开展志愿服务活动", 1000), &[bili])
        .await;
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    assert!(
        s.attempt_messages(other)
            .await
            .iter()
            .any(|m| m.contains("已提交B站审核"))
    );
    assert_eq!(s.job(other).await.checkpoint["review"], "pending");
}

#[tokio::test]
async fn kuaishou_publishes_once_after_a_timeout_after_accepting() {
    let s = setup().await;
    let ks = s.kuaishou().await;
    let id = s
        .approved(&s.video_body("我院举行2026届毕业典礼", 5000), &[ks])
        .await;
    s.mock
        .hang("/openapi/photo/publish", Duration::from_secs(3));
    let outbox = s.outbox("w1");
    let r = outbox.tick().await.unwrap();
    assert_eq!(r.retried, 1, "{r:?} {:?}", s.job(id).await);
    let job = s.job(id).await;
    assert_eq!(job.checkpoint["uploaded"], true);
    assert_eq!(job.checkpoint["upload_token"], "KT-1");
    s.advance(2);
    let r = outbox.tick().await.unwrap();
    assert_eq!(r.published, 1, "{r:?} {:?}", s.job(id).await);
    let job = s.job(id).await;
    assert_eq!(job.remote_id.as_deref(), Some("KS1"));
    assert_eq!(
        job.remote_url.as_deref(),
        Some("https://www.kuaishou.com/short-video/KS1")
    );
    s.mock.with(|m| {
        assert_eq!(m.ks_posts.len(), 1, "published once");
        assert!(m.ks_posts[0].2, "with its cover");
        assert!(m.ks_posts[0].1.contains("#校园"));
    });
    assert_eq!(s.mock.calls("/openapi/photo/start_upload"), 1);
    assert_eq!(s.mock.calls("/api/upload/multipart"), 1);
}

#[tokio::test]
async fn kuaishou_sends_a_large_video_in_fragments_and_resumes_after_a_failure() {
    let s = setup().await;
    let ks = s.kuaishou().await;
    // 12 MB: three fragments of at most 5 MB.
    let id = s
        .approved(&s.video_body("我院举行2026届毕业典礼", 12 * MB), &[ks])
        .await;
    // Completing the upload fails once (busy) after all three fragments.
    s.mock.with(|m| {
        m.script.push(yuqing::syndicate::mock::Scripted {
            path: "/api/upload/complete".into(),
            status: 503,
            body: json!({"result": 100200500, "error_msg": "busy"}),
            retry_after: None,
        })
    });
    let outbox = s.outbox_timeout("w1", Duration::from_secs(3));
    let r = outbox.tick().await.unwrap();
    assert_eq!(r.retried, 1, "{r:?} {:?}", s.job(id).await.last_error);
    let job = s.job(id).await;
    assert_eq!(job.checkpoint["fragments_done"], 3, "{:?}", job.checkpoint);
    assert!(job.checkpoint.get("uploaded").is_none());
    s.advance(2);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    assert_eq!(
        s.mock.calls("/api/upload/fragment"),
        3,
        "the retry sent no fragment again"
    );
    assert_eq!(s.mock.calls("/api/upload/complete"), 2);
    assert_eq!(s.mock.calls("/api/upload/multipart"), 0);
    s.mock.with(|m| {
        let parts = &m.ks_fragments["KT-1"];
        assert_eq!(parts.values().sum::<usize>(), 12 * MB);
        assert_eq!(m.ks_uploads.len(), 0, "the token was used by the post");
        assert_eq!(m.ks_posts.len(), 1);
    });
    assert_eq!(s.job(id).await.state, PublicationState::Published);
}

#[tokio::test]
async fn video_platforms_back_off_on_rate_limits_and_wait_out_a_daily_quota() {
    let s = setup().await;
    let dy = s.douyin().await;
    let id = s
        .approved(&s.video_body("我院举行2026届毕业典礼", 4000), &[dy])
        .await;
    s.mock.script_http(
        "/video/create/",
        429,
        json!({"message": "too many requests"}),
        Some(30),
    );
    let outbox = s.outbox("w1");
    assert_eq!(outbox.tick().await.unwrap().retried, 1);
    let job = s.job(id).await;
    assert_eq!(
        job.next_attempt_at,
        s.now() + chrono::TimeDelta::seconds(30),
        "Retry-After honoured"
    );
    assert!(
        job.checkpoint.get("create_sent_at").is_none(),
        "refused: nothing posted"
    );
    s.advance(29);
    assert_eq!(
        outbox.tick().await.unwrap(),
        Default::default(),
        "still waiting"
    );
    s.advance(1);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    s.mock.with(|m| assert_eq!(m.dy_posts.len(), 1));

    // Bilibili's call cap: the channel pauses until Beijing midnight.
    let bili = s.bilibili().await;
    let other = s
        .approved(&s.video_body("我院召开新学期工作会议", 4000), &[bili])
        .await;
    s.mock.script(
        "/arcopen/fn/archive/add-by-utoken",
        json!({"code": 127009, "message": "api请求次数达到上限"}),
    );
    assert_eq!(outbox.tick().await.unwrap().retried, 1);
    let job = s.job(other).await;
    let midnight: chrono::DateTime<chrono::Utc> = "2026-11-30T16:00:00Z".parse().unwrap();
    assert_eq!(job.next_attempt_at, midnight);
    assert!(job.last_error.as_deref().unwrap().contains("127009"));
    s.clock.set(midnight);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    s.mock.with(|m| {
        assert_eq!(m.bili_archives.len(), 1);
        assert_eq!(m.bili_uploads.len(), 1, "the upload was not repeated");
    });
}

/// The channel's cached access token, opened.
async fn cached_token(s: &Setup, channel: i64) -> Option<String> {
    let record = s.store.syn_channel(channel).await.unwrap().unwrap();
    record.token.map(|t| {
        s.key
            .open(
                &yuqing::syndicate::secrets::channel_context(channel, "token"),
                &t,
            )
            .unwrap()
    })
}

#[tokio::test]
async fn expired_video_tokens_are_refreshed_once_and_the_job_publishes_once() {
    let s = setup().await;
    let (dy, ks, bili) = (s.douyin().await, s.kuaishou().await, s.bilibili().await);
    for p in ["douyin", "kuaishou", "bilibili"] {
        s.mock.expire(p);
    }
    let id = s
        .approved(
            &s.video_body("我院举行2026届毕业典礼", 4000),
            &[dy, ks, bili],
        )
        .await;
    let outbox = s.outbox("w1");
    let t = outbox.tick().await.unwrap();
    assert_eq!((t.published, t.failed), (3, 0), "{t:?}");
    for (p, ch) in [("douyin", dy), ("kuaishou", ks), ("bilibili", bili)] {
        assert_eq!(s.mock.refreshes(p), 1, "{p}: one refresh");
        assert_eq!(
            cached_token(&s, ch).await.as_deref(),
            Some(format!("{p}-token-r1").as_str()),
            "{p}: the new token is kept"
        );
        let record = s.store.syn_channel(ch).await.unwrap().unwrap();
        let refresh = s
            .key
            .open(
                &yuqing::syndicate::secrets::channel_context(ch, "refresh"),
                record.refresh_token.as_deref().unwrap(),
            )
            .unwrap();
        assert_eq!(
            refresh,
            format!("{p}-refresh-r1"),
            "{p}: the rotated refresh token is kept"
        );
        assert!(record.refresh_expires_at.is_some() || p == "bilibili");
        let trail = s.store.audit_trail("channel", ch).await.unwrap();
        assert!(trail.iter().any(|e| e.action == "channel.token_refresh"));
    }
    s.mock.with(|m| {
        assert_eq!(m.dy_posts.len(), 1);
        assert_eq!(m.ks_posts.len(), 1);
        assert_eq!(m.bili_archives.len(), 1);
    });
    for job in s.store.syn_publications(id).await.unwrap() {
        assert_eq!(job.state, PublicationState::Published, "{job:?}");
    }

    // The next content uses the kept tokens: no refresh, no refusal.
    let calls = s.mock.calls("/openapi/photo/start_upload");
    let other = s
        .approved(&s.video_body("我院开展志愿服务活动", 4000), &[dy, ks, bili])
        .await;
    assert_eq!(outbox.tick().await.unwrap().published, 3);
    assert_eq!(s.mock.calls("/openapi/photo/start_upload"), calls + 1);
    for p in ["douyin", "kuaishou", "bilibili"] {
        assert_eq!(s.mock.refreshes(p), 1, "{p}");
    }
    for job in s.store.syn_publications(other).await.unwrap() {
        assert_eq!(job.state, PublicationState::Published, "{job:?}");
    }

    // Shortly before Kuaishou's 48 hours are up the token is refreshed
    // before it is used, so the platform never refuses it.
    s.advance(48 * 3600 - 120);
    let third = s
        .approved(&s.video_body("我院召开安全工作会议", 4000), &[ks])
        .await;
    let before = s.mock.calls("/openapi/photo/start_upload");
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    assert_eq!(s.mock.refreshes("kuaishou"), 2);
    assert_eq!(
        s.mock.calls("/openapi/photo/start_upload"),
        before + 1,
        "not refused first"
    );
    assert_eq!(s.job(third).await.state, PublicationState::Published);
    assert_eq!(
        cached_token(&s, ks).await.as_deref(),
        Some("kuaishou-token-r2")
    );
}

#[tokio::test]
async fn a_grant_that_cannot_be_refreshed_asks_for_reauthorisation_then_publishes_once() {
    let s = setup().await;
    // Registered without a refresh token.
    let ks = s
        .channel(
            ChannelKind::Kuaishou,
            ChannelSettings {
                api_base: Some(s.base.clone()),
                app_id: Some(KS_APP.into()),
                ..ChannelSettings::default()
            },
            KS_TOKEN,
        )
        .await;
    let id = s
        .approved(&s.video_body("我院举行2026届毕业典礼", 4000), &[ks])
        .await;
    // The user's grant expired; a new one has been issued to the account.
    s.mock.with(|m| m.ks_token = Some("ks-token-2".into()));
    let outbox = s.outbox("w1");
    assert_eq!(outbox.tick().await.unwrap().failed, 1);
    let job = s.job(id).await;
    let error = job.last_error.as_deref().unwrap();
    assert!(
        error.contains("快手号访问令牌已失效，且未配置刷新令牌") && error.contains("重新授权"),
        "{error}"
    );
    assert_eq!(
        s.mock.calls("/openapi/photo/start_upload"),
        1,
        "no second try"
    );
    // Re-authorised: the new token is entered, "retry failed" publishes.
    yuqing::syndicate::set_channel_credential(
        &s.store,
        &s.key,
        ks,
        yuqing::syndicate::Credential::Secret,
        "ks-token-2",
        None,
        s.now(),
    )
    .await
    .unwrap();
    s.desk().retry_failed(&s.alice, id, s.now()).await.unwrap();
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    s.mock.with(|m| assert_eq!(m.ks_posts.len(), 1));

    // A refresh token the platform no longer accepts (Douyin, Bilibili):
    // the job fails with the platform's answer and asks for a new grant.
    let (dy, bili) = (s.douyin().await, s.bilibili().await);
    s.mock.expire("douyin");
    s.mock.expire("bilibili");
    s.mock.with(|m| {
        m.dy_refresh = Some("revoked".into());
        m.bili_refresh = Some("revoked".into());
    });
    let other = s
        .approved(&s.video_body("我院开展志愿服务活动", 4000), &[dy, bili])
        .await;
    assert_eq!(outbox.tick().await.unwrap().failed, 2);
    for job in s.store.syn_publications(other).await.unwrap() {
        let e = job.last_error.as_deref().unwrap();
        assert!(
            e.contains("访问令牌失败")
                && e.contains("请账号管理员重新授权")
                && e.contains("refresh_token 无效"),
            "{e}"
        );
    }
    assert_eq!(s.mock.refreshes("douyin"), 0);
    s.mock
        .with(|m| assert!(m.dy_posts.is_empty() && m.bili_archives.is_empty()));
}

#[tokio::test]
async fn bilibili_requests_are_signed_and_a_wrong_app_secret_is_shown() {
    let s = setup().await;
    let bili = s.bilibili().await;
    let id = s
        .approved(&s.video_body("我院举行2026届毕业典礼", 4000), &[bili])
        .await;
    let outbox = s.outbox("w1");
    // Every open-platform call of the flow passed the mock's signature
    // check (body MD5, sorted x-bili-* headers, HMAC, fresh nonce).
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    s.mock
        .with(|m| assert!(m.bili_nonces.len() >= 4, "{}", m.bili_nonces.len()));
    assert_eq!(s.job(id).await.state, PublicationState::Published);

    yuqing::syndicate::set_channel_credential(
        &s.store,
        &s.key,
        bili,
        yuqing::syndicate::Credential::AppSecret,
        "not-the-secret",
        None,
        s.now(),
    )
    .await
    .unwrap();
    let other = s
        .approved(&s.video_body("我院开展志愿服务活动", 4000), &[bili])
        .await;
    assert_eq!(outbox.tick().await.unwrap().failed, 1);
    let e = s.job(other).await.last_error.unwrap();
    assert!(e.contains("B站错误 127002：签名错误"), "{e}");
}

#[tokio::test]
async fn bilibili_review_verdicts_reach_the_job_and_a_refusal_can_be_retried() {
    use yuqing::syndicate::review_hooks::{self, Verdict};
    let s = setup().await;
    let bili = s.bilibili().await;
    let id = s
        .approved(&s.video_body("我院举行2026届毕业典礼", 4000), &[bili])
        .await;
    let outbox = s.outbox("w1");
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    let job = s.job(id).await;
    let archive = job.remote_id.clone().unwrap();

    // Refused in review: the job and the content fail with the reason.
    let refused = Verdict {
        resource_id: archive.clone(),
        passed: false,
        reason: Some("视频画面含有违规内容".into()),
    };
    assert_eq!(
        review_hooks::apply(&s.store, bili, &refused, s.now())
            .await
            .unwrap(),
        Some(job.id)
    );
    let job = s.job(id).await;
    assert_eq!(job.state, PublicationState::Failed);
    assert_eq!(
        job.last_error.as_deref(),
        Some("B站审核未通过：视频画面含有违规内容")
    );
    let content = s.store.syn_content(id).await.unwrap().unwrap();
    assert_eq!(content.state, ContentState::Failed);
    // The same callback again changes nothing.
    assert_eq!(
        review_hooks::apply(&s.store, bili, &refused, s.now())
            .await
            .unwrap(),
        None
    );

    // "Retry failed" submits anew: a second upload and archive.
    s.desk().retry_failed(&s.alice, id, s.now()).await.unwrap();
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    let job = s.job(id).await;
    let second = job.remote_id.clone().unwrap();
    assert_ne!(second, archive);
    s.mock.with(|m| {
        assert_eq!(m.bili_archives.len(), 2);
        assert_eq!(m.bili_uploads.len(), 2);
    });

    // Passed: noted once in the job's log.
    let passed = Verdict {
        resource_id: second,
        passed: true,
        reason: None,
    };
    assert!(
        review_hooks::apply(&s.store, bili, &passed, s.now())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        review_hooks::apply(&s.store, bili, &passed, s.now())
            .await
            .unwrap()
            .is_none()
    );
    let log = s.store.syn_publication_attempts(job.id).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|a| a.message.as_deref() == Some("B站审核通过，作品已公开"))
            .count(),
        1
    );
    assert_eq!(
        s.store.syn_content(id).await.unwrap().unwrap().state,
        ContentState::Published
    );
}

#[tokio::test]
async fn video_platforms_show_the_permanent_error_of_the_platform() {
    let s = setup().await;
    let (dy, bili) = (s.douyin().await, s.bilibili().await);
    let id = s
        .approved(&s.video_body("我院举行2026届毕业典礼", 4000), &[dy, bili])
        .await;
    s.mock.script(
        "/video/create/",
        json!({"data": {"error_code": 2100005, "description": "视频内容不符合社区规范"}, "extra": {"error_code": 2100005}}),
    );
    s.mock.script(
        "/arcopen/fn/archive/add-by-utoken",
        json!({"code": 127100, "message": "稿件标题含有敏感词"}),
    );
    let outbox = s.outbox("w1");
    assert_eq!(outbox.tick().await.unwrap().failed, 2);
    let jobs = s.store.syn_publications(id).await.unwrap();
    let error = |ch: i64| {
        jobs.iter()
            .find(|j| j.channel_id == ch)
            .unwrap()
            .last_error
            .clone()
            .unwrap()
    };
    assert_eq!(
        error(dy),
        "抖音错误 2100005：视频内容不符合社区规范（参数不合法）"
    );
    assert_eq!(
        error(bili),
        "B站错误 127100：稿件标题含有敏感词（请求参数错误）"
    );
    assert_eq!(
        s.store.syn_content(id).await.unwrap().unwrap().state,
        ContentState::Failed
    );
    s.mock
        .with(|m| assert!(m.dy_posts.is_empty() && m.bili_archives.is_empty()));
    // Retry failed goes on from the checkpoints: nothing is uploaded twice.
    s.desk().retry_failed(&s.alice, id, s.now()).await.unwrap();
    assert_eq!(outbox.tick().await.unwrap().published, 2);
    s.mock.with(|m| {
        assert_eq!((m.dy_posts.len(), m.bili_archives.len()), (1, 1));
        assert_eq!((m.dy_videos.len(), m.bili_uploads.len()), (1, 1));
    });
}
