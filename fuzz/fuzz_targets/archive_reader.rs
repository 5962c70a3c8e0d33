//! The archive reader (`leakgate::archive`) on arbitrary bytes, with small limits so that a bomb the fuzzer
//! builds meets them quickly: every format by its magic bytes, nested archives, corrupt and truncated streams.
//! Besides "no panic, no hang, no unbounded memory": every member handed on is within the member size, all of
//! them within the total and the member count, and every display path stays under the archive's (no `..`
//! component, no leading `/`).
#![no_main]
use leakgate::archive::{detect, expand, ArchiveLimits, Entry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(kind) = detect(data) else { return };
    let limits = ArchiveLimits {
        max_depth: 3,
        max_total_bytes: 4 << 20,
        max_member_size: 1 << 20,
        max_ratio: 50,
        max_members: 200,
    };
    let (mut members, mut bytes) = (0u64, 0u64);
    let mut handed = false;
    let opened = expand("fuzz", data, kind, &limits, &mut |entry| {
        handed = true;
        match entry {
        Entry::Member { path, content } => {
            members += 1;
            bytes += content.len() as u64;
            assert!(content.len() as u64 <= limits.max_member_size, "{path}: {} bytes", content.len());
            assert!(detect(content).is_none(), "{path}: an archive is opened or skipped, never handed on");
            check_path(path);
        }
        Entry::Skipped { path, count, .. } => {
            assert!(count > 0);
            check_path(path);
        }
        }
    });
    assert!(opened || !handed, "an archive that could not be opened hands nothing on");
    assert!(members <= limits.max_members, "{members} members");
    assert!(bytes <= limits.max_total_bytes, "{bytes} bytes");
});

fn check_path(path: &str) {
    assert!(path == "fuzz" || path.starts_with("fuzz!/"), "{path}");
    for part in path.split("!/").skip(1) {
        assert!(!part.starts_with('/'), "{path}");
        assert!(part.split('/').all(|c| c != ".." && c != "." && !c.is_empty()), "{path}");
    }
}
