//! The sandbox's simulated control panel, seen from bckeys: when the API base is a sandbox,
//! guided steps are carried out here instead of by a person, and the output says so. Real
//! BigCommerce has no such endpoint, so against it `detect` finds nothing.

use std::time::Duration;

use serde_json::json;

/// A reachable simulated control panel.
pub struct Panel {
    http: reqwest::Client,
    base: String,
}

impl Panel {
    /// The panel behind `api_base`, if `api_base` is a bckeys sandbox. Only loopback bases are
    /// asked: a real API base is never sent a request that is not in the plan.
    pub async fn detect(api_base: &str) -> Option<Panel> {
        let base = api_base.trim_end_matches('/').to_owned();
        if !crate::bigcommerce::client::is_local(&base) {
            return None;
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?;
        let ok = http.get(format!("{base}/__sandbox/health")).send().await.ok()?.status().is_success();
        ok.then_some(Panel { http, base })
    }

    /// Creates an API account as a person would; returns the downloaded credentials text.
    pub async fn create(&self, owner_path: &str, name: &str, parameters: &[&str]) -> Result<String, String> {
        let url = format!("{}/__sandbox/{owner_path}/api-accounts", self.base);
        let response = self
            .http
            .post(url)
            .json(&json!({"name": name, "scopes": parameters}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let mut bytes = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            if (bytes.len() + chunk.len()) as u64 > crate::fsutil::MAX_SMALL {
                return Err("the simulated control panel's answer is too large".into());
            }
            bytes.extend_from_slice(&chunk);
        }
        let text =
            String::from_utf8(bytes).map_err(|_| "the simulated control panel's answer is not text".to_owned())?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(format!("the simulated control panel answered {status}"))
        }
    }

    /// Deletes an API account as a person would.
    pub async fn delete(&self, client_id: &str) -> Result<(), String> {
        if !client_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("the client ID is not one the simulated control panel issues".into());
        }
        let url = format!("{}/__sandbox/api-accounts/{client_id}", self.base);
        let status = self.http.delete(url).send().await.map_err(|e| e.to_string())?.status();
        if status.is_success() || status.as_u16() == 404 {
            Ok(())
        } else {
            Err(format!("the simulated control panel answered {status}"))
        }
    }

    /// Revokes a credential behind the tool's back (the demo's out-of-band revocation).
    pub async fn revoke(&self, client_id: &str) -> Result<(), String> {
        self.delete(client_id).await
    }
}
