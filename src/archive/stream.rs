//! Single-stream compression: gzip, bzip2, xz and zstd, each with concatenated streams or frames read as one (as
//! their command-line tools do). The output is metered as it is decompressed. A tar inside (`.tar.gz`, `.tgz`,
//! `.tar.zst`, ...) is read as it streams and its members shown right under the compressed file
//! (`dist.tgz!/config/app.properties`); anything else is one member named after the file without its suffix
//! (`logs/app.log.gz!/app.log`).
use std::cell::Cell;
use std::io::{self, Cursor, Read};

use bzip2::read::MultiBzDecoder;
use flate2::read::MultiGzDecoder;
use lzma_rust2::XzReader;
use ruzstd::decoding::{FrameDecoder, StreamingDecoder};

use super::budget::{read_member, Counting, Metered};
use super::tar::{self, BLOCK};
use super::{Kind, Limit, Skip, Walker};

/// Memory an xz stream may ask for its dictionary (KiB): `xz -9` needs 64 MiB.
const XZ_MEM_LIMIT_KB: u32 = 96 * 1024;
/// The largest zstd window accepted: `zstd -19` uses 8 MiB, `--long` 128 MiB; more is refused as unreadable.
const ZSTD_MAX_WINDOW: u64 = 128 * 1024 * 1024;

pub(super) fn read(w: &mut Walker<'_>, path: &str, content: &[u8], kind: Kind, depth: u32) {
    let consumed = Cell::new(0);
    let input = Counting::new(content, &consumed);
    let decoder: Box<dyn Read + '_> = match kind {
        Kind::Gzip => Box::new(MultiGzDecoder::new(input)),
        Kind::Bzip2 => Box::new(MultiBzDecoder::new(input)),
        Kind::Xz => Box::new(XzReader::new_mem_limit(input, true, XZ_MEM_LIMIT_KB)),
        Kind::Zstd => Box::new(ZstdFrames { decoder: None, input: Some(input) }),
        // Not streams: `Walker::open` reads them itself and never sends them here.
        Kind::Zip | Kind::Tar => return,
    };
    let mut stream = Metered::new(decoder, w.budget, &consumed);
    let mut head = Vec::with_capacity(BLOCK);
    if let Err(e) = (&mut stream).take(BLOCK as u64).read_to_end(&mut head) {
        return match w.budget.failure(e) {
            Skip::Unreadable(why) => w.unopenable(path, depth, why),
            limit => w.skipped(path, 1, limit),
        };
    }
    let rest = Cursor::new(head).chain(stream);
    if tar::is_header(rest.get_ref().0.get_ref()) {
        return tar::entries(w, path, rest, depth);
    }
    let name = format!("{path}!/{}", super::display_name(&inner_name(path)));
    if !w.take_member() {
        return w.skipped(&name, 1, Skip::Limit(Limit::Members));
    }
    match read_member(rest, w.budget, 0) {
        Ok(buf) => w.member(&name, &buf, depth + 1),
        Err(why) => w.skipped(&name, 1, why),
    }
}

/// What a compressed file holds, by its name: the last path component without its compression suffix
/// (`app.log.gz` holds `app.log`, `dist.tgz` holds `dist.tar`).
fn inner_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let lower = file.to_ascii_lowercase();
    for (suffix, replacement) in [
        (".tgz", ".tar"),
        (".tbz2", ".tar"),
        (".tbz", ".tar"),
        (".txz", ".tar"),
        (".tzst", ".tar"),
        (".gz", ""),
        (".gzip", ""),
        (".bz2", ""),
        (".xz", ""),
        (".zst", ""),
        (".zstd", ""),
    ] {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            return format!("{}{replacement}", &file[..file.len() - suffix.len()]);
        }
    }
    file.to_string()
}

/// Every zstd frame of the input, one after the other (`zstd` writes one per input, `cat` joins them).
struct ZstdFrames<'a> {
    decoder: Option<StreamingDecoder<Counting<'a>, FrameDecoder>>,
    /// The input between frames.
    input: Option<Counting<'a>>,
}

impl Read for ZstdFrames<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(decoder) = &mut self.decoder {
                let n = decoder.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                self.input = self.decoder.take().map(StreamingDecoder::into_inner);
            }
            match self.input.take() {
                Some(input) if !input.is_empty() => {
                    let decoder = StreamingDecoder::new_with_max_window_size(input, ZSTD_MAX_WINDOW)
                        .map_err(|e| io::Error::other(format!("zstd: {e}")))?;
                    self.decoder = Some(decoder);
                }
                _ => return Ok(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::inner_name;

    #[test]
    fn a_compressed_file_holds_its_name_without_the_suffix() {
        assert_eq!(inner_name("logs/app.log.gz"), "app.log");
        assert_eq!(inner_name("a.zip!/dist.TGZ"), "dist.tar");
        assert_eq!(inner_name("dump.sql.zst"), "dump.sql");
        assert_eq!(inner_name("blob"), "blob");
        assert_eq!(inner_name(".gz"), ".gz");
    }
}
