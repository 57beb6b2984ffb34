//! `kind = "feed"`: RSS 0.9x/1.0/2.0 and Atom via feed-rs, in any encoding.

use super::{RunCtx, SourceError};
use crate::config::ConfigError;
use crate::crawl::extract::extract_article_at;
use crate::crawl::text::{html_to_text, title_from_text};
use crate::crawl::time::parse_time;
use crate::dedup::canonical_url;
use regex::Regex;
use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Fetch each new item's link and extract the article automatically
    /// when the feed carries only a summary.
    #[serde(default)]
    pub fetch_full: bool,
}

#[derive(Debug)]
pub struct FeedSource {
    fetch_full: bool,
}

impl FeedConfig {
    pub fn build(&self, _source: &str) -> Result<FeedSource, ConfigError> {
        Ok(FeedSource {
            fetch_full: self.fetch_full,
        })
    }
}

static XML_DECL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_\-]+)["']"#).expect("valid regex")
});

/// The encoding an XML declaration names, if any.
pub fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
    let head = head.trim_start_matches('\u{feff}');
    XML_DECL.captures(head).map(|c| c[1].to_string())
}

/// Rewrite the declaration of a feed already decoded to UTF-8, so the XML
/// parser does not try to decode it a second time.
pub fn as_utf8_xml(text: &str) -> String {
    let text = text.trim_start_matches('\u{feff}');
    if let Some(end) = text.find("?>")
        && text.trim_start().starts_with("<?xml")
    {
        let decl = &text[..end];
        let fixed = Regex::new(r#"encoding\s*=\s*["'][^"']*["']"#)
            .expect("valid regex")
            .replace(decl, "encoding=\"utf-8\"");
        return format!("{fixed}{}", &text[end..]);
    }
    text.to_string()
}

/// A feed's entries, parsed from raw bytes in whatever encoding.
pub fn parse_feed(
    bytes: &[u8],
    content_type: Option<&str>,
    override_enc: Option<&str>,
) -> Result<feed_rs::model::Feed, String> {
    let declared = declared_encoding(bytes);
    let enc = override_enc.or(declared.as_deref());
    let decoded = crate::crawl::charset::decode(bytes, content_type, enc);
    let xml = as_utf8_xml(&decoded.text);
    feed_rs::parser::parse(xml.as_bytes()).map_err(|e| format!("不是有效的 RSS/Atom 订阅：{e}"))
}

impl FeedSource {
    pub async fn run(&self, ctx: &mut RunCtx<'_>) -> Result<(), SourceError> {
        let url = ctx.source.url.to_string();
        let Some(page) = ctx.fetch(&url, true).await? else {
            return Ok(()); // 304
        };
        let feed = parse_feed(
            &page.body,
            page.content_type.as_deref(),
            ctx.source.policy.encoding.as_deref(),
        )
        .map_err(SourceError::Parse)?;
        for entry in feed.entries {
            if ctx.full() {
                break;
            }
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())
                .and_then(|l| RunCtx::resolve(&page.url, &l.href));
            let id = if entry.id.trim().is_empty() {
                match &link {
                    Some(l) => canonical_url(l),
                    None => continue,
                }
            } else {
                entry.id.trim().to_string()
            };
            if ctx.cursor.is_seen(&id) {
                ctx.stats.skipped += 1;
                continue;
            }
            let mut text = entry
                .content
                .as_ref()
                .and_then(|c| c.body.as_deref())
                .map(html_to_text)
                .filter(|t| !t.is_empty())
                .or_else(|| entry.summary.as_ref().map(|s| html_to_text(&s.content)))
                .unwrap_or_default();
            let mut title = entry
                .title
                .as_ref()
                .map(|t| html_to_text(&t.content))
                .unwrap_or_default();
            let mut published = entry.published.or(entry.updated);
            let mut author = entry
                .authors
                .iter()
                .find_map(|p| p.name.clone())
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty());
            if self.fetch_full
                && let Some(l) = &link
            {
                match ctx.fetch(l, false).await {
                    Ok(Some(p)) => {
                        let html = ctx.decode(&p);
                        let a = extract_article_at(&html, Some(&p.url), ctx.now);
                        if a.text.chars().count() > text.chars().count() {
                            text = a.text;
                        }
                        if title.is_empty() {
                            title = a.title;
                        }
                        published = published.or_else(|| {
                            a.published_at
                                .as_deref()
                                .and_then(|t| parse_time(t, ctx.now))
                        });
                        author = author.or(a.author);
                    }
                    Ok(None) => {}
                    Err(e) => ctx.item_error(l, e),
                }
            }
            if title.is_empty() {
                title = title_from_text(&text, 40);
            }
            let mut post = ctx.post(id.clone());
            post.url = link;
            post.title = title;
            post.text = text;
            post.author = author;
            post.published_at = published;
            ctx.ingest(&post, &id).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_feed_is_decoded_and_parsed() {
        let xml = "<?xml version=\"1.0\" encoding=\"gb2312\"?><rss version=\"2.0\"><channel><title>校园</title>\
                   <item><title>食堂通知</title><link>http://x/1</link><description>&lt;p&gt;学生反映问题&lt;/p&gt;</description></item>\
                   </channel></rss>";
        let (bytes, _, _) = encoding_rs::GBK.encode(xml);
        assert_eq!(declared_encoding(&bytes).as_deref(), Some("gb2312"));
        let feed = parse_feed(&bytes, Some("application/xml"), None).unwrap();
        let e = &feed.entries[0];
        assert_eq!(e.title.as_ref().unwrap().content, "食堂通知");
        assert_eq!(
            html_to_text(&e.summary.as_ref().unwrap().content),
            "学生反映问题"
        );
    }

    #[test]
    fn invalid_feed_is_an_error() {
        assert!(parse_feed(b"<html>not a feed", None, None).is_err());
    }
}
