//! What the control panel lets a person create, and what a token's OAuth parameters allow.
//!
//! Scope rules come from `bckeys_catalogue::scopes` so that the sandbox and the rest of bckeys never disagree
//! on what a parameter means: a read route of a family accepts any of its levels, a write needs
//! the family's `modify` level.

use std::collections::BTreeSet;

use bckeys_catalogue::scopes::{self, FamilyKind};

/// BigCommerce allows at most this many store-level API accounts per store.
pub const MAX_STORE_ACCOUNTS: usize = 50;

/// The parameter of the Storefront API Tokens scope.
pub const STOREFRONT_TOKENS: &str = "store_storefront_api";
/// The parameter of the Storefront API Customer Impersonation Tokens scope.
pub const IMPERSONATION_TOKENS: &str = "store_storefront_api_customer_impersonation";

/// Which settings page an API account is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountLevel {
    Store,
    Account,
}

pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().chars().count() < 4 {
        return Err("the name must have at least 4 characters".into());
    }
    Ok(())
}

/// A store hash is lowercase letters and digits; BigCommerce's own examples vary in length.
pub fn check_store_hash(hash: &str) -> Result<(), String> {
    if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Err(format!("{hash:?} is not a store hash (lowercase letters and digits)"));
    }
    Ok(())
}

/// An account UUID, 8-4-4-4-12 hexadecimal digits.
pub fn check_account_uuid(uuid: &str) -> Result<(), String> {
    let groups: Vec<&str> = uuid.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let ok = groups.len() == lengths.len()
        && groups.iter().zip(lengths).all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if !ok {
        return Err(format!("{uuid:?} is not an account UUID"));
    }
    Ok(())
}

/// Checks OAuth parameters as the control panel would allow them for an account of `level`:
/// known, of that level, available to API accounts, and one level per family unless the family
/// lets a person tick several.
pub fn check_scopes(parameters: &[String], level: AccountLevel) -> Result<BTreeSet<String>, String> {
    let mut granted = BTreeSet::new();
    let mut families: Vec<&str> = Vec::new();
    for p in parameters {
        let Some((family, _)) = parameter(p) else {
            return Err(format!("unknown OAuth parameter {p:?}"));
        };
        match (level, family.kind) {
            (AccountLevel::Store, FamilyKind::Account) => {
                return Err(format!("{p} is an account-level parameter: a store-level API account cannot have it"));
            }
            (AccountLevel::Account, FamilyKind::Store | FamilyKind::Token) => {
                return Err(format!("{p} is a store-level parameter: an account-level API account cannot have it"));
            }
            _ => {}
        }
        if let Some(why) = family.unavailable {
            return Err(format!("{p}: {why}"));
        }
        if !granted.insert(p.clone()) {
            continue;
        }
        if !family.multi && families.contains(&family.key) {
            return Err(format!("{p}: the control panel sets one level of {} at a time", family.ui));
        }
        families.push(family.key);
    }
    Ok(granted)
}

/// The family and level an OAuth parameter belongs to.
pub fn parameter(p: &str) -> Option<(&'static scopes::Family, &'static scopes::Level)> {
    scopes::FAMILIES.iter().find_map(|f| f.levels.iter().find(|l| l.parameter == p).map(|l| (f, l)))
}

/// True when the granted parameters include any level of the family: enough to read.
pub fn can_read(granted: &BTreeSet<String>, family: &str) -> bool {
    scopes::family(family).is_some_and(|f| f.levels.iter().any(|l| granted.contains(l.parameter)))
}

/// True when the granted parameters include the family's `modify` level: needed to write.
pub fn can_modify(granted: &BTreeSet<String>, family: &str) -> bool {
    scopes::family(family).and_then(|f| f.level("modify")).is_some_and(|l| granted.contains(l.parameter))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ps: &[&str]) -> BTreeSet<String> {
        ps.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn token_scope_parameters_are_in_the_catalogue() {
        assert_eq!(parameter(STOREFRONT_TOKENS).unwrap().0.key, "storefront_api_tokens");
        assert_eq!(parameter(IMPERSONATION_TOKENS).unwrap().0.key, "storefront_api_customer_impersonation_tokens");
    }

    #[test]
    fn read_accepts_either_level_and_write_needs_modify() {
        let ro = set(&["store_v2_products_read_only"]);
        let rw = set(&["store_v2_products"]);
        assert!(can_read(&ro, "products") && can_read(&rw, "products"));
        assert!(!can_modify(&ro, "products") && can_modify(&rw, "products"));
        assert!(!can_read(&rw, "orders"));
        assert!(can_read(&set(&["store_payments_methods_read"]), "payment_methods"));
    }

    #[test]
    fn scopes_are_checked_like_the_control_panel() {
        let ok = ["store_v2_products".to_string(), "store_v2_orders_read_only".to_string()];
        assert_eq!(check_scopes(&ok, AccountLevel::Store).unwrap().len(), 2);
        let two_levels = ["store_v2_products".to_string(), "store_v2_products_read_only".to_string()];
        assert!(check_scopes(&two_levels, AccountLevel::Store).is_err());
        let multi = ["account_users_read".to_string(), "account_users_write".to_string()];
        assert!(check_scopes(&multi, AccountLevel::Account).is_ok());
        assert!(check_scopes(&["account_read".into()], AccountLevel::Store).is_err());
        assert!(check_scopes(&["store_v2_products".into()], AccountLevel::Account).is_err());
        assert!(check_scopes(&["store_app_extensions_manage".into()], AccountLevel::Store).is_err());
    }

    #[test]
    fn identifiers() {
        assert!(check_store_hash("abc123def4").is_ok());
        assert!(check_store_hash("ABC").is_err() && check_store_hash("").is_err());
        assert!(check_account_uuid("0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f").is_ok());
        assert!(check_account_uuid("0b7e5b0c-0b6a-4c3f-9d0e").is_err());
        assert!(check_name("abc").is_err() && check_name("abcd").is_ok());
    }
}
