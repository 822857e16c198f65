//! Every request bckeys sends exists, with its method, in BigCommerce's official OpenAPI specs
//! (../shared/bigcommerce-openapi/). When that folder is absent the test says why it skipped.

use crate::common::manifest_dir;

/// Does `template` (such as `/channels/{channel_id}/listings`) match `path` (`/channels/1/listings`)?
fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
}

#[test]
fn every_request_is_in_the_official_specs() {
    let specs = manifest_dir().join("../shared/bigcommerce-openapi");
    if !specs.is_dir() {
        eprintln!("SKIPPED: {} is absent, so requests can't be checked against the official specs", specs.display());
        return;
    }
    let requests = bckeys::bigcommerce::probes::rest_requests();
    assert!(requests.len() > 10);
    for (method, path, file) in requests {
        let text = std::fs::read_to_string(specs.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let spec: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let server = spec["servers"][0]["url"].as_str().unwrap_or_else(|| panic!("{file}: no server url"));
        let version = server.rsplit('/').next().unwrap();
        let prefix = format!("/{version}");
        let relative = path
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{method} {path}: {file} serves {server}, not {prefix}"));
        let paths = spec["paths"].as_mapping().unwrap_or_else(|| panic!("{file}: no paths"));
        let operation = paths
            .iter()
            .find(|(template, _)| matches(template.as_str().unwrap_or_default(), relative))
            .map(|(_, ops)| ops)
            .unwrap_or_else(|| panic!("{method} {path}: no such path in {file}"));
        assert!(
            operation.get(method.to_lowercase()).is_some(),
            "{method} {path}: {file} documents the path but not the method"
        );
    }
}
