//! The demo source site on loopback: the college's website (学校要闻 in
//! UTF-8, 通知公告 in GBK), a Discuz-style forum, a local news site's RSS
//! feed, and Weibo- and Bilibili-shaped JSON APIs — the shapes the crawler's
//! `html`, `feed` and `json` (presets `weibo`, `bilibili`) sources read in
//! real deployments, served from [`Content`].

use super::content::{Content, Item, at};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub const NEWS_PER_PAGE: usize = 8;
pub const FORUM_PER_PAGE: usize = 10;
pub const WEIBO_PER_PAGE: usize = 10;
pub const BILIBILI_PER_PAGE: usize = 10;
/// What the demo searches Weibo and Bilibili for.
pub const KEYWORD: &str = "示例职业技术学院";

/// A running demo site; stops when dropped or on [`DemoSite::stop`].
pub struct DemoSite {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    stop: watch::Sender<bool>,
}

impl DemoSite {
    /// Serve `content` on `listener`, with times relative to `now`.
    pub fn spawn(listener: TcpListener, content: Arc<Content>, now: DateTime<Utc>) -> DemoSite {
        let base = match listener.local_addr() {
            Ok(a) => format!("http://{a}"),
            Err(_) => "http://127.0.0.1".to_string(),
        };
        let (stop, mut rx) = watch::channel(false);
        let app = router(Arc::new(Site {
            content,
            now,
            base: base.clone(),
        }));
        tokio::spawn(async move {
            let stopped = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::error!(error = %e, "demo site stopped");
            }
        });
        DemoSite { base, stop }
    }

    pub fn stop(&self) {
        self.stop.send_replace(true);
    }
}

impl Drop for DemoSite {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Site {
    content: Arc<Content>,
    now: DateTime<Utc>,
    base: String,
}

type S = State<Arc<Site>>;

fn router(site: Arc<Site>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .route("/news/{file}", get(news))
        .route("/tzgg/{file}", get(notices))
        .route("/bbs/{file}", get(forum))
        .route("/rss/edu.xml", get(feed))
        .route("/media/{file}", get(media))
        .route("/api/container/getIndex", get(weibo))
        .route("/comments/hotflow", get(weibo_comments))
        .route("/x/web-interface/wbi/search/type", get(bilibili))
        .route("/x/v2/reply/wbi/main", get(bilibili_replies))
        .with_state(site)
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// The content never changes while the site runs: every page was last
/// modified when it started, and a crawler that says it has that version
/// gets `304 Not Modified` (the crawler's incremental path).
fn cached(site: &Site, request: &HeaderMap, ctype: &'static str, body: Vec<u8>) -> Response {
    let modified = site.now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let fresh = request
        .get(header::IF_MODIFIED_SINCE)
        .is_some_and(|v| v.as_bytes() == modified.as_bytes());
    if fresh {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::LAST_MODIFIED, modified)],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::LAST_MODIFIED, modified),
        ],
        body,
    )
        .into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "404 Not Found").into_response()
}

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

fn paragraphs(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", esc(l.trim())))
        .collect()
}

/// The items of page `n` (from 1), or `None` past the end (page 1 always exists).
fn page(items: &[Item], n: usize, per: usize) -> Option<&[Item]> {
    let start = n.checked_sub(1)? * per;
    (start < items.len() || n == 1)
        .then(|| &items[start.min(items.len())..(start + per).min(items.len())])
}

fn pages(items: &[Item], per: usize) -> usize {
    items.len().div_ceil(per).max(1)
}

async fn index() -> Response {
    let mut out = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>演示数据源</title></head><body>\
         <h1>yuqing 演示数据源（示例职业技术学院）</h1><ul>\
         <li><a href=\"/news/list.htm\">学校要闻</a>（UTF-8）</li>\
         <li><a href=\"/tzgg/list.htm\">通知公告</a>（GBK）</li>\
         <li><a href=\"/bbs/forum-2-1.html\">校园论坛</a></li>\
         <li><a href=\"/rss/edu.xml\">示例市新闻网教育频道 RSS</a></li>",
    );
    let _ = write!(
        out,
        "<li><a href=\"{}\">微博搜索接口</a></li><li><a href=\"{}\">B站搜索接口</a></li></ul></body></html>",
        esc(&weibo_search_path()),
        esc(&bilibili_search_path())
    );
    html(out)
}

/// The Weibo search the demo's source asks for.
pub fn weibo_search_path() -> String {
    format!(
        "/api/container/getIndex?containerid=100103type%3D1%26q%3D{}&page_type=searchall",
        url_encode(KEYWORD)
    )
}

/// The Bilibili video search the demo's source asks for.
pub fn bilibili_search_path() -> String {
    format!(
        "/x/web-interface/wbi/search/type?search_type=video&keyword={}&order=pubdate",
        url_encode(KEYWORD)
    )
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---- the college website: 学校要闻 (UTF-8) and 通知公告 (GBK) ----

struct Section<'a> {
    name: &'a str,
    dir: &'a str,
    charset: &'a str,
}

/// `list.htm`, `list2.htm` … → the page number.
fn list_number(file: &str) -> Option<usize> {
    let n = file.strip_prefix("list")?.strip_suffix(".htm")?;
    if n.is_empty() {
        Some(1)
    } else {
        n.parse().ok()
    }
}

fn list_name(n: usize) -> String {
    if n == 1 {
        "list.htm".into()
    } else {
        format!("list{n}.htm")
    }
}

fn cms_list(site: &Site, sec: &Section<'_>, items: &[Item], n: usize) -> Option<String> {
    let shown = page(items, n, NEWS_PER_PAGE)?;
    let mut lis = String::new();
    for i in shown {
        let _ = write!(
            lis,
            "<li><a href=\"{}.htm\" title=\"{t}\">{t}</a><span class=\"news_meta\">{}</span></li>",
            esc(&i.id),
            at(site.now, i.ago).format("%Y-%m-%d"),
            t = esc(&i.title),
        );
    }
    let total = pages(items, NEWS_PER_PAGE);
    let next = if n < total {
        format!("<a class=\"next\" href=\"{}\">下一页</a>", list_name(n + 1))
    } else {
        String::new()
    };
    Some(format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={cs}\">\
         <title>{name} - 示例职业技术学院</title></head><body>\
         <div class=\"header\">示例职业技术学院</div><div class=\"nav\">首页 &gt; {name}</div>\
         <div class=\"col_list\"><ul class=\"news_list\">{lis}</ul></div>\
         <div class=\"pages\">第 {n}/{total} 页 {next}</div>\
         <div class=\"footer\">版权所有 © 示例职业技术学院</div></body></html>",
        cs = sec.charset,
        name = sec.name,
    ))
}

fn cms_detail(site: &Site, sec: &Section<'_>, item: &Item) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={cs}\">\
         <title>{t} - 示例职业技术学院</title></head><body>\
         <div class=\"header\">示例职业技术学院</div>\
         <div class=\"nav\">首页 &gt; <a href=\"/{dir}/list.htm\">{name}</a> &gt; 正文</div>\
         <div class=\"article\"><h1 class=\"arti_title\">{t}</h1>\
         <p class=\"arti_metas\"><span class=\"arti_update\">发布时间：{time}</span> \
         <span class=\"arti_publisher\">作者：{author}</span> <span class=\"arti_views\">浏览次数：{views}</span></p>\
         <div class=\"wp_articlecontent\">{body}</div></div>\
         <div class=\"footer\">版权所有 © 示例职业技术学院</div></body></html>",
        cs = sec.charset,
        dir = sec.dir,
        name = sec.name,
        t = esc(&item.title),
        time = at(site.now, item.ago).format("%Y-%m-%d %H:%M"),
        author = esc(&item.author),
        views = item.views,
        body = paragraphs(&item.text),
    )
}

fn cms_page(site: &Site, sec: &Section<'_>, items: &[Item], file: &str) -> Option<String> {
    if let Some(n) = list_number(file) {
        return cms_list(site, sec, items, n);
    }
    let id = file.strip_suffix(".htm")?;
    items
        .iter()
        .find(|i| i.id == id)
        .map(|i| cms_detail(site, sec, i))
}

async fn news(State(site): S, Path(file): Path<String>, request: HeaderMap) -> Response {
    let sec = Section {
        name: "学校要闻",
        dir: "news",
        charset: "utf-8",
    };
    match cms_page(&site, &sec, &site.content.news, &file) {
        Some(body) => cached(&site, &request, "text/html; charset=utf-8", body.into()),
        None => not_found(),
    }
}

/// The old CMS: GBK, declared in the header and in `<meta>`.
async fn notices(State(site): S, Path(file): Path<String>, request: HeaderMap) -> Response {
    let sec = Section {
        name: "通知公告",
        dir: "tzgg",
        charset: "gbk",
    };
    match cms_page(&site, &sec, &site.content.notices, &file) {
        Some(body) => cached(
            &site,
            &request,
            "text/html; charset=gbk",
            encoding_rs::GBK.encode(&body).0.into_owned(),
        ),
        None => not_found(),
    }
}

// ---- the forum (Discuz-style URLs) ----

async fn forum(State(site): S, Path(file): Path<String>, request: HeaderMap) -> Response {
    let threads = &site.content.forum;
    // forum-2-N.html: the board's list page N; thread-ID-1-1.html: a thread.
    if let Some(n) = file
        .strip_prefix("forum-2-")
        .and_then(|r| r.strip_suffix(".html"))
        .and_then(|n| n.parse::<usize>().ok())
    {
        let Some(shown) = page(threads, n, FORUM_PER_PAGE) else {
            return not_found();
        };
        let mut rows = String::new();
        for t in shown {
            let _ = write!(
                rows,
                "<tbody id=\"normalthread_{id}\"><tr><th class=\"common\">\
                 <a href=\"thread-{id}-1-1.html\" class=\"s xst\">{title}</a></th>\
                 <td class=\"by\"><cite>{author}</cite><em>{date}</em></td>\
                 <td class=\"num\"><a class=\"xi2\">{replies}</a><em>{views}</em></td></tr></tbody>",
                id = esc(&t.id),
                title = esc(&t.title),
                author = esc(&t.author),
                date = at(site.now, t.ago).format("%Y-%m-%d"),
                replies = t.comments,
                views = t.views,
            );
        }
        let next = if n < pages(threads, FORUM_PER_PAGE) {
            format!(
                "<a href=\"forum-2-{}.html\" class=\"nxt\">下一页</a>",
                n + 1
            )
        } else {
            String::new()
        };
        let body = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>校园茶馆 - 示例职院论坛</title></head><body>\
             <div id=\"pt\">示例职院论坛 › 校园茶馆</div><table id=\"threadlist\">{rows}</table>\
             <div class=\"pg\">{next}</div></body></html>"
        );
        return cached(&site, &request, "text/html; charset=utf-8", body.into());
    }
    let Some(t) = file
        .strip_prefix("thread-")
        .and_then(|r| r.strip_suffix("-1-1.html"))
        .and_then(|id| threads.iter().find(|t| t.id == id))
    else {
        return not_found();
    };
    let mut floors = format!(
        "<div class=\"post first\" id=\"post_1\"><div class=\"authi\"><a class=\"xw1\">{author}</a> \
         <em class=\"post-time\">发表于 {time}</em></div><div class=\"t_f\">{body}</div>\
         <div class=\"ratings\">浏览 {views} · 回复 {replies} · 点赞 {likes}</div></div>",
        author = esc(&t.author),
        time = at(site.now, t.ago).format("%Y-%m-%d %H:%M"),
        body = paragraphs(&t.text),
        views = t.views,
        replies = t.comments,
        likes = t.likes,
    );
    for (k, r) in t.replies.iter().enumerate() {
        let _ = write!(
            floors,
            "<div class=\"post reply\" id=\"post_{floor}\"><div class=\"authi\"><a class=\"xw1\">{author}</a> \
             <em class=\"post-time\">发表于 {time}</em></div><div class=\"t_f\">{body}</div></div>",
            floor = k + 2,
            author = esc(&r.author),
            time = at(site.now, r.ago).format("%Y-%m-%d %H:%M"),
            body = esc(&r.text),
        );
    }
    html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title} - 示例职院论坛</title></head><body>\
         <div id=\"pt\">示例职院论坛 › <a href=\"forum-2-1.html\">校园茶馆</a></div>\
         <h1 id=\"thread_subject\">{title}</h1><div id=\"postlist\">{floors}</div></body></html>",
        title = esc(&t.title),
    ))
}

// ---- the local news site's RSS feed ----

async fn feed(State(site): S, request: HeaderMap) -> Response {
    let mut items = String::new();
    for i in &site.content.feed {
        let _ = writeln!(
            items,
            "<item><title>{title}</title><link>{base}/media/{id}.html</link>\
             <guid isPermaLink=\"false\">{id}</guid><pubDate>{date}</pubDate>\
             <dc:creator>{author}</dc:creator><category>教育</category>\
             <description><![CDATA[{body}]]></description></item>",
            title = esc(&i.title),
            base = site.base,
            id = esc(&i.id),
            date = at(site.now, i.ago).to_rfc2822(),
            author = esc(&i.author),
            body = paragraphs(&i.text),
        );
    }
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>\
         <title>示例市新闻网 - 教育</title><link>{base}/media/</link>\
         <description>示例市新闻网教育频道</description><language>zh-cn</language>\n{items}</channel></rss>",
        base = site.base
    );
    cached(
        &site,
        &request,
        "application/rss+xml; charset=utf-8",
        body.into(),
    )
}

async fn media(State(site): S, Path(file): Path<String>) -> Response {
    let Some(i) = file
        .strip_suffix(".html")
        .and_then(|id| site.content.feed.iter().find(|i| i.id == id))
    else {
        return not_found();
    };
    html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t} - 示例市新闻网</title></head><body>\
         <h1>{t}</h1><p class=\"info\">{time} 来源：{a}</p><div class=\"content\">{body}</div></body></html>",
        t = esc(&i.title),
        time = at(site.now, i.ago).format("%Y-%m-%d %H:%M"),
        a = esc(&i.author),
        body = paragraphs(&i.text),
    ))
}

// ---- Weibo (m.weibo.cn shapes) ----

/// `[怒]` as Weibo renders an emoticon, `#话题#` as a topic link.
fn weibo_html(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(['[', '#']) {
        out.push_str(&esc(&rest[..start]));
        let tail = &rest[start..];
        let close = if tail.starts_with('[') { ']' } else { '#' };
        match tail[1..].find(close) {
            Some(end) if end > 0 && end <= 30 => {
                let inner = &tail[1..1 + end];
                if close == ']' {
                    let _ = write!(
                        out,
                        "<span class=\"url-icon\"><img alt=\"[{e}]\" src=\"https://h5.sinaimg.cn/m/emoticon/icon/default/{e}.png\" style=\"width:1em; height:1em;\" /></span>",
                        e = esc(inner)
                    );
                } else {
                    let _ = write!(
                        out,
                        "<a href=\"https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23{q}%23\"><span class=\"surl-text\">#{t}#</span></a>",
                        q = url_encode(inner),
                        t = esc(inner)
                    );
                }
                rest = &tail[end + 2..];
            }
            _ => {
                out.push_str(&esc(&tail[..1]));
                rest = &tail[1..];
            }
        }
    }
    out.push_str(&esc(rest));
    out
}

fn weibo_time(site: &Site, ago: f64) -> String {
    at(site.now, ago)
        .format("%a %b %d %H:%M:%S %z %Y")
        .to_string()
}

fn mblog(site: &Site, i: &Item, k: usize) -> Value {
    json!({"card_type": 9, "itemid": format!("seqid:{k}"), "scheme": format!("https://m.weibo.cn/status/{}", i.id),
        "mblog": {
        "id": i.id, "idstr": i.id, "mid": i.id, "bid": format!("P{}", &i.id[i.id.len().saturating_sub(6)..]),
        "created_at": weibo_time(site, i.ago), "text": weibo_html(&i.text),
        "source": if i.author.starts_with("示例") { "微博 weibo.com" } else { "iPhone客户端" },
        "region_name": "发布于 浙江", "reposts_count": i.reposts, "comments_count": i.comments,
        "attitudes_count": i.likes, "pic_num": 0, "isLongText": false,
        "user": {"id": 7_000_000_000u64 + k as u64, "screen_name": i.author,
                 "followers_count": if i.author.starts_with("示例") { "12.6万" } else { "356" },
                 "verified": i.author.starts_with("示例"), "verified_type": if i.author.starts_with("示例") { 1 } else { -1 }}
    }})
}

async fn weibo(State(site): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let posts = &site.content.weibo;
    // since_id is the id of the last post of the previous page.
    let start = match q.get("since_id") {
        None => 0,
        Some(id) => match posts.iter().position(|p| &p.id == id) {
            Some(k) => k + 1,
            None => posts.len(),
        },
    };
    if start >= posts.len() && q.contains_key("since_id") {
        return axum::Json(json!({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}))
            .into_response();
    }
    let end = (start + WEIBO_PER_PAGE).min(posts.len());
    let mut cards: Vec<Value> = posts[start..end]
        .iter()
        .enumerate()
        .map(|(k, p)| mblog(&site, p, start + k))
        .collect();
    if start == 0 {
        // Real result pages mix in cards that are not posts.
        cards.insert(
            1,
            json!({"card_type": 11, "card_group": [{"card_type": 4, "desc": "大家都在搜：示例职院 食堂"}]}),
        );
    }
    let mut info = json!({"total": posts.len(), "page_size": WEIBO_PER_PAGE});
    if end < posts.len() {
        info["since_id"] = json!(posts[end - 1].id);
    }
    axum::Json(json!({"ok": 1, "data": {"cardlistInfo": info, "cards": cards}})).into_response()
}

async fn weibo_comments(State(site): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let post = q
        .get("id")
        .and_then(|id| site.content.weibo.iter().find(|p| &p.id == id))
        .filter(|p| !p.replies.is_empty());
    let Some(post) = post else {
        return axum::Json(json!({"ok": 0, "msg": "快来发表你的意见吧"})).into_response();
    };
    let data: Vec<Value> = post
        .replies
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let id = format!("{}{:02}", post.id, k + 1);
            json!({"id": id, "idstr": id, "rootid": id, "text": weibo_html(&r.text),
                   "created_at": weibo_time(&site, r.ago), "like_count": r.likes, "total_number": 0,
                   "source": "来自浙江", "user": {"id": 8_000_000_000u64 + k as u64, "screen_name": r.author}})
        })
        .collect();
    axum::Json(json!({"ok": 1, "data": {"data": data, "total_number": post.comments, "max_id": 0, "max_id_type": 0}}))
        .into_response()
}

// ---- Bilibili (API envelope and search / reply shapes) ----

async fn bilibili(State(site): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let videos = &site.content.bilibili;
    let n: usize = q
        .get("pn")
        .or_else(|| q.get("page"))
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let shown = page(videos, n, BILIBILI_PER_PAGE).unwrap_or(&[]);
    let result: Vec<Value> = shown
        .iter()
        .enumerate()
        .map(|(k, v)| {
            json!({"type": "video", "id": v.aid, "aid": v.aid, "bvid": v.id, "title": v.title,
                   "description": v.text, "author": v.author, "mid": 300_000 + k as u64,
                   "arcurl": format!("http://www.bilibili.com/video/{}", v.id),
                   "pic": "//i0.hdslb.com/bfs/archive/demo.jpg", "play": v.views, "video_review": v.views / 50,
                   "favorites": v.likes / 3, "review": v.comments, "like": v.likes, "duration": "3:42",
                   "pubdate": at(site.now, v.ago).timestamp(), "tag": "示例职院,大学生活"})
        })
        .collect();
    axum::Json(json!({"code": 0, "message": "0", "ttl": 1, "data": {
        "page": n, "pagesize": BILIBILI_PER_PAGE, "numResults": videos.len(),
        "numPages": pages(videos, BILIBILI_PER_PAGE), "result": result}}))
    .into_response()
}

async fn bilibili_replies(State(site): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let video = q
        .get("oid")
        .and_then(|oid| oid.parse::<u64>().ok())
        .and_then(|oid| site.content.bilibili.iter().find(|v| v.aid == Some(oid)));
    let replies: Value = match video {
        Some(v) if !v.replies.is_empty() => v
            .replies
            .iter()
            .enumerate()
            .map(|(k, r)| {
                json!({"rpid": v.aid.unwrap_or(0) * 100 + k as u64 + 1, "oid": v.aid, "type": 1, "parent": 0,
                       "ctime": at(site.now, r.ago).timestamp(), "like": r.likes, "rcount": 0,
                       "member": {"mid": (600_000 + k).to_string(), "uname": r.author},
                       "content": {"message": r.text}})
            })
            .collect(),
        _ => Value::Null,
    };
    axum::Json(json!({"code": 0, "message": "0", "ttl": 1, "data": {"replies": replies}}))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weibo_text_renders_emoticons_and_topics() {
        let h = weibo_html("#示例职院# 太气人了[怒] a<b");
        assert!(h.contains("alt=\"[怒]\""), "{h}");
        assert!(
            h.contains("<span class=\"surl-text\">#示例职院#</span>"),
            "{h}"
        );
        assert!(h.ends_with("a&lt;b"), "{h}");
        assert_eq!(weibo_html("[未闭合"), "[未闭合");
    }

    #[test]
    fn list_pages_are_numbered() {
        assert_eq!(list_number("list.htm"), Some(1));
        assert_eq!(list_number("list3.htm"), Some(3));
        assert_eq!(list_number("n2026101.htm"), None);
        assert_eq!(list_name(2), "list2.htm");
    }
}
