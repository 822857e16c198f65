//! The state file, `bckeys.state.yaml`: what has been created and recorded, without secrets.
//!
//! It is deterministic (keys sorted, fields in alphabetical order, one format) so that git diffs
//! show only real changes, and every write raises `serial` so a saved plan can tell the state
//! moved. A state that can't be read is an error with its location, never a silent reset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::config::locate::{Locations, Pos};
use crate::config::{AccessScope, TokenType};
use crate::ids::{AccountUuid, StoreHash};
use crate::scope_set::ScopeSet;
use crate::timestamp::Timestamp;

pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    #[serde(default)]
    pub resources: BTreeMap<Address, Resource>,
    /// API accounts being replaced: the new one is (or is about to be) recorded under the same
    /// address, and the old one waits here, with its credential, until BigCommerce rejects it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retiring: BTreeMap<Address, Resource>,
    /// Storefront tokens being created: written before the create call and removed once the
    /// token is recorded. BigCommerce can't list tokens, so one left here means a token may exist
    /// that nobody recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub intents: BTreeMap<Address, Vec<TokenIntent>>,
    pub serial: u64,
    pub version: u32,
}

/// One recorded resource, tagged by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resource {
    StoreApiAccount(ApiAccountRecord),
    AccountApiAccount(ApiAccountRecord),
    Webhook(WebhookRecord),
    StorefrontToken(TokenRecord),
}

/// Where a credential is kept and what it was encrypted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRecord {
    pub file: PathBuf,
    /// The canonical recipients (public keys) the file is encrypted to, so that `rekey` can tell
    /// who could read a credential after a recipient is removed. Empty in records written before
    /// bckeys kept them: then nobody can tell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readers: Vec<String>,
    /// Fingerprint of the recipient set the file is encrypted to.
    pub recipients: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiAccountRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_uuid: Option<AccountUuid>,
    pub client_id: String,
    pub created_at: Timestamp,
    /// Set by `rekey --rotate-exposed`: a removed recipient could read this credential (git
    /// history keeps what it could read), so the plan replaces the account.
    #[serde(default, skip_serializing_if = "is_false")]
    pub exposed: bool,
    pub name: String,
    /// The OAuth parameters BigCommerce granted, which may differ from the configuration when
    /// a person accepted what was granted.
    pub scopes: Vec<String>,
    /// A previous account (in `retiring`) whose deletion waits for its overlap to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire_after: Option<Timestamp>,
    pub secret: SecretRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_hash: Option<StoreHash>,
    /// Granted families whose level (read-only or modify) no probe proved when the credential
    /// was captured. Absent in records made before bckeys sent write probes: then no level was
    /// proven.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified_levels: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookRecord {
    pub active: bool,
    pub destination: String,
    /// Header names whose values bckeys generated and keeps in `secret`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated_headers: Vec<String>,
    pub id: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub plain_headers: BTreeMap<String, String>,
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRecord>,
}

/// A storefront token creation under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenIntent {
    pub expires_at: Timestamp,
    pub started_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecord {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_scopes: Vec<AccessScope>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_cors_origins: Vec<String>,
    pub channel_ids: Vec<u64>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub issuer: String,
    /// A previous token (in `retiring`) that stays valid until its overlap ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire_after: Option<Timestamp>,
    pub secret: SecretRecord,
    pub store_hash: StoreHash,
    #[serde(rename = "type")]
    pub token_type: TokenType,
}

impl Resource {
    pub fn kind(&self) -> &'static str {
        match self {
            Resource::StoreApiAccount(_) => "store_api_account",
            Resource::AccountApiAccount(_) => "account_api_account",
            Resource::Webhook(_) => "webhook",
            Resource::StorefrontToken(_) => "storefront_token",
        }
    }

    /// When a previous credential (in `retiring`) may go: the end of its overlap, if it has one.
    pub fn retire_after(&self) -> Option<Timestamp> {
        match self {
            Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => r.retire_after,
            Resource::StorefrontToken(t) => t.retire_after,
            Resource::Webhook(_) => None,
        }
    }

    /// The API account record, for either kind of API account.
    pub fn api_account(&self) -> Option<&ApiAccountRecord> {
        match self {
            Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => Some(r),
            _ => None,
        }
    }

    pub fn is_api_account(&self) -> bool {
        self.api_account().is_some()
    }

    pub fn secret(&self) -> Option<&SecretRecord> {
        match self {
            Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => Some(&r.secret),
            Resource::Webhook(w) => w.secret.as_ref(),
            Resource::StorefrontToken(t) => Some(&t.secret),
        }
    }

    fn fits(&self, address: &Address) -> bool {
        matches!(
            (self, address),
            (Resource::StoreApiAccount(_), Address::StoreAccount { .. })
                | (Resource::AccountApiAccount(_), Address::AccountAccount { .. })
                | (Resource::Webhook(_), Address::Webhook { .. })
                | (Resource::StorefrontToken(_), Address::StorefrontToken { .. })
        )
    }
}

impl ApiAccountRecord {
    /// The store or account it was created on.
    pub fn target(&self) -> Option<crate::credentials::ApiTarget> {
        use crate::credentials::ApiTarget;
        match (&self.store_hash, &self.account_uuid) {
            (Some(h), _) => Some(ApiTarget::Store(h.clone())),
            (_, Some(u)) => Some(ApiTarget::Account(u.clone())),
            _ => None,
        }
    }

    /// The granted scopes; the state was checked on load, so unknown parameters can't occur.
    pub fn scope_set(&self) -> ScopeSet {
        ScopeSet::from_parameters(&self.scopes).unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read {}: {error}", path.display())]
    Read { path: PathBuf, error: std::io::Error },
    #[error("{}:{}:{}: {message}", path.display(), pos.line, pos.column)]
    Invalid { path: PathBuf, pos: Pos, message: String },
    #[error("cannot write {}: {error}", path.display())]
    Write { path: PathBuf, error: std::io::Error },
}

impl StateError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            StateError::Invalid { .. } => Some("the state is written by bckeys only: restore it from git (`git checkout -- bckeys.state.yaml`) or fix the line named above; bckeys never resets it on its own"),
            _ => None,
        }
    }
}

impl Default for State {
    fn default() -> Self {
        State {
            resources: BTreeMap::new(),
            retiring: BTreeMap::new(),
            intents: BTreeMap::new(),
            serial: 0,
            version: STATE_VERSION,
        }
    }
}

impl State {
    /// The state file beside a configuration file.
    pub fn path_for(config_dir: &Path) -> PathBuf {
        if config_dir == Path::new(".") {
            return PathBuf::from("bckeys.state.yaml");
        }
        config_dir.join("bckeys.state.yaml")
    }

    /// Reads the state; a missing file is the empty state of a new repository.
    pub fn load(path: &Path) -> Result<State, StateError> {
        match crate::fsutil::read_bounded(path, crate::fsutil::MAX_DOCUMENT) {
            Ok(bytes) => State::parse(path, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(error) => Err(StateError::Read { path: path.to_path_buf(), error }),
        }
    }

    pub fn parse(path: &Path, bytes: &[u8]) -> Result<State, StateError> {
        let invalid = |pos: Pos, message: String| StateError::Invalid { path: path.to_path_buf(), pos, message };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| invalid(Pos { line: 1, column: 1 }, "the state file is not UTF-8 text".into()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(invalid(Pos { line: 1, column: 1 }, "the state file is empty (a missing file would mean \"nothing recorded\"; an empty one means something went wrong)".into()));
        }
        // git's text merge of two branches' states leaves markers; say so, and how to merge.
        if let Some((n, _)) = text.lines().enumerate().find(|(_, l)| {
            l.starts_with("<<<<<<< ")
                || l.starts_with(">>>>>>> ")
                || *l == "======="
                || *l == "<<<<<<<"
                || *l == ">>>>>>>"
        }) {
            return Err(invalid(
                Pos { line: n + 1, column: 1 },
                "git conflict markers: two branches changed the state and git merged it as text; \
                 take one side (`git checkout --ours bckeys.state.yaml`), or set up bckeys' merge driver \
                 (`git config merge.bckeys.driver \"bckeys state merge %O %A %B\"`, with \
                 `bckeys.state.yaml merge=bckeys` in .gitattributes) and merge again"
                    .into(),
            ));
        }
        let duplicates = Locations::check(text).map_err(|e| invalid(e.pos, format!("invalid YAML: {}", e.message)))?;
        if let Some(d) = duplicates.first() {
            return Err(invalid(d.second, format!("`{}` is recorded twice", d.path.join("."))));
        }
        let state: State = serde_yaml::from_str(text).map_err(|e| {
            // Inside tagged records serde can't tell where a bad value is: find it.
            if let Some((path, message)) = bad_value(text) {
                let at = Locations::scan(text).unwrap_or_default().value(&path);
                return invalid(at, message);
            }
            let (pos, message) = crate::config::locate::serde_error(&e);
            invalid(pos, message)
        })?;
        // Positions are looked up only for a problem, so a valid state never pays for indexing.
        let locs = std::cell::OnceCell::new();
        let locs = || locs.get_or_init(|| Locations::scan(text).unwrap_or_default());
        // Values reach the terminal in plans and reports: none may steer it.
        if let Some((path, shown)) = crate::config::locate::control_characters(text).into_iter().next() {
            return Err(invalid(
                locs().value(&path),
                format!("`{}` holds a control character ({shown})", path.join(".")),
            ));
        }
        if state.version != STATE_VERSION {
            return Err(invalid(
                locs().value(&["version"]),
                format!(
                    "state version {} is not supported by this bckeys (it reads version {STATE_VERSION})",
                    state.version
                ),
            ));
        }
        let records = state.resources.iter().map(|(a, r)| ("resources", a, r, a.secret_path()));
        let retiring = state.retiring.iter().map(|(a, r)| ("retiring", a, r, a.retiring_secret_path()));
        for (section, address, resource, expected_file) in records.chain(retiring) {
            let at = |field: &str| {
                let key = address.to_string();
                if field.is_empty() {
                    locs().key(&[section, key.as_str()])
                } else {
                    locs().value(&[section, key.as_str(), field])
                }
            };
            if !resource.fits(address) || (section == "retiring" && matches!(resource, Resource::Webhook(_))) {
                return Err(invalid(
                    at("kind"),
                    format!("`{address}` is recorded as a {}, which that address can't be", resource.kind()),
                ));
            }
            if let Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) = resource {
                if let Err(e) = ScopeSet::from_parameters(&r.scopes) {
                    return Err(invalid(at("scopes"), format!("`{address}`: {e}")));
                }
            }
            if let Some(secret) = resource.secret() {
                if secret.file != expected_file {
                    return Err(invalid(
                        at("secret"),
                        format!("`{address}`: its secret file must be {}", expected_file.display()),
                    ));
                }
                if secret.sha256.len() != 64 || !secret.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(invalid(
                        at("secret"),
                        format!("`{address}`: the secret's sha256 is not a SHA-256 digest"),
                    ));
                }
            }
        }
        Ok(state)
    }

    /// The deterministic text of the state.
    pub fn to_yaml(&self) -> String {
        // Maps of strings, numbers and lists always serialize.
        let body = serde_yaml::to_string(self).unwrap_or_default();
        format!("# Written by bckeys. Holds no secret; commit it. Edit by hand only to repair it.\n{body}")
    }

    /// The records of the addresses `keep` wants (resources, retiring ones and intents), with
    /// this state's serial and version.
    pub fn filtered(&self, keep: impl Fn(&Address) -> bool) -> State {
        fn part<V: Clone>(map: &BTreeMap<Address, V>, keep: &impl Fn(&Address) -> bool) -> BTreeMap<Address, V> {
            map.iter().filter(|(a, _)| keep(a)).map(|(a, v)| (a.clone(), v.clone())).collect()
        }
        State {
            resources: part(&self.resources, &keep),
            retiring: part(&self.retiring, &keep),
            intents: part(&self.intents, &keep),
            serial: self.serial,
            version: self.version,
        }
    }

    /// Replaces the records of the addresses `mine` owns by those of `part`.
    pub fn replace_part(&mut self, mine: impl Fn(&Address) -> bool, part: &State) {
        self.resources.retain(|a, _| !mine(a));
        self.retiring.retain(|a, _| !mine(a));
        self.intents.retain(|a, _| !mine(a));
        self.resources.extend(part.resources.iter().map(|(a, r)| (a.clone(), r.clone())));
        self.retiring.extend(part.retiring.iter().map(|(a, r)| (a.clone(), r.clone())));
        self.intents.extend(part.intents.iter().map(|(a, i)| (a.clone(), i.clone())));
    }

    /// Writes the state atomically with its serial raised, unless nothing in it changed since it was read
    /// or last written: then nothing is written and the serial stays, so a run that changes
    /// nothing leaves the repository as it was.
    pub fn save(&mut self, path: &Path) -> Result<(), StateError> {
        if std::fs::read(path).is_ok_and(|on_disk| on_disk == self.to_yaml().as_bytes()) {
            return Ok(());
        }
        self.serial += 1;
        let root = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        crate::fsutil::write_inside(root, path, self.to_yaml().as_bytes(), false)
            .map_err(|error| StateError::Write { path: path.to_path_buf(), error })
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(|e: crate::address::AddressError| serde::de::Error::custom(format!("{e}; {}", e.hint())))
    }
}

/// The first timestamp, store hash or account UUID of the state that can't be read: its path
/// and what is wrong with it.
fn bad_value(text: &str) -> Option<(Vec<String>, String)> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    let check = |path: Vec<String>, value: &serde_yaml::Value, field: &str| {
        let text = value.get(field)?.as_str()?;
        let e = match field {
            "store_hash" => StoreHash::parse(text)
                .is_none()
                .then(|| format!("`{}` is not a valid store hash", crate::text::escape_controls(text)))?,
            "account_uuid" => AccountUuid::parse(text)
                .is_none()
                .then(|| format!("`{}` is not a valid account UUID", crate::text::escape_controls(text)))?,
            _ => text.parse::<Timestamp>().err()?.to_string(),
        };
        let address = path[1].clone();
        let mut path = path;
        path.push(field.to_owned());
        Some((path, format!("`{address}`: {field} {e}")))
    };
    for section in ["resources", "retiring"] {
        for (address, record) in doc.get(section).and_then(|s| s.as_mapping()).into_iter().flatten() {
            let path = vec![section.to_owned(), address.as_str()?.to_owned()];
            for field in ["created_at", "expires_at", "store_hash", "account_uuid"] {
                if let Some(found) = check(path.clone(), record, field) {
                    return Some(found);
                }
            }
        }
    }
    for (address, list) in doc.get("intents").and_then(|i| i.as_mapping()).into_iter().flatten() {
        for (i, intent) in list.as_sequence().into_iter().flatten().enumerate() {
            let path = vec!["intents".to_owned(), address.as_str()?.to_owned(), i.to_string()];
            for field in ["started_at", "expires_at"] {
                if let Some((p, m)) = check(path.clone(), intent, field) {
                    return Some((p, m.replacen(&format!(": {field}"), &format!(": intent {field}"), 1)));
                }
            }
        }
    }
    None
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl SecretRecord {
    /// The record of a file just encrypted to `recipients`: its fingerprint and its readers come
    /// from the same list, so they can't disagree.
    pub fn encrypted_to(file: PathBuf, recipients: &[crate::vault::Recipient], sha256: String) -> SecretRecord {
        SecretRecord {
            file,
            readers: crate::vault::readers(recipients),
            recipients: crate::vault::fingerprint(recipients),
            sha256,
        }
    }

    /// The readers, when they are known to be the ones the fingerprint was taken of. Records
    /// written before bckeys kept readers, or by a writer that did not update them, give `None`.
    pub fn known_readers(&self) -> Option<&[String]> {
        let parsed: Result<Vec<_>, _> = self.readers.iter().map(|r| crate::vault::Recipient::parse(r)).collect();
        match parsed {
            Ok(list) if !list.is_empty() && crate::vault::fingerprint(&list) == self.recipients => Some(&self.readers),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A recorded webhook of the given ID, for tests.
    pub(crate) fn webhook(id: u64) -> Resource {
        Resource::Webhook(WebhookRecord {
            active: true,
            destination: "https://x.example.com/h".into(),
            generated_headers: vec![],
            id,
            plain_headers: Default::default(),
            scope: "store/order/created".into(),
            secret: None,
        })
    }
}
