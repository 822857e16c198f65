//! `bckeys import`: adopt an API account that already exists, from BigCommerce's credentials
//! file. Nothing is written until the credentials are proven and the secret file is encrypted.

use std::io::Read;

use crate::address::Address;
use crate::config::{Config, Owner};
use crate::credentials::{self, ApiTarget};
use crate::error::Error;
use crate::refresh::{self, Observation};
use crate::scope_set::ScopeSet;
use crate::scopes;
use crate::state::{ApiAccountRecord, Resource, SecretRecord, State};
use crate::ui::Ui;
use crate::vault::{self, Credential};

use super::{live, Global, Outcome};

/// Adopt an existing API account: prove its credentials, encrypt them and record it.
///
/// Reads BigCommerce's downloaded credentials file (`ACCESS TOKEN: ...` lines, any order, CRLF or
/// LF), or `-` for standard input (a pasted block). The address must be in the configuration;
/// the API path must match its store hash or account UUID; the token must be alive. When the
/// probed scopes differ from the configuration, the differing families are listed and what
/// BigCommerce granted is recorded, so the next plan shows the difference.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address of the API account, such as store/production/erp-sync.
    pub address: String,
    /// The credentials file BigCommerce downloaded, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub credentials: String,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let address: Address = args.address.parse()?;
    let state_path = State::path_for(&config.dir);
    let mut state = State::load(&state_path)?;
    let (account, owner) = config.api_accounts().find(|(a, _)| a.address == address).ok_or_else(|| Error::Refused {
        message: format!("`{address}` is not an API account of the configuration"),
        hint: format!(
            "declare it in {} first; import adopts accounts the configuration already names",
            global.config.display()
        ),
    })?;
    if state.resources.contains_key(&address) {
        return Err(Error::Refused {
            message: format!("`{address}` is already recorded in {}", state_path.display()),
            hint: "importing again would replace a recorded credential; delete the old account through apply first"
                .into(),
        });
    }

    let (text, source) = if args.credentials == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|error| Error::Io {
            what: "cannot read",
            path: "standard input".into(),
            error,
        })?;
        (zeroize::Zeroizing::new(text), "standard input".to_owned())
    } else {
        let text = std::fs::read_to_string(&args.credentials).map_err(|error| Error::Io {
            what: "cannot read",
            path: args.credentials.clone().into(),
            error,
        })?;
        (zeroize::Zeroizing::new(text), args.credentials.clone())
    };
    let issued = credentials::parse(&text, &source)?;

    let (expected, kind) = match owner {
        Owner::Store(s) => (ApiTarget::Store(s.store_hash.clone()), "store_api_account"),
        Owner::Account(a) => (ApiTarget::Account(a.account_uuid.clone()), "account_api_account"),
    };
    if issued.target != expected {
        return Err(Error::Refused {
            message: format!("{source}: the API path is for {}, but `{address}` is on {expected}", issued.target),
            hint: "check that these are the credentials of this account, or fix the store hash / account UUID in the configuration".into(),
        });
    }

    let client = live::client(global)?;
    let observation = live::runtime()?.block_on(refresh::check(&client, &issued.target, &issued.access_token));
    let (families, unverifiable) = match observation {
        Observation::Alive { families, unverifiable } => (families, unverifiable),
        Observation::Revoked { message } => {
            return Err(Error::Refused {
                message: format!("BigCommerce rejects this access token (401: {message}); nothing was written"),
                hint: "the account was deleted or the token revoked: create it again with `bckeys apply`".into(),
            })
        }
        Observation::Failed { error } | Observation::Unreadable { error } => {
            return Err(Error::Refused {
                message: format!("{error}; nothing was written"),
                hint: "try again when BigCommerce answers".into(),
            })
        }
        Observation::NoSecret => {
            return Err(Error::Refused {
                message: "the credentials could not be checked; nothing was written".into(),
                hint: "try again".into(),
            })
        }
    };

    // What BigCommerce granted, as far as the probes can tell: a probed family keeps its configured
    // level when granted (no safe request tells read-only from modify), an undeclared granted
    // family is recorded at read-only (what the probe proves), and unverifiable families keep
    // their configured level.
    let (excess, missing) = refresh::scope_differences(&families, &account.scopes);
    let mut granted = ScopeSet::default();
    for (family, levels) in account.scopes.iter().filter(|(f, _)| !missing.contains(&f.key)) {
        levels.iter().for_each(|l| granted.grant(family, l));
    }
    for family in excess.iter().filter_map(|key| scopes::family(key)) {
        granted.grant(family, family.levels[0].name);
    }

    let created_at = now();
    let (store_hash, account_uuid) = match &issued.target {
        ApiTarget::Store(h) => (Some(h.clone()), None),
        ApiTarget::Account(u) => (None, Some(u.clone())),
    };
    let credential = Credential {
        address: address.to_string(),
        kind: kind.to_owned(),
        store_hash: store_hash.clone(),
        account_uuid: account_uuid.clone(),
        name: issued.name.clone().unwrap_or_else(|| account.name.clone()),
        client_id: issued.client_id.clone(),
        client_secret: issued.client_secret,
        access_token: issued.access_token,
        api_path: Some(issued.api_path.clone()),
        scopes: granted.parameters().iter().map(|s| s.to_string()).collect(),
        created_at: created_at.clone(),
    };
    let relative = address.secret_path();
    let recipients = &config.encryption.recipients;
    let written = vault::write_file(
        &config.dir.join(&relative),
        credential.to_yaml().as_bytes(),
        recipients,
        config.encryption.armor,
        None,
    )?;
    let record = ApiAccountRecord {
        account_uuid,
        client_id: issued.client_id.unwrap_or_default(),
        created_at,
        name: account.name.clone(),
        scopes: credential.scopes.clone(),
        secret: SecretRecord {
            file: relative.clone(),
            recipients: vault::fingerprint(recipients),
            sha256: written.sha256,
        },
        store_hash,
    };
    let resource = match kind {
        "store_api_account" => Resource::StoreApiAccount(record),
        _ => Resource::AccountApiAccount(record),
    };
    state.resources.insert(address.clone(), resource);
    state.save(&state_path)?;

    let mut out = format!("Imported {address}: the token is alive; credentials encrypted to {}.\n", relative.display());
    if let Some(name) = &issued.name {
        if *name != account.name {
            out.push_str(&format!(
                "Note: BigCommerce calls this account `{name}`; the configuration calls it `{}`.\n",
                account.name
            ));
        }
    }
    if !excess.is_empty() {
        out.push_str(&format!("Granted beyond the configuration (security): {}. Recorded as granted; the next plan replaces the account.\n", excess.join(", ")));
    }
    if !missing.is_empty() {
        out.push_str(&format!(
            "Configured but not granted: {}. Recorded as granted; the next plan replaces the account.\n",
            missing.join(", ")
        ));
    }
    let declared_unverifiable: Vec<&str> = match kind {
        "store_api_account" => {
            unverifiable.iter().map(|(f, _)| *f).filter(|f| !account.scopes.levels(f).is_empty()).collect()
        }
        _ => account.scopes.iter().map(|(f, _)| f.key).collect(),
    };
    if !declared_unverifiable.is_empty() {
        out.push_str(&format!(
            "Unverifiable (no safe request can check them; recorded as configured): {}.\n",
            declared_unverifiable.join(", ")
        ));
    }
    if excess.is_empty() && missing.is_empty() {
        out.push_str("The probed scopes match the configuration.\n");
    }
    ui.out(&out);
    Ok(Outcome::Done)
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
