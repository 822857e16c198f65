//! `bckeys sandbox` from the outside: the real binary over real TCP. Status codes, error bodies
//! in both dialects, scope enforcement, rate-limit headers and 429s, webhooks, storefront tokens,
//! the simulated control panel, faults and account-level GraphQL, as a BigCommerce client sees
//! them.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bckeys::bigcommerce::probes::PROBES;
use predicates::prelude::*;

use crate::common::SandboxProcess;
use serde_json::{json, Value};

const STORE: &str = "abc123def4";
const OTHER: &str = "other12345";
const UUID: &str = "0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f";
const STATUS_DOC: &str = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes";

/// The seed every test starts from; `READ_ALL` holds the read-only parameter of every probed family.
const SEED: &str = r#"
stores:
  abc123def4:
    api_accounts:
      - {name: erp-sync, client_id: erp-client, access_token: erp-token, scopes: [store_v2_products, store_v2_orders_read_only]}
      - {name: reporting, client_id: rep-client, access_token: rep-token, scopes: [store_v2_products_read_only]}
      - {name: no-scopes, client_id: bare-client, access_token: bare-token}
      - {name: storefront-issuer, access_token: sf-token, scopes: [store_storefront_api, store_storefront_api_customer_impersonation]}
      - {name: storefront-basic, access_token: sf-basic-token, scopes: [store_storefront_api]}
      - {name: reads-everything, access_token: all-token, scopes: READ_ALL}
  other12345:
    api_accounts:
      - {name: other-store, access_token: other-token, scopes: [store_v2_products]}
  tight1:
    quota: 3
    window_ms: 1000
    api_accounts:
      - {name: pacer, access_token: pace-token}
accounts:
  0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f:
    quota: 3
    api_accounts:
      - {name: user-provisioning, access_token: acct-token, scopes: [account_read, account_users_read]}
"#;

fn seed() -> String {
    let params: Vec<&str> =
        PROBES.iter().map(|p| bckeys::scopes::family(p.family).unwrap().levels[0].parameter).collect();
    SEED.replace("READ_ALL", &format!("[{}]", params.join(", ")))
}

/// An answer: status, headers and body.
struct Resp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn number(&self, name: &str) -> u64 {
        self.header(name).unwrap_or_else(|| panic!("no {name} header")).parse().unwrap()
    }
}

/// The sandbox process with a client for raw requests.
struct Sandbox {
    _process: SandboxProcess,
    url: String,
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Sandbox {
    fn start(seed: &str) -> Sandbox {
        let process = SandboxProcess::start(seed);
        Sandbox {
            url: process.url.clone(),
            _process: process,
            rt: tokio::runtime::Runtime::new().unwrap(),
            client: reqwest::Client::new(),
        }
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.request(method.parse().unwrap(), format!("{}{path}", self.url));
        if let Some(token) = token {
            req = req.header("X-Auth-Token", token);
        }
        if let Some(body) = body {
            req = req.header("Content-Type", "application/json").body(body.to_owned());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.rt.block_on(async {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let bytes = resp.bytes().await.unwrap();
            Resp { status, headers, text: String::from_utf8_lossy(&bytes).into_owned() }
        })
    }

    /// A request to a store's API.
    fn api(&self, method: &str, store: &str, path: &str, token: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string());
        self.send(method, &format!("/stores/{store}{path}"), Some(token), body.as_deref(), &[])
    }

    fn get(&self, path: &str, token: &str) -> Resp {
        self.api("GET", STORE, path, token, None)
    }

    /// A request to the simulated control panel.
    fn panel(&self, method: &str, path: &str, body: Value) -> Resp {
        let body = if body.is_null() { None } else { Some(body.to_string()) };
        self.send(method, &format!("/__sandbox{path}"), None, body.as_deref(), &[])
    }

    fn fault(&self, body: Value) {
        let r = self.panel("POST", "/faults", body);
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

fn assert_v3_error(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    assert_eq!(body["status"], status);
    assert!(!body["title"].as_str().unwrap().is_empty());
    assert_eq!(body["type"], STATUS_DOC);
    assert!(body["errors"].is_object(), "{body}");
}

fn assert_v2_error(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    assert_eq!(body[0]["status"], status);
    assert!(!body[0]["message"].as_str().unwrap().is_empty());
    assert_eq!(body.as_array().unwrap().len(), 1);
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn field<'a>(credentials: &'a str, key: &str) -> &'a str {
    credentials.split("\r\n").find_map(|l| l.strip_prefix(&format!("{key}: "))).unwrap()
}

#[test]
fn unknown_tokens_get_401_in_each_dialect() {
    let sb = Sandbox::start(&seed());
    let unauthorized =
        "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this store.";
    let r = sb.get("/v3/hooks?limit=1", "no-such-token");
    assert_v3_error(&r, 401);
    assert_eq!(r.json()["title"], unauthorized);
    assert_eq!(r.json()["errors"], json!({}));
    assert_v2_error(&sb.get("/v2/store", "no-such-token"), 401);
    // No token at all, and a live token of another store.
    assert_v3_error(&sb.send("GET", &format!("/stores/{STORE}/v3/hooks"), None, None, &[]), 401);
    assert_v3_error(&sb.get("/v3/catalog/products", "other-token"), 401);
    assert_eq!(sb.api("GET", OTHER, "/v3/catalog/products", "other-token", None).status, 200);
    // The store's quota counts them all.
    assert_eq!(sb.panel("GET", "/stats", Value::Null).json()["stores"][STORE]["requests"], 4);
}

#[test]
fn scopes_decide_between_403_and_200_on_probe_routes() {
    let sb = Sandbox::start(&seed());
    let products = sb.get("/v3/catalog/products?limit=1", "erp-token");
    assert_eq!(products.status, 200, "{}", products.text);
    assert!(products.json()["data"].is_array() && products.json()["meta"]["pagination"].is_object());
    assert_eq!(sb.get("/v3/catalog/products?limit=1", "rep-token").status, 200, "read-only reads");
    assert!(sb.get("/v2/order_statuses", "erp-token").json().is_array());
    let r = sb.get("/v3/customers?limit=1", "erp-token");
    assert_v3_error(&r, 403);
    assert_eq!(r.json()["title"], "Unauthorized Access. You do not have permission to make this request.");
    assert_v2_error(&sb.get("/v2/store", "erp-token"), 403);
    assert_v2_error(&sb.get("/v2/coupons?limit=1", "rep-token"), 403);
    // Webhooks need only the default scope.
    assert_eq!(sb.get("/v3/hooks?limit=1", "bare-token").status, 200);
    assert_v3_error(&sb.get("/v3/catalog/products", "bare-token"), 403);
    // Every probe answers its read-only level, in its spec's shape.
    for p in PROBES {
        let r = sb.get(&format!("{}?{}", p.path, p.query), "all-token");
        assert_eq!(r.status, 200, "{}: {}", p.path, r.text);
        let body = r.json();
        if p.path.starts_with("/v2/") {
            assert!(body.is_array() || (body.is_object() && body.get("data").is_none()), "{}: {body}", p.path);
        } else {
            assert!(body.get("data").is_some(), "{}: {body}", p.path);
        }
    }
    assert_eq!(sb.get("/v2/store", "all-token").json()["id"], STORE);
}

#[test]
fn writes_need_the_modify_level() {
    let sb = Sandbox::start(&seed());
    let product = json!({"name": "Towel", "type": "physical", "weight": 1, "price": 5});
    assert_v3_error(&sb.api("POST", STORE, "/v3/catalog/products", "rep-token", Some(product.clone())), 403);
    let r = sb.api("POST", STORE, "/v3/catalog/products", "erp-token", Some(product.clone()));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["data"]["name"], "Towel");
    // A deliberately invalid body tells modify (422) from read-only (403) without writing.
    assert_v3_error(&sb.api("POST", STORE, "/v3/catalog/products", "erp-token", Some(json!({}))), 422);
    assert_v3_error(&sb.api("POST", STORE, "/v3/catalog/products", "rep-token", Some(json!({}))), 403);
    let garbled =
        sb.send("POST", &format!("/stores/{STORE}/v3/catalog/products"), Some("erp-token"), Some("{oops"), &[]);
    assert_v3_error(&garbled, 400);
    assert_eq!(sb.api("DELETE", STORE, "/v3/catalog/products", "erp-token", None).status, 204);
    // A route without that method, and a write of another family.
    assert_v2_error(&sb.api("POST", STORE, "/v2/order_statuses", "erp-token", Some(product)), 405);
    assert_v3_error(&sb.api("POST", STORE, "/v3/customers", "erp-token", Some(json!([{"email": "a@b.c"}]))), 403);
}

#[test]
fn rate_limit_headers_count_down_then_429_then_recover() {
    let sb = Sandbox::start(&seed());
    // A fresh window now, so that the test does not straddle two.
    let r = sb.panel("PUT", "/stores/tight1/settings", json!({"quota": 3, "window_ms": 1500}));
    assert_eq!(r.json(), json!({"store_hash": "tight1", "quota": 3, "window_ms": 1500, "latency_ms": 0}));
    let mut lefts = Vec::new();
    for token in ["pace-token", "wrong-token", "pace-token"] {
        let r = sb.api("GET", "tight1", "/v3/hooks?limit=1", token, None);
        assert_eq!(r.number("x-rate-limit-time-window-ms"), 1500);
        assert_eq!(r.number("x-rate-limit-requests-quota"), 3);
        assert!((1..=1500).contains(&r.number("x-rate-limit-time-reset-ms")));
        assert!(r.header("x-retry-after").is_none());
        lefts.push(r.number("x-rate-limit-requests-left"));
    }
    assert_eq!(lefts, [2, 1, 0], "a 401 counts too");
    let refused = sb.api("GET", "tight1", "/v3/hooks?limit=1", "pace-token", None);
    assert_v3_error(&refused, 429);
    assert_eq!(refused.number("x-rate-limit-requests-left"), 0);
    let reset = refused.number("x-rate-limit-time-reset-ms");
    assert_eq!(refused.number("x-retry-after"), reset.div_ceil(1000));
    assert_v2_error(&sb.api("GET", "tight1", "/v2/store", "pace-token", None), 429);
    // Another store's quota is its own.
    assert_eq!(sb.get("/v3/hooks", "erp-token").status, 200);

    std::thread::sleep(Duration::from_millis(reset + 30));
    let again = sb.api("GET", "tight1", "/v3/hooks?limit=1", "pace-token", None);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.number("x-rate-limit-requests-left"), 2);
    let stats = sb.panel("GET", "/stats", Value::Null).json();
    assert_eq!(stats["stores"]["tight1"], json!({"requests": 6, "rate_limited": 2}));
    assert_eq!(stats["rate_limited"], 2);
    assert_eq!(stats["requests"], 7);
}

#[test]
fn webhooks_belong_to_the_api_account_that_made_them() {
    let sb = Sandbox::start(&seed());
    let hook = json!({"scope": "store/order/created", "destination": "https://erp.example.com/hooks",
                      "is_active": true, "headers": {"X-Secret": "s3cret"}});
    let created = sb.api("POST", STORE, "/v3/hooks", "erp-token", Some(hook));
    assert_eq!(created.status, 200, "{}", created.text);
    let panel_view = sb.panel("GET", &format!("/stores/{STORE}/webhooks"), Value::Null);
    assert!(panel_view.text.contains("X-Secret") && !panel_view.text.contains("s3cret"));
    let data = created.json()["data"].clone();
    let id = data["id"].as_u64().unwrap();
    assert_eq!(data["client_id"], "erp-client");
    assert_eq!(data["store_hash"], STORE);
    assert_eq!(data["scope"], "store/order/created");
    assert_eq!(data["destination"], "https://erp.example.com/hooks");
    assert_eq!(data["headers"], json!({"X-Secret": "s3cret"}));
    assert_eq!((data["is_active"].clone(), data["status"].clone()), (json!(true), json!("active")));
    assert!(data["created_at"].as_u64().unwrap().abs_diff(now()) < 60);
    assert_eq!(data["created_at"], data["updated_at"]);
    let second = json!({"scope": "store/product/*", "destination": "https://erp.example.com:443/p"});
    assert_eq!(sb.api("POST", STORE, "/v3/hooks", "erp-token", Some(second)).status, 200);

    // Listing shows the caller's own hooks only, filtered and paged.
    assert_eq!(sb.get("/v3/hooks", "rep-token").json()["data"], json!([]));
    let all = sb.get("/v3/hooks", "erp-token").json();
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    assert_eq!(all["meta"]["pagination"]["total"], 2);
    let page2 = sb.get("/v3/hooks?limit=1&page=2", "erp-token").json();
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);
    assert_eq!(page2["meta"]["pagination"]["current_page"], 2);
    assert_eq!(page2["meta"]["pagination"]["total_pages"], 2);
    assert!(page2["meta"]["pagination"]["links"]["previous"].is_string());
    let by_scope = sb.get("/v3/hooks?scope=store%2Forder%2Fcreated", "erp-token").json();
    assert_eq!(by_scope["data"][0]["id"], id);
    assert_eq!(by_scope["data"].as_array().unwrap().len(), 1);
    let by_dest = sb.get("/v3/hooks?destination=https%3A%2F%2Ferp.example.com%2Fhooks", "erp-token").json();
    assert_eq!(by_dest["data"].as_array().unwrap().len(), 1);
    assert_eq!(sb.get("/v3/hooks?is_active=false", "erp-token").json()["data"], json!([]));
    assert_v3_error(&sb.get("/v3/hooks?limit=ten", "erp-token"), 422);

    // Another account's token sees nothing of it.
    let r = sb.get(&format!("/v3/hooks/{id}"), "rep-token");
    assert_v3_error(&r, 404);
    assert!(r.json()["title"].as_str().unwrap().contains(&id.to_string()));
    assert_v3_error(&sb.api("DELETE", STORE, &format!("/v3/hooks/{id}"), "rep-token", None), 404);

    // Update, then delete.
    assert_eq!(sb.get(&format!("/v3/hooks/{id}"), "erp-token").json()["data"]["id"], id);
    let updated = sb.api("PUT", STORE, &format!("/v3/hooks/{id}"), "erp-token", Some(json!({"is_active": false})));
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json()["data"]["status"], "inactive");
    assert_eq!(updated.json()["data"]["destination"], "https://erp.example.com/hooks");
    assert_eq!(sb.get("/v3/hooks?is_active=false", "erp-token").json()["data"][0]["id"], id);
    assert_v3_error(&sb.api("PUT", STORE, &format!("/v3/hooks/{id}"), "erp-token", Some(json!({}))), 422);
    let deleted = sb.api("DELETE", STORE, &format!("/v3/hooks/{id}"), "erp-token", None);
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json()["data"]["id"], id);
    assert_v3_error(&sb.get(&format!("/v3/hooks/{id}"), "erp-token"), 404);
    assert_v3_error(&sb.get("/v3/hooks/not-a-number", "erp-token"), 404);
}

#[test]
fn webhook_rules_answer_422() {
    let sb = Sandbox::start(&seed());
    let post = |token: &str, body: Value| sb.api("POST", STORE, "/v3/hooks", token, Some(body));
    for bad in [
        json!({"scope": "store/order/created", "destination": "http://erp.example.com/h"}),
        json!({"scope": "store/order/created", "destination": "https://erp.example.com:8443/h"}),
        json!({"destination": "https://erp.example.com/h"}),
        json!({"scope": "store/order/created"}),
        json!({"scope": "store/order/created", "destination": "https://erp.example.com/h", "is_active": "yes"}),
    ] {
        assert_v3_error(&post("erp-token", bad.clone()), 422);
    }
    let missing = post("erp-token", json!({"destination": "https://erp.example.com/h"})).json();
    assert!(missing["errors"]["scope"].is_string(), "{missing}");
    let not_json = sb.send("POST", &format!("/stores/{STORE}/v3/hooks"), Some("erp-token"), Some("{"), &[]);
    assert_v3_error(&not_json, 400);

    // The same scope and destination twice.
    let hook = json!({"scope": "store/order/created", "destination": "https://erp.example.com/h0"});
    assert_eq!(post("erp-token", hook.clone()).status, 200);
    assert_v3_error(&post("erp-token", hook.clone()), 422);
    assert_eq!(post("rep-token", hook).status, 200, "another API account may");
    // Ten on one scope, then no more for that account.
    for i in 1..10 {
        let r = post(
            "erp-token",
            json!({"scope": "store/order/created", "destination": format!("https://erp.example.com/h{i}")}),
        );
        assert_eq!(r.status, 200, "{i}: {}", r.text);
    }
    let eleventh =
        post("erp-token", json!({"scope": "store/order/created", "destination": "https://erp.example.com/h10"}));
    assert_v3_error(&eleventh, 422);
    assert!(eleventh.json()["errors"]["scope"].is_string());
    assert_eq!(
        post("erp-token", json!({"scope": "store/order/updated", "destination": "https://erp.example.com/h10"})).status,
        200
    );
    assert_eq!(
        post("rep-token", json!({"scope": "store/order/created", "destination": "https://erp.example.com/h10"})).status,
        200
    );
}

#[test]
fn storefront_tokens_of_each_type_then_revoked() {
    let sb = Sandbox::start(&seed());
    let exp = now() + 3600;
    let make = |path: &str, token: &str, body: Value| {
        sb.api("POST", STORE, &format!("/v3/storefront/{path}"), token, Some(body))
    };
    let storefront = make(
        "api-token",
        "sf-token",
        json!({"channel_id": 1, "expires_at": exp, "allowed_cors_origins": ["https://shop.example.com"]}),
    );
    assert_eq!(storefront.status, 200, "{}", storefront.text);
    assert_eq!(storefront.json()["meta"], json!({}));
    let jwt = storefront.json()["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(jwt.split('.').count(), 3);
    let private = make(
        "api-token-private",
        "sf-token",
        json!({"channel_ids": [1, 2], "expires_at": exp, "scopes": ["Unauthenticated", "Customer"]}),
    );
    assert_eq!(private.status, 200, "{}", private.text);
    let impersonation =
        make("api-token-customer-impersonation", "sf-token", json!({"channel_id": 1, "expires_at": exp}));
    assert_eq!(impersonation.status, 200, "{}", impersonation.text);
    assert_ne!(impersonation.json()["data"]["token"], storefront.json()["data"]["token"]);

    // Scopes.
    assert_v3_error(&make("api-token", "erp-token", json!({"channel_id": 1, "expires_at": exp})), 403);
    assert_v3_error(
        &make("api-token-private", "erp-token", json!({"channel_id": 1, "expires_at": exp, "scopes": ["Customer"]})),
        403,
    );
    assert_v3_error(
        &make("api-token-customer-impersonation", "sf-basic-token", json!({"channel_id": 1, "expires_at": exp})),
        403,
    );
    assert_eq!(make("api-token", "sf-basic-token", json!({"channel_id": 1, "expires_at": exp})).status, 200);

    // Bodies.
    for (path, body) in [
        ("api-token", json!({"channel_id": 1, "channel_ids": [1], "expires_at": exp})),
        ("api-token", json!({"expires_at": exp})),
        ("api-token", json!({"channel_id": 1})),
        ("api-token", json!({"channel_id": 1, "expires_at": 1_000_000_000})),
        ("api-token", json!({"channel_id": 1, "expires_at": "tomorrow"})),
        ("api-token", json!({"channel_id": 1, "expires_at": exp as f64 + 0.5})),
        (
            "api-token",
            json!({"channel_id": 1, "expires_at": exp, "allowed_cors_origins": ["https://a", "https://b", "https://c"]}),
        ),
        ("api-token-private", json!({"channel_id": 1, "expires_at": exp})),
        ("api-token-private", json!({"channel_id": 1, "expires_at": exp, "scopes": []})),
        ("api-token-private", json!({"channel_id": 1, "expires_at": exp, "scopes": ["Admin"]})),
        ("api-token-customer-impersonation", json!({"channel_ids": [], "expires_at": exp})),
    ] {
        let r = make(path, "sf-token", body.clone());
        assert_v3_error(&r, 422);
        assert!(!r.json()["errors"].as_object().unwrap().is_empty(), "{path} {body}: {}", r.text);
    }
    let both = make("api-token", "sf-token", json!({"channel_id": 1, "channel_ids": [1], "expires_at": exp})).json();
    assert!(both["errors"]["channel_ids"].as_str().unwrap().contains("together"));
    let garbled =
        sb.send("POST", &format!("/stores/{STORE}/v3/storefront/api-token"), Some("sf-token"), Some("nope"), &[]);
    assert_v3_error(&garbled, 422);

    // Revocation.
    let revoke = |token: &str, sf: Option<&str>| {
        let headers: Vec<(&str, &str)> = sf.map(|t| ("Sf-Api-Token", t)).into_iter().collect();
        sb.send("DELETE", &format!("/stores/{STORE}/v3/storefront/api-token"), Some(token), None, &headers)
    };
    assert_v3_error(&revoke("erp-token", Some(&jwt)), 403);
    let r = revoke("sf-token", Some(&jwt));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.is_empty());
    assert_v3_error(&revoke("sf-token", Some("not.a.token")), 422);
    assert_v3_error(&revoke("sf-token", None), 422);
    let issued = sb.panel("GET", &format!("/stores/{STORE}/storefront-tokens"), Value::Null).json();
    let list = issued["data"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list.iter().filter(|t| t["revoked"] == true).count(), 1);
    assert!(!issued.to_string().contains(&jwt), "the control panel never shows a token");
}

#[test]
fn control_panel_creates_accounts_with_the_downloaded_layout() {
    let sb = Sandbox::start(&seed());
    let r = sb.panel(
        "POST",
        &format!("/stores/{STORE}/api-accounts"),
        json!({"name": "catalog-sync", "scopes": ["store_v2_products_read_only", "store_themes_manage"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let lines: Vec<&str> = r.text.split("\r\n").collect();
    assert_eq!(lines.len(), 6, "{:?}", r.text);
    assert_eq!(lines[5], "", "every line ends with CRLF");
    let keys: Vec<&str> = lines[..5].iter().map(|l| l.split_once(": ").unwrap().0).collect();
    assert_eq!(keys, ["ACCESS TOKEN", "CLIENT NAME", "API PATH", "CLIENT ID", "CLIENT SECRET"]);
    assert!(!r.text.replace("\r\n", "").contains('\n'));
    assert_eq!(field(&r.text, "CLIENT NAME"), "catalog-sync");
    assert_eq!(field(&r.text, "API PATH"), format!("{}/stores/{STORE}/v3/", sb.url));
    assert_eq!(field(&r.text, "CLIENT ID").len(), 31);
    assert_eq!(field(&r.text, "CLIENT SECRET").len(), 64);
    let token = field(&r.text, "ACCESS TOKEN");
    assert_eq!(sb.get("/v3/catalog/products?limit=1", token).status, 200);
    assert_eq!(sb.get("/v3/themes", token).status, 200);
    assert_eq!(sb.get("/v2/store", token).status, 403);
    assert_eq!(sb.get("/v3/hooks?limit=1", token).status, 200);
    let listed = sb.panel("GET", "/api-accounts", Value::Null);
    assert!(listed.text.contains("catalog-sync") && !listed.text.contains(token));

    // The control panel's rules.
    for body in [
        json!({"name": "abc", "scopes": []}),
        json!({"name": "catalog-sync", "scopes": ["store_v2_prodcts"]}),
        json!({"name": "catalog-sync", "scopes": ["account_read"]}),
        json!({"name": "catalog-sync", "scopes": ["store_v2_products", "store_v2_products_read_only"]}),
        json!({"name": "catalog-sync", "scopes": [], "extra": 1}),
        json!({"scopes": []}),
    ] {
        assert_v3_error(&sb.panel("POST", &format!("/stores/{STORE}/api-accounts"), body), 422);
    }
    assert_v3_error(&sb.send("POST", "/__sandbox/stores/abc123def4/api-accounts", None, Some("{"), &[]), 400);
    assert_v3_error(&sb.panel("POST", "/stores/NOT-A-HASH/api-accounts", json!({"name": "abcd"})), 422);
    // At most 50 store-level accounts per store (a store the seed does not name).
    for i in 0..50 {
        let r = sb.panel("POST", "/stores/fresh1/api-accounts", json!({"name": format!("account-{i}")}));
        assert_eq!(r.status, 201, "{i}: {}", r.text);
    }
    let r = sb.panel("POST", "/stores/fresh1/api-accounts", json!({"name": "one-too-many"}));
    assert_v3_error(&r, 422);
    assert!(r.text.contains("50"));

    // Account level.
    let r = sb.panel(
        "POST",
        &format!("/accounts/{UUID}/api-accounts"),
        json!({"name": "user-admin", "scopes": ["account_users_read", "account_users_write"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(field(&r.text, "API PATH"), format!("{}/accounts/{UUID}/graphql", sb.url));
    let graphql = sb.send(
        "POST",
        &format!("/accounts/{UUID}/graphql"),
        Some(field(&r.text, "ACCESS TOKEN")),
        Some(r#"{"query":"{ account { id } }"}"#),
        &[],
    );
    assert_eq!(graphql.json(), json!({"data": {"account": {"id": UUID}}}));
    assert_v3_error(
        &sb.panel(
            "POST",
            &format!("/accounts/{UUID}/api-accounts"),
            json!({"name": "user-admin", "scopes": ["store_v2_products"]}),
        ),
        422,
    );
    assert_v3_error(&sb.panel("POST", "/accounts/not-a-uuid/api-accounts", json!({"name": "user-admin"})), 422);
}

#[test]
fn deleting_an_account_revokes_its_token_and_drops_its_webhooks() {
    let sb = Sandbox::start(&seed());
    let creds = sb
        .panel(
            "POST",
            &format!("/stores/{STORE}/api-accounts"),
            json!({"name": "short-lived", "scopes": ["store_v2_information_read_only"]}),
        )
        .text;
    let token = field(&creds, "ACCESS TOKEN");
    let client_id = field(&creds, "CLIENT ID");
    let hook = json!({"scope": "store/order/created", "destination": "https://erp.example.com/h"});
    assert_eq!(sb.api("POST", STORE, "/v3/hooks", token, Some(hook.clone())).status, 200);
    assert_eq!(sb.api("POST", STORE, "/v3/hooks", "erp-token", Some(hook)).status, 200);
    assert_eq!(sb.get("/v2/store", token).status, 200);
    let owners = || -> Vec<String> {
        let hooks = sb.panel("GET", &format!("/stores/{STORE}/webhooks"), Value::Null).json();
        hooks["data"].as_array().unwrap().iter().map(|h| h["client_id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(owners(), [client_id, "erp-client"]);

    let r = sb.panel("DELETE", &format!("/api-accounts/{client_id}"), Value::Null);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_v3_error(&sb.get("/v3/hooks?limit=1", token), 401);
    assert_v2_error(&sb.get("/v2/store", token), 401);
    assert_v3_error(&sb.panel("DELETE", &format!("/api-accounts/{client_id}"), Value::Null), 404);
    assert!(!sb.panel("GET", "/api-accounts", Value::Null).text.contains(client_id));
    assert_eq!(owners(), ["erp-client"], "BigCommerce drops an account's webhooks with it");
}

#[test]
fn scopes_changed_behind_the_tools_back_take_effect_at_once() {
    let sb = Sandbox::start(&seed());
    assert_eq!(sb.get("/v3/catalog/products", "erp-token").status, 200);
    let r = sb.panel("PUT", "/api-accounts/erp-client/scopes", json!({"scopes": ["store_v2_customers_read_only"]}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["scopes"], json!(["store_v2_customers_read_only"]));
    assert!(!r.text.contains("erp-token"));
    assert_v3_error(&sb.get("/v3/catalog/products", "erp-token"), 403);
    assert_v2_error(&sb.get("/v2/order_statuses", "erp-token"), 403);
    assert_eq!(sb.get("/v3/customers", "erp-token").status, 200);
    assert_v3_error(&sb.panel("PUT", "/api-accounts/erp-client/scopes", json!({"scopes": ["account_read"]})), 422);
    assert_v3_error(&sb.panel("PUT", "/api-accounts/nobody/scopes", json!({"scopes": []})), 404);
}

#[test]
fn faults_answer_in_place_of_the_store() {
    let sb = Sandbox::start(&seed());
    let hooks = || sb.get("/v3/hooks?limit=1", "erp-token");

    sb.fault(json!({"store_hash": STORE, "kind": "status", "status": 503, "count": 2}));
    for _ in 0..2 {
        let r = hooks();
        assert_v3_error(&r, 503);
    }
    assert_eq!(hooks().status, 200, "used up after count requests");

    sb.fault(json!({"store_hash": STORE, "kind": "garbage"}));
    let r = hooks();
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err(), "{}", r.text);

    sb.fault(json!({"store_hash": STORE, "kind": "html"}));
    let r = hooks();
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("<html"));

    sb.fault(json!({"store_hash": STORE, "kind": "slow", "delay_ms": 300}));
    let start = Instant::now();
    let r = hooks();
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);

    sb.fault(json!({"store_hash": STORE, "kind": "rate_limit"}));
    let r = hooks();
    assert_eq!(r.status, 429);
    assert_eq!(r.header("x-retry-after"), Some("1"));
    assert!(r.headers.keys().all(|k| !k.as_str().starts_with("x-rate-limit-")), "{:?}", r.headers);
    assert!(r.json().is_object());

    // A fault for another store leaves this one alone; one without a store hits every store.
    sb.fault(json!({"store_hash": OTHER, "kind": "status", "status": 500}));
    assert_eq!(hooks().status, 200);
    assert_eq!(sb.api("GET", OTHER, "/v3/hooks", "other-token", None).status, 500);
    sb.fault(json!({"kind": "status", "status": 504, "count": 2}));
    assert_eq!(sb.api("GET", OTHER, "/v3/hooks", "other-token", None).status, 504);
    assert_eq!(hooks().status, 504);
    assert_eq!(hooks().status, 200);

    // Wrong faults are refused; queued ones can be dropped.
    assert_v3_error(&sb.panel("POST", "/faults", json!({"kind": "status"})), 422);
    assert_v3_error(&sb.panel("POST", "/faults", json!({"kind": "explode"})), 422);
    sb.fault(json!({"kind": "html", "count": 100}));
    assert_eq!(sb.panel("DELETE", "/faults", Value::Null).status, 204);
    assert_eq!(hooks().status, 200);
    let stats = sb.panel("GET", "/stats", Value::Null).json();
    assert_eq!(stats["rate_limited"], 1);
}

#[test]
fn account_graphql_proves_liveness_within_its_own_limit() {
    let sb = Sandbox::start(&seed());
    let graphql = |token: &str| {
        sb.send(
            "POST",
            &format!("/accounts/{UUID}/graphql"),
            Some(token),
            Some(r#"{"query": "{ account { id } }"}"#),
            &[],
        )
    };
    let r = graphql("acct-token");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"data": {"account": {"id": UUID}}}));
    assert_eq!(r.number("x-rate-limit-requests-quota"), 3);
    assert_eq!(r.number("x-rate-limit-requests-left"), 2);
    assert_v3_error(&graphql("no-such-token"), 401);
    assert_v3_error(&graphql("erp-token"), 401);
    let limited = graphql("acct-token");
    assert_v3_error(&limited, 429);
    assert!(limited.number("x-retry-after") >= 1);
    let stats = sb.panel("GET", "/stats", Value::Null).json();
    assert_eq!(stats["accounts"][UUID], json!({"requests": 4, "rate_limited": 1}));
}

#[test]
fn default_account_limit_is_70_an_hour() {
    let sb = Sandbox::start("");
    let creds = sb
        .panel(
            "POST",
            &format!("/accounts/{UUID}/api-accounts"),
            json!({"name": "liveness", "scopes": ["account_read"]}),
        )
        .text;
    let token = field(&creds, "ACCESS TOKEN");
    let r =
        sb.send("POST", &format!("/accounts/{UUID}/graphql"), Some(token), Some(r#"{"query":"{account{id}}"}"#), &[]);
    assert_eq!(r.number("x-rate-limit-requests-quota"), 70);
    assert_eq!(r.number("x-rate-limit-time-window-ms"), 3_600_000);
    assert_eq!(r.number("x-rate-limit-requests-left"), 69);
    // A store made on first use has BigCommerce's default limits.
    let r = sb.api("GET", "newstore1", "/v3/hooks", "nobody", None);
    assert_v3_error(&r, 401);
    assert_eq!(r.number("x-rate-limit-requests-quota"), 150);
    assert_eq!(r.number("x-rate-limit-time-window-ms"), 30_000);
}

#[test]
fn settings_unknown_routes_health_and_stats() {
    let sb = Sandbox::start(&seed());
    assert_eq!(sb.panel("GET", "/health", Value::Null).status, 200);
    assert_v3_error(&sb.get("/v3/no/such/route", "erp-token"), 404);
    assert_v3_error(&sb.get("/v2/nothing", "erp-token"), 404);
    assert_v3_error(&sb.send("GET", "/nowhere", None, None, &[]), 404);
    assert_v3_error(&sb.panel("GET", "/nothing-here", Value::Null), 404);

    // Latency is added to every answer of the store.
    let r = sb.panel("PUT", &format!("/stores/{STORE}/settings"), json!({"latency_ms": 250, "quota": 2}));
    assert_eq!(r.status, 200, "{}", r.text);
    let start = Instant::now();
    let r = sb.get("/v3/hooks", "erp-token");
    assert!(start.elapsed() >= Duration::from_millis(250));
    assert_eq!(r.number("x-rate-limit-requests-quota"), 2);
    assert_eq!(r.number("x-rate-limit-time-window-ms"), 30_000);
    assert_v3_error(&sb.panel("PUT", &format!("/stores/{STORE}/settings"), json!({"quota": 0})), 422);
    assert_v3_error(&sb.panel("PUT", &format!("/stores/{STORE}/settings"), json!({"qouta": 5})), 422);
    assert_v3_error(&sb.panel("PUT", &format!("/stores/{STORE}/settings"), json!({"latency_ms": 10_000_000})), 422);

    let stats = sb.panel("GET", "/stats", Value::Null).json();
    assert_eq!(stats["requests"], 3);
    assert_eq!(stats["rate_limited"], 0);
    assert_eq!(stats["stores"][STORE], json!({"requests": 3, "rate_limited": 0}));
}

#[test]
fn the_library_sandbox_serves_until_dropped() {
    let seed = bckeys::sandbox::Seed::from_yaml(
        "stores: {abc123def4: {api_accounts: [{name: lib-test, access_token: t0k3n}]}}",
    )
    .unwrap();
    let running = bckeys::sandbox::spawn(seed).unwrap();
    assert!(running.base_url.starts_with("http://127.0.0.1:"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("{}/stores/{STORE}/v3/hooks", running.base_url);
    let status = rt.block_on(async {
        reqwest::Client::new().get(&url).header("X-Auth-Token", "t0k3n").send().await.unwrap().status().as_u16()
    });
    assert_eq!(status, 200);
    drop(running);
    let after = rt.block_on(async { reqwest::Client::new().get(&url).send().await });
    assert!(after.is_err(), "the port is closed once the sandbox is dropped");
    // A seed that breaks the control panel's rules is refused before anything listens.
    let mut wrong = bckeys::sandbox::Seed::default();
    wrong.stores.insert("abc".into(), bckeys::sandbox::StoreSeed { quota: 0, ..Default::default() });
    let e = bckeys::sandbox::spawn(wrong).err().unwrap();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn a_wrong_seed_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.yaml");
    std::fs::write(&path, "stores:\n  abc123def4:\n    qouta: 5\n").unwrap();
    assert_cmd::Command::cargo_bin("bckeys")
        .unwrap()
        .args(["sandbox", "--seed"])
        .arg(&path)
        .timeout(Duration::from_secs(10))
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("unknown field `qouta`"));
    std::fs::write(&path, "stores: {abc123def4: {api_accounts: [{name: abcd, scopes: [account_read]}]}}").unwrap();
    assert_cmd::Command::cargo_bin("bckeys")
        .unwrap()
        .args(["sandbox", "--seed"])
        .arg(&path)
        .timeout(Duration::from_secs(10))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("account-level"));
}
