//! `yuqing user add|passwd|disable|enable|list|token`: user accounts from the
//! command line (the first admin, or when the dashboard is out of reach).

use super::with_store;
use crate::review::Role;
use crate::review::users::{add_user, change_password, generate_password};
use anyhow::{Context, bail};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct UserArgs {
    /// Configuration file (default: ./yuqing.toml if present).
    #[arg(long, env = "YUQING_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin.
    Add {
        name: String,
        /// admin, monitor (监测员), commentator (网评员), publisher (宣传员); repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<Role>,
        /// Name shown in the dashboard (default: the user name).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password; prints a generated one unless --password-stdin.
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Stop a user from signing in (their items stay assigned).
    Disable {
        name: String,
    },
    Enable {
        name: String,
    },
    /// List users with their roles.
    List,
    /// Make an API token (/api/v1) acting as this user; printed once.
    Token {
        name: String,
        /// What the token is for (shown in the audit log).
        #[arg(long, default_value = "api")]
        label: String,
        /// Revoke this user's tokens with this label instead.
        #[arg(long)]
        revoke: bool,
    },
}

fn read_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("无法从标准输入读取密码")?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

pub fn run(args: UserArgs) -> anyhow::Result<ExitCode> {
    with_store(args.config, async move |_config, store| {
        let now = chrono::Utc::now();
        match args.command {
            UserCommand::Add {
                name,
                roles,
                display_name,
                password_stdin,
            } => {
                let (password, generated) = read_password(password_stdin)?;
                add_user(
                    &store,
                    &name,
                    display_name.as_deref(),
                    &roles,
                    &password,
                    None,
                    now,
                )
                .await
                .with_context(|| format!("无法创建用户 {name}"))?;
                let roles: Vec<&str> = roles.iter().map(|r| r.zh()).collect();
                println!("已创建用户 {name}（{}）", roles.join("、"));
                if generated {
                    println!("初始密码：{password}");
                    println!("请妥善保管，此密码不会再次显示。");
                }
            }
            UserCommand::Passwd {
                name,
                password_stdin,
            } => {
                let (password, generated) = read_password(password_stdin)?;
                let id = change_password(&store, &name, &password, None, now)
                    .await
                    .with_context(|| format!("无法修改 {name} 的密码"))?;
                store.end_sessions(id, None).await?;
                println!("已修改 {name} 的密码，其已登录的会话均已退出。");
                if generated {
                    println!("新密码：{password}");
                }
            }
            UserCommand::Disable { name } => {
                let Some(user) = store.user_by_name(&name).await? else {
                    bail!("没有名为 '{name}' 的用户");
                };
                store.set_user_disabled(user.id, true, None, now).await?;
                store.end_sessions(user.id, None).await?;
                println!("已停用用户 {name}。");
            }
            UserCommand::Enable { name } => {
                let Some(user) = store.user_by_name(&name).await? else {
                    bail!("没有名为 '{name}' 的用户");
                };
                store.set_user_disabled(user.id, false, None, now).await?;
                println!("已启用用户 {name}。");
            }
            UserCommand::Token {
                name,
                label,
                revoke,
            } => {
                let Some(user) = store.user_by_name(&name).await? else {
                    bail!("没有名为 '{name}' 的用户");
                };
                if revoke {
                    let n = store.revoke_api_tokens(user.id, &label, now).await?;
                    println!("已吊销 {name} 的 {n} 个令牌（{label}）。");
                } else {
                    let (token, hash) = crate::review::users::new_api_token();
                    store.create_api_token(user.id, &label, &hash, now).await?;
                    println!("已为 {name} 创建接口令牌（{label}），权限与该用户相同：");
                    println!("{token}");
                    println!("请妥善保管，此令牌不会再次显示。用法：Authorization: Bearer <令牌>");
                }
            }
            UserCommand::List => {
                println!("用户名\t显示名\t角色\t状态");
                for u in store.users().await? {
                    let roles: Vec<&str> = u.roles.iter().map(|r| r.zh()).collect();
                    println!(
                        "{}\t{}\t{}\t{}",
                        u.username,
                        u.display_name,
                        roles.join("、"),
                        if u.disabled { "已停用" } else { "正常" }
                    );
                }
            }
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
