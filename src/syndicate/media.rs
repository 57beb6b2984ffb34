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

/// The largest upload of `mime`'s kind.
fn limit(mime: &str) -> (&'static str, u64) {
    if mime.starts_with("video/") {
        ("视频", VIDEO_MAX)
    } else {
        ("图片", IMAGE_MAX)
    }
}

fn too_large(what: &'static str, size: u64, max: u64) -> MediaError {
    MediaError::TooLarge {
        what,
        size: human(size),
        max: human(max),
    }
}

/// An upload being received: written to a temporary file in the media
/// folder as it arrives (a 128 MB video is never held in memory), hashed
/// on the way, typed by its first bytes, and refused as soon as it passes
/// its kind's limit. [`Incoming::finish`] gives it its content-derived
/// name; dropped unfinished, the temporary file is removed.
pub struct Incoming {
    dir: PathBuf,
    tmp: PathBuf,
    file: Option<std::fs::File>,
    hasher: sha2::Sha256,
    size: u64,
    /// The first bytes, for the type.
    head: Vec<u8>,
    mime: Option<&'static str>,
}

/// Bytes enough to tell the types we take apart.
const HEAD: usize = 16;

impl Incoming {
    pub fn begin(data_dir: &Path) -> Result<Incoming, MediaError> {
        use sha2::Digest;
        let dir = media_dir(data_dir);
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!("upload-{:016x}.part", rand::random::<u64>()));
        let file = std::fs::File::create(&tmp)?;
        Ok(Incoming {
            dir,
            tmp,
            file: Some(file),
            hasher: sha2::Sha256::new(),
            size: 0,
            head: Vec::with_capacity(HEAD),
            mime: None,
        })
    }

    /// Take the next bytes.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), MediaError> {
        use sha2::Digest;
        use std::io::Write;
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            if self.head.len() == HEAD {
                self.mime = Some(sniff(&self.head).ok_or(MediaError::Type)?);
            }
        }
        self.size += chunk.len() as u64;
        let (what, max) = limit(self.mime.unwrap_or("video/"));
        if self.size > max {
            return Err(too_large(what, self.size, max));
        }
        self.hasher.update(chunk);
        if let Some(f) = self.file.as_mut() {
            f.write_all(chunk)?;
        }
        Ok(())
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Check the whole upload and store it under its name; the same bytes
    /// always get the same name.
    pub fn finish(mut self) -> Result<MediaRef, MediaError> {
        use sha2::Digest;
        if self.size == 0 {
            return Err(MediaError::Empty);
        }
        let mime = match self.mime {
            Some(m) => m,
            None => sniff(&self.head).ok_or(MediaError::Type)?,
        };
        let (what, max) = limit(mime);
        if self.size > max {
            return Err(too_large(what, self.size, max));
        }
        let file = self.file.take().expect("finished once");
        file.sync_all()?;
        drop(file);
        let hash: String = std::mem::take(&mut self.hasher)
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = self
            .dir
            .join(format!("{}.{}", &hash[..24], extension(mime)));
        if path.is_file() {
            std::fs::remove_file(&self.tmp)?;
        } else {
            // Renamed only once complete: a half-written file never has a
            // name a content can refer to.
            std::fs::rename(&self.tmp, &path)?;
        }
        Ok(MediaRef {
            path: path.display().to_string(),
            mime: mime.into(),
            bytes: self.size,
        })
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Check and store an upload held in memory.
pub fn save(data_dir: &Path, bytes: &[u8]) -> Result<MediaRef, MediaError> {
    let mut incoming = Incoming::begin(data_dir)?;
    incoming.write(bytes)?;
    incoming.finish()
}

/// Bytes the stored media take (uploads in progress included).
pub fn usage(data_dir: &Path) -> std::io::Result<u64> {
    let dir = media_dir(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut total = 0;
    for e in entries {
        let m = e?.metadata()?;
        if m.is_file() {
            total += m.len();
        }
    }
    Ok(total)
}

/// What a clean-up removed (or, on a dry run, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    pub files: Vec<String>,
    pub bytes: u64,
}

/// Remove stored media that nothing refers to: files in the media folder
/// whose names are not in `in_use`, last changed before `older_than` (a
/// draft being written may not be saved yet), and abandoned partial
/// uploads.
pub fn sweep(
    data_dir: &Path,
    in_use: &std::collections::HashSet<String>,
    older_than: std::time::SystemTime,
    dry_run: bool,
) -> std::io::Result<Sweep> {
    let mut out = Sweep::default();
    let entries = match std::fs::read_dir(media_dir(data_dir)) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for e in entries {
        let e = e?;
        let m = e.metadata()?;
        let name = e.file_name().to_string_lossy().to_string();
        if !m.is_file() || in_use.contains(&name) || m.modified()? >= older_than {
            continue;
        }
        if !dry_run {
            std::fs::remove_file(e.path())?;
        }
        out.bytes += m.len();
        out.files.push(name);
    }
    out.files.sort();
    Ok(out)
}

/// Remove the media nothing refers to that are older than `grace`.
pub async fn sweep_unused(
    store: &crate::store::Store,
    data_dir: &Path,
    grace: std::time::Duration,
    dry_run: bool,
) -> Result<Sweep, super::SyndicateError> {
    let in_use = store.syn_media_in_use().await?;
    let older_than = std::time::SystemTime::now()
        .checked_sub(grace)
        .unwrap_or(std::time::UNIX_EPOCH);
    let dir = data_dir.to_path_buf();
    tokio::task::spawn_blocking(move || sweep(&dir, &in_use, older_than, dry_run))
        .await
        .map_err(|e| super::SyndicateError::Invalid(format!("清理中断：{e}")))?
        .map_err(|e| super::SyndicateError::Invalid(format!("无法清理媒体文件：{e}")))
}

/// The media file names `json` refers to: every string value whose last
/// path component looks like a stored name (content versions and jobs'
/// variants keep `MediaRef`s with full paths).
pub fn names_in(json: &serde_json::Value, out: &mut std::collections::HashSet<String>) {
    match json {
        serde_json::Value::String(s) => {
            let name = s.rsplit(['/', '\\']).next().unwrap_or(s);
            // Derived files (`fit_image`) add a '-'.
            let stored = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if name.contains('.') && name.len() >= 8 && stored && !name.starts_with('.') {
                out.insert(name.to_string());
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| names_in(v, out)),
        serde_json::Value::Object(o) => o.values().for_each(|v| names_in(v, out)),
        _ => {}
    }
}

fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        && !name.starts_with('.')
}

/// A JPEG derivative of the image `media` that fits in `max_bytes`, for a
/// channel whose limits the original breaks (WeChat's cover must be a JPEG
/// of at most 64 KB; a photo straight from a camera is megabytes). The
/// image is scaled down (longest side 1,280 px at most, then smaller) and
/// re-encoded at falling quality until it fits; transparency is laid on
/// white. Stored beside the original as `<name>-fit<max_bytes>.jpg` and
/// reused when already there.
pub fn fit_image(media: &MediaRef, max_bytes: u64) -> Result<MediaRef, MediaError> {
    use image::GenericImageView;
    let source = Path::new(&media.path);
    let stem = source
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| MediaError::Missing(media.path.clone()))?;
    let dir = source.parent().unwrap_or(Path::new("."));
    let out = dir.join(format!("{stem}-fit{max_bytes}.jpg"));
    let fitted = |bytes: u64| MediaRef {
        path: out.display().to_string(),
        mime: "image/jpeg".into(),
        bytes,
    };
    if let Ok(m) = std::fs::metadata(&out)
        && m.len() <= max_bytes
    {
        return Ok(fitted(m.len()));
    }
    let decoded = image::ImageReader::open(source)?
        .with_guessed_format()?
        .decode()
        .map_err(|_| MediaError::Type)?;
    let (w, h) = decoded.dimensions();
    // Transparency on white: JPEG has none, and black would show.
    let mut rgb = image::RgbImage::new(w, h);
    for (x, y, p) in decoded.to_rgba8().enumerate_pixels() {
        let [r, g, b, a] = p.0;
        let over = |c: u8| ((c as u32 * a as u32 + 255 * (255 - a as u32)) / 255) as u8;
        rgb.put_pixel(x, y, image::Rgb([over(r), over(g), over(b)]));
    }
    let rgb = image::DynamicImage::ImageRgb8(rgb);
    for side in [1280u32, 900, 720, 540, 400, 300, 200] {
        let scaled = if w.max(h) > side {
            rgb.resize(side, side, image::imageops::FilterType::Triangle)
        } else {
            rgb.clone()
        };
        for quality in [85u8, 75, 65, 55, 45] {
            let mut buf = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality)
                .encode_image(&scaled)
                .map_err(|e| MediaError::Io(std::io::Error::other(e)))?;
            if buf.len() as u64 <= max_bytes {
                let tmp = out.with_extension("part");
                std::fs::write(&tmp, &buf)?;
                std::fs::rename(&tmp, &out)?;
                return Ok(fitted(buf.len() as u64));
            }
        }
    }
    Err(MediaError::TooLarge {
        what: "图片",
        size: human(media.bytes),
        max: human(max_bytes),
    })
}

/// The stored upload called `name` (a name [`save`] gave), re-typed from
/// its bytes. Anything that is not a plain file name in the media folder
/// is refused.
pub fn resolve(data_dir: &Path, name: &str) -> Result<MediaRef, MediaError> {
    use std::io::Read;
    let name = name.trim();
    if !plain_name(name) {
        return Err(MediaError::Missing(name.to_string()));
    }
    let path = media_dir(data_dir).join(name);
    let missing = |_| MediaError::Missing(name.to_string());
    // The type from the first bytes; the size from the file system.
    let file = std::fs::File::open(&path).map_err(missing)?;
    let size = file.metadata().map_err(missing)?.len();
    let mut head = Vec::with_capacity(HEAD);
    file.take(HEAD as u64).read_to_end(&mut head)?;
    let mime = sniff(&head).ok_or(MediaError::Type)?;
    Ok(MediaRef {
        path: path.display().to_string(),
        mime: mime.into(),
        bytes: size,
    })
}

/// The name a form refers to a stored media file by.
pub fn name_of(media: &MediaRef) -> String {
    media.file_name()
}

#[cfg(test)]
/// A noisy RGBA PNG of `w`×`h` (noise compresses badly, as photos do).
pub(crate) fn noisy_png(w: u32, h: u32) -> Vec<u8> {
    let mut img = image::RgbaImage::new(w, h);
    let mut seed = 12345u32;
    for p in img.pixels_mut() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let [a, b, c, _] = seed.to_le_bytes();
        *p = image::Rgba([a, b, c, if a > 20 { 255 } else { 0 }]);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
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
        // Nothing is left behind by refused uploads.
        assert_eq!(usage(dir.path()).unwrap(), 0);
    }

    #[test]
    fn an_upload_arriving_in_chunks_is_typed_early_and_stored_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut video = b"\x00\x00\x00\x20ftypisom".to_vec();
        video.resize(3 * 1024 * 1024 + 5, 7);
        let mut incoming = Incoming::begin(dir.path()).unwrap();
        for chunk in video.chunks(7) {
            incoming.write(chunk).unwrap();
        }
        let m = incoming.finish().unwrap();
        assert_eq!(
            (m.mime.as_str(), m.bytes),
            ("video/mp4", video.len() as u64)
        );
        assert_eq!(std::fs::read(&m.path).unwrap(), video);
        assert_eq!(
            m,
            save(dir.path(), &video).unwrap(),
            "same bytes, same name"
        );
        assert_eq!(resolve(dir.path(), &name_of(&m)).unwrap(), m);

        // A text file is refused at its first bytes; an image at its limit.
        let mut text = Incoming::begin(dir.path()).unwrap();
        assert!(matches!(
            text.write(b"<html><body>hello</body>"),
            Err(MediaError::Type)
        ));
        drop(text);
        let mut image = Incoming::begin(dir.path()).unwrap();
        image
            .write(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .unwrap();
        let e = image.write(&vec![0; IMAGE_MAX as usize]).unwrap_err();
        assert!(e.to_string().contains("图片过大"), "{e}");
        drop(image);
        assert_eq!(
            usage(dir.path()).unwrap(),
            video.len() as u64,
            "no partial files left"
        );
    }

    #[test]
    fn an_image_too_big_for_a_channel_is_fitted_into_a_jpeg_once() {
        let dir = tempfile::tempdir().unwrap();
        let png = save(dir.path(), &noisy_png(1400, 900)).unwrap();
        assert!(png.bytes > 64 * 1024, "{}", png.bytes);
        let fit = fit_image(&png, 64 * 1024).unwrap();
        assert_eq!(fit.mime, "image/jpeg");
        assert!(fit.bytes <= 64 * 1024, "{}", fit.bytes);
        let bytes = std::fs::read(&fit.path).unwrap();
        assert_eq!(sniff(&bytes), Some("image/jpeg"));
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert!(decoded.width() <= 1280 && decoded.width() >= decoded.height());
        // The second time the stored derivative is used.
        let modified = std::fs::metadata(&fit.path).unwrap().modified().unwrap();
        assert_eq!(fit_image(&png, 64 * 1024).unwrap(), fit);
        assert_eq!(
            std::fs::metadata(&fit.path).unwrap().modified().unwrap(),
            modified
        );
        // Not an image: refused, nothing written.
        let video = save(dir.path(), b"\x00\x00\x00\x20ftypisom-and-more").unwrap();
        assert!(matches!(fit_image(&video, 1024), Err(MediaError::Type)));
    }

    #[test]
    fn the_sweep_keeps_what_is_referenced_or_recent() {
        let dir = tempfile::tempdir().unwrap();
        let used = save(dir.path(), &[0xFF, 0xD8, 0xFF, 0xE0, 1]).unwrap();
        let unused = save(dir.path(), &[0xFF, 0xD8, 0xFF, 0xE0, 2]).unwrap();
        let mut in_use = std::collections::HashSet::new();
        names_in(
            &serde_json::json!({"cover": {"path": used.path, "mime": "image/jpeg"}, "title": "标题。"}),
            &mut in_use,
        );
        assert_eq!(in_use, [name_of(&used)].into_iter().collect());
        names_in(
            &serde_json::json!({"cover": {"path": "/d/media/abc123-fit65536.jpg"}}),
            &mut in_use,
        );
        assert!(
            in_use.contains("abc123-fit65536.jpg"),
            "a fitted derivative in a job's variant"
        );
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        assert!(
            sweep(dir.path(), &in_use, past, false)
                .unwrap()
                .files
                .is_empty(),
            "recent"
        );
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(1);
        let dry = sweep(dir.path(), &in_use, later, true).unwrap();
        assert_eq!(dry.files, vec![name_of(&unused)]);
        assert!(
            std::path::Path::new(&unused.path).exists(),
            "a dry run removes nothing"
        );
        let done = sweep(dir.path(), &in_use, later, false).unwrap();
        assert_eq!((done.files.len(), done.bytes), (1, 5));
        assert!(!std::path::Path::new(&unused.path).exists());
        assert!(std::path::Path::new(&used.path).exists());
    }
}
