//! The steps a person follows in BigCommerce's control panel, in its own words: the page, the
//! token type, the exact name, every scope family with its level as the control panel labels
//! it, and "leave every other scope at None".

use crate::address::Address;
use crate::credentials::ApiTarget;
use crate::scope_set::ScopeSet;

pub fn create_steps(address: &Address, name: &str, place: &ApiTarget, scopes: &ScopeSet) -> Vec<String> {
    let mut steps = Vec::new();
    match place {
        ApiTarget::Store(hash) => {
            steps.push(format!("Sign in to the BigCommerce control panel of store {hash} and open Settings > Store-level API accounts (under API)."));
            steps.push("Click \"Create API account\" and choose the token type \"V2/V3 API token\".".into());
        }
        ApiTarget::Account(uuid) => {
            steps.push(format!("Sign in to the BigCommerce control panel as the store owner of account {uuid} and open Settings > Account-level API accounts."));
            steps.push("Click \"Create API account\".".into());
        }
    }
    steps.push(format!("Name: {name}"));
    let mut scopes_step = String::from("Under OAuth scopes, set:");
    if scopes.is_empty() {
        scopes_step.push_str("\n     nothing: leave every scope at None.");
    } else {
        for (family, levels) in scopes.iter() {
            let levels = if family.multi { format!("tick {}", levels.join(" and ")) } else { levels.join(", ") };
            scopes_step.push_str(&format!("\n     {}: {levels}", family.ui));
        }
        scopes_step.push_str("\n   and leave every other scope at None.");
    }
    steps.push(scopes_step);
    steps.push("Click \"Save\". BigCommerce shows the credentials once and downloads them as a .txt file: keep that file until bckeys has encrypted it, then delete it.".into());
    steps.push(format!(
        "Give bckeys the credentials of {address}: paste the block, or type the path of the downloaded .txt file."
    ));
    steps
}

pub fn delete_steps(name: &str, place: &ApiTarget, client_id: &str, previous: bool) -> Vec<String> {
    let page = match place {
        ApiTarget::Store(hash) => format!("Sign in to the BigCommerce control panel of store {hash} and open Settings > Store-level API accounts (under API)."),
        ApiTarget::Account(uuid) => format!("Sign in to the BigCommerce control panel of account {uuid} and open Settings > Account-level API accounts."),
    };
    let which = if previous {
        format!("the previous `{name}` (client ID {client_id}), the one being replaced")
    } else {
        format!("`{name}` (client ID {client_id})")
    };
    vec![
        page,
        format!("Find {which}; the client ID tells accounts with the same name apart."),
        "Delete it and confirm. bckeys then waits until BigCommerce rejects its token before it drops the record."
            .into(),
    ]
}

/// Numbered steps as text.
pub fn numbered(steps: &[String]) -> String {
    steps.iter().enumerate().map(|(i, s)| format!("  {}. {s}\n", i + 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes;

    #[test]
    fn steps_name_every_family_in_the_control_panels_words() {
        let mut set = ScopeSet::default();
        set.grant(scopes::family("products").unwrap(), "modify");
        set.grant(scopes::family("information_and_settings").unwrap(), "read-only");
        let address: Address = "store/production/erp-sync".parse().unwrap();
        let text = numbered(&create_steps(&address, "erp-sync", &ApiTarget::Store("abc123".parse().unwrap()), &set));
        assert!(text.contains("Settings > Store-level API accounts"), "{text}");
        assert!(text.contains("V2/V3 API token"));
        assert!(text.contains("Name: erp-sync"));
        assert!(text.contains("Information & Settings: read-only"));
        assert!(text.contains("Products: modify"));
        assert!(text.contains("leave every other scope at None"));
        assert!(text.starts_with("  1. "));
    }

    #[test]
    fn multi_select_families_say_tick() {
        let mut set = ScopeSet::default();
        set.grant(scopes::family("account_users").unwrap(), "read-only");
        set.grant(scopes::family("account_users").unwrap(), "write");
        let address: Address = "account/acme/users-sync".parse().unwrap();
        let text = numbered(&create_steps(
            &address,
            "users-sync",
            &ApiTarget::Account("0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f".parse().unwrap()),
            &set,
        ));
        assert!(text.contains("Account Users: tick read-only and write"), "{text}");
        assert!(text.contains("Account-level API accounts"));
    }
}
