//! Automatic article extraction for Chinese pages, without selectors:
//! title, main text, publish time and author of a news page, a notice, a blog
//! post or the first post of a forum thread.

pub mod dates;
pub mod density;
pub mod title;

use crate::crawl::charset;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use density::Page;
use regex::Regex;
use scraper::{Html, Selector};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::LazyLock;

/// What the extractor found on a page.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Article {
    pub title: String,
    /// The main text, one paragraph a line.
    pub text: String,
    /// RFC 3339; `+08:00` when the page names no zone.
    pub published_at: Option<String>,
    pub author: Option<String>,
    /// `<link rel=canonical>` / `og:url`, resolved against the base URL; for dedup.
    #[serde(skip)]
    pub canonical_url: Option<String>,
}

/// `yuqing extract` output (design.md § 4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtractOutput {
    pub title: String,
    pub text: String,
    pub published_at: Option<String>,
    pub author: Option<String>,
    pub encoding: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("未知的字符编码: {0}")]
    UnknownEncoding(String),
    #[error("无效的基准 URL {url}: {source}")]
    BadUrl {
        url: String,
        source: url::ParseError,
    },
    #[error("{url}: {source}")]
    Fetch {
        url: String,
        source: crate::crawl::FetchError,
    },
    #[error("{0}: 服务器返回 304 未修改，但本次请求并未附带缓存条件")]
    Unexpected304(String),
}

/// Whether `input` of `yuqing extract` is a URL rather than a file.
pub fn is_url(input: &str) -> bool {
    let lower = input.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `yuqing extract URL`: fetch the page as the crawler would (robots.txt,
/// retries, charset from the header) and extract it.
pub async fn extract_url(
    fetcher: &crate::crawl::Fetcher,
    url: &str,
    encoding: Option<&str>,
) -> Result<ExtractOutput, ExtractError> {
    if let Some(label) = encoding
        && charset::lookup(label).is_none()
    {
        return Err(ExtractError::UnknownEncoding(label.to_string()));
    }
    let policy = crate::crawl::fetch::FetchPolicy::default();
    let fetched = fetcher
        .get(url, &policy, None)
        .await
        .map_err(|source| ExtractError::Fetch {
            url: url.to_string(),
            source,
        })?;
    let crate::crawl::fetch::Fetched::Page(page) = fetched else {
        return Err(ExtractError::Unexpected304(url.to_string()));
    };
    Ok(extract_bytes(
        &page.body,
        page.content_type.as_deref(),
        Some(&page.url),
        encoding,
        beijing_now(),
    ))
}

/// The extraction behind `yuqing extract [--base-url URL] [--encoding ENC] FILE`.
pub fn extract_command(
    input: &str,
    base_url: Option<&str>,
    encoding: Option<&str>,
) -> Result<ExtractOutput, ExtractError> {
    if let Some(label) = encoding
        && charset::lookup(label).is_none()
    {
        return Err(ExtractError::UnknownEncoding(label.to_string()));
    }
    if let Some(base) = base_url {
        url::Url::parse(base).map_err(|source| ExtractError::BadUrl {
            url: base.to_string(),
            source,
        })?;
    }
    let path = PathBuf::from(input);
    let bytes = std::fs::read(&path).map_err(|source| ExtractError::Io { path, source })?;
    Ok(extract_bytes(
        &bytes,
        None,
        base_url,
        encoding,
        beijing_now(),
    ))
}

/// Raw page bytes in, as the crawler has them (with the HTTP `Content-Type`).
pub fn extract_bytes(
    bytes: &[u8],
    content_type: Option<&str>,
    base_url: Option<&str>,
    encoding: Option<&str>,
    now: DateTime<FixedOffset>,
) -> ExtractOutput {
    let decoded = charset::decode(bytes, content_type, encoding);
    let a = extract_article_at(&decoded.text, base_url, now);
    ExtractOutput {
        title: a.title,
        text: a.text,
        published_at: a.published_at,
        author: a.author,
        encoding: decoded.encoding,
    }
}

/// The current time in Beijing.
pub fn beijing_now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&dates::china())
}

/// [`extract_article_at`] with relative times ("3小时前") read against the clock.
pub fn extract_article(html: &str, base_url: Option<&str>) -> Article {
    extract_article_at(html, base_url, beijing_now())
}

static SEL_META: LazyLock<Selector> = LazyLock::new(|| Selector::parse("meta[content]").unwrap());
static SEL_TITLE: LazyLock<Selector> = LazyLock::new(|| Selector::parse("title").unwrap());
static SEL_TIME: LazyLock<Selector> = LazyLock::new(|| Selector::parse("time[datetime]").unwrap());
static SEL_CANONICAL: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("link[rel=canonical][href]").unwrap());
static SEL_LD: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse(r#"script[type="application/ld+json"]"#).unwrap());

const META_PUBLISHED: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "og:release_date",
    "pubdate",
    "publishdate",
    "publish_date",
    "publish-date",
    "publishtime",
    "publish_time",
    "firstpublishedtime",
    "weibo:article:create_at",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "releasedate",
];
const META_AUTHOR: &[&str] = &[
    "author",
    "article:author",
    "dc.creator",
    "dcterms.creator",
    "byl",
];

struct Meta {
    doc_title: Option<String>,
    og_title: Option<String>,
    published: Option<String>,
    author: Option<String>,
    canonical: Option<String>,
}

fn read_meta(doc: &Html) -> Meta {
    let mut m = Meta {
        doc_title: doc
            .select(&SEL_TITLE)
            .next()
            .map(|t| t.text().collect::<String>()),
        og_title: None,
        published: None,
        author: None,
        canonical: doc
            .select(&SEL_CANONICAL)
            .next()
            .and_then(|l| l.attr("href"))
            .map(str::to_string),
    };
    let mut published_rank = usize::MAX;
    for el in doc.select(&SEL_META) {
        let key = ["property", "name", "itemprop", "http-equiv"]
            .iter()
            .find_map(|a| el.attr(a))
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
            .replace(' ', ""); // "weibo: article:create_at"
        let content = el.attr("content").unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        match key.as_str() {
            "og:title" | "twitter:title" if m.og_title.is_none() => {
                m.og_title = Some(content.to_string())
            }
            "og:url" if m.canonical.is_none() => m.canonical = Some(content.to_string()),
            k => {
                if let Some(rank) = META_PUBLISHED.iter().position(|p| *p == k) {
                    if rank < published_rank {
                        published_rank = rank;
                        m.published = Some(content.to_string());
                    }
                } else if META_AUTHOR.contains(&k) && m.author.is_none() && !content.contains("://")
                {
                    m.author = Some(content.to_string());
                }
            }
        }
    }
    if m.published.is_none() {
        m.published = doc
            .select(&SEL_TIME)
            .find_map(|t| t.attr("datetime"))
            .map(str::to_string);
    }
    if m.published.is_none() {
        static LD_DATE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r#""datePublished"\s*:\s*"([^"]+)""#).unwrap());
        m.published = doc.select(&SEL_LD).find_map(|s| {
            LD_DATE
                .captures(&s.text().collect::<String>())
                .map(|c| c[1].to_string())
        });
    }
    m
}

/// Extract title, main text, publish time and author. `now` is what relative
/// times ("3小时前", "昨天 14:30") are read against.
pub fn extract_article_at(
    html: &str,
    base_url: Option<&str>,
    now: DateTime<FixedOffset>,
) -> Article {
    let doc = Html::parse_document(html);
    let meta = read_meta(&doc);
    let page = Page::parse(&doc);

    let headings: Vec<String> = page
        .paras
        .iter()
        .filter(|p| p.heading)
        .map(|p| p.text.clone())
        .take(40)
        .collect();
    let title = title::choose_title(
        meta.doc_title.as_deref(),
        meta.og_title.as_deref(),
        &headings,
    );
    let title_key = comparable(&title);
    let main = page.main_block();
    let title_idx = page
        .paras
        .iter()
        .position(|p| p.heading && !title_key.is_empty() && comparable(&p.text) == title_key)
        .or_else(|| {
            page.paras
                .iter()
                .position(|p| p.heading && comparable(&p.text).contains(&title_key))
        })
        .or_else(|| main.and_then(|m| page.paras.iter().position(|p| page.para_in(p, m))))
        .unwrap_or(0);

    let text = main
        .map(|m| body_text(&page, m, &title_key))
        .unwrap_or_default();
    let published_at = find_published(&page, main, title_idx, meta.published.as_deref(), now)
        .map(|d| dates::format_rfc3339(&d));
    let author = find_author(&page, main, title_idx, meta.author.as_deref());
    let canonical_url =
        meta.canonical
            .and_then(|c| match base_url.and_then(|b| url::Url::parse(b).ok()) {
                Some(base) => base.join(&c).ok().map(String::from),
                None => url::Url::parse(&c).ok().map(String::from),
            });
    Article {
        title,
        text,
        published_at,
        author,
        canonical_url,
    }
}

fn comparable(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

static BOILERPLATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*[【\[]?\s*(上一篇|下一篇|上一条|下一条|上篇|下篇|上一页|下一页|分享到|分享至|打印本页|打印此页|打印|关闭窗口|关闭本页|关闭|返回顶部|返回列表|返回首页|收藏本页|扫一扫|扫描二维码|字号|字体|【|\[)",
    )
    .unwrap()
});
static LABEL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*[（(【\[]?\s*(供稿|责任编辑|编辑|审核|审稿|校对|初审|复审|终审|来源|作者|标签|关键词|关键字|Tags|点击数|点击量|浏览次数|浏览量|阅读次数|阅读量|发布时间|发布日期|发稿时间)\s*[:：]",
    )
    .unwrap()
});
static SOME_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}\s*[-/.年]\s*\d{1,2}").unwrap());
/// "（文/刘雨 图/研究生院 审核/邹平）": the credits line under an article.
static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[（(]\s*(?:文|图|文字|图片|摄影|记者|通讯员|撰稿)\s*[/／:：｜|]|(?:文|图)\s*[/／])").unwrap()
});
const INFO_LABELS: &[&str] = &[
    "发布时间",
    "发布日期",
    "时间：",
    "时间:",
    "日期：",
    "来源：",
    "来源:",
    "作者：",
    "作者:",
    "浏览",
    "点击",
    "阅读：",
    "阅读:",
    "编辑：",
    "发布者",
    "发布人",
    "字号",
    "供稿",
];

/// The main block's paragraphs minus the title, the info line and boilerplate.
fn body_text(page: &Page, main: usize, title_key: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for p in page.paras.iter().filter(|p| page.para_in(p, main)) {
        let t = p.text.as_str();
        let n = p.chars;
        if (!title_key.is_empty() && comparable(t) == title_key)
            || (n < 60 && BOILERPLATE.is_match(t))
            || (n < 80 && LABEL_LINE.is_match(t))
            || (n < 120 && INFO_LABELS.iter().filter(|l| t.contains(*l)).count() >= 2)
            || (p.punct == 0 && p.link_chars * 2 > n && n < 40)
            || (n < 80
                && p.punct == 0
                && INFO_LABELS.iter().any(|l| t.contains(*l))
                && SOME_DATE.is_match(t))
            || (n < 50 && BYLINE.is_match(t))
            || page.blocks[p.owner].tag == "figcaption"
        {
            continue;
        }
        lines.push(t);
    }
    lines.join("\n")
}

static DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(发布时间|发布日期|发表时间|发表于|发布于|发稿时间|时间|日期|posted|published)\s*[:：]?\s*$").unwrap()
});
static EVENT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(截止|截至|报名|活动|开始|结束|举办|举行|更新|修改|有效期|至|到|—|-|~)\s*[:：]?\s*$",
    )
    .unwrap()
});

/// Penalty for a paragraph's position: the info line sits just after the title.
fn distance_penalty(i: usize, title_idx: usize) -> f32 {
    if i >= title_idx {
        ((i - title_idx) as f32).min(80.0)
    } else {
        ((title_idx - i) as f32 * 2.0).min(160.0) + 5.0
    }
}

fn find_published(
    page: &Page,
    main: Option<usize>,
    title_idx: usize,
    meta: Option<&str>,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let limit = now + Duration::hours(1);
    let meta_date = meta
        .and_then(|m| dates::find_dates(m, now).into_iter().next())
        .filter(|f| f.at <= limit);
    let mut best: Option<(f32, dates::FoundDate)> = None;
    for (i, p) in page.paras.iter().enumerate() {
        if p.chars > 400 {
            continue;
        }
        for f in dates::find_dates(&p.text, now) {
            if f.at > limit {
                continue;
            }
            let before: String = {
                let head = &p.text[..f.start];
                let k = head.char_indices().rev().nth(11).map_or(0, |(k, _)| k);
                head[k..].to_string()
            };
            let mut score = -distance_penalty(i, title_idx);
            if DATE_LABEL.is_match(&before) {
                score += 40.0;
            } else if EVENT_LABEL.is_match(&before) {
                score -= 30.0;
            }
            if f.has_time {
                score += 5.0;
            }
            if p.in_list {
                score -= 25.0;
            }
            if page.blocks[p.owner].removed {
                score -= 10.0;
            }
            if main.is_some_and(|m| page.para_in(p, m)) && !DATE_LABEL.is_match(&before) {
                // Dates in the running text are mostly event dates.
                score -= 15.0;
            }
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, f));
            }
        }
    }
    match (meta_date, best) {
        // A date-only meta loses to a text time of the same day.
        (Some(m), Some((_, t)))
            if !m.has_time && t.has_time && m.at.date_naive() == t.at.date_naive() =>
        {
            Some(t.at)
        }
        (Some(m), _) => Some(m.at),
        (None, Some((_, t))) => Some(t.at),
        (None, None) => None,
    }
}

static AUTHOR_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(责任编辑|作者|撰稿人|撰稿|撰文|记者|通讯员|发布者|发布人|发帖人|楼主|来源|编辑|文)\s*(?:[:：/｜]\s*|\s+)([^\s:：|｜，,；;【】\[\]（）()<>]{2,24})(?:[ \u{3000}]+([\p{Han}]{2,4})(?:[\s|｜]|$))?").unwrap()
});
/// "作者：外国语学院 孙佳": a unit, then the person.
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(学院|学校|大学|部|处|中心|办公室|委员会|系|馆|所|站|室|团委|报社|杂志社)$")
        .unwrap()
});
const AUTHOR_STOP: &[&str] = &[
    "发布", "时间", "日期", "来源", "作者", "编辑", "浏览", "点击", "阅读", "字号", "审核",
];

fn label_strength(label: &str) -> Option<f32> {
    Some(match label {
        "作者" => 10.0,
        "撰稿人" | "撰稿" | "撰文" | "记者" | "文" => 8.0,
        "发布者" | "发布人" | "发帖人" | "楼主" => 6.0,
        "通讯员" => 5.0,
        "来源" => 3.0,
        "编辑" => 2.0,
        _ => return None, // 责任编辑 is the editor, not the author
    })
}

fn clean_author(value: &str) -> Option<String> {
    let mut v = value;
    for stop in AUTHOR_STOP {
        if let Some(k) = v.find(stop).filter(|&k| k > 0) {
            v = &v[..k];
        }
    }
    let v = v.trim_matches(|c: char| c.is_whitespace() || "·-—_：:".contains(c));
    let digits = v.chars().filter(char::is_ascii_digit).count();
    (v.chars().count() >= 2 && digits * 2 < v.chars().count()).then(|| v.to_string())
}

fn find_author(
    page: &Page,
    main: Option<usize>,
    title_idx: usize,
    meta: Option<&str>,
) -> Option<String> {
    let mut best: Option<(f32, String)> = meta.and_then(clean_author).map(|a| (50.0, a));
    let mut consider = |score: f32, value: String| {
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, value));
        }
    };
    for (i, p) in page.paras.iter().enumerate() {
        let penalty = distance_penalty(i, title_idx) + if p.in_list { 25.0 } else { 0.0 };
        if p.chars <= 150 {
            for c in AUTHOR_LABEL.captures_iter(&p.info) {
                let label = c.get(1).unwrap();
                // "文" alone only as a byline "文/张三" or "（文 张三）".
                if label.as_str() == "文"
                    && !p.info[label.end()..].starts_with(['/', '｜', ' ', '：'])
                {
                    continue;
                }
                let in_body = main.is_some_and(|m| page.para_in(p, m));
                if label.as_str() == "文" && in_body && p.chars > 40 {
                    continue;
                }
                let value = match c.get(3) {
                    Some(person)
                        if UNIT.is_match(&c[2]) && label_strength(person.as_str()).is_none() =>
                    {
                        person.as_str()
                    }
                    _ => &c[2],
                };
                if let (Some(strength), Some(v)) =
                    (label_strength(label.as_str()), clean_author(value))
                {
                    consider(strength * 10.0 - penalty, v);
                }
            }
        }
        // Forum and blog bylines: <a class="username">…</a>.
        // A bare name: one token, no label, no date.
        if p.chars <= 20
            && !p
                .text
                .contains(|c: char| c.is_whitespace() || "|｜:：".contains(c))
            && density::is_author_signature(&page.blocks[p.owner].signature)
            && let Some(v) = clean_author(&p.text)
        {
            // Below a meta author: on WeChat-like pages the "nickname" is
            // the account, not the author.
            consider(45.0 - penalty, v);
        }
    }
    best.map(|(_, a)| a)
}

/// Body-text F1 as the fixture test and `benches/extract/eval.py` define it:
/// precision and recall over the multiset of non-whitespace characters
/// (bag of characters, so paragraph splitting and spacing do not matter, but
/// every kept boilerplate character and every lost body character does).
pub fn char_f1(got: &str, want: &str) -> f64 {
    use std::collections::HashMap;
    let bag = |s: &str| {
        let mut m: HashMap<char, usize> = HashMap::new();
        for c in s.chars().filter(|c| !c.is_whitespace()) {
            *m.entry(c).or_default() += 1;
        }
        m
    };
    let (g, w) = (bag(got), bag(want));
    let (ng, nw): (usize, usize) = (g.values().sum(), w.values().sum());
    if ng == 0 || nw == 0 {
        return if ng == nw { 1.0 } else { 0.0 };
    }
    let common: usize = g
        .iter()
        .map(|(c, n)| (*n).min(*w.get(c).unwrap_or(&0)))
        .sum();
    let (p, r) = (common as f64 / ng as f64, common as f64 / nw as f64);
    if common == 0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2024-03-20T10:00:00+08:00").unwrap()
    }

    const BODY: [&str; 3] = [
        "3月18日，学校举行春季运动会开幕式，两千余名师生参加。",
        "本届运动会共设田径、趣味项目等32个比赛项目，历时两天。",
        "校长在致辞中勉励同学们积极锻炼，享受运动的快乐。",
    ];

    fn page(extra_body: &str) -> String {
        format!(
            r#"<html><head><title>春季运动会开幕_新闻网_某学院</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/a">学校概况</a><a href="/b">新闻中心</a></div>
<h1>春季运动会开幕</h1>
<div class="info">发布时间：2024-03-18 15:30　来源：体育部　作者：陈晨　浏览次数：88</div>
<div class="content"><p>{}</p><p>{}</p><p>{}</p>{extra_body}</div>
<div class="share">分享到：<a>微信</a><a>微博</a></div>
<div>上一篇：<a href="/1">图书馆开展读书月活动</a></div><div>下一篇：<a href="/2">学院召开教学工作会议</a></div>
<ul class="related"><li><a href="/3">去年运动会圆满落幕</a> 2023-03-20</li></ul>
<div class="footer">版权所有 © 2024 某学院</div></body></html>"#,
            BODY[0], BODY[1], BODY[2]
        )
    }

    #[test]
    fn boilerplate_and_info_lines_are_dropped() {
        let extra = "<p>【打印本页】【关闭窗口】</p><p>责任编辑：王五</p><p>（文/陈晨 图/李四）</p><p>分享到：</p>";
        let a = extract_article_at(&page(extra), None, now());
        assert_eq!(a.text, BODY.join("\n"));
        assert_eq!(a.title, "春季运动会开幕");
        assert_eq!(a.published_at.as_deref(), Some("2024-03-18T15:30:00+08:00"));
        assert_eq!(a.author.as_deref(), Some("陈晨"));
    }

    #[test]
    fn editor_is_not_the_author_and_source_is_a_fallback() {
        let html = page("").replace("作者：陈晨", "责任编辑：王五");
        assert_eq!(
            extract_article_at(&html, None, now()).author.as_deref(),
            Some("体育部")
        );
    }

    #[test]
    fn relative_time_of_a_forum_post() {
        let html = format!(
            r#"<html><head><title>求助帖_校园论坛</title></head><body><h1>求助帖</h1>
<div class="postlist"><div class="post first"><div class="head"><a class="username">小明</a> 发表于 3小时前</div><div class="body">{}</div></div>
<div class="post reply"><div class="head"><a class="username">小红</a> 发表于 刚刚</div><div class="body">同问，我也想知道。</div></div>
<div class="post reply"><div class="head"><a class="username">小刚</a> 发表于 5分钟前</div><div class="body">帮顶，楼主加油。</div></div>
<div class="post reply"><div class="head"><a class="username">小李</a> 发表于 昨天 14:30</div><div class="body">去年问过，老师说可以。</div></div></div></body></html>"#,
            BODY.join("<br>")
        );
        let a = extract_article_at(&html, None, now());
        assert_eq!(a.text, BODY.join("\n"));
        assert_eq!(a.published_at.as_deref(), Some("2024-03-20T07:00:00+08:00"));
        assert_eq!(a.author.as_deref(), Some("小明"));
    }

    #[test]
    fn canonical_url_is_resolved() {
        let html = page("").replace(
            "<head>",
            r#"<head><link rel="canonical" href="/news/18.htm">"#,
        );
        let a = extract_article_at(
            &html,
            Some("http://www.example.edu.cn/news/list.htm"),
            now(),
        );
        assert_eq!(
            a.canonical_url.as_deref(),
            Some("http://www.example.edu.cn/news/18.htm")
        );
    }

    #[test]
    fn char_f1_is_a_bag_of_characters() {
        assert_eq!(char_f1("今天 天气", "今天天气"), 1.0);
        assert_eq!(char_f1("", "今天"), 0.0);
        assert!((char_f1("今天天气好", "今天天气") - 2.0 * 0.8 / 1.8).abs() < 1e-9);
    }
}
