//! Identities: the private keys that decrypt secret files. They never come from the repository:
//! `--identity FILE` (repeatable), `BCKEYS_IDENTITY_FILE`, or `BCKEYS_IDENTITY` (the key itself).

use std::io::BufReader;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;
use secrecy::SecretString;
use zeroize::Zeroizing;

/// Where an identity came from, for messages that never show the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    File(PathBuf),
    /// `BCKEYS_IDENTITY`.
    Env,
}

impl std::fmt::Display for IdentitySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdentitySource::File(p) => write!(f, "identity file {}", p.display()),
            IdentitySource::Env => f.write_str("BCKEYS_IDENTITY"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("no identity to decrypt secret files with")]
    Missing,
    /// No identity, for something that needs one: `purpose` says what.
    #[error("{purpose}, and none was given")]
    Needed { purpose: String },
    /// No identity for a refresh, which can be done without (from the state alone).
    #[error("refreshing needs an identity to decrypt the recorded credentials")]
    NeededToRefresh,
    #[error("cannot read {source_name}: {error}")]
    Unreadable { source_name: IdentitySource, error: std::io::Error },
    #[error("{source_name} holds no age identity or unencrypted ssh private key")]
    Invalid { source_name: IdentitySource },
    #[error("{source_name} is a passphrase-protected ssh key, which bckeys cannot unlock without a terminal")]
    EncryptedSsh { source_name: IdentitySource },
    #[error("{source_name}: {reason}")]
    Unsupported { source_name: IdentitySource, reason: String },
}

impl IdentityError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            IdentityError::Missing | IdentityError::Needed { .. } => Some("put your identity at ~/.config/bckeys/identity.agekey (or under $XDG_CONFIG_HOME), pass --identity FILE, or set BCKEYS_IDENTITY_FILE to a key file, or BCKEYS_IDENTITY to the key itself (for CI secrets)"),
            IdentityError::NeededToRefresh => Some("put your identity at ~/.config/bckeys/identity.agekey, pass --identity FILE (or set BCKEYS_IDENTITY_FILE / BCKEYS_IDENTITY), or plan from the state alone with --refresh=false"),
            IdentityError::Invalid { .. } => Some("an identity file holds `AGE-SECRET-KEY-1...` lines (from `age-keygen`) or an OpenSSH ed25519/RSA private key"),
            IdentityError::EncryptedSsh { .. } => Some("use an age identity (`age-keygen -o key.txt`) for bckeys, and add its public key to the recipients"),
            _ => None,
        }
    }
}

/// The identities of this run.
pub struct Identities {
    keys: Vec<Box<dyn age::Identity + Send + Sync>>,
    pub sources: Vec<IdentitySource>,
    /// Identity files that others on this machine may read, as ssh warns of them.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identities").field("sources", &self.sources).finish_non_exhaustive()
    }
}

impl Identities {
    /// Collects identities from the flags, then the environment. `Ok(None)` when none is given:
    /// callers that can work without one (an offline plan) decide what that means.
    pub fn load(
        files: &[PathBuf],
        env_file: Option<&Path>,
        env_key: Option<&SecretString>,
    ) -> Result<Option<Identities>, IdentityError> {
        let mut identities = Identities { keys: Vec::new(), sources: Vec::new(), warnings: Vec::new() };
        for file in files.iter().map(PathBuf::as_path).chain(env_file) {
            let source = IdentitySource::File(file.to_path_buf());
            let text = crate::fsutil::read_bounded(file, crate::fsutil::MAX_SMALL)
                .map(Zeroizing::new)
                .map_err(|error| IdentityError::Unreadable { source_name: source.clone(), error })?;
            #[cfg(unix)]
            if let Ok(meta) = std::fs::metadata(file) {
                use std::os::unix::fs::PermissionsExt;
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    identities.warnings.push(format!(
                        "identity file {} can be read by others on this machine (mode {mode:04o}): run `chmod 600 {}`",
                        file.display(),
                        file.display()
                    ));
                }
            }
            identities.add(&text, source)?;
        }
        if let Some(key) = env_key {
            identities.add(key.expose_secret().as_bytes(), IdentitySource::Env)?;
        }
        Ok(if identities.keys.is_empty() { None } else { Some(identities) })
    }

    /// Identities from the usual places, as the CLI resolves them: `--identity`, then
    /// `BCKEYS_IDENTITY_FILE` and `BCKEYS_IDENTITY`; when none of them is given, the file at
    /// `default_path()` if there is one.
    pub fn from_env(files: &[PathBuf]) -> Result<Option<Identities>, IdentityError> {
        let env_file = std::env::var_os("BCKEYS_IDENTITY_FILE").filter(|v| !v.is_empty()).map(PathBuf::from);
        let env_key = std::env::var("BCKEYS_IDENTITY").ok().filter(|v| !v.trim().is_empty()).map(SecretString::from);
        if files.is_empty() && env_file.is_none() && env_key.is_none() {
            if let Some(default) = default_path().filter(|p| p.exists()) {
                return Identities::load(&[default], None, None);
            }
        }
        Identities::load(files, env_file.as_deref(), env_key.as_ref())
    }

    fn add(&mut self, text: &[u8], source: IdentitySource) -> Result<(), IdentityError> {
        if let Ok(file) = age::IdentityFile::from_buffer(BufReader::new(text)) {
            let keys = file
                .into_identities()
                .map_err(|e| IdentityError::Unsupported { source_name: source.clone(), reason: e.to_string() })?;
            if !keys.is_empty() {
                self.keys.extend(keys);
                self.sources.push(source);
                return Ok(());
            }
        }
        match age::ssh::Identity::from_buffer(BufReader::new(text), None) {
            Ok(age::ssh::Identity::Unencrypted(key)) => {
                self.keys.push(Box::new(age::ssh::Identity::Unencrypted(key)));
                self.sources.push(source);
                Ok(())
            }
            Ok(age::ssh::Identity::Encrypted(_)) => Err(IdentityError::EncryptedSsh { source_name: source }),
            Ok(age::ssh::Identity::Unsupported(key)) => {
                let reason = format!("{key:?}");
                Err(IdentityError::Unsupported {
                    source_name: source,
                    reason: format!("unsupported ssh key ({})", reason.to_lowercase()),
                })
            }
            Err(_) => Err(IdentityError::Invalid { source_name: source }),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.keys.iter().map(|k| k.as_ref() as &dyn age::Identity)
    }
}

/// Where people keep their identity, and `init --generate-identity` puts it:
/// `$XDG_CONFIG_HOME/bckeys/identity.agekey`, by default `~/.config/bckeys/identity.agekey`.
pub fn default_path() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .and_then(absolute)
        .or_else(|| std::env::var_os("HOME").and_then(absolute).map(|home| home.join(".config")))?;
    Some(config.join("bckeys").join("identity.agekey"))
}

/// A new X25519 identity: the text of its key file (with the public key as a comment, as
/// `age-keygen` writes it) and its recipient.
pub fn generate_x25519() -> (Zeroizing<String>, String) {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let created =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let text = Zeroizing::new(format!(
        "# created: {created}\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    (text, recipient)
}
