//! The resources BigCommerce lets a program manage: GraphQL Storefront API tokens
//! (storefront_tokens.v3.yml) and webhooks (webhooks.v3.yml). Request bodies are typed so the
//! contract test can check each one against the official schemas.

use std::collections::BTreeMap;

use reqwest::Method;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{ApiError, Client, StoreRequest, Verdict};
use crate::config::{AccessScope, TokenType};

/// The body of every token creation: `channel_ids` (never `channel_id` with it) and
/// `expires_at` in whole seconds.
#[derive(Debug, Clone, Serialize)]
pub struct TokenRequest {
    pub channel_ids: Vec<u64>,
    pub expires_at: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_cors_origins: Vec<String>,
    /// Private tokens only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<AccessScope>,
}

/// The path that creates a token of a type.
pub fn token_path(kind: TokenType) -> &'static str {
    match kind {
        TokenType::Storefront => "/v3/storefront/api-token",
        TokenType::Private => "/v3/storefront/api-token-private",
        TokenType::CustomerImpersonation => "/v3/storefront/api-token-customer-impersonation",
    }
}

/// A webhook as BigCommerce shows it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Hook {
    pub id: u64,
    pub scope: String,
    pub destination: String,
    #[serde(default)]
    pub is_active: bool,
    /// "active", "inactive" or "deactivated" (after failed deliveries or 90 days idle).
    #[serde(default)]
    pub status: Option<String>,
    /// The custom headers, each value kept only as its digest: they are often shared secrets,
    /// and comparing them needs no more.
    #[serde(default, deserialize_with = "header_digests")]
    pub headers: BTreeMap<String, HeaderDigest>,
}

/// The SHA-256 of a header value.
#[derive(Clone, PartialEq, Eq)]
pub struct HeaderDigest([u8; 32]);

impl HeaderDigest {
    pub fn of(value: &str) -> Self {
        use sha2::Digest;
        HeaderDigest(sha2::Sha256::digest(value.as_bytes()).into())
    }
}

impl std::fmt::Debug for HeaderDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeaderDigest(..)")
    }
}

/// `headers` is nullable in webhooks.v3.yml: null reads as none.
fn header_digests<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, HeaderDigest>, D::Error> {
    let raw: Option<BTreeMap<String, String>> = Option::deserialize(d)?;
    Ok(raw.unwrap_or_default().into_iter().map(|(k, v)| (k, HeaderDigest::of(&v))).collect())
}

impl Hook {
    pub fn deactivated(&self) -> bool {
        self.status.as_deref() == Some("deactivated")
    }
}

/// The body of a webhook creation or update.
#[derive(Debug, Clone, Serialize)]
pub struct HookRequest {
    pub scope: String,
    pub destination: String,
    pub is_active: bool,
    pub headers: BTreeMap<String, String>,
}

/// What went wrong with a resource request, for a person.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("{what}: BigCommerce answered {status}: {message}")]
    Refused { what: String, status: u16, message: String },
    #[error("{what}: BigCommerce's answer lacks {missing}")]
    Unexpected { what: String, missing: &'static str },
}

fn refused(what: &str, verdict: Verdict) -> ResourceError {
    let (status, message) = match verdict {
        Verdict::Unauthorized(m) => (401, m),
        Verdict::Forbidden(m) => (403, m),
        Verdict::NotFound(m) => (404, m),
        Verdict::Rejected(s, m) => (s, m),
        Verdict::Allowed(_) => (200, "unexpected".into()),
    };
    ResourceError::Refused { what: what.to_owned(), status, message }
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize)]
struct TokenData {
    token: String,
}

/// Creates a storefront token with the issuer's credentials.
pub async fn create_token(
    client: &Client,
    store_hash: &str,
    issuer: &SecretString,
    kind: TokenType,
    request: &TokenRequest,
) -> Result<SecretString, ResourceError> {
    let path = token_path(kind);
    let what = format!("POST {path}");
    let body = serde_json::to_value(request).unwrap_or_default();
    match client
        .store_request(store_hash, issuer, StoreRequest { body: Some(body), ..StoreRequest::new(Method::POST, path) })
        .await?
    {
        Verdict::Allowed(bytes) => {
            let envelope: Envelope<TokenData> = serde_json::from_slice(&bytes)
                .map_err(|_| ResourceError::Unexpected { what, missing: "data.token" })?;
            Ok(SecretString::from(envelope.data.token))
        }
        other => Err(refused(&what, other)),
    }
}

/// Revokes a storefront token (`DELETE /v3/storefront/api-token` with `Sf-Api-Token`).
pub async fn revoke_token(
    client: &Client,
    store_hash: &str,
    issuer: &SecretString,
    token: &SecretString,
) -> Result<(), ResourceError> {
    let what = "DELETE /v3/storefront/api-token";
    let headers = [("Sf-Api-Token", token)];
    let request =
        StoreRequest { secret_headers: &headers, ..StoreRequest::new(Method::DELETE, "/v3/storefront/api-token") };
    match client.store_request(store_hash, issuer, request).await? {
        Verdict::Allowed(_) => Ok(()),
        other => Err(refused(what, other)),
    }
}

/// Every webhook of the API account whose token this is.
pub async fn list_hooks(client: &Client, store_hash: &str, token: &SecretString) -> Result<Vec<Hook>, ResourceError> {
    #[derive(Deserialize)]
    struct Page {
        data: Vec<Hook>,
        #[serde(default)]
        meta: Meta,
    }
    #[derive(Deserialize, Default)]
    struct Meta {
        #[serde(default)]
        pagination: Option<Pagination>,
    }
    #[derive(Deserialize)]
    struct Pagination {
        #[serde(default)]
        total_pages: Option<u64>,
    }
    let mut hooks: Vec<Hook> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // BigCommerce allows far fewer webhooks per account than 100 pages of 250; a list that
    // goes on is not believed, and neither is a page that repeats what came before.
    for page in 1..=MAX_HOOK_PAGES {
        let query = format!("page={page}&limit=250");
        match client
            .store_request(
                store_hash,
                token,
                StoreRequest { query: &query, ..StoreRequest::new(Method::GET, "/v3/hooks") },
            )
            .await?
        {
            Verdict::Allowed(bytes) => {
                let parsed: Page = serde_json::from_slice(&bytes)
                    .map_err(|_| ResourceError::Unexpected { what: "GET /v3/hooks".into(), missing: "data" })?;
                let count = parsed.data.len();
                let before = hooks.len();
                hooks.extend(parsed.data.into_iter().filter(|h| seen.insert(h.id)));
                let last = parsed.meta.pagination.and_then(|p| p.total_pages).map_or(count < 250, |t| page >= t);
                if last {
                    return Ok(hooks);
                }
                if hooks.len() == before {
                    return Err(ResourceError::Unexpected {
                        what: "GET /v3/hooks".into(),
                        missing: "a page of new webhooks",
                    });
                }
            }
            other => return Err(refused("GET /v3/hooks", other)),
        }
    }
    Err(ResourceError::Unexpected { what: "GET /v3/hooks".into(), missing: "a last page" })
}

/// Pages of webhooks read before the list is taken for endless.
const MAX_HOOK_PAGES: u64 = 100;

pub async fn create_hook(
    client: &Client,
    store_hash: &str,
    token: &SecretString,
    request: &HookRequest,
) -> Result<Hook, ResourceError> {
    hook_write(client, store_hash, token, Method::POST, "/v3/hooks".into(), request).await
}

pub async fn update_hook(
    client: &Client,
    store_hash: &str,
    token: &SecretString,
    id: u64,
    request: &HookRequest,
) -> Result<Hook, ResourceError> {
    hook_write(client, store_hash, token, Method::PUT, format!("/v3/hooks/{id}"), request).await
}

async fn hook_write(
    client: &Client,
    store_hash: &str,
    token: &SecretString,
    method: Method,
    path: String,
    request: &HookRequest,
) -> Result<Hook, ResourceError> {
    let what = format!("{method} {}", if method == Method::PUT { "/v3/hooks/{id}" } else { "/v3/hooks" });
    let body = serde_json::to_value(request).unwrap_or_default();
    // Header values may be generated secrets: an answer that echoes the body must not show them.
    let body_secrets = request.headers.values().map(|v| SecretString::from(v.clone())).collect();
    match client
        .store_request(
            store_hash,
            token,
            StoreRequest { body: Some(body), body_secrets, ..StoreRequest::new(method, &path) },
        )
        .await?
    {
        Verdict::Allowed(bytes) => {
            let envelope: Envelope<Hook> =
                serde_json::from_slice(&bytes).map_err(|_| ResourceError::Unexpected { what, missing: "data" })?;
            Ok(envelope.data)
        }
        other => Err(refused(&what, other)),
    }
}

/// Deletes a webhook; one already gone counts as deleted.
pub async fn delete_hook(
    client: &Client,
    store_hash: &str,
    token: &SecretString,
    id: u64,
) -> Result<(), ResourceError> {
    match client.store_request(store_hash, token, StoreRequest::new(Method::DELETE, &format!("/v3/hooks/{id}"))).await?
    {
        Verdict::Allowed(_) | Verdict::NotFound(_) => Ok(()),
        other => Err(refused("DELETE /v3/hooks/{id}", other)),
    }
}
