//! `bckeys demo`: the whole job in one command, in a temporary directory, against an embedded
//! sandbox: init, plan, apply (the sandbox's control panel doing the guided steps), a revocation
//! behind the tool's back, drift finding it, and the apply that restores it.

use clap::Parser;

use crate::bigcommerce::panel::Panel;
use crate::error::{command_error, Error, Hinted};
use crate::state::{Resource, State};
use crate::ui::Ui;

use super::{Cli, Outcome};

/// Show the whole job against a local sandbox, in a temporary directory, in seconds.
#[derive(Debug, clap::Args)]
pub struct Args {}

const CONFIG_BODY: &str = r#"stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes:
          products: modify
          orders: read-only
          information_and_settings: read-only
      reporting:
        scopes: {orders: read-only, customers: read-only}
accounts:
  acme:
    account_uuid: 0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f
    api_accounts:
      user-provisioning:
        scopes: {account: read-only, account_users: [read-only, write]}
"#;

pub fn run(_args: Args, ui: &Ui) -> Result<Outcome, Error> {
    let io = |what: &'static str| move |error| Error::Io { what, path: "demo directory".into(), error };
    let dir = tempfile::Builder::new().prefix("bckeys-demo-").tempdir().map_err(io("cannot create"))?.keep();
    // A large plan's quota: with the half that bckeys leaves to a store's other clients, the
    // demo's ~300 requests never wait for a window, as they would on a Standard plan's 150.
    let seed: crate::sandbox::Seed = serde_yaml::from_str("stores: {abc123def4: {quota: 1000, window_ms: 30000}}")
        .map_err(|e| DemoBug(format!("demo seed: {e}")))?;
    let sandbox = crate::sandbox::spawn(seed).map_err(io("cannot start the sandbox in"))?;
    let config = dir.join("bckeys.yaml");
    let identity = dir.join("identity.agekey");
    let p = ui.paint();
    ui.out(&format!(
        "{}\nA local BigCommerce sandbox is listening on {}; everything happens in {}.\n",
        p.bold("bckeys demo: API accounts as code, against a local BigCommerce sandbox."),
        sandbox.base_url,
        dir.display()
    ));
    let step = |title: &str, args: &[&str]| -> Result<Outcome, Error> {
        ui.out(&format!("\n{} {}\n{}\n", p.cyan("=="), p.bold(title), p.dim(&format!("$ bckeys {}", args.join(" ")))));
        let mut argv = vec![
            "bckeys".to_owned(),
            "--config".into(),
            config.display().to_string(),
            "--api-base".into(),
            sandbox.base_url.clone(),
        ];
        if identity.exists() {
            argv.extend(["--identity".into(), identity.display().to_string()]);
        }
        argv.extend(args.iter().map(|a| a.to_string()));
        let cli = Cli::try_parse_from(argv).map_err(|e| DemoBug(e.to_string()))?;
        super::run(cli, ui)
    };

    step(
        "Start a repository with a new age identity",
        &["init", "--generate-identity", &identity.display().to_string()],
    )?;
    let text = std::fs::read_to_string(&config).map_err(io("cannot read"))?;
    std::fs::write(&config, text.replace("stores: {}\n", CONFIG_BODY)).map_err(io("cannot write"))?;
    ui.out(&format!("(declared two store-level API accounts and one account-level one in {})\n", config.display()));
    step("Check the configuration", &["validate"])?;
    step("Plan: BigCommerce has no API to create API accounts, so these steps are guided", &["plan"])?;
    step(
        "Apply: the sandbox's simulated control panel does what a person would",
        &["apply", "--auto-approve", "--sandbox-panel"],
    )?;
    step("Drift: everything recorded is alive and has exactly its scopes", &["drift"])?;

    // Someone deletes an API account in the control panel, behind the tool's back.
    let state = State::load(&dir.join("bckeys.state.yaml"))?;
    let client_id = state.resources.iter().find_map(|(a, r)| match r {
        Resource::StoreApiAccount(r) if a.to_string().ends_with("/reporting") => Some(r.client_id.clone()),
        _ => None,
    });
    let rt = super::live::runtime()?;
    if let (Some(client_id), Some(panel)) = (client_id, rt.block_on(Panel::detect(&sandbox.base_url))) {
        ui.out(&format!(
            "\n{} {}\n",
            p.cyan("=="),
            p.bold("Out of band: someone deletes `reporting` in the control panel")
        ));
        rt.block_on(panel.revoke(&client_id)).map_err(DemoBug)?;
    }
    step("Drift finds it (exit code 2 in CI)", &["drift"])?;
    step("Apply restores it", &["apply", "--auto-approve", "--sandbox-panel"])?;
    step("In sync again", &["drift"])?;
    ui.out(&format!(
        "\n{} The repository is in {}: bckeys.yaml, bckeys.state.yaml, secrets/ (age-encrypted; `age -d -i {} FILE` decrypts them) and the identity.\n",
        p.green("Done."),
        dir.display(),
        identity.display()
    ));
    Ok(Outcome::Done)
}

/// Something the demo itself got wrong: never the user's input.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DemoBug(String);

impl Hinted for DemoBug {
    fn hint(&self) -> Option<String> {
        Some("a bug in the demo".into())
    }
}

command_error!(DemoBug);
