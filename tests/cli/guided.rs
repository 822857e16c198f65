//! `bckeys apply` on a real pseudo-terminal, with the test playing the person at the control
//! panel: it reads the numbered steps, creates (or deletes) the API account through the
//! sandbox's simulated control panel, pastes the credentials or types the path of the file,
//! and answers the questions. Every wait has a deadline, so a hang fails instead of blocking.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Expect, Session};
use secrecy::ExposeSecret;

use crate::common::{field, Repo};
use crate::live::Sandbox;

const ADDRESS: &str = "store/production/erp-sync";
const SECRET: &str = "secrets/store/production/erp-sync.age";
const STATE: &str = "bckeys.state.yaml";
const SCOPES: &[&str] = &["store_v2_products", "store_v2_orders_read_only"];

/// How long bckeys may take to show what the person waits for, or to exit.
const PATIENCE: Duration = Duration::from_secs(10);

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes: {products: modify, orders: read-only}
"#;

fn setup() -> (Repo, Sandbox) {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 1000, window_ms: 30000}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    (repo, sandbox)
}

/// The access token and client secret of a credentials text: what must never be printed.
fn secrets(credentials: &str) -> [String; 2] {
    [field(credentials, "ACCESS TOKEN").to_owned(), field(credentials, "CLIENT SECRET").to_owned()]
}

/// What a terminal shows of raw output, for matching: escape sequences and carriage returns
/// dropped. Appending bytes never changes what an earlier prefix turned into.
fn plain(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            0x1b => i = skip_escape(raw, i),
            b'\r' => i += 1,
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The index after the escape sequence starting at `start` (CSI, OSC or a two-byte one).
fn skip_escape(raw: &[u8], start: usize) -> usize {
    match raw.get(start + 1) {
        Some(b'[') => {
            let end = raw[start + 2..].iter().position(|b| (0x40..=0x7e).contains(b));
            end.map_or(raw.len(), |e| start + 2 + e + 1)
        }
        Some(b']') => {
            let end = raw[start + 2..].iter().position(|&b| b == 0x07 || b == 0x1b);
            match end.map(|e| start + 2 + e) {
                Some(e) if raw[e] == 0x1b => e + 2,
                Some(e) => e + 1,
                None => raw.len(),
            }
        }
        Some(_) => start + 2,
        None => raw.len(),
    }
}

/// The screen as the person saw it, line by line: escape sequences dropped, a line rewritten
/// after a carriage return (a progress bar or a countdown) shown as it was last drawn, and a
/// line erased by a progress bar (`ESC [ K`, `ESC [ 2K` after cursor-up) left out.
fn screen(raw: &[u8]) -> String {
    let mut lines: Vec<Vec<u8>> = vec![Vec::new()];
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            0x1b => {
                let end = skip_escape(raw, i);
                let seq = &raw[i..end];
                if seq.ends_with(b"A") && lines.len() > 1 {
                    // Cursor up: the line below is about to be redrawn.
                    let last = lines.pop().unwrap_or_default();
                    if !last.is_empty() {
                        lines.push(last);
                    }
                } else if seq.ends_with(b"K") {
                    lines.last_mut().unwrap().clear();
                }
                i = end;
            }
            b'\r' if raw.get(i + 1) == Some(&b'\n') => i += 1,
            b'\r' => {
                lines.last_mut().unwrap().clear();
                i += 1;
            }
            b'\n' => {
                lines.push(Vec::new());
                i += 1;
            }
            b => {
                lines.last_mut().unwrap().push(b);
                i += 1;
            }
        }
    }
    let text: Vec<String> = lines.iter().map(|l| String::from_utf8_lossy(l).trim_end().to_owned()).collect();
    text.join("\n")
}

/// `bckeys apply` on a pseudo-terminal, and the person in front of it.
struct Person {
    session: OsSession,
    raw: Vec<u8>,
    /// Where in `plain(raw)` the next expectation starts looking.
    cursor: usize,
    eof: bool,
}

impl Person {
    /// Starts `bckeys apply --sandbox-panel=false --delete-timeout 20` in the repository. The
    /// terminal does not echo what is typed unless `echo`: so, without it, a secret that shows
    /// up was printed by bckeys itself.
    fn apply(repo: &Repo, sandbox: &Sandbox, echo: bool) -> Person {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("bckeys"));
        cmd.args(["apply", "--sandbox-panel=false", "--delete-timeout", "20"])
            .current_dir(repo.dir.path())
            .env("BCKEYS_API_BASE", &sandbox.url)
            .env("BCKEYS_IDENTITY_FILE", &repo.identity)
            .env("BCKEYS_RETRY_BASE_MS", "5")
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .env_remove("BCKEYS_IDENTITY")
            .env_remove("BCKEYS_CONFIG");
        let mut session = Session::spawn(cmd).expect("bckeys starts on a pseudo-terminal");
        session.get_process_mut().set_echo(echo, Some(PATIENCE)).expect("the terminal's echo can be set");
        Person { session, raw: Vec::new(), cursor: 0, eof: false }
    }

    /// Reads whatever bckeys printed so far, without blocking.
    fn pump(&mut self) {
        let mut buf = [0u8; 4096];
        while !self.eof {
            match self.session.try_read(&mut buf) {
                Ok(0) => self.eof = true,
                Ok(n) => self.raw.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!("reading the terminal: {e}"),
            }
        }
    }

    /// Waits until the terminal shows `text` after what was already seen; the text before it.
    fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            self.pump();
            let shown = plain(&self.raw);
            if let Some(at) = shown[self.cursor..].find(text) {
                let before = shown[self.cursor..self.cursor + at].to_owned();
                self.cursor += at + text.len();
                return before;
            }
            assert!(!self.eof, "bckeys ended without showing {text:?}; the terminal showed:\n{}", self.screen());
            assert!(
                Instant::now() < deadline,
                "bckeys did not show {text:?} within {PATIENCE:?}; the terminal showed:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Types a line and presses Enter.
    fn line(&mut self, text: &str) {
        self.session.send_line(text).expect("typing on the terminal");
    }

    /// Pastes a credentials block as a person does: its lines, then the empty line that ends it.
    fn paste(&mut self, credentials: &str) {
        let mut block: String = credentials.lines().map(|l| format!("{l}\n")).collect();
        block.push('\n');
        self.session.send(block).expect("pasting on the terminal");
    }

    /// Waits for bckeys to exit and returns its exit code; everything it printed is read.
    fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            self.pump();
            if self.eof {
                if let Ok(WaitStatus::Exited(_, code)) = self.session.get_process().status() {
                    return code;
                }
            }
            if let Ok(WaitStatus::Signaled(_, signal, _)) = self.session.get_process().status() {
                panic!("bckeys was killed by {signal:?}; the terminal showed:\n{}", self.screen());
            }
            assert!(
                Instant::now() < deadline,
                "bckeys did not exit within {PATIENCE:?}; the terminal showed:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything the terminal showed, escape sequences and carriage returns dropped.
    fn shown(&self) -> String {
        plain(&self.raw)
    }

    fn screen(&self) -> String {
        screen(&self.raw)
    }

    /// Checks that no secret of `credentials` appears more often than the terminal's own echo
    /// of what the person typed put it there.
    fn assert_secrets_shown_at_most(&self, credentials: &str, times: usize) {
        let shown = self.shown();
        for secret in secrets(credentials) {
            let count = shown.matches(secret.as_str()).count();
            assert!(
                count <= times,
                "a secret appears {count} times on the terminal, {times} from the terminal's echo:\n{}",
                self.screen()
            );
        }
    }
}

/// Runs apply up to the credentials prompt: the plan, `yes`, the steps, the prompt.
fn up_to_the_credentials_prompt(repo: &Repo, sandbox: &Sandbox, echo: bool) -> Person {
    let mut person = Person::apply(repo, sandbox, echo);
    person.expect(&format!("+ {ADDRESS}"));
    person.expect("Do you want to carry out these actions? Only 'yes' is accepted.");
    person.expect("Enter a value: ");
    person.line("yes");
    person.expect(&format!("Create {ADDRESS}"));
    person.expect("Paste the credentials of store/production/erp-sync and finish with an empty line");
    person.expect("> ");
    person
}

fn nothing_written(repo: &Repo) {
    assert!(!repo.path(STATE).exists(), "no state file");
    assert!(!repo.path("secrets").exists(), "no secrets/ directory");
    assert!(!repo.path("bckeys.lock").exists(), "the lock is released");
}

/// The credential encrypted for erp-sync, decrypted with the repository's identity.
fn recorded_credential(repo: &Repo) -> bckeys::vault::Credential {
    let plain = bckeys::vault::read_file(&repo.path(SECRET), &repo.identities()).expect("the secret file decrypts");
    bckeys::vault::Credential::from_yaml(&plain).expect("a credential")
}

fn transcript_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("guided-transcript.txt")
}

#[test]
fn the_person_follows_the_steps_and_pastes_the_credentials() {
    let (repo, sandbox) = setup();
    // The echo on, as on a person's terminal, so the transcript shows what they saw.
    let mut person = Person::apply(&repo, &sandbox, true);
    person.expect(&format!("+ {ADDRESS}"));
    person.expect("Do you want to carry out these actions? Only 'yes' is accepted.");
    person.expect("Enter a value: ");
    person.line("yes");
    person.expect(&format!("Create {ADDRESS}"));
    person.expect("1. Sign in to the BigCommerce control panel of store abc123def4");
    person.expect("Settings > Store-level API accounts");
    person.expect("2. Click \"Create API account\"");
    person.expect("V2/V3 API token");
    person.expect("3. Name: erp-sync");
    let scopes = person.expect("leave every other scope at None");
    assert!(scopes.contains("Products: modify"), "{scopes}");
    assert!(scopes.contains("Orders: read-only"), "{scopes}");
    person.expect("5. Click \"Save\"");
    person.expect("6. Give bckeys the credentials of store/production/erp-sync");
    person.expect("Paste the credentials of store/production/erp-sync and finish with an empty line, or type the path of the downloaded .txt file; what you paste is not shown.");
    person.expect("(Type `abort` to stop; what is already recorded stays recorded.)");
    person.expect("> ");

    // The person creates the account in the control panel and pastes what it shows.
    let credentials = sandbox.create_account("erp-sync", SCOPES);
    person.paste(&credentials);
    person.expect("lines, not shown)");
    person.expect(&format!("Recorded {ADDRESS}: credentials proven and encrypted to {SECRET}"));
    person.expect(&format!("done: created {ADDRESS}"));
    person.expect("Apply finished: 1 done, 0 failed, 0 left to a person.");
    assert_eq!(person.exit_code(), 0, "{}", person.screen());

    let transcript = person.screen();
    let path = transcript_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("{}\n", transcript.trim_end())).unwrap();

    // The terminal's echo is off while the block is pasted, and bckeys never prints a secret:
    // nothing of it stays in the scrollback.
    person.assert_secrets_shown_at_most(&credentials, 0);
    let state = repo.read(STATE);
    assert!(state.contains(&format!("{ADDRESS}:")), "{state}");
    assert!(state.contains(field(&credentials, "CLIENT ID")), "{state}");
    for secret in secrets(&credentials) {
        assert!(!state.contains(&secret), "the state holds no secret");
    }
    let credential = recorded_credential(&repo);
    assert_eq!(credential.token().unwrap().expose_secret(), field(&credentials, "ACCESS TOKEN"));
    assert_eq!(credential.keys().unwrap().client_id.as_deref(), Some(field(&credentials, "CLIENT ID")));
    assert!(!repo.path("bckeys.lock").exists(), "the lock is released");
}

#[test]
fn the_person_types_the_path_of_the_downloaded_file() {
    let (repo, sandbox) = setup();
    let mut person = up_to_the_credentials_prompt(&repo, &sandbox, false);
    let credentials = sandbox.create_account("erp-sync", SCOPES);
    repo.write("erp-sync.txt", &credentials);
    // A mistyped path is neither a file nor a credentials line: asked again.
    let mistyped = repo.path("erp-sync.tx");
    person.line(mistyped.to_str().unwrap());
    // What was typed is not echoed back: it could have been a bare token.
    let shown = person.expect("That line is neither the path of a file nor a `KEY: value` line.");
    assert!(!shown.contains(&format!("{} is", mistyped.display())), "the typed line was printed back");
    person.expect("Paste the credentials of store/production/erp-sync");
    person.expect("> ");
    person.line(repo.path("erp-sync.txt").to_str().unwrap());
    person.expect(&format!("Recorded {ADDRESS}: credentials proven and encrypted to {SECRET}"));
    assert_eq!(person.exit_code(), 0, "{}", person.screen());
    person.assert_secrets_shown_at_most(&credentials, 0);
    assert_eq!(repo.client_id(ADDRESS).as_deref(), Some(field(&credentials, "CLIENT ID")));
    assert_eq!(recorded_credential(&repo).token().unwrap().expose_secret(), field(&credentials, "ACCESS TOKEN"));
}

/// Gives credentials with only Products, up to the question of what to do about it.
fn mismatch(repo: &Repo, sandbox: &Sandbox) -> (Person, String) {
    let mut person = up_to_the_credentials_prompt(repo, sandbox, false);
    let wrong = sandbox.create_account("erp-sync", &["store_v2_products"]);
    person.paste(&wrong);
    person.expect(&format!("The scopes BigCommerce granted to {ADDRESS} differ from the configuration:"));
    person.expect("configured but not granted: Orders (orders)");
    person.expect("Type `retry` to give other credentials");
    person.expect("`accept` to record what was granted");
    person.expect("or `abort`.");
    person.expect("> ");
    (person, wrong)
}

#[test]
fn scope_mismatch_retry_records_the_corrected_account() {
    let (repo, sandbox) = setup();
    let (mut person, wrong) = mismatch(&repo, &sandbox);
    // An answer it does not know: asked again.
    person.line("maybe");
    person.expect("Type `retry`");
    person.expect("> ");
    person.line("retry");
    person.expect("Paste the credentials of store/production/erp-sync");
    person.expect("> ");
    let right = sandbox.create_account("erp-sync", SCOPES);
    person.paste(&right);
    person.expect(&format!("Recorded {ADDRESS}: credentials proven and encrypted"));
    assert_eq!(person.exit_code(), 0, "{}", person.screen());
    person.assert_secrets_shown_at_most(&wrong, 0);
    person.assert_secrets_shown_at_most(&right, 0);
    let state = repo.read(STATE);
    assert!(state.contains(field(&right, "CLIENT ID")), "{state}");
    assert!(!state.contains(field(&wrong, "CLIENT ID")), "{state}");
    assert_eq!(recorded_credential(&repo).keys().unwrap().client_id.as_deref(), Some(field(&right, "CLIENT ID")));
}

#[test]
fn scope_mismatch_accept_records_what_was_granted_and_the_next_plan_replaces_it() {
    let (repo, sandbox) = setup();
    let (mut person, wrong) = mismatch(&repo, &sandbox);
    person.line("accept");
    person.expect(&format!("Recorded {ADDRESS} with what BigCommerce granted"));
    person.expect("the next plan shows the difference");
    assert_eq!(person.exit_code(), 0, "{}", person.screen());
    person.assert_secrets_shown_at_most(&wrong, 0);
    assert_eq!(repo.client_id(ADDRESS).as_deref(), Some(field(&wrong, "CLIENT ID")));
    assert_eq!(recorded_credential(&repo).token().unwrap().expose_secret(), field(&wrong, "ACCESS TOKEN"));

    let out =
        repo.bckeys().env("BCKEYS_IDENTITY_FILE", &repo.identity).args(["plan", "--refresh=false"]).output().unwrap();
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{plan}{}", String::from_utf8_lossy(&out.stderr));
    let line = plan.lines().find(|l| l.contains(ADDRESS)).unwrap_or_else(|| panic!("{plan}"));
    assert!(line.contains("-/+") && line.contains("replace"), "a replacement of erp-sync: {plan}");
}

#[test]
fn scope_mismatch_abort_writes_nothing() {
    let (repo, sandbox) = setup();
    let (mut person, wrong) = mismatch(&repo, &sandbox);
    person.line("abort");
    person.expect("Apply aborted: 0 done, 0 failed, 0 left to a person.");
    assert_eq!(person.exit_code(), 1, "{}", person.screen());
    person.assert_secrets_shown_at_most(&wrong, 0);
    nothing_written(&repo);
}

#[test]
fn leading_blank_lines_are_skipped_and_abort_aborts_with_nothing_half_written() {
    let (repo, sandbox) = setup();
    let mut person = up_to_the_credentials_prompt(&repo, &sandbox, false);
    person.line("");
    person.line("  ");
    person.line("abort");
    person.expect("Apply aborted: 0 done, 0 failed, 0 left to a person.");
    assert_eq!(person.exit_code(), 1, "{}", person.screen());
    nothing_written(&repo);
}

#[test]
fn a_paste_bckeys_gives_up_on_is_drained_not_read_line_by_line() {
    let (repo, sandbox) = setup();
    let mut person = up_to_the_credentials_prompt(&repo, &sandbox, false);
    let credentials = sandbox.create_account("erp-sync", SCOPES);
    // A paste that starts with a stray line: bckeys gives up on it, and none of the rest may be
    // taken as answers (nor left for the shell once bckeys exits).
    person.paste(&format!("stray words\n{credentials}"));
    person.expect("That line is neither the path of a file nor a `KEY: value` line.");
    person.expect("> ");
    person.line("abort");
    person.expect("Apply aborted: 0 done, 0 failed, 0 left to a person.");
    assert_eq!(person.exit_code(), 1, "{}", person.screen());
    assert_eq!(person.shown().matches("neither the path").count(), 1, "{}", person.screen());
    person.assert_secrets_shown_at_most(&credentials, 0);
    nothing_written(&repo);
}

#[test]
fn the_echo_is_off_only_while_pasting_and_comes_back_when_ctrl_c_ends_bckeys() {
    let (repo, sandbox) = setup();
    let mut person = up_to_the_credentials_prompt(&repo, &sandbox, true);
    let deadline = Instant::now() + PATIENCE;
    while person.session.get_process().get_echo().unwrap() {
        assert!(Instant::now() < deadline, "the echo stays on at the paste prompt");
        std::thread::sleep(Duration::from_millis(10));
    }
    person.session.send(expectrl::ControlCode::EndOfText).unwrap();
    let deadline = Instant::now() + PATIENCE;
    loop {
        person.pump();
        if let Ok(WaitStatus::Signaled(_, signal, _)) = person.session.get_process().status() {
            assert_eq!(signal, expectrl::process::unix::Signal::SIGINT);
            break;
        }
        assert!(Instant::now() < deadline, "Ctrl-C did not end bckeys:\n{}", person.screen());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(person.session.get_process().get_echo().unwrap(), "the echo is back on after Ctrl-C");
    // Killed, it leaves its lock, which the next run takes over (its process is gone).
    assert!(!repo.path(STATE).exists() && !repo.path("secrets").exists());
}

#[test]
fn anything_but_yes_at_the_confirmation_cancels() {
    for answer in ["y", "YES", "no", ""] {
        let (repo, sandbox) = setup();
        let mut person = Person::apply(&repo, &sandbox, false);
        person.expect("Only 'yes' is accepted.");
        person.expect("Enter a value: ");
        person.line(answer);
        person.expect("Apply cancelled; nothing was changed.");
        assert_eq!(person.exit_code(), 1, "{answer:?}: {}", person.screen());
        assert!(!person.shown().contains("Create store/production/erp-sync"), "{answer:?}: no step after a no");
        nothing_written(&repo);
    }
}

#[test]
fn an_account_removed_from_the_configuration_is_deleted_by_the_person() {
    let (repo, sandbox) = setup();
    let credentials = sandbox.create_account("erp-sync", SCOPES);
    let client_id = field(&credentials, "CLIENT ID").to_owned();
    repo.write("erp-sync.txt", &credentials);
    repo.bckeys()
        .env("BCKEYS_API_BASE", &sandbox.url)
        .env("BCKEYS_IDENTITY_FILE", &repo.identity)
        .env("BCKEYS_RETRY_BASE_MS", "5")
        .args(["apply", "--auto-approve", "--non-interactive", "--sandbox-panel=false"])
        .args(["--credentials", &format!("{ADDRESS}=erp-sync.txt")])
        .assert()
        .code(0);
    assert!(repo.path(SECRET).exists());
    std::fs::remove_file(repo.path("erp-sync.txt")).unwrap();
    repo.write("bckeys.yaml", &format!("version: 1\nencryption:\n  recipients: [{}]\nstores: {{}}\n", repo.recipient));

    let mut person = Person::apply(&repo, &sandbox, false);
    person.expect(&format!("- {ADDRESS}"));
    person.expect("Enter a value: ");
    person.line("yes");
    person.expect(&format!("Delete {ADDRESS}:"));
    person.expect("1. Sign in to the BigCommerce control panel of store abc123def4");
    person.expect(&format!("2. Find `erp-sync` (client ID {client_id})"));
    person.expect("3. Delete it and confirm.");
    // bckeys counts down on standard error while BigCommerce still accepts the token.
    person.expect(&format!("waiting for BigCommerce to reject the token of {ADDRESS}: 0:"));
    person.expect(" left ");
    assert!(repo.path(SECRET).exists(), "kept while BigCommerce accepts the token");
    let (status, body) =
        sandbox.panel("DELETE", &format!("/__sandbox/api-accounts/{client_id}"), serde_json::Value::Null);
    assert!(status < 300, "{status} {body}");
    person.expect(&format!("{ADDRESS}: BigCommerce rejects its token; record and credential removed."));
    person.expect(&format!("done: deleted {ADDRESS}"));
    assert_eq!(person.exit_code(), 0, "{}", person.screen());
    person.assert_secrets_shown_at_most(&credentials, 0);
    assert!(repo.client_id(ADDRESS).is_none(), "the record is removed");
    assert!(!repo.path(SECRET).exists(), "the secret file is removed");
    assert!(!repo.path("bckeys.lock").exists(), "the lock is released");
}
