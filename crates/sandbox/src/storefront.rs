//! `/v3/storefront/api-token*`: GraphQL Storefront API tokens as `storefront_tokens.v3.yml`
//! documents them. Storefront (browser) and private tokens need the Storefront API Tokens scope,
//! customer impersonation tokens their own scope; a token is revoked with the first scope.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::auth::{IMPERSONATION_TOKENS, STOREFRONT_TOKENS};
use super::ids;
use super::reply::{self, Dialect};
use super::state::{unix_now, ApiAccount, Sandbox, StorefrontToken};
use super::store_api::Request;

/// Which of the three creation routes was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Storefront,
    Private,
    CustomerImpersonation,
}

impl Kind {
    /// The kind a path relative to the store names.
    pub fn of(path: &str) -> Option<Kind> {
        match path {
            "/v3/storefront/api-token" => Some(Kind::Storefront),
            "/v3/storefront/api-token-private" => Some(Kind::Private),
            "/v3/storefront/api-token-customer-impersonation" => Some(Kind::CustomerImpersonation),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Storefront => "storefront",
            Kind::Private => "private",
            Kind::CustomerImpersonation => "customer_impersonation",
        }
    }

    fn scope(self) -> &'static str {
        match self {
            Kind::Storefront | Kind::Private => STOREFRONT_TOKENS,
            Kind::CustomerImpersonation => IMPERSONATION_TOKENS,
        }
    }
}

const PRIVATE_SCOPES: &[&str] = &["Unauthenticated", "Customer", "B2B"];
const MAX_CORS_ORIGINS: usize = 2;

pub fn handle(st: &mut Sandbox, caller: &ApiAccount, req: &Request, kind: Kind) -> Response {
    match (req.method.clone(), kind) {
        (Method::POST, _) => create(st, caller, req, kind),
        (Method::DELETE, Kind::Storefront) => revoke(st, caller, req),
        _ => reply::error(Dialect::V3, StatusCode::METHOD_NOT_ALLOWED, reply::TITLE_405),
    }
}

fn create(st: &mut Sandbox, caller: &ApiAccount, req: &Request, kind: Kind) -> Response {
    if !caller.scopes.contains(kind.scope()) {
        return reply::forbidden(Dialect::V3);
    }
    let value = match reply::parse_body(req.body) {
        Ok(v) => v,
        Err(why) => return reply::invalid(Dialect::V3, &[("body", why)]),
    };
    let Some(body) = value.as_object() else {
        return reply::invalid(Dialect::V3, &[("body", "must be a JSON object".into())]);
    };
    let now = unix_now();
    let mut problems: Vec<(&str, String)> = Vec::new();
    let channels = channels(body, &mut problems);
    let expires_at = match body.get("expires_at") {
        None | Some(Value::Null) => {
            problems.push(("expires_at", "is required".into()));
            None
        }
        Some(v) => match v.as_i64() {
            Some(t) if t > now => Some(t),
            Some(_) => {
                problems.push(("expires_at", "must be in the future".into()));
                None
            }
            None => {
                problems.push(("expires_at", "must be a Unix timestamp in whole seconds".into()));
                None
            }
        },
    };
    if kind == Kind::Storefront {
        if let Some(origins) = body.get("allowed_cors_origins") {
            let ok = origins.as_array().is_some_and(|list| {
                (1..=MAX_CORS_ORIGINS).contains(&list.len())
                    && list.iter().all(|o| o.as_str().is_some_and(|s| !s.trim().is_empty()))
            });
            if !ok {
                problems.push((
                    "allowed_cors_origins",
                    format!("must list 1 to {MAX_CORS_ORIGINS} origins as non-empty strings"),
                ));
            }
        }
    }
    if kind == Kind::Private {
        let ok = body.get("scopes").and_then(Value::as_array).is_some_and(|list| {
            !list.is_empty() && list.iter().all(|s| s.as_str().is_some_and(|s| PRIVATE_SCOPES.contains(&s)))
        });
        if !ok {
            problems.push(("scopes", format!("is required: a non-empty list of {}", PRIVATE_SCOPES.join(", "))));
        }
    }
    let (Some(channels), Some(expires_at)) = (channels, expires_at) else {
        return reply::invalid(Dialect::V3, &problems);
    };
    if !problems.is_empty() {
        return reply::invalid(Dialect::V3, &problems);
    }
    let token_type = match kind {
        Kind::Storefront => 1,
        Kind::CustomerImpersonation => 2,
        Kind::Private => 3,
    };
    let token = ids::jwt(req.store_hash, &channels, expires_at, now, token_type);
    st.storefront_tokens.insert(
        token.clone(),
        StorefrontToken {
            store_hash: req.store_hash.to_owned(),
            client_id: caller.client_id.clone(),
            kind: kind.name(),
            channel_ids: channels,
            expires_at,
            revoked: false,
        },
    );
    reply::json(StatusCode::OK, &json!({"data": {"token": token}, "meta": {}}))
}

/// `channel_id` or `channel_ids`, exactly one of them.
fn channels(body: &Map<String, Value>, problems: &mut Vec<(&str, String)>) -> Option<Vec<u64>> {
    let id = body.get("channel_id").filter(|v| !v.is_null());
    let ids = body.get("channel_ids").filter(|v| !v.is_null());
    match (id, ids) {
        (Some(_), Some(_)) => {
            problems.push(("channel_ids", "channel_id and channel_ids cannot be used together".into()));
            None
        }
        (None, None) => {
            problems.push(("channel_id", "channel_id or channel_ids is required".into()));
            None
        }
        (Some(id), None) => match id.as_u64() {
            Some(n) if n >= 1 => Some(vec![n]),
            _ => {
                problems.push(("channel_id", "must be a channel ID (a whole number of at least 1)".into()));
                None
            }
        },
        (None, Some(ids)) => {
            let list: Option<Vec<u64>> = ids
                .as_array()
                .filter(|l| !l.is_empty())
                .and_then(|l| l.iter().map(|v| v.as_u64().filter(|n| *n >= 1)).collect());
            if list.is_none() {
                problems.push(("channel_ids", "must be a non-empty list of channel IDs".into()));
            }
            list
        }
    }
}

fn revoke(st: &mut Sandbox, caller: &ApiAccount, req: &Request) -> Response {
    if !caller.scopes.contains(STOREFRONT_TOKENS) {
        return reply::forbidden(Dialect::V3);
    }
    let Some(token) = req.sf_token.map(str::trim).filter(|t| !t.is_empty()) else {
        return reply::invalid(
            Dialect::V3,
            &[("Sf-Api-Token", "the header with the token to revoke is missing".into())],
        );
    };
    match st.storefront_tokens.get_mut(token) {
        // Revoking twice is harmless: BigCommerce only schedules the revocation.
        Some(t) if t.store_hash == req.store_hash => {
            t.revoked = true;
            // storefront_tokens.v3.yml documents 200 ("revocation has been scheduled") with no body.
            reply::bytes(axum::http::StatusCode::OK, "application/json", Vec::new())
        }
        _ => reply::invalid(Dialect::V3, &[("Sf-Api-Token", "Invalid JWT Token provided".into())]),
    }
}
