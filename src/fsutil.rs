//! Files bckeys reads and writes. Writes are atomic (a temporary file in the target's directory,
//! fsync, rename, fsync of the directory), so a reader or a crash sees the old file or the new
//! one, never half of either; writes inside the repository never go through a symbolic link.
//! Reads are bounded and refuse what is not a regular file, so a FIFO, a device or a huge file
//! at a path bckeys reads is an error, never a hang or an exhausted memory.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The most bckeys reads of a configuration, a state or a saved plan (the largest real ones are
/// a few MiB: 500 stores of 10 accounts is 2.7 MB).
pub const MAX_DOCUMENT: u64 = 64 << 20;
/// The most it reads of a credentials file, a pasted block, an identity or a recipients file.
pub const MAX_SMALL: u64 = 1 << 20;
/// The most it reads of one secret file.
pub const MAX_SECRET: u64 = 4 << 20;

/// Reads a whole regular file of at most `limit` bytes. A FIFO, a device, a socket or a
/// directory is refused without blocking (the file is opened non-blocking and checked before
/// anything is read); a larger file is refused rather than read.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading would wait for a writer; a terminal would become ours.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", what_is(&meta)),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// [`read_bounded`] for UTF-8 text.
pub fn read_text_bounded(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_bounded(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Reads at most `limit` bytes of a stream (standard input), refusing more.
pub fn read_stream_bounded(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

pub fn too_large(limit: u64) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("it is larger than {}, more than bckeys reads", size(limit)))
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

fn what_is(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Refuses a path inside `root` when it, or any directory between `root` and it, is a symbolic
/// link: a link could lead a secret out of the repository (or a write over a file elsewhere).
/// Parts that don't exist yet are fine; they are created as real directories.
pub fn refuse_links(root: &Path, path: &Path) -> io::Result<()> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut current = if path.starts_with(root) { root.to_path_buf() } else { PathBuf::new() };
    for part in relative.components() {
        current.push(part);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} is a symbolic link; bckeys keeps secrets and state only in real files and directories inside the repository",
                        current.display()
                    ),
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// [`write_atomic`] into the repository at `root`, refusing any symbolic link on the way.
pub fn write_inside(root: &Path, path: &Path, contents: &[u8], private: bool) -> io::Result<()> {
    refuse_links(root, path)?;
    write_atomic(path, contents, private)
}

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
    fn reads_are_bounded_and_only_of_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, vec![b'x'; 2048]).unwrap();
        assert_eq!(read_bounded(&file, 2048).unwrap().len(), 2048);
        let e = read_bounded(&file, 2047).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        let e = read_bounded(dir.path(), 10).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let e = read_bounded(&fifo, 10).unwrap_err();
            assert!(e.to_string().contains("FIFO"), "{e}");
            let e = read_bounded(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(e.to_string().contains("device"), "{e}");
        }
        assert!(read_stream_bounded(&[0u8; 11][..], 10).is_err());
        assert_eq!(read_stream_bounded(&[0u8; 10][..], 10).unwrap().len(), 10);
    }

    #[cfg(unix)]
    #[test]
    fn writes_never_follow_a_link_out_of_the_repository() {
        let repo = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), repo.path().join("secrets")).unwrap();
        let target = repo.path().join("secrets/store/p/a.age");
        let e = write_inside(repo.path(), &target, b"x", true).unwrap_err();
        assert!(e.to_string().contains("is a symbolic link"), "{e}");
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
        fs::remove_file(repo.path().join("secrets")).unwrap();
        fs::create_dir_all(repo.path().join("secrets")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("f"), repo.path().join("secrets/a.age")).unwrap();
        assert!(write_inside(repo.path(), &repo.path().join("secrets/a.age"), b"x", true).is_err());
        write_inside(repo.path(), &repo.path().join("secrets/b.age"), b"x", true).unwrap();
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
