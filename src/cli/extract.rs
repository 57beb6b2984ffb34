//! `yuqing extract`: what the automatic extractor finds on one page, as the
//! crawler's `auto` mode would see it (design.md § 4): a saved file, or a URL
//! fetched with the crawler's settings.

use super::{AnalysisPaths, load_config};
use crate::crawl::Fetcher;
use crate::crawl::extract::{extract_command, extract_url, is_url};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// Base URL for resolving relative links of a saved page.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Force a character encoding (e.g. gbk) instead of detecting it.
    #[arg(long)]
    pub encoding: Option<String>,
    /// Configuration file, for the crawler's settings when fetching a URL.
    #[arg(long, env = "YUQING_CONFIG")]
    pub config: Option<PathBuf>,
    /// A saved HTML file, or an http(s) URL.
    pub input: String,
}

pub(super) fn run(args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let out = if is_url(&args.input) {
        let config = load_config(&AnalysisPaths {
            config: args.config.clone(),
            rules: None,
            dictionaries: None,
        })?;
        let fetcher = Fetcher::new(&config.crawl).context("无法创建 HTTP 客户端")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("无法启动异步运行时")?;
        runtime.block_on(extract_url(&fetcher, &args.input, args.encoding.as_deref()))?
    } else {
        extract_command(
            &args.input,
            args.base_url.as_deref(),
            args.encoding.as_deref(),
        )?
    };
    println!("{}", serde_json::to_string(&out)?);
    Ok(ExitCode::SUCCESS)
}
