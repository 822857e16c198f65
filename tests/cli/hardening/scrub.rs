//! Class 2: nothing secret in any message, whatever BigCommerce sends back. A server that echoes
//! the whole request (headers, body) in every error shape bckeys quotes gets nothing out.

use super::{assert_no_secret, output, recorded, ADDRESS, CONFIG, SECRETS};
use crate::common::{save_state, store_account, Repo};
use crate::hostile::{Hostile, Reply};

/// Every shape of answer bckeys quotes from, each carrying the whole request back.
fn echoing(shape: &'static str) -> Hostile {
    Hostile::start(move |r| {
        let echo = r.echo();
        let json = serde_json::to_string(&echo).unwrap();
        match shape {
            "v3" => Reply::status(422, &[], &format!(r#"{{"status":422,"title":{json},"errors":{{"x":{json}}}}}"#)),
            "v2" => Reply::status(400, &[], &format!(r#"[{{"status":400,"message":{json}}}]"#)),
            "html" => {
                Reply::status(502, &[("Content-Type", "text/html")], &format!("<html><title>{echo}</title></html>"))
            }
            "garbage" => Reply::status(200, &[], &format!("not json {echo}")),
            "server" => Reply::status(503, &[], &format!(r#"{{"title":{json}}}"#)),
            "unauthorized" => Reply::status(401, &[], &format!(r#"{{"title":{json}}}"#)),
            _ => Reply::status(418, &[("Content-Type", "text/plain")], &echo),
        }
    })
}

#[test]
fn an_echoed_request_never_brings_a_secret_into_any_output() {
    for shape in ["v3", "v2", "html", "garbage", "server", "unauthorized", "plain"] {
        let hostile = echoing(shape);
        let repo = recorded();
        for command in [&["drift"][..], &["plan"], &["drift", "--format", "json"], &["plan", "-vv"]] {
            let out = repo.bckeys_on(&hostile.url).args(command).output().unwrap();
            let text = output(&out);
            assert!(hostile.seen().iter().all(|r| r.header("x-auth-token") == Some("access-token-t")));
            assert_no_secret(&text, &SECRETS);
            assert!(!text.contains('\u{1b}'), "{shape}: {text}");
        }
    }
}

#[test]
fn a_secret_cut_by_an_excerpt_is_scrubbed_before_the_cut() {
    // The token where a 120-character excerpt ends: scrubbing after the cut would leave its start.
    let hostile = Hostile::start(|r| {
        let token = r.header("x-auth-token").unwrap_or_default().to_owned();
        if r.target.starts_with("/stores/abc123def4/v3/hooks") {
            return Reply::status(200, &[], r#"{"data":[]}"#);
        }
        Reply::status(200, &[], &format!("{}{token}", "x".repeat(110)))
    });
    let repo = recorded();
    let text = output(&repo.bckeys_on(&hostile.url).arg("drift").output().unwrap());
    assert!(text.contains("is not JSON after 6 attempt(s): \"xxxxxxxx"), "{text}");
    assert!(!text.contains("access-tok"), "{text}");
}

#[test]
fn answers_about_webhooks_are_never_quoted() {
    // A webhook list carries the hooks' header values (generated secrets bckeys may not hold in
    // this run): an answer that is not JSON is not excerpted.
    let hostile = Hostile::start(|r| {
        if r.target.starts_with("/stores/abc123def4/v3/hooks") {
            return Reply::status(200, &[], r#"not json [{"headers":{"X-Secret":"held-nowhere"}}]"#);
        }
        Reply::status(200, &[], r#"{"data":[]}"#)
    });
    // A recorded webhook: drift lists its account's webhooks.
    let repo = recorded();
    let mut state = repo.state();
    let (address, hook) = crate::common::webhook(
        &format!("{ADDRESS}/webhook/order-created"),
        "store/order/created",
        "https://erp.example.com/hooks",
        true,
    );
    state.resources.insert(address, hook);
    state.save(&repo.path("bckeys.state.yaml")).unwrap();
    let text = output(&repo.bckeys_on(&hostile.url).arg("drift").output().unwrap());
    assert!(text.contains("(not shown: it may hold a secret)"), "{text}");
    assert!(!text.contains("held-nowhere"), "{text}");
}

#[test]
fn generated_webhook_header_values_in_an_echoed_body_are_scrubbed() {
    let config = format!(
        "{CONFIG}        webhooks:\n          order-created:\n            scope: store/order/created\n            destination: https://erp.example.com/hooks\n            headers: {{X-Webhook-Secret: {{secret: generate}}}}\n"
    );
    let hostile = Hostile::start(|r| match r.method.as_str() {
        "GET" => Reply::status(200, &[], r#"{"data":[],"meta":{"pagination":{"total_pages":1}}}"#),
        // The whole body back, raw and as JSON text.
        _ => {
            let body = String::from_utf8_lossy(&r.body).into_owned();
            let json = serde_json::to_string(&body).unwrap();
            Reply::status(422, &[], &format!(r#"{{"status":422,"title":{json},"errors":{{"body":{json}}}}}"#))
        }
    });
    let repo = Repo::new();
    repo.write_config(&config);
    let recipients = repo.recipients(&[]);
    save_state(&repo, vec![store_account(&repo, ADDRESS, &["store_v2_products_read_only"], &recipients)]);
    let out = repo
        .bckeys_on(&hostile.url)
        .args(["apply", "--auto-approve", "--non-interactive", "--refresh=false", "-vv"])
        .output()
        .unwrap();
    let text = output(&out);
    let posted = hostile.seen().into_iter().find(|r| r.method == "POST").expect("the hook was posted");
    let body: serde_json::Value = serde_json::from_slice(&posted.body).unwrap();
    let value = body["headers"]["X-Webhook-Secret"].as_str().unwrap().to_owned();
    assert_eq!(value.len(), 64, "{body}");
    assert!(text.contains("422"), "{text}");
    assert_no_secret(&text, &[&value, SECRETS[0], SECRETS[1]]);
}
