//! The messages, in Simplified Chinese: one alert in detail, or a digest
//! of several; as WeCom / DingTalk robot JSON or a webhook event.

use super::config::{ChannelConfig, ChannelKind, MessageFormat};
use crate::model::RiskLevel;
use crate::store::QueuedAlert;
use chrono::{DateTime, Utc};
use serde_json::json;

/// WeCom's limits (UTF-8 bytes of the content), also applied to DingTalk.
pub const TEXT_MAX_BYTES: usize = 2048;
pub const MARKDOWN_MAX_BYTES: usize = 4096;
/// Characters of the post kept in a notification.
pub const EXCERPT_CHARS: usize = 120;
const ELLIPSIS: &str = "…";

/// `s` cut to at most `max` bytes at a character boundary, ending in 「…」 when cut.
pub fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub(ELLIPSIS.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ELLIPSIS}", &s[..end])
}

/// `s` cut to `n` characters, ending in 「…」 when cut.
pub fn truncate_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}{ELLIPSIS}", &s[..i]),
        None => s.to_string(),
    }
}

/// One line, PII masked, markdown and HTML disarmed (full-width look-alikes).
pub fn clean(s: &str) -> String {
    let masked = crate::analyze::pii::mask_pii(s);
    let mut out = String::with_capacity(masked.len());
    let mut space = false;
    for c in masked.chars() {
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            '<' => '＜',
            '>' => '＞',
            '[' => '［',
            ']' => '］',
            '*' => '＊',
            '`' => '｀',
            '#' => '＃',
            '_' => '＿',
            c => c,
        };
        if c == ' ' {
            if space {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        out.push(c);
    }
    out.trim().to_string()
}

/// What a message says about one alert, already cleaned.
struct Item {
    title: String,
    category: String,
}

fn item(q: &QueuedAlert) -> Item {
    let a = &q.alert;
    let title = if a.title.trim().is_empty() {
        &a.event_title
    } else {
        &a.title
    };
    Item {
        title: truncate_chars(&clean(title), 40),
        category: if a.categories.is_empty() {
            "未分类".to_string()
        } else {
            clean(&a.categories.join("、"))
        },
    }
}

fn reason_zh(q: &QueuedAlert) -> String {
    match q.reason.as_str() {
        "level" => format!("风险等级升至「{}」", q.alert.level.zh()),
        "growth" => format!("传播扩大，同一事件已有 {} 条帖文", q.alert.post_count),
        _ => "新预警".to_string(),
    }
}

fn color(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Critical | RiskLevel::High => "warning",
        _ => "comment",
    }
}

fn level_tag(kind: ChannelKind, format: MessageFormat, level: RiskLevel) -> String {
    match (kind, format) {
        (ChannelKind::Wecom, MessageFormat::Markdown) => {
            format!("<font color=\"{}\">【{}】</font>", color(level), level.zh())
        }
        (_, MessageFormat::Markdown) => format!("**【{}】**", level.zh()),
        _ => format!("【{}】", level.zh()),
    }
}

/// A post's URL made safe inside a markdown link: no closing parenthesis,
/// space or angle bracket can end it early.
fn md_url(u: &str) -> String {
    u.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

fn dashboard_link(base: Option<&str>, alert_id: i64) -> Option<String> {
    base.map(|b| format!("{}/alerts/{alert_id}", b.trim_end_matches('/')))
}

fn source_zh(q: &QueuedAlert) -> String {
    format!("{}（{}）", clean(&q.alert.source), q.alert.channel.zh())
}

/// A built message: the request body and the (alert id, level rank) pairs it covers.
#[derive(Debug, Clone)]
pub struct Message {
    pub body: String,
    pub alert_ids: Vec<(i64, i64)>,
}

/// The message for `items` (one alert in detail, several as a digest) on
/// `channel`, at `now`.
pub fn build(
    channel: &ChannelConfig,
    base_url: Option<&str>,
    items: &[QueuedAlert],
    now: DateTime<Utc>,
) -> Message {
    let alert_ids = items.iter().map(|q| (q.alert_id, q.level_rank)).collect();
    let body = match channel.kind {
        ChannelKind::Webhook => webhook_body(channel, base_url, items, now),
        kind => {
            let limit = match channel.format {
                MessageFormat::Markdown => MARKDOWN_MAX_BYTES,
                MessageFormat::Text => TEXT_MAX_BYTES,
            };
            let (title, content) = if items.len() == 1 {
                single(kind, channel.format, base_url, &items[0], limit)
            } else {
                digest(kind, channel.format, base_url, items, limit)
            };
            robot_body(kind, channel.format, &title, &content)
        }
    };
    Message { body, alert_ids }
}

fn robot_body(kind: ChannelKind, format: MessageFormat, title: &str, content: &str) -> String {
    let v = match (kind, format) {
        (ChannelKind::Dingtalk, MessageFormat::Markdown) => json!({
            "msgtype": "markdown",
            "markdown": {"title": title, "text": content},
        }),
        (_, MessageFormat::Markdown) => json!({
            "msgtype": "markdown",
            "markdown": {"content": content},
        }),
        (_, MessageFormat::Text) => json!({
            "msgtype": "text",
            "text": {"content": content},
        }),
    };
    v.to_string()
}

/// One alert: (title, content within `limit` bytes).
fn single(
    kind: ChannelKind,
    format: MessageFormat,
    base: Option<&str>,
    q: &QueuedAlert,
    limit: usize,
) -> (String, String) {
    let it = item(q);
    let a = &q.alert;
    let md = format == MessageFormat::Markdown;
    let title = format!("舆情预警【{}】{}", a.level.zh(), it.category);
    let mut lines = vec![if md {
        format!("### 舆情预警 {}", level_tag(kind, format, a.level))
    } else {
        format!("舆情预警{}", level_tag(kind, format, a.level))
    }];
    let quote = if md { "> " } else { "" };
    lines.push(format!("{quote}类别：{}", it.category));
    lines.push(format!("{quote}标题：{}", it.title));
    lines.push(format!("{quote}来源：{}", source_zh(q)));
    lines.push(format!(
        "{quote}风险：{} 分；同一事件 {} 条帖文，{} 个来源",
        a.risk_score, a.post_count, a.source_count
    ));
    lines.push(format!("{quote}提示：{}", reason_zh(q)));
    let mut links = Vec::new();
    if let Some(u) = &a.url {
        links.push(if md {
            format!("[查看原文]({})", md_url(u))
        } else {
            format!("原文：{u}")
        });
    }
    if let Some(d) = dashboard_link(base, a.id) {
        links.push(if md {
            format!("[处理预警]({d})")
        } else {
            format!("处理：{d}")
        });
    }
    let tail = if links.is_empty() {
        String::new()
    } else {
        format!("\n\n{}", links.join(if md { "　" } else { "\n" }))
    };
    // The excerpt gives way first: links and facts stay whole.
    let head = lines.join("\n");
    let excerpt = format!("\n{quote}摘要：{}", clean(&a.text));
    let room = limit.saturating_sub(head.len() + tail.len());
    let content = if room > 16 {
        format!("{head}{}{tail}", truncate_bytes(&excerpt, room))
    } else {
        truncate_bytes(&format!("{head}{tail}"), limit)
    };
    (title, content)
}

/// Several alerts in one message: a line each, as many as fit, then how
/// many more there are.
fn digest(
    kind: ChannelKind,
    format: MessageFormat,
    base: Option<&str>,
    items: &[QueuedAlert],
    limit: usize,
) -> (String, String) {
    let md = format == MessageFormat::Markdown;
    let title = format!("舆情预警汇总（{} 条）", items.len());
    let mut out = if md {
        format!("### {title}\n")
    } else {
        format!("{title}\n")
    };
    let footer = |rest: usize| {
        let mut f = String::new();
        if rest > 0 {
            f.push_str(&format!("\n另有 {rest} 条预警未列出，请登录舆情系统查看。"));
        }
        if let Some(b) = base {
            f.push_str(&if md {
                format!("\n[打开预警列表]({}/alerts)", b.trim_end_matches('/'))
            } else {
                format!("\n预警列表：{}/alerts", b.trim_end_matches('/'))
            });
        }
        f
    };
    // The longest footer: when every line is left out.
    let reserve = footer(items.len()).len();
    let mut listed = 0;
    for (n, q) in items.iter().enumerate() {
        let it = item(q);
        let a = &q.alert;
        let link = dashboard_link(base, a.id).or_else(|| a.url.clone());
        let link = match (link, md) {
            (Some(l), true) => format!("｜[详情]({})", md_url(&l)),
            (Some(l), false) => format!("｜{l}"),
            (None, _) => String::new(),
        };
        let line = format!(
            "\n{}. {}{}｜{}｜{}｜{} 条帖文{}",
            n + 1,
            level_tag(kind, format, a.level),
            it.category,
            it.title,
            clean(&a.source),
            a.post_count,
            link
        );
        if out.len() + line.len() + reserve > limit {
            break;
        }
        out.push_str(&line);
        listed += 1;
    }
    out.push_str(&footer(items.len() - listed));
    (title, truncate_bytes(&out, limit))
}

/// A Standard Webhooks event: `{"type", "timestamp", "data"}`.
fn webhook_body(
    channel: &ChannelConfig,
    base: Option<&str>,
    items: &[QueuedAlert],
    now: DateTime<Utc>,
) -> String {
    let alerts: Vec<_> = items
        .iter()
        .map(|q| {
            let a = &q.alert;
            json!({
                "id": a.id,
                "event_id": a.event_id,
                "level": a.level,
                "level_zh": a.level.zh(),
                "risk_score": a.risk_score,
                "categories": a.categories,
                "title": clean(&a.title),
                "excerpt": a.text,
                "source": a.source,
                "source_channel": a.channel,
                "post_count": a.post_count,
                "source_count": a.source_count,
                "url": a.url,
                "link": dashboard_link(base, a.id),
                "reason": q.reason,
                "reason_zh": reason_zh(q),
            })
        })
        .collect();
    let (title, summary) = if items.len() == 1 {
        single(
            ChannelKind::Webhook,
            MessageFormat::Text,
            base,
            &items[0],
            TEXT_MAX_BYTES,
        )
    } else {
        digest(
            ChannelKind::Webhook,
            MessageFormat::Text,
            base,
            items,
            MARKDOWN_MAX_BYTES,
        )
    };
    json!({
        "type": if items.len() == 1 { "alert.notify" } else { "alert.digest" },
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": {
            "channel": channel.name,
            "title": title,
            "summary": summary,
            "alerts": alerts,
        },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_utf8_whole_and_within_the_limit() {
        let s = "食堂".repeat(1000);
        for max in [0, 1, 2, 3, 4, 5, 100, 2048, 4096] {
            let t = truncate_bytes(&s, max.max(3));
            assert!(t.len() <= max.max(3), "{max}: {}", t.len());
            assert!(t.ends_with('…'));
        }
        assert_eq!(truncate_bytes("短", 10), "短");
        assert_eq!(truncate_chars("一二三四", 2), "一二…");
        assert_eq!(md_url("http://x/a (1)>"), "http://x/a%20%281%29%3E");
    }

    #[test]
    fn clean_masks_pii_and_disarms_markdown() {
        let s = clean("联系 13812345678 <font>[链接](x)\n**粗**");
        assert!(!s.contains("13812345678"), "{s}");
        assert!(
            !s.contains('<') && !s.contains('[') && !s.contains('\n') && !s.contains('*'),
            "{s}"
        );
    }
}
