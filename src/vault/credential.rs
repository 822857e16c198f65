//! What a secret file holds: every field BigCommerce issued for one credential, plus where it
//! belongs. Secret fields stay wrapped in `SecretString` until they are serialized into a
//! zeroizing buffer on their way to encryption.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// One credential as stored inside `secrets/<address>.age`.
#[derive(Debug)]
pub struct Credential {
    pub address: String,
    pub kind: String,
    pub store_hash: Option<String>,
    pub account_uuid: Option<String>,
    pub name: String,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub access_token: SecretString,
    pub api_path: Option<String>,
    pub scopes: Vec<String>,
    pub created_at: String,
    /// Generated webhook header values, by header name (webhook secrets only).
    pub headers: std::collections::BTreeMap<String, SecretString>,
}

#[derive(Serialize, Deserialize)]
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
    headers: std::collections::BTreeMap<String, std::borrow::Cow<'a, str>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the decrypted secret file is not a bckeys credential: {0}")]
pub struct CredentialError(String);

impl Credential {
    /// The borrowed, serializable view of this credential; secrets are exposed only into it.
    fn plain(&self) -> Plain<'_> {
        Plain {
            address: &self.address,
            kind: &self.kind,
            store_hash: self.store_hash.as_deref(),
            account_uuid: self.account_uuid.as_deref(),
            name: &self.name,
            client_id: self.client_id.as_deref(),
            client_secret: self.client_secret.as_ref().map(|s| s.expose_secret()),
            access_token: self.access_token.expose_secret(),
            api_path: self.api_path.as_deref(),
            scopes: self.scopes.clone(),
            created_at: &self.created_at,
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), std::borrow::Cow::Borrowed(v.expose_secret())))
                .collect(),
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
        Ok(Credential {
            address: plain.address.to_owned(),
            kind: plain.kind.to_owned(),
            store_hash: plain.store_hash.map(str::to_owned),
            account_uuid: plain.account_uuid.map(str::to_owned),
            name: plain.name.to_owned(),
            client_id: plain.client_id.map(str::to_owned),
            client_secret: plain.client_secret.map(|s| SecretString::from(s.to_owned())),
            access_token: SecretString::from(plain.access_token.to_owned()),
            api_path: plain.api_path.map(str::to_owned),
            scopes: plain.scopes,
            created_at: plain.created_at.to_owned(),
            // Moved, not copied, into secrets that zeroize.
            headers: plain.headers.into_iter().map(|(k, v)| (k, SecretString::from(v.into_owned()))).collect(),
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
            kind: "store_api_account".into(),
            store_hash: Some("abc123".into()),
            account_uuid: None,
            name: "erp-sync".into(),
            client_id: Some("cid".into()),
            client_secret: Some(SecretString::from("s3cr3t-client".to_owned())),
            access_token: SecretString::from("tok3n-value".to_owned()),
            api_path: Some("https://api.bigcommerce.com/stores/abc123/v3/".into()),
            scopes: vec!["store_v2_products".into()],
            created_at: "2026-11-29T00:00:00Z".into(),
            headers: Default::default(),
        };
        let yaml = c.to_yaml();
        let back = Credential::from_yaml(yaml.as_bytes()).unwrap();
        assert_eq!(back.access_token.expose_secret(), "tok3n-value");
        assert_eq!(back.client_secret.as_ref().unwrap().expose_secret(), "s3cr3t-client");
        let debug = format!("{back:?}");
        assert!(!debug.contains("tok3n-value") && !debug.contains("s3cr3t-client"), "{debug}");
    }
}
