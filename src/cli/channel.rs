//! `yuqing channel add|list` (the media matrix from the command line) and
//! `yuqing secret-key generate` (the key that seals channel secrets).

use super::with_store;
use crate::syndicate::{ChannelKind, ChannelSettings, NewChannel, SecretKey, register_channel};
use anyhow::Context;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ChannelArgs {
    /// Configuration file (default: ./yuqing.toml if present).
    #[arg(long, env = "YUQING_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: ChannelCommand,
}

#[derive(Debug, clap::Subcommand)]
// Parsed once per process: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum ChannelCommand {
    /// Register a channel account (unified name: college + [department] + platform).
    Add {
        /// The account's unified name, e.g. "XX职业技术学院微信公众号".
        name: String,
        /// website, webhook, wechat, weibo, douyin, kuaishou, bilibili.
        #[arg(long)]
        kind: ChannelKind,
        /// API base (default: the platform's public API).
        #[arg(long)]
        api_base: Option<String>,
        /// Webhook endpoint (webhook channels, the website's CMS hook).
        #[arg(long)]
        url: Option<String>,
        /// The app's id: WeChat appid, Douyin client_key, Kuaishou app_id,
        /// Bilibili client_id.
        #[arg(long)]
        app_id: Option<String>,
        /// Default byline (WeChat).
        #[arg(long)]
        author: Option<String>,
        /// Weibo: the app's safe domain.
        #[arg(long)]
        safe_domain: Option<String>,
        /// Website: public base URL.
        #[arg(long)]
        site_url: Option<String>,
        /// Douyin: the authorised user's open_id.
        #[arg(long)]
        open_id: Option<String>,
        /// Bilibili: the partition (tid) videos are filed under (default 208).
        #[arg(long)]
        category: Option<i64>,
        /// A step's endpoint, `STEP=PATH_OR_URL` (e.g. Kuaishou's
        /// `start_upload=/openapi/photo/start_upload`); repeatable.
        #[arg(long = "path", value_parser = parse_step_path)]
        paths: Vec<(String, String)>,
        /// Read the secret (AppSecret, access token, whsec_ key) from the
        /// first line of stdin; never from an argument, which `ps` shows.
        #[arg(long)]
        secret_stdin: bool,
        /// Video platforms: read the grant's refresh token from the next
        /// line of stdin (after the secret's).
        #[arg(long)]
        refresh_token_stdin: bool,
        /// Kuaishou, Bilibili: read the app's secret from the next line of
        /// stdin (after the secret's and the refresh token's).
        #[arg(long)]
        app_secret_stdin: bool,
    },
    /// List the channel accounts (secrets only as "已设置").
    List,
}

#[derive(Debug, clap::Subcommand)]
pub enum SecretKeyCommand {
    /// Print a new random key (base64) and how to use it.
    Generate,
}

pub fn secret_key(cmd: SecretKeyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SecretKeyCommand::Generate => {
            let key = SecretKey::generate();
            println!("{key}");
            eprintln!(
                "这是新的渠道密钥加密密钥（32 字节，base64），请妥善保管，丢失后已保存的渠道密钥将无法解密。\n\
                 用法（二选一）：\n  \
                 export YUQING_SECRET_KEY='{key}'\n  \
                 或写入文件（权限 600），并在 yuqing.toml 中设置 [syndicate] secret_key_file = \"/path/to/secret.key\""
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn run(args: ChannelArgs) -> anyhow::Result<ExitCode> {
    with_store(args.config, async move |config, store| {
        match args.command {
            ChannelCommand::Add {
                name,
                kind,
                api_base,
                url,
                app_id,
                author,
                safe_domain,
                site_url,
                open_id,
                category,
                paths,
                secret_stdin,
                refresh_token_stdin,
                app_secret_stdin,
            } => {
                let key = SecretKey::load(config.syndicate.secret_key_file.as_deref())
                    .context("需要密钥才能保存渠道密钥（yuqing secret-key generate）")?;
                // One line each, in this order, for the flags given.
                let mut stdin = std::io::stdin().lock();
                let mut line = |wanted: bool, what: &str| -> anyhow::Result<Option<String>> {
                    if !wanted {
                        return Ok(None);
                    }
                    let mut l = String::new();
                    stdin
                        .read_line(&mut l)
                        .with_context(|| format!("无法从标准输入读取{what}"))?;
                    Ok(Some(l.trim().to_string()))
                };
                let secret = line(secret_stdin, "密钥")?;
                let refresh_token = line(refresh_token_stdin, "刷新令牌")?;
                let app_secret = line(app_secret_stdin, "应用密钥")?;
                let settings = ChannelSettings {
                    api_base,
                    url,
                    app_id,
                    author,
                    safe_domain,
                    site_url,
                    open_id,
                    category,
                    paths: paths.into_iter().collect(),
                };
                let new = NewChannel {
                    college: &config.syndicate.college,
                    name: &name,
                    kind,
                    settings: &settings,
                    secret: secret.as_deref(),
                    refresh_token: refresh_token.as_deref(),
                    app_secret: app_secret.as_deref(),
                };
                let id = register_channel(&store, &key, &new, None, chrono::Utc::now())
                    .await
                    .with_context(|| format!("无法添加账号 {name}"))?;
                println!("已添加账号 {name}（{}，编号 {id}）", kind.zh());
                if kind == ChannelKind::Website {
                    println!(
                        "订阅源：/feeds/{id}/rss.xml、/feeds/{id}/atom.xml、/feeds/{id}/feed.json"
                    );
                }
            }
            ChannelCommand::List => {
                println!("编号\t账号名称\t平台\t状态\t密钥\t刷新令牌\t应用密钥");
                let set = |v: bool| if v { "已设置" } else { "未设置" };
                for c in store.syn_channels().await? {
                    let a = &c.account;
                    // Only video platforms have a grant to refresh.
                    let (refresh, app) = if a.kind.needs_video() {
                        (set(c.refresh_token.is_some()), set(c.app_secret.is_some()))
                    } else {
                        ("-", "-")
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{refresh}\t{app}",
                        a.id,
                        a.name,
                        a.kind.zh(),
                        if a.enabled { "使用中" } else { "已停用" },
                        set(c.secret.is_some()),
                    );
                }
            }
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

fn parse_step_path(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((step, path)) if !step.trim().is_empty() && !path.trim().is_empty() => {
            Ok((step.trim().to_string(), path.trim().to_string()))
        }
        _ => Err(format!(
            "「{arg}」应写成 步骤=路径或地址，如 start_upload=/openapi/photo/start_upload"
        )),
    }
}
