//! Users: argon2id password hashes, generated passwords, and the checks
//! made when an admin (or `yuqing user`) creates or changes one.

use super::Role;
use crate::store::{NewUser, Store, StoreError};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("用户名只能包含字母、数字、下划线、点和短横线，长度 2–32")]
    BadUsername,
    #[error("至少需要一个角色")]
    NoRole,
    #[error("密码至少需要 {MIN_PASSWORD} 个字符")]
    WeakPassword,
    #[error("没有名为 '{0}' 的用户")]
    Unknown(String),
    #[error("密码哈希失败：{0}")]
    Hash(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// An argon2id PHC string for `password`, with a random salt.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A random password people can type: 16 characters without look-alikes.
/// Hex SHA-256: what the store keeps of session ids and API tokens.
pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new API token, to show once, and the hash to store.
pub fn new_api_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token: String = std::iter::once("yq_".to_string())
        .chain(bytes.iter().map(|b| format!("{b:02x}")))
        .collect();
    let hash = sha256_hex(&token);
    (token, hash)
}

pub fn generate_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    (0..16)
        .map(|_| CHARS[rand::random_range(0..CHARS.len())] as char)
        .collect()
}

fn valid_username(name: &str) -> bool {
    (2..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Create a user after checking name, roles and password.
pub async fn add_user(
    store: &Store,
    username: &str,
    display_name: Option<&str>,
    roles: &[Role],
    password: &str,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, UserError> {
    if !valid_username(username) {
        return Err(UserError::BadUsername);
    }
    if roles.is_empty() {
        return Err(UserError::NoRole);
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(UserError::WeakPassword);
    }
    let hash = hash_password(password)?;
    Ok(store
        .create_user(
            &NewUser {
                username,
                display_name: display_name.unwrap_or(username),
                password_hash: &hash,
                roles,
                created_by,
            },
            now,
        )
        .await?)
}

/// Set a new password (the caller ends the user's other sessions).
pub async fn change_password(
    store: &Store,
    username: &str,
    password: &str,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, UserError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(UserError::WeakPassword);
    }
    let user = store
        .user_by_name(username)
        .await?
        .ok_or_else(|| UserError::Unknown(username.to_string()))?;
    store
        .set_password(user.id, &hash_password(password)?, actor, now)
        .await?;
    Ok(user.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let (a, b) = (generate_password(), generate_password());
        assert!(a.len() >= MIN_PASSWORD && a != b);
    }

    #[test]
    fn usernames_are_checked() {
        for ok in ["zhang.san", "admin", "li-si_2"] {
            assert!(valid_username(ok), "{ok}");
        }
        for bad in ["a", "张三", "x y", "a;drop"] {
            assert!(!valid_username(bad), "{bad}");
        }
    }
}
