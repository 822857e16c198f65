//! Whole outputs pinned: standard output, standard error and the exit code of `import`, `drift`,
//! `apply`, `rekey` and `reveal`, as a person sees them. Paths, ports, issued IDs and timestamps
//! are normalised; everything else is reviewed like code (`cargo insta review`).

use std::process::Output;

use crate::common::{field, save_state, store_account, Repo};
use crate::live::Sandbox;

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
"#;

/// The whole of a run, normalised: what is the same on every machine and every run.
fn transcript(out: &Output, replace: &[(&str, &str)]) -> String {
    let mut text = format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or("signal".to_owned(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for (from, to) in replace {
        if !from.is_empty() {
            text = text.replace(from, to);
        }
    }
    text
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            (r"sha256:[0-9a-f]{32}", "sha256:[FINGERPRINT]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

struct World {
    sandbox: Sandbox,
    repo: Repo,
    erp: String,
    reporting: String,
}

impl World {
    fn new() -> World {
        let sandbox = Sandbox::start("stores: {abc123def4: {quota: 150, window_ms: 3000}}\n");
        let repo = Repo::new();
        repo.write_config(CONFIG);
        // erp-sync is granted one family more than declared (customers) and one less (orders).
        let erp = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_customers"]);
        let reporting =
            sandbox.create_account("reporting", &["store_v2_orders_read_only", "store_v2_transactions_read_only"]);
        World { sandbox, repo, erp, reporting }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.repo.bckeys_on(&self.sandbox.url).args(args).output().unwrap()
    }

    fn names(&self) -> Vec<(String, &'static str)> {
        let mut names = vec![(self.repo.dir.path().display().to_string(), "[REPO]")];
        for (credentials, which) in [(&self.erp, "ERP"), (&self.reporting, "REPORTING")] {
            names.push((
                field(credentials, "CLIENT ID").to_owned(),
                if which == "ERP" { "[ERP CLIENT ID]" } else { "[REPORTING CLIENT ID]" },
            ));
        }
        names
    }

    fn transcript(&self, out: &Output) -> String {
        let names = self.names();
        let pairs: Vec<(&str, &str)> = names.iter().map(|(a, b)| (a.as_str(), *b)).collect();
        transcript(out, &pairs)
    }

    fn import(&self, address: &str, credentials: &str) -> Output {
        self.repo.write("creds.txt", credentials);
        self.run(&["import", address, "--credentials", "creds.txt"])
    }
}

#[test]
fn import_drift_and_apply_as_a_person_sees_them() {
    let world = World::new();
    let imported = world.import("store/production/erp-sync", &world.erp);
    snapshot!("import_with_differences", world.transcript(&imported));
    world.import("store/production/reporting", &world.reporting);

    // Someone deletes reporting in the control panel.
    world.sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&world.reporting, "CLIENT ID")),
        serde_json::Value::Null,
    );
    snapshot!("drift_text", world.transcript(&world.run(&["drift"])));
    let json = world.run(&["drift", "--format", "json"]);
    snapshot!("drift_json", world.transcript(&json));
    snapshot!("drift_markdown", world.transcript(&world.run(&["drift", "--format", "markdown"])));

    // The plan counts the findings drift reports, from the same function.
    let plan = world.run(&["plan", "--format", "json"]);
    let drift: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["summary"]["findings"], drift["summary"]["findings"]);
    assert_eq!(plan["summary"]["security_findings"], drift["summary"]["security"]);
    assert_eq!(drift["summary"]["findings"], 3);

    // Without a terminal, apply does what it can and leaves the person's steps.
    let applied = world.run(&["apply", "--auto-approve", "--non-interactive"]);
    snapshot!("apply_guided_left", world.transcript(&applied));
}

#[test]
fn rekey_and_reveal_as_a_pipeline_sees_them() {
    let repo = Repo::new();
    let removed = Repo::new().recipient;
    let both = repo.recipients(&[&removed]);
    save_state(&repo, vec![store_account(&repo, "store/production/erp-sync", &["store_v2_products"], &both)]);
    repo.write_config(CONFIG);
    let names = [
        (repo.dir.path().display().to_string(), "[REPO]"),
        (removed.clone(), "[REMOVED RECIPIENT]"),
        (repo.recipient.clone(), "[RECIPIENT]"),
    ];
    let pairs: Vec<(&str, &str)> = names.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let run = |args: &[&str]| repo.bckeys_on("http://127.0.0.1:9").args(args).output().unwrap();
    snapshot!("rekey_exposed", transcript(&run(&["rekey"]), &pairs));
    snapshot!("rekey_nothing_to_do", transcript(&run(&["rekey"]), &pairs));
    for format in ["env", "json", "yaml"] {
        let out = run(&["reveal", "store/production/erp-sync", "--format", format]);
        snapshot!(format!("reveal_{format}"), transcript(&out, &pairs));
    }
    snapshot!("reveal_unrecorded", transcript(&run(&["reveal", "store/production/reporting"]), &pairs));
}
