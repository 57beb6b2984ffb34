//! `yuqing search`: catch the index up with the store, then query it.

use crate::analyze::tokenize::Tokenizer;
use crate::config::Config;
use crate::search::{self, JiebaTokenizer, SearchError, SearchHit, SearchIndex, SearchOptions};
use crate::store::Store;
use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Configuration file (default: ./yuqing.toml if present).
    #[arg(long, env = "YUQING_CONFIG")]
    pub config: Option<PathBuf>,
    /// At most this many results.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// One JSON object per result instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Rebuild the index from the store first (the query is then optional).
    #[arg(long)]
    pub reindex: bool,
    /// Only posts published at or after this time (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// Only posts published before this time (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,
    /// The query: words, "phrases", AND/OR/NOT, field:value (see docs/search.md).
    #[arg(value_name = "QUERY", required_unless_present = "reindex")]
    pub query: Vec<String>,
}

/// An RFC 3339 time for a command-line flag; clap names the flag on error.
pub(super) fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("需要 RFC 3339 时间，例如 2026-03-01T00:00:00+08:00（{e}）"))
}

/// A result as `--json` prints it.
#[derive(Serialize)]
struct JsonHit<'a> {
    post_id: i64,
    title: &'a str,
    snippet: &'a str,
    score: f32,
    source: &'a str,
    channel: &'a str,
    level: &'a str,
    published_at: Option<DateTime<Utc>>,
}

pub(super) fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let config =
        Config::load(args.config.as_deref()).context("配置文件无效 (invalid configuration)")?;
    let query = args.query.join(" ");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("无法启动运行时")?;
    let hits = runtime.block_on(async {
        let store = Store::open(
            config.database_url.as_ref().map(|s| s.expose()),
            &config.data_dir,
        )
        .await
        .context("无法打开数据库")?;
        let mut index = open_index(&config)?;
        if args.reindex {
            let n = search::rebuild(&store, &mut index)
                .await
                .context("重建搜索索引失败")?;
            eprintln!("已重建搜索索引：{n} 条帖子");
        } else {
            match search::catch_up(&store, &mut index).await {
                Ok(_) => {}
                // Another process is updating the index: search what it has.
                Err(SearchError::Busy) => {
                    eprintln!("提示：搜索索引正被另一个进程更新，结果可能不是最新的")
                }
                Err(e) => return Err(anyhow::Error::new(e).context("更新搜索索引失败")),
            }
        }
        if query.trim().is_empty() && args.reindex && args.since.is_none() && args.until.is_none() {
            return Ok(None);
        }
        let opts = SearchOptions {
            limit: args.limit,
            since: args.since,
            until: args.until,
        };
        Ok(Some(index.search(&query, opts)))
    })?;
    let hits = match hits {
        None => return Ok(ExitCode::SUCCESS),
        Some(Ok(hits)) => hits,
        Some(Err(e @ SearchError::Query { .. })) => {
            eprintln!("错误: {e}");
            return Ok(ExitCode::from(2));
        }
        Some(Err(e)) => return Err(anyhow::Error::new(e).context("搜索失败")),
    };
    let out = io::stdout().lock();
    let written = if args.json {
        write_json(out, &hits)
    } else {
        write_table(out, &hits)
    };
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => {
            other.context("无法写出结果")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open_index(config: &Config) -> anyhow::Result<SearchIndex> {
    // The jieba dictionary of the analyser, so queries segment like posts.
    let tokenizer = Tokenizer::load(&config.dictionaries_dir)
        .with_context(|| format!("无法加载词典 {}", config.dictionaries_dir.display()))?;
    let dir = config.data_dir.join("index");
    SearchIndex::open_or_create(&dir, JiebaTokenizer::from_analyzer(&tokenizer))
        .context("无法打开搜索索引")
}

fn write_json(mut out: impl Write, hits: &[SearchHit]) -> io::Result<()> {
    for h in hits {
        let line = JsonHit {
            post_id: h.post_id,
            title: &h.title,
            snippet: &h.snippet_html,
            score: h.score,
            source: &h.source,
            channel: &h.channel,
            level: &h.level,
            published_at: h.published,
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

const SUMMARY_WIDTH: usize = 60;

fn write_table(mut out: impl Write, hits: &[SearchHit]) -> io::Result<()> {
    if hits.is_empty() {
        writeln!(out, "没有找到匹配的帖子")?;
        return out.flush();
    }
    let china = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let rows: Vec<[String; 5]> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let time = h
                .published
                .map(|t| t.with_timezone(&china).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let snippet = strip_tags(&h.snippet_html);
            let summary = if h.title.is_empty() {
                snippet
            } else {
                format!("{}：{}", h.title, snippet)
            };
            [
                (i + 1).to_string(),
                time,
                h.source.clone(),
                level_zh(&h.level).to_string(),
                truncate(&summary, SUMMARY_WIDTH),
            ]
        })
        .collect();
    let headers = ["序号", "时间", "来源", "等级", "标题/摘要"];
    let mut widths = headers.map(width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |out: &mut dyn Write, cells: [&str; 5]| -> io::Result<()> {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            s.push_str(cell);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(&mut out, headers)?;
    for row in &rows {
        line(&mut out, [&row[0], &row[1], &row[2], &row[3], &row[4]])?;
    }
    writeln!(out, "共 {} 条结果", hits.len())?;
    out.flush()
}

fn level_zh(level: &str) -> &str {
    match level {
        "none" => "无",
        "low" => "低",
        "medium" => "中",
        "high" => "高",
        "critical" => "紧急",
        other => other,
    }
}

/// The snippet as plain text: tags removed, entities decoded, one line.
fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(if c.is_whitespace() { ' ' } else { c }),
            _ => {}
        }
    }
    html_escape::decode_html_entities(&text).into_owned()
}

/// Columns a terminal gives `s`: 2 for East Asian wide characters.
fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

fn truncate(s: &str, max_width: usize) -> String {
    if width(s) <= max_width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        if w + char_width(c) > max_width - 1 {
            break;
        }
        w += char_width(c);
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_become_plain_text() {
        assert_eq!(
            strip_tags("宿舍的<b>WiFi</b>太差 &lt;script"),
            "宿舍的WiFi太差 <script"
        );
    }

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(width("食堂ab"), 6);
        assert_eq!(truncate("一二三四五", 6), "一二…");
    }

    #[test]
    fn table_has_chinese_headers() {
        let mut out = Vec::new();
        let hit = SearchHit {
            post_id: 1,
            title: "二食堂".into(),
            snippet_html: "<b>腹泻</b>".into(),
            score: 1.0,
            source: "weibo".into(),
            channel: "weibo".into(),
            level: "high".into(),
            event_id: 1,
            published: Some(DateTime::from_timestamp(1_773_799_200, 0).unwrap()),
        };
        write_table(&mut out, &[hit]).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("序号  时间"), "{s}");
        assert!(
            s.contains("2026-03-18 10:00  weibo  高    二食堂：腹泻"),
            "{s}"
        );
    }
}
