//! HTML to plain text, for post bodies from pages, feeds and APIs.

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node};

const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "header",
    "footer",
];

/// Plain text of an HTML fragment: tags dropped, `<img alt>` kept (Weibo's
/// emoticons like `[怒]`), block elements on their own lines, whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return normalize(html);
    }
    let frag = Html::parse_fragment(html);
    let mut out = String::new();
    walk(*frag.root_element(), &mut out);
    normalize(&out)
}

/// Plain text of one element of a parsed page.
pub fn element_text(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    walk(*el, &mut out);
    normalize(&out)
}

fn walk(node: NodeRef<'_, Node>, out: &mut String) {
    match node.value() {
        Node::Text(t) => out.push_str(t),
        Node::Element(e) => {
            let name = e.name();
            if matches!(name, "script" | "style" | "noscript" | "template") {
                return;
            }
            if name == "img" {
                if let Some(alt) = e.attr("alt") {
                    out.push_str(alt);
                }
                return;
            }
            let block = BLOCK.contains(&name);
            if block {
                out.push('\n');
            }
            for c in node.children() {
                walk(c, out);
            }
            if block {
                out.push('\n');
            }
        }
        _ => {
            for c in node.children() {
                walk(c, out);
            }
        }
    }
}

/// Collapse runs of whitespace inside lines, drop blank lines.
pub fn normalize(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A title for a post that has none (microblogs, comments): its first line,
/// at most `max` characters.
pub fn title_from_text(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut t: String = line.chars().take(max).collect();
    if line.chars().count() > max {
        t.push('…');
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_keeps_emoticons_and_lines() {
        let t = html_to_text(
            "食堂又出问题<span class=\"url-icon\"><img alt=\"[怒]\" src=\"x.png\"></span>！<br/><a href='/n/x'>@某人</a> &amp; 更多<script>var a=1;</script>",
        );
        assert_eq!(t, "食堂又出问题[怒]！\n@某人 & 更多");
        assert_eq!(html_to_text("  plain   text "), "plain text");
    }

    #[test]
    fn titles_from_text() {
        assert_eq!(title_from_text("一二三四五\n六", 3), "一二三…");
        assert_eq!(title_from_text("短", 3), "短");
    }
}
