//! The demo's bundled material: posts about the fictional 示例职业技术学院,
//! one TOML file per section of the demo site (`content/*.toml`), compiled
//! into the binary so `yuqing demo` works from any directory.
//!
//! Times are relative (`ago`, hours before the site starts), so the
//! dashboard's charts always show the last seven days.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::Deserialize;

/// One post (a page, a thread, a feed entry, a Weibo post, a video).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The platform's id (also the page's file name on the demo site).
    pub id: String,
    /// Hours before the site started.
    pub ago: f64,
    #[serde(default)]
    pub title: String,
    pub text: String,
    pub author: String,
    #[serde(default)]
    pub views: u64,
    #[serde(default)]
    pub reposts: u64,
    #[serde(default)]
    pub comments: u64,
    #[serde(default)]
    pub likes: u64,
    /// Bilibili's numeric video id (replies are looked up by it).
    #[serde(default)]
    pub aid: Option<u64>,
    /// Looks risky to a naive keyword match but must raise no alert
    /// (消防演练, 防诈骗宣传, a passed food inspection).
    #[serde(default)]
    pub trap: bool,
    /// Comments or forum replies.
    #[serde(default, rename = "reply")]
    pub replies: Vec<Reply>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub author: String,
    pub ago: f64,
    pub text: String,
    #[serde(default)]
    pub likes: u64,
}

/// The sections of the demo site.
#[derive(Debug, Clone)]
pub struct Content {
    /// 学校要闻: UTF-8 list and detail pages.
    pub news: Vec<Item>,
    /// 通知公告: the old CMS section, served in GBK.
    pub notices: Vec<Item>,
    /// 校园论坛: thread list and thread pages.
    pub forum: Vec<Item>,
    /// 示例市新闻网 education channel, RSS 2.0.
    pub feed: Vec<Item>,
    /// Weibo search results (m.weibo.cn shape).
    pub weibo: Vec<Item>,
    /// Bilibili video search results.
    pub bilibili: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    post: Vec<Item>,
}

fn parse(name: &str, text: &str) -> Vec<Item> {
    let mut items = toml::from_str::<File>(text)
        .unwrap_or_else(|e| panic!("bundled demo content {name} is invalid: {e}"))
        .post;
    // Newest first, as list pages and APIs show them.
    items.sort_by(|a, b| a.ago.total_cmp(&b.ago));
    items
}

impl Content {
    /// The material compiled into the binary (checked by the tests below).
    pub fn bundled() -> Content {
        Content {
            news: parse("news.toml", include_str!("content/news.toml")),
            notices: parse("notices.toml", include_str!("content/notices.toml")),
            forum: parse("forum.toml", include_str!("content/forum.toml")),
            feed: parse("feed.toml", include_str!("content/feed.toml")),
            weibo: parse("weibo.toml", include_str!("content/weibo.toml")),
            bilibili: parse("bilibili.toml", include_str!("content/bilibili.toml")),
        }
    }

    /// Every section with its name.
    pub fn sections(&self) -> [(&'static str, &[Item]); 6] {
        [
            ("news", &self.news),
            ("notices", &self.notices),
            ("forum", &self.forum),
            ("feed", &self.feed),
            ("weibo", &self.weibo),
            ("bilibili", &self.bilibili),
        ]
    }

    /// Posts plus the comments the APIs serve as posts of their own.
    pub fn post_count(&self) -> usize {
        let own = self.sections().iter().map(|(_, s)| s.len()).sum::<usize>();
        let comments: usize = [&self.weibo, &self.bilibili]
            .iter()
            .flat_map(|s| s.iter())
            .map(|i| i.replies.len())
            .sum();
        own + comments
    }
}

/// Beijing time, as Chinese sites print it.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// `ago` hours before `now`, in Beijing time, to the minute.
pub fn at(now: DateTime<Utc>, ago: f64) -> DateTime<FixedOffset> {
    use chrono::Timelike;
    let t = (now - Duration::seconds((ago * 3600.0) as i64)).with_timezone(&cst());
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn bundled_content_parses_and_is_consistent() {
        let c = Content::bundled();
        assert!(
            (80..=150).contains(&c.post_count()),
            "{} posts",
            c.post_count()
        );
        let mut ids = HashSet::new();
        for (name, items) in c.sections() {
            assert!(!items.is_empty(), "{name}");
            for i in items {
                assert!(ids.insert(i.id.as_str()), "duplicate id {}", i.id);
                assert!((0.0..=168.0).contains(&i.ago), "{}: ago {}", i.id, i.ago);
                assert!(!i.text.trim().is_empty(), "{}", i.id);
                if name != "weibo" {
                    assert!(!i.title.is_empty(), "{}: title", i.id);
                }
                for r in &i.replies {
                    assert!(r.ago <= i.ago, "{}: reply before the post", i.id);
                }
            }
        }
        for i in &c.bilibili {
            assert!(i.aid.is_some(), "{}: aid", i.id);
        }
        for i in &c.notices {
            let (_, _, lossy) = encoding_rs::GBK.encode(&format!("{}{}", i.title, i.text));
            assert!(!lossy, "{} is not representable in GBK", i.id);
        }
        let traps = c
            .sections()
            .iter()
            .flat_map(|(_, s)| s.iter())
            .filter(|i| i.trap)
            .count();
        assert!(traps >= 4, "{traps} traps");
    }

    #[test]
    fn times_are_relative_to_now() {
        let now = DateTime::parse_from_rfc3339("2026-03-18T10:00:30Z")
            .unwrap()
            .to_utc();
        let t = at(now, 1.5);
        assert_eq!(t.to_rfc3339(), "2026-03-18T16:30:00+08:00");
    }
}
