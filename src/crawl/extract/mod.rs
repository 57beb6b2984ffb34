//! Automatic article extraction.
// placeholder: replaced by the full implementation at merge

use scraper::{Html, Selector};

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Article {
    pub title: String,
    pub text: String,
    /// RFC 3339.
    pub published_at: Option<String>,
    pub author: Option<String>,
}

/// Title from `<title>`, text from the `<p>` elements.
pub fn extract_article(
    html: &str,
    _base_url: Option<&str>,
    _now: chrono::DateTime<chrono::FixedOffset>,
) -> Article {
    let doc = Html::parse_document(html);
    let text_of = |sel: &str| -> Vec<String> {
        let sel = Selector::parse(sel).expect("static selector");
        doc.select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    };
    Article {
        title: text_of("title").into_iter().next().unwrap_or_default(),
        text: text_of("p").join("\n"),
        published_at: None,
        author: None,
    }
}
