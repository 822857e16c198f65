//! One writer at a time: `bckeys.lock` beside the state, created exclusively, holding the pid
//! and host of its owner. A lock whose process is gone (on this host) is taken over, so a killed
//! apply can't block the repository for ever.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another bckeys (pid {pid} on {host}) is changing this repository: {} exists", path.display())]
    Held { path: PathBuf, pid: u32, host: String },
    #[error("cannot create the lock {}: {error}", path.display())]
    Io { path: PathBuf, error: std::io::Error },
}

impl LockError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            LockError::Held { .. } => Some(
                "wait for it to finish; if that process is gone from another machine, delete the lock file by hand",
            ),
            LockError::Io { .. } => None,
        }
    }
}

/// Held while it lives; the file is removed on drop.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    pub fn path_for(dir: &Path) -> PathBuf {
        if dir == Path::new(".") {
            PathBuf::from("bckeys.lock")
        } else {
            dir.join("bckeys.lock")
        }
    }

    pub fn acquire(dir: &Path) -> Result<Lock, LockError> {
        let path = Lock::path_for(dir);
        let me = format!("{} {}\n", std::process::id(), host());
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    file.write_all(me.as_bytes())
                        .and_then(|_| file.sync_all())
                        .map_err(|error| LockError::Io { path: path.clone(), error })?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    // Bounded, and never a wait on a FIFO someone put in its place.
                    let text = crate::fsutil::read_text_bounded(&path, 4096).unwrap_or_default();
                    let mut parts = text.split_whitespace();
                    let pid: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                    let owner_host = parts.next().unwrap_or("").to_owned();
                    // A lock with no owner in it is one whose creator died before writing it, once
                    // it is older than the moment between the two.
                    let unwritten = text.trim().is_empty()
                        && std::fs::metadata(&path)
                            .and_then(|m| m.modified())
                            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > std::time::Duration::from_secs(5)));
                    if unwritten || (owner_host == host() && !alive(pid)) {
                        // The owner died (killed, crashed): its lock is stale.
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    return Err(LockError::Held { path, pid, host: owner_host });
                }
                Err(error) => return Err(LockError::Io { path, error }),
            }
        }
        Err(LockError::Io { path, error: std::io::Error::other("the lock kept changing hands") })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Whether a process lives. Where that can't be told (no /proc), it is assumed alive: a lock is
/// never broken on a guess.
fn alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    let proc = Path::new("/proc");
    if !proc.is_dir() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_and_a_dead_owner_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(dir.path()).unwrap();
        let err = Lock::acquire(dir.path()).unwrap_err();
        assert!(err.to_string().contains("another bckeys"), "{err}");
        drop(first);
        assert!(!Lock::path_for(dir.path()).exists());
        // A lock left by a process that no longer exists.
        std::fs::write(Lock::path_for(dir.path()), format!("4194303999 {}\n", host())).unwrap();
        let _again = Lock::acquire(dir.path()).unwrap();
    }
}
