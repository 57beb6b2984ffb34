//! Content that publishers write (or promote from a stored post): the body
//! of one version, its state in the approval workflow, and the Markdown
//! renderings the channel variants start from.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a piece of content is in its life; see [`super::approval`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentState {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Scheduled,
    Publishing,
    Published,
    Failed,
}

impl ContentState {
    pub const ALL: [ContentState; 8] = [
        ContentState::Draft,
        ContentState::Submitted,
        ContentState::Approved,
        ContentState::Rejected,
        ContentState::Scheduled,
        ContentState::Publishing,
        ContentState::Published,
        ContentState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContentState::Draft => "draft",
            ContentState::Submitted => "submitted",
            ContentState::Approved => "approved",
            ContentState::Rejected => "rejected",
            ContentState::Scheduled => "scheduled",
            ContentState::Publishing => "publishing",
            ContentState::Published => "published",
            ContentState::Failed => "failed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            ContentState::Draft => "草稿",
            ContentState::Submitted => "待审核",
            ContentState::Approved => "已通过",
            ContentState::Rejected => "已驳回",
            ContentState::Scheduled => "待发布",
            ContentState::Publishing => "发布中",
            ContentState::Published => "已发布",
            ContentState::Failed => "发布失败",
        }
    }

    /// Whether the body may still be edited (an edit makes a new version).
    pub fn is_editable(self) -> bool {
        matches!(self, ContentState::Draft | ContentState::Rejected)
    }
}

impl fmt::Display for ContentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ContentState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ContentState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("未知内容状态 '{s}'"))
    }
}

/// A media file of the content, stored under the data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    /// Path of the file (absolute, or relative to the working directory).
    pub path: String,
    /// MIME type, e.g. `image/jpeg`, `video/mp4`.
    pub mime: String,
    /// Size in bytes.
    pub bytes: u64,
}

impl MediaRef {
    /// Reads the file (adapters upload it).
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        std::fs::read(&self.path)
    }

    pub fn file_name(&self) -> String {
        std::path::Path::new(&self.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "media".into())
    }
}

/// One version of a piece of content, as its author wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContentBody {
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Summary for channels that show one (WeChat digest); derived from the
    /// body when absent.
    #[serde(default)]
    pub digest: Option<String>,
    /// Byline (WeChat `author`).
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub cover: Option<MediaRef>,
    #[serde(default)]
    pub images: Vec<MediaRef>,
    #[serde(default)]
    pub video: Option<MediaRef>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The original article's address (WeChat 阅读原文, the link Weibo needs).
    #[serde(default)]
    pub link: Option<String>,
    /// The publisher's own wording for some channels (by channel id),
    /// replacing what would be derived; checked like the rest.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub overrides: std::collections::BTreeMap<i64, VariantOverride>,
}

/// One channel's hand-edited parts; `None` keeps the derived one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VariantOverride {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
    /// Markdown for HTML channels, plain text for the others.
    #[serde(default)]
    pub text: Option<String>,
}

impl VariantOverride {
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.digest.is_none() && self.text.is_none()
    }
}

impl ContentBody {
    /// The body as HTML. Raw HTML in the Markdown is escaped, never passed on.
    pub fn html(&self) -> String {
        markdown_html(&self.body)
    }

    /// The body as plain text: paragraphs on lines of their own, no markup.
    pub fn plain_text(&self) -> String {
        markdown_text(&self.body)
    }

    /// The digest, or the start of the plain text.
    pub fn digest_or_excerpt(&self, max_chars: usize) -> String {
        match &self.digest {
            Some(d) if !d.trim().is_empty() => d.trim().to_string(),
            _ => truncate_chars(&self.plain_text().replace('\n', " "), max_chars),
        }
    }
}

/// A stored piece of content with its current version's body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Content {
    pub id: i64,
    pub author_id: i64,
    pub state: ContentState,
    /// The current (latest) version.
    pub version: i64,
    pub source_post_id: Option<i64>,
    /// The version that was approved, if any.
    pub approved_version: Option<i64>,
    pub approver_id: Option<i64>,
    pub reject_reason: Option<String>,
    pub scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Channel accounts chosen for publication.
    pub channel_ids: Vec<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub body: ContentBody,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentVersion {
    pub content_id: i64,
    pub version: i64,
    pub editor_id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub body: ContentBody,
}

/// At most `max` characters of `s`, with "…" when cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

fn options() -> pulldown_cmark::Options {
    pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
}

/// Markdown to HTML; inline and block HTML is shown as text.
pub fn markdown_html(md: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let parser = Parser::new_ext(md, options()).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    });
    let mut out = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}

/// Markdown to plain text: the words, one paragraph, heading or list item
/// a line; links keep their text, images are dropped.
pub fn markdown_text(md: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = String::with_capacity(md.len());
    let mut in_image = false;
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Start(Tag::Image { .. }) => in_image = true,
            Event::End(TagEnd::Image) => in_image = false,
            Event::Text(t) | Event::Code(t) if !in_image => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableRow,
            ) if !out.ends_with('\n') => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_escapes_html() {
        let html = markdown_html("# 标题\n\n**加粗** <script>alert(1)</script>");
        assert!(html.contains("<h1>标题</h1>"), "{html}");
        assert!(html.contains("<strong>加粗</strong>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }

    #[test]
    fn plain_text_keeps_words_and_drops_markup() {
        let t =
            markdown_text("# 标题\n\n第一段[链接](http://a.cn)。\n\n![图](x.jpg)\n\n- 一\n- 二");
        assert_eq!(t, "标题\n第一段链接。\n一\n二");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("职业技术学院", 4), "职业技…");
        assert_eq!(truncate_chars("学院", 4), "学院");
    }

    #[test]
    fn states_round_trip() {
        for s in ContentState::ALL {
            assert_eq!(s.as_str().parse::<ContentState>().unwrap(), s);
        }
    }
}
