//! The OAuth scope catalogue: every scope family BigCommerce's control panel offers, with the
//! label a person clicks, the levels it has and the OAuth parameter each level grants.
//!
//! This is pure data, transcribed from BigCommerce's "API Accounts & OAuth Scopes" reference.
//! The configuration names families by `key`; guided steps name them by `ui`; the state records
//! the OAuth parameters, because those are what BigCommerce itself reports.

use serde::Serialize;

/// Which kind of API account a family belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyKind {
    /// A store resource scope of a store-level API account.
    Store,
    /// A token creation scope (also on store-level API accounts).
    Token,
    /// A scope of an account-level API account.
    Account,
}

impl FamilyKind {
    /// True for the kinds a store-level API account can hold.
    pub fn is_store_level(self) -> bool {
        matches!(self, FamilyKind::Store | FamilyKind::Token)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FamilyKind::Store => "store",
            FamilyKind::Token => "token",
            FamilyKind::Account => "account",
        }
    }
}

/// One level of a family and the OAuth parameter it grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Level {
    pub name: &'static str,
    pub parameter: &'static str,
}

/// One scope family as the control panel shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Family {
    pub key: &'static str,
    pub ui: &'static str,
    pub kind: FamilyKind,
    /// The levels besides `none`, in the control panel's order (weakest first).
    pub levels: &'static [Level],
    /// The control panel lets a person tick several levels at once.
    pub multi: bool,
    /// Why a family cannot be configured at all, if that is so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

impl Family {
    pub fn level(&self, name: &str) -> Option<&'static Level> {
        self.levels.iter().find(|l| l.name == name)
    }

    /// Position of a level in the control panel's order, used to sort multi-level grants.
    pub fn level_rank(&self, name: &str) -> usize {
        self.levels.iter().position(|l| l.name == name).unwrap_or(usize::MAX)
    }

    pub fn level_names(&self) -> Vec<&'static str> {
        self.levels.iter().map(|l| l.name).collect()
    }
}

/// The name of the implicit level every family has.
pub const NONE: &str = "none";

macro_rules! levels {
    ($($name:literal => $param:literal),+ $(,)?) => {
        &[$(Level { name: $name, parameter: $param }),+]
    };
}

macro_rules! family {
    ($key:literal, $ui:literal, $kind:ident, $levels:expr) => {
        Family {
            key: $key,
            ui: $ui,
            kind: FamilyKind::$kind,
            levels: $levels,
            multi: false,
            unavailable: None,
            note: None,
        }
    };
    ($key:literal, $ui:literal, $kind:ident, $levels:expr, multi) => {
        Family {
            key: $key,
            ui: $ui,
            kind: FamilyKind::$kind,
            levels: $levels,
            multi: true,
            unavailable: None,
            note: None,
        }
    };
    ($key:literal, $ui:literal, $kind:ident, $levels:expr, note = $note:literal) => {
        Family {
            key: $key,
            ui: $ui,
            kind: FamilyKind::$kind,
            levels: $levels,
            multi: false,
            unavailable: None,
            note: Some($note),
        }
    };
}

/// Every scope family, in the control panel's order within each kind.
pub static FAMILIES: &[Family] = &[
    Family {
        key: "app_extensions",
        ui: "App Extensions",
        kind: FamilyKind::Store,
        levels: levels!("manage" => "store_app_extensions_manage"),
        multi: false,
        unavailable: Some("App Extensions can only be granted to an app-level API account (an app's OAuth client), not to a store-level API account"),
        note: None,
    },
    family!("carts", "Carts", Store, levels!("read-only" => "store_cart_read_only", "modify" => "store_cart")),
    family!("channel_settings", "Channel Settings", Store, levels!("read-only" => "store_channel_settings_read_only", "modify" => "store_channel_settings")),
    family!("channel_listings", "Channel Listings", Store, levels!("read-only" => "store_channel_listings_read_only", "modify" => "store_channel_listings")),
    family!("checkouts", "Checkouts", Store, levels!("read-only" => "store_checkout_read_only", "modify" => "store_checkout")),
    family!("checkout_content", "Checkout Content", Store, levels!("read-only" => "store_content_checkout_read_only", "modify" => "store_content_checkout")),
    family!("content", "Content", Store, levels!("read-only" => "store_v2_content_read_only", "modify" => "store_v2_content")),
    family!("customers", "Customers", Store, levels!("read-only" => "store_v2_customers_read_only", "modify" => "store_v2_customers")),
    family!("customers_login", "Customers Login", Store, levels!("modify" => "store_v2_customers_login")),
    family!("fulfillment_methods", "Fulfillment Methods", Store, levels!("read-only" => "store_fulfillment_methods_read_only", "modify" => "store_fulfillment_methods_manage")),
    family!("information_and_settings", "Information & Settings", Store, levels!("read-only" => "store_v2_information_read_only", "modify" => "store_v2_information")),
    family!("marketing", "Marketing", Store, levels!("read-only" => "store_v2_marketing_read_only", "modify" => "store_v2_marketing")),
    family!("metafield_ownership", "Metafield Ownership", Store, levels!("manage" => "store_metafield_change_owner")),
    family!("metafields_access", "Metafields Access", Store, levels!("standard" => "store_metafield_write", "full" => "store_metafield_write_all"), note = "standard is the default for every account"),
    family!("orders", "Orders", Store, levels!("read-only" => "store_v2_orders_read_only", "modify" => "store_v2_orders")),
    family!("order_fulfillment", "Order Fulfillment", Store, levels!("read-only" => "store_order_fulfillment_read_only", "modify" => "store_order_fulfillment_manage")),
    family!("order_transactions", "Order Transactions", Store, levels!("read-only" => "store_v2_transactions_read_only", "modify" => "store_v2_transactions")),
    family!("payment_methods", "Payments - Get accepted methods", Store, levels!("read-only" => "store_payments_methods_read")),
    family!("products", "Products", Store, levels!("read-only" => "store_v2_products_read_only", "modify" => "store_v2_products")),
    family!("sites_and_routes", "Sites & Routes", Store, levels!("read-only" => "store_sites_read_only", "modify" => "store_sites")),
    family!("store_inventory", "Store Inventory", Store, levels!("read-only" => "store_inventory_read_only", "modify" => "store_inventory")),
    family!("store_locations", "Store Locations", Store, levels!("read-only" => "store_locations_read_only", "modify" => "store_locations")),
    family!("stored_payment_instruments", "Stored Payment Instruments", Store, levels!("read-only" => "store_stored_payment_instruments_read_only", "modify" => "store_stored_payment_instruments")),
    family!("store_translations", "Store Translations", Store, levels!("read-only" => "store_translations_read_only", "modify" => "store_translations")),
    family!("themes", "Themes", Store, levels!("read-only" => "store_themes_read_only", "modify" => "store_themes_manage")),
    family!("create_payments", "Create Payments", Token, levels!("modify" => "store_payments_access_token_create")),
    family!("storefront_api_tokens", "Storefront API Tokens", Token, levels!("modify" => "store_storefront_api")),
    family!("storefront_api_customer_impersonation_tokens", "Storefront API Customer Impersonation Tokens", Token, levels!("modify" => "store_storefront_api_customer_impersonation")),
    family!("account", "Account", Account, levels!("read-only" => "account_read")),
    family!("account_apps", "Account Apps", Account, levels!("read-only" => "account_apps_read")),
    family!("account_checkouts", "Account Checkouts", Account, levels!("read-only" => "account_checkouts_read", "modify" => "account_checkouts_create"), multi),
    family!("account_stores", "Account Stores", Account, levels!("read-only" => "account_stores_read")),
    family!("account_subscriptions", "Account Subscriptions", Account, levels!("read-only" => "account_subscriptions_read", "modify" => "account_subscriptions_cancel"), multi),
    family!("account_users", "Account Users", Account, levels!("read-only" => "account_users_read", "write" => "account_users_write", "delete" => "account_users_delete"), multi),
];

/// Looks a family up by its configuration key.
pub fn family(key: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.key == key)
}

/// The family whose key is closest to a misspelt one, for "did you mean" hints.
pub fn closest_family(key: &str) -> Option<&'static Family> {
    crate::suggest::closest(key, FAMILIES.iter().map(|f| f.key)).and_then(family)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_and_parameters_are_unique() {
        let keys: HashSet<_> = FAMILIES.iter().map(|f| f.key).collect();
        assert_eq!(keys.len(), FAMILIES.len());
        let params: Vec<_> = FAMILIES.iter().flat_map(|f| f.levels.iter().map(|l| l.parameter)).collect();
        let unique: HashSet<_> = params.iter().collect();
        assert_eq!(unique.len(), params.len());
    }

    #[test]
    fn only_account_families_are_multi() {
        for f in FAMILIES.iter().filter(|f| f.multi) {
            assert_eq!(f.kind, FamilyKind::Account, "{}", f.key);
        }
    }

    #[test]
    fn misspelt_family_is_suggested() {
        assert_eq!(closest_family("prodcts").map(|f| f.key), Some("products"));
        assert!(closest_family("xyz").is_none());
    }
}
