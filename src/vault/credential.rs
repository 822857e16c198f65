//! What a secret file holds: every field BigCommerce issued for one credential, plus where it
//! belongs. Secret fields stay wrapped in `SecretString` until they are serialized into a
//! zeroizing buffer on their way to encryption.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use std::collections::BTreeMap;

/// One credential as stored inside `secrets/<address>.age`.
#[derive(Debug)]
pub struct Credential {
    pub address: String,
    pub name: String,
    pub created_at: String,
    pub secret: Secret,
}

/// What a credential holds, by kind: an API account's keys, a storefront token, or a webhook's
/// generated header values. The file format names the kind in its `kind` field.
#[derive(Debug)]
pub enum Secret {
    StoreApiAccount {
        store_hash: Option<String>,
        keys: ApiKeys,
    },
    AccountApiAccount {
        account_uuid: Option<String>,
        keys: ApiKeys,
    },
    StorefrontToken {
        store_hash: Option<String>,
        token: SecretString,
        scopes: Vec<String>,
    },
    /// Generated webhook header values, by header name.
    WebhookHeaders {
        store_hash: Option<String>,
        headers: BTreeMap<String, SecretString>,
    },
}

/// What BigCommerce issues for an API account.
#[derive(Debug)]
pub struct ApiKeys {
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub access_token: SecretString,
    pub api_path: Option<String>,
    pub scopes: Vec<String>,
}

impl Credential {
    /// The token requests are made with: an API account's access token or a storefront token.
    pub fn token(&self) -> Option<&SecretString> {
        match &self.secret {
            Secret::StoreApiAccount { keys, .. } | Secret::AccountApiAccount { keys, .. } => Some(&keys.access_token),
            Secret::StorefrontToken { token, .. } => Some(token),
            Secret::WebhookHeaders { .. } => None,
        }
    }

    /// Moves the token out (the rest is dropped, and zeroized).
    pub fn into_token(self) -> Option<SecretString> {
        match self.secret {
            Secret::StoreApiAccount { keys, .. } | Secret::AccountApiAccount { keys, .. } => Some(keys.access_token),
            Secret::StorefrontToken { token, .. } => Some(token),
            Secret::WebhookHeaders { .. } => None,
        }
    }

    pub fn keys(&self) -> Option<&ApiKeys> {
        match &self.secret {
            Secret::StoreApiAccount { keys, .. } | Secret::AccountApiAccount { keys, .. } => Some(keys),
            _ => None,
        }
    }

    /// The generated header values of a webhook's credential; none for any other kind.
    pub fn into_headers(self) -> BTreeMap<String, SecretString> {
        match self.secret {
            Secret::WebhookHeaders { headers, .. } => headers,
            _ => BTreeMap::new(),
        }
    }

    /// Every secret value it holds, for the scrubber.
    pub fn secrets(&self) -> Vec<&SecretString> {
        match &self.secret {
            Secret::StoreApiAccount { keys, .. } | Secret::AccountApiAccount { keys, .. } => {
                std::iter::once(&keys.access_token).chain(keys.client_secret.as_ref()).collect()
            }
            Secret::StorefrontToken { token, .. } => vec![token],
            Secret::WebhookHeaders { headers, .. } => headers.values().collect(),
        }
    }

    pub fn store_hash(&self) -> Option<&str> {
        match &self.secret {
            Secret::StoreApiAccount { store_hash, .. }
            | Secret::StorefrontToken { store_hash, .. }
            | Secret::WebhookHeaders { store_hash, .. } => store_hash.as_deref(),
            Secret::AccountApiAccount { .. } => None,
        }
    }

    pub fn account_uuid(&self) -> Option<&str> {
        match &self.secret {
            Secret::AccountApiAccount { account_uuid, .. } => account_uuid.as_deref(),
            _ => None,
        }
    }
}

const STORE_API_ACCOUNT: &str = "store_api_account";
const ACCOUNT_API_ACCOUNT: &str = "account_api_account";
const STOREFRONT_TOKEN: &str = "storefront_token";
const WEBHOOK_HEADERS: &str = "webhook_headers";

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain<'a> {
    address: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    store_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    account_uuid: Option<&'a str>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    client_secret: Option<&'a str>,
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    api_path: Option<&'a str>,
    #[serde(default)]
    scopes: Vec<String>,
    created_at: &'a str,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    headers: BTreeMap<String, std::borrow::Cow<'a, str>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the decrypted secret file is not a bckeys credential: {0}")]
pub struct CredentialError(String);

impl Credential {
    /// The borrowed, serializable view of this credential; secrets are exposed only into it.
    fn plain(&self) -> Plain<'_> {
        let empty = Plain {
            address: &self.address,
            kind: "",
            store_hash: self.store_hash(),
            account_uuid: self.account_uuid(),
            name: &self.name,
            client_id: None,
            client_secret: None,
            // A webhook's file has always held an empty access token.
            access_token: "",
            api_path: None,
            scopes: Vec::new(),
            created_at: &self.created_at,
            headers: BTreeMap::new(),
        };
        fn api<'a>(empty: &Plain<'a>, kind: &'a str, keys: &'a ApiKeys) -> Plain<'a> {
            Plain {
                kind,
                client_id: keys.client_id.as_deref(),
                client_secret: keys.client_secret.as_ref().map(|s| s.expose_secret()),
                access_token: keys.access_token.expose_secret(),
                api_path: keys.api_path.as_deref(),
                scopes: keys.scopes.clone(),
                ..empty.clone()
            }
        }
        match &self.secret {
            Secret::StoreApiAccount { keys, .. } => api(&empty, STORE_API_ACCOUNT, keys),
            Secret::AccountApiAccount { keys, .. } => api(&empty, ACCOUNT_API_ACCOUNT, keys),
            Secret::StorefrontToken { token, scopes, .. } => {
                Plain { kind: STOREFRONT_TOKEN, access_token: token.expose_secret(), scopes: scopes.clone(), ..empty }
            }
            Secret::WebhookHeaders { headers, .. } => Plain {
                kind: WEBHOOK_HEADERS,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.clone(), std::borrow::Cow::Borrowed(v.expose_secret())))
                    .collect(),
                ..empty
            },
        }
    }

    /// The YAML written inside the encrypted file.
    pub fn to_yaml(&self) -> Zeroizing<String> {
        let plain = self.plain();
        // Serializing plain strings and lists into YAML cannot fail.
        Zeroizing::new(serde_yaml::to_string(&plain).unwrap_or_default())
    }

    pub fn from_yaml(text: &[u8]) -> Result<Credential, CredentialError> {
        // The error of a failed parse could quote the secret text, so it is not passed on.
        let plain: Plain = serde_yaml::from_slice(text).map_err(|e| {
            let at = e.location().map(|l| format!(" (line {})", l.line())).unwrap_or_default();
            CredentialError(format!("unexpected layout{at}"))
        })?;
        let store_hash = plain.store_hash.map(str::to_owned);
        let keys = || ApiKeys {
            client_id: plain.client_id.map(str::to_owned),
            client_secret: plain.client_secret.map(|s| SecretString::from(s.to_owned())),
            access_token: SecretString::from(plain.access_token.to_owned()),
            api_path: plain.api_path.map(str::to_owned),
            scopes: plain.scopes.clone(),
        };
        let secret = match plain.kind {
            STORE_API_ACCOUNT => Secret::StoreApiAccount { store_hash, keys: keys() },
            ACCOUNT_API_ACCOUNT => {
                Secret::AccountApiAccount { account_uuid: plain.account_uuid.map(str::to_owned), keys: keys() }
            }
            STOREFRONT_TOKEN => Secret::StorefrontToken {
                store_hash,
                token: SecretString::from(plain.access_token.to_owned()),
                scopes: plain.scopes.clone(),
            },
            // Moved, not copied, into secrets that zeroize.
            WEBHOOK_HEADERS => Secret::WebhookHeaders {
                store_hash,
                headers: plain.headers.into_iter().map(|(k, v)| (k, SecretString::from(v.into_owned()))).collect(),
            },
            other => return Err(CredentialError(format!("unknown kind `{}`", crate::text::escape_controls(other)))),
        };
        Ok(Credential {
            address: plain.address.to_owned(),
            name: plain.name.to_owned(),
            created_at: plain.created_at.to_owned(),
            secret,
        })
    }
}

impl Credential {
    /// The same fields as `to_yaml`, as pretty JSON, for `reveal --format json`. The buffer is
    /// sized up front so that growing it never leaves a copy of a secret behind in freed memory.
    pub fn to_json(&self) -> Zeroizing<String> {
        let plain = self.plain();
        let texts = [plain.address, plain.kind, plain.name, plain.access_token, plain.created_at].into_iter();
        let optional = [plain.store_hash, plain.account_uuid, plain.client_id, plain.client_secret, plain.api_path];
        let text_len: usize = texts
            .chain(optional.into_iter().flatten())
            .chain(plain.scopes.iter().map(String::as_str))
            .chain(plain.headers.iter().flat_map(|(k, v)| [k.as_str(), v.as_ref()]))
            .map(str::len)
            .sum();
        // JSON escapes a byte into at most 6 (`\u00XX`); field names and indentation fit in the rest.
        let mut buf = Zeroizing::new(Vec::with_capacity(6 * text_len + 32 * plain.scopes.len() + 1024));
        // Serializing plain strings and lists into JSON cannot fail.
        let _ = serde_json::to_writer_pretty(&mut *buf, &plain);
        buf.push(b'\n');
        Zeroizing::new(String::from_utf8(std::mem::take(&mut *buf)).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_debug_hides_secrets() {
        let c = Credential {
            address: "store/prod/erp-sync".into(),
            name: "erp-sync".into(),
            created_at: "2026-11-29T00:00:00Z".into(),
            secret: Secret::StoreApiAccount {
                store_hash: Some("abc123".into()),
                keys: ApiKeys {
                    client_id: Some("cid".into()),
                    client_secret: Some(SecretString::from("s3cr3t-client".to_owned())),
                    access_token: SecretString::from("tok3n-value".to_owned()),
                    api_path: Some("https://api.bigcommerce.com/stores/abc123/v3/".into()),
                    scopes: vec!["store_v2_products".into()],
                },
            },
        };
        let yaml = c.to_yaml();
        assert!(yaml.contains("kind: store_api_account"), "{}", *yaml);
        let back = Credential::from_yaml(yaml.as_bytes()).unwrap();
        assert_eq!(back.token().unwrap().expose_secret(), "tok3n-value");
        let keys = back.keys().unwrap();
        assert_eq!(keys.client_secret.as_ref().unwrap().expose_secret(), "s3cr3t-client");
        let debug = format!("{back:?}");
        assert!(!debug.contains("tok3n-value") && !debug.contains("s3cr3t-client"), "{debug}");
    }
}
