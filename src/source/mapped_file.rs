//! A file's bytes mapped into memory instead of copied: the pre-commit hook reads git's index (1.2 MB for a
//! repository of 10,000 files) on every commit, and copying it into fresh heap memory took 1.4 ms of a 20 ms
//! run, most of it faulting in 300 new pages. A mapping shares the page cache's pages instead.
//!
//! Only for files git replaces whole (it writes `index.lock` and renames it over `index`) and never rewrites
//! in place, which is why git maps its index too: a file truncated under the mapping would fault on access.
use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::Path;

pub struct MappedFile {
    inner: Inner,
}

enum Inner {
    #[cfg(unix)]
    Mapped { ptr: *mut libc::c_void, len: usize },
    /// Empty files (which cannot be mapped) and platforms without `mmap`.
    Read(Vec<u8>),
}

impl MappedFile {
    pub fn open(path: &Path) -> io::Result<MappedFile> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        #[cfg(unix)]
        if len > 0 {
            use std::os::fd::AsRawFd;
            let len = usize::try_from(len).map_err(|_| io::Error::other("file too large to map"))?;
            // SAFETY: a fresh read-only private mapping of an open file; the kernel picks the address. The pages
            // stay valid until `munmap` in `drop`, after the file descriptor is closed. MAP_POPULATE sets up every
            // page in this call rather than one fault per page later.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | populate(),
                    file.as_raw_fd(),
                    0,
                )
            };
            if ptr == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            return Ok(MappedFile { inner: Inner::Mapped { ptr, len } });
        }
        let mut data = Vec::with_capacity(len as usize);
        io::Read::read_to_end(&mut &file, &mut data)?;
        Ok(MappedFile { inner: Inner::Read(data) })
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn populate() -> libc::c_int {
    libc::MAP_POPULATE
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
fn populate() -> libc::c_int {
    0
}

impl Deref for MappedFile {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.inner {
            // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives (see `open`).
            #[cfg(unix)]
            Inner::Mapped { ptr, len } => unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), *len) },
            Inner::Read(data) => data,
        }
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Inner::Mapped { ptr, len } = self.inner {
            // SAFETY: unmaps exactly the mapping `open` made; no slice of it outlives `self`.
            unsafe {
                libc::munmap(ptr, len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_what_the_file_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        assert_eq!(&*MappedFile::open(&path).unwrap(), &content[..]);
        std::fs::write(&path, b"").unwrap();
        assert!(MappedFile::open(&path).unwrap().is_empty());
        assert!(MappedFile::open(&dir.path().join("missing")).is_err());
    }
}
