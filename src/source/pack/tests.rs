//! The pack reader against libgit2 on real packs written by `git gc` and `git repack`.
use std::path::Path;
use std::process::Command;

use super::{Decoded, Kind, PackSet, Reader};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").args(args).current_dir(dir).output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A repository whose files change a little in each of many commits, so that packing stores most versions as
/// deltas (offset deltas, or reference deltas with `--no-delta-base-offset`) in chains of several levels.
pub(crate) fn packed_repo(repack: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    git(d, &["config", "user.email", "t@example.com"]);
    git(d, &["config", "user.name", "t"]);
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("line {i}: {}\n", "some text that stays the same ".repeat(3)));
        std::fs::write(d.join("a.txt"), &text).unwrap();
        std::fs::create_dir_all(d.join(format!("dir{}", i % 3))).unwrap();
        std::fs::write(d.join(format!("dir{}/b.txt", i % 3)), text.repeat(2)).unwrap();
        // Entries come and go, so trees decoded from a base gain and lose entries.
        std::fs::write(d.join(format!("f{:02}.txt", i)), format!("{i}\n")).unwrap();
        if i >= 5 {
            std::fs::remove_file(d.join(format!("f{:02}.txt", i - 5))).unwrap();
        }
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", &format!("commit {i}")]);
    }
    git(d, repack);
    dir
}

/// Every object of the packs, decoded chain by chain, must equal what libgit2 reads for its id; and every
/// object must be reached.
fn decodes_like_libgit2(repack: &[&str]) {
    let dir = packed_repo(repack);
    let repo = git2::Repository::open(dir.path()).unwrap();
    let odb = repo.odb().unwrap();
    let (set, problems) = PackSet::open(&dir.path().join(".git/objects"));
    assert!(problems.is_empty(), "{problems:?}");
    assert!(set.len() > 100, "{} objects", set.len());
    let deltas = (0..set.len() as u32).filter(|&i| set.base(i).is_some()).count();
    assert!(deltas > 20, "only {deltas} deltas: the test would not exercise them");
    let mut reached = vec![false; set.len()];
    let mut reader = Reader::new(&set);
    for kind in [Kind::Commit, Kind::Tree, Kind::Blob, Kind::Tag] {
        for root in set.roots(kind) {
            reader.decode_chain(root, u64::MAX, &|_| true, &mut |id, decoded, _| {
                let Decoded::Data(data) = decoded else { panic!("no limit was set") };
                let oid = git2::Oid::from_bytes(set.oid(id)).unwrap();
                let object = odb.read(oid).unwrap();
                assert_eq!(object.data(), data, "object {oid}");
                assert_eq!(set.kind(id), kind);
                reached[id as usize] = true;
            });
        }
    }
    assert!(reached.iter().all(|r| *r), "some objects were never decoded");
    for id in 0..set.len() as u32 {
        assert_eq!(set.find(set.oid(id)), Some(id));
    }
    assert_eq!(set.find(&[0u8; 20]), None);
}

/// The repository's one pack.
fn pack_file(objects: &Path) -> std::path::PathBuf {
    let packs: Vec<_> = std::fs::read_dir(objects.join("pack"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pack"))
        .collect();
    assert_eq!(packs.len(), 1);
    packs[0].clone()
}

#[test]
fn decodes_offset_deltas_like_libgit2() {
    decodes_like_libgit2(&["gc", "-q", "--aggressive"]);
}

#[test]
fn decodes_reference_deltas_like_libgit2() {
    decodes_like_libgit2(&["-c", "repack.useDeltaBaseOffset=false", "repack", "-q", "-a", "-d", "-f", "--depth=5"]);
}

#[test]
fn objects_over_the_limit_are_reported_by_size_and_their_deltas_not_decoded() {
    let dir = packed_repo(&["gc", "-q", "--aggressive"]);
    let (set, _) = PackSet::open(&dir.path().join(".git/objects"));
    let mut reader = Reader::new(&set);
    let mut large = 0;
    for root in set.roots(Kind::Blob) {
        let mut visits = 0;
        reader.decode_chain(root, 1000, &|_| true, &mut |_, decoded, _| {
            visits += 1;
            match decoded {
                Decoded::Data(d) => assert!(d.len() <= 1000),
                Decoded::TooLarge(size) => {
                    assert!(size > 1000);
                    large += 1;
                }
            }
        });
        if set.objects[root as usize].size > 1000 {
            assert_eq!(visits, 1, "nothing is decoded under an object over the limit");
        }
    }
    assert!(large > 0);
}

#[test]
fn a_corrupt_pack_entry_is_not_decoded_nor_anything_under_it() {
    let dir = packed_repo(&["gc", "-q", "--aggressive"]);
    let objects = dir.path().join(".git/objects");
    let (set, _) = PackSet::open(&objects);
    // The largest blob root: flip a byte in the middle of its zlib stream.
    let root = set.roots(Kind::Blob).into_iter().max_by_key(|&r| set.size(r)).unwrap();
    let (data_at, end) = set.stream(root);
    drop(set);
    let path = pack_file(&objects);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[((data_at + end) / 2) as usize] ^= 0x55;
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let (set, problems) = PackSet::open(&objects);
    assert!(problems.is_empty(), "the headers are intact: {problems:?}");
    let mut reader = Reader::new(&set);
    let mut visited = 0;
    reader.decode_chain(root, u64::MAX, &|_| true, &mut |_, _, _| visited += 1);
    assert_eq!(visited, 0);
}

#[test]
fn a_malformed_pack_is_left_out_with_the_reason() {
    let dir = packed_repo(&["gc", "-q"]);
    let objects = dir.path().join(".git/objects");
    let pack = pack_file(&objects);
    std::fs::remove_file(&pack).unwrap();
    std::fs::write(&pack, b"PACK\0\0\0\x02\0\0\0\x01").unwrap();
    let (set, problems) = PackSet::open(&objects);
    assert!(set.is_empty());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("objects"), "{problems:?}");
}

#[test]
fn a_chain_held_past_the_cap_is_decoded_only_down_to_it() {
    let dir = packed_repo(&["gc", "-q", "--aggressive"]);
    let repo = git2::Repository::open(dir.path()).unwrap();
    let (set, _) = PackSet::open(&dir.path().join(".git/objects"));
    let count = |max_held| {
        let mut reader = Reader::new(&set).with_max_held(max_held);
        let mut visited = 0;
        for root in set.roots(Kind::Blob) {
            reader.decode_chain(root, u64::MAX, &|_| true, &mut |id, decoded, _| {
                let Decoded::Data(data) = decoded else { panic!("no limit was set") };
                let oid = git2::Oid::from_bytes(set.oid(id)).unwrap();
                assert_eq!(repo.odb().unwrap().read(oid).unwrap().data(), data);
                visited += 1;
            });
        }
        visited
    };
    let (capped, whole) = (count(0), count(usize::MAX));
    assert_eq!(whole, set.count(Kind::Blob));
    assert!(capped < whole, "{capped} of {whole}: deeper chains are left to libgit2");
}
