//! Files and streams the user hands us or asks us to write, read and written one way.
//!
//! Reading: every paste, token, session, profile and secret file (and standard input) goes
//! through [`read_source`] / [`read_file`]: at most [`INPUT_CAP`] bytes are read (`take(cap + 1)`,
//! so `explain - </dev/zero` ends at once with a message instead of growing without bound), then
//! the bytes are decoded honestly: UTF-8 with or without a byte-order mark, and UTF-16 LE/BE
//! (what Windows PowerShell's `>` and `Out-File` write). Invalid UTF-8 is decoded lossily for
//! text that is searched (a paste, a token, a session, a profile): the parsers look for ASCII
//! structure, a stray Latin-1 byte in a log must not block a diagnosis, and the replacement
//! character stands where the byte was, so nothing is hidden. A client secret is decoded
//! strictly: a silently changed secret would be sent and come back as a misleading "invalid
//! client secret" finding.
//!
//! Writing: sessions, reports and the admin-probe cache go through [`write_atomically`]: a
//! temporary file in the target's folder, then a rename over the target. A symlink at the path
//! (dangling or not) is replaced, never followed; a reader never sees half a file; private files
//! (sessions, the cache) are created 0600 on Unix. Streams such as `/dev/stdout`, `/dev/fd/63`
//! (`>(jq .)`) or `/dev/null` cannot be renamed over and are written in place.

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use crate::error::DoctorError;

/// The most bytes read from any input: far above any token, paste, session or profile, far below
/// what would hurt memory.
pub(crate) const INPUT_CAP: u64 = 16 * 1024 * 1024;

/// How invalid UTF-8 is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decoding {
    /// Replace invalid sequences with U+FFFD (text that is searched).
    Lossy,
    /// Refuse them (a secret that must be sent exactly as written).
    Strict,
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InputError {
    /// The operating system refused.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// More than the cap.
    #[error("it is larger than {} MiB, the most pbi-doctor reads", .0 / (1024 * 1024))]
    TooLarge(u64),
    /// Bytes that are not text in an encoding we read.
    #[error("{0}")]
    NotText(String),
}

impl InputError {
    /// As an I/O error, for callers whose error type holds one (the profiles file).
    pub(crate) fn into_io(self) -> std::io::Error {
        match self {
            Self::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string()),
        }
    }

    fn into_doctor(self, what: &'static str, from: String, path: Option<&Path>) -> DoctorError {
        match (self, path) {
            (Self::Io(source), Some(path)) => DoctorError::ReadFile {
                what,
                path: path.to_owned(),
                source,
            },
            (Self::Io(source), None) => DoctorError::ReadStdin { what, source },
            (Self::TooLarge(limit), _) => DoctorError::InputTooLarge {
                what,
                from,
                limit_mib: limit / (1024 * 1024),
            },
            (Self::NotText(reason), _) => DoctorError::InputNotText { what, from, reason },
        }
    }
}

/// Reads `source` (`-` for standard input, else a file path) as text, lossily decoded.
pub(crate) fn read_source(source: &str, what: &'static str) -> Result<String, DoctorError> {
    if source == "-" {
        read_stream(std::io::stdin().lock(), INPUT_CAP)
            .and_then(|bytes| decode(bytes, Decoding::Lossy))
            .map_err(|e| e.into_doctor(what, "standard input".to_owned(), None))
    } else {
        read_file(Path::new(source), what, Decoding::Lossy)
    }
}

/// Reads the file at `path` as text.
pub(crate) fn read_file(
    path: &Path,
    what: &'static str,
    decoding: Decoding,
) -> Result<String, DoctorError> {
    read_file_text(path, INPUT_CAP, decoding)
        .map_err(|e| e.into_doctor(what, path.display().to_string(), Some(path)))
}

/// Reads the file at `path` as bytes (a certificate).
pub(crate) fn read_file_bytes(path: &Path, what: &'static str) -> Result<Vec<u8>, DoctorError> {
    std::fs::File::open(path)
        .map_err(InputError::Io)
        .and_then(|file| read_stream(file, INPUT_CAP))
        .map_err(|e| e.into_doctor(what, path.display().to_string(), Some(path)))
}

/// Reads and decodes a file, at most `cap` bytes.
pub(crate) fn read_file_text(
    path: &Path,
    cap: u64,
    decoding: Decoding,
) -> Result<String, InputError> {
    let file = std::fs::File::open(path)?;
    decode(read_stream(file, cap)?, decoding)
}

/// At most `cap` bytes of `reader`; one more is asked for, so that "exactly the cap" and "more"
/// are told apart without reading on.
pub(crate) fn read_stream(reader: impl Read, cap: u64) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(InputError::TooLarge(cap));
    }
    Ok(bytes)
}

/// Whether `bytes` look like UTF-16 without a byte-order mark: at least three in four of the first
/// characters are Latin-1 with a zero byte beside them (at odd offsets for little-endian, even for
/// big-endian). UTF-8 text has no zero bytes, so it never looks like this.
fn bomless_utf16(bytes: &[u8]) -> Option<bool> {
    let head = &bytes[..bytes.len().min(256) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let count = |high: usize| {
        head.chunks_exact(2)
            .filter(|p| p[high] == 0 && p[1 - high] != 0)
            .count()
    };
    if count(1) * 4 >= pairs * 3 {
        Some(true)
    } else if count(0) * 4 >= pairs * 3 {
        Some(false)
    } else {
        None
    }
}

fn decode_utf16(
    bytes: &[u8],
    little_endian: bool,
    decoding: Decoding,
) -> Result<String, InputError> {
    let units = bytes.chunks_exact(2).map(|p| {
        if little_endian {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let mut text = String::with_capacity(bytes.len() / 2);
    for (index, unit) in char::decode_utf16(units).enumerate() {
        match (unit, decoding) {
            (Ok(c), _) => text.push(c),
            (Err(_), Decoding::Lossy) => text.push(char::REPLACEMENT_CHARACTER),
            (Err(_), Decoding::Strict) => {
                return Err(InputError::NotText(format!(
                    "it is UTF-16 with a broken surrogate pair at byte {}; save it again as UTF-8",
                    index * 2
                )));
            }
        }
    }
    if bytes.len() % 2 == 1 {
        match decoding {
            Decoding::Lossy => text.push(char::REPLACEMENT_CHARACTER),
            Decoding::Strict => {
                return Err(InputError::NotText(
                    "it is UTF-16 with an odd number of bytes (cut short?); save it again as UTF-8"
                        .to_owned(),
                ));
            }
        }
    }
    Ok(text)
}

/// Decodes an input: UTF-8 (a BOM is dropped), UTF-16 LE/BE with a BOM or recognisably without.
pub(crate) fn decode(bytes: Vec<u8>, decoding: Decoding) -> Result<String, InputError> {
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => return utf8(rest.to_vec(), decoding),
        [0xFF, 0xFE, rest @ ..] => return decode_utf16(rest, true, decoding),
        [0xFE, 0xFF, rest @ ..] => return decode_utf16(rest, false, decoding),
        _ => {}
    }
    match bomless_utf16(&bytes) {
        Some(little_endian) => decode_utf16(&bytes, little_endian, decoding),
        None => utf8(bytes, decoding),
    }
}

fn utf8(bytes: Vec<u8>, decoding: Decoding) -> Result<String, InputError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) if decoding == Decoding::Lossy => {
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
        Err(e) => Err(InputError::NotText(format!(
            "byte {} is not UTF-8 (the file is in another encoding); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ))),
    }
}

/// Who may read a written file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// The usual permissions (the umask decides): reports.
    Shared,
    /// The owner only (0600 on Unix): sessions and the cache, which describe a tenant.
    Private,
}

/// Whether `path` is a stream to write in place rather than a file to replace: a FIFO or
/// character device at the path itself, or a symlink under `/dev` or `/proc` to one
/// (`/dev/stdout`, `/dev/fd/63`). A symlink elsewhere is never followed, whatever it points to.
fn is_stream(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        let stream = |t: std::fs::FileType| t.is_fifo() || t.is_char_device() || t.is_socket();
        match std::fs::symlink_metadata(path) {
            Ok(m) if stream(m.file_type()) => true,
            Ok(m) if m.file_type().is_symlink() => {
                (path.starts_with("/dev") || path.starts_with("/proc"))
                    && std::fs::metadata(path).is_ok_and(|t| stream(t.file_type()))
            }
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Writes `bytes` to `path`: a temporary file in the same folder, flushed to disk, then renamed
/// over `path`. The folder must exist. On failure the temporary file is removed and `path` is
/// left as it was.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], access: Access) -> std::io::Result<()> {
    if is_stream(path) {
        let mut stream = std::fs::OpenOptions::new().write(true).open(path)?;
        stream.write_all(bytes)?;
        return stream.flush();
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the path names a folder, not a file",
            )
        })?;
    let temp = folder.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let mut options = std::fs::OpenOptions::new();
    // create_new: never open something already there (a symlink planted at the temporary name).
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(match access {
            Access::Private => 0o600,
            Access::Shared => 0o666,
        });
    }
    #[cfg(not(unix))]
    let _ = access;
    let mut file = options.open(&temp)?;
    let result = (|| {
        file.write_all(bytes)?;
        // A full disk can surface only here; then the target is left untouched.
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary folder, removed on drop.
    struct Folder(PathBuf);

    impl Folder {
        fn new() -> Self {
            let path = std::env::temp_dir()
                .join(format!("pbi-doctor-fsio-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn utf16(text: &str, little_endian: bool, bom: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
        for unit in units {
            bytes.extend(if little_endian {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        bytes
    }

    #[test]
    fn reads_up_to_the_cap_and_refuses_more() {
        assert_eq!(read_stream(&b"12345678"[..], 8).unwrap(), b"12345678");
        assert!(matches!(
            read_stream(&b"123456789"[..], 8),
            Err(InputError::TooLarge(8))
        ));
        // An endless stream ends after cap + 1 bytes.
        assert!(matches!(
            read_stream(std::io::repeat(0), 1024),
            Err(InputError::TooLarge(1024))
        ));
        assert_eq!(
            InputError::TooLarge(INPUT_CAP).to_string(),
            "it is larger than 16 MiB, the most pbi-doctor reads"
        );
    }

    #[test]
    fn decodes_what_windows_writes() {
        let text = "HTTP/1.1 401 Unauthorized\r\nAADSTS7000215: é ✓";
        for decoding in [Decoding::Lossy, Decoding::Strict] {
            let plain = decode(text.as_bytes().to_vec(), decoding).unwrap();
            assert_eq!(plain, text);
            let bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
            assert_eq!(decode(bom, decoding).unwrap(), text);
            for le in [true, false] {
                assert_eq!(decode(utf16(text, le, true), decoding).unwrap(), text);
                assert_eq!(decode(utf16(text, le, false), decoding).unwrap(), text);
            }
        }
    }

    #[test]
    fn invalid_utf8_is_lossy_for_pastes_and_refused_for_secrets() {
        let bytes = b"AADSTS50076 caf\xe9".to_vec();
        assert_eq!(
            decode(bytes.clone(), Decoding::Lossy).unwrap(),
            "AADSTS50076 caf\u{fffd}"
        );
        let refused = decode(bytes, Decoding::Strict).unwrap_err().to_string();
        assert!(refused.contains("byte 15 is not UTF-8"), "{refused}");
        // Broken UTF-16: an unpaired surrogate and an odd length.
        let mut broken = utf16("ab", true, true);
        broken.extend([0x00, 0xD8, 0x41]);
        assert_eq!(
            decode(broken.clone(), Decoding::Lossy).unwrap(),
            "ab\u{fffd}\u{fffd}"
        );
        assert!(decode(broken, Decoding::Strict).is_err());
        // NUL bytes that are not UTF-16 stay what they are.
        assert_eq!(decode(vec![0; 8], Decoding::Lossy).unwrap(), "\0".repeat(8));
    }

    #[test]
    fn a_symlink_at_the_path_is_replaced_not_followed() {
        let folder = Folder::new();
        let victim = folder.0.join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let path = folder.0.join("report.json");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_atomically(&path, b"report", Access::Shared).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "report");
        assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
        // A dangling symlink: replaced, and nothing is created where it pointed.
        #[cfg(unix)]
        {
            let nowhere = folder.0.join("nowhere.txt");
            let dangling = folder.0.join("session.json");
            std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
            write_atomically(&dangling, b"session", Access::Private).unwrap();
            assert!(!nowhere.exists());
            assert_eq!(std::fs::read_to_string(&dangling).unwrap(), "session");
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&folder.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_and_shared_files_follow_the_umask() {
        use std::os::unix::fs::PermissionsExt as _;
        let folder = Folder::new();
        let private = folder.0.join("session.json");
        std::fs::write(&private, "old, world-readable").unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&private, b"new", Access::Private).unwrap();
        let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let shared = folder.0.join("report.txt");
        write_atomically(&shared, b"r", Access::Shared).unwrap();
        let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o600, 0o600, "{mode:o}");
    }

    #[test]
    fn a_failed_write_leaves_the_target_and_no_temporary() {
        let folder = Folder::new();
        let missing = folder.0.join("no-such-folder").join("report.json");
        assert!(write_atomically(&missing, b"x", Access::Shared).is_err());
        // A folder at the path: the rename fails, the folder stays.
        let dir = folder.0.join("a-folder");
        std::fs::create_dir(&dir).unwrap();
        assert!(write_atomically(&dir, b"x", Access::Shared).is_err());
        assert!(dir.is_dir());
        let leftovers = std::fs::read_dir(&folder.0).unwrap().count();
        assert_eq!(leftovers, 1, "only a-folder");
    }

    #[cfg(unix)]
    #[test]
    fn streams_are_written_in_place() {
        write_atomically(Path::new("/dev/null"), b"x", Access::Shared).unwrap();
        let full = write_atomically(Path::new("/dev/full"), b"x", Access::Shared);
        if Path::new("/dev/full").exists() {
            assert!(full.is_err());
        }
    }
}
