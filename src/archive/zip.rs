//! Zip and the formats built on it (jar, war, ear, whl, apk, aar, nupkg, vsix, ipa, office documents): the
//! central directory is read from memory, then each member is inflated on its own, metered, in directory order.
//! Members stored with deflate, deflate64, bzip2 or no compression are read; others (lzma, zstd, ppmd) and
//! encrypted members are counted as unreadable.
use std::cell::Cell;
use std::io::Cursor;

use zip::ZipArchive;

use super::budget::{read_member, Metered};
use super::{join, Limit, Skip, Walker};

pub(super) fn read(w: &mut Walker<'_>, path: &str, content: &[u8], depth: u32) {
    let mut archive = match ZipArchive::new(Cursor::new(content)) {
        Ok(a) => a,
        Err(e) => return w.unopenable(path, depth, format!("not a readable zip: {e}")),
    };
    let len = archive.len();
    for i in 0..len {
        let rest = (len - i) as u64;
        if w.budget.exhausted() {
            return w.skipped(path, rest, Skip::Limit(Limit::TotalBytes));
        }
        let stored_name = match archive.name_for_index(i) {
            Some(Ok(name)) => name.into_owned(),
            _ => String::from_utf8_lossy(archive.file_names_raw().nth(i).unwrap_or_default()).into_owned(),
        };
        let name = join(path, &stored_name);
        let mut file = match archive.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                w.skipped(&name, 1, Skip::Unreadable(e.to_string()));
                continue;
            }
        };
        if file.is_dir() {
            continue;
        }
        if !w.take_member() {
            return w.skipped(path, rest, Skip::Limit(Limit::Members));
        }
        let (size, compressed) = (file.size(), file.compressed_size());
        if size > w.budget.max_member() {
            w.skipped(&name, 1, Skip::Limit(Limit::MemberSize));
            continue;
        }
        let consumed = Cell::new(compressed);
        let read = read_member(Metered::new(&mut file, w.budget, &consumed), w.budget, size);
        drop(file);
        match read {
            Ok(buf) => w.member(&name, &buf, depth + 1),
            Err(why) => w.skipped(&name, 1, why),
        }
    }
}
