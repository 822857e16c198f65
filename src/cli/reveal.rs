//! `bckeys reveal`: hand one recorded credential to a pipeline, on standard output.
//!
//! This file also owns what `reveal` and `exec` share: finding the record, checking the secret
//! file against the SHA-256 the state recorded (a file changed outside bckeys is never handed
//! out), decrypting it, and the `BIGCOMMERCE_*` variables of each kind of credential. Secret
//! values stay in `SecretString` and zeroizing buffers until they are written out.

use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::address::Address;
use crate::config::Config;
use crate::error::Error;
use crate::state::{Resource, State};
use crate::ui::Ui;
use crate::vault::{self, Credential, IdentityError};

use super::{live, Global, Outcome};

/// Print one credential, for a pipeline.
///
/// The credential is decrypted from secrets/<ADDRESS>.age after the file is checked against the
/// SHA-256 recorded in the state: a file changed outside bckeys is refused. Needs an identity
/// (--identity FILE, BCKEYS_IDENTITY_FILE or BCKEYS_IDENTITY).
///
/// `env` (the default) prints shell assignments, values single-quoted, ready for
/// `eval "$(bckeys reveal ADDRESS)"` (wrap it in `set -a` / `set +a` to export them):
/// BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN, BIGCOMMERCE_CLIENT_ID,
/// BIGCOMMERCE_CLIENT_SECRET and BIGCOMMERCE_API_PATH for a store-level API account;
/// BIGCOMMERCE_ACCOUNT_UUID and the same token, client and API path variables for an
/// account-level one; BIGCOMMERCE_STOREFRONT_TOKEN and BIGCOMMERCE_STORE_HASH for a storefront
/// token; BIGCOMMERCE_WEBHOOK_HEADER_<NAME> for a webhook's generated header secrets. `json` and
/// `yaml` print every field of the credential.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address of the credential, such as store/production/erp-sync.
    pub address: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RevealFormat::Env)]
    pub format: RevealFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RevealFormat {
    /// BIGCOMMERCE_*='value' lines for a POSIX shell.
    Env,
    /// A JSON object with every field.
    Json,
    /// A YAML mapping with every field, as the secret file holds it.
    Yaml,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let opened = open(&args.address, global, ui, "reveal")?;
    let text = match args.format {
        RevealFormat::Env => env_lines(&opened.variables()),
        RevealFormat::Json => opened.credential.to_json(),
        RevealFormat::Yaml => opened.credential.to_yaml(),
    };
    ui.out(&text);
    Ok(Outcome::Done)
}

/// Every variable `reveal` and `exec` may set. `exec` removes the inherited ones it does not set,
/// so that a command never sees two credentials mixed.
pub(super) const VARIABLES: [&str; 7] = [
    "BIGCOMMERCE_STORE_HASH",
    "BIGCOMMERCE_ACCOUNT_UUID",
    "BIGCOMMERCE_STOREFRONT_TOKEN",
    "BIGCOMMERCE_ACCESS_TOKEN",
    "BIGCOMMERCE_CLIENT_ID",
    "BIGCOMMERCE_CLIENT_SECRET",
    "BIGCOMMERCE_API_PATH",
];

/// What kind of credential an address holds, as the state records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    StoreApiAccount,
    AccountApiAccount,
    StorefrontToken,
    /// A webhook's generated header values.
    WebhookHeaders,
}

/// A recorded credential, decrypted from a file that matched the state.
pub(super) struct Opened {
    kind: Kind,
    store_hash: Option<String>,
    account_uuid: Option<String>,
    credential: Credential,
}

impl Opened {
    /// The `BIGCOMMERCE_*` variables of this credential, in a fixed order. Absent fields (an
    /// API account recorded without a client secret) give no variable rather than an empty one.
    pub(super) fn variables(&self) -> Vec<(String, &str)> {
        let c = &self.credential;
        let token = Some(c.access_token.expose_secret());
        let store_hash = self.store_hash.as_deref();
        let listed: Vec<(&'static str, Option<&str>)> = match self.kind {
            Kind::WebhookHeaders => {
                // `X-Webhook-Secret` becomes BIGCOMMERCE_WEBHOOK_HEADER_X_WEBHOOK_SECRET.
                return c
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        let name: String = name
                            .chars()
                            .map(|ch| if ch.is_ascii_alphanumeric() { ch.to_ascii_uppercase() } else { '_' })
                            .collect();
                        (format!("BIGCOMMERCE_WEBHOOK_HEADER_{name}"), value.expose_secret())
                    })
                    .collect();
            }
            Kind::StorefrontToken => {
                vec![("BIGCOMMERCE_STOREFRONT_TOKEN", token), ("BIGCOMMERCE_STORE_HASH", store_hash)]
            }
            Kind::StoreApiAccount | Kind::AccountApiAccount => {
                let owner = if self.kind == Kind::StoreApiAccount {
                    ("BIGCOMMERCE_STORE_HASH", store_hash)
                } else {
                    ("BIGCOMMERCE_ACCOUNT_UUID", self.account_uuid.as_deref())
                };
                vec![
                    owner,
                    ("BIGCOMMERCE_ACCESS_TOKEN", token),
                    ("BIGCOMMERCE_CLIENT_ID", c.client_id.as_deref()),
                    ("BIGCOMMERCE_CLIENT_SECRET", c.client_secret.as_ref().map(|s| s.expose_secret())),
                    ("BIGCOMMERCE_API_PATH", c.api_path.as_deref()),
                ]
            }
        };
        listed.into_iter().filter_map(|(name, value)| Some((name.to_owned(), value?))).collect()
    }
}

/// Finds the record of `text`, checks its secret file against the state and decrypts it.
/// `command` names the caller in messages.
pub(super) fn open(text: &str, global: &Global, ui: &Ui, command: &str) -> Result<Opened, Error> {
    let address: Address = text.parse()?;
    let config = Config::load(&global.config)?;
    let state_path = State::path_for(&config.dir);
    let state = State::load(&state_path)?;
    let resource = state.resources.get(&address).ok_or_else(|| Error::Refused {
        message: format!("`{address}` is not recorded in {}", state_path.display()),
        hint: "bckeys hands out only the credentials it recorded: `bckeys plan` shows what is missing, `bckeys apply` creates it (or `bckeys import` adopts an existing API account)".into(),
    })?;
    let (kind, store_hash, account_uuid, secret) = match resource {
        Resource::StoreApiAccount(r) => (Kind::StoreApiAccount, r.store_hash.clone(), None, &r.secret),
        Resource::AccountApiAccount(r) => (Kind::AccountApiAccount, None, r.account_uuid.clone(), &r.secret),
        Resource::StorefrontToken(t) => (Kind::StorefrontToken, Some(t.store_hash.clone()), None, &t.secret),
        Resource::Webhook(w) if w.secret.is_some() => {
            (Kind::WebhookHeaders, None, None, w.secret.as_ref().expect("just checked"))
        }
        Resource::Webhook(_) => {
            let owner = address.owner().map(|o| o.to_string()).unwrap_or_default();
            return Err(Error::Refused {
                message: format!("`{address}` is a webhook, not a credential"),
                hint: format!("the credential that manages it is its API account's: bckeys {command} {owner}"),
            });
        }
    };

    let identities = live::identities(global, ui).map_err(|e| match e {
        Error::Identity(IdentityError::Missing) => Error::Refused {
            message: format!(
                "`bckeys {command}` needs an identity (a private key) to decrypt {}, and none was given",
                secret.file.display()
            ),
            hint: IdentityError::Missing.hint().unwrap_or_default().to_owned(),
        },
        other => other,
    })?;

    let credential = vault::open_recorded(&config.dir, secret, &address, &identities)?;
    // What a script is pointed at is checked again: a path recorded against another API base
    // (a sandbox, or an older bckeys) must not send its token there.
    if let Some(path) = &credential.api_path {
        let target = crate::credentials::target_of(path);
        if !target.is_some_and(|t| crate::credentials::is_api_path(path, &t, &global.api_base)) {
            return Err(Error::Refused {
                message: format!(
                    "the API path recorded for `{address}` is not BigCommerce's ({}/stores/{{store_hash}}/v3/ or .../accounts/{{account_uuid}}/graphql) nor under --api-base",
                    crate::credentials::BIGCOMMERCE_API
                ),
                hint: "a credential recorded against a sandbox is handed out only with that sandbox as --api-base (BCKEYS_API_BASE); otherwise import it again".into(),
            });
        }
    }
    Ok(Opened {
        kind,
        store_hash: credential.store_hash.clone().or(store_hash),
        account_uuid: credential.account_uuid.clone().or(account_uuid),
        credential,
    })
}

/// `NAME='value'` lines for a POSIX shell. A value is single-quoted, and each `'` in it becomes
/// `'\''`, so no character in a credential can end the quoting or be expanded.
fn env_lines<N: AsRef<str>>(variables: &[(N, &str)]) -> Zeroizing<String> {
    // Sized up front so that growing the buffer never leaves a copy of a secret in freed memory.
    let capacity = variables.iter().map(|(name, value)| name.as_ref().len() + 4 * value.len() + 4).sum();
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    for (name, value) in variables {
        out.push_str(name.as_ref());
        out.push_str("='");
        for c in value.chars() {
            if c == '\'' {
                out.push_str("'\\''");
            } else {
                out.push(c);
            }
        }
        out.push_str("'\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_quote_every_value() {
        let text = env_lines(&[("A", "plain"), ("B", "it's $HOME `x` \"q\"\nnext")]);
        assert_eq!(text.as_str(), "A='plain'\nB='it'\\''s $HOME `x` \"q\"\nnext'\n");
        assert!(text.capacity() >= text.len());
    }
}
