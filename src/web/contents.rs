//! Syndication pages (内容、审批、媒体矩阵) and the public website feeds.
//! Handlers parse the form, call the workflow in `crate::syndicate` (which
//! checks permissions and writes the audit log) and render; the pages only
//! hide what the server would refuse anyway.

use super::auth::CurrentUser;
use super::pages::{Flash, error_page, render, ser, user_ctx};
use super::present;
use super::{ApiError, AppState};
use crate::model::Field;
use crate::store::{ChannelRecord, Credential, StoreError};
use crate::syndicate::approval::can_publish;
use crate::syndicate::channels::unified_name;
use crate::syndicate::media::{self, MediaError};
use crate::syndicate::{
    ChannelKind, ChannelSettings, CheckReport, Content, ContentBody, ContentState, Desk,
    PublishChecker, SecretKey, SyndicateError, VariantOverride, variants,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Contents shown per list page.
const LIST_LIMIT: i64 = 200;
/// Items in a feed.
const FEED_ITEMS: i64 = 50;

/// What the syndication pages share: the publishing check, the key that
/// seals channel secrets (None when not configured), the college's name
/// and where uploads go.
pub struct Syndication {
    /// The publishing rules, or why they could not be loaded (the rest of
    /// the dashboard still runs; content pages answer 503).
    pub checker: Result<Arc<PublishChecker>, String>,
    pub key: Option<Arc<SecretKey>>,
    pub college: String,
    pub data_dir: PathBuf,
    /// The dashboard's public address (`notify.base_url`), for the links
    /// others follow: feeds' self links, platform callbacks.
    pub public_url: Option<String>,
    /// Bytes the uploaded media may take.
    pub media_quota: u64,
}

/// The dashboard's public address: the configured one, else the request's
/// host with the scheme a proxy reports (`X-Forwarded-Proto`).
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.syndication.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = h("x-forwarded-host")
        .or_else(|| h(header::HOST.as_str()))
        .unwrap_or("localhost");
    let scheme = match h("x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

pub fn router(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/contents", get(list).post(create))
        .route("/contents/new", get(new_page))
        .route("/contents/review", get(review_queue))
        .route("/contents/{id}", get(detail))
        .route("/contents/{id}/edit", get(edit_page).post(save_edit))
        .route("/contents/{id}/{action}", post(act))
        .route("/channels", get(channels_page).post(add_channel))
        .route("/channels/{id}", post(change_channel))
        .route("/channels/{id}/secret", post(change_secret))
        .layer(axum::middleware::map_response_with_state(
            state,
            html_errors,
        ));
    Router::new()
        .merge(pages)
        // Called by the editor's script and by feed readers: JSON errors.
        .route(
            "/contents/media",
            post(upload).layer(DefaultBodyLimit::max(media::VIDEO_MAX as usize + 64 * 1024)),
        )
        .route("/feeds/{channel}/{file}", get(feed))
        // Called by the platform; the path's tag authenticates it.
        .route("/hooks/bilibili/{channel}/{tag}", post(bilibili_review))
}

/// A refusal on a page (permission, CSRF, missing content) as the error
/// page with its Chinese message, not as the API's JSON.
async fn html_errors(State(state): State<AppState>, response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !json || !status.is_client_error() || status == StatusCode::UNAUTHORIZED {
        return response;
    }
    let Ok(bytes) = axum::body::to_bytes(response.into_body(), 64 * 1024).await else {
        return ApiError::Internal.into_response();
    };
    let message = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(String::from))
        .unwrap_or_else(|| "操作未完成".into());
    error_page(&state, status, &message, "/contents")
}

fn publishers_only(user: &CurrentUser) -> Result<(), ApiError> {
    if can_publish(&user.actor) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "只有宣传员或管理员可以编辑和发布内容".into(),
        ))
    }
}

fn admins_only(user: &CurrentUser) -> Result<(), ApiError> {
    if user.actor.has(crate::review::Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("只有管理员可以管理媒体矩阵账号".into()))
    }
}

fn checker(state: &AppState) -> Result<&PublishChecker, ApiError> {
    state
        .syndication
        .checker
        .as_deref()
        .map_err(|e| ApiError::Unavailable(e.clone().into()))
}

pub(super) fn desk(state: &AppState) -> Result<Desk<'_>, ApiError> {
    Ok(Desk {
        store: state.pipeline.store(),
        checker: checker(state)?,
    })
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(super) fn back_ok(path: &str, message: &str) -> Response {
    Redirect::to(&format!("{path}?ok={}", enc(message))).into_response()
}

/// A refused workflow step as a page: 403 for permissions, 409 for a
/// concurrent change, 400 otherwise; database failures stay internal.
pub(super) fn refused(state: &AppState, e: SyndicateError, back: &str) -> Response {
    let status = match &e {
        SyndicateError::Denied(_) => StatusCode::FORBIDDEN,
        SyndicateError::NotFound(_) => StatusCode::NOT_FOUND,
        SyndicateError::Conflict => StatusCode::CONFLICT,
        SyndicateError::Store(StoreError::Conflict(m)) => {
            return error_page(state, StatusCode::CONFLICT, m, back);
        }
        SyndicateError::Store(_) | SyndicateError::Secret(_) => {
            tracing::error!(error = %e, "syndication step failed");
            return ApiError::Internal.into_response();
        }
        _ => StatusCode::BAD_REQUEST,
    };
    error_page(state, status, &e.to_string(), back)
}

fn field<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn ids(pairs: &[(String, String)], key: &str) -> Vec<i64> {
    let mut out: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == key)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

async fn user_names(state: &AppState) -> Result<HashMap<i64, String>, ApiError> {
    Ok(state
        .pipeline
        .store()
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

// ------------------------------------------------------------- lists ---

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    state: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    publishers_only(&user)?;
    let filter = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("all") => None,
        Some(s) => Some(
            s.parse::<ContentState>()
                .map_err(|_| ApiError::BadRequest(format!("筛选条件 state 的值无效：{s}")))?,
        ),
    };
    let flash = Flash {
        ok: q.ok,
        err: q.err,
    };
    list_page(&state, &user, filter, "contents", flash).await
}

pub async fn review_queue(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(flash): Query<Flash>,
) -> Result<Response, ApiError> {
    publishers_only(&user)?;
    list_page(
        &state,
        &user,
        Some(ContentState::Submitted),
        "review",
        flash,
    )
    .await
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Option<ContentState>,
    nav: &str,
    flash: Flash,
) -> Result<Response, ApiError> {
    let store = state.pipeline.store();
    let contents = store.syn_contents(filter, LIST_LIMIT).await?;
    let names = user_names(state).await?;
    let now = state.clock.now();
    let rows: Vec<_> = contents
        .iter()
        .map(|c| {
            minijinja::context! {
                id => c.id,
                title => &c.body.title,
                state => c.state.as_str(),
                state_zh => c.state.zh(),
                version => c.version,
                author => names.get(&c.author_id).map(String::as_str).unwrap_or("—"),
                own => c.author_id == user.user.id,
                updated => present::time(c.updated_at, now),
                channels => c.channel_ids.len(),
            }
        })
        .collect();
    let states: Vec<_> = ContentState::ALL
        .into_iter()
        .map(|s| minijinja::context! { value => s.as_str(), zh => s.zh() })
        .collect();
    Ok(render(
        state,
        "contents.html",
        minijinja::context! {
            user => user_ctx(user),
            csrf => &user.csrf,
            nav,
            flash => ser(&flash),
            review => nav == "review",
            rows,
            states,
            current => filter.map(|s| s.as_str()).unwrap_or("all"),
        },
        StatusCode::OK,
    ))
}

// ------------------------------------------------------------ editor ---

/// The editor's fields as typed (re-shown as they were on any error).
#[derive(Debug, Default, Clone, serde::Serialize)]
struct EditorFields {
    title: String,
    body: String,
    digest: String,
    author: String,
    tags: String,
    link: String,
    cover: String,
    images: String,
    video: String,
    channels: Vec<i64>,
    /// Per channel id: its own title, digest and text (empty: derived).
    overrides: std::collections::BTreeMap<i64, [String; 3]>,
}

impl EditorFields {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let raw = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        EditorFields {
            title: raw("title"),
            body: raw("body"),
            digest: raw("digest"),
            author: raw("author"),
            tags: raw("tags"),
            link: raw("link"),
            cover: raw("cover"),
            images: raw("images"),
            video: raw("video"),
            channels: ids(pairs, "channel"),
            overrides: overrides_of(pairs),
        }
    }

    fn from_content(c: &Content) -> Self {
        let b = &c.body;
        EditorFields {
            title: b.title.clone(),
            body: b.body.clone(),
            digest: b.digest.clone().unwrap_or_default(),
            author: b.author.clone().unwrap_or_default(),
            tags: b.tags.join(" "),
            link: b.link.clone().unwrap_or_default(),
            cover: b.cover.as_ref().map(media::name_of).unwrap_or_default(),
            images: b
                .images
                .iter()
                .map(media::name_of)
                .collect::<Vec<_>>()
                .join("\n"),
            video: b.video.as_ref().map(media::name_of).unwrap_or_default(),
            channels: c.channel_ids.clone(),
            overrides: b
                .overrides
                .iter()
                .map(|(id, o)| {
                    let s = |v: &Option<String>| v.clone().unwrap_or_default();
                    (*id, [s(&o.title), s(&o.digest), s(&o.text)])
                })
                .collect(),
        }
    }

    /// The body these fields describe; media are looked up among uploads.
    fn body(&self, state: &AppState) -> Result<ContentBody, MediaError> {
        let dir = &state.syndication.data_dir;
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let one = |s: &str| opt(s).map(|n| media::resolve(dir, &n)).transpose();
        Ok(ContentBody {
            title: self.title.trim().to_string(),
            body: self.body.replace("\r\n", "\n"),
            digest: opt(&self.digest),
            author: opt(&self.author),
            cover: one(&self.cover)?,
            images: self
                .images
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| !s.is_empty())
                .map(|n| media::resolve(dir, n))
                .collect::<Result<_, _>>()?,
            video: one(&self.video)?,
            tags: self
                .tags
                .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
                .map(|t| t.trim_matches('#'))
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            link: opt(&self.link),
            overrides: self
                .overrides
                .iter()
                // Only for the channels still chosen.
                .filter(|(id, _)| self.channels.contains(id))
                .map(|(id, [title, digest, text])| {
                    let o = VariantOverride {
                        title: opt(title),
                        digest: opt(digest),
                        text: opt(text).map(|t| t.replace("\r\n", "\n")),
                    };
                    (*id, o)
                })
                .filter(|(_, o)| !o.is_empty())
                .collect(),
        })
    }
}

/// `ov_title_3`, `ov_digest_3`, `ov_text_3`: channel 3's own wording.
fn overrides_of(pairs: &[(String, String)]) -> std::collections::BTreeMap<i64, [String; 3]> {
    let mut out = std::collections::BTreeMap::<i64, [String; 3]>::new();
    for (k, v) in pairs {
        let Some(rest) = k.strip_prefix("ov_") else {
            continue;
        };
        let (slot, id) = match rest.split_once('_') {
            Some(("title", id)) => (0, id),
            Some(("digest", id)) => (1, id),
            Some(("text", id)) => (2, id),
            _ => continue,
        };
        if let Ok(id) = id.parse::<i64>() {
            out.entry(id).or_default()[slot] = v.clone();
        }
    }
    out
}

/// The check report as the pages show it: the title and text with every
/// match marked by the rule that fired.
fn check_ctx(report: &CheckReport) -> minijinja::Value {
    let hits: Vec<_> = report
        .hits
        .iter()
        .map(|h| {
            minijinja::context! {
                rule => &h.rule,
                category => &h.category,
                message => &h.message,
                blocking => h.blocking,
                severity => h.severity.as_str(),
                excerpt => &h.excerpt,
            }
        })
        .collect();
    let pieces = |field| {
        report
            .marked(field)
            .into_iter()
            .map(|p| {
                let hit = p.hit.map(|i| &report.hits[i]);
                minijinja::context! {
                    text => p.text,
                    rule => hit.map(|h| h.rule.as_str()),
                    message => hit.map(|h| h.message.as_str()),
                    blocking => hit.is_some_and(|h| h.blocking),
                }
            })
            .collect::<Vec<_>>()
    };
    minijinja::context! {
        blocked => report.blocked(),
        hits,
        blocking => report.blocking().count(),
        warnings => report.warnings().count(),
        title => pieces(Field::Title),
        text => pieces(Field::Text),
        rules_version => &report.rules_version,
    }
}

/// Each channel's variant of `body` with the limits it breaks.
fn previews(body: &ContentBody, channels: &[&ChannelRecord]) -> Vec<minijinja::Value> {
    channels
        .iter()
        .map(|ch| {
            let (v, violations) = variants::build(body, &ch.account);
            let html = v.format == variants::TextFormat::Html;
            let own = body.overrides.get(&ch.account.id);
            let own_part = |f: fn(&VariantOverride) -> &Option<String>| {
                own.and_then(|o| f(o).clone()).unwrap_or_default()
            };
            minijinja::context! {
                id => ch.account.id,
                name => &ch.account.name,
                kind => ch.account.kind.zh(),
                title => &v.title,
                author => &v.author,
                digest => &v.digest,
                html,
                // HTML from our Markdown renderer, which escapes raw HTML.
                text => if html { minijinja::Value::from_safe_string(v.text.clone()) } else { minijinja::Value::from(v.text.clone()) },
                chars => v.text.chars().count(),
                cover => v.cover.as_ref().map(|m| format!("{}（{} KB）", m.mime, m.bytes.div_ceil(1024))),
                images => v.images.len(),
                video => v.video.as_ref().map(|m| format!("{}（{:.1} MB）", m.mime, m.bytes as f64 / 1048576.0)),
                link => &v.link,
                violations => violations.iter().map(|x| x.message.clone()).collect::<Vec<_>>(),
                overridden => own.is_some(),
                ov_title => own_part(|o| &o.title),
                ov_digest => own_part(|o| &o.digest),
                ov_text => own_part(|o| &o.text),
                has_title => v.format == variants::TextFormat::Html || ch.account.kind == ChannelKind::Bilibili,
            }
        })
        .collect()
}

fn channel_choices(channels: &[ChannelRecord], chosen: &[i64]) -> Vec<minijinja::Value> {
    channels
        .iter()
        .filter(|c| c.account.enabled || chosen.contains(&c.account.id))
        .map(|c| {
            minijinja::context! {
                id => c.account.id,
                name => &c.account.name,
                kind => c.account.kind.zh(),
                checked => chosen.contains(&c.account.id),
            }
        })
        .collect()
}

struct Editor<'a> {
    id: Option<i64>,
    version: Option<i64>,
    fields: &'a EditorFields,
    error: Option<String>,
    report: Option<CheckReport>,
    body: Option<&'a ContentBody>,
}

async fn show_editor(
    state: &AppState,
    user: &CurrentUser,
    ed: Editor<'_>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let channels = state.pipeline.store().syn_channels().await?;
    let chosen: Vec<&ChannelRecord> = channels
        .iter()
        .filter(|c| ed.fields.channels.contains(&c.account.id))
        .collect();
    let previews = ed.body.map(|b| previews(b, &chosen));
    Ok(render(
        state,
        "content_edit.html",
        minijinja::context! {
            user => user_ctx(user),
            csrf => &user.csrf,
            nav => "contents",
            id => ed.id,
            version => ed.version,
            f => ser(ed.fields),
            error => ed.error,
            check => ed.report.as_ref().map(check_ctx),
            previews,
            channels => channel_choices(&channels, &ed.fields.channels),
            editing => true,
            image_max_mb => media::IMAGE_MAX / 1024 / 1024,
            video_max_mb => media::VIDEO_MAX / 1024 / 1024,
        },
        status,
    ))
}

pub async fn new_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, ApiError> {
    publishers_only(&user)?;
    let fields = EditorFields::default();
    let ed = Editor {
        id: None,
        version: None,
        fields: &fields,
        error: None,
        report: None,
        body: None,
    };
    show_editor(&state, &user, ed, StatusCode::OK).await
}

pub async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    publishers_only(&user)?;
    let content = load(&state, id).await?;
    if !content.state.is_editable() {
        return Ok(error_page(
            &state,
            StatusCode::CONFLICT,
            &format!("「{}」状态的内容不能修改", content.state.zh()),
            &format!("/contents/{id}"),
        ));
    }
    let fields = EditorFields::from_content(&content);
    let ed = Editor {
        id: Some(id),
        version: Some(content.version),
        fields: &fields,
        error: None,
        report: None,
        body: Some(&content.body),
    };
    show_editor(&state, &user, ed, StatusCode::OK).await
}

async fn load(state: &AppState, id: i64) -> Result<Content, ApiError> {
    state
        .pipeline
        .store()
        .syn_content(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("内容 {id} 不存在")))
}

/// Create (`id` None) or save a new version; `action=check` only checks
/// and previews what was typed, saving nothing.
async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    pairs: &[(String, String)],
) -> Result<Response, ApiError> {
    publishers_only(user)?;
    user.check_csrf(field(pairs, "csrf"))?;
    let fields = EditorFields::from_pairs(pairs);
    let version = field(pairs, "version").and_then(|v| v.parse::<i64>().ok());
    let editor = |error: Option<String>, report: Option<CheckReport>| Editor {
        id,
        version,
        fields: &fields,
        error,
        report,
        body: None,
    };
    let body = match fields.body(state) {
        Ok(b) => b,
        Err(e) => {
            return show_editor(
                state,
                user,
                editor(Some(e.to_string()), None),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    if field(pairs, "action") == Some("check") {
        let report = checker(state)?.check(&body);
        return show_editor(
            state,
            user,
            Editor {
                body: Some(&body),
                ..editor(None, Some(report))
            },
            StatusCode::OK,
        )
        .await;
    }
    let now = state.clock.now();
    let d = desk(state)?;
    let saved = match id {
        None => d.create(&user.actor, &body, now).await,
        Some(id) => match version {
            Some(v) => d.edit(&user.actor, id, v, &body, now).await.map(|_| id),
            None => Err(SyndicateError::Invalid("缺少版本号，请刷新后重试".into())),
        },
    };
    match saved {
        Ok(id) => {
            state
                .pipeline
                .store()
                .syn_choose_channels(id, &fields.channels)
                .await?;
            Ok(back_ok(&format!("/contents/{id}"), "已保存"))
        }
        Err(SyndicateError::Denied(m)) => Err(ApiError::Forbidden(m.into())),
        Err(SyndicateError::Store(e)) => Err(e.into()),
        Err(SyndicateError::Conflict) => {
            let message = "保存失败：这篇内容在你编辑期间已被他人修改或提交（版本已变化）。你的修改仍在下面，请打开最新版本核对后再保存。".to_string();
            show_editor(
                state,
                user,
                Editor {
                    body: Some(&body),
                    ..editor(Some(message), None)
                },
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => {
            show_editor(
                state,
                user,
                Editor {
                    body: Some(&body),
                    ..editor(Some(e.to_string()), None)
                },
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    save(&state, &user, None, &pairs).await
}

pub async fn save_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    save(&state, &user, Some(id), &pairs).await
}

/// An upload from the editor (the file as the request body, the CSRF
/// token in `x-csrf-token`); answers the stored file's name for the form.
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    use futures_util::StreamExt;
    publishers_only(&user)?;
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let dir = state.syndication.data_dir.clone();
    let quota = state.syndication.media_quota;
    let refused = |e: MediaError| match e {
        e @ MediaError::TooLarge { .. } => ApiError::TooLarge(e.to_string()),
        MediaError::Io(e) => {
            tracing::error!(error = %e, "upload not stored");
            ApiError::Internal
        }
        e => ApiError::BadRequest(e.to_string()),
    };
    let blocking = |f: Box<dyn FnOnce() -> Result<media::Incoming, MediaError> + Send>| async move {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|_| ApiError::Internal)?
            .map_err(refused)
    };
    let used = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || media::usage(&dir))
            .await
            .map_err(|_| ApiError::Internal)?
            .map_err(|e| refused(MediaError::Io(e)))?
    };
    let full = |size: u64| used + size > quota;
    if full(0) {
        return Err(ApiError::TooLarge(media_full(quota)));
    }
    let mut incoming = {
        let dir = dir.clone();
        blocking(Box::new(move || media::Incoming::begin(&dir))).await?
    };
    // The body goes to disk in pieces of about 1 MiB as it arrives.
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    loop {
        let chunk = stream.next().await;
        let end = chunk.is_none();
        if let Some(c) = chunk {
            let c = c.map_err(|e| ApiError::BadRequest(format!("上传中断：{e}")))?;
            buf.extend_from_slice(&c);
        }
        if buf.len() >= 1 << 20 || (end && !buf.is_empty()) {
            let piece = std::mem::take(&mut buf);
            incoming = blocking(Box::new(move || {
                incoming.write(&piece)?;
                Ok(incoming)
            }))
            .await?;
            if full(incoming.size()) {
                return Err(ApiError::TooLarge(media_full(quota)));
            }
        }
        if end {
            break;
        }
    }
    let saved = tokio::task::spawn_blocking(move || incoming.finish())
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(refused)?;
    Ok(axum::Json(serde_json::json!({
        "name": media::name_of(&saved),
        "mime": saved.mime,
        "bytes": saved.bytes,
    }))
    .into_response())
}

fn media_full(quota: u64) -> String {
    format!(
        "媒体存储已满（上限 {} MB）：请管理员清理未使用的文件（yuqing media sweep）或调高 syndicate.media_quota_mb",
        quota / 1024 / 1024
    )
}

// ------------------------------------------------------- content page ---

fn action_zh(action: &str) -> &str {
    match action {
        "content.create" => "创建",
        "content.edit" => "修改",
        "content.submit" => "提交审核",
        "content.approve" => "审核通过",
        "content.reject" => "驳回",
        "content.schedule" => "安排发布",
        "content.publish" => "开始发布",
        "content.check_failed" => "发布前检查未通过",
        "content.retry_failed" => "重试失败渠道",
        "content.published" => "全部渠道发布完成",
        "content.failed" => "有渠道发布失败",
        other => other,
    }
}

pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> Result<Response, ApiError> {
    publishers_only(&user)?;
    let store = state.pipeline.store();
    let content = load(&state, id).await?;
    let versions = store.syn_content_versions(id).await?;
    let channels = store.syn_channels().await?;
    let jobs = store.syn_publications(id).await?;
    let trail = store.audit_trail("content", id).await?;
    let names = user_names(&state).await?;
    let name = |u: Option<i64>| {
        u.map(|u| {
            names
                .get(&u)
                .cloned()
                .unwrap_or_else(|| format!("用户 {u}"))
        })
        .unwrap_or_else(|| "系统".into())
    };
    let now = state.clock.now();
    let me = user.user.id;
    let editor_now = versions
        .iter()
        .find(|v| v.version == content.version)
        .map(|v| v.editor_id);
    // Why this user may not review (shown instead of the buttons).
    let own = if content.author_id == me {
        Some("你是本内容的作者，不能审核自己撰写的内容，须由其他宣传员或管理员审核")
    } else if editor_now == Some(me) {
        Some("当前版本由你修改，不能审核自己修改的版本，须由其他宣传员或管理员审核")
    } else {
        None
    };
    let chosen: Vec<&ChannelRecord> = if content.channel_ids.is_empty() {
        Vec::new()
    } else {
        channels
            .iter()
            .filter(|c| content.channel_ids.contains(&c.account.id))
            .collect()
    };
    let channel_name: HashMap<i64, &str> = channels
        .iter()
        .map(|c| (c.account.id, c.account.name.as_str()))
        .collect();
    let report = checker(&state)?.check(&content.body);
    let jobs_ctx: Vec<_> = jobs
        .iter()
        .map(|j| {
            minijinja::context! {
                channel => channel_name.get(&j.channel_id).copied().unwrap_or("—"),
                version => j.version,
                state => j.state.as_str(),
                state_zh => j.state.zh(),
                attempts => j.attempts,
                remote_url => &j.remote_url,
                error => &j.last_error,
                published => j.published_at.map(|t| present::time(t, now)),
                next => (j.state == crate::store::PublicationState::Pending).then(|| present::time(j.next_attempt_at, now)),
            }
        })
        .collect();
    let versions_ctx: Vec<_> = versions
        .iter()
        .rev()
        .map(|v| {
            minijinja::context! {
                version => v.version,
                editor => name(Some(v.editor_id)),
                at => present::time(v.created_at, now),
                title => &v.body.title,
                approved => content.approved_version == Some(v.version),
            }
        })
        .collect();
    let trail_ctx: Vec<_> = trail
        .iter()
        .map(|e| {
            minijinja::context! {
                at => present::full_time(e.at),
                who => name(e.actor_id),
                action => action_zh(&e.action),
                note => &e.note,
            }
        })
        .collect();
    let body = &content.body;
    Ok(render(
        &state,
        "content.html",
        minijinja::context! {
            user => user_ctx(&user),
            csrf => &user.csrf,
            nav => if content.state == ContentState::Submitted { "review" } else { "contents" },
            flash => ser(&flash),
            c => minijinja::context! {
                id => content.id,
                title => &body.title,
                state => content.state.as_str(),
                state_zh => content.state.zh(),
                version => content.version,
                approved_version => content.approved_version,
                author => name(Some(content.author_id)),
                approver => content.approver_id.map(|a| name(Some(a))),
                reject_reason => &content.reject_reason,
                scheduled => content.scheduled_at.map(present::full_time),
                updated => present::time(content.updated_at, now),
                editable => content.state.is_editable(),
                digest => &body.digest,
                byline => &body.author,
                tags => &body.tags,
                link => &body.link,
                cover => body.cover.as_ref().map(media::name_of),
                images => body.images.len(),
                video => body.video.as_ref().map(media::name_of),
                // Our Markdown renderer escapes raw HTML.
                html => minijinja::Value::from_safe_string(body.html()),
            },
            own,
            check => check_ctx(&report),
            previews => previews(body, &chosen),
            channels => channel_choices(&channels, &content.channel_ids),
            jobs => jobs_ctx,
            failed => jobs.iter().filter(|j| j.state == crate::store::PublicationState::Failed).count(),
            versions => versions_ctx,
            trail => trail_ctx,
            now_local => crate::clock::beijing(now).format("%Y-%m-%dT%H:%M").to_string(),
        },
        StatusCode::OK,
    ))
}

/// `2026-12-01T09:30` (the browser's datetime-local) in Beijing time.
fn parse_beijing(s: &str) -> Option<DateTime<Utc>> {
    let t = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M"))
        .ok()?;
    let offset = chrono::FixedOffset::east_opt(8 * 3600)?;
    Some(t.and_local_timezone(offset).single()?.with_timezone(&Utc))
}

/// The workflow buttons of the content page.
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    publishers_only(&user)?;
    user.check_csrf(field(&pairs, "csrf"))?;
    let back = format!("/contents/{id}");
    let now = state.clock.now();
    let d = desk(&state)?;
    let a = &user.actor;
    let done = match action.as_str() {
        "submit" => d
            .submit(a, id, &ids(&pairs, "channel"), now)
            .await
            .map(|report| match report.warnings().count() {
                0 => "已提交审核".to_string(),
                n => format!("已提交审核（有 {n} 条提示，审核人会看到）"),
            }),
        "approve" => d
            .approve(a, id, now)
            .await
            .map(|_| "已审核通过".to_string()),
        "reject" => d
            .reject(a, id, field(&pairs, "reason").unwrap_or(""), now)
            .await
            .map(|_| "已驳回".to_string()),
        "schedule" => {
            let at = match field(&pairs, "when") {
                Some("at") => match field(&pairs, "at").and_then(parse_beijing) {
                    Some(t) => Some(t),
                    None => {
                        return Ok(error_page(
                            &state,
                            StatusCode::BAD_REQUEST,
                            "请填写有效的发布时间（北京时间）",
                            &back,
                        ));
                    }
                },
                _ => None,
            };
            d.schedule(a, id, at, now).await.map(|_| match at {
                Some(t) if t > now => format!("已定时于 {} 发布", present::full_time(t)),
                _ => "已安排立即发布".to_string(),
            })
        }
        "retry" => d
            .retry_failed(a, id, now)
            .await
            .map(|n| format!("已重新排队 {n} 个失败的渠道")),
        _ => return Err(ApiError::NotFound("没有这个操作".into())),
    };
    match done {
        Ok(message) => Ok(back_ok(&back, &message)),
        Err(e) => Ok(refused(&state, e, &back)),
    }
}

// ------------------------------------------------------------ channels ---

pub async fn channels_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(flash): Query<Flash>,
) -> Result<Response, ApiError> {
    publishers_only(&user)?;
    show_channels(&state, &user, flash, StatusCode::OK).await
}

async fn show_channels(
    state: &AppState,
    user: &CurrentUser,
    flash: Flash,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let store = state.pipeline.store();
    let channels = store.syn_channels().await?;
    let now = state.clock.now();
    // Callback URLs: absolute when the public address is configured.
    let base = state
        .syndication
        .public_url
        .as_deref()
        .map_or("", |u| u.trim_end_matches('/'));
    let mut rows = Vec::with_capacity(channels.len());
    for c in &channels {
        let a = &c.account;
        // When the secret last changed, and when the system last refreshed
        // the token: from the audit log, never the values.
        let trail = store.audit_trail("channel", a.id).await?;
        let last = |action: &str| {
            trail
                .iter()
                .rev()
                .find(|e| e.action == action)
                .map(|e| present::full_time(e.at))
        };
        let secret_at = last("channel.secret");
        let s = &a.settings;
        rows.push(minijinja::context! {
            id => a.id,
            name => &a.name,
            kind => a.kind.as_str(),
            kind_zh => a.kind.zh(),
            enabled => a.enabled,
            paused => a.paused_until.filter(|t| *t > now).map(present::full_time),
            secret_set => c.secret.is_some(),
            secret_at,
            video => a.kind.needs_video(),
            refresh_set => c.refresh_token.is_some(),
            refresh_expires => c.refresh_expires_at.map(present::full_time),
            refreshed_at => last("channel.token_refresh"),
            app_secret_set => c.app_secret.is_some(),
            review_hook => (a.kind == ChannelKind::Bilibili)
                .then_some(state.syndication.key.as_deref())
                .flatten()
                .map(|k| format!("{base}{}", crate::syndicate::review_hooks::bilibili_path(k, a.id))),
            api_base => &s.api_base,
            url => &s.url,
            app_id => &s.app_id,
            author => &s.author,
            safe_domain => &s.safe_domain,
            site_url => &s.site_url,
            feeds => (a.kind == ChannelKind::Website).then(|| format!("/feeds/{}/", a.id)),
            open_id => &s.open_id,
            category => s.category,
            paths => s.paths.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n"),
        });
    }
    let kinds: Vec<_> = ChannelKind::ALL
        .into_iter()
        .map(|k| {
            minijinja::context! {
                value => k.as_str(),
                zh => k.zh(),
                example => unified_name(&state.syndication.college, None, k),
            }
        })
        .collect();
    Ok(render(
        state,
        "channels.html",
        minijinja::context! {
            user => user_ctx(user),
            csrf => &user.csrf,
            nav => "channels",
            flash => ser(&flash),
            admin => user.actor.has(crate::review::Role::Admin),
            college => &state.syndication.college,
            key_set => state.syndication.key.is_some(),
            public_url => !base.is_empty(),
            channels => rows,
            kinds,
        },
        status,
    ))
}

/// The channel form's settings; a bad Bilibili partition or step line is
/// refused with a message naming the field (shown by `bad_channel_form`).
fn settings_of(pairs: &[(String, String)]) -> Result<ChannelSettings, String> {
    let opt = |k: &str| field(pairs, k).map(str::to_string);
    let category = match field(pairs, "category") {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| format!("分区（B站）应为数字，而不是「{c}」"))?,
        ),
        None => None,
    };
    let mut paths = std::collections::BTreeMap::new();
    for line in field(pairs, "paths").unwrap_or("").lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((step, path)) if !step.trim().is_empty() && !path.trim().is_empty() => {
                paths.insert(step.trim().to_string(), path.trim().to_string());
            }
            _ => return Err(format!("接口路径「{line}」应写成 步骤=路径或地址")),
        }
    }
    Ok(ChannelSettings {
        api_base: opt("api_base"),
        url: opt("url"),
        app_id: opt("app_id"),
        author: opt("author"),
        safe_domain: opt("safe_domain"),
        site_url: opt("site_url"),
        open_id: opt("open_id"),
        category,
        paths,
    })
}

fn bad_channel_form(state: &AppState, message: &str) -> Response {
    error_page(state, StatusCode::BAD_REQUEST, message, "/channels")
}

/// Shown when channel secrets cannot be sealed: no key configured.
fn no_key(state: &AppState) -> Response {
    error_page(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "服务器未配置密钥，无法保存渠道密钥：请用 yuqing secret-key generate 生成密钥，设置 YUQING_SECRET_KEY 或 syndicate.secret_key_file 后重启",
        "/channels",
    )
}

pub async fn add_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    user.check_csrf(field(&pairs, "csrf"))?;
    let Some(key) = state.syndication.key.as_deref() else {
        return Ok(no_key(&state));
    };
    let Some(kind) = field(&pairs, "kind").and_then(|k| k.parse::<ChannelKind>().ok()) else {
        return Ok(error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "请选择平台",
            "/channels",
        ));
    };
    let name = field(&pairs, "name").unwrap_or("");
    let settings = match settings_of(&pairs) {
        Ok(s) => s,
        Err(message) => return Ok(bad_channel_form(&state, &message)),
    };
    let new = crate::syndicate::NewChannel {
        college: &state.syndication.college,
        name,
        kind,
        settings: &settings,
        secret: field(&pairs, "secret"),
        refresh_token: field(&pairs, "refresh_token"),
        app_secret: field(&pairs, "app_secret"),
    };
    match crate::syndicate::register_channel(
        state.pipeline.store(),
        key,
        &new,
        Some(user.user.id),
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(back_ok("/channels", &format!("已添加账号 {name}"))),
        Err(e) => Ok(refused(&state, e, "/channels")),
    }
}

pub async fn change_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    user.check_csrf(field(&pairs, "csrf"))?;
    let name = field(&pairs, "name").unwrap_or("");
    let settings = match settings_of(&pairs) {
        Ok(s) => s,
        Err(message) => return Ok(bad_channel_form(&state, &message)),
    };
    let update = crate::syndicate::ChannelUpdate {
        college: &state.syndication.college,
        id,
        name,
        settings: &settings,
        enabled: field(&pairs, "enabled").is_some(),
    };
    match crate::syndicate::update_channel(
        state.pipeline.store(),
        &update,
        Some(user.user.id),
        state.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(back_ok("/channels", &format!("已保存账号 {name}"))),
        Err(e) => Ok(refused(&state, e, "/channels")),
    }
}

pub async fn change_secret(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    user.check_csrf(field(&pairs, "csrf"))?;
    let Some(key) = state.syndication.key.as_deref() else {
        return Ok(no_key(&state));
    };
    // Which credential the form replaces (default: the secret).
    let (which, done) = match field(&pairs, "which") {
        Some("refresh_token") => (Credential::RefreshToken, "刷新令牌已更新"),
        Some("app_secret") => (Credential::AppSecret, "应用密钥已更新"),
        _ => (Credential::Secret, "密钥已更新"),
    };
    match crate::syndicate::set_channel_credential(
        state.pipeline.store(),
        key,
        id,
        which,
        field(&pairs, "secret").unwrap_or(""),
        Some(user.user.id),
        state.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(back_ok("/channels", done)),
        Err(e) => Ok(refused(&state, e, "/channels")),
    }
}

// ------------------------------------------------------ review hooks ---

/// `POST /hooks/bilibili/{channel}/{tag}`: Bilibili's review verdict on an
/// archive we submitted. Answers `{"code":0}` once understood, also for an
/// archive we do not know (the platform would only call again); a wrong
/// tag is 404, an unreadable body 400.
pub async fn bilibili_review(
    State(state): State<AppState>,
    Path((channel, tag)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    use crate::syndicate::review_hooks;
    let missing = || ApiError::NotFound("没有这个回调地址".into());
    let key = state.syndication.key.as_deref().ok_or_else(missing)?;
    if !review_hooks::tag_matches(key, channel, &tag) {
        return Err(missing());
    }
    let store = state.pipeline.store();
    match store.syn_channel(channel).await? {
        Some(c) if c.account.kind == ChannelKind::Bilibili => {}
        _ => return Err(missing()),
    }
    let verdict =
        review_hooks::parse_bilibili(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if let Some(v) = &verdict {
        let job = review_hooks::apply(store, channel, v, state.clock.now()).await?;
        tracing::info!(channel, resource = %v.resource_id, passed = v.passed, job = ?job, "Bilibili review verdict");
    }
    Ok(axum::Json(serde_json::json!({"code": 0, "message": "0"})).into_response())
}

// --------------------------------------------------------------- feeds ---

/// `/feeds/{channel}/rss.xml|atom.xml|feed.json`: what a website channel
/// published, for anyone (no sign-in).
pub async fn feed(
    State(state): State<AppState>,
    Path((channel, file)): Path<(i64, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    use crate::syndicate::feed::{FeedInfo, FeedItem, atom, json_feed, rss};
    let missing = || ApiError::NotFound("没有这个订阅源".into());
    let kind = match file.as_str() {
        "rss.xml" => "application/rss+xml; charset=utf-8",
        "atom.xml" => "application/atom+xml; charset=utf-8",
        "feed.json" => "application/feed+json; charset=utf-8",
        _ => return Err(missing()),
    };
    let store = state.pipeline.store();
    let ch = store.syn_channel(channel).await?.ok_or_else(missing)?;
    if ch.account.kind != ChannelKind::Website || !ch.account.enabled {
        return Err(missing());
    }
    let site = ch.account.settings.site_url.clone().unwrap_or_default();
    let info = FeedInfo {
        title: ch.account.name.clone(),
        home_url: site.clone(),
        feed_url: format!("{}/feeds/{channel}/{file}", public_base(&state, &headers)),
        description: format!("{}发布的内容", ch.account.name),
    };
    let items: Vec<FeedItem> = store
        .syn_published_on(channel, FEED_ITEMS)
        .await?
        .iter()
        .map(|p| FeedItem::from_publication(p, &site))
        .collect();
    let body = match file.as_str() {
        "rss.xml" => rss(&info, &items),
        "atom.xml" => atom(&info, &items),
        _ => json_feed(&info, &items),
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_times_are_beijing() {
        let t = parse_beijing("2026-12-01T09:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T01:30:00+00:00");
        assert!(parse_beijing("明天").is_none());
    }
}
