//! The store resources bckeys probes: every route of `bckeys_catalogue::probes::PROBES`, with
//! a small answer in the shape its spec documents, and the writes those specs document on the
//! same path.
//!
//! The sandbox keeps no catalogue, orders or customers: a read answers canned data; a write with
//! the `modify` scope checks only that its body is a non-empty JSON object or array (otherwise
//! 422, or 400 on v2 routes, as BigCommerce answers an invalid body) and echoes it. That is what
//! scope enforcement and a `--probe-writes` request need, and nothing is pretended beyond it.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::auth;
use super::reply::{self, Dialect};
use bckeys_catalogue::probes::{Probe, WriteProbe, PROBES, WRITE_PROBES};

/// The write methods each probed path has in its spec.
static WRITES: &[(&str, &[&str])] = &[
    ("/v3/catalog/products", &["POST", "PUT", "DELETE"]),
    ("/v3/customers", &["POST", "PUT", "DELETE"]),
    ("/v3/content/widgets", &["POST"]),
    ("/v2/coupons", &["POST", "DELETE"]),
    ("/v3/carts/metafields", &["POST", "PUT", "DELETE"]),
    ("/v3/checkouts/settings", &["PUT"]),
    ("/v3/channels", &["POST"]),
    ("/v3/channels/1/listings", &["POST", "PUT"]),
    ("/v3/sites", &["POST"]),
    ("/v3/themes", &["POST"]),
    ("/v3/inventory/locations", &["POST", "PUT", "DELETE"]),
    ("/v3/orders/pickups", &["POST", "PUT", "DELETE"]),
    ("/v3/pickup/methods", &["POST", "PUT", "DELETE"]),
];

/// The probe whose path this is.
pub fn route(path: &str) -> Option<&'static Probe> {
    PROBES.iter().find(|p| p.path == path)
}

/// Answers a request to a probed path, the caller's scopes permitting.
pub fn answer(
    probe: &Probe,
    method: &Method,
    scopes: &std::collections::BTreeSet<String>,
    store_hash: &str,
    query: &[(String, String)],
    body: &[u8],
) -> Response {
    let dialect = Dialect::of(probe.path);
    if *method == Method::GET {
        if !auth::can_read(scopes, probe.family) {
            return reply::forbidden(dialect);
        }
        return reply::json(StatusCode::OK, &canned(probe.path, store_hash, per_page(query)));
    }
    let writable = WRITES.iter().any(|(p, methods)| *p == probe.path && methods.contains(&method.as_str()));
    if !writable {
        return reply::error(dialect, StatusCode::METHOD_NOT_ALLOWED, reply::TITLE_405);
    }
    if !auth::can_modify(scopes, probe.family) {
        return reply::forbidden(dialect);
    }
    if *method == Method::DELETE {
        return reply::no_content();
    }
    let value = match reply::parse_body(body) {
        Ok(v) => v,
        Err(why) => return reply::bad_body(dialect, &why),
    };
    if names_nothing(&value) {
        return reply::invalid(dialect, &[("body", "must name at least one field".into())]);
    }
    match dialect {
        Dialect::V2 => reply::json(if *method == Method::POST { StatusCode::CREATED } else { StatusCode::OK }, &value),
        Dialect::V3 => reply::json(StatusCode::OK, &json!({"data": value, "meta": {}})),
    }
}

/// A body BigCommerce refuses whatever the route: no field at all (`{}`, `[]`, or items without
/// any field, such as `[{}]`).
fn names_nothing(value: &Value) -> bool {
    match value {
        Value::Object(o) => o.is_empty(),
        Value::Array(items) => items.iter().all(|i| !matches!(i.as_object(), Some(o) if !o.is_empty())),
        _ => true,
    }
}

/// The write probe sent to this route that no read probe shares (orders, currencies,
/// checkouts, routes, theme activation, inventory adjustments, payment access tokens).
pub fn write_route(path: &str, method: &Method) -> Option<&'static WriteProbe> {
    WRITE_PROBES.iter().find(|p| p.path == path && p.method == method.as_str() && route(path).is_none())
}

/// Answers a write probe as BigCommerce must: 403 without the family's modify level; with
/// it, 404 for an ID that can't exist, else the validation error of a body without its
/// required fields (the sandbox keeps no orders, currencies or checkouts to create).
pub fn answer_write(probe: &WriteProbe, scopes: &std::collections::BTreeSet<String>, body: &[u8]) -> Response {
    let dialect = Dialect::of(probe.path);
    if !auth::can_modify(scopes, probe.family) {
        return reply::forbidden(dialect);
    }
    if probe.id_bound {
        return reply::error(dialect, StatusCode::NOT_FOUND, reply::TITLE_404);
    }
    match reply::parse_body(body) {
        Ok(v) if names_nothing(&v) => reply::invalid(dialect, &[("body", "lacks the required fields".into())]),
        Ok(_) => reply::error(dialect, StatusCode::NOT_IMPLEMENTED, "The sandbox only answers probes on this route."),
        Err(why) => reply::bad_body(dialect, &why),
    }
}

fn per_page(query: &[(String, String)]) -> u64 {
    query.iter().find(|(k, _)| k == "limit").and_then(|(_, v)| v.parse().ok()).filter(|n| *n >= 1).unwrap_or(50)
}

/// v3 collection metadata for a single page holding `count` items.
pub fn pagination(count: u64, per_page: u64) -> Value {
    json!({"pagination": {
        "total": count,
        "count": count.min(per_page),
        "per_page": per_page,
        "current_page": 1,
        "total_pages": count.div_ceil(per_page.max(1)),
        "links": {"current": format!("?page=1&limit={per_page}")},
    }})
}

fn page(items: Vec<Value>, per_page: u64) -> Value {
    let n = items.len() as u64;
    let items: Vec<Value> = items.into_iter().take(per_page as usize).collect();
    json!({"data": items, "meta": pagination(n, per_page)})
}

const CREATED: &str = "2024-03-05T16:20:11+00:00";

/// A small body in the shape each route's spec documents.
fn canned(path: &str, store_hash: &str, per_page: u64) -> Value {
    let domain = format!("store-{store_hash}.mybigcommerce.com");
    match path {
        "/v3/catalog/products" => page(
            vec![json!({
                "id": 111, "name": "Sandbox Linen Towel", "type": "physical", "sku": "SBX-TOWEL",
                "weight": 1, "price": 24.5, "inventory_level": 12, "is_visible": true,
                "categories": [21], "date_created": CREATED, "date_modified": CREATED,
            })],
            per_page,
        ),
        "/v2/order_statuses" => {
            let names = [
                "Incomplete",
                "Pending",
                "Shipped",
                "Partially Shipped",
                "Refunded",
                "Cancelled",
                "Declined",
                "Awaiting Payment",
                "Awaiting Pickup",
                "Awaiting Shipment",
                "Completed",
                "Awaiting Fulfillment",
                "Manual Verification Required",
                "Disputed",
                "Partially Refunded",
            ];
            Value::Array(
                names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        json!({"id": i, "name": n, "system_label": n, "custom_label": n,
                               "system_description": format!("Orders in the {n} state."), "order": i})
                    })
                    .collect(),
            )
        }
        "/v3/customers" => page(
            vec![json!({
                "id": 1, "email": "jane.doe@example.com", "first_name": "Jane", "last_name": "Doe",
                "company": "", "phone": "", "notes": "", "tax_exempt_category": "", "customer_group_id": 0,
                "registration_ip_address": "", "date_created": CREATED, "date_modified": CREATED,
                "address_count": 0, "attribute_count": 0, "authentication": {"force_password_reset": false},
                "accepts_product_review_abandoned_cart_emails": false, "channel_ids": [1],
            })],
            per_page,
        ),
        "/v3/content/widgets" => page(
            vec![json!({
                "uuid": "6f1c2b7e-4a1d-4d8e-9a3b-2c5e7f9a1b3d", "name": "Sandbox banner",
                "description": "", "widget_configuration": {"text": "Welcome"},
                "widget_template_uuid": "0d3e5f7a-9b1c-4e2d-8f6a-1b3c5d7e9f20",
                "version_uuid": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "channel_id": 1,
                "storefront_api_query_params": {}, "date_created": CREATED, "date_modified": CREATED,
            })],
            per_page,
        ),
        "/v2/coupons" => json!([{
            "id": 1, "name": "Sandbox five off", "type": "per_total_discount", "amount": "5.0000",
            "min_purchase": "0.0000", "expires": "", "enabled": true, "code": "SANDBOX5",
            "applies_to": {"entity": "categories", "ids": [0]}, "num_uses": 0, "max_uses": 0,
            "max_uses_per_customer": 0, "restricted_to": {}, "shipping_methods": [],
            "date_created": "Tue, 05 Mar 2024 16:20:11 +0000",
        }]),
        "/v2/store" => store_information(store_hash, &domain),
        "/v3/checkouts/settings" => json!({
            "data": {
                "custom_checkout_script_url": "", "order_confirmation_use_custom_checkout_script": false,
                "custom_order_confirmation_script_url": "", "custom_checkout_supports_uco_settings": false,
            },
            "meta": {},
        }),
        "/v3/channels" => page(
            vec![json!({
                "id": 1, "name": "Sandbox Store", "platform": "bigcommerce", "type": "storefront",
                "status": "active", "external_id": "", "is_listable_from_ui": true, "is_visible": true,
                "is_enabled": true, "date_created": CREATED, "date_modified": CREATED, "icon_url": "",
            })],
            per_page,
        ),
        "/v3/sites" => page(
            vec![json!({
                "id": 1000, "url": format!("https://{domain}"), "channel_id": 1, "ssl_status": "dedicated",
                "created_at": CREATED, "updated_at": CREATED,
                "urls": [{"url": format!("https://{domain}"), "type": "primary", "created_at": CREATED, "updated_at": CREATED}],
                "is_checkout_url_customized": false,
            })],
            per_page,
        ),
        "/v3/themes" => json!({
            "data": [{
                "uuid": "5b9d3e1a-7c2f-4e8b-a1d6-3f0c9e2b7a45", "name": "Cornerstone", "is_private": false,
                "is_active": true, "updated_at": "2024-03-05T16:20:11Z",
                "variations": [{"uuid": "9e4f2a7c-1b3d-4c5e-8f6a-7b9c0d1e2f34", "name": "Light",
                                "description": "The default variation.", "external_id": "light"}],
            }],
            "meta": {},
        }),
        "/v3/inventory/items" => page(
            vec![json!({
                "identity": {"sku": "SBX-TOWEL", "variant_id": 211, "product_id": 111, "sku_id": 311},
                "locations": [{"location_id": 1, "location_code": "BC-LOCATION-1", "location_name": "Default location",
                               "available_to_sell": 12, "total_inventory_onhand": 12, "location_enabled": true,
                               "settings": {"safety_stock": 0, "is_in_stock": true, "warning_level": 0, "bin_picking_number": ""}}],
            })],
            per_page,
        ),
        "/v3/inventory/locations" => page(
            vec![json!({
                "id": 1, "code": "BC-LOCATION-1", "label": "Default location", "description": "",
                "managed_by_external_source": false, "type_id": "PHYSICAL", "enabled": true,
                "storefront_visibility": true, "time_zone": "America/Chicago", "special_hours": [],
                "address": {"address1": "", "address2": "", "city": "Austin", "state": "Texas", "zip": "78701",
                            "email": "", "phone": "", "geo_coordinates": {"latitude": 30.27, "longitude": -97.74},
                            "country_code": "US"},
            })],
            per_page,
        ),
        "/v3/orders/pickups" => json!({"data": []}),
        "/v3/payments/methods" | "/v2/payments/methods" => {
            json!([{"code": "testgateway", "name": "Test Payment Gateway", "test_mode": true}])
        }
        // Carts metafields, channel listings, pickup methods: empty collections.
        _ => page(Vec::new(), per_page),
    }
}

/// `/v2/store`: built in parts, the object is too large for one `json!`.
fn store_information(store_hash: &str, domain: &str) -> Value {
    let mut store = json!({
        "id": store_hash, "domain": domain, "secure_URL": format!("https://{domain}"),
        "control_panel_base_url": format!("https://{domain}"), "status": "live",
        "name": "Sandbox Store", "first_name": "Jane", "last_name": "Doe", "address": "",
        "country": "United States", "country_code": "US", "phone": "", "admin_email": "admin@example.com",
        "order_email": "orders@example.com", "favicon_url": "", "language": "en", "industry": "",
    });
    let more = [
        json!({
            "timezone": {
                "name": "America/Chicago", "raw_offset": -21600, "dst_offset": -18000, "dst_correction": true,
                "date_format": {"display": "M jS Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"},
            },
        }),
        json!({
            "currency": "USD", "currency_symbol": "$", "decimal_separator": ".", "thousands_separator": ",",
            "decimal_places": 2, "currency_symbol_location": "left", "weight_units": "LBS",
            "dimension_units": "Inches", "dimension_decimal_places": "2", "dimension_decimal_token": ".",
            "dimension_thousands_token": ",",
        }),
        json!({
            "plan_name": "Standard", "plan_level": "Standard", "plan_is_trial": false, "logo": [],
            "is_price_entered_with_tax": false, "store_id": 1_000_001, "default_site_id": 1000,
            "default_channel_id": 1, "active_comparison_modules": [],
        }),
        json!({
            "features": {
                "stencil_enabled": true, "sitewidehttps_enabled": true, "facebook_catalog_id": "",
                "checkout_type": "optimized", "wishlists_enabled": true, "graphql_storefront_api_enabled": true,
                "shopper_consent_tracking_enabled": false, "multi_storefront_enabled": true,
                "storefront_limits": {"active": 1, "total_including_inactive": 1},
            },
        }),
    ];
    if let Value::Object(map) = &mut store {
        for part in more {
            if let Value::Object(part) = part {
                map.extend(part);
            }
        }
    }
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_has_a_body_of_its_dialect() {
        for p in PROBES {
            let body = canned(p.path, "abc", 1);
            match Dialect::of(p.path) {
                Dialect::V2 => assert!(body.is_array() || body.get("data").is_none(), "{}", p.path),
                Dialect::V3 => assert!(body.get("data").is_some(), "{}", p.path),
            }
        }
    }

    #[test]
    fn every_write_is_on_a_probed_path() {
        for (path, _) in WRITES {
            assert!(route(path).is_some(), "{path}");
        }
    }

    #[test]
    fn pagination_counts_pages() {
        let m = pagination(3, 2);
        assert_eq!(m["pagination"]["total_pages"], 2);
        assert_eq!(m["pagination"]["count"], 2);
    }
}
