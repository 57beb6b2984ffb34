//! Items that other systems hand us, by `import` files (JSONL, JSON, CSV)
//! or `push` requests: one schema, checked field by field, turned into a
//! [`NewPost`]. Field names follow the `yuqing analyze` input; CSV headers
//! may also use the Chinese column names people type in Excel.

use crate::crawl::time::parse_time;
use crate::dedup;
use crate::model::{Channel, Metrics, NewPost};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};

/// Longest text accepted for one item (characters); longer is an error, not
/// a silent cut.
pub const MAX_TEXT_CHARS: usize = 200_000;

/// What is wrong with one item: the field and why, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ItemError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "字段 {}：{}", self.field, self.message)
        }
    }
}

fn err(field: &str, message: impl Into<String>) -> ItemError {
    ItemError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The source an item is for: its name and default channel.
pub struct ItemDefaults<'a> {
    pub source: &'a str,
    pub channel: Channel,
    pub now: DateTime<FixedOffset>,
}

/// Known keys, with the Chinese column names accepted in CSV headers.
const ALIASES: &[(&str, &[&str])] = &[
    ("id", &["编号", "序号", "ID"]),
    ("url", &["链接", "网址", "原文链接"]),
    ("title", &["标题"]),
    ("text", &["正文", "内容", "文本"]),
    ("author", &["作者", "发布者", "用户"]),
    ("published_at", &["发布时间", "时间"]),
    ("channel", &["渠道", "平台"]),
    ("parent_id", &["上级编号", "回复对象"]),
    ("reposts", &["转发", "转发数"]),
    ("comments", &["评论", "评论数"]),
    ("likes", &["点赞", "点赞数"]),
];

/// The canonical key for a CSV header (trimmed, Chinese aliases mapped),
/// or `None` for a column we do not know.
pub fn canonical_key(header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}');
    ALIASES.iter().find_map(|(key, aliases)| {
        (h.eq_ignore_ascii_case(key) || aliases.contains(&h)).then_some(*key)
    })
}

/// One item as a JSON object → a post of `defaults.source`.
pub fn item_to_post(value: &Value, defaults: &ItemDefaults<'_>) -> Result<NewPost, ItemError> {
    let obj = value
        .as_object()
        .ok_or_else(|| err("", "每一条必须是 JSON 对象"))?;
    for key in obj.keys() {
        if !KNOWN.contains(&key.as_str()) {
            return Err(err(key, "未知字段"));
        }
    }
    let text = string(obj, "text")?.unwrap_or_default();
    let title = string(obj, "title")?.unwrap_or_default();
    if text.trim().is_empty() && title.trim().is_empty() {
        return Err(err("text", "缺少正文（text 与 title 至少要有一个）"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(err("text", format!("超过 {MAX_TEXT_CHARS} 字")));
    }
    let url = match string(obj, "url")? {
        Some(u) if !u.trim().is_empty() => {
            let parsed = url::Url::parse(u.trim())
                .map_err(|e| err("url", format!("不是有效的网址：{e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(err("url", "只接受 http(s) 网址"));
            }
            Some(parsed.to_string())
        }
        _ => None,
    };
    let published_at = match obj.get("published_at") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .and_then(crate::crawl::time::from_unix)
                .ok_or_else(|| err("published_at", "无法识别的时间戳"))?,
        ),
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(
            parse_time(s, defaults.now)
                .ok_or_else(|| err("published_at", format!("无法识别的时间 '{s}'")))?,
        ),
        Some(_) => return Err(err("published_at", "应为时间字符串或 Unix 时间戳")),
    };
    let channel = match string(obj, "channel")? {
        Some(c) if !c.trim().is_empty() => {
            serde_json::from_value::<Channel>(Value::String(c.trim().to_lowercase())).map_err(
                |_| {
                    err(
                        "channel",
                        format!(
                            "未知渠道 '{c}'（可用：campus forum weibo wechat douyin kuaishou bilibili news）"
                        ),
                    )
                },
            )?
        }
        _ => defaults.channel,
    };
    let metrics = metrics(obj)?;
    let id = match obj.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(err("id", "应为字符串或数字")),
    };
    // Without an id, the URL or the content names the item, so that a file
    // imported twice (or a retried push) stores each item once.
    let external_id = id
        .or_else(|| url.as_deref().map(dedup::canonical_url))
        .unwrap_or_else(|| format!("sha:{:016x}", dedup::content_hash(&title, &text)));
    Ok(NewPost {
        source: defaults.source.to_string(),
        external_id,
        url,
        channel,
        title: title.trim().to_string(),
        text: text.trim().to_string(),
        author: string(obj, "author")?
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty()),
        published_at,
        fetched_at: Utc::now(),
        metrics,
        parent_external_id: match obj.get("parent_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => return Err(err("parent_id", "应为字符串或数字")),
        },
        tags: Vec::new(),
    })
}

const KNOWN: &[&str] = &[
    "id",
    "url",
    "title",
    "text",
    "author",
    "published_at",
    "channel",
    "parent_id",
    "metrics",
    "reposts",
    "comments",
    "likes",
    "source",
];

fn string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, ItemError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(err(key, "应为字符串")),
    }
}

/// Counts as `metrics: {reposts, comments, likes}` or flat keys (CSV).
fn metrics(obj: &Map<String, Value>) -> Result<Option<Metrics>, ItemError> {
    let count = |field: &str, v: Option<&Value>| -> Result<Option<u64>, ItemError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| err(field, "应为非负整数")),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => parse_count(s)
                .map(Some)
                .ok_or_else(|| err(field, format!("无法识别的数字 '{s}'"))),
            Some(_) => Err(err(field, "应为非负整数")),
        }
    };
    let nested = match obj.get("metrics") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err(err("metrics", "应为对象 {reposts, comments, likes}")),
    };
    let get = |k: &str| -> Result<Option<u64>, ItemError> {
        match nested {
            Some(m) => count(&format!("metrics.{k}"), m.get(k)),
            None => count(k, obj.get(k)),
        }
    };
    let (r, c, l) = (get("reposts")?, get("comments")?, get("likes")?);
    if r.is_none() && c.is_none() && l.is_none() {
        return Ok(None);
    }
    Ok(Some(Metrics {
        reposts: r.unwrap_or(0),
        comments: c.unwrap_or(0),
        likes: l.unwrap_or(0),
    }))
}

/// `1234`, `1,234`, `1.2万`, `3亿`.
fn parse_count(s: &str) -> Option<u64> {
    let s = s.trim().replace([',', '，'], "");
    let (num, mult) = if let Some(n) = s.strip_suffix('万') {
        (n, 10_000.0)
    } else if let Some(n) = s.strip_suffix('亿') {
        (n, 100_000_000.0)
    } else {
        (s.as_str(), 1.0)
    };
    let v: f64 = num.trim().parse().ok()?;
    (v >= 0.0 && v.is_finite()).then(|| (v * mult).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defaults() -> ItemDefaults<'static> {
        ItemDefaults {
            source: "s",
            channel: Channel::Forum,
            now: crate::crawl::time::now_cst(),
        }
    }

    #[test]
    fn full_item_maps_every_field() {
        let p = item_to_post(
            &json!({"id": 7, "url": "https://bbs.example.edu.cn/t/1?utm_source=x", "title": " 标题 ",
                    "text": "食堂饭菜有问题", "author": "小王", "published_at": "2026-03-18 10:00",
                    "channel": "Weibo", "metrics": {"reposts": 3, "likes": "1.2万"}, "parent_id": "6"}),
            &defaults(),
        )
        .unwrap();
        assert_eq!(p.external_id, "7");
        assert_eq!(p.title, "标题");
        assert_eq!(p.channel, Channel::Weibo);
        assert_eq!(
            p.published_at.unwrap().to_rfc3339(),
            "2026-03-18T02:00:00+00:00"
        );
        let m = p.metrics.unwrap();
        assert_eq!((m.reposts, m.comments, m.likes), (3, 0, 12_000));
        assert_eq!(p.parent_external_id.as_deref(), Some("6"));
    }

    #[test]
    fn id_falls_back_to_url_then_content() {
        let a = item_to_post(
            &json!({"url": "https://x.cn/a?b=1#top", "text": "t"}),
            &defaults(),
        )
        .unwrap();
        assert_eq!(a.external_id, "https://x.cn/a?b=1");
        let b1 = item_to_post(&json!({"text": "同一条"}), &defaults()).unwrap();
        let b2 = item_to_post(&json!({"text": "同一条"}), &defaults()).unwrap();
        assert!(b1.external_id.starts_with("sha:"));
        assert_eq!(b1.external_id, b2.external_id);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (json!({"title": ""}), "text"),
            (
                json!({"text": "x", "published_at": "不是时间"}),
                "published_at",
            ),
            (json!({"text": "x", "url": "ftp://x"}), "url"),
            (json!({"text": "x", "channel": "tiktok"}), "channel"),
            (
                json!({"text": "x", "metrics": {"likes": -1}}),
                "metrics.likes",
            ),
            (json!({"text": "x", "likes": "很多"}), "likes"),
            (json!({"text": "x", "colour": "red"}), "colour"),
            (json!({"text": ["x"]}), "text"),
        ];
        for (item, field) in cases {
            let e = item_to_post(&item, &defaults()).unwrap_err();
            assert_eq!(e.field, field, "{item}: {e}");
        }
        assert!(item_to_post(&json!("text"), &defaults()).is_err());
    }

    #[test]
    fn csv_headers_accept_chinese_names() {
        assert_eq!(canonical_key("\u{feff}正文"), Some("text"));
        assert_eq!(canonical_key(" Published_At "), Some("published_at"));
        assert_eq!(canonical_key("转发数"), Some("reposts"));
        assert_eq!(canonical_key("备注"), None);
    }
}
