//! What `reveal` and `exec` hand out: a recorded credential, found by its address, decrypted
//! from a file that matches the state and whose API path is BigCommerce's, and the
//! `BIGCOMMERCE_*` variables of each kind of credential. Secret values stay in `SecretString`
//! until a command writes them out.

use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;

use crate::address::Address;
use crate::state::{Resource, SecretRecord, State};
use crate::vault::{self, ApiKeys, Credential, Identities, OpenError, Secret};

#[derive(Debug, thiserror::Error)]
pub enum HandoutError {
    #[error("`{address}` is not recorded in {}", state.display())]
    NotRecorded { address: String, state: PathBuf },
    #[error("`{address}` is a webhook, not a credential")]
    Webhook { address: String, owner: String, command: &'static str },
    #[error("the API path recorded for `{address}` is not BigCommerce's ({}/stores/{{store_hash}}/v3/ or .../accounts/{{account_uuid}}/graphql) nor under --api-base", crate::credentials::BIGCOMMERCE_API)]
    ApiPath { address: String },
    #[error("the secret file of `{address}` holds another kind of credential than the state records")]
    Kind { address: String },
    #[error(transparent)]
    Open(#[from] Box<OpenError>),
}

impl HandoutError {
    pub fn hint(&self) -> Option<String> {
        match self {
            HandoutError::NotRecorded { .. } => Some("bckeys hands out only the credentials it recorded: `bckeys plan` shows what is missing, `bckeys apply` creates it (or `bckeys import` adopts an existing API account)".into()),
            HandoutError::Webhook { owner, command, .. } => {
                Some(format!("the credential that manages it is its API account's: bckeys {command} {owner}"))
            }
            HandoutError::ApiPath { .. } => Some("a credential recorded against a sandbox is handed out only with that sandbox as --api-base (BCKEYS_API_BASE); otherwise import it again".into()),
            HandoutError::Kind { .. } => Some("restore the secret file from git, or find out who replaced it".into()),
            HandoutError::Open(e) => e.hint(),
        }
    }
}

/// The record behind an address that holds a credential.
pub struct Found<'a> {
    kind: Kind,
    store_hash: Option<String>,
    account_uuid: Option<String>,
    pub secret: &'a SecretRecord,
}

/// The record of `address` in `state` (read from `state_path`), if it holds a credential;
/// `command` (reveal, exec) names the caller in hints.
pub fn find<'a>(
    state: &'a State,
    state_path: &Path,
    address: &Address,
    command: &'static str,
) -> Result<Found<'a>, HandoutError> {
    let resource = state
        .resources
        .get(address)
        .ok_or_else(|| HandoutError::NotRecorded { address: address.to_string(), state: state_path.to_path_buf() })?;
    let (kind, store_hash, account_uuid, secret) = match resource {
        Resource::StoreApiAccount(r) => (Kind::StoreApiAccount, r.store_hash.clone(), None, &r.secret),
        Resource::AccountApiAccount(r) => (Kind::AccountApiAccount, None, r.account_uuid.clone(), &r.secret),
        Resource::StorefrontToken(t) => (Kind::StorefrontToken, Some(t.store_hash.clone()), None, &t.secret),
        Resource::Webhook(w) => match &w.secret {
            Some(secret) => (Kind::WebhookHeaders, None, None, secret),
            None => {
                let owner = address.owner().map(|o| o.to_string()).unwrap_or_default();
                return Err(HandoutError::Webhook { address: address.to_string(), owner, command });
            }
        },
    };
    Ok(Found { kind, store_hash: store_hash.map(String::from), account_uuid: account_uuid.map(String::from), secret })
}

/// Decrypts a found credential from a file proven to be the recorded one. Its API path (which
/// `exec` hands to scripts) must be BigCommerce's or under `api_base`: one recorded against
/// another API base (a sandbox, an older bckeys) must not send its token there.
pub fn open(
    root: &Path,
    found: Found<'_>,
    address: &Address,
    identities: &Identities,
    api_base: &str,
) -> Result<Handout, HandoutError> {
    let credential = vault::open_recorded(root, found.secret, address, identities).map_err(Box::new)?;
    if Kind::of(&credential.secret) != found.kind {
        return Err(HandoutError::Kind { address: address.to_string() });
    }
    if let Some(path) = credential.keys().and_then(|k| k.api_path.as_ref()) {
        let target = crate::credentials::target_of(path);
        if !target.is_some_and(|t| crate::credentials::is_api_path(path, &t, api_base)) {
            return Err(HandoutError::ApiPath { address: address.to_string() });
        }
    }
    Ok(Handout {
        store_hash: credential.store_hash().map(str::to_owned).or(found.store_hash),
        account_uuid: credential.account_uuid().map(str::to_owned).or(found.account_uuid),
        credential,
    })
}

/// Every variable `reveal` and `exec` may set. `exec` removes the inherited ones it does not set,
/// so that a command never sees two credentials mixed.
pub const VARIABLES: [&str; 7] = [
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

impl Kind {
    fn of(secret: &Secret) -> Kind {
        match secret {
            Secret::StoreApiAccount { .. } => Kind::StoreApiAccount,
            Secret::AccountApiAccount { .. } => Kind::AccountApiAccount,
            Secret::StorefrontToken { .. } => Kind::StorefrontToken,
            Secret::WebhookHeaders { .. } => Kind::WebhookHeaders,
        }
    }
}

/// A variable's name and value (absent values give no variable).
type Variable<'a> = (&'static str, Option<&'a str>);

/// A recorded credential, decrypted from a file that matched the state.
pub struct Handout {
    store_hash: Option<String>,
    account_uuid: Option<String>,
    pub credential: Credential,
}

impl Handout {
    /// The `BIGCOMMERCE_*` variables of this credential, in a fixed order. Absent fields (an
    /// API account recorded without a client secret) give no variable rather than an empty one.
    pub fn variables(&self) -> Vec<(String, &str)> {
        let store_hash = ("BIGCOMMERCE_STORE_HASH", self.store_hash.as_deref());
        fn keys<'a>(owner: Variable<'a>, keys: &'a ApiKeys) -> Vec<Variable<'a>> {
            vec![
                owner,
                ("BIGCOMMERCE_ACCESS_TOKEN", Some(keys.access_token.expose_secret())),
                ("BIGCOMMERCE_CLIENT_ID", keys.client_id.as_deref()),
                ("BIGCOMMERCE_CLIENT_SECRET", keys.client_secret.as_ref().map(|s| s.expose_secret())),
                ("BIGCOMMERCE_API_PATH", keys.api_path.as_deref()),
            ]
        }
        let listed: Vec<Variable<'_>> = match &self.credential.secret {
            Secret::WebhookHeaders { headers, .. } => {
                // `X-Webhook-Secret` becomes BIGCOMMERCE_WEBHOOK_HEADER_X_WEBHOOK_SECRET.
                return headers
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
            Secret::StorefrontToken { token, .. } => {
                vec![("BIGCOMMERCE_STOREFRONT_TOKEN", Some(token.expose_secret())), store_hash]
            }
            Secret::StoreApiAccount { keys: k, .. } => keys(store_hash, k),
            Secret::AccountApiAccount { keys: k, .. } => {
                keys(("BIGCOMMERCE_ACCOUNT_UUID", self.account_uuid.as_deref()), k)
            }
        };
        listed.into_iter().filter_map(|(name, value)| Some((name.to_owned(), value?))).collect()
    }
}
