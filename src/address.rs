//! Resource addresses (`store/<label>/<account>` and friends) and the secret file of each.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The address of one managed resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// `store/<label>/<account>`
    StoreAccount { store: String, account: String },
    /// `store/<label>/<account>/webhook/<name>`
    Webhook { store: String, account: String, name: String },
    /// `store/<label>/storefront-token/<name>`
    StorefrontToken { store: String, name: String },
    /// `account/<label>/<account>`
    AccountAccount { account_label: String, account: String },
}

impl Address {
    /// The encrypted file of this resource, relative to the configuration's directory.
    pub fn secret_path(&self) -> PathBuf {
        PathBuf::from(format!("secrets/{self}.age"))
    }

    /// Where the credential of an API account being replaced waits until BigCommerce rejects it.
    pub fn retiring_secret_path(&self) -> PathBuf {
        PathBuf::from(format!("secrets/{self}.retiring.age"))
    }

    /// The store or account the address belongs to (`store/<label>`, `account/<label>`): what
    /// apply carries out one after another, while different groups go at once.
    pub fn group(&self) -> String {
        match self {
            Address::StoreAccount { store, .. }
            | Address::Webhook { store, .. }
            | Address::StorefrontToken { store, .. } => format!("store/{store}"),
            Address::AccountAccount { account_label, .. } => format!("account/{account_label}"),
        }
    }

    /// The API account a webhook belongs to.
    pub fn owner(&self) -> Option<Address> {
        match self {
            Address::Webhook { store, account, .. } => {
                Some(Address::StoreAccount { store: store.clone(), account: account.clone() })
            }
            _ => None,
        }
    }

    /// The store-level API account `account` of the store a storefront token is on: its issuer.
    pub fn sibling_account(&self, account: &str) -> Option<Address> {
        match self {
            Address::StorefrontToken { store, .. } => {
                Some(Address::StoreAccount { store: store.clone(), account: account.to_owned() })
            }
            _ => None,
        }
    }
}

/// Addresses sort as their text does, so a store's accounts, their webhooks and its tokens stay
/// together in plans and in the state file.
impl Ord for Address {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Compares the text without building it: plans and the state compare addresses often.
        self.parts().into_iter().flat_map(str::bytes).cmp(other.parts().into_iter().flat_map(str::bytes))
    }
}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Address {
    /// The pieces of the address's text, in order.
    fn parts(&self) -> [&str; 6] {
        match self {
            Address::StoreAccount { store, account } => ["store/", store, "/", account, "", ""],
            Address::Webhook { store, account, name } => ["store/", store, "/", account, "/webhook/", name],
            Address::StorefrontToken { store, name } => ["store/", store, "/storefront-token/", name, "", ""],
            Address::AccountAccount { account_label, account } => ["account/", account_label, "/", account, "", ""],
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::StoreAccount { store, account } => write!(f, "store/{store}/{account}"),
            Address::Webhook { store, account, name } => write!(f, "store/{store}/{account}/webhook/{name}"),
            Address::StorefrontToken { store, name } => {
                write!(f, "store/{store}/storefront-token/{name}")
            }
            Address::AccountAccount { account_label, account } => write!(f, "account/{account_label}/{account}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a resource address")]
pub struct AddressError(pub String);

impl AddressError {
    pub fn hint(&self) -> &'static str {
        "addresses look like store/<label>/<account>, store/<label>/<account>/webhook/<name>, store/<label>/storefront-token/<name> or account/<label>/<account>"
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        if parts.iter().any(|p| !is_valid_segment(p)) {
            return Err(AddressError(s.to_owned()));
        }
        let own = |p: &str| p.to_owned();
        match parts.as_slice() {
            ["store", store, "storefront-token", name] => {
                Ok(Address::StorefrontToken { store: own(store), name: own(name) })
            }
            ["store", store, account, "webhook", name] => {
                Ok(Address::Webhook { store: own(store), account: own(account), name: own(name) })
            }
            ["store", store, account] => Ok(Address::StoreAccount { store: own(store), account: own(account) }),
            ["account", label, account] => {
                Ok(Address::AccountAccount { account_label: own(label), account: own(account) })
            }
            _ => Err(AddressError(s.to_owned())),
        }
    }
}

/// A label or name that can stand in an address and a file path: letters, digits, `-`, `_`
/// and `.`, not starting with `.` (no hidden files, no `..`).
pub fn is_valid_segment(s: &str) -> bool {
    // `.retiring` and `.captured` name bckeys' own files beside a credential's.
    !s.is_empty()
        && !s.ends_with(".retiring")
        && !s.ends_with(".captured")
        && !s.starts_with('.')
        && s.len() <= 128
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_form() {
        for text in [
            "store/production/erp-sync",
            "store/production/erp-sync/webhook/order-created",
            "store/production/storefront-token/catalyst-browser",
            "account/acme/user-provisioning",
        ] {
            let address: Address = text.parse().unwrap();
            assert_eq!(address.to_string(), text);
        }
        let a: Address = "store/p/erp-sync".parse().unwrap();
        assert_eq!(a.secret_path(), PathBuf::from("secrets/store/p/erp-sync.age"));
    }

    #[test]
    fn rejects_malformed_and_path_escaping_addresses() {
        for text in
            ["", "store", "store/p", "store/../x", "shop/p/a", "store/p/a/b", "account/a/b/c", "store/p/.hidden"]
        {
            assert!(text.parse::<Address>().is_err(), "{text}");
        }
    }
}
