//! `POST /accounts/{account_uuid}/graphql`: the account-level GraphQL endpoint, enough to prove
//! an account-level token alive. Limited to 70 requests an hour per account, announced with the
//! same headers as the store API.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::reply::{self, Dialect};
use super::state::{Owner, Sandbox};
use super::App;

pub async fn graphql(
    State(app): State<Arc<App>>,
    uuid: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Path(uuid)) = uuid else {
        return reply::not_found_v3();
    };
    let token = headers.get("x-auth-token").and_then(|v| v.to_str().ok());
    let mut st = app.lock();
    answer(&mut st, &uuid, token, &body, Instant::now())
}

fn answer(st: &mut Sandbox, uuid: &str, token: Option<&str>, body: &[u8], now: Instant) -> Response {
    if super::auth::check_account_uuid(uuid).is_err() {
        return reply::not_found_v3();
    }
    st.requests += 1;
    let account = st.account(uuid, now);
    account.requests += 1;
    let verdict = account.window.take(now);
    let mut r = if !verdict.allowed {
        account.rate_limited += 1;
        st.rate_limited += 1;
        reply::error(Dialect::V3, StatusCode::TOO_MANY_REQUESTS, reply::TITLE_429)
    } else {
        match st.authenticate(token) {
            Some(a) if a.owner == Owner::Account(uuid.to_owned()) => query(uuid, body),
            _ => reply::unauthorized(Dialect::V3),
        }
    };
    verdict.write_headers(r.headers_mut());
    r
}

/// Answers `{ account { id } }` (any query that asks for `account`); anything else is a GraphQL
/// error, as the real endpoint would give for fields this sandbox does not know.
fn query(uuid: &str, body: &[u8]) -> Response {
    let q = reply::parse_body(body).ok().and_then(|v| v.get("query").and_then(Value::as_str).map(str::to_owned));
    match q {
        Some(q) if q.contains("account") => reply::json(StatusCode::OK, &json!({"data": {"account": {"id": uuid}}})),
        Some(_) => reply::json(
            StatusCode::OK,
            &json!({"data": null, "errors": [{"message": "This sandbox answers only queries on account { id }."}]}),
        ),
        None => reply::json(
            StatusCode::BAD_REQUEST,
            &json!({"errors": [{"message": "The body must be JSON with a \"query\" string."}]}),
        ),
    }
}
