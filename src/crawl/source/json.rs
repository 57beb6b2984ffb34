//! `kind = "json"`: an HTTP JSON API read through a field mapping, with
//! cursor or page-number paging, presets for Weibo (m.weibo.cn) and
//! Bilibili following their real response shapes, and optionally each new
//! post's comments as posts of their own.

use super::{RunCtx, SourceError, invalid};
use crate::config::ConfigError;
use crate::crawl::text::{html_to_text, title_from_text};
use crate::crawl::time::{from_unix, parse_time};
use crate::model::{Channel, Metrics};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Weibo,
    Bilibili,
}

/// Where each field of a post is in an item. Paths are dotted
/// (`user.screen_name`, `pics.0.url`); `a|b` takes the first present.
/// `url` may instead be a template like `https://m.weibo.cn/detail/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    pub id: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub time: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub reposts: Option<String>,
    pub comments: Option<String>,
    pub likes: Option<String>,
}

impl FieldMap {
    /// `self` where set, else `base`.
    fn or(&self, base: &FieldMap) -> FieldMap {
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        FieldMap {
            id: pick(&self.id, &base.id),
            title: pick(&self.title, &base.title),
            text: pick(&self.text, &base.text),
            time: pick(&self.time, &base.time),
            author: pick(&self.author, &base.author),
            url: pick(&self.url, &base.url),
            reposts: pick(&self.reposts, &base.reposts),
            comments: pick(&self.comments, &base.comments),
            likes: pick(&self.likes, &base.likes),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JsonConfig {
    /// `weibo` or `bilibili`: every key below gets the platform's default.
    pub preset: Option<Preset>,
    /// Path of the item array, e.g. `data.cards`.
    pub items: Option<String>,
    /// Keep only items where a path has a value: `card_type=9`.
    pub item_filter: Option<String>,
    /// The post inside each item, e.g. `mblog`.
    pub item_path: Option<String>,
    pub fields: FieldMap,
    /// Success check of the envelope: `ok=1`, `code=0`.
    pub success: Option<String>,
    /// Path of the error message when the check fails.
    pub message: Option<String>,
    /// Path of the next page's cursor in a response …
    pub cursor: Option<String>,
    /// … and the query parameter that sends it back.
    pub cursor_param: Option<String>,
    /// Or a page-number query parameter (`page`, `pn`) …
    pub page_param: Option<String>,
    /// … starting at this number (default 1).
    pub page_start: Option<u32>,
    /// Pages per run (default 1, or 3 with paging).
    pub max_pages: Option<u32>,
    /// Also fetch each new post's comments as posts of their own.
    pub comments: bool,
    /// Comment list URL template, relative to the source URL: `/comments/hotflow?id={id}`.
    pub comments_url: Option<String>,
    /// Path of the comment array in that response.
    pub comments_items: Option<String>,
    pub comment_fields: FieldMap,
}

/// A dotted path with alternatives.
#[derive(Debug, Clone)]
pub struct JsonPath(Vec<Vec<String>>);

impl JsonPath {
    pub fn parse(s: &str) -> Result<JsonPath, String> {
        let alts: Vec<Vec<String>> = s
            .split('|')
            .map(|alt| {
                alt.trim()
                    .split('.')
                    .map(|seg| seg.trim().to_string())
                    .collect()
            })
            .collect();
        if alts
            .iter()
            .any(|a: &Vec<String>| a.iter().any(String::is_empty))
        {
            return Err(format!("invalid path '{s}': empty segment"));
        }
        Ok(JsonPath(alts))
    }

    pub fn get<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.0.iter().find_map(|alt| {
            let mut cur = v;
            for seg in alt {
                cur = match cur {
                    Value::Object(m) => m.get(seg)?,
                    Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                    _ => return None,
                };
            }
            (!cur.is_null()).then_some(cur)
        })
    }

    pub fn string(&self, v: &Value) -> Option<String> {
        scalar(self.get(v)?)
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f.max(0.0) as u64)),
        // Weibo writes large counts as "100万+".
        Value::String(s) => {
            let s = s.trim().trim_end_matches('+');
            if let Some(w) = s.strip_suffix('万') {
                w.parse::<f64>().ok().map(|f| (f * 10_000.0) as u64)
            } else {
                s.parse().ok()
            }
        }
        _ => None,
    }
}

/// `{path}` placeholders filled from an item.
#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<(String, Option<JsonPath>)>,
}

impl Template {
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed '{{' in '{s}'"))?
                + open;
            parts.push((
                rest[..open].to_string(),
                Some(JsonPath::parse(&rest[open + 1..close])?),
            ));
            rest = &rest[close + 1..];
        }
        parts.push((rest.to_string(), None));
        Ok(Template { parts })
    }

    pub fn render(&self, item: &Value) -> Option<String> {
        let mut out = String::new();
        for (lit, path) in &self.parts {
            out.push_str(lit);
            if let Some(p) = path {
                out.push_str(&p.string(item)?);
            }
        }
        Some(out)
    }
}

#[derive(Debug, Clone)]
enum UrlField {
    Path(JsonPath),
    Template(Template),
}

#[derive(Debug, Clone)]
struct Mapping {
    id: JsonPath,
    title: Option<JsonPath>,
    text: JsonPath,
    time: Option<JsonPath>,
    author: Option<JsonPath>,
    url: Option<UrlField>,
    reposts: Option<JsonPath>,
    comments: Option<JsonPath>,
    likes: Option<JsonPath>,
}

#[derive(Debug, Clone)]
enum Paging {
    None,
    Cursor { path: JsonPath, param: String },
    Page { param: String, start: u32 },
}

#[derive(Debug)]
pub struct JsonSource {
    items: JsonPath,
    filter: Option<(JsonPath, String)>,
    item_path: Option<JsonPath>,
    fields: Mapping,
    success: Option<(JsonPath, String)>,
    message: Option<JsonPath>,
    paging: Paging,
    max_pages: u32,
    comments: Option<Comments>,
}

#[derive(Debug)]
struct Comments {
    url: Template,
    items: JsonPath,
    fields: Mapping,
}

struct Preset_ {
    items: &'static str,
    filter: Option<&'static str>,
    item_path: Option<&'static str>,
    fields: FieldMap,
    success: &'static str,
    message: &'static str,
    cursor: Option<(&'static str, &'static str)>,
    page_param: Option<&'static str>,
    comments_url: &'static str,
    comments_items: &'static str,
    comment_fields: FieldMap,
    channel: Channel,
}

fn fm(pairs: &[(&str, &str)]) -> FieldMap {
    let mut f = FieldMap::default();
    for (k, v) in pairs {
        let v = Some(v.to_string());
        match *k {
            "id" => f.id = v,
            "title" => f.title = v,
            "text" => f.text = v,
            "time" => f.time = v,
            "author" => f.author = v,
            "url" => f.url = v,
            "reposts" => f.reposts = v,
            "comments" => f.comments = v,
            "likes" => f.likes = v,
            _ => unreachable!("preset field {k}"),
        }
    }
    f
}

fn preset(p: Preset) -> Preset_ {
    match p {
        // data-shapes.md: {"ok":1,"data":{"cards":[{"card_type":9,"mblog":{…}}],
        // "cardlistInfo":{"since_id":…}}}; comments via /comments/hotflow.
        Preset::Weibo => Preset_ {
            items: "data.cards",
            filter: Some("card_type=9"),
            item_path: Some("mblog"),
            fields: fm(&[
                ("id", "id|idstr|mid"),
                ("text", "text"),
                ("time", "created_at"),
                ("author", "user.screen_name"),
                ("url", "https://m.weibo.cn/detail/{id|idstr|mid}"),
                ("reposts", "reposts_count"),
                ("comments", "comments_count"),
                ("likes", "attitudes_count"),
            ]),
            success: "ok=1",
            message: "msg|message",
            cursor: Some(("data.cardlistInfo.since_id", "since_id")),
            page_param: None,
            comments_url: "/comments/hotflow?id={id|idstr|mid}&mid={mid|id}&max_id_type=0",
            comments_items: "data.data",
            comment_fields: fm(&[
                ("id", "id|idstr"),
                ("text", "text"),
                ("time", "created_at"),
                ("author", "user.screen_name"),
                ("likes", "like_count|like_counts"),
                ("comments", "total_number"),
            ]),
            channel: Channel::Weibo,
        },
        // data-shapes.md: {"code":0,"message":"0","data":{"list":{"vlist":[…]}}} for
        // uploads (`created`), or video details (`pubdate`, `stat`); replies via
        // /x/v2/reply/wbi/main → data.replies[]{rpid, ctime, content.message, member.uname, like}.
        Preset::Bilibili => Preset_ {
            items: "data.list.vlist|data.result|data.archives|data.items",
            filter: None,
            item_path: None,
            fields: fm(&[
                ("id", "bvid|aid|id_str"),
                ("title", "title"),
                ("text", "description|desc|modules.module_dynamic.desc.text"),
                ("time", "created|pubdate|ctime|modules.module_author.pub_ts"),
                ("author", "author|owner.name|modules.module_author.name"),
                ("url", "https://www.bilibili.com/video/{bvid|aid}"),
                ("reposts", "stat.share|modules.module_stat.forward.count"),
                (
                    "comments",
                    "comment|stat.reply|modules.module_stat.comment.count",
                ),
                ("likes", "like|stat.like|modules.module_stat.like.count"),
            ]),
            success: "code=0",
            message: "message|msg",
            cursor: None,
            page_param: Some("pn"),
            comments_url: "/x/v2/reply/wbi/main?oid={aid}&type=1&mode=3",
            comments_items: "data.replies",
            comment_fields: fm(&[
                ("id", "rpid|rpid_str"),
                ("text", "content.message"),
                ("time", "ctime"),
                ("author", "member.uname"),
                ("likes", "like"),
                ("comments", "rcount"),
            ]),
            channel: Channel::Bilibili,
        },
    }
}

fn check(v: &Option<String>) -> Result<Option<(JsonPath, String)>, String> {
    v.as_deref()
        .map(|s| {
            let (p, val) = s
                .split_once('=')
                .ok_or_else(|| format!("expected PATH=VALUE, got '{s}'"))?;
            Ok((JsonPath::parse(p)?, val.trim().to_string()))
        })
        .transpose()
}

fn mapping(source: &str, key: &str, f: &FieldMap) -> Result<Mapping, ConfigError> {
    let path = |field: &str, v: &Option<String>| {
        v.as_deref()
            .map(JsonPath::parse)
            .transpose()
            .map_err(|m| invalid(source, &format!("{key}.{field}"), m))
    };
    let required = |field: &str, v: &Option<String>| {
        path(field, v)?.ok_or_else(|| {
            invalid(
                source,
                &format!("{key}.{field}"),
                "required (or use a preset)",
            )
        })
    };
    let url = match f.url.as_deref() {
        Some(u) if u.contains('{') => Some(UrlField::Template(
            Template::parse(u).map_err(|m| invalid(source, &format!("{key}.url"), m))?,
        )),
        Some(u) => Some(UrlField::Path(
            JsonPath::parse(u).map_err(|m| invalid(source, &format!("{key}.url"), m))?,
        )),
        None => None,
    };
    Ok(Mapping {
        id: required("id", &f.id)?,
        title: path("title", &f.title)?,
        text: required("text", &f.text)?,
        time: path("time", &f.time)?,
        author: path("author", &f.author)?,
        url,
        reposts: path("reposts", &f.reposts)?,
        comments: path("comments", &f.comments)?,
        likes: path("likes", &f.likes)?,
    })
}

impl JsonConfig {
    /// The built source and the channel its posts belong to by default.
    pub fn build(&self, source: &str) -> Result<(JsonSource, Channel), ConfigError> {
        let p = self.preset.map(preset);
        let bad = |field: &'static str| move |m: String| invalid(source, field, m);
        let s = |own: &Option<String>, pre: Option<&'static str>| {
            own.clone().or_else(|| pre.map(str::to_string))
        };
        let items = s(&self.items, p.as_ref().map(|p| p.items))
            .ok_or_else(|| invalid(source, "items", "required (or use a preset)"))?;
        let items = JsonPath::parse(&items).map_err(bad("items"))?;
        let filter = check(&s(&self.item_filter, p.as_ref().and_then(|p| p.filter)))
            .map_err(bad("item_filter"))?;
        let item_path = s(&self.item_path, p.as_ref().and_then(|p| p.item_path))
            .map(|x| JsonPath::parse(&x))
            .transpose()
            .map_err(bad("item_path"))?;
        let fields = match &p {
            Some(p) => self.fields.or(&p.fields),
            None => self.fields.clone(),
        };
        let fields = mapping(source, "fields", &fields)?;
        let success =
            check(&s(&self.success, p.as_ref().map(|p| p.success))).map_err(bad("success"))?;
        let message = s(&self.message, p.as_ref().map(|p| p.message))
            .map(|x| JsonPath::parse(&x))
            .transpose()
            .map_err(bad("message"))?;
        let own_paging = self.cursor.is_some() || self.page_param.is_some();
        let paging = if self.cursor.is_some() && self.page_param.is_some() {
            return Err(invalid(
                source,
                "page_param",
                "use either cursor or page_param, not both",
            ));
        } else if let Some(c) = &self.cursor {
            let param = self
                .cursor_param
                .clone()
                .ok_or_else(|| invalid(source, "cursor_param", "required with cursor"))?;
            Paging::Cursor {
                path: JsonPath::parse(c).map_err(bad("cursor"))?,
                param,
            }
        } else if let Some(param) = &self.page_param {
            Paging::Page {
                param: param.clone(),
                start: self.page_start.unwrap_or(1),
            }
        } else if let (false, Some(p)) = (own_paging, &p) {
            match (p.cursor, p.page_param) {
                (Some((path, param)), _) => Paging::Cursor {
                    path: JsonPath::parse(path).expect("preset path"),
                    param: self
                        .cursor_param
                        .clone()
                        .unwrap_or_else(|| param.to_string()),
                },
                (None, Some(param)) => Paging::Page {
                    param: param.to_string(),
                    start: self.page_start.unwrap_or(1),
                },
                (None, None) => Paging::None,
            }
        } else {
            Paging::None
        };
        let max_pages =
            self.max_pages
                .unwrap_or(if matches!(paging, Paging::None) { 1 } else { 3 });
        if max_pages == 0 {
            return Err(invalid(source, "max_pages", "must be at least 1"));
        }
        let comments = if self.comments {
            let url = s(&self.comments_url, p.as_ref().map(|p| p.comments_url))
                .ok_or_else(|| invalid(source, "comments_url", "required with comments = true"))?;
            let url = Template::parse(&url).map_err(bad("comments_url"))?;
            let items =
                s(&self.comments_items, p.as_ref().map(|p| p.comments_items)).ok_or_else(|| {
                    invalid(source, "comments_items", "required with comments = true")
                })?;
            let cf = match &p {
                Some(p) => self.comment_fields.or(&p.comment_fields),
                None => self.comment_fields.clone(),
            };
            Some(Comments {
                url,
                items: JsonPath::parse(&items).map_err(bad("comments_items"))?,
                fields: mapping(source, "comment_fields", &cf)?,
            })
        } else {
            None
        };
        let channel = p.as_ref().map(|p| p.channel).unwrap_or(Channel::News);
        Ok((
            JsonSource {
                items,
                filter,
                item_path,
                fields,
                success,
                message,
                paging,
                max_pages,
                comments,
            },
            channel,
        ))
    }
}

/// One post read from an item.
struct Mapped {
    id: String,
    url: Option<String>,
    title: String,
    text: String,
    author: Option<String>,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
    metrics: Option<Metrics>,
}

fn map_item(
    m: &Mapping,
    item: &Value,
    base: &str,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Option<Mapped> {
    let id = m.id.string(item)?;
    let text = html_to_text(&m.text.string(item).unwrap_or_default());
    let title = m
        .title
        .as_ref()
        .and_then(|p| p.string(item))
        .map(|t| html_to_text(&t))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| title_from_text(&text, 40));
    let published_at = m
        .time
        .as_ref()
        .and_then(|p| p.get(item))
        .and_then(|v| match v {
            Value::Number(n) => n.as_i64().and_then(from_unix),
            Value::String(s) => parse_time(s, now),
            _ => None,
        });
    let url = match &m.url {
        Some(UrlField::Path(p)) => p.string(item),
        Some(UrlField::Template(t)) => t.render(item),
        None => None,
    }
    .and_then(|u| RunCtx::resolve(base, &u));
    let c = |p: &Option<JsonPath>| p.as_ref().and_then(|p| p.get(item)).and_then(count);
    let (reposts, comments, likes) = (c(&m.reposts), c(&m.comments), c(&m.likes));
    let metrics = (reposts.is_some() || comments.is_some() || likes.is_some()).then(|| Metrics {
        reposts: reposts.unwrap_or(0),
        comments: comments.unwrap_or(0),
        likes: likes.unwrap_or(0),
    });
    Some(Mapped {
        id,
        url,
        title,
        text,
        author: m
            .author
            .as_ref()
            .and_then(|p| p.string(item))
            .filter(|a| !a.trim().is_empty()),
        published_at,
        metrics,
    })
}

/// `url` with the query parameter `name` set to `value`.
pub fn with_param(url: &str, name: &str, value: &str) -> String {
    let Ok(mut u) = Url::parse(url) else {
        return url.to_string();
    };
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(name, value);
    u.to_string()
}

impl JsonSource {
    /// Fetch and check one response; `Ok(None)` for 304.
    async fn get_json(
        &self,
        ctx: &mut RunCtx<'_>,
        url: &str,
        conditional: bool,
    ) -> Result<Option<Value>, SourceError> {
        let Some(page) = ctx.fetch(url, conditional).await? else {
            return Ok(None);
        };
        let text = ctx.decode(&page);
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| SourceError::Parse(format!("不是有效的 JSON：{e}")))?;
        if let Some((path, want)) = &self.success {
            let got = path.string(&v).unwrap_or_default();
            if &got != want {
                let msg = self
                    .message
                    .as_ref()
                    .and_then(|m| m.string(&v))
                    .unwrap_or_default();
                return Err(SourceError::Api(format!(
                    "{} = {got}（应为 {want}）{}",
                    path.0[0].join("."),
                    if msg.is_empty() {
                        String::new()
                    } else {
                        format!("：{msg}")
                    }
                )));
            }
        }
        Ok(Some(v))
    }

    fn items<'v>(&self, v: &'v Value) -> Vec<&'v Value> {
        let Some(Value::Array(arr)) = self.items.get(v) else {
            return Vec::new();
        };
        arr.iter()
            .filter(|it| {
                self.filter
                    .as_ref()
                    .is_none_or(|(p, want)| p.string(it).as_deref() == Some(want.as_str()))
            })
            .filter_map(|it| match &self.item_path {
                Some(p) => p.get(it),
                None => Some(it),
            })
            .collect()
    }

    pub async fn run(&self, ctx: &mut RunCtx<'_>) -> Result<(), SourceError> {
        let base = ctx.source.url.to_string();
        let mut url = match &self.paging {
            Paging::Page { param, start } => with_param(&base, param, &start.to_string()),
            _ => base.clone(),
        };
        for page_no in 0..self.max_pages {
            let v = match self.get_json(ctx, &url, page_no == 0).await {
                Ok(Some(v)) => v,
                Ok(None) => break,
                Err(e) if page_no == 0 => return Err(e),
                // Weibo answers the page after the last with ok = 0: the end.
                Err(SourceError::Api(_)) => break,
                Err(e) => {
                    ctx.item_error(&format!("第 {} 页", page_no + 1), e);
                    break;
                }
            };
            let items = self.items(&v);
            if items.is_empty() {
                break;
            }
            let mut any_new = false;
            for item in items {
                if ctx.full() {
                    return Ok(());
                }
                let Some(m) = map_item(&self.fields, item, &base, ctx.now) else {
                    ctx.item_error("条目", "缺少 id 字段");
                    continue;
                };
                if ctx.cursor.is_seen(&m.id) {
                    ctx.stats.skipped += 1;
                    continue;
                }
                any_new = true;
                let id = m.id.clone();
                let mut post = ctx.post(m.id);
                post.url = m.url;
                post.title = m.title;
                post.text = m.text;
                post.author = m.author;
                post.published_at = m.published_at;
                post.metrics = m.metrics;
                ctx.ingest(&post, &id).await?;
                if let Some(c) = &self.comments {
                    self.fetch_comments(ctx, c, item, &id, &base).await?;
                }
            }
            if !any_new {
                break;
            }
            url = match &self.paging {
                Paging::None => break,
                Paging::Cursor { path, param } => match path.string(&v) {
                    Some(c) if !c.is_empty() && c != "0" => with_param(&base, param, &c),
                    _ => break,
                },
                Paging::Page { param, start } => {
                    with_param(&base, param, &(start + page_no + 1).to_string())
                }
            };
        }
        Ok(())
    }

    async fn fetch_comments(
        &self,
        ctx: &mut RunCtx<'_>,
        c: &Comments,
        item: &Value,
        parent: &str,
        base: &str,
    ) -> Result<(), SourceError> {
        let Some(url) = c.url.render(item).and_then(|u| RunCtx::resolve(base, &u)) else {
            ctx.item_error(parent, "无法生成评论地址");
            return Ok(());
        };
        let v = match self.get_json(ctx, &url, false).await {
            Ok(Some(v)) => v,
            Ok(None) => return Ok(()),
            Err(SourceError::Store(e)) => return Err(SourceError::Store(e)),
            // Weibo answers ok = 0 for a post without comments.
            Err(SourceError::Api(m)) => {
                tracing::debug!(parent, message = %m, "no comments");
                return Ok(());
            }
            Err(e) => {
                ctx.item_error(&format!("评论 {parent}"), e);
                return Ok(());
            }
        };
        let Some(Value::Array(list)) = c.items.get(&v) else {
            return Ok(());
        };
        for it in list {
            if ctx.full() {
                break;
            }
            let Some(m) = map_item(&c.fields, it, base, ctx.now) else {
                continue;
            };
            let key = format!("comment:{}", m.id);
            if ctx.cursor.is_seen(&key) {
                ctx.stats.skipped += 1;
                continue;
            }
            let mut post = ctx.post(m.id);
            post.url = m.url;
            post.title = m.title;
            post.text = m.text;
            post.author = m.author;
            post.published_at = m.published_at;
            post.metrics = m.metrics;
            post.parent_external_id = Some(parent.to_string());
            ctx.ingest(&post, &key).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_with_alternatives_and_indexes() {
        let v = json!({"a": {"b": [10, {"c": "x"}]}, "n": null});
        assert_eq!(
            JsonPath::parse("a.b.1.c").unwrap().string(&v).as_deref(),
            Some("x")
        );
        assert_eq!(
            JsonPath::parse("n|a.b.0").unwrap().string(&v).as_deref(),
            Some("10")
        );
        assert!(JsonPath::parse("a..b").is_err());
        let t = Template::parse("https://x/{a.b.1.c}/{missing|a.b.0}").unwrap();
        assert_eq!(t.render(&v).as_deref(), Some("https://x/x/10"));
    }

    #[test]
    fn counts_and_params() {
        assert_eq!(count(&json!("1.5万+")), Some(15_000));
        assert_eq!(count(&json!(12)), Some(12));
        assert_eq!(
            with_param("http://h/a?x=1&pn=1", "pn", "2"),
            "http://h/a?x=1&pn=2"
        );
    }

    #[test]
    fn presets_build_and_mappings_are_checked() {
        let c = JsonConfig {
            preset: Some(Preset::Weibo),
            comments: true,
            ..Default::default()
        };
        let (_, ch) = c.build("w").unwrap();
        assert_eq!(ch, Channel::Weibo);
        let c = JsonConfig {
            items: Some("data.list".into()),
            ..Default::default()
        };
        let err = c.build("x").unwrap_err().to_string();
        assert!(err.contains("sources[x].fields.id"), "{err}");
    }
}
