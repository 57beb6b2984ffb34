//! `yuqing export posts`: stored posts with their analysis, as JSONL.

use crate::config::Config;
use crate::store::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// Stored posts with their latest analysis, one JSON object a line, to stdout.
    Posts(ExportPostsArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportPostsArgs {
    /// Configuration file (default: ./yuqing.toml if present).
    #[arg(long, env = "YUQING_CONFIG")]
    pub config: Option<PathBuf>,
    /// Only posts stored or changed at or after this time (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = super::search::parse_time)]
    pub since: Option<DateTime<Utc>>,
}

const PAGE: i64 = 500;

pub(super) fn run(cmd: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Posts(args) = cmd;
    let config =
        Config::load(args.config.as_deref()).context("配置文件无效 (invalid configuration)")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("无法启动运行时")?;
    runtime.block_on(async {
        let store = Store::open(
            config.database_url.as_ref().map(|s| s.expose()),
            &config.data_dir,
        )
        .await
        .context("无法打开数据库")?;
        let mut out = io::BufWriter::new(io::stdout().lock());
        match export(&store, args.since, PAGE, &mut out).await {
            Ok(_) => Ok(ExitCode::SUCCESS),
            Err(ExportError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                Ok(ExitCode::SUCCESS)
            }
            Err(ExportError::Write(e)) => Err(anyhow::Error::new(e).context("无法写出结果")),
            Err(ExportError::Store(e)) => Err(anyhow::Error::new(e).context("读取帖子失败")),
        }
    })
}

enum ExportError {
    Write(io::Error),
    Store(crate::store::StoreError),
}

/// Page through the store in `(updated_at, id)` order, writing as we go, so
/// memory stays flat however many posts there are. Returns the count.
async fn export(
    store: &Store,
    since: Option<DateTime<Utc>>,
    page_size: i64,
    out: &mut impl Write,
) -> Result<usize, ExportError> {
    let mut after = None;
    let mut count = 0;
    loop {
        let page = store
            .posts_since(since, after, page_size)
            .await
            .map_err(ExportError::Store)?;
        for post in &page {
            serde_json::to_writer(&mut *out, post).map_err(|e| ExportError::Write(e.into()))?;
            out.write_all(b"\n").map_err(ExportError::Write)?;
        }
        count += page.len();
        out.flush().map_err(ExportError::Write)?;
        match page.last() {
            Some(last) if page.len() as i64 == page_size => {
                after = Some((last.updated_at, last.id))
            }
            _ => break,
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Analysis, Channel, NewPost, Risk, RiskLevel, Sentiment, SentimentLabel};
    use crate::store::SaveRequest;

    #[tokio::test]
    async fn pages_cover_every_post_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(None, dir.path()).await.unwrap();
        let analysis = Analysis {
            sentiment: Sentiment {
                score: 0.0,
                label: SentimentLabel::Neutral,
                explanation: vec![],
            },
            risk: Risk {
                score: 0,
                level: RiskLevel::None,
                explanation: vec![],
            },
            hits: vec![],
            keywords: vec![],
        };
        for i in 0..7 {
            let text = format!("第{i}条帖子 内容各不相同 {i}");
            let post = NewPost {
                source: "s".into(),
                external_id: format!("p{i}"),
                url: None,
                channel: Channel::Forum,
                title: String::new(),
                text: text.clone(),
                author: None,
                published_at: None,
                fetched_at: Utc::now(),
                metrics: None,
                parent_external_id: None,
                tags: Vec::new(),
            };
            let id = format!("p{i}");
            store
                .save_post(&SaveRequest {
                    post: &post,
                    canonical_url: None,
                    content_hash: crate::dedup::content_hash("", &text),
                    simhash: crate::dedup::simhash(&[id.as_str(), text.as_str()]),
                    analysis: &analysis,
                    analyzer_version: "test",
                    alert_level: RiskLevel::Critical,
                })
                .await
                .unwrap();
        }
        for page in [1, 2, 3, 7, 500] {
            let mut out = Vec::new();
            let n = export(&store, None, page, &mut out).await.ok().unwrap();
            assert_eq!(n, 7, "page {page}");
            let ids: Vec<String> = String::from_utf8(out)
                .unwrap()
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    v["external_id"].as_str().unwrap().to_string()
                })
                .collect();
            let want: Vec<String> = (0..7).map(|i| format!("p{i}")).collect();
            assert_eq!(ids, want, "page {page}");
        }
    }
}
