//! The page as blocks and paragraphs, and the choice of the main-text subtree
//! by text density and link density.
//!
//! One walk over the html5ever tree records every element (pre-order, so a
//! subtree is an index range) and cuts the text into paragraphs at block
//! boundaries and `<br>`. A paragraph with sentence punctuation (，。！？) counts
//! for the element that holds it; link text counts against it. Noise (nav,
//! footer, share bars, related lists … found by tag or class/id hints) is cut
//! out, unless it holds most of the page's prose (`<form>` around a whole
//! ASP.NET page, `class="content-side"` on the article).

use scraper::{Html, Node};

/// One element of the page.
#[derive(Debug)]
pub struct Block {
    pub tag: String,
    pub parent: Option<usize>,
    /// One past the last descendant: the subtree is `index..end`.
    pub end: usize,
    /// Class and id, lowercased, for hints and repeated-structure checks.
    pub signature: String,
    pub noise: bool,
    pub removed: bool,
    // Totals over the subtree (own paragraphs + kept children).
    pub good: f32,
    /// Non-link characters of punctuated paragraphs.
    pub prose: f32,
    pub link_chars: usize,
    pub punct: usize,
}

/// A run of inline text between block boundaries.
#[derive(Debug)]
pub struct Para {
    pub text: String,
    /// Short paragraphs only: the text with spaces kept and inline element
    /// boundaries shown as " | ", for byline patterns.
    pub info: String,
    /// The block that holds it.
    pub owner: usize,
    pub chars: usize,
    pub link_chars: usize,
    pub punct: usize,
    /// Inside a `<li>`, `<dd>` or table cell: list and table items are where
    /// related-article dates live.
    pub in_list: bool,
    /// Inside `<h1>`–`<h3>` or an element whose class says title.
    pub heading: bool,
}

impl Para {
    /// What the paragraph adds to its block's score: prose counts, short
    /// labels and link lists count against.
    fn weight(&self) -> f32 {
        let plain = self.chars.saturating_sub(self.link_chars) as f32;
        let link = self.link_chars as f32;
        if self.punct > 0 {
            plain + 2.0 * self.punct as f32 - link
        } else if plain >= 40.0 {
            0.5 * plain - link
        } else {
            -0.3 * plain - link
        }
    }
}

pub struct Page {
    pub blocks: Vec<Block>,
    pub paras: Vec<Para>,
}

const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "head", "iframe", "select", "option", "button",
    "input", "textarea", "svg", "canvas", "object", "embed", "map", "video", "audio",
];
const NOISE_TAGS: &[&str] = &["nav", "header", "footer", "aside", "form", "menu"];
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "td",
    "th",
    "ul",
    "caption",
    "tt",
];
/// Class/id substrings that mark boilerplate (long enough not to misfire).
const NOISE_SUBSTR: &[&str] = &[
    "footer",
    "comment",
    "share",
    "related",
    "relate",
    "recommend",
    "sidebar",
    "breadcrumb",
    "crumb",
    "copyright",
    "pinglun",
    "fenxiang",
    "tuijian",
    "advert",
    "banner",
    "toolbar",
    "pagination",
    "friendlink",
    "position",
    "location",
    "navbar",
    "topbar",
    "login",
    "download",
    "attach",
    "hotnews",
    "hot-news",
    "hot_news",
    "paihang",
    "social",
    "qrcode",
    "erweima",
    "statement",
    "disclaimer",
];
/// Class/id tokens (split on `-`, `_`, space) that mark boilerplate.
const NOISE_TOKENS: &[&str] = &[
    "nav", "menu", "foot", "side", "aside", "ad", "ads", "gg", "top", "bottom", "hot", "rank",
    "tags", "tag", "search", "header", "head", "logo", "dqwz", "xgwz", "xgxw", "xgyd", "yqlj",
    "links", "tool", "tools", "print", "sns", "more", "pager", "page", "next", "prev", "widget",
    "subnav", "list",
];

fn is_noise_signature(sig: &str) -> bool {
    if sig.is_empty() {
        return false;
    }
    NOISE_SUBSTR.iter().any(|h| sig.contains(h))
        || sig
            .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
            .any(|t| NOISE_TOKENS.contains(&t))
}

/// Class/id of a byline element (forum and blog user names).
pub fn is_author_signature(sig: &str) -> bool {
    [
        "author",
        "authi",
        "username",
        "user-name",
        "user_name",
        "uname",
        "nickname",
        "poster",
    ]
    .iter()
    .any(|h| sig.contains(h))
}

fn is_hidden(style: Option<&str>) -> bool {
    style.is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// Chinese sentence punctuation only: ASCII commas are in numbers (31,266)
/// and English footers ("Processed in 0.06 second(s), 27 queries").
pub fn is_sentence_punct(c: char) -> bool {
    matches!(c, '，' | '。' | '！' | '？' | '；' | '、' | '…' | '”')
}

pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

struct Builder {
    blocks: Vec<Block>,
    paras: Vec<Para>,
    buf: String,
    buf_link: usize,
    owner: usize,
    in_link: usize,
    in_list: usize,
    heading: usize,
}

impl Builder {
    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        // Titles keep their spaces ("召开工作会议 部署全年任务"): they are a
        // phrase separator there, not a line break of the source.
        let text = if self.heading > 0 {
            collapse_space(&self.buf)
        } else {
            normalize_space(&self.buf)
        };
        let info = if text.len() <= 600 {
            info_text(&self.buf)
        } else {
            String::new()
        };
        self.buf.clear();
        let link_chars = std::mem::take(&mut self.buf_link);
        if text.is_empty() {
            return;
        }
        let chars = text.chars().filter(|c| !c.is_whitespace()).count();
        let punct = text.chars().filter(|&c| is_sentence_punct(c)).count();
        self.paras.push(Para {
            text,
            info,
            owner: self.owner,
            chars,
            link_chars: link_chars.min(chars),
            punct,
            in_list: self.in_list > 0,
            heading: self.heading > 0,
        });
    }

    fn walk(&mut self, node: ego_tree::NodeRef<'_, Node>, parent: Option<usize>) {
        match node.value() {
            Node::Text(t) => {
                if self.in_link > 0 {
                    self.buf_link += t.chars().filter(|c| !c.is_whitespace()).count();
                }
                self.buf.push_str(&t.text);
            }
            Node::Element(el) => {
                let tag = el.name();
                if SKIP.contains(&tag) || is_hidden(el.attr("style")) {
                    return;
                }
                if tag == "br" {
                    self.flush();
                    return;
                }
                let signature = format!(
                    "{} {}",
                    el.attr("class").unwrap_or(""),
                    el.id().unwrap_or("")
                )
                .trim()
                .to_ascii_lowercase();
                let noise = NOISE_TAGS.contains(&tag) || is_noise_signature(&signature);
                // Noise is a paragraph boundary too, so its text can be cut out.
                // Bylines too, so the author's name is a paragraph of its own.
                let block = BLOCK_TAGS.contains(&tag) || noise || is_author_signature(&signature);
                let is_link = tag == "a";
                let is_list = matches!(tag, "li" | "dd" | "td" | "th");
                let is_heading =
                    matches!(tag, "h1" | "h2" | "h3") || (block && signature.contains("title"));
                let mut me = parent;
                if block {
                    self.flush();
                    let index = self.blocks.len();
                    self.blocks.push(Block {
                        tag: tag.to_string(),
                        parent,
                        end: index + 1,
                        signature,
                        noise,
                        removed: false,
                        good: 0.0,
                        prose: 0.0,
                        link_chars: 0,
                        punct: 0,
                    });
                    me = Some(index);
                }
                // Info lines are runs of spans: keep their boundaries for the
                // author and date patterns ("来源：南江晚报</span><span>记者 …").
                let marked = !block
                    && matches!(
                        tag,
                        "span" | "em" | "time" | "i" | "small" | "cite" | "label"
                    );
                if marked {
                    self.buf.push(BOUNDARY);
                }
                let saved_owner = self.owner;
                if let Some(i) = me {
                    self.owner = i;
                }
                self.in_link += is_link as usize;
                self.in_list += is_list as usize;
                self.heading += is_heading as usize;
                for child in node.children() {
                    self.walk(child, me);
                }
                if block {
                    self.flush();
                    let end = self.blocks.len();
                    self.blocks[me.unwrap()].end = end;
                } else if marked {
                    self.buf.push(BOUNDARY);
                }
                self.in_link -= is_link as usize;
                self.in_list -= is_list as usize;
                self.heading -= is_heading as usize;
                self.owner = saved_owner;
            }
            Node::Document | Node::Fragment => {
                for child in node.children() {
                    self.walk(child, parent);
                }
            }
            _ => {}
        }
    }
}

/// Marks an inline element boundary in the paragraph buffer.
const BOUNDARY: char = '\u{1}';

fn info_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut space, mut boundary) = (false, false);
    for c in s.chars() {
        if c == BOUNDARY {
            boundary = true;
        } else if c.is_whitespace() || c == '\u{200b}' {
            space = true;
        } else {
            if !out.is_empty() {
                let after_label = out.ends_with(['：', ':', '/']);
                if boundary && !after_label {
                    out.push_str(" | ");
                } else if space || boundary {
                    out.push(' ');
                }
            }
            space = false;
            boundary = false;
            out.push(c);
        }
    }
    out
}

/// Collapse whitespace runs to one space, trimmed.
pub fn collapse_space(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == BOUNDARY || c == '\u{200b}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Collapse whitespace (incl. NBSP and the ideographic space used to indent
/// Chinese paragraphs); drop it entirely between two CJK characters, where a
/// browser's space comes only from a line break in the source.
pub fn normalize_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    for c in s.chars() {
        if c == BOUNDARY {
            continue;
        }
        if c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' {
            pending = !out.is_empty();
            continue;
        }
        if pending {
            let prev = out.chars().next_back().unwrap_or(' ');
            if !(is_cjk_or_punct(prev) && is_cjk_or_punct(c)) {
                out.push(' ');
            }
            pending = false;
        }
        out.push(c);
    }
    out
}

fn is_cjk_or_punct(c: char) -> bool {
    is_cjk(c) || ('\u{3000}'..='\u{303f}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c)
}

impl Page {
    pub fn parse(doc: &Html) -> Page {
        let mut b = Builder {
            blocks: Vec::new(),
            paras: Vec::new(),
            buf: String::new(),
            buf_link: 0,
            owner: 0,
            in_link: 0,
            in_list: 0,
            heading: 0,
        };
        b.walk(doc.tree.root(), None);
        b.flush();
        let mut page = Page {
            blocks: b.blocks,
            paras: b.paras,
        };
        if page.blocks.is_empty() {
            return page;
        }
        // First pass: totals with everything in, to see how much prose each
        // noise candidate holds.
        page.aggregate();
        let total_punct = page.blocks[0].punct.max(1);
        for i in 0..page.blocks.len() {
            let b = &page.blocks[i];
            let inherited = b.parent.is_some_and(|p| page.blocks[p].removed);
            let removed = inherited || (b.noise && i > 0 && b.punct * 2 < total_punct);
            page.blocks[i].removed = removed;
        }
        page.aggregate();
        page
    }

    fn aggregate(&mut self) {
        for b in &mut self.blocks {
            b.good = 0.0;
            b.prose = 0.0;
            b.link_chars = 0;
            b.punct = 0;
        }
        for p in &self.paras {
            let b = &mut self.blocks[p.owner];
            b.good += p.weight();
            if p.punct > 0 {
                b.prose += p.chars.saturating_sub(p.link_chars) as f32;
            }
            b.link_chars += p.link_chars;
            b.punct += p.punct;
        }
        for i in (1..self.blocks.len()).rev() {
            if self.blocks[i].removed {
                continue;
            }
            if let Some(p) = self.blocks[i].parent {
                let (good, prose, link, punct) = (
                    self.blocks[i].good,
                    self.blocks[i].prose,
                    self.blocks[i].link_chars,
                    self.blocks[i].punct,
                );
                let parent = &mut self.blocks[p];
                parent.good += good;
                parent.prose += prose;
                parent.link_chars += link;
                parent.punct += punct;
            }
        }
    }

    /// Whether `para` is kept and inside the subtree of `block`.
    pub fn para_in(&self, para: &Para, block: usize) -> bool {
        (block..self.blocks[block].end).contains(&para.owner) && !self.blocks[para.owner].removed
    }

    /// The element whose subtree holds the main text.
    pub fn main_block(&self) -> Option<usize> {
        let mut best = self.best_in(0)?;
        // The tightest block that holds most of the prose: a card grid of
        // teasers with summaries can outweigh its links and lift the choice
        // to a wrapper of article + cards.
        for _ in 0..8 {
            let total = self.prose(best);
            match self
                .children(best)
                .find(|&c| !self.blocks[c].removed && self.prose(c) >= 0.7 * total)
            {
                Some(c) if total > 0.0 => best = c,
                _ => break,
            }
        }
        // A list of similar items (forum posts, a thread's floors) holds the
        // article in its first item: descend into it and choose again.
        for _ in 0..4 {
            match self.first_repeated_item(best) {
                Some(item) => best = self.best_in(item).unwrap_or(item),
                None => break,
            }
        }
        Some(best)
    }

    /// Characters of punctuated (prose) paragraphs kept in the subtree.
    fn prose(&self, block: usize) -> f32 {
        self.blocks[block].prose
    }

    fn best_in(&self, root: usize) -> Option<usize> {
        let mut best: Option<(usize, f32)> = None;
        for i in root..self.blocks[root].end {
            let b = &self.blocks[i];
            if b.removed || b.good <= 0.0 {
                continue;
            }
            // `>=`: on a tie the later (deeper) block is tighter.
            if best.is_none_or(|(_, s)| b.good >= s) {
                best = Some((i, b.good));
            }
        }
        best.map(|(i, _)| i)
    }

    fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = i + 1;
        let end = self.blocks[i].end;
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let c = next;
            next = self.blocks[c].end;
            Some(c)
        })
    }

    /// If `block` (or a child that holds nearly all its text) is a list of ≥ 3
    /// same-looking items that together hold most of the text, the first item
    /// with prose.
    fn first_repeated_item(&self, block: usize) -> Option<usize> {
        let mut at = block;
        for _ in 0..3 {
            let kids: Vec<usize> = self
                .children(at)
                .filter(|&c| !self.blocks[c].removed)
                .collect();
            // Items share a tag and their first class (`post-item first` and
            // `post-item reply`), ids without digits (`post_9001`).
            let key = |c: usize| {
                let b = &self.blocks[c];
                let first = b.signature.split_whitespace().next().unwrap_or("");
                let sig: String = first.chars().filter(|c| !c.is_ascii_digit()).collect();
                (b.tag.as_str(), sig)
            };
            let total = self.blocks[at].good.max(1.0);
            // A post has structure (byline + body); a paragraph `<div>` has not.
            let structured = |c: usize| self.blocks[c].end - c >= 3;
            for &k in &kids {
                let (tag, sig) = key(k);
                if sig.is_empty()
                    || !matches!(tag, "div" | "li" | "table" | "article" | "section" | "dl")
                {
                    continue;
                }
                let same: Vec<usize> = kids
                    .iter()
                    .copied()
                    .filter(|&c| key(c) == (tag, sig.clone()) && structured(c))
                    .collect();
                let with_text = same.iter().filter(|&&c| self.blocks[c].punct > 0).count();
                let share: f32 = same
                    .iter()
                    .map(|&c| self.blocks[c].good.max(0.0))
                    .sum::<f32>()
                    / total;
                if with_text >= 3 && share > 0.6 {
                    return same.into_iter().find(|&c| self.blocks[c].punct > 0);
                }
            }
            // Look through a wrapper that holds nearly everything.
            match kids
                .iter()
                .copied()
                .find(|&c| self.blocks[c].good > 0.8 * total)
            {
                Some(c) => at = c,
                None => break,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_between_cjk_are_dropped() {
        assert_eq!(
            normalize_space("  今天\n  学校 举行 GPT 4 大会\u{3000}"),
            "今天学校举行 GPT 4 大会"
        );
    }

    #[test]
    fn noise_hints() {
        for sig in [
            "main-nav",
            "footer",
            "news_share",
            "xgwz",
            "related-list",
            "side_bar left",
        ] {
            assert!(is_noise_signature(sig), "{sig}");
        }
        for sig in [
            "article-content",
            "v_news_content",
            "content",
            "right",
            "inside",
        ] {
            assert!(!is_noise_signature(sig), "{sig}");
        }
    }
}
