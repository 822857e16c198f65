//! Crash safety of `bckeys apply`: a multi-resource apply against the sandbox, whose simulated
//! control panel carries out the guided steps, is killed with SIGKILL at many points (a fresh
//! repository and a fresh sandbox for each), then the repository is checked as the killed process
//! left it and a rerun must converge.
//!
//! Three scenarios: four creations on one store; a replacement (two accounts' scopes changed,
//! create-before-destroy); a deletion (one account removed from the configuration, the guided
//! deletion waits for BigCommerce to reject its token). The replacement and deletion start from a
//! copy of a repository made by a real clean apply, with a sandbox seeded with the very accounts
//! (same client IDs, secrets and tokens) that apply created.
//!
//! After each kill:
//!  (a) the state file, if present, parses;
//!  (b) every recorded credential has its secret file, with the recorded SHA-256, which decrypts
//!      to a credential of the recorded client ID whose token the sandbox accepts, or which is on
//!      its way out (a retiring account, or one the configuration no longer declares);
//!  (c) temporary files are counted, must hold nothing but ciphertext or state text, and
//!      `plan --refresh=false` and `validate` must still work;
//!  (d) a stale lock must not block the rerun.
//! Then `apply --auto-approve` again must exit 0, `drift` must exit 0, every declared account
//! must be recorded with a working credential, and what was replaced or deleted must be gone from
//! the sandbox. Accounts left in the sandbox but recorded nowhere (orphans) are counted.

#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use bckeys::address::Address;
use bckeys::state::{ApiAccountRecord, Resource, State};
use bckeys::vault::{self, Credential};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use crate::common::Repo;
use crate::live::Sandbox;

const STORE: &str = "abc123def4";
/// Parallel kill points: the processes mostly wait on the sandbox's latency, not on a CPU.
const WORKERS: usize = 5;
const STATE_FILE: &str = "bckeys.state.yaml";
/// The line of the plan's summary: the apply has refreshed and planned, its work starts.
const PLAN_LINE: &str = "Plan: ";
/// Printed just before the simulated control panel deletes the replaced accounts.
const DELETE_ERP: &str = "Delete store/production/erp-sync (previous account):";
const DELETE_REPORTING: &str = "Delete store/production/reporting (previous account):";
/// The first guided deletion starts, and is done.
const DELETE_LINE: &str = "Delete ";
const DELETED_LINE: &str = "record and credential removed";

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      catalog:
        scopes: {products: read-only}
      customers:
        scopes: {customers: read-only}
      erp-sync:
        scopes: {products: modify, orders: read-only}
      reporting:
        scopes: {orders: read-only, order_transactions: read-only}
"#;

const NAMES: [&str; 4] = ["catalog", "customers", "erp-sync", "reporting"];

fn seed(accounts: &[Value]) -> String {
    // JSON is YAML.
    json!({"stores": {STORE: {"quota": 100000, "window_ms": 1000, "latency_ms": 15, "api_accounts": accounts}}})
        .to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Create,
    Replace,
    Delete,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Replace => "replace",
            Kind::Delete => "delete",
        }
    }

    /// The configuration the killed apply works towards.
    fn config(self, recipient: &str) -> String {
        let config = CONFIG.replace("RECIPIENT", recipient);
        match self {
            Kind::Create => config,
            Kind::Replace => config
                .replace(
                    "{products: modify, orders: read-only}",
                    "{products: modify, orders: read-only, customers: read-only}",
                )
                .replace(
                    "{orders: read-only, order_transactions: read-only}",
                    "{orders: read-only, order_transactions: read-only, customers: read-only}",
                ),
            Kind::Delete => config.replace("      customers:\n        scopes: {customers: read-only}\n", ""),
        }
    }

    fn declared(self) -> BTreeSet<Address> {
        NAMES
            .iter()
            .filter(|n| !(self == Kind::Delete && **n == "customers"))
            .map(|n| format!("store/production/{n}").parse().unwrap())
            .collect()
    }

    /// Accounts of the starting point that must be gone from the sandbox once the apply is done.
    fn gone(self) -> &'static [&'static str] {
        match self {
            Kind::Create => &[],
            Kind::Replace => &["erp-sync", "reporting"],
            Kind::Delete => &["customers"],
        }
    }
}

/// A repository made by a real, complete apply, and the sandbox seed holding its accounts.
struct Template {
    repo: Repo,
    seed: String,
    serial: u64,
    /// Client ID by account name.
    client_ids: BTreeMap<String, String>,
}

struct Scenario {
    kind: Kind,
    template: Option<std::sync::Arc<Template>>,
    initial_serial: u64,
    final_serial: u64,
    /// Client IDs that must be gone from the sandbox after convergence.
    gone: BTreeSet<String>,
}

/// A fresh repository and sandbox for a scenario.
fn instance(kind: Kind, template: Option<&Template>) -> (Repo, Sandbox) {
    match template {
        None => {
            let repo = Repo::new();
            repo.write("bckeys.yaml", &kind.config(&repo.recipient));
            (repo, Sandbox::start(&seed(&[])))
        }
        Some(t) => {
            let dir = tempfile::tempdir().unwrap();
            copy_tree(t.repo.dir.path(), dir.path());
            let identity = dir.path().join(t.repo.identity.file_name().unwrap());
            let repo = Repo { dir, identity, recipient: t.repo.recipient.clone() };
            repo.write("bckeys.yaml", &kind.config(&repo.recipient));
            (repo, Sandbox::start(&t.seed))
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `bckeys` in the repository, talking to the sandbox.
fn bckeys(repo: &Repo, sandbox: &Sandbox) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("bckeys"));
    cmd.current_dir(repo.dir.path())
        .env("NO_COLOR", "1")
        .env("BCKEYS_API_BASE", &sandbox.url)
        .env("BCKEYS_IDENTITY_FILE", &repo.identity)
        .env("BCKEYS_RETRY_BASE_MS", "5")
        .env_remove("BCKEYS_IDENTITY")
        .env_remove("BCKEYS_CONFIG")
        .stdin(Stdio::null());
    cmd
}

/// When to send SIGKILL.
#[derive(Debug, Clone, Copy)]
enum At {
    /// This long after the spawn.
    Spawn(Duration),
    /// This long after the apply printed a line starting with `line` (`label` names it).
    After { label: &'static str, line: &'static str, delay: Duration },
}

fn after(label: &'static str, line: &'static str, delay: Duration) -> At {
    At::After { label, line, delay }
}

impl At {
    fn describe(self) -> String {
        match self {
            At::Spawn(d) => format!("spawn+{}ms", d.as_millis()),
            At::After { label, delay, .. } => format!("{label}+{}ms", delay.as_millis()),
        }
    }
}

struct Run {
    status: ExitStatus,
    pid: u32,
    /// Stdout lines, with when they were read (from the spawn).
    lines: Vec<(Duration, String)>,
    stderr: String,
    /// When the kill was sent (from the spawn); `None` when not killed.
    killed_at: Option<Duration>,
    total: Duration,
}

impl Run {
    /// When a line with `needle` was read, from the spawn.
    fn line_at(&self, needle: &str, prefix: bool) -> Option<Duration> {
        let hit = |l: &str| if prefix { l.starts_with(needle) } else { l.contains(needle) };
        self.lines.iter().find(|(_, l)| hit(l)).map(|(t, _)| *t)
    }

    fn killed(&self) -> bool {
        self.status.signal() == Some(9)
    }

    fn last_line(&self) -> String {
        let line = self.lines.iter().rev().map(|(_, l)| l.trim()).find(|l| !l.is_empty()).unwrap_or("");
        line.chars().take(90).collect()
    }

    fn tail(&self) -> String {
        let start = self.lines.len().saturating_sub(6);
        let out: Vec<&str> = self.lines[start..].iter().map(|(_, l)| l.as_str()).collect();
        format!("stdout tail:\n{}\nstderr:\n{}", out.join("\n"), self.stderr)
    }
}

/// `bckeys apply --auto-approve`, killed at `at` if given.
fn apply(repo: &Repo, sandbox: &Sandbox, at: Option<At>) -> Run {
    let start = Instant::now();
    let mut child = bckeys(repo, sandbox)
        .args(["apply", "--auto-approve", "--sandbox-panel"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line.clone());
            lines.push((start.elapsed(), line));
        }
        lines
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut killed_at = None;
    match at {
        None => {}
        Some(At::Spawn(d)) => {
            std::thread::sleep(d);
            killed_at = Some(start.elapsed());
            let _ = child.kill();
        }
        Some(At::After { line: anchor, delay, .. }) => {
            let deadline = start + Duration::from_secs(30);
            while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                if line.starts_with(anchor) {
                    std::thread::sleep(delay);
                    break;
                }
            }
            killed_at = Some(start.elapsed());
            let _ = child.kill();
        }
    }
    let status = child.wait().unwrap();
    let total = start.elapsed();
    let lines = out_reader.join().unwrap();
    Run { status, pid, lines, stderr: err_reader.join().unwrap(), killed_at, total }
}

/// Other bckeys commands, to completion.
fn run(repo: &Repo, sandbox: &Sandbox, args: &[&str]) -> (Option<i32>, String) {
    let out = bckeys(repo, sandbox).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

/// The sandbox's API accounts: client ID -> (name, scopes).
fn sandbox_accounts(sandbox: &Sandbox) -> BTreeMap<String, (String, Vec<String>)> {
    let (status, body) = sandbox.panel("GET", "/__sandbox/api-accounts", Value::Null);
    assert_eq!(status, 200, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    doc["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let scopes = a["scopes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
            (a["client_id"].as_str().unwrap().to_owned(), (a["name"].as_str().unwrap().to_owned(), scopes))
        })
        .collect()
}

/// Whether the sandbox accepts a store token, asked as bckeys' own liveness probe asks.
struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    fn new() -> Http {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Http { rt, client: reqwest::Client::new() }
    }

    fn accepts(&self, base: &str, store: &str, token: &str) -> Result<bool, String> {
        let url = format!("{base}/stores/{store}/v3/hooks?limit=1");
        let status = self.rt.block_on(async {
            let response = self.client.get(&url).header("X-Auth-Token", token).send().await;
            response.map(|r| r.status().as_u16()).map_err(|e| e.to_string())
        })?;
        match status {
            401 => Ok(false),
            200..=299 | 403 => Ok(true),
            other => Err(format!("the sandbox answered {other}")),
        }
    }
}

fn record(resource: &Resource) -> Option<&ApiAccountRecord> {
    match resource {
        Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => Some(r),
        _ => None,
    }
}

/// The repository as a killed (or finished) apply left it.
#[derive(Default)]
struct Inspection {
    serial: u64,
    resources: BTreeMap<Address, String>,
    retiring: BTreeMap<Address, String>,
    /// Recorded credentials the sandbox rejects that are on their way out.
    rejected_leaving: Vec<String>,
    /// Temporary files: path and what they hold.
    temp_files: Vec<(String, &'static str)>,
    /// `.age` files under secrets/ that no record points at.
    spare_files: Vec<String>,
    lock: Option<String>,
    problems: Vec<String>,
}

impl Inspection {
    fn recorded_ids(&self) -> BTreeSet<String> {
        self.resources.values().chain(self.retiring.values()).cloned().collect()
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&entry.path(), out);
        } else {
            out.push(entry.path());
        }
    }
}

/// What a temporary file holds, from its first bytes (it may be cut anywhere).
fn temp_kind(bytes: &[u8]) -> &'static str {
    let heads: [(&[u8], &str); 3] = [
        (b"-----BEGIN AGE ENCRYPTED FILE-----", "ciphertext"),
        (b"age-encryption.org/", "ciphertext"),
        (b"# Written by bckeys", "state"),
    ];
    if bytes.is_empty() {
        return "empty";
    }
    for (head, kind) in heads {
        let n = head.len().min(bytes.len());
        if bytes[..n] == head[..n] {
            return kind;
        }
    }
    "UNKNOWN"
}

/// Checks (a) and (b), and gathers (c) and (d). `strict`: every recorded credential must work.
fn inspect(repo: &Repo, sandbox: &Sandbox, http: &Http, declared: &BTreeSet<Address>, strict: bool) -> Inspection {
    let mut ins = Inspection::default();
    let root = repo.dir.path();
    let state_path = root.join(STATE_FILE);
    let state = if state_path.exists() {
        match State::load(&state_path) {
            Ok(state) => Some(state),
            Err(e) => {
                let text = std::fs::read(&state_path).unwrap_or_default();
                ins.problems.push(format!(
                    "(a) the state file does not parse: {e} ({} bytes; starts {:?})",
                    text.len(),
                    String::from_utf8_lossy(&text[..text.len().min(200)])
                ));
                None
            }
        }
    } else {
        None
    };
    let identities = repo.identities();
    let mut recorded_files = BTreeSet::new();
    if let Some(state) = &state {
        ins.serial = state.serial;
        let current = state.resources.iter().map(|(a, r)| (false, a, r));
        let retiring = state.retiring.iter().map(|(a, r)| (true, a, r));
        for (leaving_kind, address, resource) in current.chain(retiring) {
            let which = if leaving_kind { format!("{address} (retiring)") } else { address.to_string() };
            let Some(r) = record(resource) else {
                ins.problems.push(format!("(b) {which}: recorded as a {}, not an API account", resource.kind()));
                continue;
            };
            if leaving_kind {
                ins.retiring.insert(address.clone(), r.client_id.clone());
            } else {
                ins.resources.insert(address.clone(), r.client_id.clone());
            }
            recorded_files.insert(r.secret.file.clone());
            let path = root.join(&r.secret.file);
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    ins.problems
                        .push(format!("(b) {which}: its secret file {} can't be read: {e}", r.secret.file.display()));
                    continue;
                }
            };
            let sha = bckeys::fsutil::sha256_hex(&bytes);
            if sha != r.secret.sha256 {
                ins.problems.push(format!(
                    "(b) {which}: {} has SHA-256 {sha}, the state records {} ({} bytes on disk)",
                    r.secret.file.display(),
                    r.secret.sha256,
                    bytes.len()
                ));
                continue;
            }
            let credential = match vault::read_file(&path, &identities)
                .map_err(|e| e.to_string())
                .and_then(|plain| Credential::from_yaml(&plain).map_err(|e| e.to_string()))
            {
                Ok(c) => c,
                Err(e) => {
                    ins.problems.push(format!(
                        "(b) {which}: {} does not decrypt to a credential: {e}",
                        r.secret.file.display()
                    ));
                    continue;
                }
            };
            let client_id = credential.keys().and_then(|k| k.client_id.as_deref());
            if client_id != Some(r.client_id.as_str()) {
                ins.problems.push(format!(
                    "(b) {which}: the file holds client ID {client_id:?}, the state records {}",
                    r.client_id
                ));
            }
            let store = r.store_hash.as_deref().unwrap_or(STORE);
            match http.accepts(&sandbox.url, store, credential.token().map(|t| t.expose_secret()).unwrap_or_default()) {
                Ok(true) => {}
                Ok(false) if !strict && (leaving_kind || !declared.contains(address)) => {
                    ins.rejected_leaving.push(which);
                }
                Ok(false) => ins.problems.push(format!(
                    "(b) {which}: the sandbox rejects its recorded token (client ID {}): a lost credential",
                    r.client_id
                )),
                Err(e) => ins.problems.push(format!("(b) {which}: token check failed: {e}")),
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    for file in files {
        let rel = file.strip_prefix(root).unwrap().to_path_buf();
        let name = rel.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(".bckeys-") && name.ends_with(".tmp") {
            let kind = temp_kind(&std::fs::read(&file).unwrap_or_default());
            if kind == "UNKNOWN" {
                ins.problems
                    .push(format!("(c) the temporary file {} holds neither ciphertext nor state", rel.display()));
            }
            ins.temp_files.push((rel.display().to_string(), kind));
        } else if rel.starts_with("secrets") && name.ends_with(".age") && !recorded_files.contains(&rel) {
            // Written atomically, so it must be whole: it decrypts.
            if let Err(e) = vault::read_file(&file, &identities) {
                ins.problems.push(format!("an unrecorded secret file {} is not whole: {e}", rel.display()));
            }
            ins.spare_files.push(rel.display().to_string());
        }
    }
    ins.lock = std::fs::read_to_string(root.join("bckeys.lock")).ok().map(|t| t.trim().to_owned());
    ins
}

/// A listing of the repository's files and the state, for a report.
fn files_state(repo: &Repo) -> String {
    let root = repo.dir.path();
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut text = String::from("files:\n");
    for f in files {
        let len = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
        text.push_str(&format!("  {} ({len} bytes)\n", f.strip_prefix(root).unwrap().display()));
    }
    if let Ok(state) = std::fs::read_to_string(root.join(STATE_FILE)) {
        text.push_str("state:\n");
        text.push_str(&state);
    }
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Before,
    Inside,
    After,
}

struct Point {
    kind: Kind,
    at: At,
    /// When the kill was sent, from the spawn.
    killed_at: Duration,
    exited_by_itself: bool,
    phase: Phase,
    serial: u64,
    final_serial: u64,
    temp_files: Vec<&'static str>,
    temp_files_after_rerun: usize,
    spare_files: usize,
    spare_files_after_rerun: usize,
    stale_lock: bool,
    rejected_leaving: usize,
    orphans: usize,
    last_line: String,
    problems: Vec<String>,
    seconds: f64,
}

/// One kill point: fresh repository and sandbox, killed apply, checks, rerun, convergence.
fn kill_point(scenario: &Scenario, at: At) -> Point {
    let started = Instant::now();
    let kind = scenario.kind;
    let declared = kind.declared();
    let http = Http::new();
    let (repo, sandbox) = instance(kind, scenario.template.as_deref());
    let initial_accounts: BTreeSet<String> = sandbox_accounts(&sandbox).into_keys().collect();

    let killed = apply(&repo, &sandbox, Some(at));
    let mut problems = Vec::new();
    let exited_by_itself = !killed.killed();
    if exited_by_itself && killed.status.code() != Some(0) {
        problems.push(format!("the apply ended with {} before it was killed; {}", killed.status, killed.tail()));
    }
    let after_kill = inspect(&repo, &sandbox, &http, &declared, false);
    problems.extend(after_kill.problems.iter().cloned());
    let accounts_after_kill: BTreeSet<String> = sandbox_accounts(&sandbox).into_keys().collect();
    if let Some(lock) = &after_kill.lock {
        if !lock.starts_with(&format!("{} ", killed.pid)) {
            problems.push(format!("(d) bckeys.lock holds {lock:?}, not the killed apply's pid {}", killed.pid));
        }
    }
    let phase = if after_kill.serial == scenario.initial_serial
        && accounts_after_kill == initial_accounts
        && after_kill.spare_files.is_empty()
        && after_kill.temp_files.is_empty()
    {
        Phase::Before
    } else if after_kill.serial == scenario.final_serial
        && after_kill.spare_files.is_empty()
        && after_kill.temp_files.is_empty()
    {
        Phase::After
    } else {
        Phase::Inside
    };
    let snapshot = files_state(&repo);

    // (c) Whatever the kill left, the offline plan and validate still work.
    for args in [&["plan", "--refresh=false"][..], &["validate"][..]] {
        let (code, text) = run(&repo, &sandbox, args);
        if code != Some(0) {
            problems.push(format!("(c) `bckeys {}` exited {code:?} after the kill:\n{text}", args.join(" ")));
        }
    }

    // (d) and convergence: the rerun takes over a stale lock and finishes the work.
    let rerun = apply(&repo, &sandbox, None);
    if rerun.status.code() != Some(0) {
        problems.push(format!("the rerun apply exited {}; {}", rerun.status, rerun.tail()));
    }
    if repo.path("bckeys.lock").exists() {
        problems.push("(d) bckeys.lock is still there after the rerun".into());
    }
    let (code, text) = run(&repo, &sandbox, &["drift"]);
    if code != Some(0) {
        problems.push(format!("`bckeys drift` exited {code:?} after the rerun (0 is in sync):\n{text}"));
    }
    let converged = inspect(&repo, &sandbox, &http, &declared, true);
    problems.extend(converged.problems.iter().map(|p| format!("after the rerun: {p}")));
    let recorded: BTreeSet<Address> = converged.resources.keys().cloned().collect();
    if recorded != declared {
        problems
            .push(format!("after the rerun the state records {recorded:?}, the configuration declares {declared:?}"));
    }
    if !converged.retiring.is_empty() {
        problems.push(format!("after the rerun accounts still wait to retire: {:?}", converged.retiring));
    }
    let accounts: BTreeSet<String> = sandbox_accounts(&sandbox).into_keys().collect();
    for id in &scenario.gone {
        if accounts.contains(id) {
            problems.push(format!("after the rerun the sandbox still has {id}, which the apply should have deleted"));
        }
    }
    let orphans = accounts.difference(&converged.recorded_ids()).count();

    if !problems.is_empty() {
        problems.push(format!(
            "kill point {} {} (killed at {} ms, {}); repository right after the kill:\n{snapshot}",
            kind.name(),
            at.describe(),
            killed.killed_at.unwrap_or_default().as_millis(),
            if exited_by_itself { "the apply had already finished" } else { "SIGKILL" },
        ));
    }
    Point {
        kind,
        at,
        killed_at: killed.killed_at.unwrap_or_default(),
        exited_by_itself,
        phase,
        serial: after_kill.serial,
        final_serial: scenario.final_serial,
        temp_files: after_kill.temp_files.iter().map(|(_, kind)| *kind).collect(),
        temp_files_after_rerun: converged.temp_files.len(),
        spare_files: after_kill.spare_files.len(),
        spare_files_after_rerun: converged.spare_files.len(),
        stale_lock: after_kill.lock.is_some(),
        rejected_leaving: after_kill.rejected_leaving.len(),
        orphans,
        last_line: killed.last_line(),
        problems,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// An unkilled apply in a throwaway repository: how long it takes, when its work starts, the
/// serial it ends with.
struct Measured {
    total: Duration,
    plan_at: Duration,
    /// From the first guided deletion's steps to its record's removal.
    delete_window: Duration,
    final_serial: u64,
}

fn measure(kind: Kind, template: Option<&Template>) -> (Measured, Repo, Sandbox) {
    let (repo, sandbox) = instance(kind, template);
    let run = apply(&repo, &sandbox, None);
    assert_eq!(run.status.code(), Some(0), "{} apply without a kill failed; {}", kind.name(), run.tail());
    let summary = run.lines.iter().find(|(_, l)| l.starts_with(PLAN_LINE)).map(|(_, l)| l.clone()).unwrap_or_default();
    let expected = match kind {
        Kind::Create => "4 to create, 0 to replace",
        Kind::Replace => "0 to create, 2 to replace",
        Kind::Delete => "1 to delete",
    };
    assert!(summary.contains(expected), "{}: unexpected plan {summary:?}", kind.name());
    let state = State::load(&repo.path(STATE_FILE)).unwrap();
    let delete_window = match (run.line_at(DELETE_LINE, true), run.line_at(DELETED_LINE, false)) {
        (Some(from), Some(to)) => to.saturating_sub(from),
        _ => Duration::ZERO,
    };
    let plan_at = run.line_at(PLAN_LINE, true).unwrap();
    let measured = Measured { total: run.total, plan_at, delete_window, final_serial: state.serial };
    (measured, repo, sandbox)
}

/// The clean repository as a template, and a seed with its accounts.
fn template(repo: Repo, sandbox: &Sandbox) -> Template {
    let state = State::load(&repo.path(STATE_FILE)).unwrap();
    let listed = sandbox_accounts(sandbox);
    let identities = repo.identities();
    let mut accounts = Vec::new();
    let mut client_ids = BTreeMap::new();
    for resource in state.resources.values() {
        let r = record(resource).unwrap();
        let plain = vault::read_file(&repo.dir.path().join(&r.secret.file), &identities).unwrap();
        let c = Credential::from_yaml(&plain).unwrap();
        let keys = c.keys().expect("an API account's keys");
        let (name, scopes) = &listed[&r.client_id];
        accounts.push(json!({
            "name": name,
            "client_id": r.client_id,
            "client_secret": keys.client_secret.as_ref().unwrap().expose_secret(),
            "access_token": keys.access_token.expose_secret(),
            "scopes": scopes,
        }));
        client_ids.insert(r.name.clone(), r.client_id.clone());
    }
    assert_eq!(accounts.len(), 4);
    Template { seed: seed(&accounts), serial: state.serial, client_ids, repo }
}

/// What a write cut by SIGKILL between its temporary file and its rename would leave (no kill
/// point may land there, the window is short): half a state beside the state and half a
/// ciphertext among the secrets. bckeys must not mistake either for data.
fn planted_temp_files(template: &Template) -> Result<(), String> {
    let (repo, sandbox) = instance(Kind::Create, Some(template));
    let state = std::fs::read(repo.path(STATE_FILE)).unwrap();
    std::fs::write(repo.path(".bckeys-Pl4nT1.tmp"), &state[..state.len() / 2]).unwrap();
    let secret = std::fs::read(repo.path("secrets/store/production/catalog.age")).unwrap();
    std::fs::write(repo.path("secrets/store/production/.bckeys-Pl4nT2.tmp"), &secret[..secret.len() / 2]).unwrap();
    for (args, expected) in [
        (&["plan", "--refresh=false"][..], "No changes"),
        (&["validate"][..], "serial 4, 4 resources recorded"),
        (&["apply", "--auto-approve", "--sandbox-panel"][..], "No changes"),
    ] {
        let (code, text) = run(&repo, &sandbox, args);
        if code != Some(0) || !text.contains(expected) {
            return Err(format!("`bckeys {}` exited {code:?}:\n{text}", args.join(" ")));
        }
    }
    if std::fs::read(repo.path(STATE_FILE)).unwrap() != state {
        return Err("the state changed".into());
    }
    Ok(())
}

/// "N (kind: n, ...)" of the temporary files the kills left.
fn temp_summary(points: &[&Point]) -> String {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    points.iter().flat_map(|p| p.temp_files.iter()).for_each(|k| *kinds.entry(k).or_default() += 1);
    let total: usize = kinds.values().sum();
    let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    if list.is_empty() {
        "0".into()
    } else {
        format!("{total} ({})", list.join(", "))
    }
}

fn spread(from: Duration, to: Duration, n: u32) -> impl Iterator<Item = Duration> {
    (0..n).map(move |i| from + (to.saturating_sub(from)) * i / (n - 1).max(1))
}

#[test]
fn sigkill_at_any_point_of_apply_loses_no_recorded_credential() {
    let started = Instant::now();

    // A throwaway full apply: its duration spaces the kill points, and its repository (a real,
    // clean apply) is the starting point of the replacement and the deletion.
    let (create, repo, sandbox) = measure(Kind::Create, None);
    let template = std::sync::Arc::new(template(repo, &sandbox));
    drop(sandbox);
    let (replace, delete, planted) = std::thread::scope(|s| {
        let r = s.spawn(|| measure(Kind::Replace, Some(&template)).0);
        let d = s.spawn(|| measure(Kind::Delete, Some(&template)).0);
        let p = s.spawn(|| planted_temp_files(&template));
        (r.join().unwrap(), d.join().unwrap(), p.join().unwrap())
    });
    let measured_in = started.elapsed();

    let scenario = |kind: Kind, m: &Measured| Scenario {
        kind,
        template: (kind != Kind::Create).then(|| template.clone()),
        initial_serial: if kind == Kind::Create { 0 } else { template.serial },
        final_serial: m.final_serial,
        gone: kind.gone().iter().map(|n| template.client_ids[*n].clone()).collect(),
    };
    let scenarios =
        [scenario(Kind::Create, &create), scenario(Kind::Replace, &replace), scenario(Kind::Delete, &delete)];

    // Kill points. Creation: evenly over the whole apply, from the spawn. Replacement and
    // deletion: a few during the refresh, the rest after the plan is printed, over the work the
    // measured apply did (and a little past it), so that they fall inside create-before-destroy
    // and inside the guided deletion.
    let mut jobs: Vec<(usize, At)> = Vec::new();
    let work = |m: &Measured| m.total.saturating_sub(m.plan_at);
    for d in spread(Duration::ZERO, replace.plan_at * 3 / 4, 2) {
        jobs.push((1, At::Spawn(d + replace.plan_at / 8)));
    }
    for d in spread(Duration::ZERO, work(&replace) * 11 / 10, 7) {
        jobs.push((1, after("plan", PLAN_LINE, d)));
    }
    // Inside the deletion of the replaced accounts: panel deletion, 401, record dropped.
    for d in spread(Duration::ZERO, replace.delete_window * 3 / 4, 3) {
        jobs.push((1, after("del-erp", DELETE_ERP, d)));
    }
    jobs.push((1, after("del-rep", DELETE_REPORTING, replace.delete_window / 2)));
    jobs.push((2, At::Spawn(delete.plan_at / 2)));
    for d in spread(Duration::ZERO, work(&delete) * 6 / 5, 7) {
        jobs.push((2, after("plan", PLAN_LINE, d)));
    }
    for d in spread(Duration::ZERO, create.total * 11 / 10, 12) {
        jobs.push((0, At::Spawn(d)));
    }

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Point>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(&(scenario, at)) = jobs.get(i) else { break };
                let point = kill_point(&scenarios[scenario], at);
                results.lock().unwrap()[i] = Some(point);
            });
        }
    });
    let mut points: Vec<Point> = results.into_inner().unwrap().into_iter().map(Option::unwrap).collect();
    points.sort_by_key(|p| (p.kind, p.killed_at));

    // The report.
    eprintln!("\n=== bckeys apply under SIGKILL ===");
    eprintln!(
        "measured (unkilled): create {} ms (plan at {} ms, serial 0 -> {}); replace {} ms (plan at {} ms, a previous account's deletion {} ms, serial {} -> {}); delete {} ms (plan at {} ms, deletion {} ms, serial {} -> {}); measuring took {:.1} s",
        create.total.as_millis(),
        create.plan_at.as_millis(),
        create.final_serial,
        replace.total.as_millis(),
        replace.plan_at.as_millis(),
        replace.delete_window.as_millis(),
        template.serial,
        replace.final_serial,
        delete.total.as_millis(),
        delete.plan_at.as_millis(),
        delete.delete_window.as_millis(),
        template.serial,
        delete.final_serial,
        measured_in.as_secs_f64(),
    );
    eprintln!(
        "{:<8} {:>14} {:>8} {:>7} {:>7} {:>4} {:>5} {:>4} {:>7} {:>7} {:>5}  last line printed",
        "scenario", "kill point", "sent ms", "phase", "serial", "tmp", "spare", "lock", "leaving", "orphans", "secs"
    );
    for p in &points {
        eprintln!(
            "{:<8} {:>14} {:>8} {:>7} {:>7} {:>4} {:>5} {:>4} {:>7} {:>7} {:>5.1}  {}{}",
            p.kind.name(),
            p.at.describe(),
            p.killed_at.as_millis(),
            format!("{:?}", p.phase).to_lowercase(),
            format!("{}/{}", p.serial, p.final_serial),
            p.temp_files.len(),
            p.spare_files,
            if p.stale_lock { "yes" } else { "-" },
            p.rejected_leaving,
            p.orphans,
            p.seconds,
            if p.exited_by_itself { "[finished before the kill] " } else { "" },
            p.last_line,
        );
    }
    eprintln!();
    let mut failures = Vec::new();
    for kind in [Kind::Create, Kind::Replace, Kind::Delete] {
        let of: Vec<&Point> = points.iter().filter(|p| p.kind == kind).collect();
        let count = |phase: Phase| of.iter().filter(|p| p.phase == phase).count();
        let sum = |f: fn(&Point) -> usize| of.iter().map(|p| f(p)).sum::<usize>();
        eprintln!(
            "{:<8}: {} kill points: {} before the work, {} inside, {} after ({} finished before the kill); temp files left {} (in {} repositories; {} still there after the rerun); unrecorded secret files {} ({} still there after the rerun); stale locks {}; recorded credentials already rejected but on their way out {}; orphan accounts in the sandbox {}",
            kind.name(),
            of.len(),
            count(Phase::Before),
            count(Phase::Inside),
            count(Phase::After),
            of.iter().filter(|p| p.exited_by_itself).count(),
            temp_summary(&of),
            of.iter().filter(|p| !p.temp_files.is_empty()).count(),
            sum(|p| p.temp_files_after_rerun),
            sum(|p| p.spare_files),
            sum(|p| p.spare_files_after_rerun),
            of.iter().filter(|p| p.stale_lock).count(),
            sum(|p| p.rejected_leaving),
            sum(|p| p.orphans),
        );
        for p in of {
            failures.extend(p.problems.iter().cloned());
        }
    }
    eprintln!(
        "planted temporary files (a half state beside the state, a half ciphertext among the secrets): {}",
        match &planted {
            Ok(()) => "ignored by plan --refresh=false, validate and apply".to_owned(),
            Err(e) => format!("FAILED: {e}"),
        }
    );
    if let Err(e) = planted {
        failures.push(format!("(c) planted temporary files: {e}"));
    }
    eprintln!(
        "{} kill points in {:.1} s; {}",
        points.len(),
        started.elapsed().as_secs_f64(),
        if failures.is_empty() { "all invariants held".to_owned() } else { format!("{} FAILURES", failures.len()) }
    );
    assert!(points.len() >= 20);
    assert!(failures.is_empty(), "crash-safety invariants failed:\n\n{}", failures.join("\n\n"));
}
