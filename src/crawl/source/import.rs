//! `kind = "import"`: JSONL, JSON or CSV files dropped into a folder. Each
//! run ingests the files there, oldest name first, and moves each one aside
//! into `done/` (with an `.errors.txt` report beside it when some lines were
//! bad) or into `failed/` when it could not be read at all.
//!
//! A file is moved only after all its items are committed, so a crash
//! mid-file re-reads it next time; items are stored under their id (or URL,
//! or content hash), so a second reading adds nothing twice.

use super::item::{ItemDefaults, ItemError, canonical_key, item_to_post};
use super::{RunCtx, SourceError, invalid};
use crate::config::ConfigError;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// `[[sources]]` keys of an import source.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportConfig {
    /// The folder to watch (default `<data_dir>/import/<name>`).
    pub dir: Option<PathBuf>,
}

impl ImportConfig {
    pub fn build(&self, source: &str) -> Result<ImportSource, ConfigError> {
        let dir = self
            .dir
            .clone()
            .ok_or_else(|| invalid(source, "dir", "required"))?;
        let dir = std::path::absolute(&dir)
            .map_err(|e| invalid(source, "dir", format!("'{}': {e}", dir.display())))?;
        Ok(ImportSource { dir })
    }
}

#[derive(Debug)]
pub struct ImportSource {
    pub dir: PathBuf,
}

/// File kinds we read, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    JsonLines,
    Json,
    Csv,
}

fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?;
    // Writers create `x.jsonl.part` / `.x.jsonl` and rename when done.
    if name.starts_with('.') || name.starts_with('~') {
        return None;
    }
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "jsonl" | "ndjson" => Some(Format::JsonLines),
        "json" => Some(Format::Json),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

/// One parsed line (or array element) of a file.
type Parsed = Vec<(usize, Result<Value, ItemError>)>;

impl ImportSource {
    /// Files waiting in the folder, in name order.
    pub fn pending(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_file() && format_of(&path).is_some() {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }

    pub async fn run(&self, ctx: &mut RunCtx<'_>) -> Result<(), SourceError> {
        let io = |what: &str, path: &Path, e: std::io::Error| {
            SourceError::Parse(format!("{what} {}：{e}", path.display()))
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| io("无法创建导入目录", &self.dir, e))?;
        let files = self
            .pending()
            .map_err(|e| io("无法读取导入目录", &self.dir, e))?;
        for path in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let format = format_of(&path).expect("pending() keeps known formats");
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    ctx.item_error(&name, format!("无法读取：{e}"));
                    continue;
                }
            };
            let text =
                crate::crawl::charset::decode(&bytes, None, ctx.source.policy.encoding.as_deref())
                    .text;
            let (items, mut report) = match parse(format, &text) {
                Ok(r) => r,
                Err(message) => {
                    ctx.item_error(&name, &message);
                    self.move_aside(&path, "failed", &[message])
                        .map_err(|e| io("无法移动文件", &path, e))?;
                    continue;
                }
            };
            let defaults = ItemDefaults {
                source: &ctx.source.name,
                channel: ctx.source.channel,
                now: ctx.now,
            };
            let mut posts = Vec::with_capacity(items.len());
            for (line, item) in items {
                match item.and_then(|v| item_to_post(&v, &defaults)) {
                    Ok(mut post) => {
                        post.tags = ctx.source.tags.clone();
                        posts.push(post);
                    }
                    Err(e) => {
                        let at = format!("{name}:{line}");
                        report.push(format!("{at}: {e}"));
                        ctx.item_error(&at, e);
                    }
                }
            }
            // A database error stops here and leaves the file for the next run.
            for post in &posts {
                ctx.ingest_item(post).await?;
            }
            self.move_aside(&path, "done", &report)
                .map_err(|e| io("无法移动文件", &path, e))?;
            tracing::info!(source = %ctx.source.name, file = %name, items = posts.len(), bad = report.len(), "file imported");
        }
        Ok(())
    }

    /// Move `path` into `<dir>/<into>/`, with a report of its problems.
    fn move_aside(&self, path: &Path, into: &str, report: &[String]) -> std::io::Result<()> {
        let target_dir = self.dir.join(into);
        std::fs::create_dir_all(&target_dir)?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let stamp = chrono::Utc::now()
            .with_timezone(&crate::crawl::time::cst())
            .format("%Y%m%d-%H%M%S");
        let mut target = target_dir.join(format!("{stamp}-{name}"));
        let mut n = 1;
        while target.exists() {
            n += 1;
            target = target_dir.join(format!("{stamp}-{n}-{name}"));
        }
        if !report.is_empty() {
            let mut text = report.join("\n");
            text.push('\n');
            let mut report_path = target.clone().into_os_string();
            report_path.push(".errors.txt");
            std::fs::write(report_path, text)?;
        }
        std::fs::rename(path, &target)
    }
}

/// Items of a file with their line numbers (1-based; for a JSON array, the
/// element's position), plus warnings; or why the file as a whole is unreadable.
fn parse(format: Format, text: &str) -> Result<(Parsed, Vec<String>), String> {
    let text = text.trim_start_matches('\u{feff}');
    match format {
        Format::JsonLines => Ok((
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| {
                    let v = serde_json::from_str::<Value>(l).map_err(|e| ItemError {
                        field: String::new(),
                        message: format!("不是有效的 JSON（第 {} 列）：{e}", e.column()),
                    });
                    (i + 1, v)
                })
                .collect(),
            Vec::new(),
        )),
        Format::Json => {
            let v: Value = serde_json::from_str(text).map_err(|e| {
                format!(
                    "不是有效的 JSON（第 {} 行第 {} 列）：{e}",
                    e.line(),
                    e.column()
                )
            })?;
            let items = match v {
                Value::Array(items) => items,
                Value::Object(mut o) if o.get("items").is_some_and(Value::is_array) => {
                    match o.remove("items") {
                        Some(Value::Array(items)) => items,
                        _ => unreachable!("checked above"),
                    }
                }
                obj @ Value::Object(_) => vec![obj],
                _ => return Err("JSON 文件应为对象、对象数组或 {\"items\": [...]}".into()),
            };
            Ok((
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (i + 1, Ok(v)))
                    .collect(),
                Vec::new(),
            ))
        }
        Format::Csv => parse_csv(text),
    }
}

fn parse_csv(text: &str) -> Result<(Parsed, Vec<String>), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("无法读取表头：{e}"))?
        .clone();
    let mut warnings = Vec::new();
    let keys: Vec<Option<&'static str>> = headers
        .iter()
        .map(|h| {
            let k = canonical_key(h);
            if k.is_none() && !h.trim().is_empty() {
                warnings.push(format!("已忽略未知列 '{}'", h.trim()));
            }
            k
        })
        .collect();
    if !keys.contains(&Some("text")) && !keys.contains(&Some("title")) {
        return Err(format!(
            "表头缺少正文列（text / 正文 / 内容，或 title / 标题）；表头为：{}",
            headers.iter().collect::<Vec<_>>().join(",")
        ));
    }
    let mut items = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line() as usize);
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let mut obj = Map::new();
                for (key, field) in keys.iter().zip(r.iter()) {
                    if let Some(k) = key
                        && !field.trim().is_empty()
                    {
                        obj.insert((*k).to_string(), Value::String(field.to_string()));
                    }
                }
                items.push((line, Ok(Value::Object(obj))));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                items.push((
                    line,
                    Err(ItemError {
                        field: String::new(),
                        message: format!("CSV 格式错误：{e}"),
                    }),
                ));
            }
        }
    }
    Ok((items, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_keeps_line_numbers_and_reports_bad_lines() {
        let (items, _) = parse(
            Format::JsonLines,
            "{\"text\":\"a\"}\n\n{bad\n{\"text\":\"b\"}\n",
        )
        .unwrap();
        let lines: Vec<usize> = items.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [1, 3, 4]);
        assert!(items[1].1.is_err());
    }

    #[test]
    fn json_accepts_array_object_and_items() {
        for text in [
            r#"[{"text":"a"},{"text":"b"}]"#,
            r#"{"items":[{"text":"a"},{"text":"b"}]}"#,
        ] {
            assert_eq!(parse(Format::Json, text).unwrap().0.len(), 2);
        }
        assert_eq!(parse(Format::Json, r#"{"text":"a"}"#).unwrap().0.len(), 1);
        let e = parse(Format::Json, "[{\"text\":").unwrap_err();
        assert!(e.contains("第 1 行"), "{e}");
    }

    #[test]
    fn csv_maps_chinese_headers_and_warns_on_unknown_columns() {
        let (items, warnings) = parse(
            Format::Csv,
            "\u{feff}标题,正文,发布时间,点赞,备注\n食堂,饭菜变质,2026-03-18 10:00,12,x\n,,,,\n\"多行\",\"第一行\n第二行\",,,\n",
        )
        .unwrap();
        assert_eq!(warnings, ["已忽略未知列 '备注'"]);
        assert_eq!(items.len(), 2);
        let first = items[0].1.as_ref().unwrap();
        assert_eq!(first["text"], "饭菜变质");
        assert_eq!(first["likes"], "12");
        assert!(first.get("备注").is_none());
        assert_eq!(items[0].0, 2);
        assert_eq!(items[1].0, 4);
    }

    #[test]
    fn csv_without_a_text_column_is_refused() {
        let e = parse(Format::Csv, "a,b\n1,2\n").unwrap_err();
        assert!(e.contains("表头缺少正文列"), "{e}");
    }

    #[test]
    fn only_known_visible_files_are_taken() {
        assert_eq!(format_of(Path::new("x/a.JSONL")), Some(Format::JsonLines));
        assert_eq!(format_of(Path::new("x/.a.jsonl")), None);
        assert_eq!(format_of(Path::new("x/a.jsonl.part")), None);
        assert_eq!(format_of(Path::new("x/a.txt")), None);
    }
}
