//! The configuration exactly as written: serde types that reject unknown keys at every level.
//!
//! These types are also the source of the JSON Schema (`bckeys schema`), so what an editor
//! accepts and what `bckeys` parses can't drift apart. Meaning is checked later, in
//! `validate.rs`, where every problem gets its own location.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::scopes::{self, FamilyKind};

/// A bckeys configuration: which BigCommerce API accounts, webhooks and storefront tokens
/// should exist, and who may decrypt their credentials.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "bckeys configuration")]
pub struct RawConfig {
    /// Version of this file's format. Only 1 exists.
    pub version: u32,
    pub encryption: RawEncryption,
    /// Stores, by a label of your choosing. The label is part of every address.
    #[serde(default)]
    pub stores: BTreeMap<String, RawStore>,
    /// BigCommerce accounts (for account-level API accounts), by a label of your choosing.
    #[serde(default)]
    pub accounts: BTreeMap<String, RawAccount>,
    /// API accounts renamed in the control panel: the recorded `from` is now `to`, the same
    /// account (its record and secret file move; nothing is created or deleted). A relabelled
    /// store needs no entry: the same store hash and name are the same account.
    #[serde(default)]
    pub moved: Vec<RawMove>,
}

/// One rename.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Move")]
pub struct RawMove {
    /// The recorded address, such as store/production/erp-sync.
    pub from: String,
    /// The declared address it now is, such as store/production/erp-connector.
    pub to: String,
}

/// Who can decrypt the credentials: every secret file is encrypted to all of these.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Encryption")]
pub struct RawEncryption {
    /// age recipients: `age1...`, `ssh-ed25519 ...` or `ssh-rsa ...`.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Files with one recipient per line and `#` comments (the format of `age -R`), relative
    /// to this file.
    #[serde(default)]
    pub recipients_files: Vec<String>,
    /// Write secret files ASCII-armored (the default), so they diff and review as text.
    #[serde(default = "default_true")]
    pub armor: bool,
}

/// One BigCommerce store.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Store")]
pub struct RawStore {
    /// The store hash from the API path (`https://api.bigcommerce.com/stores/{store_hash}/v3/`):
    /// lowercase letters and digits.
    pub store_hash: String,
    /// Store-level API accounts, by the name shown in the control panel (4 characters or more).
    #[serde(default)]
    pub api_accounts: BTreeMap<String, RawStoreApiAccount>,
    /// GraphQL Storefront API tokens, created through the API by an issuer account.
    #[serde(default)]
    pub storefront_tokens: BTreeMap<String, RawStorefrontToken>,
    /// Keys that may read this credential and every credential under it (a store's or account's
    /// API accounts and tokens, an API account's webhooks), besides the repository's recipients:
    /// their files are encrypted to them too.
    #[serde(default)]
    pub readers: Option<RawReaders>,
}

/// Who may read credentials, besides the repository's recipients: as under `encryption`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Readers")]
pub struct RawReaders {
    /// age recipients: `age1...`, `ssh-ed25519 ...` or `ssh-rsa ...`.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Files with one recipient per line and `#` comments (the format of `age -R`), relative
    /// to the configuration.
    #[serde(default)]
    pub recipients_files: Vec<String>,
}

/// One BigCommerce account (the organisation that owns stores).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Account")]
pub struct RawAccount {
    /// The UUID in the account-level API path (`/accounts/{account_uuid}/graphql`).
    pub account_uuid: String,
    /// Account-level API accounts, by the name shown in the control panel.
    #[serde(default)]
    pub api_accounts: BTreeMap<String, RawAccountApiAccount>,
    /// Keys that may read this credential and every credential under it (a store's or account's
    /// API accounts and tokens, an API account's webhooks), besides the repository's recipients:
    /// their files are encrypted to them too.
    #[serde(default)]
    pub readers: Option<RawReaders>,
}

/// A store-level API account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StoreApiAccount")]
pub struct RawStoreApiAccount {
    /// OAuth scope levels by family; families not listed are `none`.
    #[serde(default)]
    pub scopes: StoreScopes,
    /// Webhooks owned by this account and managed with its token, by a name of your choosing.
    #[serde(default)]
    pub webhooks: BTreeMap<String, RawWebhook>,
    /// Webhooks of this account that `webhooks` does not declare are deleted by apply (they are
    /// reported either way). Leave it off when the integration registers webhooks of its own.
    #[serde(default)]
    pub prune_webhooks: bool,
    /// The requests the integration makes, such as `GET /v3/catalog/products/{product_id}`
    /// (concrete paths and URLs too). validate computes the least scopes they need from
    /// BigCommerce's specs: a declared family no use needs is a warning (excess), a use the
    /// scopes don't cover an error (the integration would get 403).
    #[serde(default)]
    pub uses: Vec<String>,
    /// Keys that may read this credential and every credential under it (a store's or account's
    /// API accounts and tokens, an API account's webhooks), besides the repository's recipients:
    /// their files are encrypted to them too.
    #[serde(default)]
    pub readers: Option<RawReaders>,
    /// After a replacement, how long the previous account stays before apply asks for its
    /// deletion, such as `7d`, so that the integration can move to the new credentials first.
    /// Defaults to `none`: asked in the same run.
    #[serde(default)]
    pub overlap: Option<String>,
}

/// An account-level API account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AccountApiAccount")]
pub struct RawAccountApiAccount {
    /// OAuth scope levels by family; families not listed are `none`.
    #[serde(default)]
    pub scopes: AccountScopes,
    /// Keys that may read this credential and every credential under it (a store's or account's
    /// API accounts and tokens, an API account's webhooks), besides the repository's recipients:
    /// their files are encrypted to them too.
    #[serde(default)]
    pub readers: Option<RawReaders>,
    /// After a replacement, how long the previous account stays before apply asks for its
    /// deletion, such as `7d`. Defaults to `none`: asked in the same run.
    #[serde(default)]
    pub overlap: Option<String>,
}

/// A webhook subscription.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Webhook")]
pub struct RawWebhook {
    /// The event, such as `store/order/created` or `store/cart/*`.
    pub scope: String,
    /// Where BigCommerce delivers events: an `https://` URL on port 443.
    pub destination: String,
    /// Whether BigCommerce should deliver events.
    #[serde(default = "default_true")]
    pub active: bool,
    /// Headers BigCommerce sends with every delivery; `{secret: generate}` makes bckeys generate,
    /// encrypt and send a random value.
    #[serde(default)]
    pub headers: BTreeMap<String, RawHeaderValue>,
    /// Keys that may read this credential and every credential under it (a store's or account's
    /// API accounts and tokens, an API account's webhooks), besides the repository's recipients:
    /// their files are encrypted to them too.
    #[serde(default)]
    pub readers: Option<RawReaders>,
}

/// A webhook header value: plain text, or a secret that bckeys generates.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "HeaderValue")]
pub enum RawHeaderValue {
    Plain(String),
    Secret(RawGeneratedSecret),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GeneratedSecret")]
pub struct RawGeneratedSecret {
    pub secret: SecretSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// bckeys generates a strong random value and keeps it encrypted.
    Generate,
}

/// A GraphQL Storefront API token.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StorefrontToken")]
pub struct RawStorefrontToken {
    /// The store-level API account of this store that creates the token; it needs the
    /// Storefront API Tokens scope (and the Customer Impersonation one for that type).
    pub issuer: String,
    #[serde(rename = "type")]
    pub kind: TokenType,
    /// Channels the token is valid on.
    pub channel_ids: Vec<u64>,
    /// Origins allowed to use a `storefront` token from a browser (at most 2).
    #[serde(default)]
    pub allowed_cors_origins: Vec<String>,
    /// What a `private` token may access (required for that type).
    #[serde(default)]
    pub access_scopes: Vec<AccessScope>,
    /// How long a token lives, such as `90d`, `12w` or `36h`.
    pub lifetime: String,
    /// Plan a replacement when expiry is this close, such as `14d`. Defaults to a tenth of the
    /// lifetime.
    #[serde(default)]
    pub rotate_before: Option<String>,
    /// After a rotation, how long the previous token stays valid so that what uses it can be
    /// redeployed with the new one: a duration such as `2d`, `none` (revoked in the same run),
    /// or `until_expiry`, the default.
    #[serde(default)]
    pub overlap: Option<String>,
    /// Keys that may read this credential and every credential under it (a store's or account's
    /// API accounts and tokens, an API account's webhooks), besides the repository's recipients:
    /// their files are encrypted to them too.
    #[serde(default)]
    pub readers: Option<RawReaders>,
}

/// The three kinds of Storefront API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenType {
    /// For browsers, limited to `allowed_cors_origins`.
    Storefront,
    /// For server-to-server use, with `access_scopes`.
    Private,
    /// For servers acting on behalf of customers.
    CustomerImpersonation,
}

impl TokenType {
    /// The scope family (at modify) that creating a token of this type takes of its issuer.
    pub fn issuer_family(self) -> &'static str {
        match self {
            TokenType::CustomerImpersonation => "storefront_api_customer_impersonation_tokens",
            _ => "storefront_api_tokens",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Storefront => "storefront",
            TokenType::Private => "private",
            TokenType::CustomerImpersonation => "customer_impersonation",
        }
    }
}

/// Access scopes of private storefront tokens, as BigCommerce names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize, JsonSchema)]
pub enum AccessScope {
    Unauthenticated,
    Customer,
    B2B,
}

/// The scope value as written: one level, or a list of levels for multi-select families.
#[derive(Debug, Clone)]
pub enum ScopeValue {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for ScopeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ScopeValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a scope level such as read-only or modify, or a list of levels")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScopeValue, E> {
                Ok(ScopeValue::One(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ScopeValue, A::Error> {
                let mut levels = Vec::new();
                while let Some(level) = seq.next_element::<String>()? {
                    levels.push(level);
                }
                Ok(ScopeValue::Many(levels))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Scopes of a store-level API account. A plain map for parsing; its schema lists the families.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct StoreScopes(pub BTreeMap<String, ScopeValue>);

/// Scopes of an account-level API account.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct AccountScopes(pub BTreeMap<String, ScopeValue>);

impl JsonSchema for StoreScopes {
    fn schema_name() -> Cow<'static, str> {
        "StoreScopes".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        scopes_schema("OAuth scopes of a store-level API account; families not listed are none.", |kind| {
            kind.is_store_level()
        })
    }
}

impl JsonSchema for AccountScopes {
    fn schema_name() -> Cow<'static, str> {
        "AccountScopes".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        scopes_schema("OAuth scopes of an account-level API account; families not listed are none.", |kind| {
            kind == FamilyKind::Account
        })
    }
}

/// One property per family, with its levels as an enum, so editors complete both.
fn scopes_schema(description: &str, wanted: impl Fn(FamilyKind) -> bool) -> Schema {
    let mut properties = serde_json::Map::new();
    for family in scopes::FAMILIES.iter().filter(|f| wanted(f.kind) && f.unavailable.is_none()) {
        let mut levels = vec![scopes::NONE];
        levels.extend(family.level_names());
        let one = serde_json::json!({"type": "string", "enum": levels});
        let schema = if family.multi {
            let many: Vec<_> = family.level_names();
            serde_json::json!({
                "description": format!("{} (several levels may be listed)", family.ui),
                "anyOf": [one, {"type": "array", "items": {"type": "string", "enum": many}, "uniqueItems": true}]
            })
        } else {
            serde_json::json!({"description": family.ui, "type": "string", "enum": levels})
        };
        properties.insert(family.key.to_owned(), schema);
    }
    json_schema!({
        "description": description,
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

fn default_true() -> bool {
    true
}
