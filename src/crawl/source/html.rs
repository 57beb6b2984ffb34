//! `kind = "html"`: a list page (with pagination) linking to detail pages,
//! read with CSS selectors or automatic article extraction; or, with
//! `inline = true`, posts listed on the page itself (forums).

use super::{RunCtx, Source, SourceError, invalid};
use crate::config::ConfigError;
use crate::crawl::extract::extract_article_at;
use crate::crawl::fetch::{FetchError, Fetched, Fetcher};
use crate::crawl::text::element_text;
use crate::crawl::time::parse_time;
use crate::dedup::canonical_url;
use chrono::{DateTime, FixedOffset, Utc};
use scraper::{ElementRef, Html, Selector};
use serde::Deserialize;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExtractMode {
    /// Use the `title`/`body`/`time`/`author` selectors.
    #[default]
    Selectors,
    /// Automatic article extraction (the same as `yuqing extract`).
    Auto,
}

const DEFAULT_ITEMS: &str = "ul li a";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlConfig {
    /// CSS selector of the items on the list page (links, or posts with
    /// `inline`); default `ul li a`, the usual campus CMS news list.
    #[serde(default)]
    pub items: Option<String>,
    /// Selector of the link inside an item (default: the item if it has an
    /// `href`, else its first `a[href]`).
    #[serde(default)]
    pub link: Option<String>,
    /// Selector of the "next page" link …
    #[serde(default)]
    pub next_page: Option<String>,
    /// … or a URL pattern for pages 2, 3, …: `http://x/news/list_{page}.html`.
    #[serde(default)]
    pub page_url: Option<String>,
    /// List pages read per run (default 1, or 3 with pagination).
    #[serde(default)]
    pub max_pages: Option<u32>,
    /// Default: `selectors` when `body` is set, else `auto`.
    #[serde(default)]
    pub extract: Option<ExtractMode>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub time: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    /// The items are the posts: no detail pages are fetched.
    #[serde(default)]
    pub inline: bool,
}

#[derive(Debug)]
pub struct HtmlSource {
    items: Selector,
    items_text: String,
    link: Option<Selector>,
    next_page: Option<Selector>,
    page_url: Option<String>,
    max_pages: u32,
    fields: Option<Fields>,
    inline: bool,
}

#[derive(Debug)]
struct Fields {
    title: Option<Selector>,
    body: Selector,
    time: Option<Selector>,
    author: Option<Selector>,
}

fn selector(source: &str, field: &str, css: &str) -> Result<Selector, ConfigError> {
    Selector::parse(css)
        .map_err(|e| invalid(source, field, format!("invalid CSS selector '{css}': {e}")))
}

impl HtmlConfig {
    pub fn build(&self, source: &str) -> Result<HtmlSource, ConfigError> {
        let opt = |field: &str, css: &Option<String>| {
            css.as_deref()
                .map(|c| selector(source, field, c))
                .transpose()
        };
        if self.next_page.is_some() && self.page_url.is_some() {
            return Err(invalid(
                source,
                "page_url",
                "use either next_page or page_url, not both",
            ));
        }
        if let Some(p) = &self.page_url {
            if !p.contains("{page}") {
                return Err(invalid(
                    source,
                    "page_url",
                    format!("'{p}' has no {{page}} placeholder"),
                ));
            }
            url::Url::parse(&p.replace("{page}", "2"))
                .map_err(|e| invalid(source, "page_url", format!("'{p}': {e}")))?;
        }
        let mode = self.extract.unwrap_or(if self.body.is_some() {
            ExtractMode::Selectors
        } else {
            ExtractMode::Auto
        });
        let fields = match mode {
            ExtractMode::Auto => {
                if self.inline {
                    return Err(invalid(
                        source,
                        "extract",
                        "\"auto\" needs detail pages; it cannot be used with inline = true",
                    ));
                }
                None
            }
            ExtractMode::Selectors => {
                let body = self.body.as_deref().ok_or_else(|| {
                    invalid(source, "body", "required (or set extract = \"auto\")")
                })?;
                Some(Fields {
                    title: opt("title", &self.title)?,
                    body: selector(source, "body", body)?,
                    time: opt("time", &self.time)?,
                    author: opt("author", &self.author)?,
                })
            }
        };
        let paginated = self.next_page.is_some() || self.page_url.is_some();
        let max_pages = self.max_pages.unwrap_or(if paginated { 3 } else { 1 });
        if max_pages == 0 {
            return Err(invalid(source, "max_pages", "must be at least 1"));
        }
        let items = self.items.as_deref().unwrap_or(DEFAULT_ITEMS);
        Ok(HtmlSource {
            items: selector(source, "items", items)?,
            items_text: items.to_string(),
            link: opt("link", &self.link)?,
            next_page: opt("next_page", &self.next_page)?,
            page_url: self.page_url.clone(),
            max_pages,
            fields,
            inline: self.inline,
        })
    }
}

/// What a list page holds, read synchronously (a parsed page is not `Send`).
struct ListPage {
    links: Vec<String>,
    inline: Vec<Item>,
    next: Option<String>,
    matched: usize,
}

/// A detail page, fetched and read.
enum Detail {
    Item(Item),
    NotModified,
    Disallowed,
    Failed(String),
}

/// Detail pages in flight for one source: the host's concurrency when the
/// source is polite (its gate would hold more back anyway), else
/// [`UNPOLITE_WINDOW`].
fn detail_window(ctx: &RunCtx<'_>) -> usize {
    if ctx.source.policy.polite {
        ctx.fetcher.settings().per_host_concurrency.max(1)
    } else {
        UNPOLITE_WINDOW
    }
}

/// Detail pages in flight when politeness is off (as Scrapy's default
/// `CONCURRENT_REQUESTS`).
const UNPOLITE_WINDOW: usize = 16;

/// Futures run concurrently on the current task, their outputs taken in the
/// order they were pushed. Nothing is spawned, so they may borrow.
struct Ordered<F: Future> {
    slots: VecDeque<Slot<F>>,
}

enum Slot<F: Future> {
    Running(Pin<Box<F>>),
    Done(F::Output),
}

impl<F: Future> Ordered<F> {
    fn new() -> Self {
        Ordered {
            slots: VecDeque::new(),
        }
    }

    fn len(&self) -> usize {
        self.slots.len()
    }

    fn push(&mut self, f: F) {
        self.slots.push_back(Slot::Running(Box::pin(f)));
    }

    fn poll_all(&mut self, cx: &mut Context<'_>) {
        for slot in &mut self.slots {
            if let Slot::Running(f) = slot
                && let Poll::Ready(out) = f.as_mut().poll(cx)
            {
                *slot = Slot::Done(out);
            }
        }
    }

    /// The oldest future's output, once it is ready; `None` when empty.
    async fn next(&mut self) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            self.poll_all(cx);
            match self.slots.front() {
                None => Poll::Ready(None),
                Some(Slot::Done(_)) => match self.slots.pop_front() {
                    Some(Slot::Done(out)) => Poll::Ready(Some(out)),
                    _ => unreachable!("front slot is done"),
                },
                Some(Slot::Running(_)) => Poll::Pending,
            }
        })
        .await
    }

    /// Run `work` to completion while the queued futures keep going.
    async fn alongside<T>(&mut self, work: impl Future<Output = T>) -> T {
        let mut work = std::pin::pin!(work);
        std::future::poll_fn(|cx| {
            self.poll_all(cx);
            work.as_mut().poll(cx)
        })
        .await
    }
}

#[derive(Debug, Default)]
struct Item {
    url: Option<String>,
    title: String,
    text: String,
    author: Option<String>,
    published_at: Option<DateTime<Utc>>,
}

impl HtmlSource {
    pub async fn run(&self, ctx: &mut RunCtx<'_>) -> Result<(), SourceError> {
        let mut page_url = ctx.source.url.to_string();
        for page_no in 1..=self.max_pages {
            let page = match ctx.fetch(&page_url, true).await {
                Ok(Some(p)) => p,
                Ok(None) => break, // 304: nothing new from here on
                Err(e) if page_no == 1 => return Err(e.into()),
                Err(e) => {
                    ctx.item_error(&format!("第 {page_no} 页"), e);
                    break;
                }
            };
            let html = ctx.decode(&page);
            let list = self.read_list(&html, &page.url, ctx.now);
            if list.matched == 0 {
                if page_no == 1 {
                    return Err(SourceError::NoItems(self.items_text.clone()));
                }
                break;
            }
            let mut any_new = false;
            for item in list.inline {
                if ctx.full() {
                    return Ok(());
                }
                let id = match &item.url {
                    Some(u) => canonical_url(u),
                    None => format!(
                        "{:016x}",
                        crate::dedup::content_hash(&item.title, &item.text)
                    ),
                };
                if ctx.cursor.is_seen(&id) {
                    ctx.stats.skipped += 1;
                    continue;
                }
                any_new = true;
                let mut post = ctx.post(id.clone());
                post.url = item.url;
                post.title = item.title;
                post.text = item.text;
                post.author = item.author;
                post.published_at = item.published_at;
                ctx.ingest(&post, &id).await?;
            }
            // Detail pages are fetched and read up to `window` at a time,
            // ahead of the writes, which stay one at a time and in list
            // order (the cursor and the item budget see the same sequence
            // as a sequential crawl).
            let window = detail_window(ctx);
            let (fetcher, source, now) = (ctx.fetcher, ctx.source, ctx.now);
            let mut pending = Ordered::new();
            let mut links = list.links.into_iter();
            loop {
                while pending.len() < window && ctx.stats.fetched + pending.len() < ctx.limit {
                    let Some(link) = links.next() else { break };
                    let id = canonical_url(&link);
                    if ctx.cursor.is_seen(&id) {
                        ctx.stats.skipped += 1;
                        continue;
                    }
                    any_new = true;
                    ctx.stats.requests += 1;
                    pending.push(self.detail(fetcher, source, link, id, now));
                }
                let Some((link, id, detail)) = pending.next().await else {
                    break;
                };
                match detail {
                    Detail::Item(item) => {
                        let mut post = ctx.post(id.clone());
                        post.url = Some(link);
                        post.title = item.title;
                        post.text = item.text;
                        post.author = item.author;
                        post.published_at = item.published_at;
                        pending.alongside(ctx.ingest(&post, &id)).await?;
                    }
                    Detail::NotModified => ctx.stats.not_modified += 1,
                    Detail::Disallowed => ctx.stats.skipped += 1,
                    Detail::Failed(message) => ctx.item_error(&link, message),
                }
            }
            if ctx.full() {
                return Ok(());
            }
            if !any_new {
                break; // everything on this page was taken before: older pages too
            }
            let next = match (&list.next, &self.page_url) {
                (Some(n), _) => Some(n.clone()),
                (None, Some(pattern)) if self.next_page.is_none() => {
                    Some(pattern.replace("{page}", &(page_no + 1).to_string()))
                }
                _ => None,
            };
            match next {
                Some(n) if n != page_url => page_url = n,
                _ => break,
            }
        }
        Ok(())
    }

    /// Fetch and read one detail page (no store access: runs ahead of the writes).
    async fn detail(
        &self,
        fetcher: &Fetcher,
        source: &Source,
        link: String,
        id: String,
        now: DateTime<FixedOffset>,
    ) -> (String, String, Detail) {
        let detail = match fetcher.get(&link, &source.policy, None).await {
            Ok(Fetched::Page(page)) => {
                let html = page.decode(source.policy.encoding.as_deref()).text;
                match self.read_detail(&html, &page.url, now) {
                    Ok(item) => Detail::Item(item),
                    Err(message) => Detail::Failed(message),
                }
            }
            Ok(Fetched::NotModified) => Detail::NotModified,
            Err(FetchError::RobotsDisallowed(_)) => Detail::Disallowed,
            Err(e) => Detail::Failed(e.to_string()),
        };
        (link, id, detail)
    }

    fn read_list(&self, html: &str, base: &str, now: DateTime<FixedOffset>) -> ListPage {
        let doc = Html::parse_document(html);
        let mut list = ListPage {
            links: Vec::new(),
            inline: Vec::new(),
            next: None,
            matched: 0,
        };
        for el in doc.select(&self.items) {
            list.matched += 1;
            let link = self.item_link(el).and_then(|h| RunCtx::resolve(base, &h));
            if self.inline {
                if let Some(f) = &self.fields {
                    let mut item = read_fields(f, el, now);
                    if item.title.is_empty() {
                        item.title = self.link_element(el).map(element_text).unwrap_or_default();
                    }
                    item.url = link;
                    if !item.text.is_empty() || !item.title.is_empty() {
                        list.inline.push(item);
                    }
                }
            } else if let Some(l) = link
                && !list.links.contains(&l)
            {
                list.links.push(l);
            }
        }
        if let Some(sel) = &self.next_page {
            list.next = doc
                .select(sel)
                .next()
                .and_then(|a| a.value().attr("href"))
                .and_then(|h| RunCtx::resolve(base, h));
        }
        list
    }

    fn link_element<'a>(&self, el: ElementRef<'a>) -> Option<ElementRef<'a>> {
        match &self.link {
            Some(sel) => el.select(sel).next(),
            None if el.value().attr("href").is_some() => Some(el),
            None => {
                let a = Selector::parse("a[href]").expect("static selector");
                el.select(&a).next()
            }
        }
    }

    fn item_link(&self, el: ElementRef<'_>) -> Option<String> {
        self.link_element(el)
            .and_then(|a| a.value().attr("href"))
            .map(str::to_string)
    }

    fn read_detail(
        &self,
        html: &str,
        url: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<Item, String> {
        match &self.fields {
            None => {
                let a = extract_article_at(html, Some(url), now);
                if a.text.trim().is_empty() {
                    return Err("自动提取未找到正文".into());
                }
                Ok(Item {
                    url: None,
                    title: a.title,
                    text: a.text,
                    author: a.author,
                    published_at: a.published_at.as_deref().and_then(|t| parse_time(t, now)),
                })
            }
            Some(f) => {
                let doc = Html::parse_document(html);
                let mut item = read_fields(f, doc.root_element(), now);
                if item.text.is_empty() {
                    return Err("正文选择器未匹配（页面结构可能已改变）".into());
                }
                if item.title.is_empty() {
                    let t = Selector::parse("title").expect("static selector");
                    item.title = doc.select(&t).next().map(element_text).unwrap_or_default();
                }
                Ok(item)
            }
        }
    }
}

fn read_fields(f: &Fields, scope: ElementRef<'_>, now: DateTime<FixedOffset>) -> Item {
    let first = |sel: &Option<Selector>| sel.as_ref().and_then(|s| scope.select(s).next());
    let body: Vec<String> = scope.select(&f.body).map(element_text).collect();
    let published_at = first(&f.time).and_then(|el| {
        ["datetime", "content", "title"]
            .iter()
            .filter_map(|a| el.value().attr(a))
            .find_map(|v| parse_time(v, now))
            .or_else(|| parse_time(&element_text(el), now))
    });
    Item {
        url: None,
        title: first(&f.title).map(element_text).unwrap_or_default(),
        text: body.join("\n").trim().to_string(),
        author: first(&f.author)
            .map(element_text)
            .map(|a| strip_label(&a))
            .filter(|a| !a.is_empty()),
        published_at,
    }
}

/// "作者：张三" → "张三".
fn strip_label(s: &str) -> String {
    let s = s.trim();
    for label in [
        "作者",
        "来源",
        "发布人",
        "发布者",
        "编辑",
        "文",
        "撰稿",
        "楼主",
    ] {
        if let Some(rest) = s.strip_prefix(label) {
            let rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix(['：', ':', '|', '丨']) {
                return r.trim().to_string();
            }
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_stripped() {
        assert_eq!(strip_label("作者：张三"), "张三");
        assert_eq!(strip_label("来源: 宣传部"), "宣传部");
        assert_eq!(strip_label("李四"), "李四");
    }
}
