//! Feeds of what the website channel published: RSS 2.0, Atom 1.0 and
//! JSON Feed 1.1, rendered from the published jobs (the exact variant that
//! was approved), served at `/feeds/{channel}/…` by `web::contents`.

use crate::store::Publication;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The feed as a whole.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    /// The channel's unified name, e.g. "XX职业技术学院官网".
    pub title: String,
    /// The site's home page.
    pub home_url: String,
    /// Where this feed is served (self link).
    pub feed_url: String,
    pub description: String,
}

/// One published article.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    pub id: String,
    pub url: String,
    pub title: String,
    pub html: String,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub published_at: DateTime<Utc>,
}

impl FeedItem {
    /// The item of a published job on a website channel.
    pub fn from_publication(p: &Publication, site_url: &str) -> FeedItem {
        let url = p.remote_url.clone().unwrap_or_else(|| {
            format!(
                "{}/content/{}",
                site_url.trim_end_matches('/'),
                p.content_id
            )
        });
        FeedItem {
            id: url.clone(),
            url,
            title: p.variant.title.clone(),
            html: p.variant.text.clone(),
            summary: p.variant.digest.clone(),
            author: p.variant.author.clone(),
            tags: p.variant.tags.clone(),
            published_at: p.published_at.unwrap_or(p.updated_at),
        }
    }
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn updated(items: &[FeedItem]) -> DateTime<Utc> {
    items
        .iter()
        .map(|i| i.published_at)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// RSS 2.0 (`application/rss+xml`).
pub fn rss(info: &FeedInfo, items: &[FeedItem]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>");
    out.push_str(&format!(
        "<title>{}</title><link>{}</link><description>{}</description><language>zh-cn</language>\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/><lastBuildDate>{}</lastBuildDate>",
        xml(&info.title),
        xml(&info.home_url),
        xml(&info.description),
        xml(&info.feed_url),
        updated(items).to_rfc2822()
    ));
    for i in items {
        out.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"true\">{}</guid><pubDate>{}</pubDate>",
            xml(&i.title),
            xml(&i.url),
            xml(&i.id),
            i.published_at.to_rfc2822()
        ));
        if let Some(a) = &i.author {
            out.push_str(&format!("<author>{}</author>", xml(a)));
        }
        for t in &i.tags {
            out.push_str(&format!("<category>{}</category>", xml(t)));
        }
        out.push_str(&format!(
            "<description>{}</description></item>",
            xml(&i.html)
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// Atom 1.0 (`application/atom+xml`).
pub fn atom(info: &FeedInfo, items: &[FeedItem]) -> String {
    let ts = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\"><id>{}</id><title>{}</title>\
         <subtitle>{}</subtitle><updated>{}</updated><link rel=\"alternate\" href=\"{}\"/>\
         <link rel=\"self\" href=\"{}\"/><author><name>{}</name></author>",
        xml(&info.feed_url),
        xml(&info.title),
        xml(&info.description),
        ts(updated(items)),
        xml(&info.home_url),
        xml(&info.feed_url),
        xml(&info.title)
    ));
    for i in items {
        out.push_str(&format!(
            "<entry><id>{}</id><title>{}</title><link rel=\"alternate\" href=\"{}\"/>\
             <published>{}</published><updated>{}</updated>",
            xml(&i.id),
            xml(&i.title),
            xml(&i.url),
            ts(i.published_at),
            ts(i.published_at)
        ));
        if let Some(a) = &i.author {
            out.push_str(&format!("<author><name>{}</name></author>", xml(a)));
        }
        for t in &i.tags {
            out.push_str(&format!("<category term=\"{}\"/>", xml(t)));
        }
        if let Some(s) = &i.summary {
            out.push_str(&format!("<summary>{}</summary>", xml(s)));
        }
        out.push_str(&format!(
            "<content type=\"html\">{}</content></entry>",
            xml(&i.html)
        ));
    }
    out.push_str("</feed>\n");
    out
}

/// JSON Feed 1.1 (`application/feed+json`).
pub fn json_feed(info: &FeedInfo, items: &[FeedItem]) -> String {
    let items: Vec<_> = items
        .iter()
        .map(|i| {
            let mut v = json!({
                "id": i.id,
                "url": i.url,
                "title": i.title,
                "content_html": i.html,
                "date_published": i.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            });
            if let Some(s) = &i.summary {
                v["summary"] = json!(s);
            }
            if let Some(a) = &i.author {
                v["authors"] = json!([{"name": a}]);
            }
            if !i.tags.is_empty() {
                v["tags"] = json!(i.tags);
            }
            v
        })
        .collect();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.home_url,
        "feed_url": info.feed_url,
        "description": info.description,
        "language": "zh-CN",
        "items": items,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (FeedInfo, Vec<FeedItem>) {
        (
            FeedInfo {
                title: "XX职业技术学院官网".into(),
                home_url: "https://www.xx.edu.cn/".into(),
                feed_url: "https://www.xx.edu.cn/feed.xml".into(),
                description: "新闻发布".into(),
            },
            vec![FeedItem {
                id: "https://www.xx.edu.cn/content/1".into(),
                url: "https://www.xx.edu.cn/content/1".into(),
                title: "毕业典礼 & 学位授予".into(),
                html: "<p>隆重举行</p>".into(),
                summary: Some("摘要".into()),
                author: Some("宣传部".into()),
                tags: vec!["毕业季".into()],
                published_at: "2026-06-20T02:00:00Z".parse().unwrap(),
            }],
        )
    }

    #[test]
    fn rss_and_atom_parse_back_with_feed_rs() {
        let (info, items) = sample();
        for text in [
            rss(&info, &items),
            atom(&info, &items),
            json_feed(&info, &items),
        ] {
            let feed =
                feed_rs::parser::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(feed.title.unwrap().content, "XX职业技术学院官网");
            assert_eq!(feed.entries.len(), 1);
            let e = &feed.entries[0];
            assert_eq!(e.title.as_ref().unwrap().content, "毕业典礼 & 学位授予");
            assert_eq!(e.links[0].href, "https://www.xx.edu.cn/content/1");
            assert!(e.published.is_some());
        }
    }

    #[test]
    fn json_feed_has_the_required_fields() {
        let (info, items) = sample();
        let v: serde_json::Value = serde_json::from_str(&json_feed(&info, &items)).unwrap();
        assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(v["items"][0]["content_html"], "<p>隆重举行</p>");
        assert_eq!(v["items"][0]["tags"][0], "毕业季");
    }
}
