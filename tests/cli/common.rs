//! A throwaway repository per test: configuration, identity, secret files and state, built
//! with bckeys' own library so that every file is what bckeys itself would write.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use bckeys::address::Address;
use bckeys::state::{ApiAccountRecord, Resource, SecretRecord, State, TokenRecord, WebhookRecord};
use bckeys::vault::{self, Recipient};

pub struct Repo {
    pub dir: tempfile::TempDir,
    pub identity: PathBuf,
    pub recipient: String,
}

impl Repo {
    /// An empty repository with a fresh identity.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let (key, recipient) = vault::generate_x25519();
        let identity = dir.path().join("identity.agekey");
        std::fs::write(&identity, key.as_bytes()).unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&identity, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        Repo { dir, identity, recipient }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Writes bckeys.yaml from a template whose `RECIPIENT` stands for this repository's.
    pub fn write_config(&self, template: &str) {
        self.write("bckeys.yaml", &template.replace("RECIPIENT", &self.recipient));
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// The state as bckeys reads it: checked by parsing, not by searching its text.
    #[allow(dead_code)]
    pub fn state(&self) -> State {
        State::load(&self.path("bckeys.state.yaml")).unwrap()
    }

    /// The client ID recorded for an API account, if it is recorded.
    #[allow(dead_code)]
    pub fn client_id(&self, address: &str) -> Option<String> {
        match self.state().resources.get(&addr(address))? {
            Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => Some(r.client_id.clone()),
            _ => None,
        }
    }

    /// `bckeys` run in the repository with nothing of the caller's environment but PATH (no
    /// identity, no API base, no color, no CI): HOME is the repository, so that no file of the
    /// person running the tests is read either.
    pub fn bckeys(&self) -> Command {
        let mut cmd = Command::cargo_bin("bckeys").unwrap();
        cmd.current_dir(self.dir.path()).env_clear().env("HOME", self.dir.path()).env("NO_COLOR", "1");
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd
    }

    /// `bckeys` against a sandbox (or any API base), with this repository's identity and fast
    /// retries.
    pub fn bckeys_on(&self, api_base: &str) -> Command {
        let mut cmd = self.bckeys();
        cmd.env("BCKEYS_API_BASE", api_base)
            .env("BCKEYS_IDENTITY_FILE", &self.identity)
            .env("BCKEYS_RETRY_BASE_MS", "5");
        cmd
    }

    pub fn recipients(&self, extra: &[&str]) -> Vec<Recipient> {
        std::iter::once(self.recipient.as_str())
            .chain(extra.iter().copied())
            .map(|r| Recipient::parse(r).unwrap())
            .collect()
    }

    pub fn identities(&self) -> vault::Identities {
        vault::Identities::load(std::slice::from_ref(&self.identity), None, None).unwrap().unwrap()
    }

    /// Encrypts a made-up credential for `address` to `recipients` and returns its record.
    pub fn secret(&self, address: &Address, recipients: &[Recipient], token: &str) -> SecretRecord {
        // The file format bckeys writes, spelled out: a test of reading it as much as a fixture.
        let credential = match address {
            Address::StorefrontToken { .. } => format!(
                "address: {address}\nkind: storefront_token\nstore_hash: abc123def4\nname: fixture\naccess_token: access-token-{token}\ncreated_at: 2026-11-01T00:00:00Z\n"
            ),
            _ => format!(
                "address: {address}\nkind: store_api_account\nstore_hash: abc123def4\nname: fixture\nclient_id: client-id-fixture\nclient_secret: client-secret-{token}\naccess_token: access-token-{token}\napi_path: https://api.bigcommerce.com/stores/abc123def4/v3/\nscopes: []\ncreated_at: 2026-11-01T00:00:00Z\n"
            ),
        };
        let rel = address.secret_path();
        let written = vault::write_file(
            self.dir.path(),
            &self.dir.path().join(&rel),
            credential.as_bytes(),
            recipients,
            true,
            None,
        )
        .unwrap();
        SecretRecord::encrypted_to(rel, recipients, written.sha256)
    }
}

/// One `KEY: value` field of a credentials file as BigCommerce downloads it.
pub fn field<'a>(credentials: &'a str, key: &str) -> &'a str {
    credentials.lines().find_map(|l| l.strip_prefix(&format!("{key}: "))).map(str::trim).unwrap()
}

pub fn addr(text: &str) -> Address {
    text.parse().unwrap()
}

pub fn store_account(repo: &Repo, address: &str, scopes: &[&str], recipients: &[Recipient]) -> (Address, Resource) {
    let a = addr(address);
    let secret = repo.secret(&a, recipients, "t");
    let name = address.rsplit('/').next().unwrap().to_owned();
    let record = ApiAccountRecord {
        account_uuid: None,
        client_id: format!("client-{name}"),
        created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        exposed: false,
        name,
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        retire_after: None,
        secret,
        store_hash: Some("abc123def4".parse().unwrap()),
        unverified_levels: Some(Vec::new()),
    };
    (a, Resource::StoreApiAccount(record))
}

pub fn webhook(address: &str, scope: &str, destination: &str, active: bool) -> (Address, Resource) {
    let record = WebhookRecord {
        active,
        destination: destination.into(),
        generated_headers: vec![],
        id: 4242,
        plain_headers: Default::default(),
        scope: scope.into(),
        secret: None,
    };
    (addr(address), Resource::Webhook(record))
}

pub fn token(repo: &Repo, address: &str, expires_at: &str, recipients: &[Recipient]) -> (Address, Resource) {
    let a = addr(address);
    let secret = repo.secret(&a, recipients, "sf");
    let record = TokenRecord {
        access_scopes: vec![],
        allowed_cors_origins: vec!["https://shop.example.com".into()],
        channel_ids: vec![1],
        created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        expires_at: expires_at.parse().unwrap(),
        issuer: "storefront-issuer".into(),
        retire_after: None,
        secret,
        store_hash: "abc123def4".parse().unwrap(),
        token_type: bckeys::config::TokenType::Storefront,
    };
    (a, Resource::StorefrontToken(record))
}

pub fn save_state(repo: &Repo, resources: Vec<(Address, Resource)>) -> State {
    let mut state = State { resources: resources.into_iter().collect(), ..State::default() };
    state.save(&repo.path("bckeys.state.yaml")).unwrap();
    state
}

/// A running `bckeys sandbox` process on a free port, killed on drop.
pub struct SandboxProcess {
    child: std::process::Child,
    pub url: String,
}

impl SandboxProcess {
    pub fn start(seed: &str) -> SandboxProcess {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seed.yaml");
        std::fs::write(&path, seed).unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bckeys"))
            .args(["sandbox", "--port", "0", "--seed"])
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim_end().strip_prefix("bckeys sandbox listening on ").unwrap_or_else(|| panic!("{line:?}"));
        assert!(url.starts_with("http://127.0.0.1:"), "{line:?}");
        SandboxProcess { child, url: url.to_owned() }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the `age` tool is here. Under CI (`CI` set) it must be: a test that would check
/// interoperability fails rather than skip silently.
pub fn age_available() -> bool {
    let here = std::process::Command::new("age").arg("--version").output().is_ok_and(|o| o.status.success());
    required(here, "the `age` command (Debian's `age` package), to check interoperability")
}

/// A path under ../shared (BigCommerce's specs and facts), when it is there; under CI it must be.
#[allow(dead_code)]
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = manifest_dir().join("../shared").join(relative);
    required(path.exists(), &format!("{}", path.display())).then_some(path)
}

fn required(here: bool, what: &str) -> bool {
    if !here {
        assert!(std::env::var_os("CI").is_none(), "{what} is required under CI, and is missing");
        eprintln!("SKIPPED: {what} is missing");
    }
    here
}

#[allow(dead_code)]
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
