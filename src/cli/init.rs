//! `bckeys init`: a starter configuration, a .gitignore that keeps identities out of git, and
//! optionally a new identity whose recipient goes into the configuration.

use std::path::{Path, PathBuf};

use crate::error::{command_error, Error, Hinted};
use crate::ui::Ui;
use crate::{fsutil, vault};

use super::{Global, Outcome};

/// Write a starter bckeys.yaml and a .gitignore that keeps identities out of git.
///
/// Never overwrites a file: it refuses when the configuration or the identity already exists,
/// and adds its lines to an existing .gitignore instead of replacing it.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also generate a new age X25519 identity (mode 0600) and encrypt to it: at PATH, or
    /// without one where bckeys looks by default (`~/.config/bckeys/identity.agekey`, under
    /// `$XDG_CONFIG_HOME` when it is set).
    #[arg(long, value_name = "PATH", num_args = 0..=1)]
    pub generate_identity: Option<Option<PathBuf>>,
    /// An age or ssh public key to encrypt to (repeatable).
    #[arg(long, value_name = "RECIPIENT")]
    pub recipient: Vec<String>,
}

const GITIGNORE_HEADER: &str = "# bckeys: private keys never belong in git";
const GITATTRIBUTES_LINE: &str = "bckeys.state.yaml merge=bckeys";

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let generate_identity = match args.generate_identity {
        None => None,
        Some(Some(path)) => Some(path),
        Some(None) => Some(vault::default_identity_path().ok_or(InitError::NoHome)?),
    };
    let config_path = &global.config;
    let dir = config_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    let mut existing: Vec<&Path> = Vec::new();
    if config_path.exists() {
        existing.push(config_path);
    }
    if let Some(id) = &generate_identity {
        if id.exists() {
            existing.push(id);
        }
    }
    if !existing.is_empty() {
        let names: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        return Err(InitError::Exists(names).into());
    }
    let mut recipients = Vec::new();
    for text in &args.recipient {
        let r = vault::Recipient::parse(text).map_err(InitError::Recipient)?;
        recipients.push(r.as_str().to_owned());
    }
    let identity = generate_identity.as_ref().map(|path| (path, vault::generate_x25519()));
    if let Some((_, (_, recipient))) = &identity {
        recipients.push(recipient.clone());
    }

    // The identity first: a config that names a recipient whose key was never written would
    // encrypt credentials nobody can read.
    if let Some((path, (key_text, _))) = &identity {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            create_private_dir(parent).map_err(|error| Error::Io {
                what: "cannot create",
                path: parent.to_path_buf(),
                error,
            })?;
        }
        fsutil::write_atomic(path, key_text.as_bytes(), true).map_err(|error| Error::Io {
            what: "cannot write identity",
            path: path.to_path_buf(),
            error,
        })?;
    }
    fsutil::write_atomic(config_path, starter(&recipients).as_bytes(), false).map_err(|error| Error::Io {
        what: "cannot write",
        path: config_path.clone(),
        error,
    })?;

    let gitignore = dir.join(".gitignore");
    let mut wanted = vec![
        GITIGNORE_HEADER.to_owned(),
        "*.agekey".into(),
        "identity.txt".into(),
        "key.txt".into(),
        ".bckeys-*.tmp".into(),
        "bckeys.lock".into(),
    ];
    if let Some((path, _)) = &identity {
        if let Some(relative) = relative_to(path, &dir) {
            wanted.push(format!("/{relative}"));
        }
    }
    let current = crate::fsutil::read_text_bounded(&gitignore, fsutil::MAX_SMALL).unwrap_or_default();
    let missing: Vec<&String> = wanted.iter().filter(|l| !current.lines().any(|c| c.trim() == l.as_str())).collect();
    if !missing.is_empty() {
        let mut text = current.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for line in missing {
            text.push_str(line);
            text.push('\n');
        }
        fsutil::write_atomic(&gitignore, text.as_bytes(), false).map_err(|error| Error::Io {
            what: "cannot write",
            path: gitignore.clone(),
            error,
        })?;
    }

    // Two branches that both applied merge their states through bckeys' merge driver.
    let gitattributes = dir.join(".gitattributes");
    let current = crate::fsutil::read_text_bounded(&gitattributes, fsutil::MAX_SMALL).unwrap_or_default();
    if !current.lines().any(|l| l.trim() == GITATTRIBUTES_LINE) {
        let mut text = current.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(GITATTRIBUTES_LINE);
        text.push('\n');
        fsutil::write_atomic(&gitattributes, text.as_bytes(), false).map_err(|error| Error::Io {
            what: "cannot write",
            path: gitattributes.clone(),
            error,
        })?;
    }

    let mut report = format!(
        "Wrote {}, {} and {}.\nOnce per clone, let git merge the state of two branches that both applied:\n  git config merge.bckeys.driver \"bckeys state merge %O %A %B\"\n",
        config_path.display(),
        gitignore.display(),
        gitattributes.display()
    );
    if let Some((path, (_, recipient))) = &identity {
        report.push_str(&format!(
            "Generated identity {} (mode 0600); its recipient {recipient} is in the configuration.\nKeep the identity out of git and back it up: without it, nobody can decrypt the credentials.\n",
            path.display()
        ));
    }
    if recipients.is_empty() {
        report.push_str("Next: add your age or ssh public key under encryption.recipients (or rerun with --generate-identity PATH).\n");
    }
    report.push_str("Then declare your stores and API accounts, and run `bckeys validate` and `bckeys plan`.\n");
    ui.out(&report);
    Ok(Outcome::Done)
}

/// A directory only its owner can enter (an identity's), with its missing parents.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn relative_to(path: &Path, dir: &Path) -> Option<String> {
    let path = std::path::absolute(path).ok()?;
    let dir = std::path::absolute(dir).ok()?;
    path.strip_prefix(&dir).ok().map(|p| p.display().to_string())
}

fn starter(recipients: &[String]) -> String {
    let recipients = if recipients.is_empty() {
        "  recipients: []   # add age1... or ssh-ed25519 ... public keys here\n".to_owned()
    } else {
        let mut s = "  recipients:\n".to_owned();
        for r in recipients {
            s.push_str(&format!("    - {r}\n"));
        }
        s
    };
    format!(
        r#"# bckeys configuration: which BigCommerce API accounts should exist, with exactly which scopes.
# `bckeys scopes` lists every scope family; `bckeys validate` checks this file.
# Editor completion: `bckeys schema > bckeys.schema.json`, then add this line at the top:
#   # yaml-language-server: $schema=bckeys.schema.json
version: 1
encryption:
{recipients}stores: {{}}
# stores:
#   production:
#     store_hash: abc123def4          # from https://api.bigcommerce.com/stores/{{store_hash}}/v3/
#     api_accounts:
#       erp-sync:                     # the name shown in the control panel (4+ characters)
#         scopes:
#           products: modify
#           orders: read-only
"#
    )
}

/// Why init writes nothing.
#[derive(Debug, thiserror::Error)]
enum InitError {
    #[error("{} already exist{}; init writes nothing over an existing file", .0.join(" and "), if .0.len() == 1 { "s" } else { "" })]
    Exists(Vec<String>),
    #[error("--recipient: {}", .0.message)]
    Recipient(vault::RecipientError),
    #[error("--generate-identity without a path needs HOME or XDG_CONFIG_HOME to find where identities go")]
    NoHome,
}

impl Hinted for InitError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            InitError::Exists(_) => "move it away first, or edit it by hand".into(),
            InitError::Recipient(e) => e.hint.clone(),
            InitError::NoHome => "give the identity's path: --generate-identity PATH".into(),
        })
    }
}

command_error!(InitError);
