//! Answers in BigCommerce's shapes: v3 error objects, v2 error arrays, JSON and plain text.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

/// The `type` of every v3 error body.
pub const STATUS_CODES_DOC: &str = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes";

pub const TITLE_401: &str =
    "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this store.";
pub const TITLE_403: &str = "Unauthorized Access. You do not have permission to make this request.";
pub const TITLE_404: &str = "The requested resource was not found.";
pub const TITLE_405: &str = "The requested method is not allowed on this resource.";
pub const TITLE_400: &str = "Input is invalid.";
pub const TITLE_422: &str = "JSON data is missing or invalid";
pub const TITLE_429: &str = "Too many requests";

pub const MESSAGE_V2_401: &str = "The access token is not valid for this store, or it has been revoked.";
pub const MESSAGE_V2_403: &str = "You do not have permission to access this resource: the API account lacks the scope.";

/// The error dialect of a route: v2 answers a JSON array of `{status, message}`, v3 an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    V2,
    V3,
}

impl Dialect {
    /// The dialect of a path relative to `/stores/{store_hash}`.
    pub fn of(path: &str) -> Dialect {
        if path.starts_with("/v2/") || path == "/v2" {
            Dialect::V2
        } else {
            Dialect::V3
        }
    }
}

pub fn json(status: StatusCode, value: &Value) -> Response {
    bytes(status, "application/json", value.to_string().into_bytes())
}

pub fn bytes(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub fn no_content() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// A v3 error body; `errors` maps a field to what is wrong with it.
pub fn v3_error(status: StatusCode, title: &str, errors: Map<String, Value>) -> Response {
    json(status, &json!({"status": status.as_u16(), "title": title, "type": STATUS_CODES_DOC, "errors": errors}))
}

pub fn v2_error(status: StatusCode, message: &str) -> Response {
    json(status, &json!([{"status": status.as_u16(), "message": message}]))
}

/// An error in the route's dialect.
pub fn error(dialect: Dialect, status: StatusCode, title: &str) -> Response {
    match dialect {
        Dialect::V2 => v2_error(status, title),
        Dialect::V3 => v3_error(status, title, Map::new()),
    }
}

/// A 422 (v3) or 400 (v2) naming the fields that are wrong.
pub fn invalid(dialect: Dialect, errors: &[(&str, String)]) -> Response {
    match dialect {
        Dialect::V2 => {
            let list: Vec<Value> = errors
                .iter()
                .map(|(field, why)| json!({"status": 400, "message": format!("{field}: {why}")}))
                .collect();
            json(StatusCode::BAD_REQUEST, &Value::Array(list))
        }
        Dialect::V3 => {
            let map = errors.iter().map(|(f, why)| (f.to_string(), Value::String(why.clone()))).collect();
            v3_error(StatusCode::UNPROCESSABLE_ENTITY, TITLE_422, map)
        }
    }
}

/// Why a request body was refused; small, so that it travels in a `Result` and becomes an
/// answer at the end.
#[derive(Debug)]
pub enum Rejection {
    /// Not JSON at all: 400.
    NotJson(String),
    /// JSON, with these fields missing or wrong: 422 (400 on v2 routes).
    Invalid(Vec<(&'static str, String)>),
}

impl Rejection {
    pub fn answer(self, dialect: Dialect) -> Response {
        match self {
            Rejection::NotJson(why) => bad_body(dialect, &why),
            Rejection::Invalid(problems) => invalid(dialect, &problems),
        }
    }
}

/// A 400 for a body that is not JSON at all.
pub fn bad_body(dialect: Dialect, why: &str) -> Response {
    match dialect {
        Dialect::V2 => v2_error(StatusCode::BAD_REQUEST, why),
        Dialect::V3 => {
            let errors = [("body".to_owned(), Value::String(why.to_owned()))].into_iter().collect();
            v3_error(StatusCode::BAD_REQUEST, TITLE_400, errors)
        }
    }
}

pub fn unauthorized(dialect: Dialect) -> Response {
    match dialect {
        Dialect::V2 => v2_error(StatusCode::UNAUTHORIZED, MESSAGE_V2_401),
        Dialect::V3 => v3_error(StatusCode::UNAUTHORIZED, TITLE_401, Map::new()),
    }
}

pub fn forbidden(dialect: Dialect) -> Response {
    match dialect {
        Dialect::V2 => v2_error(StatusCode::FORBIDDEN, MESSAGE_V2_403),
        Dialect::V3 => v3_error(StatusCode::FORBIDDEN, TITLE_403, Map::new()),
    }
}

pub fn not_found(dialect: Dialect) -> Response {
    error(dialect, StatusCode::NOT_FOUND, TITLE_404)
}

/// The answer to anything outside the API and the control panel.
pub fn not_found_v3() -> Response {
    not_found(Dialect::V3)
}

/// A JSON request body, or why it is not one.
pub fn parse_body(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("the request body is empty".into());
    }
    serde_json::from_slice(body).map_err(|e| format!("the request body is not JSON: {e}"))
}
