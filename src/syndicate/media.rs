//! Uploaded media (cover, images, video): stored under `data_dir/media/`
//! with a name derived from their content, typed by their bytes (not by
//! the name or header the browser sent), and referenced from content
//! versions by that name only, so a form can never point at another file.

use super::content::MediaRef;
use std::path::{Path, PathBuf};

/// Largest image accepted (the most any channel takes; each channel's own
/// limit is checked in its variant).
pub const IMAGE_MAX: u64 = 10 * 1024 * 1024;
/// Largest video accepted (Douyin's limit, the highest of the platforms).
pub const VIDEO_MAX: u64 = 128 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("不支持的文件类型：只接受 JPG、PNG、GIF、WebP 图片和 MP4、WebM 视频")]
    Type,
    #[error("文件为空")]
    Empty,
    #[error("{what}过大：{size}，上限 {max}")]
    TooLarge {
        what: &'static str,
        size: String,
        max: String,
    },
    #[error("媒体文件不存在：{0}")]
    Missing(String),
    #[error("无法保存文件：{0}")]
    Io(#[from] std::io::Error),
}

/// The folder uploads go to.
pub fn media_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// The MIME type of `bytes` from their signature, if it is a kind we take.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let b = bytes;
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else if b.len() >= 12 && &b[4..8] == b"ftyp" {
        Some("video/mp4")
    } else if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("video/webm")
    } else {
        None
    }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        _ => "webm",
    }
}

fn human(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Check and store an upload; the same bytes always get the same name.
pub fn save(data_dir: &Path, bytes: &[u8]) -> Result<MediaRef, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let mime = sniff(bytes).ok_or(MediaError::Type)?;
    let (what, max) = if mime.starts_with("video/") {
        ("视频", VIDEO_MAX)
    } else {
        ("图片", IMAGE_MAX)
    };
    let size = bytes.len() as u64;
    if size > max {
        return Err(MediaError::TooLarge {
            what,
            size: human(size),
            max: human(max),
        });
    }
    let dir = media_dir(data_dir);
    std::fs::create_dir_all(&dir)?;
    let hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let path = dir.join(format!("{}.{}", &hash[..24], extension(mime)));
    if !path.is_file() {
        // Write then rename: a half-written file is never referenced.
        let tmp = path.with_extension("part");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(MediaRef {
        path: path.display().to_string(),
        mime: mime.into(),
        bytes: size,
    })
}

/// The stored upload called `name` (a name [`save`] gave), re-typed from
/// its bytes. Anything that is not a plain file name in the media folder
/// is refused.
pub fn resolve(data_dir: &Path, name: &str) -> Result<MediaRef, MediaError> {
    let name = name.trim();
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        && !name.starts_with('.');
    if !plain {
        return Err(MediaError::Missing(name.to_string()));
    }
    let path = media_dir(data_dir).join(name);
    let bytes = std::fs::read(&path).map_err(|_| MediaError::Missing(name.to_string()))?;
    let mime = sniff(&bytes).ok_or(MediaError::Type)?;
    Ok(MediaRef {
        path: path.display().to_string(),
        mime: mime.into(),
        bytes: bytes.len() as u64,
    })
}

/// The name a form refers to a stored media file by.
pub fn name_of(media: &MediaRef) -> String {
    media.file_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_by_content_and_resolves_only_plain_names() {
        let dir = tempfile::tempdir().unwrap();
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let m = save(dir.path(), &jpeg).unwrap();
        assert_eq!(m.mime, "image/jpeg");
        assert_eq!(m.bytes, 7);
        assert_eq!(save(dir.path(), &jpeg).unwrap(), m);
        let name = name_of(&m);
        assert!(name.ends_with(".jpg"), "{name}");
        assert_eq!(resolve(dir.path(), &name).unwrap(), m);
        for bad in ["../x.jpg", "/etc/passwd", "a/b.jpg", ".hidden", ""] {
            assert!(resolve(dir.path(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_unknown_types_and_empty_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            save(dir.path(), b"<html>not an image</html>"),
            Err(MediaError::Type)
        ));
        assert!(matches!(save(dir.path(), b""), Err(MediaError::Empty)));
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(IMAGE_MAX as usize + 1, 0);
        let e = save(dir.path(), &big).unwrap_err();
        assert!(e.to_string().contains("图片过大"), "{e}");
    }
}
