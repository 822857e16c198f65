//! `bckeys scopes` and the catalogue against BigCommerce's facts in ../shared/scopes.yaml.

use crate::common::shared;

fn run(args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("bckeys").unwrap().env("NO_COLOR", "1").args(args).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn table_names_every_family_in_the_control_panels_words() {
    let text = run(&["scopes"]);
    assert!(text.starts_with("FAMILY"));
    for family in bckeys::scopes::FAMILIES {
        assert!(text.contains(family.key) && text.contains(family.ui), "{} missing:\n{text}", family.key);
    }
    insta::assert_snapshot!("scopes_table", text);
}

#[test]
fn json_is_versioned_and_complete() {
    let doc: serde_json::Value = serde_json::from_str(&run(&["scopes", "--format", "json"])).unwrap();
    assert_eq!(doc["format_version"], 1);
    let families = doc["families"].as_array().unwrap();
    assert_eq!(families.len(), bckeys::scopes::FAMILIES.len());
    let users = families.iter().find(|f| f["key"] == "account_users").unwrap();
    assert_eq!(users["multi"], true);
    assert_eq!(users["levels"][2]["parameter"], "account_users_delete");
}

/// The catalogue must say exactly what BigCommerce's reference says: keys, UI names, kinds,
/// levels, parameters and multi-select families.
#[test]
fn catalogue_matches_the_shared_scope_facts() {
    let Some(path) = shared("scopes.yaml") else { return };
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let shared = doc["families"].as_sequence().unwrap();
    assert_eq!(shared.len(), bckeys::scopes::FAMILIES.len());
    for f in shared {
        let key = f["key"].as_str().unwrap();
        let ours = bckeys::scopes::family(key).unwrap_or_else(|| panic!("family {key} missing"));
        assert_eq!(ours.ui, f["ui"].as_str().unwrap(), "{key}");
        assert_eq!(ours.kind.as_str(), f["kind"].as_str().unwrap(), "{key}");
        assert_eq!(ours.multi, f["multi"].as_bool().unwrap_or(false), "{key}");
        let levels = f["levels"].as_mapping().unwrap();
        assert_eq!(levels.len(), ours.levels.len(), "{key}");
        for (level, parameter) in levels {
            let level = level.as_str().unwrap();
            let l = ours.level(level).unwrap_or_else(|| panic!("{key}: level {level} missing"));
            assert_eq!(l.parameter, parameter.as_str().unwrap(), "{key}.{level}");
        }
    }
}
