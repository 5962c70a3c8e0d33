//! `.leakgateignore`: one fingerprint per line, `#` starts a comment; a listed finding is not reported.
use std::collections::HashSet;
use std::path::Path;

use crate::error::{Error, Result};
use crate::finding::Fingerprint;

pub const IGNORE_FILE_NAME: &str = ".leakgateignore";

#[derive(Debug, Default)]
pub struct IgnoreList {
    fingerprints: HashSet<String>,
}

impl IgnoreList {
    pub fn parse(text: &str) -> IgnoreList {
        let fingerprints = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        IgnoreList { fingerprints }
    }

    /// Reads the file if it exists; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<IgnoreList> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(IgnoreList::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IgnoreList::default()),
            Err(e) => Err(Error::Io {
                context: format!("cannot read {}", path.display()),
                source: e,
            }),
        }
    }

    pub fn contains(&self, fp: &Fingerprint) -> bool {
        self.fingerprints.contains(&fp.0)
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }
}
