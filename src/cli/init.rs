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
    /// Also generate a new age X25519 identity at PATH (mode 0600) and encrypt to it.
    #[arg(long, value_name = "PATH")]
    pub generate_identity: Option<PathBuf>,
    /// An age or ssh public key to encrypt to (repeatable).
    #[arg(long, value_name = "RECIPIENT")]
    pub recipient: Vec<String>,
}

const GITIGNORE_HEADER: &str = "# bckeys: private keys never belong in git";

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config_path = &global.config;
    let dir = config_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    let mut existing: Vec<&Path> = Vec::new();
    if config_path.exists() {
        existing.push(config_path);
    }
    if let Some(id) = &args.generate_identity {
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
    let identity = args.generate_identity.as_ref().map(|path| (path, vault::generate_x25519()));
    if let Some((_, (_, recipient))) = &identity {
        recipients.push(recipient.clone());
    }

    // The identity first: a config that names a recipient whose key was never written would
    // encrypt credentials nobody can read.
    if let Some((path, (key_text, _))) = &identity {
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

    let mut report = format!("Wrote {} and {}.\n", config_path.display(), gitignore.display());
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
}

impl Hinted for InitError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            InitError::Exists(_) => "move it away first, or edit it by hand".into(),
            InitError::Recipient(e) => e.hint.clone(),
        })
    }
}

command_error!(InitError);
