//! From the configuration as written to the validated model: every rule of the design's
//! configuration section, each problem located and explained.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::error::{ConfigError, Problem};
use super::locate::{Locations, Pos};
use super::raw::{self, RawConfig, ScopeValue, TokenType};
use super::{
    Account, ApiAccount, Config, Destination, Encryption, HeaderValue, Lifetime, Overlap, Store, StorefrontToken,
    Webhook,
};
use crate::address::{is_valid_segment, Address};
use crate::ids::{AccountUuid, StoreHash};
use crate::scope_set::ScopeSet;
use crate::scopes::{self, FamilyKind};
use crate::suggest::closest;
use crate::vault::{self, Recipient};

/// BigCommerce's limits, from its API accounts and webhooks documentation.
const MAX_STORE_ACCOUNTS: usize = 50;
const MAX_HOOKS_PER_SCOPE: usize = 10;
const MIN_NAME_LEN: usize = 4;
const MAX_CORS_ORIGINS: usize = 2;
const SEGMENT_HINT: &str = "use letters, digits, `-`, `_` and `.`, not starting with `.` nor ending in `.retiring` or `.captured` (names of bckeys' own files)";
/// Ten years: far beyond any sensible token, and well inside every date type.
const MAX_TOKEN_LIFETIME: u64 = 10 * 366 * 86_400;

pub fn validate(path: &Path, bytes: &[u8]) -> Result<Config, ConfigError> {
    let mut v = Validator {
        file: path.to_path_buf(),
        source: "",
        locs: OnceCell::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
        dir: PathBuf::from("."),
        readers: BTreeMap::new(),
    };
    let text = match std::str::from_utf8(bytes) {
        // Some editors on Windows start a UTF-8 file with a byte order mark.
        Ok(text) => text.strip_prefix('\u{feff}').unwrap_or(text),
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            v.at(Pos { line, column: 1 }, "the file is not valid UTF-8", Some("save it as UTF-8 text"));
            return Err(v.finish());
        }
    };
    if text.trim().is_empty() || text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        v.at(
            Pos { line: 1, column: 1 },
            "the configuration is empty",
            Some("start with `version: 1`; `bckeys init` writes a starter file"),
        );
        return Err(v.finish());
    }
    v.source = text;
    let duplicates = match Locations::check(text) {
        Ok(duplicates) => duplicates,
        Err(e) => {
            v.at(
                e.pos,
                format!("invalid YAML: {}", e.message),
                Some("check the indentation and quoting around this place"),
            );
            return Err(v.finish());
        }
    };
    for dup in duplicates {
        let name = dup.path.last().cloned().unwrap_or_default();
        v.at(
            dup.second,
            format!(
                "`{name}` is written twice in {}; the first is at line {}",
                describe_parent(&dup.path),
                dup.first.line
            ),
            Some("names must be unique: remove or rename one of them"),
        );
    }
    if !v.problems.is_empty() {
        return Err(v.finish());
    }
    let raw: RawConfig = match serde_yaml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            v.serde_problem(&e);
            return Err(v.finish());
        }
    };
    v.control_characters(text);
    let mut config = v.config(raw, path, bytes);
    if v.problems.is_empty() {
        v.warnings.sort_by_key(|p| p.pos);
        config.warnings = v.warnings;
        Ok(config)
    } else {
        Err(v.finish())
    }
}

impl Validator<'_> {
    /// Refuses values with control characters: bckeys shows configuration values on terminals,
    /// where one could rewrite what a person reads. Walked only when the text could hold one (a
    /// raw control character, or a backslash escape in a quoted string).
    fn control_characters(&mut self, text: &str) {
        for (path, shown) in super::locate::control_characters(text) {
            let pos = self.locs().value(&path);
            self.at(
                pos,
                format!("`{}` holds a control character ({shown})", path.join(".")),
                Some("write printable text only: bckeys shows these values on terminals"),
            );
        }
    }
}

fn describe_parent(path: &[String]) -> String {
    if path.len() <= 1 {
        "the top level".to_owned()
    } else {
        format!("`{}`", path[..path.len() - 1].join("."))
    }
}

struct Validator<'a> {
    file: PathBuf,
    source: &'a str,
    /// Built on the first problem: a valid file never pays for indexing.
    locs: OnceCell<Locations>,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    /// The configuration's directory, which recipients files are relative to.
    dir: PathBuf,
    /// `readers:` by the address (or `store/<label>`, `account/<label>`) they are declared on.
    readers: BTreeMap<String, Vec<Recipient>>,
}

impl Validator<'_> {
    fn locs(&self) -> &Locations {
        // The source already parsed once without error, so indexing it can't fail.
        self.locs.get_or_init(|| Locations::scan(self.source).unwrap_or_default())
    }

    fn at(&mut self, pos: Pos, message: impl Into<String>, hint: Option<&str>) {
        self.problems.push(Problem {
            file: self.file.clone(),
            pos,
            message: message.into(),
            hint: hint.map(str::to_owned),
        });
    }

    fn warn(&mut self, pos: Pos, message: String, hint: String) {
        self.warnings.push(Problem { file: self.file.clone(), pos, message, hint: Some(hint) });
    }

    fn at_hint(&mut self, pos: Pos, message: impl Into<String>, hint: String) {
        self.problems.push(Problem { file: self.file.clone(), pos, message: message.into(), hint: Some(hint) });
    }

    fn finish(mut self) -> ConfigError {
        self.problems.sort_by_key(|p| p.pos);
        self.problems.dedup();
        ConfigError::Invalid(self.problems)
    }

    /// Turns serde's message into ours: its location, without the trailing "at line", with a
    /// suggestion for a misspelt key.
    fn serde_problem(&mut self, e: &serde_yaml::Error) {
        let (pos, mut message) = super::locate::serde_error(e);
        // serde names our Rust types; a person wrote YAML.
        if let Some(i) = message.find("expected struct ") {
            message.truncate(i);
            message.push_str("expected keys and values (a mapping)");
        }
        let mut hint = None;
        if let Some(rest) = message.split("unknown field `").nth(1) {
            let unknown = rest.split('`').next().unwrap_or_default().to_owned();
            let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
            hint = Some(match closest(&unknown, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if expected.is_empty() => "remove it: nothing is allowed here".to_owned(),
                None => format!("remove it, or use one of: {}", expected.join(", ")),
            });
            if unknown == "webhooks" && expected == ["scopes"] {
                hint = Some(
                    "webhooks belong to store-level API accounts; account-level API accounts can't own webhooks".into(),
                );
            }
            if let Some(prefix) = message.split(": unknown field").next().filter(|p| !p.contains("unknown field")) {
                message = format!("unknown key `{unknown}` in `{prefix}`");
            } else {
                message = format!("unknown key `{unknown}`");
            }
        } else if message.contains("untagged enum RawHeaderValue") {
            message = message.replace(
                "data did not match any variant of untagged enum RawHeaderValue",
                "a header value must be a string or `{secret: generate}`",
            );
        } else if message.contains("missing field `") {
            let field = message
                .split("missing field `")
                .nth(1)
                .and_then(|r| r.split('`').next())
                .unwrap_or_default()
                .to_owned();
            hint = Some(format!("add `{field}:` here"));
        } else if let Some(rest) = message.split("unknown variant `").nth(1) {
            let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
            hint = Some(format!("write one of: {}", expected.join(", ")));
        } else if message.contains("invalid type: ") {
            hint = Some(
                if message.ends_with("expected a sequence") {
                    "write a list here, such as `[1]`"
                } else if message.ends_with("expected u32") || message.ends_with("expected u64") {
                    "write a whole number here, without quotes"
                } else if message.contains("expected struct") || message.contains("expected a map") {
                    "write keys and values here, indented under this key"
                } else if message.ends_with("expected a string") || message.ends_with("expected a boolean") {
                    "write a single value here"
                } else {
                    "`bckeys schema` shows what each key takes"
                }
                .into(),
            );
        }
        self.problems.push(Problem { file: self.file.clone(), pos, message, hint });
    }

    fn config(&mut self, raw: RawConfig, path: &Path, bytes: &[u8]) -> Config {
        if raw.version != 1 {
            self.at(
                self.locs().value(&["version"]),
                format!("version {} is not supported", raw.version),
                Some("write `version: 1`: it is the only version of this format"),
            );
        }
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        self.dir = dir.clone();
        let encryption = self.encryption(&raw.encryption, &dir);

        let mut stores = Vec::new();
        let mut hashes: HashMap<String, String> = HashMap::new();
        for (label, store) in &raw.stores {
            let at = ["stores", label.as_str()];
            self.label(label, &at, "store label");
            let hash = self.store_hash(&store.store_hash, &["stores", label, "store_hash"]);
            if let Some(first) = hashes.insert(store.store_hash.clone(), label.clone()) {
                self.at(
                    self.locs().value(&["stores", label, "store_hash"]),
                    format!("stores `{first}` and `{label}` have the same store hash `{}`", store.store_hash),
                    Some("each store is listed once: merge their API accounts under one label"),
                );
            }
            stores.push(self.store(label, store, hash));
        }

        let mut accounts = Vec::new();
        let mut uuids: HashMap<String, String> = HashMap::new();
        for (label, account) in &raw.accounts {
            self.label(label, &["accounts", label.as_str()], "account label");
            let uuid_at = ["accounts", label.as_str(), "account_uuid"];
            let uuid = AccountUuid::parse(&account.account_uuid);
            if uuid.is_none() {
                let hint = if AccountUuid::parse(&account.account_uuid.to_lowercase()).is_some() {
                    "write the UUID in lowercase, as the API path shows it"
                } else {
                    "copy the UUID from the account-level API path https://api.bigcommerce.com/accounts/{account_uuid}/graphql, such as 0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f"
                };
                self.at(
                    self.locs().value(&uuid_at),
                    format!("`{}` is not an account UUID", account.account_uuid),
                    Some(hint),
                );
            }
            if let Some(first) = uuids.insert(account.account_uuid.clone(), label.clone()) {
                self.at(
                    self.locs().value(&uuid_at),
                    format!("accounts `{first}` and `{label}` have the same account UUID"),
                    Some("each account is listed once: merge their API accounts under one label"),
                );
            }
            self.readers(&account.readers, &["accounts", label.as_str()], format!("account/{label}"));
            let mut api_accounts = Vec::new();
            for (name, a) in &account.api_accounts {
                let base = ["accounts", label.as_str(), "api_accounts", name.as_str()];
                self.account_name(name, &base);
                self.readers(&a.readers, &base, format!("account/{label}/{name}"));
                let scopes = self.scopes(&a.scopes.0, &base, FamilyKind::Account);
                let address = Address::AccountAccount { account_label: label.clone(), account: name.clone() };
                let overlap = self.overlap(a.overlap.as_deref(), &base, Overlap::None);
                api_accounts.push(ApiAccount {
                    address,
                    name: name.clone(),
                    scopes,
                    webhooks: Vec::new(),
                    prune_webhooks: false,
                    overlap,
                    // Account-level API accounts call the account GraphQL API, which no
                    // REST spec describes.
                    uses: Vec::new(),
                    beyond_uses: Vec::new(),
                });
            }
            let account_uuid = uuid.unwrap_or_else(|| AccountUuid::refused(&account.account_uuid));
            accounts.push(Account { label: label.clone(), account_uuid, api_accounts });
        }

        let readers = std::mem::take(&mut self.readers);
        let sha256 = super::meaning_digest(bytes, &encryption, &readers);
        let mut config = Config {
            file: path.to_path_buf(),
            dir,
            sha256,
            encryption,
            stores,
            accounts,
            moved: Vec::new(),
            warnings: Vec::new(),
            readers,
        };
        config.moved = self.moved(&raw.moved, &config);
        config
    }

    /// `uses:` of a store-level API account against its scopes: a use they don't cover, or that
    /// is not a request, is a problem; a declared family no use needs, or a use bckeys can't
    /// check, a warning.
    fn uses(
        &mut self,
        uses: &[String],
        declared: &ScopeSet,
        base: &[&str],
        own: &[&str],
    ) -> Vec<(&'static scopes::Family, Option<&'static str>)> {
        if uses.is_empty() {
            return Vec::new();
        }
        let at = |i: usize| -> Vec<String> {
            base.iter().map(|s| s.to_string()).chain(["uses".to_owned(), i.to_string()]).collect()
        };
        let resolved: Vec<crate::uses::Resolved> =
            uses.iter().enumerate().map(|(i, u)| crate::uses::Resolved::parse(u, i.to_string())).collect();
        for (i, r) in resolved.iter().enumerate() {
            let pos = self.locs().value(&at(i));
            match &r.outcome {
                crate::uses::Outcome::Malformed(why) => self.at(
                    pos,
                    format!("`{}` is not a request: {why}", r.given),
                    Some("write METHOD /path, such as `GET /v3/catalog/products/{product_id}`"),
                ),
                crate::uses::Outcome::Needs { options, op } if r.covered_by(declared) == Some(false) => {
                    let needed: Vec<String> = options.iter().map(|(f, l)| format!("`{}: {l}`", f.key)).collect();
                    let (family, level) = options[0];
                    let hint = if declared.levels(family.key).is_empty() {
                        format!("add {} to scopes", needed[0])
                    } else {
                        format!("raise `{}` to `{level}`", family.key)
                    };
                    self.at_hint(
                        pos,
                        format!(
                            "`{}` needs {} ({} {}), which these scopes don't grant: the integration would get 403",
                            r.given,
                            needed.join(" or "),
                            op.method,
                            op.path
                        ),
                        hint,
                    );
                }
                // Storefront, payment-processing and app endpoints take other credentials.
                crate::uses::Outcome::Nothing { op } if op.other_credential() => self.warn(
                    pos,
                    format!(
                        "`{}` is not called with an API account's token ({})",
                        r.given,
                        op.basis.trim_start_matches("none: ")
                    ),
                    "remove it from uses: this account's token can't make it".into(),
                ),
                crate::uses::Outcome::Unknown { request } => self.warn(
                    pos,
                    format!(
                        "`{}` is not an operation of BigCommerce's specs ({} {}): the scopes it needs are not checked",
                        r.given, request.method, request.path
                    ),
                    "check the method and path against BigCommerce's API reference".into(),
                ),
                crate::uses::Outcome::Unclear { op, candidates }
                    if !candidates.iter().any(|f| !declared.levels(f.key).is_empty()) =>
                {
                    self.warn(
                        pos,
                        format!(
                            "BigCommerce's specs leave unclear which scope `{}` needs ({})",
                            r.given,
                            op.basis.trim_start_matches("unclear: ")
                        ),
                        "grant the family the integration's documentation names for it".into(),
                    );
                }
                _ => {}
            }
        }
        let excess = crate::uses::excess(declared, &resolved, own);
        let unknown = resolved.iter().any(|r| matches!(r.outcome, crate::uses::Outcome::Unknown { .. }));
        let unless = if unknown { ", unless a use bckeys can't check needs it" } else { "" };
        for &(family, enough) in &excess {
            let mut key: Vec<String> = base.iter().map(|s| s.to_string()).collect();
            key.extend(["scopes".to_owned(), family.key.to_owned()]);
            let pos = self.locs().key(&key);
            let (message, hint) = match enough {
                None => (
                    format!("`{}` is needed by none of the uses{unless}: excess scope (security)", family.key),
                    "remove it, or add the request that needs it to uses".to_owned(),
                ),
                Some(level) => (
                    format!(
                        "`{}: {}` where the uses need only `{level}`{unless}: excess scope (security)",
                        family.key,
                        declared.levels(family.key).join(", ")
                    ),
                    format!("write `{}: {level}`", family.key),
                ),
            };
            self.warn(pos, message, hint);
        }
        excess
    }

    /// `moved:` entries: two API account addresses, the second declared, the first not.
    fn moved(&mut self, raw: &[raw::RawMove], config: &Config) -> Vec<(Address, Address)> {
        let declared: Vec<&Address> = config.api_accounts().map(|(a, _)| &a.address).collect();
        let mut out = Vec::new();
        for (i, m) in raw.iter().enumerate() {
            let index = i.to_string();
            let at = |field: &str| -> Vec<String> { vec!["moved".into(), index.clone(), field.into()] };
            let parse = |text: &str| {
                text.parse::<Address>()
                    .ok()
                    .filter(|a| matches!(a, Address::StoreAccount { .. } | Address::AccountAccount { .. }))
            };
            let (from, to) = (parse(&m.from), parse(&m.to));
            let hint = Some("moves are of API accounts: store/<label>/<account> or account/<label>/<account>");
            if from.is_none() {
                self.at(self.locs().value(&at("from")), format!("`{}` is not an API account's address", m.from), hint);
            }
            if to.is_none() {
                self.at(self.locs().value(&at("to")), format!("`{}` is not an API account's address", m.to), hint);
            }
            let (Some(from), Some(to)) = (from, to) else { continue };
            if !declared.contains(&&to) {
                let hint = Some("declare the account under its new name, then say where it moved from");
                self.at(self.locs().value(&at("to")), format!("`{to}` is not declared"), hint);
            } else if declared.contains(&&from) {
                let hint = Some("a renamed account is declared only under its new name: remove the old one");
                self.at(self.locs().value(&at("from")), format!("`{from}` is still declared"), hint);
            } else if std::mem::discriminant(&from) != std::mem::discriminant(&to) {
                let hint = Some("a store-level account can't become an account-level one: create the new one instead");
                self.at(
                    self.locs().value(&at("to")),
                    format!("`{from}` and `{to}` are different kinds of API account"),
                    hint,
                );
            } else {
                out.push((from, to));
            }
        }
        out
    }

    fn encryption(&mut self, raw: &raw::RawEncryption, dir: &Path) -> Encryption {
        let base = ["encryption".to_owned()];
        let recipients = self.recipients(&raw.recipients, &raw.recipients_files, &base, dir);
        if raw.recipients.is_empty() && raw.recipients_files.is_empty() {
            self.at(self.locs().key(&["encryption"]), "no recipient: nobody could decrypt the credentials", Some("add an `age1...` or ssh public key under encryption.recipients (`bckeys init --generate-identity FILE` makes one)"));
        }
        Encryption { recipients, armor: raw.armor }
    }

    /// `readers:` under `base`, kept for the addresses under `key` (a store's or an account's
    /// prefix, or a credential's address).
    fn readers(&mut self, raw: &Option<raw::RawReaders>, base: &[&str], key: String) {
        let Some(raw) = raw else { return };
        let at: Vec<String> = base.iter().map(|s| s.to_string()).chain(["readers".to_owned()]).collect();
        let dir = self.dir.clone();
        let found = self.recipients(&raw.recipients, &raw.recipients_files, &at, &dir);
        if raw.recipients.is_empty() && raw.recipients_files.is_empty() {
            self.at(
                self.locs().key(&at),
                "readers lists no recipient",
                Some("add `recipients:` (age or ssh public keys) or `recipients_files:`, or remove `readers`"),
            );
        }
        self.readers.insert(key, found);
    }

    /// Recipients and recipients files under `base` (`encryption`, or a `readers` block),
    /// deduplicated; each bad one is a problem at its line.
    fn recipients(&mut self, list: &[String], files: &[String], base: &[String], dir: &Path) -> Vec<Recipient> {
        let at = |field: &str, i: usize| -> Vec<String> {
            base.iter().cloned().chain([field.to_owned(), i.to_string()]).collect()
        };
        let mut recipients: Vec<Recipient> = Vec::new();
        for (i, text) in list.iter().enumerate() {
            match Recipient::parse(text) {
                Ok(r) => recipients.push(r),
                Err(e) => self.at_hint(self.locs().value(&at("recipients", i)), e.message, e.hint),
            }
        }
        for (i, name) in files.iter().enumerate() {
            let pos = self.locs().value(&at("recipients_files", i));
            match vault::read_recipients_file(dir, name) {
                Err(e) => {
                    let outside = e.kind() == std::io::ErrorKind::PermissionDenied && e.get_ref().is_some();
                    let why = match e.kind() {
                        std::io::ErrorKind::NotFound => "does not exist".to_owned(),
                        _ if outside => e.to_string(),
                        _ => format!("can't be read: {e}"),
                    };
                    let hint = if outside {
                        "move the file into the repository, next to the configuration, and name it relative to it"
                            .to_owned()
                    } else {
                        format!("the path is relative to the configuration's directory ({})", dir.display())
                    };
                    self.at_hint(pos, format!("recipients file `{name}` {why}"), hint)
                }
                Ok(text) => {
                    let (found, problems) = vault::parse_recipients_file(&text);
                    for p in problems {
                        self.at_hint(
                            pos,
                            format!("recipients file `{name}`, line {}: {}", p.line, p.error.message),
                            p.error.hint,
                        );
                    }
                    if found.is_empty() {
                        self.at(
                            pos,
                            format!("recipients file `{name}` lists no recipient"),
                            Some("add one recipient per line, or remove the file from recipients_files"),
                        );
                    }
                    recipients.extend(found);
                }
            }
        }
        let mut unique: Vec<Recipient> = Vec::new();
        for r in recipients {
            if !unique.contains(&r) {
                unique.push(r);
            }
        }
        unique
    }

    fn label(&mut self, label: &str, at: &[&str], what: &str) {
        if !is_valid_segment(label) {
            self.at(
                self.locs().key(at),
                format!("{what} `{label}` can't be used in addresses and file names"),
                Some(SEGMENT_HINT),
            );
        }
    }

    fn account_name(&mut self, name: &str, at: &[&str]) {
        if name.chars().count() < MIN_NAME_LEN {
            self.at(
                self.locs().key(at),
                format!("API account name `{name}` is shorter than {MIN_NAME_LEN} characters"),
                Some("BigCommerce requires names of 4 characters or more: choose a longer name"),
            );
        } else if !is_valid_segment(name) {
            self.at(
                self.locs().key(at),
                format!("API account name `{name}` can't be used in addresses and file names"),
                Some(SEGMENT_HINT),
            );
        }
    }

    fn store_hash(&mut self, hash: &str, at: &[&str]) -> StoreHash {
        if let Some(valid) = StoreHash::parse(hash) {
            return valid;
        }
        {
            let hint = if !hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric()) {
                "write the store hash in lowercase, as the API path shows it"
            } else {
                "copy it from the API path https://api.bigcommerce.com/stores/{store_hash}/v3/: lowercase letters and digits only, such as abc123def4"
            };
            self.at(self.locs().value(at), format!("`{hash}` is not a store hash"), Some(hint));
        }
        StoreHash::refused(hash)
    }

    fn store(&mut self, label: &str, raw: &raw::RawStore, store_hash: StoreHash) -> Store {
        self.readers(&raw.readers, &["stores", label], format!("store/{label}"));
        let mut api_accounts = Vec::new();
        let mut folded: HashMap<String, &str> = HashMap::new();
        for (name, a) in &raw.api_accounts {
            let base = ["stores", label, "api_accounts", name.as_str()];
            self.account_name(name, &base);
            self.readers(&a.readers, &base, format!("store/{label}/{name}"));
            if let Some(other) = folded.insert(name.to_lowercase(), name) {
                self.at(self.locs().key(&base), format!("API accounts `{other}` and `{name}` differ only in case"), Some("their secret files would collide on case-insensitive file systems, and people confuse them: rename one"));
            }
            let scopes = self.scopes(&a.scopes.0, &base, FamilyKind::Store);
            let webhooks = self.webhooks(label, name, &a.webhooks);
            let address = Address::StoreAccount { store: label.to_owned(), account: name.clone() };
            let overlap = self.overlap(a.overlap.as_deref(), &base, Overlap::None);
            // What bckeys itself calls with the account: creating the tokens it issues.
            let own: Vec<&str> =
                raw.storefront_tokens.values().filter(|t| t.issuer == *name).map(|t| t.kind.issuer_family()).collect();
            let beyond_uses = self.uses(&a.uses, &scopes, &base, &own);
            api_accounts.push(ApiAccount {
                address,
                name: name.clone(),
                scopes,
                webhooks,
                prune_webhooks: a.prune_webhooks,
                overlap,
                uses: a.uses.clone(),
                beyond_uses,
            });
        }
        if raw.api_accounts.len() > MAX_STORE_ACCOUNTS {
            self.at(
                self.locs().key(&["stores", label, "api_accounts"]),
                format!(
                    "{} store-level API accounts on one store; BigCommerce allows at most {MAX_STORE_ACCOUNTS}",
                    raw.api_accounts.len()
                ),
                Some("merge accounts that share a purpose, or move them to another store"),
            );
        }
        let mut storefront_tokens = Vec::new();
        for (name, t) in &raw.storefront_tokens {
            if let Some(token) = self.storefront_token(label, name, t, &api_accounts) {
                storefront_tokens.push(token);
            }
        }
        Store { label: label.to_owned(), store_hash, api_accounts, storefront_tokens }
    }

    fn scopes(&mut self, raw: &BTreeMap<String, ScopeValue>, base: &[&str], kind: FamilyKind) -> ScopeSet {
        let mut set = ScopeSet::default();
        let store_level = kind.is_store_level();
        for (key, value) in raw {
            let mut at: Vec<&str> = base.to_vec();
            at.extend(["scopes", key.as_str()]);
            let Some(family) = scopes::family(key) else {
                let hint = match scopes::closest_family(key) {
                    Some(f) => format!("did you mean `{}` ({})?", f.key, f.ui),
                    None => "`bckeys scopes` lists every family and its levels".to_owned(),
                };
                self.at_hint(self.locs().key(&at), format!("unknown scope family `{key}`"), hint);
                continue;
            };
            if let Some(why) = family.unavailable {
                self.at(self.locs().key(&at), format!("`{key}` can't be set here: {why}"), Some("remove it"));
                continue;
            }
            if family.kind.is_store_level() != store_level {
                let (this, other) = if store_level {
                    ("a store-level", "an account-level")
                } else {
                    ("an account-level", "a store-level")
                };
                self.at_hint(
                    self.locs().key(&at),
                    format!("`{key}` is {other} scope family; it can't be granted to {this} API account"),
                    format!("`bckeys scopes` lists the families of each kind; move this account under `{}` if it is meant to be {}", if store_level { "accounts" } else { "stores" }, &other[other.find(' ').map_or(0, |i| i + 1)..]),
                );
                continue;
            }
            // Paths, not positions: a position costs an index of the file, made only for a problem.
            let at: Vec<String> = at.iter().map(|s| s.to_string()).collect();
            let levels: Vec<(String, Vec<String>)> = match value {
                ScopeValue::One(level) => vec![(level.clone(), at.clone())],
                ScopeValue::Many(levels) => {
                    if !family.multi {
                        self.at_hint(
                            self.locs().value(&at),
                            format!("`{key}` takes one level, not a list"),
                            format!("write one of: {}", level_list(family)),
                        );
                        continue;
                    }
                    levels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| (l.clone(), at.iter().cloned().chain([i.to_string()]).collect()))
                        .collect()
                }
            };
            let mut seen: Vec<&str> = Vec::new();
            for (level, path) in &levels {
                let pos = || self.locs().value(path);
                if level == scopes::NONE {
                    if levels.len() > 1 {
                        self.at(
                            pos(),
                            format!("`none` can't be combined with other levels of `{key}`"),
                            Some("remove `none`, or write `none` alone"),
                        );
                    }
                    continue;
                }
                match family.level(level) {
                    Some(l) => {
                        if seen.contains(&l.name) {
                            self.at(
                                pos(),
                                format!("level `{level}` of `{key}` is listed twice"),
                                Some("remove the repeated level"),
                            );
                        }
                        seen.push(l.name);
                        set.grant(family, l.name);
                    }
                    None => {
                        let hint = match closest(level, family.level_names()) {
                            Some(s) => format!("did you mean `{s}`? {} takes {}", family.ui, level_list(family)),
                            None => format!("{} takes {}", family.ui, level_list(family)),
                        };
                        self.at_hint(pos(), format!("`{level}` is not a level of `{key}`"), hint);
                    }
                }
            }
        }
        set
    }

    fn webhooks(&mut self, store: &str, account: &str, raw: &BTreeMap<String, raw::RawWebhook>) -> Vec<Webhook> {
        let mut out = Vec::new();
        let mut per_scope: HashMap<&str, usize> = HashMap::new();
        let mut pairs: HashMap<(String, String), &str> = HashMap::new();
        for (name, hook) in raw {
            let base = ["stores", store, "api_accounts", account, "webhooks", name.as_str()];
            let at =
                |field: &str| -> Vec<String> { base.iter().map(|s| s.to_string()).chain([field.to_owned()]).collect() };
            self.readers(&hook.readers, &base, format!("store/{store}/{account}/webhook/{name}"));
            if !is_valid_segment(name) {
                self.at(
                    self.locs().key(&base),
                    format!("webhook name `{name}` can't be used in addresses"),
                    Some(SEGMENT_HINT),
                );
            }
            if !is_webhook_scope(&hook.scope) {
                self.at(self.locs().value(&at("scope")), format!("`{}` is not a webhook event scope", hook.scope), Some("event scopes look like store/order/created or store/cart/*; see BigCommerce's webhook events reference"));
            }
            let destination = match Destination::parse(&hook.destination) {
                Ok(d) => Some(d),
                Err(why) => {
                    self.at(self.locs().value(&at("destination")), format!("webhook destination `{}` {why}", hook.destination), Some("BigCommerce delivers only to https:// URLs on port 443, such as https://example.com/hooks/bigcommerce"));
                    None
                }
            };
            let count = per_scope.entry(hook.scope.as_str()).or_default();
            *count += 1;
            if *count == MAX_HOOKS_PER_SCOPE + 1 {
                self.at(self.locs().value(&at("scope")), format!("more than {MAX_HOOKS_PER_SCOPE} webhooks of `{account}` on `{}`; BigCommerce allows at most {MAX_HOOKS_PER_SCOPE} per event scope and API account", hook.scope), Some("use fewer destinations for this event, or spread them over several API accounts"));
            }
            let key = destination.as_ref().map(|d| (hook.scope.clone(), d.key()));
            if let Some(first) = key.and_then(|key| pairs.insert(key, name.as_str())) {
                self.at(
                    self.locs().key(&base),
                    format!("webhooks `{first}` and `{name}` have the same scope and destination"),
                    Some("BigCommerce keeps one webhook per scope and destination: remove one of them"),
                );
            }
            let mut headers = BTreeMap::new();
            for (header, value) in &hook.headers {
                let mut hp = at("headers");
                hp.push(header.clone());
                if header.is_empty()
                    || !header.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
                {
                    self.at(
                        self.locs().key(&hp),
                        format!("`{header}` is not a valid HTTP header name"),
                        Some("use letters, digits and `-`, such as X-Webhook-Secret"),
                    );
                }
                headers.insert(
                    header.clone(),
                    match value {
                        raw::RawHeaderValue::Plain(s) => HeaderValue::Plain(s.clone()),
                        raw::RawHeaderValue::Secret(_) => HeaderValue::Generated,
                    },
                );
            }
            // A destination that is not one is a problem recorded above: this webhook is never used.
            let Some(destination) = destination else { continue };
            out.push(Webhook {
                address: Address::Webhook { store: store.to_owned(), account: account.to_owned(), name: name.clone() },
                name: name.clone(),
                scope: hook.scope.clone(),
                destination,
                active: hook.active,
                headers,
            });
        }
        out
    }

    fn storefront_token(
        &mut self,
        store: &str,
        name: &str,
        raw: &raw::RawStorefrontToken,
        accounts: &[ApiAccount],
    ) -> Option<StorefrontToken> {
        let base = ["stores", store, "storefront_tokens", name];
        let at =
            |field: &str| -> Vec<String> { base.iter().map(|s| s.to_string()).chain([field.to_owned()]).collect() };
        self.readers(&raw.readers, &base, format!("store/{store}/storefront-token/{name}"));
        let before = self.problems.len();
        if !is_valid_segment(name) {
            self.at(
                self.locs().key(&base),
                format!("storefront token name `{name}` can't be used in addresses"),
                Some(SEGMENT_HINT),
            );
        }
        self.token_issuer(store, raw, accounts, &at);
        self.token_channels(raw, &at);
        self.token_origins(raw, &at);
        self.token_access_scopes(raw, &at);
        let lifetimes = self.token_lifetimes(raw, &at);
        let overlap = self.overlap(raw.overlap.as_deref(), &base, Overlap::UntilExpiry);
        if self.problems.len() > before {
            return None;
        }
        let mut access_scopes = raw.access_scopes.clone();
        access_scopes.sort();
        Some(StorefrontToken {
            address: Address::StorefrontToken { store: store.to_owned(), name: name.to_owned() },
            name: name.to_owned(),
            issuer: raw.issuer.clone(),
            kind: raw.kind,
            channel_ids: raw.channel_ids.clone(),
            allowed_cors_origins: raw.allowed_cors_origins.clone(),
            access_scopes,
            lifetime: lifetimes?.0,
            rotate_before: lifetimes?.1,
            overlap,
        })
    }

    /// An `overlap:` under `base`, or `default` when it is not written (or wrong: the problem is
    /// recorded).
    fn overlap(&mut self, text: Option<&str>, base: &[&str], default: Overlap) -> Overlap {
        let Some(text) = text else { return default };
        let at: Vec<String> = base.iter().map(|s| s.to_string()).chain(["overlap".to_owned()]).collect();
        match Overlap::parse(text) {
            // API accounts don't expire: their overlap must end on its own.
            Ok(Overlap::UntilExpiry) if default == Overlap::None => {
                let why = "`until_expiry` is for storefront tokens: API accounts don't expire".to_owned();
                self.at(self.locs().value(&at), why, Some("write how long the previous account stays, such as 7d"));
                default
            }
            Ok(o) => o,
            Err(why) => {
                let hint = "write a duration such as 7d, `none` (at once) or `until_expiry` (storefront tokens)";
                self.at(self.locs().value(&at), why, Some(hint));
                default
            }
        }
    }

    /// The issuer must be an API account of the store with the scope that creates the token.
    fn token_issuer(
        &mut self,
        store: &str,
        raw: &raw::RawStorefrontToken,
        accounts: &[ApiAccount],
        at: &dyn Fn(&str) -> Vec<String>,
    ) {
        match accounts.iter().find(|a| a.name == raw.issuer) {
            None => {
                let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
                let hint = match closest(&raw.issuer, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => {
                        "declare the issuer under this store's api_accounts with `storefront_api_tokens: modify`"
                            .to_owned()
                    }
                    None => format!("the issuer must be an API account of store `{store}`: {}", names.join(", ")),
                };
                self.at_hint(
                    self.locs().value(&at("issuer")),
                    format!("issuer `{}` is not an API account of store `{store}`", raw.issuer),
                    hint,
                );
            }
            Some(issuer) => {
                let needed = raw.kind.issuer_family();
                if !issuer.scopes.has(needed, "modify") {
                    let ui = scopes::family(needed).map(|f| f.ui).unwrap_or(needed);
                    self.at_hint(
                        self.locs().value(&at("issuer")),
                        format!(
                            "issuer `{}` lacks the {ui} scope that creating a {} token needs",
                            raw.issuer,
                            raw.kind.as_str()
                        ),
                        format!("add `{needed}: modify` to the scopes of `{}`", raw.issuer),
                    );
                }
            }
        }
    }

    fn token_channels(&mut self, raw: &raw::RawStorefrontToken, at: &dyn Fn(&str) -> Vec<String>) {
        if raw.channel_ids.is_empty() {
            self.at(
                self.locs().value(&at("channel_ids")),
                "channel_ids is empty",
                Some("list at least one channel, such as [1] for the default storefront"),
            );
        }
        let mut sorted = raw.channel_ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != raw.channel_ids.len() {
            self.at(
                self.locs().value(&at("channel_ids")),
                "a channel is listed twice in channel_ids",
                Some("list each channel once"),
            );
        }
    }

    /// CORS origins: for storefront tokens only, at most BigCommerce's number, each an origin.
    fn token_origins(&mut self, raw: &raw::RawStorefrontToken, at: &dyn Fn(&str) -> Vec<String>) {
        if raw.kind == TokenType::Storefront {
            if raw.allowed_cors_origins.len() > MAX_CORS_ORIGINS {
                self.at(
                    self.locs().value(&at("allowed_cors_origins")),
                    format!(
                        "{} CORS origins; BigCommerce allows at most {MAX_CORS_ORIGINS} per token",
                        raw.allowed_cors_origins.len()
                    ),
                    Some("declare a second token for the other origins"),
                );
            }
            for (i, origin) in raw.allowed_cors_origins.iter().enumerate() {
                if let Err(why) = check_origin(origin) {
                    let mut p = at("allowed_cors_origins");
                    p.push(i.to_string());
                    self.at(
                        self.locs().value(&p),
                        format!("`{origin}` {why}"),
                        Some("an origin is a scheme and host with an optional port, such as https://shop.example.com"),
                    );
                }
            }
        } else if !raw.allowed_cors_origins.is_empty() {
            self.at(
                self.locs().key(&at("allowed_cors_origins")),
                format!("allowed_cors_origins applies to `storefront` tokens only, not `{}`", raw.kind.as_str()),
                Some("remove it, or make the token `type: storefront`"),
            );
        }
    }

    /// Access scopes: required of private tokens, refused of the others.
    fn token_access_scopes(&mut self, raw: &raw::RawStorefrontToken, at: &dyn Fn(&str) -> Vec<String>) {
        match raw.kind {
            TokenType::Private if raw.access_scopes.is_empty() => {
                self.at(
                    self.locs().key(&at("type")),
                    "a private token needs access_scopes",
                    Some("add `access_scopes: [Unauthenticated]` (or Customer, B2B): what the token may read"),
                );
            }
            TokenType::Private => {}
            _ if !raw.access_scopes.is_empty() => {
                self.at(
                    self.locs().key(&at("access_scopes")),
                    format!("access_scopes applies to `private` tokens only, not `{}`", raw.kind.as_str()),
                    Some("remove it, or make the token `type: private`"),
                );
            }
            _ => {}
        }
    }

    /// A token's lifetime and how long before its expiry it is rotated (a tenth of it unless
    /// written); `None` when either is wrong (the problem is recorded).
    fn token_lifetimes(
        &mut self,
        raw: &raw::RawStorefrontToken,
        at: &dyn Fn(&str) -> Vec<String>,
    ) -> Option<(Lifetime, Lifetime)> {
        let lifetime = match Lifetime::parse(&raw.lifetime) {
            Ok(l) if l.seconds() > MAX_TOKEN_LIFETIME => {
                self.at(
                    self.locs().value(&at("lifetime")),
                    format!("`{}` is longer than 10 years", raw.lifetime),
                    Some("storefront tokens are meant to be short-lived and rotated: choose a lifetime such as 90d"),
                );
                None
            }
            Ok(l) => Some(l),
            Err(why) => {
                let hint = "write a whole number and a unit: s, m, h, d or w, such as 90d";
                self.at(self.locs().value(&at("lifetime")), why, Some(hint));
                None
            }
        };
        let rotate_before = match &raw.rotate_before {
            None => lifetime.map(|l| Lifetime::from_seconds(l.seconds() / 10)),
            Some(text) => match Lifetime::parse(text) {
                Ok(r) => {
                    if lifetime.is_some_and(|l| r >= l) {
                        self.at(self.locs().value(&at("rotate_before")), format!("rotate_before ({text}) is not shorter than the lifetime ({})", raw.lifetime), Some("a token would be replaced as soon as it is created: make rotate_before shorter than lifetime"));
                    }
                    Some(r)
                }
                Err(why) => {
                    let hint = "write a whole number and a unit: s, m, h, d or w, such as 14d";
                    self.at(self.locs().value(&at("rotate_before")), why, Some(hint));
                    None
                }
            },
        };
        Some((lifetime?, rotate_before?))
    }
}

fn level_list(family: &scopes::Family) -> String {
    let mut names = vec![scopes::NONE];
    names.extend(family.level_names());
    names.join(", ")
}

/// `store/<resource>/<event>`, with `*` allowed as the last part.
fn is_webhook_scope(s: &str) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    parts.len() >= 3
        && parts[0] == "store"
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && (*p == "*" || p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')))
}

pub(super) fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(end) = authority.strip_prefix('[').and_then(|a| a.find(']')) {
        let host = &authority[..end + 2];
        return (host, authority[end + 2..].strip_prefix(':'));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

/// A CORS origin: `http(s)://host[:port]` and nothing after it.
fn check_origin(origin: &str) -> Result<(), &'static str> {
    let rest =
        origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")).ok_or("is not an http(s) origin")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return Err("is not an origin (scheme and host only, no path)");
    }
    let (host, port) = split_host_port(rest);
    if host.is_empty() || port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return Err("is not a valid origin");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {}

    #[test]
    fn webhook_scopes_and_origins() {
        assert!(is_webhook_scope("store/order/created"));
        assert!(is_webhook_scope("store/cart/*"));
        assert!(!is_webhook_scope("order/created"));
        assert!(!is_webhook_scope("store/order"));
        assert!(check_origin("https://shop.example.com").is_ok());
        assert!(check_origin("http://localhost:3000").is_ok());
        assert!(check_origin("https://shop.example.com/path").is_err());
    }
}
