//! A local site for crawler tests, on 127.0.0.1:0: campus pages in UTF-8 and
//! GBK, a forum, RSS/Atom feeds, Weibo- and Bilibili-shaped JSON APIs, and
//! every misbehaviour the crawler must survive.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
pub struct Hits(Arc<Mutex<HashMap<String, usize>>>);

impl Hits {
    fn hit(&self, key: &str) -> usize {
        let mut m = self.0.lock().unwrap();
        let n = m.entry(key.to_string()).or_default();
        *n += 1;
        *n
    }
    pub fn get(&self, key: &str) -> usize {
        self.0.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

pub struct FixtureSite {
    pub base: String,
    pub hits: Hits,
}

/// Start the site on a free loopback port.
pub async fn spawn() -> FixtureSite {
    let hits = Hits::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(hits.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    FixtureSite { base, hits }
}

fn router(hits: Hits) -> Router {
    Router::new()
        .route("/robots.txt", get(robots))
        .route("/campus/{page}", get(campus))
        .route("/private/{page}", get(private))
        .route("/gbk/{page}", get(gbk))
        .route("/forum/page/{n}", get(forum))
        .route("/auto/{page}", get(auto))
        .route("/malformed/{page}", get(malformed))
        .route("/feed/{name}", get(feed))
        .route("/api/container/getIndex", get(weibo))
        .route("/comments/hotflow", get(weibo_comments))
        .route("/x/space/wbi/arc/search", get(bili))
        .route("/x/v2/reply/wbi/main", get(bili_replies))
        .route(
            "/redirect/feed",
            get(|| async { Redirect::temporary("/feed/moved.xml") }),
        )
        .route("/loop/a", get(|| async { Redirect::temporary("/loop/b") }))
        .route("/loop/b", get(|| async { Redirect::temporary("/loop/a") }))
        .route("/slow", get(slow))
        .route("/huge", get(huge))
        .route(
            "/error500",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .layer(axum::middleware::from_fn_with_state(
            hits.clone(),
            count_hits,
        ))
        .with_state(hits)
}

async fn count_hits(
    State(hits): State<Hits>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    hits.hit(req.uri().path());
    if let Some(c) = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
    {
        hits.hit(&format!("cookie:{c}"));
    }
    next.run(req).await
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn gbk_bytes(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

/// 304 when the request's validators match.
fn conditional(
    headers: &HeaderMap,
    etag: Option<&str>,
    last_modified: &str,
    ctype: &str,
    body: Vec<u8>,
) -> Response {
    let inm = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let ims = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok());
    let fresh = match (etag, inm) {
        (Some(e), Some(got)) => e == got,
        _ => ims == Some(last_modified),
    };
    let mut h = HeaderMap::new();
    if let Some(e) = etag {
        h.insert(header::ETAG, HeaderValue::from_str(e).unwrap());
    }
    h.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_str(last_modified).unwrap(),
    );
    if fresh {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ctype).unwrap());
    (h, body).into_response()
}

const LM: &str = "Wed, 18 Mar 2026 02:00:00 GMT";

async fn robots() -> &'static str {
    "User-agent: *\nDisallow: /private/\n"
}

fn detail(title: &str, body: &str, time: &str, author: &str) -> String {
    format!(
        "<html><head><title>{title}</title></head><body><div class=\"nav\">首页 &gt; 新闻</div>\
         <h1 class=\"title\">{title}</h1><div class=\"info\"><span class=\"time\">{time}</span> \
         <span class=\"author\">{author}</span> 点击量：100</div>\
         <div class=\"content\"><p>{body}</p></div><div class=\"footer\">版权所有</div></body></html>"
    )
}

async fn campus(Path(page): Path<String>, headers: HeaderMap) -> Response {
    let body = match page.as_str() {
        "list.html" => "<html><head><meta charset=\"utf-8\"><title>学校新闻</title></head><body><ul class=\"news\">\
             <li><a href=\"a1.html\">我校举办春季运动会</a><span>2026-03-18</span></li>\
             <li><a href=\"/campus/a2.html\">食堂饭菜质量引发学生不满</a><span>2026-03-19</span></li>\
             <li><a href=\"/private/secret.html\">内部通知</a></li>\
             </ul><a class=\"next\" href=\"list_2.html\">下一页</a></body></html>"
            .to_string(),
        "list_2.html" => "<html><body><ul class=\"news\"><li><a href=\"a3.html\">图书馆延长开放时间</a></li></ul></body></html>"
            .to_string(),
        "a1.html" => detail("我校举办春季运动会", "春季运动会在东区体育场隆重开幕，全校师生踊跃参加。", "发布时间：2026-03-18 10:00", "作者：宣传部"),
        "a2.html" => detail("食堂饭菜质量引发学生不满", "多名学生反映第二食堂饭菜变质，食用后出现腹泻症状。", "发布时间：2026-03-19 09:30", "作者：张三"),
        "a3.html" => detail("图书馆延长开放时间", "考试周期间图书馆开放至晚上十一点。", "发布时间：2026年3月10日 08:00", "来源：图书馆"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if page.starts_with("list") {
        let etag = format!("\"{page}-v1\"");
        return conditional(
            &headers,
            Some(&etag),
            LM,
            "text/html; charset=utf-8",
            body.into_bytes(),
        );
    }
    html(body)
}

async fn private(Path(page): Path<String>) -> Response {
    match page.as_str() {
        "secret.html" => html(detail(
            "内部通知",
            "仅限内部人员阅读。",
            "2026-03-18",
            "作者：办公室",
        )),
        "list.html" => {
            html("<ul class=\"news\"><li><a href=\"secret.html\">内部通知</a></li></ul>".into())
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// GBK pages: the list declares its charset in <meta> only; the detail
/// page declares nothing at all.
async fn gbk(Path(page): Path<String>) -> Response {
    let text = match page.as_str() {
        "list.html" => "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>通知公告</title></head>\
             <body><ul class=\"news\"><li><a href=\"g1.html\">学生宿舍停水三天无人处理</a></li></ul></body></html>"
            .to_string(),
        "g1.html" => detail(
            "学生宿舍停水三天无人处理",
            "宿舍楼停水已经三天，后勤部门至今没有答复，同学们非常气愤。",
            "2026年3月17日 08:00",
            "作者：李四",
        )
        .replace("<html>", "<html><!-- 没有字符集声明 -->"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, "text/html")], gbk_bytes(&text)).into_response()
}

async fn forum(Path(n): Path<u32>) -> Response {
    let threads: Vec<(u32, &str, &str, &str, &str)> = match n {
        1 => vec![
            (
                101,
                "宿舍空调坏了一周没人修",
                "报修三次了还是没人来，热得睡不着。",
                "2026-03-18 22:15",
                "楼主：小王",
            ),
            (
                102,
                "求推荐学校附近的自习室",
                "图书馆座位太难抢了。",
                "2026-03-18 20:00",
                "楼主：小李",
            ),
        ],
        2 => vec![(
            103,
            "社团招新啦",
            "摄影社欢迎新同学加入。",
            "2026-03-17 12:00",
            "楼主：摄影社",
        )],
        _ => vec![],
    };
    let items: String = threads
        .iter()
        .map(|(id, t, b, time, user)| {
            format!(
                "<div class=\"thread\"><a class=\"subject\" href=\"/forum/t/{id}\">{t}</a>\
                 <div class=\"body\">{b}</div><span class=\"date\">{time}</span><span class=\"user\">{user}</span></div>"
            )
        })
        .collect();
    html(format!(
        "<html><body><h1>校园论坛</h1>{items}</body></html>"
    ))
}

async fn auto(Path(page): Path<String>) -> Response {
    match page.as_str() {
        "list.html" => {
            html("<ul class=\"news\"><li><a href=\"x1.html\">学术报告</a></li></ul>".into())
        }
        "x1.html" => html(
            "<html><head><title>人工智能学术报告会举行</title></head><body>\
             <p>3月18日下午，人工智能学术报告会在图书馆报告厅举行。</p>\
             <p>来自多所高校的专家学者参加了本次会议。</p></body></html>"
                .into(),
        ),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn malformed(Path(page): Path<String>) -> Response {
    match page.as_str() {
        "list.html" => html("<html><body><ul class=news><li><a href=m1.html>坏页面<li><a href='m2.html'>第二条</ul".into()),
        "m1.html" => html("<h1 class=title>标签没有闭合的页面</h1><div class=content><p>正文段落没有闭合<p>第二段</div".into()),
        "m2.html" => html("<html><h1 class=title>第二条</h1><div class=content><p>内容&nbsp;正常</p>".into()),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>校园新闻</title><link>http://example.edu.cn/</link><description>新闻</description>
<item><title>我校学子在数学建模竞赛中获奖</title><link>http://example.edu.cn/news/1001.html</link><guid>news-1001</guid>
<pubDate>Wed, 18 Mar 2026 02:00:00 GMT</pubDate><dc:creator>教务处</dc:creator>
<description><![CDATA[<p>在全国大学生<b>数学建模</b>竞赛中，我校代表队获得一等奖。</p>]]></description></item>
<item><title>实验室安全检查通报</title><link>http://example.edu.cn/news/1002.html</link><guid>news-1002</guid>
<pubDate>Tue, 17 Mar 2026 01:00:00 GMT</pubDate>
<description>部分实验室存在安全隐患，已责令整改。</description></item>
</channel></rss>"#;

const RSS_GBK: &str = r#"<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0"><channel><title>学院通知</title><link>http://example.edu.cn/</link><description>通知</description>
<item><title>关于调整作息时间的通知</title><link>http://example.edu.cn/notice/7.html</link><guid>notice-7</guid>
<pubDate>Mon, 16 Mar 2026 00:00:00 GMT</pubDate><author>学院办公室</author>
<description>自下周一起，上午第一节课调整为八点十分开始。</description></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>校友动态</title><id>urn:alumni</id><updated>2026-03-18T10:00:00+08:00</updated>
<entry><title>校友返校日活动安排</title><id>urn:alumni:1</id><link href="http://example.edu.cn/alumni/1"/>
<published>2026-03-18T09:00:00+08:00</published><updated>2026-03-18T09:00:00+08:00</updated>
<author><name>校友会</name></author><content type="html">&lt;p&gt;欢迎广大校友回母校参观。&lt;/p&gt;</content></entry>
<entry><title>校友捐赠仪式举行</title><id>urn:alumni:2</id><link href="http://example.edu.cn/alumni/2"/>
<published>2026-03-15T15:30:00+08:00</published><updated>2026-03-15T15:30:00+08:00</updated>
<summary>一位校友向学校捐赠图书一万册。</summary></entry>
</feed>"#;

const MOVED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>搬家</title><link>http://x/</link><description>d</description>
<item><title>新闻中心网址变更</title><link>http://example.edu.cn/moved/1</link><guid>moved-1</guid><description>新闻中心启用新网址。</description></item>
</channel></rss>"#;

const FLAKY: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>限流</title><link>http://x/</link><description>d</description>
<item><title>限流之后的新闻</title><link>http://example.edu.cn/flaky/1</link><guid>flaky-1</guid><description>服务器恢复后返回的内容。</description></item>
</channel></rss>"#;

async fn feed(Path(name): Path<String>, State(hits): State<Hits>, headers: HeaderMap) -> Response {
    match name.as_str() {
        "rss.xml" => conditional(
            &headers,
            Some("\"rss-v1\""),
            LM,
            "application/rss+xml; charset=utf-8",
            RSS.into(),
        ),
        "gbk.xml" => conditional(
            &headers,
            None,
            LM,
            "application/rss+xml",
            gbk_bytes(RSS_GBK),
        ),
        "atom.xml" => conditional(&headers, None, LM, "application/atom+xml", ATOM.into()),
        "moved.xml" => ([(header::CONTENT_TYPE, "application/rss+xml")], MOVED).into_response(),
        "invalid.xml" => (
            [(header::CONTENT_TYPE, "application/rss+xml")],
            "this is { not a feed",
        )
            .into_response(),
        "flaky.xml" => {
            if hits.hit("flaky-served") == 1 {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "1")],
                    "slow down",
                )
                    .into_response()
            } else {
                ([(header::CONTENT_TYPE, "application/rss+xml")], FLAKY).into_response()
            }
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn mblog(id: &str, text: &str, created: &str, counts: (Value, Value, Value), user: &str) -> Value {
    json!({"card_type": 9, "mblog": {
        "id": id, "mid": id, "bid": format!("B{id}"), "text": text, "created_at": created,
        "reposts_count": counts.0, "comments_count": counts.1, "attitudes_count": counts.2,
        "region_name": "发布于 浙江", "source": "iPhone客户端",
        "user": {"id": 1, "screen_name": user, "followers_count": 10, "verified": false}
    }})
}

async fn weibo(Query(q): Query<HashMap<String, String>>) -> Response {
    let v = match q.get("since_id").map(String::as_str) {
        None => json!({"ok": 1, "data": {
        "cardlistInfo": {"since_id": 4999, "total": 3},
        "cards": [
            mblog("5001", "食堂饭菜里吃出虫子<span class=\"url-icon\"><img alt=\"[怒]\" src=\"x.png\"></span>，学校管不管？<a href=\"/n/学生会\">@学生会</a>",
                  "Tue Mar 18 10:00:00 +0800 2026", (json!(12), json!(30), json!(100)), "学生甲"),
            {"card_type": 11, "card_group": [{"card_type": 4, "desc": "推荐"}]},
            mblog("5002", "今天的樱花真好看", "Wed Mar 18 12:00:00 +0800 2026", (json!(1), json!(0), json!("1.2万")), "学生乙"),
        ]}}),
        Some("4999") => json!({"ok": 1, "data": {
            "cardlistInfo": {"total": 3},
            "cards": [mblog("4998", "图书馆座位太少，天天抢不到", "Mon Mar 16 08:00:00 +0800 2026", (json!(0), json!(2), json!(8)), "学生丙")]}}),
        Some(_) => json!({"ok": 0, "msg": "这里还没有内容"}),
    };
    axum::Json(v).into_response()
}

async fn weibo_comments(Query(q): Query<HashMap<String, String>>) -> Response {
    let v = match q.get("id").map(String::as_str) {
        Some("5001") => json!({"ok": 1, "data": {"data": [
            {"id": "c5001-1", "text": "确实太恶心了<img alt=\"[吐]\">", "created_at": "Tue Mar 18 11:00:00 +0800 2026",
             "like_count": 5, "total_number": 0, "rootid": "c5001-1", "user": {"screen_name": "学生丁"}},
            {"id": "c5001-2", "text": "已经向后勤反映", "created_at": "Tue Mar 18 11:30:00 +0800 2026",
             "like_count": 2, "total_number": 0, "rootid": "c5001-2", "user": {"screen_name": "学生戊"}}
        ], "max_id": 0}}),
        _ => json!({"ok": 0, "msg": "快来发表你的意见吧"}),
    };
    axum::Json(v).into_response()
}

fn video(aid: u64, bvid: &str, title: &str, desc: &str, created: i64, comment: u64) -> Value {
    json!({"aid": aid, "bvid": bvid, "title": title, "description": desc, "created": created,
           "length": "03:20", "pic": "http://i0.hdslb.com/x.jpg", "author": "校团委", "comment": comment, "play": 1000})
}

async fn bili(Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("mid").map(String::as_str) == Some("412") {
        return axum::Json(json!({"code": -412, "message": "请求被拦截", "ttl": 1}))
            .into_response();
    }
    let vlist = match q.get("pn").map(String::as_str) {
        Some("1") | None => vec![
            video(
                1001,
                "BV1aa411",
                "校园宣传片《青春》",
                "我们的大学，我们的青春",
                1_773_799_200,
                2,
            ),
            video(
                1002,
                "BV1bb411",
                "毕业典礼回顾",
                "2025届毕业典礼精彩瞬间",
                1_773_712_800,
                0,
            ),
        ],
        Some("2") => vec![video(
            1003,
            "BV1cc411",
            "新生入学指南",
            "报到流程全介绍",
            1_773_626_400,
            0,
        )],
        _ => vec![],
    };
    axum::Json(json!({"code": 0, "message": "0", "ttl": 1, "data": {
        "list": {"tlist": {}, "vlist": vlist}, "page": {"pn": 1, "ps": 30, "count": 3}}}))
    .into_response()
}

async fn bili_replies(Query(q): Query<HashMap<String, String>>) -> Response {
    let replies = match q.get("oid").map(String::as_str) {
        Some("1001") => json!([
            {"rpid": 9001, "parent": 0, "ctime": 1_773_802_800i64, "content": {"message": "拍得真好，想回学校了"},
             "member": {"mid": "7", "uname": "校友A"}, "like": 3, "rcount": 0},
            {"rpid": 9002, "parent": 0, "ctime": 1_773_806_400i64, "content": {"message": "宿舍条件什么时候改善"},
             "member": {"mid": "8", "uname": "在校生B"}, "like": 9, "rcount": 1}
        ]),
        _ => Value::Null,
    };
    axum::Json(json!({"code": 0, "message": "0", "data": {"replies": replies}})).into_response()
}

/// Trickles a few bytes at a time, far below any sane throughput.
async fn slow() -> Response {
    let stream = futures_util::stream::unfold(0u32, |n| async move {
        if n >= 100 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        Some((
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"<p>slow</p>")),
            n + 1,
        ))
    });
    (
        [(header::CONTENT_TYPE, "text/html")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// 3 MiB without a Content-Length, so only streaming can notice.
async fn huge() -> Response {
    let stream = futures_util::stream::iter(
        (0..48).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'a'; 64 * 1024]))),
    );
    (
        [(header::CONTENT_TYPE, "text/html")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A many-page campus news site for crash tests: `pages` list pages of
/// [`MANY_PER_PAGE`] detail pages each, every detail page answering after
/// 30–50 ms. Detail pages numbered `held_from` and above wait until
/// [`ManySite::release`] is called, so a crawl can never finish before the
/// test has done what it wanted mid-way.
pub struct ManySite {
    pub base: String,
    pub total: usize,
    gate: Arc<tokio::sync::watch::Sender<bool>>,
}

pub const MANY_PER_PAGE: usize = 10;

impl ManySite {
    /// Let the held detail pages answer.
    pub fn release(&self) {
        self.gate.send_replace(true);
    }

    pub fn detail_url(&self, id: usize) -> String {
        format!("{}/many/d/{id}.html", self.base)
    }
}

#[derive(Clone)]
struct ManyState {
    pages: usize,
    held_from: usize,
    gate: Arc<tokio::sync::watch::Sender<bool>>,
}

pub async fn spawn_many(pages: usize, held_from: usize) -> ManySite {
    let (gate, _) = tokio::sync::watch::channel(false);
    let gate = Arc::new(gate);
    let state = ManyState {
        pages,
        held_from,
        gate: gate.clone(),
    };
    let app = Router::new()
        .route("/many/{page}", get(many_list))
        .route("/many/d/{id}", get(many_detail))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    ManySite {
        base,
        total: pages * MANY_PER_PAGE,
        gate,
    }
}

fn number(segment: &str) -> Option<usize> {
    segment.strip_suffix(".html")?.parse().ok()
}

async fn many_list(Path(n): Path<String>, State(s): State<ManyState>) -> Response {
    let Some(n) = n
        .strip_prefix("list_")
        .and_then(number)
        .filter(|n| (1..=s.pages).contains(n))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let first = (n - 1) * MANY_PER_PAGE + 1;
    let items: String = (first..first + MANY_PER_PAGE)
        .map(|id| {
            format!(
                "<li><a href=\"/many/d/{id}.html\">{}</a></li>",
                many_title(id)
            )
        })
        .collect();
    let next = if n < s.pages {
        format!("<a class=\"next\" href=\"list_{}.html\">下一页</a>", n + 1)
    } else {
        String::new()
    };
    html(format!(
        "<html><body><ul class=\"news\">{items}</ul>{next}</body></html>"
    ))
}

fn many_title(id: usize) -> String {
    // Every 7th page is a repost of the one before it (same story, its own
    // URL), so events with two posts exist.
    let story = if id.is_multiple_of(7) { id - 1 } else { id };
    if story.is_multiple_of(5) {
        format!("第{story}号：食堂饭菜变质多名学生腹泻")
    } else {
        format!("第{story}号：学院举办学术交流活动")
    }
}

fn many_body(id: usize) -> String {
    let story = if id.is_multiple_of(7) { id - 1 } else { id };
    if story.is_multiple_of(5) {
        format!(
            "第{story}号报道：多名学生反映第二食堂饭菜变质，食用后出现腹泻呕吐症状，\
             有同学已经住院治疗，学生们对后勤管理非常愤怒，要求学校给个说法。"
        )
    } else {
        const WHO: [&str; 7] = [
            "计算机学院",
            "外国语学院",
            "机械工程学院",
            "经济管理学院",
            "艺术学院",
            "图书馆",
            "校团委",
        ];
        const WHAT: [&str; 6] = [
            "邀请兄弟院校专家开展学术交流，围绕人才培养与科学研究进行了深入讨论",
            "组织青年志愿者走进社区，为老人提供义诊和手机使用培训",
            "举办春季篮球联赛决赛，体育馆内座无虚席，加油声此起彼伏",
            "开展毕业设计中期检查，指导教师逐一点评学生的研究进展",
            "举行读书分享会，同学们交流了阅读经典著作的心得体会",
            "承办大学生创新创业大赛校赛，二十支队伍进入决赛路演",
        ];
        format!(
            "第{story}号报道：{}{}，师生{}人参加。",
            WHO[story % WHO.len()],
            WHAT[(story / WHO.len()) % WHAT.len()],
            story * 3 + 20
        )
    }
}

async fn many_detail(Path(id): Path<String>, State(s): State<ManyState>) -> Response {
    let Some(id) = number(&id).filter(|id| (1..=s.pages * MANY_PER_PAGE).contains(id)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if id >= s.held_from {
        let mut rx = s.gate.subscribe();
        let _ = rx.wait_for(|open| *open).await;
    }
    tokio::time::sleep(Duration::from_millis(30 + (id as u64 * 7) % 21)).await;
    html(detail(
        &many_title(id),
        &many_body(id),
        &format!("发布时间：2026-03-{:02} 10:00", 1 + id % 28),
        "作者：宣传部",
    ))
}
