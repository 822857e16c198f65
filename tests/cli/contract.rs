//! Every request bckeys sends exists, with its method, in BigCommerce's official OpenAPI specs
//! (../shared/bigcommerce-openapi/). When that folder is absent the test says why it skipped.

use crate::common::shared;

/// Does `template` (such as `/channels/{channel_id}/listings`) match `path` (`/channels/1/listings`)?
fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
}

/// The path template of `spec` that serves `path` (such as `/v3/channels/1/listings`), with
/// its operations. As OpenAPI says, a concrete path wins over a templated one: the template
/// with the most literal segments is taken (`/carts/metafields` before `/carts/{cartId}`).
fn operations<'a>(spec: &'a serde_yaml::Value, file: &str, path: &str) -> (String, &'a serde_yaml::Value) {
    let server = spec["servers"][0]["url"].as_str().unwrap_or_else(|| panic!("{file}: no server url"));
    let version = server.rsplit('/').next().unwrap();
    let prefix = format!("/{version}");
    let relative = path.strip_prefix(&prefix).unwrap_or_else(|| panic!("{path}: {file} serves {server}, not {prefix}"));
    let paths = spec["paths"].as_mapping().unwrap_or_else(|| panic!("{file}: no paths"));
    let literal = |t: &str| t.split('/').filter(|s| !s.starts_with('{')).count();
    paths
        .iter()
        .filter_map(|(t, ops)| Some((t.as_str()?, ops)))
        .filter(|(t, _)| matches(t, relative))
        .max_by_key(|(t, _)| literal(t))
        .map(|(t, ops)| (t.to_owned(), ops))
        .unwrap_or_else(|| panic!("{path}: no such path in {file}"))
}

fn load_spec(specs: &std::path::Path, file: &str) -> serde_yaml::Value {
    let text = std::fs::read_to_string(specs.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_request_is_in_the_official_specs() {
    let Some(specs) = shared("bigcommerce-openapi") else { return };
    let requests = bckeys::bigcommerce::probes::rest_requests();
    assert!(requests.len() > 10);
    for (method, path, file) in requests {
        let spec = load_spec(&specs, file);
        let (template, operations) = operations(&spec, file, path);
        assert!(
            operations.get(method.to_lowercase()).is_some(),
            "{method} {path}: {file} documents {template} but not the method"
        );
    }
}

#[test]
fn the_path_matcher_prefers_concrete_paths() {
    let Some(specs) = shared("bigcommerce-openapi") else { return };
    let carts = load_spec(&specs, "carts.v3.yml");
    assert_eq!(operations(&carts, "carts.v3.yml", "/v3/carts/metafields").0, "/carts/metafields");
    assert_eq!(operations(&carts, "carts.v3.yml", "/v3/carts/abc").0, "/carts/{cartId}");
}

/// Each write probe is refused whatever the token's level, by the official specs: its body
/// lacks what the operation's request schema requires (or, where the schema lists nothing,
/// what its description names as required).
#[test]
fn every_write_probe_body_is_invalid_for_its_operation() {
    use bckeys::bigcommerce::probes::{Refusal, WRITE_PROBES};
    let Some(specs) = shared("bigcommerce-openapi") else { return };
    for probe in WRITE_PROBES {
        let name = format!("{} {} ({})", probe.method, probe.path, probe.family);
        let spec = load_spec(&specs, probe.spec);
        let (template, operations) = operations(&spec, probe.spec, probe.path);
        let operation = &operations[probe.method.to_lowercase()];
        let body: serde_json::Value = serde_json::from_str(probe.body).unwrap();
        let mut request = &operation["requestBody"];
        if let Some(reference) = request.get("$ref").and_then(|r| r.as_str()) {
            request = resolve(&spec, reference);
        }
        let schema = &request["content"]["application/json"]["schema"];
        assert!(!schema.is_null(), "{name}: {template} documents no JSON body");
        let mut problems = Vec::new();
        check(&spec, schema, &body, "body", &mut problems);
        match probe.refusal {
            Refusal::Schema => {
                assert!(
                    problems.iter().any(|p| p.contains("required")),
                    "{name}: the schema of {template} does not refuse {}: {problems:?}",
                    probe.body
                );
            }
            Refusal::Prose(words) => {
                // Said so because the schema itself refuses nothing: the test shows it.
                assert!(problems.is_empty(), "{name}: the schema refuses it, say Refusal::Schema: {problems:?}");
                let description = operation["description"].as_str().unwrap_or_default();
                assert!(description.contains(words), "{name}: the description of {template} lacks {words:?}");
            }
        }
    }
}

fn resolve<'a>(spec: &'a serde_yaml::Value, reference: &str) -> &'a serde_yaml::Value {
    let mut target = spec;
    for part in reference.trim_start_matches("#/").split('/') {
        target = &target[part];
    }
    target
}

/// A small JSON Schema check, enough for the request bodies of the specs: `$ref`, `allOf`,
/// `type`, `required`, `properties`, `enum`, `items`, `minItems`, `maxItems`, `minimum`,
/// `additionalProperties`. Returns every violation.
fn check(
    spec: &serde_yaml::Value,
    schema: &serde_yaml::Value,
    value: &serde_json::Value,
    at: &str,
    out: &mut Vec<String>,
) {
    if let Some(reference) = schema.get("$ref").and_then(|r| r.as_str()) {
        return check(spec, resolve(spec, reference), value, at, out);
    }
    if let Some(all) = schema.get("allOf").and_then(|a| a.as_sequence()) {
        for s in all {
            check(spec, s, value, at, out);
        }
    }
    let ty = schema.get("type").and_then(|t| t.as_str());
    let ok = match ty {
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("string") => value.is_string(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    };
    if !ok {
        out.push(format!("{at}: expected {}, got {value}", ty.unwrap_or("?")));
        return;
    }
    if let Some(options) = schema.get("enum").and_then(|e| e.as_sequence()) {
        let allowed: Vec<String> = options.iter().filter_map(|o| o.as_str().map(str::to_owned)).collect();
        if let Some(v) = value.as_str() {
            if !allowed.iter().any(|a| a == v) {
                out.push(format!("{at}: `{v}` is not one of {allowed:?}"));
            }
        }
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(|m| m.as_i64()), value.as_i64()) {
        if n < min {
            out.push(format!("{at}: {n} is below {min}"));
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(min) = schema.get("minItems").and_then(|m| m.as_u64()) {
            if (items.len() as u64) < min {
                out.push(format!("{at}: fewer than {min} items"));
            }
        }
        if let Some(max) = schema.get("maxItems").and_then(|m| m.as_u64()) {
            if items.len() as u64 > max {
                out.push(format!("{at}: more than {max} items"));
            }
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(spec, item_schema, item, &format!("{at}[{i}]"), out);
            }
        }
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(|r| r.as_sequence()).into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                out.push(format!("{at}: the required `{name}` is missing"));
            }
        }
        let properties = schema.get("properties").and_then(|p| p.as_mapping());
        for (key, v) in object {
            match properties.and_then(|p| p.get(key.as_str())) {
                Some(s) => check(spec, s, v, &format!("{at}.{key}"), out),
                None => {
                    if let Some(extra) = schema.get("additionalProperties").filter(|e| e.is_mapping()) {
                        check(spec, extra, v, &format!("{at}.{key}"), out);
                    }
                }
            }
        }
    }
}

/// The request body schema of an operation.
fn body_schema<'a>(spec: &'a serde_yaml::Value, path: &str, method: &str) -> &'a serde_yaml::Value {
    &spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
}

#[test]
fn every_request_body_matches_the_official_schemas() {
    use bckeys::bigcommerce::resources::{token_path, HookRequest, TokenRequest};
    use bckeys::config::{AccessScope, TokenType};

    let Some(specs) = shared("bigcommerce-openapi") else { return };
    let load = |file: &str| -> serde_yaml::Value {
        serde_yaml::from_str(&std::fs::read_to_string(specs.join(file)).unwrap()).unwrap()
    };

    let tokens = load("storefront_tokens.v3.yml");
    let base = TokenRequest {
        channel_ids: vec![1, 12],
        expires_at: 1_885_635_176,
        allowed_cors_origins: vec![],
        scopes: vec![],
    };
    let bodies = [
        (
            TokenType::Storefront,
            TokenRequest { allowed_cors_origins: vec!["https://shop.example.com".into()], ..base.clone() },
        ),
        (
            TokenType::Private,
            TokenRequest { scopes: vec![AccessScope::Unauthenticated, AccessScope::Customer], ..base.clone() },
        ),
        (TokenType::CustomerImpersonation, base.clone()),
    ];
    for (kind, body) in bodies {
        let value = serde_json::to_value(&body).unwrap();
        let path = token_path(kind).trim_start_matches("/v3");
        let mut problems = Vec::new();
        check(&tokens, body_schema(&tokens, path, "post"), &value, path, &mut problems);
        assert!(problems.is_empty(), "{kind:?}: {problems:?}");
        assert!(value["expires_at"].is_i64(), "expires_at in whole seconds");
        assert!(value.get("channel_id").is_none(), "channel_ids, never channel_id beside it");
    }
    // The checker itself must catch a wrong body.
    let mut problems = Vec::new();
    let wrong = serde_json::json!({"channel_ids": [1], "expires_at": "tomorrow", "scopes": ["Everything"]});
    check(&tokens, body_schema(&tokens, "/storefront/api-token-private", "post"), &wrong, "wrong", &mut problems);
    assert!(problems.len() >= 2, "{problems:?}");

    let hooks = load("webhooks.v3.yml");
    let hook = HookRequest {
        scope: "store/order/created".into(),
        destination: "https://erp.example.com/hooks".into(),
        is_active: true,
        headers: [("X-Env".to_owned(), "production".to_owned())].into(),
    };
    let value = serde_json::to_value(&hook).unwrap();
    for (path, method) in [("/hooks", "post"), ("/hooks/{webhook_id}", "put")] {
        let mut problems = Vec::new();
        check(&hooks, body_schema(&hooks, path, method), &value, path, &mut problems);
        assert!(problems.is_empty(), "{method} {path}: {problems:?}");
    }
}
