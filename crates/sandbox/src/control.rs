//! `/__sandbox/...`: the simulated control panel. What a person does in BigCommerce's control
//! panel (create an API account and download its credentials, delete it), what happens behind
//! a tool's back (scopes changed), and the knobs of the simulation (limits, latency, faults,
//! counters). JSON in, no authentication; never a secret out, except the credentials file a
//! new API account comes with, as in the real control panel.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::faults;
use super::limits::MAX_LATENCY_MS;
use super::reply::{self, Dialect, Rejection};
use super::state::{ApiAccount, NewApiAccount, Owner};
use super::App;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopesBody {
    scopes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    quota: Option<u32>,
    window_ms: Option<u64>,
    latency_ms: Option<u64>,
}

/// `POST /__sandbox/stores/{store_hash}/api-accounts`
pub async fn create_store_account(
    State(app): State<Arc<App>>,
    hash: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    match hash {
        Ok(Path(hash)) => create(&app, Owner::Store(hash), &body),
        Err(e) => bad_request(&e.body_text()),
    }
}

/// `POST /__sandbox/accounts/{account_uuid}/api-accounts`
pub async fn create_account_account(
    State(app): State<Arc<App>>,
    uuid: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    match uuid {
        Ok(Path(uuid)) => create(&app, Owner::Account(uuid), &body),
        Err(e) => bad_request(&e.body_text()),
    }
}

fn create(app: &App, owner: Owner, body: &[u8]) -> Response {
    let b: CreateBody = match read(body) {
        Ok(b) => b,
        Err(r) => return r.answer(Dialect::V3),
    };
    let new = NewApiAccount { name: b.name, scopes: b.scopes, ..NewApiAccount::default() };
    let created = app.lock().create_api_account(owner, new, Instant::now());
    match created {
        Ok(account) => reply::bytes(
            StatusCode::CREATED,
            "text/plain; charset=utf-8",
            credentials_file(&app.base_url, &account).into_bytes(),
        ),
        Err(why) => unprocessable("api_account", why),
    }
}

/// The .txt file the control panel offers once, in BigCommerce's layout.
pub fn credentials_file(base_url: &str, a: &ApiAccount) -> String {
    let api_path = match &a.owner {
        Owner::Store(hash) => format!("{base_url}/stores/{hash}/v3/"),
        Owner::Account(uuid) => format!("{base_url}/accounts/{uuid}/graphql"),
    };
    format!(
        "ACCESS TOKEN: {}\r\nCLIENT NAME: {}\r\nAPI PATH: {}\r\nCLIENT ID: {}\r\nCLIENT SECRET: {}\r\n",
        a.access_token, a.name, api_path, a.client_id, a.client_secret
    )
}

/// `GET /__sandbox/api-accounts`: every API account, without credentials.
pub async fn list_accounts(State(app): State<Arc<App>>) -> Response {
    let st = app.lock();
    let list: Vec<Value> = st.api_accounts.values().map(ApiAccount::summary).collect();
    reply::json(StatusCode::OK, &json!({"data": list}))
}

/// `DELETE /__sandbox/api-accounts/{client_id}`
pub async fn delete_account(State(app): State<Arc<App>>, id: Result<Path<String>, PathRejection>) -> Response {
    let Ok(Path(client_id)) = id else {
        return not_found("no API account with this client ID");
    };
    if app.lock().delete_api_account(&client_id) {
        reply::no_content()
    } else {
        not_found("no API account with this client ID")
    }
}

/// `PUT /__sandbox/api-accounts/{client_id}/scopes`: what no real control panel allows, to
/// simulate drift.
pub async fn change_scopes(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let Ok(Path(client_id)) = id else {
        return not_found("no API account with this client ID");
    };
    let b: ScopesBody = match read(&body) {
        Ok(b) => b,
        Err(r) => return r.answer(Dialect::V3),
    };
    let mut st = app.lock();
    let Some(account) = st.api_accounts.get_mut(&client_id) else {
        return not_found("no API account with this client ID");
    };
    match super::auth::check_scopes(&b.scopes, account.level()) {
        Ok(scopes) => {
            account.scopes = scopes;
            reply::json(StatusCode::OK, &account.summary())
        }
        Err(why) => unprocessable("scopes", why),
    }
}

/// `PUT /__sandbox/stores/{store_hash}/settings`: quota and window (a new window starts), latency.
pub async fn store_settings(
    State(app): State<Arc<App>>,
    hash: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let hash = match hash {
        Ok(Path(h)) if super::auth::check_store_hash(&h).is_ok() => h,
        Ok(Path(h)) => return unprocessable("store_hash", format!("{h:?} is not a store hash")),
        Err(e) => return bad_request(&e.body_text()),
    };
    let b: SettingsBody = match read(&body) {
        Ok(b) => b,
        Err(r) => return r.answer(Dialect::V3),
    };
    if b.quota == Some(0) || b.window_ms == Some(0) {
        return unprocessable("quota", "quota and window_ms must be at least 1".into());
    }
    if b.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
        return unprocessable("latency_ms", format!("latency_ms is at most {MAX_LATENCY_MS}"));
    }
    let now = Instant::now();
    let mut st = app.lock();
    let store = st.store(&hash, now);
    if b.quota.is_some() || b.window_ms.is_some() {
        let quota = b.quota.unwrap_or(store.window.quota());
        let window_ms = b.window_ms.unwrap_or(store.window.window_ms());
        store.window.reconfigure(quota, window_ms, now);
    }
    if let Some(ms) = b.latency_ms {
        store.latency_ms = ms;
    }
    let body = json!({
        "store_hash": hash,
        "quota": store.window.quota(),
        "window_ms": store.window.window_ms(),
        "latency_ms": store.latency_ms,
    });
    reply::json(StatusCode::OK, &body)
}

/// `GET /__sandbox/stores/{store_hash}/storefront-tokens`: the tokens issued on a store, without
/// the tokens themselves.
pub async fn storefront_tokens(State(app): State<Arc<App>>, hash: Result<Path<String>, PathRejection>) -> Response {
    let Ok(Path(hash)) = hash else {
        return reply::json(StatusCode::OK, &json!({"data": []}));
    };
    let st = app.lock();
    let mut list: Vec<_> = st.storefront_tokens.values().filter(|t| t.store_hash == hash).collect();
    list.sort_by(|a, b| (&a.client_id, a.expires_at, a.kind).cmp(&(&b.client_id, b.expires_at, b.kind)));
    let data: Vec<Value> = list.iter().map(|t| t.summary()).collect();
    reply::json(StatusCode::OK, &json!({"data": data}))
}

/// `GET /__sandbox/stores/{store_hash}/webhooks`: every API account's webhooks on a store, with
/// the names of their headers but not the values (they often hold a shared secret).
pub async fn webhooks(State(app): State<Arc<App>>, hash: Result<Path<String>, PathRejection>) -> Response {
    let Ok(Path(hash)) = hash else {
        return reply::json(StatusCode::OK, &json!({"data": []}));
    };
    let st = app.lock();
    let data: Vec<Value> = st
        .hooks
        .values()
        .filter(|h| h.store_hash == hash)
        .map(|h| {
            let mut v = h.to_json();
            let names: Vec<&String> = h.headers.iter().flat_map(|m| m.keys()).collect();
            v["headers"] = json!(names);
            v
        })
        .collect();
    reply::json(StatusCode::OK, &json!({"data": data}))
}

/// `POST /__sandbox/webhooks/{id}/deactivate`: what BigCommerce does to a webhook after failed
/// deliveries or 90 days without events.
pub async fn deactivate_webhook(State(app): State<Arc<App>>, id: Result<Path<u64>, PathRejection>) -> Response {
    let Ok(Path(id)) = id else { return bad_request("the webhook id must be a number") };
    let mut st = app.lock();
    match st.hooks.get_mut(&id) {
        Some(hook) => {
            hook.is_active = false;
            hook.deactivated = true;
            reply::json(StatusCode::OK, &hook.to_json())
        }
        None => reply::json(StatusCode::NOT_FOUND, &json!({"status": 404, "title": "no such webhook"})),
    }
}

/// `POST /__sandbox/faults`
pub async fn add_fault(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let value = match reply::parse_body(&body) {
        Ok(v) => v,
        Err(why) => return bad_request(&why),
    };
    match faults::parse(&value) {
        Ok(fault) => {
            let echo = json!({"store_hash": fault.store_hash, "count": fault.left});
            let mut st = app.lock();
            st.faults.push(fault);
            reply::json(StatusCode::OK, &json!({"queued": echo, "pending": st.faults.len()}))
        }
        Err(problems) => {
            let errors = problems.into_iter().map(|(f, why)| (f.to_owned(), Value::String(why))).collect();
            reply::v3_error(StatusCode::UNPROCESSABLE_ENTITY, "The fault is not valid", errors)
        }
    }
}

/// `DELETE /__sandbox/faults`: drops every queued fault.
pub async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    app.lock().faults.clear();
    reply::no_content()
}

/// `GET /__sandbox/stats`
pub async fn stats(State(app): State<Arc<App>>) -> Response {
    let body = app.lock().stats();
    reply::json(StatusCode::OK, &body)
}

/// `GET /__sandbox/health`
pub async fn health() -> Response {
    reply::json(StatusCode::OK, &json!({"status": "ok"}))
}

/// Anything else under `/__sandbox/`.
pub async fn unknown() -> Response {
    not_found("no such control panel route")
}

fn read<T: DeserializeOwned>(body: &[u8]) -> Result<T, Rejection> {
    let value = reply::parse_body(body).map_err(Rejection::NotJson)?;
    serde_json::from_value(value).map_err(|e| Rejection::Invalid(vec![("body", e.to_string())]))
}

fn bad_request(why: &str) -> Response {
    reply::bad_body(Dialect::V3, why)
}

fn unprocessable(field: &str, why: String) -> Response {
    let errors: Map<String, Value> = [(field.to_owned(), Value::String(why.clone()))].into_iter().collect();
    reply::v3_error(StatusCode::UNPROCESSABLE_ENTITY, &why, errors)
}

fn not_found(why: &str) -> Response {
    reply::v3_error(StatusCode::NOT_FOUND, why, Map::new())
}
