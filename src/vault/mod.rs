//! The vault: secret files encrypted with age, readable by the `age` command-line tool.
//!
//! Plaintext exists only in memory, in zeroizing buffers; it reaches the disk only encrypted,
//! through an atomic write. A file whose plaintext and recipients did not change is left alone,
//! so re-running bckeys keeps git diffs quiet.

mod credential;
mod identity;
mod recipient;
mod recorded;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

pub use credential::{ApiKeys, Credential, CredentialError, Secret};
pub use identity::{default_path as default_identity_path, generate_x25519, Identities, IdentityError, IdentitySource};
pub use recipient::{
    fingerprint, parse_recipients_file, read_recipients_file, Recipient, RecipientError, RecipientsFileProblem,
};
pub use recorded::{open_recorded, read_recorded, OpenError};

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no recipients to encrypt to")]
    NoRecipients,
    #[error("could not encrypt {path}: {reason}")]
    Encrypt { path: PathBuf, reason: String },
    #[error("could not decrypt {path}: {reason}")]
    Decrypt { path: PathBuf, reason: String },
    /// None of the identities is a recipient of the file.
    #[error("none of the identities given is a recipient of {path}")]
    NoMatchingKey { path: PathBuf },
    #[error("{path} is not an age file: {reason}")]
    NotAgeFile { path: PathBuf, reason: String },
    #[error("could not read {path}: {error}")]
    Read { path: PathBuf, error: std::io::Error },
    #[error("could not write {path}: {error}")]
    Write { path: PathBuf, error: std::io::Error },
}

impl VaultError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            VaultError::Decrypt { .. } | VaultError::NoMatchingKey { .. } => Some("the file is not encrypted to any of your identities: ask someone who can decrypt it to add your recipient and run `bckeys rekey`"),
            _ => None,
        }
    }
}

/// Encrypts `plaintext` to every recipient.
pub fn encrypt(path: &Path, plaintext: &[u8], recipients: &[Recipient], armor: bool) -> Result<Vec<u8>, VaultError> {
    if recipients.is_empty() {
        return Err(VaultError::NoRecipients);
    }
    let fail = |reason: String| VaultError::Encrypt { path: path.to_path_buf(), reason };
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(Recipient::as_age)).map_err(|e| fail(e.to_string()))?;
    let format = if armor { age::armor::Format::AsciiArmor } else { age::armor::Format::Binary };
    let mut out = Vec::with_capacity(plaintext.len() + 512);
    let armored = age::armor::ArmoredWriter::wrap_output(&mut out, format).map_err(|e| fail(e.to_string()))?;
    let mut writer = encryptor.wrap_output(armored).map_err(|e| fail(e.to_string()))?;
    writer.write_all(plaintext).map_err(|e| fail(e.to_string()))?;
    writer.finish().and_then(|armored| armored.finish()).map_err(|e| fail(e.to_string()))?;
    Ok(out)
}

/// Decrypts an age file, armored or binary.
pub fn decrypt(path: &Path, ciphertext: &[u8], identities: &Identities) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let reader = age::armor::ArmoredReader::new(ciphertext);
    let decryptor = age::Decryptor::new(reader)
        .map_err(|e| VaultError::NotAgeFile { path: path.to_path_buf(), reason: e.to_string() })?;
    let mut stream = decryptor.decrypt(identities.iter()).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => VaultError::NoMatchingKey { path: path.to_path_buf() },
        e => VaultError::Decrypt { path: path.to_path_buf(), reason: e.to_string() },
    })?;
    let mut plaintext = Zeroizing::new(Vec::new());
    stream
        .read_to_end(&mut plaintext)
        .map_err(|e| VaultError::Decrypt { path: path.to_path_buf(), reason: e.to_string() })?;
    Ok(plaintext)
}

/// Reads and decrypts a file that no record vouches for (a captured credential).
pub fn read_file(path: &Path, identities: &Identities) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let ciphertext = crate::fsutil::read_bounded(path, crate::fsutil::MAX_SECRET)
        .map_err(|error| VaultError::Read { path: path.to_path_buf(), error })?;
    decrypt(path, &ciphertext, identities)
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// SHA-256 of the file as it now is on disk.
    pub sha256: String,
    /// False when the file already held this plaintext for these recipients and was kept.
    pub rewritten: bool,
}

/// Encrypts `plaintext` into `path`, inside the repository at `root`, atomically (mode 0600);
/// a symbolic link on the way is refused.
///
/// When `unchanged` gives identities and the recipient fingerprint the existing file was
/// recorded with, and that fingerprint is the current one, and the file decrypts to the same
/// plaintext, the file is kept as it is.
pub fn write_file(
    root: &Path,
    path: &Path,
    plaintext: &[u8],
    recipients: &[Recipient],
    armor: bool,
    unchanged: Option<(&Identities, &str)>,
) -> Result<Written, VaultError> {
    if let Some((identities, recorded)) = unchanged {
        if recorded == fingerprint(recipients) {
            if let Ok(existing) = crate::fsutil::read_bounded(path, crate::fsutil::MAX_SECRET) {
                if let Ok(old) = decrypt(path, &existing, identities) {
                    if old.as_slice() == plaintext {
                        return Ok(Written { sha256: crate::fsutil::sha256_hex(&existing), rewritten: false });
                    }
                }
            }
        }
    }
    let ciphertext = encrypt(path, plaintext, recipients, armor)?;
    crate::fsutil::write_inside(root, path, &ciphertext, true)
        .map_err(|error| VaultError::Write { path: path.to_path_buf(), error })?;
    Ok(Written { sha256: crate::fsutil::sha256_hex(&ciphertext), rewritten: true })
}

/// The canonical texts of a recipient set, sorted and deduplicated: what the state records as a
/// secret file's readers.
pub fn readers(recipients: &[Recipient]) -> Vec<String> {
    let mut keys: Vec<String> = recipients.iter().map(|r| r.as_str().to_owned()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}
