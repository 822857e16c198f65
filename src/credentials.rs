//! BigCommerce's downloaded credentials file (and the same block pasted): `KEY: value` lines such
//! as `ACCESS TOKEN`, `CLIENT NAME` or `NAME`, `API PATH`, `CLIENT ID` and `CLIENT SECRET`, in any
//! order, with CRLF or LF line ends, blank lines and stray spaces. Values are never quoted back
//! in errors: they may be secrets.

use secrecy::SecretString;

use crate::ids::{AccountUuid, StoreHash};

/// Where the credentials live, from the API path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiTarget {
    Store(StoreHash),
    Account(AccountUuid),
}

impl std::fmt::Display for ApiTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiTarget::Store(h) => write!(f, "store {h}"),
            ApiTarget::Account(u) => write!(f, "account {u}"),
        }
    }
}

/// Credentials as BigCommerce issued them.
#[derive(Debug)]
pub struct Issued {
    pub access_token: SecretString,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub name: Option<String>,
    pub api_path: String,
    pub target: ApiTarget,
    /// Keys bckeys does not know, kept out of the vault but reported (names only).
    pub ignored_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct CredentialsError {
    pub source_name: String,
    pub line: Option<usize>,
    pub message: String,
}

impl CredentialsError {
    pub fn hint(&self) -> &'static str {
        "give the .txt file BigCommerce downloaded when the API account was created, or paste its lines: ACCESS TOKEN, CLIENT ID, CLIENT SECRET, CLIENT NAME, API PATH"
    }
}

/// The longest value a line may hold.
pub const MAX_VALUE: usize = 4096;

/// BigCommerce's API base, where every real API PATH points.
pub const BIGCOMMERCE_API: &str = "https://api.bigcommerce.com";

/// Parses credentials text; `source_name` names it in errors (a path, or "standard input").
/// The API PATH must be BigCommerce's (`https://api.bigcommerce.com/stores/{hash}/v3/` or
/// `.../accounts/{uuid}/graphql`) or the same under `api_base` (a sandbox): `exec` hands it to
/// scripts as BIGCOMMERCE_API_PATH, so it must not send them, and their token, elsewhere.
pub fn parse(text: &str, source_name: &str, api_base: &str) -> Result<Issued, CredentialsError> {
    let err =
        |line: Option<usize>, message: String| CredentialsError { source_name: source_name.to_owned(), line, message };
    let mut fields: Vec<(String, String, usize)> = Vec::new();
    let mut ignored_keys = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(err(Some(index + 1), "this line is not `KEY: value`".into()));
        };
        // Values are shown (names, client IDs) and recorded: none may steer a terminal. The
        // value itself is not quoted: it may be a secret.
        if line.chars().any(crate::text::is_unsafe) {
            return Err(err(Some(index + 1), "this line holds a control character".into()));
        }
        let key = normalized_key(key);
        let key = match key.as_str() {
            "ACCESS TOKEN" | "CLIENT ID" | "CLIENT SECRET" | "API PATH" => key,
            "CLIENT NAME" | "NAME" => "NAME".to_owned(),
            _ => {
                ignored_keys.push(crate::text::escape_controls(&key).into_owned());
                continue;
            }
        };
        let value = value.trim().to_owned();
        // BigCommerce's values are tens of characters; a longer one is no credential, and
        // holding or quoting it would only cost memory.
        if value.len() > MAX_VALUE {
            return Err(err(
                Some(index + 1),
                format!("the value is longer than {MAX_VALUE} bytes, longer than any credential"),
            ));
        }
        if let Some((_, first, _)) = fields.iter().find(|(k, _, _)| *k == key) {
            // Some downloads carry both CLIENT NAME and NAME: the same name twice is fine.
            if key == "NAME" && *first == value {
                continue;
            }
            let what = if key == "NAME" {
                format!(
                    "the names disagree: `{}` and `{}`",
                    crate::text::escape_controls(first),
                    crate::text::escape_controls(&value)
                )
            } else {
                format!("{key} is given twice")
            };
            return Err(err(Some(index + 1), what));
        }
        fields.push((key, value, index + 1));
    }
    let mut take = |key: &str| -> Option<(String, usize)> {
        let i = fields.iter().position(|(k, _, _)| k == key)?;
        let (_, v, line) = fields.remove(i);
        Some((v, line))
    };
    let (token, token_line) = take("ACCESS TOKEN").ok_or_else(|| err(None, "no ACCESS TOKEN line".into()))?;
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(err(Some(token_line), "the ACCESS TOKEN is empty or has spaces in it".into()));
    }
    let (api_path, path_line) = take("API PATH").ok_or_else(|| err(None, "no API PATH line".into()))?;
    let target = target_of(&api_path).filter(|t| is_api_path(&api_path, t, api_base)).ok_or_else(|| {
        let sandbox = if api_base.trim_end_matches('/') == BIGCOMMERCE_API {
            String::new()
        } else {
            format!(" (or the same under {})", api_base.trim_end_matches('/'))
        };
        err(Some(path_line), format!("the API PATH is neither {BIGCOMMERCE_API}/stores/{{store_hash}}/v3/ nor {BIGCOMMERCE_API}/accounts/{{account_uuid}}/graphql{sandbox}; bckeys uses no other"))
    })?;
    let client_id = take("CLIENT ID").map(|(v, _)| v).filter(|v| !v.is_empty());
    let client_secret = take("CLIENT SECRET").map(|(v, _)| v).filter(|v| !v.is_empty()).map(SecretString::from);
    let name = take("NAME").map(|(v, _)| v).filter(|v| !v.is_empty());
    if matches!(target, ApiTarget::Store(_)) && client_id.is_none() {
        return Err(err(None, "no CLIENT ID line".into()));
    }
    Ok(Issued {
        access_token: SecretString::from(token),
        client_id,
        client_secret,
        name,
        api_path,
        target,
        ignored_keys,
    })
}

/// `Access  token` and `ACCESS TOKEN` are one key.
fn normalized_key(key: &str) -> String {
    key.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase()
}

/// Whether some line of `text` is an ACCESS TOKEN line: a file that [`parse`] refuses is then a
/// credentials file gone wrong, not some other file.
pub fn has_access_token_line(text: &str) -> bool {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .any(|(k, _)| normalized_key(k.trim_start_matches('\u{feff}')) == "ACCESS TOKEN")
}

/// Whether `api_path` is exactly the API path of `target`, under BigCommerce's API or `api_base`.
pub fn is_api_path(api_path: &str, target: &ApiTarget, api_base: &str) -> bool {
    let bases = [BIGCOMMERCE_API, api_base.trim_end_matches('/')];
    bases.iter().any(|base| match target {
        ApiTarget::Store(hash) => {
            let v3 = format!("{base}/stores/{hash}/v3");
            api_path == v3 || api_path.strip_suffix('/') == Some(v3.as_str())
        }
        ApiTarget::Account(uuid) => api_path.eq_ignore_ascii_case(&format!("{base}/accounts/{uuid}/graphql")),
    })
}

/// The store hash or account UUID in an API path, whatever its host (a sandbox has its own).
pub fn target_of(api_path: &str) -> Option<ApiTarget> {
    let rest = api_path.split_once("://").map(|(_, r)| r).unwrap_or(api_path);
    let segments: Vec<&str> = rest.split('/').skip(1).filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        // BigCommerce writes both in lowercase; another case names the same store or account.
        ["stores", hash, ..] => StoreHash::parse(&hash.to_ascii_lowercase()).map(ApiTarget::Store),
        ["accounts", uuid, "graphql", ..] => AccountUuid::parse(&uuid.to_ascii_lowercase()).map(ApiTarget::Account),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn reads_the_downloaded_layout_in_any_order_and_line_ending() {
        let text = "\r\n  CLIENT SECRET:  sec  \r\nACCESS TOKEN: tok\r\n\r\nAPI PATH: https://api.bigcommerce.com/stores/abc123/v3/\r\nCLIENT ID: cid\r\nCLIENT NAME: erp-sync\r\n";
        let c = parse(text, "f.txt", BIGCOMMERCE_API).unwrap();
        assert_eq!(c.access_token.expose_secret(), "tok");
        assert_eq!(c.client_secret.unwrap().expose_secret(), "sec");
        assert_eq!(c.client_id.as_deref(), Some("cid"));
        assert_eq!(c.name.as_deref(), Some("erp-sync"));
        assert_eq!(c.target, ApiTarget::Store("abc123".parse().unwrap()));
    }

    #[test]
    fn reads_account_level_paths_and_name_keys() {
        let text = "NAME: users\nACCESS TOKEN: t\nAPI PATH: https://api.bigcommerce.com/accounts/0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f/graphql\n";
        let c = parse(text, "-", BIGCOMMERCE_API).unwrap();
        assert_eq!(c.target, ApiTarget::Account("0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f".parse().unwrap()));
        assert_eq!(c.name.as_deref(), Some("users"));
    }

    #[test]
    fn a_value_longer_than_any_credential_is_refused_without_quoting_it() {
        let long = "x".repeat(MAX_VALUE + 1);
        let text = format!("ACCESS TOKEN: t\nCLIENT NAME: {long}\nCLIENT ID: c\nAPI PATH: https://api.bigcommerce.com/stores/abc/v3/\n");
        let e = parse(&text, "f", BIGCOMMERCE_API).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("longer than any credential") && !e.to_string().contains(&long[..64]), "{e}");
        let fits = text.replace(&long, &"x".repeat(MAX_VALUE));
        assert!(parse(&fits, "f", BIGCOMMERCE_API).is_ok());
    }

    #[test]
    fn errors_name_the_line_and_never_the_value() {
        let b = BIGCOMMERCE_API;
        let e = parse("ACCESS TOKEN: supersecret\nthis is junk supersecret\n", "creds.txt", b).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(!e.to_string().contains("supersecret"), "{e}");
        let e = parse("ACCESS TOKEN: a\nACCESS TOKEN: b\n", "x", b).unwrap_err();
        assert!(e.message.contains("twice"));
        let e = parse("ACCESS TOKEN: a\nAPI PATH: https://example.com/nothing\nCLIENT ID: c\n", "x", b).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(parse("API PATH: https://api.bigcommerce.com/stores/abc/v3/\n", "x", b).is_err());
    }

    #[test]
    fn the_api_path_must_be_bigcommerces_or_the_api_bases() {
        let with =
            |path: &str, base: &str| parse(&format!("ACCESS TOKEN: t\nCLIENT ID: c\nAPI PATH: {path}\n"), "f", base);
        let b = BIGCOMMERCE_API;
        assert!(with("https://api.bigcommerce.com/stores/abc123/v3/", b).is_ok());
        assert!(with("https://api.bigcommerce.com/stores/abc123/v3", b).is_ok());
        assert!(with("https://api.bigcommerce.com/accounts/0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f/graphql", b).is_ok());
        for hostile in [
            "https://evil.example/stores/abc123/v3/",
            "https://api.bigcommerce.com.evil.example/stores/abc123/v3/",
            "http://api.bigcommerce.com/stores/abc123/v3/",
            "https://api.bigcommerce.com@evil.example/stores/abc123/v3/",
            "https://api.bigcommerce.com/stores/abc123/v3/../../../x",
            "https://api.bigcommerce.com/stores/abc123/v2/",
            "http://127.0.0.1:9/stores/abc123/v3/",
        ] {
            let e = with(hostile, b).unwrap_err();
            assert_eq!(e.line, Some(3), "{hostile}");
            assert!(e.message.contains("bckeys uses no other"), "{e}");
        }
        assert!(with("http://127.0.0.1:9/stores/abc123/v3/", "http://127.0.0.1:9").is_ok());
    }

    #[test]
    fn control_characters_are_refused_without_quoting_the_line() {
        let text = "ACCESS TOKEN: secret-tok\nCLIENT ID: cid\u{1b}]0;x\u{7}\nAPI PATH: https://api.bigcommerce.com/stores/abc/v3/\n";
        let e = parse(text, "f", BIGCOMMERCE_API).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("control character") && !e.to_string().contains("cid"), "{e}");
        assert!(parse("ACCESS TOKEN: tok\u{202e}en\n", "f", BIGCOMMERCE_API).is_err());
    }

    #[test]
    fn both_name_lines_are_accepted_when_they_agree() {
        let path = "API PATH: https://api.bigcommerce.com/stores/abc/v3/\nACCESS TOKEN: t\nCLIENT ID: c\n";
        let c = parse(&format!("CLIENT NAME: erp-sync\nNAME: erp-sync\n{path}"), "f", BIGCOMMERCE_API).unwrap();
        assert_eq!(c.name.as_deref(), Some("erp-sync"));
        let e = parse(&format!("CLIENT NAME: erp-sync\nNAME: other\n{path}"), "f", BIGCOMMERCE_API).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("`erp-sync` and `other`"), "{e}");
    }
}
