//! The state of an incremental history audit (`scan --history --state FILE`): what earlier runs scanned, so the
//! next run scans only what is new. It holds
//!
//! - a header: the format version, a hash of the rule set and one of the settings that change what a scan
//!   reports (config file, size limit, IaC lint, shard, confidence threshold), the repository's name, and how many
//!   commits the runs so far have audited (new commits are numbered after them, see `CommitInfo::order`);
//! - the ids of every commit audited, sorted (20 bytes each: 5 MB for 250,000 commits): the next run walks back
//!   from the refs only until it meets one of them, so a mirror's tens of thousands of unchanged refs cost a
//!   lookup each, not a walk;
//! - the ids of every blob scanned, sorted (20 bytes each: 6 MB for 300,000 blobs), looked up by binary search;
//! - the findings reported so far, as the JSON report shows them: secrets redacted, with their keyed hash when
//!   the run had a key (the state never holds a secret);
//! - a SHA-256 checksum over all of the above.
//!
//! Layout: `LEAKGATE-AUDIT-STATE\n`, then each part as a little-endian u64 length and its bytes (header JSON,
//! commit ids, blob ids, findings JSON), then the 32-byte checksum. A state that is missing, cut short, altered,
//! of another version, or made with other rules or settings is not used: the run is then a full audit, and says
//! why in one line. Losing the state costs time, never findings. It is written to a temporary file and renamed
//! over the old one, so a run that is killed leaves the previous state whole.
use std::path::Path;

use git2::Oid;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::finding::Finding;

const MAGIC: &[u8] = b"LEAKGATE-AUDIT-STATE\n";
/// Bumped on any change to the layout or to what the parts mean (2: every audited commit instead of the refs'
/// tips, whose walk with tens of thousands hidden was quadratic in libgit2).
pub const STATE_VERSION: u32 = 2;
const OID_LEN: usize = 20;

/// The header: what a state is valid for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    /// [`crate::rules::RuleSet::digest`]: other rules could find what earlier runs did not.
    pub rules: String,
    /// The settings that change what a scan reports ([`settings_digest`]).
    pub settings: String,
    pub repository: String,
    /// Commits audited by the runs so far.
    pub commits: u64,
    /// The key id of the findings' `secret_hash`, if they have one.
    pub secret_hash_key_id: Option<String>,
}

/// A state read back, or to be written.
#[derive(Debug, Clone)]
pub struct AuditState {
    pub header: Header,
    /// Sorted.
    commits: Vec<[u8; OID_LEN]>,
    /// Sorted.
    blobs: Vec<[u8; OID_LEN]>,
    pub findings: Vec<Finding>,
}

/// Why a state was not used.
#[derive(Debug, PartialEq, Eq)]
pub enum Unusable {
    Missing,
    Corrupt(String),
    Version(u32),
    RulesChanged,
    SettingsChanged,
    OtherRepository(String),
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::Missing => write!(f, "no state yet"),
            Unusable::Corrupt(why) => write!(f, "the state is damaged ({why})"),
            Unusable::Version(v) => write!(f, "the state has format version {v}, this leakgate writes {STATE_VERSION}"),
            Unusable::RulesChanged => write!(f, "the rules changed since the state was written"),
            Unusable::SettingsChanged => write!(f, "the config or scan settings changed since the state was written"),
            Unusable::OtherRepository(r) => write!(f, "the state is of another repository ({r})"),
        }
    }
}

impl AuditState {
    pub fn new(
        header: Header,
        commits: impl IntoIterator<Item = Oid>,
        blobs: impl IntoIterator<Item = Oid>,
        findings: Vec<Finding>,
    ) -> Self {
        AuditState { header, commits: sorted_ids(commits), blobs: sorted_ids(blobs), findings }
    }

    /// The commits audited before (sorted): the next run walks no further back than these.
    pub fn commits(&self) -> impl Iterator<Item = Oid> + '_ {
        self.commits.iter().filter_map(|c| Oid::from_bytes(c).ok())
    }

    /// Whether an earlier run scanned the blob.
    pub fn scanned(&self, oid: Oid) -> bool {
        self.blobs.binary_search(&raw(oid)).is_ok()
    }

    pub fn blob_count(&self) -> usize {
        self.blobs.len()
    }

    /// The blobs scanned before, for the next state.
    pub fn blobs(&self) -> impl Iterator<Item = Oid> + '_ {
        self.blobs.iter().filter_map(|b| Oid::from_bytes(b).ok())
    }

    /// Reads the state at `path` and checks it is one for `expected` (all but `commits` and the key id must
    /// match).
    pub fn load(path: &Path, expected: &Header) -> Result<AuditState, Unusable> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unusable::Missing),
            Err(e) => return Err(Unusable::Corrupt(format!("cannot read it: {e}"))),
        };
        let state = decode(&bytes).map_err(Unusable::Corrupt)?;
        let h = &state.header;
        if h.version != STATE_VERSION {
            return Err(Unusable::Version(h.version));
        }
        if h.rules != expected.rules {
            return Err(Unusable::RulesChanged);
        }
        if h.settings != expected.settings {
            return Err(Unusable::SettingsChanged);
        }
        if h.repository != expected.repository {
            return Err(Unusable::OtherRepository(h.repository.clone()));
        }
        Ok(state)
    }

    /// Writes the state to `path`, through a temporary file renamed over it.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let bytes = self.encode()?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    fn encode(&self) -> std::io::Result<Vec<u8>> {
        let mut out = MAGIC.to_vec();
        let part = |out: &mut Vec<u8>, bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(bytes);
        };
        part(&mut out, &serde_json::to_vec(&self.header)?);
        part(&mut out, &self.commits.concat());
        part(&mut out, &self.blobs.concat());
        part(&mut out, &serde_json::to_vec(&self.findings.iter().map(Stored::from).collect::<Vec<_>>())?);
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        Ok(out)
    }
}

/// A finding as the state keeps it: the report's shape with the secret's keyed hash, which `Finding` reads back.
#[derive(Serialize)]
struct Stored<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_hash: Option<&'a str>,
}

impl<'a> From<&'a Finding> for Stored<'a> {
    fn from(finding: &'a Finding) -> Self {
        let secret_hash = match &finding.detail {
            crate::finding::Detail::Secret(m) => m.secret_hash.as_deref(),
            _ => None,
        };
        Stored { finding, secret_hash }
    }
}

fn decode(bytes: &[u8]) -> Result<AuditState, String> {
    let body =
        bytes.strip_prefix(MAGIC).ok_or("not a leakgate audit state")?.split_last_chunk::<32>().ok_or("cut short")?;
    let (content, sum) = (&bytes[..bytes.len() - 32], body.1);
    if Sha256::digest(content).as_slice() != sum {
        return Err("its checksum does not match".into());
    }
    let mut rest = body.0;
    let mut part = || -> Result<&[u8], String> {
        let (len, tail) = rest.split_first_chunk::<8>().ok_or("cut short")?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| "a part is too long")?;
        if tail.len() < len {
            return Err("cut short".into());
        }
        let (this, tail) = tail.split_at(len);
        rest = tail;
        Ok(this)
    };
    let header: Header = serde_json::from_slice(part()?).map_err(|e| format!("header: {e}"))?;
    let ids = |bytes: &[u8]| -> Result<Vec<[u8; OID_LEN]>, String> {
        let (chunks, tail) = bytes.as_chunks::<OID_LEN>();
        if !tail.is_empty() {
            return Err("an object id is cut short".into());
        }
        Ok(chunks.to_vec())
    };
    let commits = ids(part()?)?;
    let blobs = ids(part()?)?;
    if !commits.is_sorted() || !blobs.is_sorted() {
        return Err("the object ids are not sorted".into());
    }
    let findings = serde_json::from_slice(part()?).map_err(|e| format!("findings: {e}"))?;
    Ok(AuditState { header, commits, blobs, findings })
}

fn sorted_ids(ids: impl IntoIterator<Item = Oid>) -> Vec<[u8; OID_LEN]> {
    let mut ids: Vec<[u8; OID_LEN]> = ids.into_iter().map(raw).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn raw(oid: Oid) -> [u8; OID_LEN] {
    let mut out = [0u8; OID_LEN];
    out.copy_from_slice(&oid.as_bytes()[..OID_LEN]);
    out
}

/// A hash of the settings that change what a history scan reports, given as `name=value` lines.
pub fn settings_digest(settings: &[(&str, String)]) -> String {
    let mut h = Sha256::new();
    for (name, value) in settings {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
        h.update([0]);
    }
    h.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            version: STATE_VERSION,
            rules: "r".into(),
            settings: "s".into(),
            repository: "repo".into(),
            commits: 3,
            secret_hash_key_id: None,
        }
    }

    fn oid(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).unwrap()
    }

    #[test]
    fn a_state_reads_back_and_any_damage_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let state = AuditState::new(header(), [oid(9), oid(4)], [oid(3), oid(1), oid(3)], Vec::new());
        state.save(&path).unwrap();
        let back = AuditState::load(&path, &header()).unwrap();
        assert_eq!((back.commits().collect::<Vec<_>>(), back.blob_count()), (vec![oid(4), oid(9)], 2));
        assert!(back.scanned(oid(1)) && back.scanned(oid(3)) && !back.scanned(oid(2)));

        let bytes = std::fs::read(&path).unwrap();
        for at in [0, MAGIC.len() + 3, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            std::fs::write(&path, &bad).unwrap();
            assert!(matches!(AuditState::load(&path, &header()), Err(Unusable::Corrupt(_))), "byte {at}");
        }
        std::fs::write(&path, &bytes[..bytes.len() - 40]).unwrap();
        assert!(matches!(AuditState::load(&path, &header()), Err(Unusable::Corrupt(_))));
        std::fs::write(&path, &bytes).unwrap();
        let other_rules = Header { rules: "other".into(), ..header() };
        assert_eq!(AuditState::load(&path, &other_rules).unwrap_err(), Unusable::RulesChanged);
        let other_settings = Header { settings: "other".into(), ..header() };
        assert_eq!(AuditState::load(&path, &other_settings).unwrap_err(), Unusable::SettingsChanged);
        assert_eq!(AuditState::load(&dir.path().join("none"), &header()).unwrap_err(), Unusable::Missing);
    }
}
