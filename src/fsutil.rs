//! Atomic file writes: a temporary file in the target's directory, fsync, rename, fsync of the
//! directory. A reader (or a crash) sees the old file or the new one, never half of either.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Writes `contents` to `path` atomically, creating parent directories. `private` files are
/// created with mode 0600 on Unix.
pub fn write_atomic(path: &Path, contents: &[u8], private: bool) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".bckeys-").suffix(".tmp");
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

/// Makes a rename durable. Best effort: some filesystems refuse to fsync a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Removes the temporary files that a write killed midway left in `dir` and below: they were
/// never renamed into place, so nothing refers to them. Call it holding the repository lock.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        match entry.file_type() {
            Ok(t)
                if t.is_dir()
                    && !t.is_symlink()
                    && (name == "secrets"
                        || dir.ends_with("secrets")
                        || dir.components().any(|c| c.as_os_str() == "secrets")) =>
            {
                remove_stale_temporaries(&path)
            }
            Ok(t) if t.is_file() && name.starts_with(".bckeys-") && name.ends_with(".tmp") => {
                let _ = fs::remove_file(&path);
            }
            _ => {}
        }
    }
}

/// Lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/file.txt");
        write_atomic(&path, b"one", true).unwrap();
        write_atomic(&path, b"two", true).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let entries: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(entries.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn stale_temporaries_go_and_nothing_else_does() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("secrets/store/p");
        fs::create_dir_all(&secrets).unwrap();
        for f in [
            dir.path().join(".bckeys-1.tmp"),
            secrets.join(".bckeys-2.tmp"),
            secrets.join("a.age"),
            dir.path().join("bckeys.yaml"),
        ] {
            fs::write(f, b"x").unwrap();
        }
        remove_stale_temporaries(dir.path());
        assert!(!dir.path().join(".bckeys-1.tmp").exists());
        assert!(!secrets.join(".bckeys-2.tmp").exists());
        assert!(secrets.join("a.age").exists() && dir.path().join("bckeys.yaml").exists());
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
