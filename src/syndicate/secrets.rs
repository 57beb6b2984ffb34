//! Channel secrets (app secrets, access tokens, webhook keys) sealed at rest
//! with ChaCha20-Poly1305 (ring's AEAD). The 32-byte key comes from the
//! environment variable `YUQING_SECRET_KEY` (base64) or from a key file
//! holding the same base64 text. A sealed value is
//! `v1.<base64(nonce ‖ ciphertext ‖ tag)>`; the channel id is bound as
//! associated data, so a sealed value copied to another row does not open.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use std::path::Path;

/// Environment variable holding the base64 key.
pub const KEY_ENV: &str = "YUQING_SECRET_KEY";
const PREFIX: &str = "v1.";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("密钥未配置：请设置环境变量 {KEY_ENV} 或密钥文件")]
    NoKey,
    #[error("密钥无效：应为 32 字节的 base64 文本")]
    BadKey,
    #[error("cannot read key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("密文无法解密（密钥不符或数据损坏）")]
    Open,
}

/// The key that seals channel secrets. Never printed.
pub struct SecretKey {
    key: LessSafeKey,
    /// Tags unguessable URLs (platform callbacks); derived from the same
    /// key bytes under its own label, never used for sealing.
    tags: ring::hmac::Key,
    rng: SystemRandom,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl SecretKey {
    /// The key from `YUQING_SECRET_KEY`, else from `key_file` if given.
    pub fn load(key_file: Option<&Path>) -> Result<SecretKey, SecretError> {
        if let Ok(v) = std::env::var(KEY_ENV) {
            return SecretKey::from_base64(&v);
        }
        let Some(path) = key_file else {
            return Err(SecretError::NoKey);
        };
        let text = std::fs::read_to_string(path).map_err(|source| SecretError::KeyFile {
            path: path.display().to_string(),
            source,
        })?;
        SecretKey::from_base64(&text)
    }

    pub fn from_base64(text: &str) -> Result<SecretKey, SecretError> {
        let bytes = B64.decode(text.trim()).map_err(|_| SecretError::BadKey)?;
        SecretKey::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SecretKey, SecretError> {
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        let unbound =
            UnboundKey::new(&CHACHA20_POLY1305, bytes).map_err(|_| SecretError::BadKey)?;
        let derive = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes);
        let tag_key = ring::hmac::sign(&derive, b"yuqing url tags v1");
        Ok(SecretKey {
            key: LessSafeKey::new(unbound),
            tags: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, tag_key.as_ref()),
            rng: SystemRandom::new(),
        })
    }

    /// A new random key as base64, for `YUQING_SECRET_KEY` or a key file.
    pub fn generate() -> String {
        let mut k = [0u8; 32];
        SystemRandom::new()
            .fill(&mut k)
            .expect("the system random source works");
        B64.encode(k)
    }

    /// Seal `plain`, bound to `context` (e.g. `channel:3`).
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .expect("the system random source works");
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .expect("sealing a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        format!("{PREFIX}{}", B64.encode(out))
    }

    /// Open a value sealed with [`SecretKey::seal`] under the same context.
    pub fn open(&self, context: &str, sealed: &str) -> Result<String, SecretError> {
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .ok_or(SecretError::Open)?;
        if raw.len() < NONCE_LEN {
            return Err(SecretError::Open);
        }
        let (nonce, data) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Open)?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| SecretError::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Open)
    }
}

impl SecretKey {
    /// A tag of `context` (32 hex digits) that only this key produces: the
    /// unguessable part of a URL a platform calls back.
    pub fn tag(&self, context: &str) -> String {
        let t = ring::hmac::sign(&self.tags, context.as_bytes());
        t.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether `tag` is `context`'s tag (compared in constant time).
    pub fn tag_matches(&self, context: &str, tag: &str) -> bool {
        let want = self.tag(context);
        want.len() == tag.len()
            && want
                .bytes()
                .zip(tag.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// The associated data of a channel's sealed values.
pub fn channel_context(channel_id: i64, what: &str) -> String {
    format!("yuqing:channel:{channel_id}:{what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_round_trip_and_bind_context() {
        let key = SecretKey::from_base64(&SecretKey::generate()).unwrap();
        let sealed = key.seal("c:1", "app-secret-值");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("app-secret"));
        assert_eq!(key.open("c:1", &sealed).unwrap(), "app-secret-值");
        assert!(matches!(key.open("c:2", &sealed), Err(SecretError::Open)));
        // A fresh nonce each time.
        assert_ne!(key.seal("c:1", "x"), key.seal("c:1", "x"));
        let other = SecretKey::from_base64(&SecretKey::generate()).unwrap();
        assert!(other.open("c:1", &sealed).is_err());
    }

    #[test]
    fn bad_keys_are_refused_and_never_printed() {
        assert!(matches!(
            SecretKey::from_base64("c2hvcnQ="),
            Err(SecretError::BadKey)
        ));
        let key = SecretKey::from_bytes(&[7u8; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "SecretKey(***)");
    }

    #[test]
    fn url_tags_are_stable_per_key_and_context() {
        let key = SecretKey::from_bytes(&[7u8; 32]).unwrap();
        let t = key.tag("bilibili-hook:3");
        assert_eq!(t.len(), 32);
        assert_eq!(t, key.tag("bilibili-hook:3"));
        assert_ne!(t, key.tag("bilibili-hook:4"));
        assert!(key.tag_matches("bilibili-hook:3", &t));
        assert!(!key.tag_matches("bilibili-hook:3", &t[..31]));
        let other = SecretKey::from_bytes(&[8u8; 32]).unwrap();
        assert!(!other.tag_matches("bilibili-hook:3", &t));
    }

    #[test]
    fn key_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, format!("{}\n", SecretKey::generate())).unwrap();
        // The env var wins when set; tests do not set it.
        if std::env::var(KEY_ENV).is_err() {
            SecretKey::load(Some(&path)).unwrap();
            assert!(matches!(SecretKey::load(None), Err(SecretError::NoKey)));
        }
    }
}
