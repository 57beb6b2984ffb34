//! The domain types that flow through the pipeline stages.
//!
//! Everything a later stage needs from an earlier one is here, so that the
//! crawler, the store, the dashboard and the CLI speak the same language.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Engagement counters a platform reports for a post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(default)]
    pub reposts: u64,
    #[serde(default)]
    pub comments: u64,
    #[serde(default)]
    pub likes: u64,
}

impl Metrics {
    pub fn is_empty(&self) -> bool {
        self.reposts == 0 && self.comments == 0 && self.likes == 0
    }
}

/// The fields of a post the analyser looks at. Borrowed, so the crawler and
/// the CLI can analyse without copying their buffers.
#[derive(Debug, Clone, Copy)]
pub struct PostText<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub author: &'a str,
    pub source: &'a str,
    /// Authority of the source (1.0 = ordinary); a configured property of the source.
    pub source_weight: f32,
    pub metrics: Option<Metrics>,
}

impl<'a> PostText<'a> {
    /// A post with only a body, from an ordinary source.
    pub fn new(text: &'a str) -> Self {
        PostText {
            title: "",
            text,
            author: "",
            source: "",
            source_weight: 1.0,
            metrics: None,
        }
    }
}

/// Sentiment polarity label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Positive,
    Neutral,
    Negative,
}

impl SentimentLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            SentimentLabel::Positive => "positive",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Negative => "negative",
        }
    }

    /// The word users read in the dashboard.
    pub fn zh(self) -> &'static str {
        match self {
            SentimentLabel::Positive => "正面",
            SentimentLabel::Neutral => "中性",
            SentimentLabel::Negative => "负面",
        }
    }
}

/// One word (or emoticon, or punctuation cue) that moved the sentiment score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentimentContribution {
    /// The cue as it appears in the normalised text, e.g. "恶心" or "[怒]".
    pub cue: CompactString,
    /// Signed contribution to the document's raw score before squashing.
    pub delta: f32,
    /// Modifiers that applied, e.g. "否定:不", "程度:非常", "转折后", "反问".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// In [-1, 1].
    pub score: f32,
    pub label: SentimentLabel,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<SentimentContribution>,
}

/// Severity of a rule; ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity '{other}' (expected low, medium, high or critical)"
            )),
        }
    }
}

/// Risk level of a post, derived from its risk score through configured thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            RiskLevel::None => "无",
            RiskLevel::Low => "低",
            RiskLevel::Medium => "中",
            RiskLevel::High => "高",
            RiskLevel::Critical => "紧急",
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule that fired on a post, with the terms that made it fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHit {
    pub rule: String,
    pub category: String,
    pub severity: Severity,
    pub weight: f32,
    /// Distinct matched terms, in order of first occurrence.
    pub matched: Vec<String>,
    /// Byte spans of the matches in the normalised field they were found in,
    /// for highlighting: (field, start, end).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<MatchSpan>,
}

/// Which part of a post a term was matched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Text,
    Author,
    Source,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::Title, Field::Text, Field::Author, Field::Source];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Text => "text",
            Field::Author => "author",
            Field::Source => "source",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchSpan {
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

/// One component of the risk score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskFactor {
    /// What contributed, in Chinese for the dashboard, e.g. "规则命中 食品安全.食堂致病".
    pub factor: String,
    pub points: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// 0..=100.
    pub score: u8,
    pub level: RiskLevel,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<RiskFactor>,
}

/// The analyser's verdict on one post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub sentiment: Sentiment,
    pub risk: Risk,
    pub hits: Vec<RuleHit>,
    /// Short words: stored inline, without an allocation each.
    pub keywords: Vec<CompactString>,
}

/// Kind of outlet a source is, as the dashboard groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    #[default]
    Campus,
    Forum,
    Weibo,
    Wechat,
    Douyin,
    Kuaishou,
    Bilibili,
    News,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Campus => "campus",
            Channel::Forum => "forum",
            Channel::Weibo => "weibo",
            Channel::Wechat => "wechat",
            Channel::Douyin => "douyin",
            Channel::Kuaishou => "kuaishou",
            Channel::Bilibili => "bilibili",
            Channel::News => "news",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Channel::Campus => "校园网站",
            Channel::Forum => "论坛",
            Channel::Weibo => "微博",
            Channel::Wechat => "微信",
            Channel::Douyin => "抖音",
            Channel::Kuaishou => "快手",
            Channel::Bilibili => "B站",
            Channel::News => "新闻",
        }
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "campus" => Channel::Campus,
            "forum" => Channel::Forum,
            "weibo" => Channel::Weibo,
            "wechat" => Channel::Wechat,
            "douyin" => Channel::Douyin,
            "kuaishou" => Channel::Kuaishou,
            "bilibili" => Channel::Bilibili,
            "news" => Channel::News,
            other => return Err(format!("unknown channel '{other}'")),
        })
    }
}

/// A post as a source delivered it, normalised to our fields; what the
/// crawler hands to the ingest step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPost {
    /// Name of the configured source.
    pub source: String,
    /// The platform's id, or the canonical URL for web pages.
    pub external_id: String,
    pub url: Option<String>,
    pub channel: Channel,
    pub title: String,
    pub text: String,
    pub author: Option<String>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub fetched_at: chrono::DateTime<chrono::Utc>,
    pub metrics: Option<Metrics>,
    /// For a comment: the external id of the post it replies to, same source.
    pub parent_external_id: Option<String>,
    /// The source's tags, kept with the post for filtering.
    pub tags: Vec<String>,
}

/// A stored post with its latest analysis, as `yuqing export posts` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPost {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub url: Option<String>,
    pub channel: Channel,
    pub title: String,
    pub text: String,
    pub author: Option<String>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub fetched_at: chrono::DateTime<chrono::Utc>,
    pub metrics: Option<Metrics>,
    pub event_id: i64,
    pub parent_id: Option<i64>,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub analysis: Option<Analysis>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Syndication's domain types, defined with their module (`crate::syndicate`).
pub use crate::store::{Publication, PublicationState};
pub use crate::syndicate::{Content, ContentBody, ContentState, ContentVersion};
