//! The syndication pages over HTTP against the real app: who may do what,
//! CSRF, the publishing check on the page, and the whole flow from a draft
//! to a published webhook and website channel, with the website's feeds.
//! The webhook receiver is the mock of `syndicate.rs`.

use crate::helpers::{Session, TestServer, spawn_publishing_server};
use crate::syndicate::{Mock, WHSEC};
use reqwest::StatusCode;
use yuqing::review::Role;
use yuqing::syndicate::ContentState;

struct Desk {
    server: TestServer,
    mock: Mock,
    hook_url: String,
    alice: Session,
    bob: Session,
    admin: Session,
}

async fn desk() -> Desk {
    let server = spawn_publishing_server().await;
    let mock = Mock::default();
    let base = mock.start().await.unwrap();
    server.user("alice", "张宣传", &[Role::Publisher]).await;
    server.user("bob", "李宣传", &[Role::Publisher]).await;
    server.user("root", "王管理", &[Role::Admin]).await;
    let alice = server.sign_in("alice").await;
    let bob = server.sign_in("bob").await;
    let admin = server.sign_in("root").await;
    Desk {
        server,
        mock,
        hook_url: format!("{base}/hook"),
        alice,
        bob,
        admin,
    }
}

/// The id in a `Location: /contents/{id}?…` redirect.
fn content_id(r: &reqwest::Response) -> i64 {
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a redirect");
    let loc = r.headers()["location"].to_str().unwrap();
    loc.trim_start_matches("/contents/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("a content page: {loc}"))
}

impl Desk {
    /// Webhook and website channels added by the admin through the page.
    async fn channels(&self) -> (i64, i64) {
        let r = self
            .admin
            .post(
                "/channels",
                &[
                    ("kind", "webhook"),
                    ("name", "XX职业技术学院Webhook"),
                    ("url", &self.hook_url),
                    ("secret", WHSEC),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = self
            .admin
            .post(
                "/channels",
                &[
                    ("kind", "website"),
                    ("name", "XX职业技术学院官网"),
                    ("site_url", "https://www.xx.edu.cn"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let channels = self.server.store.syn_channels().await.unwrap();
        (channels[0].account.id, channels[1].account.id)
    }

    /// A content written by alice for `channel` and submitted for approval.
    async fn submitted(&self, title: &str, body: &str, channel: i64) -> i64 {
        let channel = channel.to_string();
        let id = content_id(
            &self
                .alice
                .post(
                    "/contents",
                    &[("title", title), ("body", body), ("channel", &channel)],
                )
                .await,
        );
        let r = self
            .alice
            .post(&format!("/contents/{id}/submit"), &[("channel", &channel)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        id
    }

    async fn upload(&self, who: &Session, bytes: Vec<u8>, csrf: Option<&str>) -> reqwest::Response {
        let mut req = self
            .server
            .http
            .post(format!("{}/contents/media", self.server.base))
            .header("cookie", &who.cookie)
            .body(bytes);
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        req.send().await.unwrap()
    }
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.resize(2048, 0);
    b
}

#[tokio::test]
async fn monitors_and_commentators_are_refused_and_only_admins_manage_channels() {
    let d = desk().await;
    d.server.user("mon", "监测员甲", &[Role::Monitor]).await;
    d.server.user("com", "网评员乙", &[Role::Commentator]).await;
    for name in ["mon", "com"] {
        let s = d.server.sign_in(name).await;
        for path in [
            "/contents",
            "/contents/new",
            "/contents/review",
            "/channels",
        ] {
            let r = s.get(path).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name} GET {path}");
            let kind = r.headers()["content-type"].to_str().unwrap().to_string();
            assert!(kind.starts_with("text/html"), "an error page: {kind}");
            let text = r.text().await.unwrap();
            assert!(text.contains("只有宣传员或管理员"), "{text}");
        }
        let r = s
            .post("/contents", &[("title", "标题"), ("body", "正文")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name} creates");
        // The navigation does not offer what would be refused.
        assert!(!s.page("/").await.contains("href=\"/contents\""));
    }
    assert!(
        d.server
            .store
            .syn_contents(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(d.alice.page("/").await.contains("href=\"/contents\""));

    // Publishers see the matrix but do not change it.
    let r = d
        .alice
        .post(
            "/channels",
            &[
                ("kind", "website"),
                ("name", "XX职业技术学院官网"),
                ("site_url", "https://www.xx.edu.cn"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("只有管理员"));
    assert!(d.server.store.syn_channels().await.unwrap().is_empty());
    let page = d.alice.page("/channels").await;
    assert!(!page.contains("添加账号"), "no add form for publishers");
    d.server.stop().await;
}

#[tokio::test]
async fn forms_and_uploads_without_the_csrf_token_are_refused() {
    let d = desk().await;
    let form = [("title", "校园开放日"), ("body", "欢迎参观。")];
    let r = d.alice.post_raw("/contents", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("CSRF"));
    let mut wrong = vec![("csrf", "0".repeat(64))];
    wrong.extend(form.iter().map(|(k, v)| (*k, v.to_string())));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = d.alice.post_raw("/contents", &wrong).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another user's token is not this session's.
    let mut bobs = vec![("csrf", d.bob.csrf.as_str())];
    bobs.extend_from_slice(&form);
    assert_eq!(
        d.alice.post_raw("/contents", &bobs).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(
        d.server
            .store
            .syn_contents(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let r = d.upload(&d.alice, png(), None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = d.admin.post_raw("/channels", &[("kind", "website")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    d.server.stop().await;
}

#[tokio::test]
async fn uploads_are_typed_by_their_bytes_and_only_stored_files_can_be_referenced() {
    let d = desk().await;
    let r = d
        .upload(
            &d.alice,
            b"<svg onload=alert(1)>".to_vec(),
            Some(&d.alice.csrf),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不支持的文件类型"),
        "{v}"
    );
    let r = d.upload(&d.alice, png(), Some(&d.alice.csrf)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["mime"], "image/png");
    let name = v["name"].as_str().unwrap().to_string();
    assert!(name.ends_with(".png"));

    // A path outside the uploads is refused with the name it gave.
    let r = d
        .alice
        .post(
            "/contents",
            &[
                ("title", "标题"),
                ("body", "正文"),
                ("cover", "../yuqing.toml"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(
        html_escape::decode_html_entities(&page).contains("媒体文件不存在：../yuqing.toml"),
        "{page}"
    );
    let r = d
        .alice
        .post(
            "/contents",
            &[("title", "标题"), ("body", "正文"), ("cover", &name)],
        )
        .await;
    let id = content_id(&r);
    let c = d.server.store.syn_content(id).await.unwrap().unwrap();
    assert_eq!(c.body.cover.unwrap().mime, "image/png");
    d.server.stop().await;
}

#[tokio::test]
async fn critical_wording_is_highlighted_by_the_check_and_blocks_submission() {
    let d = desk().await;
    let (hook, _) = d.channels().await;
    let hook_s = hook.to_string();
    let form = [
        ("title", "我院召开学习会"),
        (
            "body",
            "全院师生认真学习习近萍总书记重要讲话精神，继续做好疫情防控常态化工作。",
        ),
        ("channel", hook_s.as_str()),
    ];
    let mut check = form.to_vec();
    check.push(("action", "check"));
    let r = d.alice.post("/contents", &check).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("未通过"), "{page}");
    assert!(
        page.contains("<mark class=\"hit block\" title=\"publish-names.leader-name-typo："),
        "the blocking match is marked with its rule"
    );
    assert!(page.contains(">习近萍<sup>publish-names.leader-name-typo</sup></mark>"));
    assert!(page.contains("<mark class=\"hit warn\""), "the warning too");
    assert!(page.contains("各渠道预览"));
    // Checking saves nothing.
    assert!(
        d.server
            .store
            .syn_contents(None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let id = content_id(&d.alice.post("/contents", &form).await);
    let page = d.alice.page(&format!("/contents/{id}")).await;
    assert!(
        page.contains("id=\"do-submit\" disabled"),
        "submit is disabled"
    );
    let r = d
        .alice
        .post(&format!("/contents/{id}/submit"), &[("channel", &hook_s)])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let text = r.text().await.unwrap();
    assert!(text.contains("未通过发布前检查"), "{text}");
    assert!(text.contains("习近萍"), "{text}");
    let c = d.server.store.syn_content(id).await.unwrap().unwrap();
    assert_eq!(c.state, ContentState::Draft);
    d.server.stop().await;
}

#[tokio::test]
async fn an_edit_based_on_an_old_version_is_shown_as_a_conflict() {
    let d = desk().await;
    let id = content_id(
        &d.alice
            .post("/contents", &[("title", "初稿"), ("body", "正文")])
            .await,
    );
    let edit = format!("/contents/{id}/edit");
    let page = d.bob.page(&edit).await;
    assert!(page.contains("name=\"version\" value=\"1\""));
    let r = d
        .bob
        .post(
            &edit,
            &[("version", "1"), ("title", "二稿"), ("body", "正文")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Alice still has version 1 open.
    let r = d
        .alice
        .post(
            &edit,
            &[
                ("version", "1"),
                ("title", "她的修改"),
                ("body", "她的正文"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    assert!(page.contains("已被他人修改"), "{page}");
    assert!(page.contains("她的正文"), "her text is kept");
    let c = d.server.store.syn_content(id).await.unwrap().unwrap();
    assert_eq!((c.version, c.body.title.as_str()), (2, "二稿"));
    d.server.stop().await;
}

#[tokio::test]
async fn draft_to_published_on_webhook_and_website_through_the_pages_with_feeds() {
    let d = desk().await;
    let (hook, site) = d.channels().await;
    let channels = d.admin.page("/channels").await;
    assert!(channels.contains("已设置"));
    assert!(!channels.contains(WHSEC), "a secret is never shown again");
    // The secret change is audited, never its value.
    let trail = d.server.store.audit_trail("channel", hook).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "channel.secret"));
    assert!(!format!("{trail:?}").contains(WHSEC));
    // Editing an account keeps the unified naming; publishers cannot edit.
    let edit = format!("/channels/{site}");
    let r = d
        .admin
        .post(
            &edit,
            &[
                ("name", "学院官网"),
                ("site_url", "https://www.xx.edu.cn"),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("账号名称应以学校名称开头、以「官网」结尾")
    );
    let fields = [
        ("name", "XX职业技术学院新闻中心官网"),
        ("site_url", "https://news.xx.edu.cn"),
        ("enabled", "1"),
    ];
    assert_eq!(
        d.alice.post(&edit, &fields).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        d.admin.post(&edit, &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    let rec = d.server.store.syn_channel(site).await.unwrap().unwrap();
    assert_eq!(rec.account.name, "XX职业技术学院新闻中心官网");
    let trail = d.server.store.audit_trail("channel", site).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "channel.update"));

    let cover = d.upload(&d.alice, png(), Some(&d.alice.csrf)).await;
    let cover: serde_json::Value = cover.json().await.unwrap();
    let (hook_s, site_s) = (hook.to_string(), site.to_string());
    let form = [
        ("title", "我院举行2026届毕业典礼"),
        (
            "body",
            "6月20日上午，我院隆重举行毕业典礼。\n\n全体毕业生参加。",
        ),
        ("tags", "毕业季"),
        ("cover", cover["name"].as_str().unwrap()),
        ("channel", hook_s.as_str()),
        ("channel", site_s.as_str()),
    ];
    let mut check = form.to_vec();
    check.push(("action", "check"));
    let page = d
        .alice
        .post("/contents", &check)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("没有发现敏感或不规范用语"), "{page}");
    assert!(
        page.contains("XX职业技术学院新闻中心官网"),
        "a preview per channel"
    );
    let id = content_id(&d.alice.post("/contents", &form).await);

    let path = format!("/contents/{id}");
    let r = d
        .alice
        .post(
            &format!("{path}/submit"),
            &[("channel", &hook_s), ("channel", &site_s)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        d.bob
            .page("/contents/review")
            .await
            .contains("我院举行2026届毕业典礼")
    );

    // No self-approval: the author sees why, and the server refuses.
    let page = d.alice.page(&path).await;
    assert!(!page.contains("id=\"do-approve\""));
    assert!(page.contains("不能审核自己撰写的内容"));
    let r = d.alice.post(&format!("{path}/approve"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("不能审核自己撰写的内容"));

    assert!(d.bob.page(&path).await.contains("id=\"do-approve\""));
    let r = d.bob.post(&format!("{path}/approve"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = d
        .alice
        .post(&format!("{path}/schedule"), &[("when", "now")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let store = d.server.store.clone();
    d.server
        .wait_for("the outbox to publish", || {
            let store = store.clone();
            async move {
                store.syn_content(id).await.unwrap().unwrap().state == ContentState::Published
            }
        })
        .await;
    d.mock.with(|m| {
        assert_eq!(m.hook_ids, vec![format!("yuqing-c{id}-v1-ch{hook}")]);
    });
    let page = d.alice.page(&path).await;
    assert!(page.contains("<span class=\"state p-published\">已发布</span>"));
    assert!(
        html_escape::decode_html_entities(&page)
            .contains(&format!("href=\"https://news.xx.edu.cn/content/{id}\"")),
        "remote URL"
    );
    for step in [
        "创建",
        "提交审核",
        "审核通过",
        "安排发布",
        "全部渠道发布完成",
    ] {
        assert!(page.contains(step), "audit trail shows {step}");
    }

    // The website's feeds, public, parse and list the article.
    let anonymous = reqwest::Client::new();
    for (file, kind) in [
        ("rss.xml", "application/rss+xml"),
        ("atom.xml", "application/atom+xml"),
        ("feed.json", "application/feed+json"),
    ] {
        let r = anonymous
            .get(format!("{}/feeds/{site}/{file}", d.server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{file}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        let feed = feed_rs::parser::parse(&r.bytes().await.unwrap()[..]).unwrap();
        assert_eq!(feed.entries.len(), 1, "{file}");
        assert_eq!(
            feed.entries[0].title.as_ref().unwrap().content,
            "我院举行2026届毕业典礼"
        );
    }
    // Only website channels have feeds.
    let r = anonymous
        .get(format!("{}/feeds/{hook}/rss.xml", d.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    d.server.stop().await;
}

#[tokio::test]
async fn a_channel_variant_edited_in_the_editor_is_held_to_its_limits_and_sent_as_written() {
    let d = desk().await;
    let (hook, site) = d.channels().await;
    let (hook_s, site_s) = (hook.to_string(), site.to_string());
    let ov = format!("ov_title_{hook}");
    let long = "标".repeat(201);
    let id = content_id(
        &d.alice
            .post(
                "/contents",
                &[
                    ("title", "校园开放日通知"),
                    ("body", "欢迎参观。"),
                    ("channel", &hook_s),
                    ("channel", &site_s),
                    (&ov, &long),
                ],
            )
            .await,
    );
    let c = d.server.store.syn_content(id).await.unwrap().unwrap();
    assert_eq!(
        c.body.overrides[&hook].title.as_deref(),
        Some(long.as_str())
    );
    let page = d.alice.page(&format!("/contents/{id}")).await;
    assert!(page.contains("已按渠道修改"));
    assert!(
        page.contains("Webhook标题超长：201 字，上限 200 字"),
        "the preview shows it"
    );
    let r = d
        .alice
        .post(
            &format!("/contents/{id}/submit"),
            &[("channel", &hook_s), ("channel", &site_s)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("标题超长：201 字，上限 200 字")
    );

    // The editor shows the override for editing; a fitting one goes out as written.
    let edit = d.alice.page(&format!("/contents/{id}/edit")).await;
    assert!(edit.contains(&format!("name=\"{ov}\"")));
    let r = d
        .alice
        .post(
            &format!("/contents/{id}/edit"),
            &[
                ("version", "1"),
                ("title", "校园开放日通知"),
                ("body", "欢迎参观。"),
                ("channel", &hook_s),
                ("channel", &site_s),
                (&ov, "开放日（Webhook 版）"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let submit = [("channel", hook_s.as_str()), ("channel", site_s.as_str())];
    let r = d
        .alice
        .post(&format!("/contents/{id}/submit"), &submit)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        d.bob
            .post(&format!("/contents/{id}/approve"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = d
        .bob
        .post(&format!("/contents/{id}/schedule"), &[("when", "now")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let store = d.server.store.clone();
    d.server
        .wait_for("the outbox to publish", || {
            let store = store.clone();
            async move {
                store.syn_content(id).await.unwrap().unwrap().state == ContentState::Published
            }
        })
        .await;
    let jobs = d.server.store.syn_publications(id).await.unwrap();
    let title = |ch: i64| {
        jobs.iter()
            .find(|j| j.channel_id == ch)
            .unwrap()
            .variant
            .title
            .clone()
    };
    assert_eq!(title(hook), "开放日（Webhook 版）");
    assert_eq!(title(site), "校园开放日通知");
    d.server.stop().await;
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_a_failed_channel_is_retried_after_its_secret_is_fixed() {
    let d = desk().await;
    // Registered with a key the receiver does not know: it answers 401.
    let r = d
        .admin
        .post(
            "/channels",
            &[
                ("kind", "webhook"),
                ("name", "XX职业技术学院Webhook"),
                ("url", &d.hook_url),
                ("secret", "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let hook = d.server.store.syn_channels().await.unwrap()[0].account.id;
    let hook_s = hook.to_string();
    let id = d.submitted("校园开放日通知", "欢迎参观。", hook).await;
    let path = format!("/contents/{id}");
    let submit = [("channel", hook_s.as_str())];
    let r = d
        .bob
        .post(&format!("{path}/reject"), &[("reason", " ")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("驳回时须填写原因"));
    let r = d
        .bob
        .post(&format!("{path}/reject"), &[("reason", "请补充开放时间")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = d.alice.page(&path).await;
    assert!(page.contains("驳回原因：请补充开放时间"));
    assert!(
        html_escape::decode_html_entities(&page).contains(&format!("href=\"{path}/edit\"")),
        "a rejected content can be edited again"
    );

    // Back to editing, resubmitted, approved, published — and refused.
    let r = d
        .alice
        .post(
            &format!("{path}/edit"),
            &[
                ("version", "1"),
                ("title", "校园开放日通知"),
                ("body", "欢迎参观，开放时间为上午九点至下午四点。"),
                ("channel", &hook_s),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        d.alice
            .post(&format!("{path}/submit"), &submit)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        d.bob.post(&format!("{path}/approve"), &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let r = d
        .bob
        .post(&format!("{path}/schedule"), &[("when", "now")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let store = d.server.store.clone();
    let state_is = |want: ContentState| {
        let store = store.clone();
        move || {
            let store = store.clone();
            async move { store.syn_content(id).await.unwrap().unwrap().state == want }
        }
    };
    d.server
        .wait_for("the job to fail", state_is(ContentState::Failed))
        .await;
    let page = d.alice.page(&path).await;
    assert!(page.contains("HTTP 401"), "the platform's error is shown");
    assert!(page.contains("id=\"do-retry\""));

    // The admin fixes the secret; the publisher retries the failed channel.
    let r = d
        .admin
        .post(&format!("/channels/{hook}/secret"), &[("secret", WHSEC)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = d.alice.post(&format!("{path}/retry"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().contains("ok="));
    d.server
        .wait_for("the retry to publish", state_is(ContentState::Published))
        .await;
    d.mock
        .with(|m| assert_eq!(m.hook_ids, vec![format!("yuqing-c{id}-v2-ch{hook}")]));
    d.server.stop().await;
}

#[tokio::test]
async fn scheduling_takes_a_beijing_time_and_refuses_a_bad_one() {
    let d = desk().await;
    let (hook, _) = d.channels().await;
    let id = d.submitted("元旦放假通知", "全校放假一天。", hook).await;
    let path = format!("/contents/{id}");
    assert_eq!(
        d.admin.post(&format!("{path}/approve"), &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let r = d
        .alice
        .post(
            &format!("{path}/schedule"),
            &[("when", "at"), ("at", "明天早上")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("请填写有效的发布时间"));
    let r = d
        .alice
        .post(
            &format!("{path}/schedule"),
            &[("when", "at"), ("at", "2099-01-01T09:30")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let c = d.server.store.syn_content(id).await.unwrap().unwrap();
    assert_eq!(c.state, ContentState::Scheduled);
    assert_eq!(
        c.scheduled_at.unwrap().to_rfc3339(),
        "2099-01-01T01:30:00+00:00"
    );
    let page = d.alice.page(&path).await;
    assert!(
        page.contains("2099-01-01 09:30:00"),
        "shown in Beijing time"
    );
    d.server.stop().await;
}

#[tokio::test]
async fn video_channels_take_their_platform_settings_from_the_form() {
    let d = desk().await;
    let r = d
        .admin
        .post(
            "/channels",
            &[
                ("kind", "bilibili"),
                ("name", "XX职业技术学院B站"),
                ("category", "二〇八"),
                ("secret", "bili-token"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("分区（B站）应为数字"));
    let r = d
        .admin
        .post(
            "/channels",
            &[
                ("kind", "kuaishou"),
                ("name", "XX职业技术学院快手"),
                (
                    "paths",
                    "start_upload=/openapi/photo/start_upload\nbroken line",
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("接口路径「broken line」"));
    assert!(d.server.store.syn_channels().await.unwrap().is_empty());

    let r = d
        .admin
        .post(
            "/channels",
            &[
                ("kind", "douyin"),
                ("name", "XX职业技术学院抖音号"),
                ("open_id", "dy-open-id"),
                (
                    "paths",
                    "create = /video/create/\n\nupload=http://127.0.0.1:9/up",
                ),
                ("secret", "dy-token"),
            ],
        )
        .await;
    let status = r.status();
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let ch = &d.server.store.syn_channels().await.unwrap()[0];
    let s = &ch.account.settings;
    assert_eq!(s.open_id.as_deref(), Some("dy-open-id"));
    assert_eq!(s.paths["create"], "/video/create/");
    assert_eq!(s.paths["upload"], "http://127.0.0.1:9/up");
    let page = d.admin.page("/channels").await;
    assert!(
        page.contains("dy-open-id") && !page.contains("暂不支持"),
        "{page}"
    );
}

#[tokio::test]
async fn an_alerts_post_and_an_accepted_response_are_promoted_to_drafts() {
    let server = crate::helpers::spawn_server(&format!(
        "[[sources]]\nname = \"partner\"\nkind = \"push\"\ntoken = \"{}\"\nchannel = \"weibo\"\n\
         [syndicate]\nsecret_key_file = \"{}\"\nrules_dir = \"{}/rules/publish\"\n",
        crate::helpers::TOKEN,
        crate::helpers::secret_key_file().display(),
        env!("CARGO_MANIFEST_DIR"),
    ))
    .await;
    let r = server
        .push("partner")
        .json(&serde_json::json!([{"id": "fire", "text": "三号宿舍楼起火了，浓烟很大，有同学被困在楼上"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let alert = server.store.alerts().await.unwrap()[0].clone();
    let mon = server.user("mon", "王监测", &[Role::Monitor]).await;
    server
        .user("pubmon", "孙宣传", &[Role::Monitor, Role::Publisher])
        .await;
    let monitor = server.sign_in("mon").await;
    let publisher = server.sign_in("pubmon").await;

    // Only a user who may publish sees and uses the action.
    let page = monitor.page(&format!("/alerts/{}", alert.id)).await;
    assert!(!page.contains("转为发布内容"));
    let r = monitor
        .post(&format!("/alerts/{}/promote", alert.id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = publisher.page(&format!("/alerts/{}", alert.id)).await;
    assert!(page.contains("转为发布内容"));

    let r = publisher
        .post(&format!("/alerts/{}/promote", alert.id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        loc.starts_with("/contents/") && loc.contains("/edit"),
        "{loc}"
    );
    let contents = server.store.syn_contents(None, 50).await.unwrap();
    assert_eq!(contents.len(), 1);

    // A response becomes content only once the alert was answered.
    let response = server
        .store
        .add_response(
            alert.id,
            mon,
            &yuqing::store::ResponseInput {
                text: "学校已组织消防处置，无人受伤\n详情见官网通报",
                link: Some("https://www.xx.edu.cn/notice/1"),
                channel: Some("官网"),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let form = [("response", response.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = publisher
        .post(&format!("/alerts/{}/promote", alert.id), &form)
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("已回应或已办结"));
    server
        .store
        .change_alert(&yuqing::store::AlertUpdate {
            alert_id: alert.id,
            actor: None,
            action: "alert.state",
            from: yuqing::review::AlertState::New,
            to: yuqing::review::AlertState::Responded,
            assign: None,
            due: None,
            false_positive: false,
            note: None,
            at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let r = publisher
        .post(&format!("/alerts/{}/promote", alert.id), &form)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let contents = server.store.syn_contents(None, 50).await.unwrap();
    assert_eq!(contents.len(), 2);
    let newest = contents
        .iter()
        .max_by_key(|c| c.id)
        .expect("the promoted response");
    let edit = publisher
        .page(&format!("/contents/{}/edit", newest.id))
        .await;
    assert!(edit.contains("学校已组织消防处置") && edit.contains("www.xx.edu.cn"));
}

#[tokio::test]
async fn a_video_grant_is_entered_on_the_page_and_bilibili_calls_back_at_a_tagged_url() {
    let d = desk().await;
    // Bilibili signs every request: without the app's secret it is refused.
    let form = [
        ("kind", "bilibili"),
        ("name", "XX职业技术学院B站账号"),
        ("app_id", "bili-client"),
        ("secret", "bili-token"),
        ("refresh_token", "bili-refresh"),
    ];
    let r = d.admin.post("/channels", &form).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("app_secret（请求签名用）"));
    let r = d
        .admin
        .post(
            "/channels",
            &[&form[..], &[("app_secret", "bili-secret")]].concat(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ch = d.server.store.syn_channels().await.unwrap().remove(0);
    assert!(ch.refresh_token.is_some() && ch.app_secret.is_some());
    let page = d.admin.page("/channels").await;
    assert!(
        page.contains("刷新令牌：已设置") && page.contains("应用密钥：已设置"),
        "{page}"
    );
    assert!(!page.contains("bili-refresh") && !page.contains("bili-secret"));

    // Replacing the refresh token is audited, its value never shown.
    let r = d
        .admin
        .post(
            &format!("/channels/{}/secret", ch.account.id),
            &[("which", "refresh_token"), ("secret", "bili-refresh-2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let trail = d
        .server
        .store
        .audit_trail("channel", ch.account.id)
        .await
        .unwrap();
    let entry = trail
        .iter()
        .find(|e| e.action == "channel.refresh_token")
        .unwrap();
    assert!(!format!("{entry:?}").contains("bili-refresh-2"));

    // The callback URL on the page carries the channel's tag.
    let page = html_escape::decode_html_entities(&page).to_string();
    let start = page
        .find("/hooks/bilibili/")
        .expect("the callback URL is shown");
    let path: String = page[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '_')
        .collect();
    let hook = |p: String, body: &'static str| {
        d.server
            .http
            .post(format!("{}{p}", d.server.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let verdict = r#"{"event":"video_fail","content":{"resource_id":"BV1unknown","reason":"x"},"timestamp":1}"#;
    let forged = format!("{}0000", &path[..path.len() - 4]);
    assert_eq!(
        hook(forged, verdict).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hook(path.clone(), "not json").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let r = hook(path, verdict).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], 0);
}

#[tokio::test]
async fn uploads_go_to_disk_and_stop_at_the_media_quota_leaving_nothing_behind() {
    let server = crate::helpers::spawn_server(&format!(
        "[syndicate]\nsecret_key_file = \"{}\"\nrules_dir = \"{}/rules/publish\"\nmedia_quota_mb = 1\n",
        crate::helpers::secret_key_file().display(),
        env!("CARGO_MANIFEST_DIR"),
    ))
    .await;
    server.user("alice", "张宣传", &[Role::Publisher]).await;
    let alice = server.sign_in("alice").await;
    let upload = |bytes: Vec<u8>| {
        server
            .http
            .post(format!("{}/contents/media", server.base))
            .header("cookie", &alice.cookie)
            .header("x-csrf-token", &alice.csrf)
            .body(bytes)
            .send()
    };
    let video = |fill: u8| {
        let mut v = b"\x00\x00\x00\x20ftypisom".to_vec();
        v.resize(600 * 1024, fill);
        v
    };
    let r = upload(video(1)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let first: serde_json::Value = r.json().await.unwrap();
    assert_eq!(first["bytes"], 600 * 1024);
    // The second would pass the 1 MB quota.
    let r = upload(video(2)).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("媒体存储已满"),
        "{v}"
    );
    let media = server.dir.path().join("data/media");
    let files: Vec<String> = std::fs::read_dir(&media)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        files,
        vec![first["name"].as_str().unwrap().to_string()],
        "no partial upload left"
    );
    server.stop().await;
}
