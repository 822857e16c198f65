//! BigCommerce's downloaded credentials file (and the same block pasted): `KEY: value` lines such
//! as `ACCESS TOKEN`, `CLIENT NAME` or `NAME`, `API PATH`, `CLIENT ID` and `CLIENT SECRET`, in any
//! order, with CRLF or LF line ends, blank lines and stray spaces. Values are never quoted back
//! in errors: they may be secrets.

use secrecy::SecretString;

/// Where the credentials live, from the API path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiTarget {
    Store(String),
    Account(String),
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

/// Parses credentials text; `source_name` names it in errors (a path, or "standard input").
pub fn parse(text: &str, source_name: &str) -> Result<Issued, CredentialsError> {
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
        let key = key.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
        let key = match key.as_str() {
            "ACCESS TOKEN" | "CLIENT ID" | "CLIENT SECRET" | "API PATH" => key,
            "CLIENT NAME" | "NAME" => "NAME".to_owned(),
            _ => {
                ignored_keys.push(key);
                continue;
            }
        };
        if fields.iter().any(|(k, _, _)| *k == key) {
            return Err(err(Some(index + 1), format!("{key} is given twice")));
        }
        fields.push((key, value.trim().to_owned(), index + 1));
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
    let target = target_of(&api_path).ok_or_else(|| {
        err(Some(path_line), "the API PATH is neither https://api.bigcommerce.com/stores/{store_hash}/v3/ nor .../accounts/{account_uuid}/graphql".into())
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

/// The store hash or account UUID in an API path, whatever its host (a sandbox has its own).
pub fn target_of(api_path: &str) -> Option<ApiTarget> {
    let rest = api_path.split_once("://").map(|(_, r)| r).unwrap_or(api_path);
    let segments: Vec<&str> = rest.split('/').skip(1).filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["stores", hash, ..] if !hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Some(ApiTarget::Store(hash.to_string()))
        }
        ["accounts", uuid, "graphql", ..] if uuid.len() == 36 => Some(ApiTarget::Account(uuid.to_ascii_lowercase())),
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
        let c = parse(text, "f.txt").unwrap();
        assert_eq!(c.access_token.expose_secret(), "tok");
        assert_eq!(c.client_secret.unwrap().expose_secret(), "sec");
        assert_eq!(c.client_id.as_deref(), Some("cid"));
        assert_eq!(c.name.as_deref(), Some("erp-sync"));
        assert_eq!(c.target, ApiTarget::Store("abc123".into()));
    }

    #[test]
    fn reads_account_level_paths_and_name_keys() {
        let text = "NAME: users\nACCESS TOKEN: t\nAPI PATH: https://api.bigcommerce.com/accounts/0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f/graphql\n";
        let c = parse(text, "-").unwrap();
        assert_eq!(c.target, ApiTarget::Account("0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f".into()));
        assert_eq!(c.name.as_deref(), Some("users"));
    }

    #[test]
    fn errors_name_the_line_and_never_the_value() {
        let e = parse("ACCESS TOKEN: supersecret\nthis is junk supersecret\n", "creds.txt").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(!e.to_string().contains("supersecret"), "{e}");
        let e = parse("ACCESS TOKEN: a\nACCESS TOKEN: b\n", "x").unwrap_err();
        assert!(e.message.contains("twice"));
        let e = parse("ACCESS TOKEN: a\nAPI PATH: https://example.com/nothing\nCLIENT ID: c\n", "x").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(parse("API PATH: https://api.bigcommerce.com/stores/abc/v3/\n", "x").is_err());
    }
}
