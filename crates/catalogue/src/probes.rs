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
    ("create_payments", "POST only"),
    ("storefront_api_tokens", "POST and DELETE only"),
    ("storefront_api_customer_impersonation_tokens", "POST only"),
];

/// Every REST request bckeys sends: method, path under `/stores/{store_hash}` (templates in
/// braces), and the official spec that documents it. The contract test checks each against the
/// spec. The account-level GraphQL request (`POST /accounts/{account_uuid}/graphql`) is not
/// described by any REST spec; it follows BigCommerce's GraphQL Account API documentation.
pub fn rest_requests() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = vec![("GET", LIVENESS_PATH, "webhooks.v3.yml")];
    out.extend(PROBES.iter().map(|p| ("GET", p.path, p.spec)));
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
}
