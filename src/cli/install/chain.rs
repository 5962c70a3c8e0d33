//! How leakgate's hook takes the place of a hook that was there before, and still runs it. The hook that was at
//! `<dir>/<name>` moves to `<dir>/<name>.leakgate-chained/<name>`: in a folder of its own, so it keeps its file
//! name. Runners that find their work from the name they are called by (husky v9's `h`: `basename "$0"`) still
//! find it, and leakgate's hook runs a `sh` or `bash` script under leakgate's own path as `$0`, so `dirname "$0"`
//! is the hooks folder it was written for (husky's `_/pre-commit` sources `$(dirname "$0")/h`). Earlier versions
//! kept it as `<name>.local`; such a hook is moved into the new place when leakgate's hook is updated.
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The comment that marks a hook file as leakgate's.
pub const MARKER: &str = "# leakgate-managed-hook";

/// The folder a chained hook is kept in, next to leakgate's hook.
pub const CHAINED_SUFFIX: &str = ".leakgate-chained";

/// The paths around one hook in one folder.
pub struct HookFiles {
    /// Where git looks for the hook.
    pub hook: PathBuf,
    /// The folder the previous hook is kept in.
    pub chained_dir: PathBuf,
    /// The previous hook, under its own name.
    pub chained: PathBuf,
    /// Where versions before 0.2 kept the previous hook.
    pub legacy: PathBuf,
}

impl HookFiles {
    pub fn new(dir: &Path, name: &str) -> HookFiles {
        let chained_dir = dir.join(format!("{name}{CHAINED_SUFFIX}"));
        HookFiles {
            hook: dir.join(name),
            chained: chained_dir.join(name),
            chained_dir,
            legacy: dir.join(format!("{name}.local")),
        }
    }
}

/// True for anything at `path`, a dangling symlink included (it would still be in the way).
pub fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

pub fn is_ours(path: &Path) -> bool {
    fs::read(path).is_ok_and(|c| c.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()))
}

#[cfg(unix)]
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
pub fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Moves `from` to `to`, creating `to`'s folder.
pub fn move_to(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    fs::rename(from, to).with_context(|| format!("cannot move {} to {}", from.display(), to.display()))
}

/// Removes the chained hook's folder once it is empty.
pub fn remove_empty_dir(dir: &Path) {
    let _ = fs::remove_dir(dir);
}

/// Writes a hook as a new executable file (a symlink in the way is replaced, not written through).
pub fn write_hook(path: &Path, script: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    if exists(path) {
        fs::remove_file(path).with_context(|| format!("cannot replace {}", path.display()))?;
    }
    fs::write(path, script).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    Ok(())
}
