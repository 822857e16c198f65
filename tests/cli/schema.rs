//! The JSON Schema: committed, current, and consistent with what bckeys accepts.

use crate::common::manifest_dir;

#[test]
fn committed_schema_is_current() {
    let out = assert_cmd::Command::cargo_bin("bckeys").unwrap().arg("schema").output().unwrap();
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let committed = std::fs::read_to_string(manifest_dir().join("schemas/bckeys.schema.json")).unwrap_or_default();
    assert!(
        generated == committed,
        "schemas/bckeys.schema.json is out of date: run `cargo run -- schema > schemas/bckeys.schema.json` and commit it"
    );
}

#[test]
fn schema_lists_every_configurable_family_with_its_levels() {
    let out = assert_cmd::Command::cargo_bin("bckeys").unwrap().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let store = &schema["$defs"]["StoreScopes"]["properties"];
    let account = &schema["$defs"]["AccountScopes"]["properties"];
    for family in bckeys::scopes::FAMILIES {
        let side = if family.kind.is_store_level() { store } else { account };
        let other = if family.kind.is_store_level() { account } else { store };
        assert!(other.get(family.key).is_none(), "{} on the wrong side", family.key);
        if family.unavailable.is_some() {
            assert!(side.get(family.key).is_none(), "{} can't be configured", family.key);
            continue;
        }
        let text = side[family.key].to_string();
        for level in family.level_names() {
            assert!(text.contains(&format!("\"{level}\"")), "{}: level {level} missing from {text}", family.key);
        }
    }
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
}

#[test]
fn examples_point_editors_at_the_schema() {
    for entry in std::fs::read_dir(manifest_dir().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.starts_with("# yaml-language-server: $schema=../schemas/bckeys.schema.json"),
                "{} does not start with the schema modeline",
                path.display()
            );
        }
    }
}
