//! Opening files whose names come from a tree someone else controls. A name can stand for a FIFO (opening it
//! for reading waits for a writer that never comes), a device (`/dev/zero` never ends) or a regular file that
//! is swapped for one of those between the walk and the open. So every file leakgate finds in a tree — the
//! files it scans and the ignore files it picks up — is opened non-blocking, checked to be a regular file on the
//! open handle (no window for a swap), and read only up to a limit. (Files the user names with `--config` or
//! `--baseline` are read as named: a pipe from `<(...)` is a fair thing to pass there. A discovered
//! `.leakgate.toml` must be a regular file to be picked up at all.)
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// What [`read_regular`] found under a name.
#[derive(Debug)]
pub enum Contents {
    Text(Vec<u8>),
    /// Larger than the limit: not read.
    TooLarge,
    /// A FIFO, socket or device: not read.
    NotRegular,
}

/// Reads a regular file whole unless it is larger than `max` bytes (checked on the open handle, and again while
/// reading, so a file that grows or under-reports its size, as `/proc` files do, cannot exceed the limit).
pub fn read_regular(path: &Path, max: u64) -> io::Result<Contents> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(Contents::NotRegular);
    }
    if meta.len() > max {
        return Ok(Contents::TooLarge);
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        return Ok(Contents::TooLarge);
    }
    Ok(Contents::Text(buf))
}

/// leakgate's own files (ignore files and the like) are small; a bigger one is a mistake or an attack.
const OWN_FILE_LIMIT: u64 = 256 << 20;

/// Reads one of leakgate's own text files found in a tree. Anything but a regular UTF-8 file of at most 256 MiB is an error
/// (`NotFound` stays `NotFound`, so callers can treat a missing optional file as absent).
pub fn read_own_file(path: &Path) -> io::Result<String> {
    match read_regular(path, OWN_FILE_LIMIT)? {
        Contents::Text(bytes) => {
            String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not valid UTF-8"))
        }
        Contents::TooLarge => Err(io::Error::new(io::ErrorKind::InvalidData, "larger than 256 MiB")),
        Contents::NotRegular => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, socket or device is never read)",
        )),
    }
}

/// `O_NONBLOCK` makes opening a FIFO return at once instead of waiting for a writer (regular files ignore the
/// flag); `O_NOCTTY` keeps a terminal device from becoming our controlling terminal.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn devices_are_not_read() {
        assert!(matches!(read_regular(Path::new("/dev/zero"), 1 << 20).unwrap(), Contents::NotRegular));
        let err = read_own_file(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn limits_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        std::fs::write(&p, "0123456789").unwrap();
        assert!(matches!(read_regular(&p, 9).unwrap(), Contents::TooLarge));
        assert!(matches!(read_regular(&p, 10).unwrap(), Contents::Text(t) if t == b"0123456789"));
        let missing = read_own_file(&dir.path().join("nope")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
