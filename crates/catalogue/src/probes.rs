//! The safe read requests that prove a token's scope families, from BigCommerce's OpenAPI specs
//! and its "API Accounts & OAuth Scopes" reference. Each is a GET without side effects that the
//! family's read-only level allows: 2xx means granted, 403 means not granted, 401 a dead token.

/// The liveness request: webhooks need only the default scope every API account has.
pub const LIVENESS_PATH: &str = "/v3/hooks";
pub const LIVENESS_QUERY: &str = "limit=1";

/// One probe: the family it proves and the request, relative to `/stores/{store_hash}`.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub family: &'static str,
    pub path: &'static str,
    pub query: &'static str,
    /// The spec file that documents the route, for the contract test.
    pub spec: &'static str,
}

const fn probe(family: &'static str, path: &'static str, query: &'static str, spec: &'static str) -> Probe {
    Probe { family, path, query, spec }
}

pub static PROBES: &[Probe] = &[
    probe("products", "/v3/catalog/products", "limit=1", "catalog/products_catalog.v3.yml"),
    probe("orders", "/v2/order_statuses", "", "orders.v2.oas2.yml"),
    probe("customers", "/v3/customers", "limit=1", "customers.v3.yml"),
    probe("content", "/v3/content/widgets", "limit=1", "widgets.v3.yml"),
    probe("marketing", "/v2/coupons", "limit=1", "marketing.v2.yml"),
    probe("information_and_settings", "/v2/store", "", "store_information.v2.yml"),
    probe("carts", "/v3/carts/metafields", "limit=1", "carts.v3.yml"),
    probe("checkouts", "/v3/checkouts/settings", "", "checkouts.v3.yml"),
    probe("channel_settings", "/v3/channels", "limit=1", "channels.v3.yml"),
    // Channel 1 always exists.
    probe("channel_listings", "/v3/channels/1/listings", "limit=1", "channels.v3.yml"),
    probe("sites_and_routes", "/v3/sites", "limit=1", "sites.v3.yml"),
    probe("themes", "/v3/themes", "", "themes.v3.yml"),
    probe("store_inventory", "/v3/inventory/items", "limit=1", "inventory.v3.yml"),
    probe("store_locations", "/v3/inventory/locations", "limit=1", "locations.v3.yml"),
    probe("order_fulfillment", "/v3/orders/pickups", "", "pickup.v3.yml"),
    probe("fulfillment_methods", "/v3/pickup/methods", "limit=1", "pickup_methods.v3.yml"),
    // A deprecated endpoint, but the only ID-free GET of the family.
    probe("payment_methods", "/v2/payments/methods", "limit=1", "payments/methods_payments.v2.yml"),
];

/// Families with no safe ID-free GET, and why: reported as unverifiable, never as a match.
pub static UNVERIFIABLE: &[(&str, &str)] = &[
    ("order_transactions", "the only GET needs an order ID"),
    ("stored_payment_instruments", "the only GET needs a customer ID"),
    ("checkout_content", "its only GET (/v3/content/scripts) also answers for Content"),
    ("customers_login", "used on the storefront with a JWT, not with an access token"),
    ("store_translations", "reachable through the GraphQL Admin API only"),
    ("metafields_access", "no dedicated route"),
    ("metafield_ownership", "reachable through the GraphQL Admin API only"),
    ("create_payments", "POST only: proven by a write probe at capture and with --probe-writes"),
    ("storefront_api_tokens", "POST and DELETE only: proven by a write probe at capture and with --probe-writes"),
    (
        "storefront_api_customer_impersonation_tokens",
        "POST only: proven by a write probe at capture and with --probe-writes",
    ),
];

/// How the official spec proves that a write probe's body is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The body lacks fields that the operation's request schema lists as `required`: the
    /// contract test checks the body against the schema.
    Schema,
    /// The operation's schema lists nothing as required, but its description does: these words
    /// of the description, which the contract test finds there.
    Prose(&'static str),
}

/// A write that BigCommerce must refuse whatever the token's level, so that its answer tells
/// read-only from modify without changing anything: with the family's modify level the request
/// reaches validation and is refused there (400 or 422); without it BigCommerce refuses it for
/// scope (403). Sent only to a token that has the family's read level.
#[derive(Debug, Clone, Copy)]
pub struct WriteProbe {
    pub family: &'static str,
    pub method: &'static str,
    /// Relative to `/stores/{store_hash}`.
    pub path: &'static str,
    /// JSON: always without the fields the operation requires, and never naming an object.
    pub body: &'static str,
    /// The path names an ID that can't exist: a 404 may come before the scope check, so only a
    /// 400 or 422 proves modify.
    pub id_bound: bool,
    /// The spec file that documents the operation, and how it proves the refusal.
    pub spec: &'static str,
    pub refusal: Refusal,
}

const fn write(
    family: &'static str,
    method: &'static str,
    path: &'static str,
    body: &'static str,
    spec: &'static str,
    refusal: Refusal,
) -> WriteProbe {
    WriteProbe { family, method, path, body, id_bound: false, spec, refusal }
}

const fn write_to_nothing(
    family: &'static str,
    method: &'static str,
    path: &'static str,
    body: &'static str,
    spec: &'static str,
) -> WriteProbe {
    WriteProbe { family, method, path, body, id_bound: true, spec, refusal: Refusal::Schema }
}

/// One write probe per family whose levels no read tells apart, chosen from the specs so that
/// nothing can be created or changed: never a DELETE, never a filter, never a batch that names
/// an object. `[{}]` is one item without any field (an empty batch might be a successful no-op).
pub static WRITE_PROBES: &[WriteProbe] = &[
    write("products", "POST", "/v3/catalog/products", "{}", "catalog/products_catalog.v3.yml", Refusal::Schema),
    // `order_Post` lists nothing as required; the operation's description does.
    write("orders", "POST", "/v2/orders", "{}", "orders.v2.oas2.yml", Refusal::Prose("**Required Fields**")),
    write("customers", "POST", "/v3/customers", "[{}]", "customers.v3.yml", Refusal::Schema),
    write("content", "POST", "/v3/content/widgets", "{}", "widgets.v3.yml", Refusal::Schema),
    write("marketing", "POST", "/v2/coupons", "{}", "marketing.v2.yml", Refusal::Schema),
    // The read probe's file has no writes; currencies are Information & Settings too.
    write("information_and_settings", "POST", "/v2/currencies", "{}", "currencies.v2.yml", Refusal::Schema),
    write("carts", "POST", "/v3/carts/metafields", "[{}]", "carts.v3.yml", Refusal::Schema),
    // Every checkout write names a checkout: the nil UUID (never a cart's, so never a
    // checkout's), and a body without the required fields.
    write_to_nothing(
        "checkouts",
        "POST",
        "/v3/checkouts/00000000-0000-0000-0000-000000000000/billing-address",
        "{}",
        "checkouts.v3.yml",
    ),
    write("channel_settings", "POST", "/v3/channels", "{}", "channels.v3.yml", Refusal::Schema),
    write("channel_listings", "POST", "/v3/channels/1/listings", "[{}]", "channels.v3.yml", Refusal::Schema),
    // No create of the family lists required fields; the route update does, on route 0 of site 0.
    write_to_nothing("sites_and_routes", "PUT", "/v3/sites/0/routes/0", "{}", "sites.v3.yml"),
    write("themes", "POST", "/v3/themes/actions/activate", "{}", "themes.v3.yml", Refusal::Schema),
    write("store_inventory", "POST", "/v3/inventory/adjustments/relative", "{}", "inventory.v3.yml", Refusal::Schema),
    // An update of one location without its `id`: it can't name any.
    write("store_locations", "PUT", "/v3/inventory/locations", "[{}]", "locations.v3.yml", Refusal::Schema),
    write("order_fulfillment", "POST", "/v3/orders/pickups", "[{}]", "pickup.v3.yml", Refusal::Schema),
    // The token families have one level: a refused creation proves the family itself.
    write(
        "create_payments",
        "POST",
        "/v3/payments/access_tokens",
        "{}",
        "payments/access-tokens_payments.v3.yml",
        Refusal::Schema,
    ),
    write(
        "storefront_api_tokens",
        "POST",
        "/v3/storefront/api-token",
        "{}",
        "storefront_tokens.v3.yml",
        Refusal::Schema,
    ),
    write(
        "storefront_api_customer_impersonation_tokens",
        "POST",
        "/v3/storefront/api-token-customer-impersonation",
        "{}",
        "storefront_tokens.v3.yml",
        Refusal::Schema,
    ),
];

/// Families with read-only and modify levels that no write probe can tell apart, and why:
/// their level is recorded and shown as unverified.
pub static LEVEL_UNVERIFIABLE: &[(&str, &str)] = &[(
    "fulfillment_methods",
    "no write of the family is sure to be refused: its request schemas list nothing as required",
)];

pub fn write_probe_for(family: &str) -> Option<&'static WriteProbe> {
    WRITE_PROBES.iter().find(|p| p.family == family)
}

/// Every REST request bckeys sends: method, path under `/stores/{store_hash}` (templates in
/// braces), and the official spec that documents it. The contract test checks each against the
/// spec. The account-level GraphQL request (`POST /accounts/{account_uuid}/graphql`) is not
/// described by any REST spec; it follows BigCommerce's GraphQL Account API documentation.
pub fn rest_requests() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = vec![("GET", LIVENESS_PATH, "webhooks.v3.yml")];
    out.extend(PROBES.iter().map(|p| ("GET", p.path, p.spec)));
    out.extend(WRITE_PROBES.iter().map(|p| (p.method, p.path, p.spec)));
    out.extend([
        ("POST", "/v3/hooks", "webhooks.v3.yml"),
        ("PUT", "/v3/hooks/{webhook_id}", "webhooks.v3.yml"),
        ("DELETE", "/v3/hooks/{webhook_id}", "webhooks.v3.yml"),
        ("POST", "/v3/storefront/api-token", "storefront_tokens.v3.yml"),
        ("POST", "/v3/storefront/api-token-private", "storefront_tokens.v3.yml"),
        ("POST", "/v3/storefront/api-token-customer-impersonation", "storefront_tokens.v3.yml"),
        ("DELETE", "/v3/storefront/api-token", "storefront_tokens.v3.yml"),
    ]);
    out
}

pub fn probe_for(family: &str) -> Option<&'static Probe> {
    PROBES.iter().find(|p| p.family == family)
}

pub fn unverifiable_reason(family: &str) -> Option<&'static str> {
    UNVERIFIABLE.iter().find(|(f, _)| *f == family).map(|(_, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes::{FamilyKind, FAMILIES};

    #[test]
    fn every_store_family_is_probed_or_declared_unverifiable() {
        for f in FAMILIES.iter().filter(|f| f.kind != FamilyKind::Account && f.unavailable.is_none()) {
            let probed = probe_for(f.key).is_some();
            let unverifiable = unverifiable_reason(f.key).is_some();
            assert!(probed ^ unverifiable, "{}: probed {probed}, unverifiable {unverifiable}", f.key);
        }
    }

    /// Wherever a read proves a family that has a read-only and a modify level, a write probe
    /// tells the two apart, or the family says why none can.
    #[test]
    fn every_probed_two_level_family_has_a_write_probe_or_says_why_not() {
        for f in FAMILIES.iter().filter(|f| probe_for(f.key).is_some()) {
            let two_levels = f.level("read-only").is_some() && f.level("modify").is_some();
            let written = write_probe_for(f.key).is_some();
            let why = LEVEL_UNVERIFIABLE.iter().any(|(k, _)| *k == f.key);
            assert_eq!(two_levels, written ^ why, "{}: two levels {two_levels}, probe {written}, why {why}", f.key);
        }
        for p in WRITE_PROBES {
            let family = crate::scopes::family(p.family).unwrap_or_else(|| panic!("{}", p.family));
            assert!(probe_for(p.family).is_some() || family.kind == FamilyKind::Token, "{}", p.family);
            assert_ne!(p.method, "DELETE", "{}: a write probe is never a deletion", p.family);
            assert!(!p.path.contains('?'), "{}: a write probe never takes a filter", p.family);
            let body: serde_json::Value = serde_json::from_str(p.body).unwrap();
            let fields = |v: &serde_json::Value| v.as_object().map_or(0, |o| o.len());
            let empty = match &body {
                serde_json::Value::Array(items) => items.len() == 1 && fields(&items[0]) == 0,
                other => other.is_object() && fields(other) == 0,
            };
            assert!(empty, "{}: a write probe's body names nothing", p.family);
        }
    }
}
