//! `/v3/hooks`: webhooks as `webhooks.v3.yml` documents them. Each belongs to the API account
//! whose token created it and is seen only through that account's token; webhooks need no scope
//! beyond the default one every API account has.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::reply::{self, Dialect, Rejection};
use super::resources::pagination;
use super::state::{unix_now, ApiAccount, Sandbox, Webhook};
use super::store_api::Request;

/// BigCommerce keeps at most this many webhooks of one API account on one event scope.
pub const MAX_PER_SCOPE: usize = 10;
const MAX_LIMIT: u64 = 250;
const DEFAULT_LIMIT: u64 = 50;

/// `/v3/hooks`
pub fn collection(st: &mut Sandbox, caller: &ApiAccount, req: &Request) -> Response {
    match *req.method {
        Method::GET => list(st, caller, req),
        Method::POST => create(st, caller, req),
        _ => reply::error(Dialect::V3, StatusCode::METHOD_NOT_ALLOWED, reply::TITLE_405),
    }
}

/// `/v3/hooks/{id}`
pub fn item(st: &mut Sandbox, caller: &ApiAccount, req: &Request, id: &str) -> Response {
    let hook_id = id.parse::<u64>().ok().filter(|id| {
        st.hooks.get(id).is_some_and(|h| h.client_id == caller.client_id && h.store_hash == req.store_hash)
    });
    let Some(hook_id) = hook_id else {
        return reply::v3_error(StatusCode::NOT_FOUND, &format!("Webhook with id [{id}] not found"), Map::new());
    };
    match *req.method {
        Method::GET => found(st.hooks.get(&hook_id)),
        Method::PUT => update(st, caller, req, hook_id),
        Method::DELETE => found(st.hooks.remove(&hook_id).as_ref()),
        _ => reply::error(Dialect::V3, StatusCode::METHOD_NOT_ALLOWED, reply::TITLE_405),
    }
}

fn found(hook: Option<&Webhook>) -> Response {
    match hook {
        Some(h) => reply::json(StatusCode::OK, &json!({"data": h.to_json(), "meta": {}})),
        None => reply::not_found_v3(),
    }
}

fn list(st: &Sandbox, caller: &ApiAccount, req: &Request) -> Response {
    let mut problems = Vec::new();
    let mut number = |name: &'static str, default: u64| match req.param(name) {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n >= 1 => n,
            _ => {
                problems.push((name, "must be a whole number of at least 1".to_owned()));
                default
            }
        },
    };
    let page = number("page", 1);
    let limit = number("limit", DEFAULT_LIMIT).min(MAX_LIMIT);
    let is_active = match req.param("is_active") {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => {
            problems.push(("is_active", "must be true or false".into()));
            None
        }
    };
    if !problems.is_empty() {
        return reply::invalid(Dialect::V3, &problems);
    }
    let scope = req.param("scope");
    let destination = req.param("destination");
    let hooks: Vec<&Webhook> = st
        .hooks
        .values()
        .filter(|h| h.client_id == caller.client_id && h.store_hash == req.store_hash)
        .filter(|h| is_active.is_none_or_eq(h.is_active))
        .filter(|h| scope.is_none_or_eq(h.scope.as_str()))
        .filter(|h| destination.is_none_or_eq(h.destination.as_str()))
        .collect();
    let total = hooks.len() as u64;
    let start = (page - 1).saturating_mul(limit);
    let data: Vec<Value> = hooks
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(limit as usize)
        .map(|h| h.to_json())
        .collect();
    let total_pages = total.div_ceil(limit);
    let mut meta = pagination(total, limit);
    let p = &mut meta["pagination"];
    p["count"] = json!(data.len());
    p["current_page"] = json!(page);
    p["total_pages"] = json!(total_pages);
    let mut links = Map::new();
    if page > 1 {
        links.insert("previous".into(), json!(format!("?page={}&limit={limit}", page - 1)));
    }
    links.insert("current".into(), json!(format!("?page={page}&limit={limit}")));
    if page < total_pages {
        links.insert("next".into(), json!(format!("?page={}&limit={limit}", page + 1)));
    }
    p["links"] = Value::Object(links);
    reply::json(StatusCode::OK, &json!({"data": data, "meta": meta}))
}

/// The fields of a create or update body, each checked.
#[derive(Default)]
struct Fields {
    scope: Option<String>,
    destination: Option<String>,
    is_active: Option<bool>,
    headers: Option<Option<BTreeMap<String, String>>>,
}

fn read_fields(req: &Request) -> Result<Fields, Rejection> {
    let value = reply::parse_body(req.body).map_err(Rejection::NotJson)?;
    let Some(obj) = value.as_object() else {
        return Err(Rejection::Invalid(vec![("body", "must be a JSON object".into())]));
    };
    let mut problems = Vec::new();
    let mut f = Fields::default();
    match obj.get("scope") {
        None => {}
        Some(Value::String(s)) if valid_scope(s) => f.scope = Some(s.clone()),
        Some(_) => problems.push(("scope", "must be a webhook event scope such as store/order/created".into())),
    }
    match obj.get("destination") {
        None => {}
        Some(Value::String(d)) if https_on_443(d) => f.destination = Some(d.clone()),
        Some(_) => problems.push(("destination", "must be an https URL served on port 443".into())),
    }
    match obj.get("is_active") {
        None => {}
        Some(Value::Bool(b)) => f.is_active = Some(*b),
        Some(_) => problems.push(("is_active", "must be true or false".into())),
    }
    match obj.get("headers") {
        None => {}
        Some(Value::Null) => f.headers = Some(None),
        Some(Value::Object(h)) => {
            let strings: Option<BTreeMap<String, String>> =
                h.iter().map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect();
            match strings {
                Some(map) => f.headers = Some(Some(map)),
                None => problems.push(("headers", "must map header names to strings".into())),
            }
        }
        Some(_) => problems.push(("headers", "must be an object of header names and values".into())),
    }
    if problems.is_empty() {
        Ok(f)
    } else {
        Err(Rejection::Invalid(problems))
    }
}

fn create(st: &mut Sandbox, caller: &ApiAccount, req: &Request) -> Response {
    let f = match read_fields(req) {
        Ok(f) => f,
        Err(r) => return r.answer(Dialect::V3),
    };
    let mut missing = Vec::new();
    if f.scope.is_none() {
        missing.push(("scope", "error.path.missing".to_owned()));
    }
    if f.destination.is_none() {
        missing.push(("destination", "error.path.missing".to_owned()));
    }
    let (Some(scope), Some(destination)) = (f.scope, f.destination) else {
        return reply::invalid(Dialect::V3, &missing);
    };
    if let Err(r) = check_limits(st, caller, req.store_hash, None, &scope, &destination) {
        return r.answer(Dialect::V3);
    }
    let now = unix_now();
    let hook = Webhook {
        id: st.next_hook_id,
        client_id: caller.client_id.clone(),
        store_hash: req.store_hash.to_owned(),
        scope,
        destination,
        headers: f.headers.flatten(),
        is_active: f.is_active.unwrap_or(true),
        deactivated: false,
        created_at: now,
        updated_at: now,
    };
    st.next_hook_id += 1;
    let body = json!({"data": hook.to_json(), "meta": {}});
    st.hooks.insert(hook.id, hook);
    reply::json(StatusCode::OK, &body)
}

fn update(st: &mut Sandbox, caller: &ApiAccount, req: &Request, id: u64) -> Response {
    let f = match read_fields(req) {
        Ok(f) => f,
        Err(r) => return r.answer(Dialect::V3),
    };
    if f.scope.is_none() && f.destination.is_none() && f.is_active.is_none() && f.headers.is_none() {
        return reply::invalid(Dialect::V3, &[("body", "at least one field is required".into())]);
    }
    let Some(current) = st.hooks.get(&id).cloned() else {
        return reply::not_found_v3();
    };
    let scope = f.scope.unwrap_or(current.scope);
    let destination = f.destination.unwrap_or(current.destination);
    if let Err(r) = check_limits(st, caller, req.store_hash, Some(id), &scope, &destination) {
        return r.answer(Dialect::V3);
    }
    let Some(hook) = st.hooks.get_mut(&id) else {
        return reply::not_found_v3();
    };
    hook.scope = scope;
    hook.destination = destination;
    if let Some(active) = f.is_active {
        hook.is_active = active;
        hook.deactivated &= !active;
    }
    if let Some(headers) = f.headers {
        hook.headers = headers;
    }
    hook.updated_at = unix_now();
    reply::json(StatusCode::OK, &json!({"data": hook.to_json(), "meta": {}}))
}

/// The per-scope limit and the no-duplicates rule, for one API account on one store; `except`
/// is the hook being updated.
fn check_limits(
    st: &Sandbox,
    caller: &ApiAccount,
    store_hash: &str,
    except: Option<u64>,
    scope: &str,
    destination: &str,
) -> Result<(), Rejection> {
    let mine = || {
        st.hooks
            .values()
            .filter(move |h| h.client_id == caller.client_id && h.store_hash == store_hash && Some(h.id) != except)
    };
    if mine().any(|h| h.scope == scope && h.destination == destination) {
        return Err(Rejection::Invalid(vec![(
            "destination",
            format!("a webhook on {scope} with this destination already exists"),
        )]));
    }
    if mine().filter(|h| h.scope == scope).count() >= MAX_PER_SCOPE {
        return Err(Rejection::Invalid(vec![(
            "scope",
            format!("this API account already has {MAX_PER_SCOPE} webhooks on {scope}"),
        )]));
    }
    Ok(())
}

/// `store/...` with letters, digits, underscores, slashes and `*` wildcards.
fn valid_scope(s: &str) -> bool {
    s.strip_prefix("store/").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .split('/')
                .all(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*'))
    })
}

/// An https URL with a host, on the default port or on 443.
pub fn https_on_443(url: &str) -> bool {
    let Some(scheme) = url.get(..8) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("https://") {
        return false;
    }
    let rest = &url[8..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, "")) => (h, None),
            Some((h, tail)) => match tail.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None => return false,
            },
            None => return false,
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    !host.is_empty() && !host.contains(|c: char| c.is_whitespace()) && port.is_none_or_eq("443")
}

/// `None` matches anything: a query filter that was not given.
trait Filter<T> {
    fn is_none_or_eq(&self, other: T) -> bool;
}

impl<T: PartialEq + Copy> Filter<T> for Option<T> {
    fn is_none_or_eq(&self, other: T) -> bool {
        self.map_or(true, |v| v == other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_must_be_https_on_443() {
        for ok in [
            "https://erp.example.com/hooks",
            "https://erp.example.com:443/hooks",
            "HTTPS://erp.example.com",
            "https://user@erp.example.com/x?y#z",
            "https://[::1]:443/x",
        ] {
            assert!(https_on_443(ok), "{ok}");
        }
        for bad in [
            "http://erp.example.com/hooks",
            "https://erp.example.com:8443/hooks",
            "https:///hooks",
            "https://",
            "ftp://x",
            "",
            "https://[::1",
            "https://ex ample.com",
        ] {
            assert!(!https_on_443(bad), "{bad}");
        }
    }

    #[test]
    fn scopes_look_like_event_scopes() {
        assert!(
            valid_scope("store/order/created")
                && valid_scope("store/product/*")
                && valid_scope("store/cart/lineItem/*")
        );
        assert!(!valid_scope("store/") && !valid_scope("order/created") && !valid_scope("store/order created"));
        assert!(!valid_scope("store//x"));
    }
}
