//! `yuqing extract`: what the automatic extractor finds on one page, as the
//! crawler's `auto` mode would see it (design.md § 4).

use crate::crawl::extract::extract_command;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// Base URL for resolving relative links of a saved page.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Force a character encoding (e.g. gbk) instead of detecting it.
    #[arg(long)]
    pub encoding: Option<String>,
    /// A saved HTML file.
    pub input: String,
}

pub(super) fn run(args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let out = extract_command(
        &args.input,
        args.base_url.as_deref(),
        args.encoding.as_deref(),
    )?;
    println!("{}", serde_json::to_string(&out)?);
    Ok(ExitCode::SUCCESS)
}
