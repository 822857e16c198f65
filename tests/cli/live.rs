//! Live state end to end: `bckeys sandbox` started as a process, bckeys talking to it over TCP.
//! Import of every credentials layout, every drift finding, a 429 storm and a 5xx burst that
//! converge, garbage, HTML and slow answers that fail clearly, and no secret in any output.

use predicates::prelude::*;

use crate::common::{field, Repo, SandboxProcess};

const STORE: &str = "abc123def4";
const UUID: &str = "0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f";

/// The sandbox with the control-panel calls these tests make.
pub struct Sandbox {
    _process: SandboxProcess,
    pub url: String,
    rt: tokio::runtime::Runtime,
}

impl Sandbox {
    pub fn start(seed: &str) -> Sandbox {
        let process = SandboxProcess::start(seed);
        Sandbox { url: process.url.clone(), _process: process, rt: tokio::runtime::Runtime::new().unwrap() }
    }

    /// A request to the simulated control panel; returns the status and body.
    pub fn panel(&self, method: &str, path: &str, body: serde_json::Value) -> (u16, String) {
        let url = format!("{}{path}", self.url);
        self.rt.block_on(async {
            let client = reqwest::Client::new();
            let req = client.request(method.parse().unwrap(), &url).json(&body);
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        })
    }

    /// A request to the store API with a token, as another client of the store would make it.
    #[allow(dead_code)]
    pub fn api(&self, method: &str, path: &str, token: &str, body: serde_json::Value) -> (u16, String) {
        let url = format!("{}/stores/{STORE}{path}", self.url);
        self.rt.block_on(async {
            let client = reqwest::Client::new();
            let req = client.request(method.parse().unwrap(), &url).header("X-Auth-Token", token).json(&body);
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        })
    }

    /// Creates a store-level API account through the control panel; returns the downloaded text.
    pub fn create_account(&self, name: &str, scopes: &[&str]) -> String {
        let (status, text) = self.panel(
            "POST",
            &format!("/__sandbox/stores/{STORE}/api-accounts"),
            serde_json::json!({"name": name, "scopes": scopes}),
        );
        assert_eq!(status, 201, "{text}");
        text
    }

    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_str(&self.panel("GET", "/__sandbox/stats", serde_json::Value::Null).1).unwrap()
    }

    pub fn fault(&self, body: serde_json::Value) {
        let (status, text) = self.panel("POST", "/__sandbox/faults", body);
        assert!(status < 300, "{text}");
    }
}

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes: {products: modify, orders: read-only}
      reporting:
        scopes: {orders: read-only, order_transactions: read-only}
accounts:
  acme:
    account_uuid: 0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f
    api_accounts:
      user-provisioning:
        scopes: {account: read-only}
"#;

fn new_repo() -> Repo {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo
}

/// bckeys against the sandbox, with the repository's identity and fast retries.
fn bckeys(repo: &Repo, sandbox: &Sandbox) -> assert_cmd::Command {
    repo.bckeys_on(&sandbox.url)
}

fn import(repo: &Repo, sandbox: &Sandbox, address: &str, credentials: &str) -> assert_cmd::assert::Assert {
    repo.write("creds.txt", credentials);
    bckeys(repo, sandbox).args(["import", address, "--credentials", "creds.txt"]).assert()
}

/// A repository with erp-sync and reporting imported and in sync.
fn imported() -> (Repo, Sandbox, String, String) {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 150, window_ms: 3000}}\n");
    let repo = new_repo();
    let erp = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    import(&repo, &sandbox, "store/production/erp-sync", &erp).success();
    let reporting =
        sandbox.create_account("reporting", &["store_v2_orders_read_only", "store_v2_transactions_read_only"]);
    import(&repo, &sandbox, "store/production/reporting", &reporting).success();
    (repo, sandbox, erp, reporting)
}

#[test]
fn import_reads_every_layout_and_records_the_credential() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}}\n");
    let downloaded = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    assert!(downloaded.contains("\r\n"), "the control panel's file has CRLF line ends");
    let token = field(&downloaded, "ACCESS TOKEN").to_owned();

    // 1. The downloaded file as it is.
    let repo = new_repo();
    import(&repo, &sandbox, "store/production/erp-sync", &downloaded)
        .success()
        .stdout(predicate::str::contains("The probed scopes match the configuration."));
    let state = repo.read("bckeys.state.yaml");
    assert!(state.contains("store/production/erp-sync:") && state.contains(field(&downloaded, "CLIENT ID")));
    assert!(!state.contains(&token));
    let secret = repo.read("secrets/store/production/erp-sync.age");
    assert!(secret.starts_with("-----BEGIN AGE ENCRYPTED FILE-----") && !secret.contains(&token));
    let plain =
        bckeys::vault::read_file(&repo.path("secrets/store/production/erp-sync.age"), &repo.identities()).unwrap();
    let plain = String::from_utf8(plain.to_vec()).unwrap();
    assert!(plain.contains(&token) && plain.contains(field(&downloaded, "CLIENT SECRET")));

    // 2. Reordered, LF, blank lines, stray spaces, NAME instead of CLIENT NAME.
    let repo = new_repo();
    let shuffled = format!(
        "\n\n  CLIENT SECRET:   {}  \nNAME: erp-sync\n\nAPI PATH: {}\nACCESS TOKEN: {token}\n   CLIENT ID: {}\n\n",
        field(&downloaded, "CLIENT SECRET"),
        field(&downloaded, "API PATH"),
        field(&downloaded, "CLIENT ID")
    );
    import(&repo, &sandbox, "store/production/erp-sync", &shuffled).success();

    // 3. A pasted block on standard input.
    let repo = new_repo();
    bckeys(&repo, &sandbox)
        .args(["import", "store/production/erp-sync", "--credentials", "-"])
        .write_stdin(downloaded.replace("\r\n", "\n"))
        .assert()
        .success();
    assert!(repo.path("secrets/store/production/erp-sync.age").exists());

    // 4. An account-level API account.
    let (status, account) = sandbox.panel(
        "POST",
        &format!("/__sandbox/accounts/{UUID}/api-accounts"),
        serde_json::json!({"name": "user-provisioning", "scopes": ["account_read"]}),
    );
    assert_eq!(status, 201, "{account}");
    let repo = new_repo();
    import(&repo, &sandbox, "account/acme/user-provisioning", &account)
        .success()
        .stdout(predicate::str::contains("Unverifiable"));
    assert!(matches!(
        repo.state().resources.get(&crate::common::addr("account/acme/user-provisioning")),
        Some(bckeys::state::Resource::AccountApiAccount(_))
    ));
}

#[test]
fn import_refuses_bad_credentials_and_writes_nothing() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}, other12345: {}}\n");
    let repo = new_repo();
    let good = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    let nothing_written = |repo: &Repo| {
        assert!(!repo.path("bckeys.state.yaml").exists());
        assert!(!repo.path("secrets").exists());
    };
    // Another store's credentials.
    let (_, other) = sandbox.panel(
        "POST",
        "/__sandbox/stores/other12345/api-accounts",
        serde_json::json!({"name": "erp-sync", "scopes": []}),
    );
    import(&repo, &sandbox, "store/production/erp-sync", &other)
        .code(1)
        .stderr(predicate::str::contains("the API path is for store other12345"));
    nothing_written(&repo);
    // A revoked token.
    let (status, _) = sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&good, "CLIENT ID")),
        serde_json::Value::Null,
    );
    assert!(status < 300);
    import(&repo, &sandbox, "store/production/erp-sync", &good)
        .code(1)
        .stderr(predicate::str::contains("rejects this access token (401"));
    nothing_written(&repo);
    // A broken file.
    import(&repo, &sandbox, "store/production/erp-sync", "ACCESS TOKEN: abc\nthis line is junk\n")
        .code(1)
        .stderr(predicate::str::contains("creds.txt, line 2"));
    // An address the configuration does not name.
    import(&repo, &sandbox, "store/production/nobody", &good)
        .code(1)
        .stderr(predicate::str::contains("is not an API account of the configuration"));
    nothing_written(&repo);
}

#[test]
fn import_reports_families_that_differ_and_records_what_was_granted() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = new_repo();
    // Granted themes (not configured), lacking orders (configured).
    let creds = sandbox.create_account("erp-sync", &["store_v2_products", "store_themes_read_only"]);
    import(&repo, &sandbox, "store/production/erp-sync", &creds)
        .success()
        .stdout(predicate::str::contains(
            "Granted beyond the configuration (security): Themes (themes) only at read-only",
        ))
        .stdout(predicate::str::contains("Configured but not granted: Orders (orders)"));
    let state = repo.read("bckeys.state.yaml");
    assert!(state.contains("store_themes_read_only") && !state.contains("store_v2_orders_read_only"), "{state}");
    // The next offline plan shows the difference.
    bckeys(&repo, &sandbox)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains("-/+ store/production/erp-sync replace"));
}

#[test]
fn drift_is_clean_then_reports_every_finding() {
    let (repo, sandbox, erp, reporting) = imported();
    bckeys(&repo, &sandbox)
        .arg("drift")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2 in sync"))
        .stdout(predicate::str::contains("order_transactions [1]"))
        .stdout(predicate::str::contains("[1] the only GET needs an order ID"));

    // Excess scope behind the tool's back, a revoked token, a missing family.
    sandbox.panel(
        "PUT",
        &format!("/__sandbox/api-accounts/{}/scopes", field(&erp, "CLIENT ID")),
        serde_json::json!({"scopes": ["store_v2_products", "store_v2_orders_read_only", "store_v2_customers"]}),
    );
    sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&reporting, "CLIENT ID")),
        serde_json::Value::Null,
    );
    let out = bckeys(&repo, &sandbox).args(["drift", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["in_sync"], false);
    let kinds: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["address"].as_str().unwrap().to_owned(), f["finding"].as_str().unwrap().to_owned()))
        .collect();
    assert!(kinds.contains(&("store/production/erp-sync".into(), "excess_scope".into())), "{kinds:?}");
    assert!(kinds.contains(&("store/production/reporting".into(), "revoked".into())), "{kinds:?}");
    let excess = doc["findings"].as_array().unwrap().iter().find(|f| f["finding"] == "excess_scope").unwrap();
    assert_eq!(excess["severity"], "security");
    assert_eq!(excess["families"], serde_json::json!(["customers"]));

    sandbox.panel(
        "PUT",
        &format!("/__sandbox/api-accounts/{}/scopes", field(&erp, "CLIENT ID")),
        serde_json::json!({"scopes": ["store_v2_products"]}),
    );
    bckeys(&repo, &sandbox)
        .arg("drift")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("not granted although configured: orders"));

    // The plan with refresh turns them into replacements.
    bckeys(&repo, &sandbox)
        .arg("plan")
        .assert()
        .success()
        .stdout(predicate::str::contains("BigCommerce rejects its token (401)"))
        .stdout(predicate::str::contains("missing: orders"));
    // Drift never changes the state.
    let state_before = repo.read("bckeys.state.yaml");
    bckeys(&repo, &sandbox).arg("drift").assert().code(2);
    assert_eq!(repo.read("bckeys.state.yaml"), state_before);
}

#[test]
fn drift_reports_secret_file_findings() {
    let (repo, sandbox, _, _) = imported();
    std::fs::remove_file(repo.path("secrets/store/production/reporting.age")).unwrap();
    let mut tampered = repo.read("secrets/store/production/erp-sync.age");
    tampered.push('\n');
    repo.write("secrets/store/production/erp-sync.age", &tampered);
    bckeys(&repo, &sandbox)
        .arg("drift")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("secrets/store/production/reporting.age is missing"))
        .stdout(predicate::str::contains("does not match the SHA-256 recorded"));

    // A new recipient makes every file outdated.
    let (repo, sandbox, _, _) = imported();
    let extra = Repo::new().recipient;
    repo.write("bckeys.yaml", &CONFIG.replace("RECIPIENT", &format!("{}, {extra}", repo.recipient)));
    bckeys(&repo, &sandbox).arg("drift").assert().code(2).stdout(predicate::str::contains("outdated recipient set"));
}

#[test]
fn drift_without_identity_or_network_is_an_error_not_in_sync() {
    let (repo, sandbox, _, _) = imported();
    repo.bckeys()
        .env("BCKEYS_API_BASE", &sandbox.url)
        .arg("drift")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("needs an identity"));
    let port = sandbox.url.rsplit(':').next().unwrap().to_owned();
    drop(sandbox);
    repo.bckeys()
        .env("BCKEYS_API_BASE", format!("http://127.0.0.1:{port}"))
        .env("BCKEYS_IDENTITY_FILE", &repo.identity)
        .env("BCKEYS_RETRY_BASE_MS", "1")
        .arg("drift")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("0 in sync").and(predicate::str::contains("not checked")));
}

#[test]
fn a_429_storm_and_a_5xx_burst_still_converge() {
    let (repo, sandbox, _, _) = imported();
    // A tight quota: the pacer must wait for each window instead of hammering.
    sandbox.panel(
        "PUT",
        &format!("/__sandbox/stores/{STORE}/settings"),
        serde_json::json!({"quota": 8, "window_ms": 400}),
    );
    let before = sandbox.stats()["rate_limited"].as_u64().unwrap();
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
    assert_eq!(sandbox.stats()["rate_limited"].as_u64().unwrap(), before, "pacing by the headers avoids every 429");

    // Platform-load 429s (no rate-limit headers) and a burst of 503s.
    sandbox.fault(serde_json::json!({"store_hash": STORE, "kind": "rate_limit", "count": 4}));
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
    sandbox.fault(serde_json::json!({"store_hash": STORE, "kind": "status", "status": 503, "count": 3}));
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
}

#[test]
fn garbage_html_and_timeouts_fail_clearly() {
    let (repo, sandbox, _, _) = imported();
    sandbox.fault(serde_json::json!({"store_hash": STORE, "kind": "garbage", "count": 1000}));
    bckeys(&repo, &sandbox).arg("drift").assert().code(1).stdout(predicate::str::contains("is not JSON"));

    let (repo, sandbox, _, _) = imported();
    sandbox.fault(serde_json::json!({"store_hash": STORE, "kind": "html", "count": 1000}));
    bckeys(&repo, &sandbox).arg("drift").assert().code(1).stdout(predicate::str::contains("HTML error page"));
    bckeys(&repo, &sandbox).arg("plan").assert().code(1).stderr(predicate::str::contains("no plan can be trusted"));

    let (repo, sandbox, _, _) = imported();
    sandbox.fault(serde_json::json!({"store_hash": STORE, "kind": "slow", "delay_ms": 2500, "count": 1000}));
    bckeys(&repo, &sandbox)
        .args(["drift", "--timeout", "1"])
        .env("BCKEYS_RETRY_BASE_MS", "1")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no answer within 1 s"));
}

#[test]
fn no_secret_appears_in_any_output_even_with_vv() {
    let (repo, sandbox, erp, reporting) = imported();
    let secrets: Vec<String> = [&erp, &reporting]
        .iter()
        .flat_map(|c| [field(c, "ACCESS TOKEN").to_owned(), field(c, "CLIENT SECRET").to_owned()])
        .collect();
    let runs: Vec<Vec<&str>> = vec![
        vec!["-vv", "validate"],
        vec!["-vv", "plan"],
        vec!["-vv", "plan", "--refresh=false", "--format", "json"],
        vec!["-vv", "drift"],
        vec!["-vv", "drift", "--format", "json"],
        vec!["-vv", "drift", "--format", "markdown"],
        vec!["-vv", "scopes"],
        vec!["-vv", "schema"],
        vec!["-vv", "completions", "bash"],
    ];
    let mut all = Vec::new();
    for args in &runs {
        let out = bckeys(&repo, &sandbox).args(args).output().unwrap();
        all.push((args.join(" "), out.stdout, out.stderr));
    }
    // Failures quote answers: make every answer an error page, then check again.
    sandbox.fault(serde_json::json!({"store_hash": STORE, "kind": "status", "status": 500, "count": 1000}));
    let out = bckeys(&repo, &sandbox).args(["-vv", "drift"]).output().unwrap();
    all.push(("-vv drift (500s)".into(), out.stdout, out.stderr));
    // A second import of the same credentials is refused: its error must not echo them.
    let out = bckeys(&repo, &sandbox)
        .args(["-vv", "import", "store/production/erp-sync", "--credentials", "-"])
        .write_stdin(erp.clone())
        .output()
        .unwrap();
    all.push(("-vv import".into(), out.stdout, out.stderr));
    let mut saw_debug = false;
    for (what, stdout, stderr) in all {
        let (stdout, stderr) = (String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr));
        saw_debug |= stderr.contains("DEBUG");
        for secret in &secrets {
            assert!(
                !stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()),
                "`bckeys {what}` printed a secret"
            );
        }
    }
    assert!(saw_debug, "-vv must actually log something, or this test proves nothing");
}

#[test]
fn drift_reports_what_the_uses_do_not_need_next_to_excess_found_live() {
    let (repo, sandbox, erp, _) = imported();
    // The ERP only reads products: its orders scope and its modify level are beyond its uses.
    repo.write_config(&CONFIG.replace(
        "        scopes: {products: modify, orders: read-only}\n",
        "        scopes: {products: modify, orders: read-only}\n        uses: [\"GET /v3/catalog/products?limit=250\", \"GET /v3/catalog/brands\"]\n",
    ));
    sandbox.panel(
        "PUT",
        &format!("/__sandbox/api-accounts/{}/scopes", field(&erp, "CLIENT ID")),
        serde_json::json!({"scopes": ["store_v2_products", "store_v2_orders_read_only", "store_v2_customers"]}),
    );
    let out = bckeys(&repo, &sandbox).args(["drift", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |kind: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["finding"] == kind && f["address"] == "store/production/erp-sync")
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} finding in {doc}"))
    };
    assert_eq!(of("excess_scope")["families"], serde_json::json!(["customers"]));
    let beyond = of("beyond_uses");
    assert_eq!(beyond["severity"], "security");
    assert_eq!(beyond["families"], serde_json::json!(["orders", "products"]));
    assert_eq!(
        beyond["detail"],
        "configured, but none of its uses needs: Orders (orders), Products (products) beyond read-only"
    );
    // reporting declares no uses: nothing is said of it beyond what was found live.
    assert!(!doc["findings"].as_array().unwrap().iter().any(|f| f["address"] == "store/production/reporting"));
}
