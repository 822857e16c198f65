//! The automated part of apply: storefront tokens and webhooks through BigCommerce's API, with
//! the credentials of the API accounts the state records. Idempotent: an existing webhook with
//! the same scope and destination is adopted, never duplicated; a token is written encrypted the
//! moment the API returns it, and an intent recorded before each creation says when one may
//! exist unrecorded.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};

use super::{Applier, Outcome};
use crate::address::Address;
use crate::bigcommerce::resources::{self, Hook, HookRequest, ResourceError, TokenRequest};
use crate::config::{HeaderValue, StorefrontToken, Webhook};
use crate::error::Error;
use crate::ids::StoreHash;
use crate::state::{Resource, SecretRecord, TokenIntent, TokenRecord, WebhookRecord};
use crate::timestamp::Timestamp;
use crate::vault::{self, Credential, Secret};

impl Applier<'_, '_> {
    /// The access token of a recorded API account (a current record, or with `previous` the
    /// one being replaced).
    pub(super) fn account_token(&self, address: &Address, previous: bool) -> Result<SecretString, String> {
        let record = match if previous { self.state.retiring.get(address) } else { self.state.resources.get(address) } {
            Some(Resource::StoreApiAccount(r)) => r,
            _ => return Err(format!("{address} is not recorded, so its credentials are not available")),
        };
        self.token(address, record)?.ok_or_else(|| format!("the credential of {address} is missing"))
    }

    fn secret_token(&self, address: &Address, secret: &SecretRecord) -> Result<SecretString, String> {
        self.open(address, secret)?
            .and_then(Credential::into_token)
            .ok_or_else(|| format!("the credential of {address} is missing"))
    }

    /// Creates a storefront token. For a replacement (with the overlap of the token it
    /// replaces) the current one moves aside once the new one exists; revoking it is the
    /// replacement's follow-up.
    pub(super) fn token_create(
        &mut self,
        address: &Address,
        token: &StorefrontToken,
        store_hash: &StoreHash,
        replacing: Option<crate::config::Overlap>,
    ) -> Result<Outcome, Error> {
        let Some(issuer_address) = address.sibling_account(&token.issuer) else {
            return Ok(Outcome::Failed(format!("{address} is not a storefront token's address")));
        };
        let issuer = match self.account_token(&issuer_address, false) {
            Ok(t) => t,
            Err(reason) => return Ok(Outcome::Failed(format!("its issuer: {reason}"))),
        };
        let replacing = replacing.filter(|_| self.state.resources.contains_key(address));
        let now = Timestamp::now();
        let expires = Timestamp::from(now.time() + token.lifetime.span());
        // Each creation has its own intent: one an earlier, interrupted run left stays reported.
        let intent = TokenIntent { expires_at: expires, started_at: now };
        self.state.intents.entry(address.clone()).or_default().push(intent.clone());
        self.save()?;

        let request = TokenRequest {
            channel_ids: token.channel_ids.clone(),
            expires_at: expires.time().unix_timestamp(),
            allowed_cors_origins: token.allowed_cors_origins.clone(),
            scopes: token.access_scopes.clone(),
        };
        let created = self.rt.block_on(resources::create_token(self.client, store_hash, &issuer, token.kind, &request));
        let secret = match created {
            Ok(secret) => secret,
            Err(e) => {
                // A clear refusal created nothing; a lost answer may have: then the intent stays.
                if matches!(e, ResourceError::Refused { .. }) {
                    self.clear_intent(address, &intent);
                    self.save()?;
                }
                return Ok(Outcome::Failed(e.to_string()));
            }
        };
        // The old token moves aside only now that the new one exists; the intent covers the
        // moments until the new one is recorded.
        if let Some(overlap) = replacing {
            self.retire(address, overlap)?;
        }
        let credential = Credential {
            address: address.to_string(),
            name: token.name.clone(),
            created_at: now.to_string(),
            secret: Secret::StorefrontToken {
                store_hash: Some(store_hash.to_string()),
                token: secret,
                scopes: token.access_scopes.iter().map(|s| format!("{s:?}")).collect(),
            },
        };
        let secret = super::record::encrypt(self.config, address, &credential)?;
        let record = TokenRecord {
            access_scopes: token.access_scopes.clone(),
            allowed_cors_origins: token.allowed_cors_origins.clone(),
            channel_ids: token.channel_ids.clone(),
            created_at: now,
            expires_at: expires,
            issuer: token.issuer.clone(),
            retire_after: None,
            secret,
            store_hash: store_hash.clone(),
            token_type: token.kind,
        };
        self.state.resources.insert(address.clone(), Resource::StorefrontToken(record));
        self.clear_intent(address, &intent);
        self.save()?;
        Ok(Outcome::Done(format!("created {address} (expires {expires})")))
    }

    fn clear_intent(&mut self, address: &Address, intent: &TokenIntent) {
        if let Some(list) = self.state.intents.get_mut(address) {
            list.retain(|i| i != intent);
            if list.is_empty() {
                self.state.intents.remove(address);
            }
        }
    }

    /// Revokes a recorded token through the API and drops its record and file.
    pub(super) fn token_revoke(&mut self, address: &Address, previous: bool) -> Result<Outcome, Error> {
        let which = if previous { format!("{address} (previous token)") } else { address.to_string() };
        let record = match if previous { self.state.retiring.get(address) } else { self.state.resources.get(address) } {
            Some(Resource::StorefrontToken(t)) => t.clone(),
            _ => return Ok(Outcome::Done(format!("{which}: already gone from the state"))),
        };
        let Some(issuer_address) = address.sibling_account(&record.issuer) else {
            return Ok(Outcome::Failed(format!("{address} is not a storefront token's address")));
        };
        let expired = record.expires_at.time() <= time::OffsetDateTime::now_utc();
        if !expired {
            let revoked = self
                .account_token(&issuer_address, false)
                .and_then(|issuer| Ok((issuer, self.secret_token(address, &record.secret)?)))
                .and_then(|(issuer, token)| {
                    self.rt
                        .block_on(resources::revoke_token(self.client, &record.store_hash, &issuer, &token))
                        .map_err(|e| e.to_string())
                });
            if let Err(reason) = revoked {
                let until = &record.expires_at;
                return Ok(Outcome::Failed(format!(
                    "the token could not be revoked ({reason}); it stays valid until {until}"
                )));
            }
        }
        self.drop_record(address, &record.secret.file, previous)?;
        Ok(Outcome::Done(if expired {
            format!("dropped {which} (already expired)")
        } else {
            format!("revoked {which}")
        }))
    }

    /// Creates, adopts, updates or reactivates one webhook with its account's token. `update`:
    /// the plan asks for an update, so a hook found as configured is still written;
    /// `regenerate`: its generated header values are replaced by new ones.
    pub(super) fn webhook_put(
        &mut self,
        address: &Address,
        hook: &Webhook,
        store_hash: &StoreHash,
        update: bool,
        regenerate: bool,
    ) -> Result<Outcome, Error> {
        let Some(owner) = address.owner() else {
            return Ok(Outcome::Failed(format!("{address} is not a webhook's address")));
        };
        let token = match self.account_token(&owner, false) {
            Ok(t) => t,
            Err(reason) => return Ok(Outcome::Failed(format!("its API account: {reason}"))),
        };
        let headers: BTreeMap<String, String> = hook
            .headers
            .iter()
            .filter_map(|(k, v)| if let HeaderValue::Plain(v) = v { Some((k.clone(), v.clone())) } else { None })
            .collect();
        let (secret, generated) = match self.header_secrets(address, store_hash, hook, regenerate) {
            Ok(found) => found,
            Err(e) => return Ok(Outcome::Failed(e.to_string())),
        };
        let mut all_headers = headers.clone();
        if let Some(Secret::WebhookHeaders { headers, .. }) = generated.as_ref().map(|c| &c.secret) {
            all_headers.extend(headers.iter().map(|(k, v)| (k.clone(), v.expose_secret().to_owned())));
        }
        let recorded = matches!(self.state.resources.get(address), Some(Resource::Webhook(_)));
        let request = HookRequest {
            scope: hook.scope.clone(),
            destination: hook.destination.to_string(),
            is_active: hook.active,
            headers: all_headers,
        };
        let result = self.rt.block_on(async {
            let existing = resources::list_hooks(self.client, store_hash, &token).await?;
            let recorded_id = match self.state.resources.get(address) {
                Some(Resource::Webhook(w)) => Some(w.id),
                _ => None,
            };
            let found: Option<&Hook> = existing
                .iter()
                .find(|h| Some(h.id) == recorded_id)
                .or_else(|| existing.iter().find(|h| h.scope == hook.scope && hook.destination.is(&h.destination)));
            match found {
                // A hook bckeys did not record has unknown headers: adopting it means setting them.
                Some(h)
                    if h.scope == hook.scope
                        && hook.destination.is(&h.destination)
                        && h.is_active == hook.active
                        && !h.deactivated()
                        && !update
                        && (recorded || request.headers.is_empty()) =>
                {
                    Ok::<_, ResourceError>((h.id, "adopted"))
                }
                Some(h) => resources::update_hook(self.client, store_hash, &token, h.id, &request).await.map(|u| {
                    (
                        u.id,
                        if h.deactivated() {
                            "reactivated"
                        } else if recorded {
                            "updated"
                        } else {
                            "adopted"
                        },
                    )
                }),
                None => {
                    resources::create_hook(self.client, store_hash, &token, &request).await.map(|c| (c.id, "created"))
                }
            }
        });
        match result {
            Ok((id, what)) => {
                let record = WebhookRecord {
                    active: hook.active,
                    destination: hook.destination.to_string(),
                    generated_headers: generated.map(|c| c.into_headers().into_keys().collect()).unwrap_or_default(),
                    id,
                    plain_headers: headers,
                    scope: hook.scope.clone(),
                    secret,
                };
                self.state.resources.insert(address.clone(), Resource::Webhook(record));
                self.save()?;
                Ok(Outcome::Done(format!("{what} {address} (id {id})")))
            }
            Err(e) => Ok(Outcome::Failed(e.to_string())),
        }
    }

    /// The generated header values of a webhook: the recorded ones kept (unless `regenerate`),
    /// missing ones generated (32 random bytes, hex), all written encrypted before they are
    /// ever sent.
    fn header_secrets(
        &mut self,
        address: &Address,
        store_hash: &str,
        hook: &Webhook,
        regenerate: bool,
    ) -> Result<(Option<SecretRecord>, Option<Credential>), Error> {
        let names: Vec<&String> =
            hook.headers.iter().filter(|(_, v)| **v == HeaderValue::Generated).map(|(k, _)| k).collect();
        if names.is_empty() {
            return Ok((None, None));
        }
        // Values already sent are kept: regenerating one silently would rotate the receiver's
        // shared secret behind the plan's back. An unreadable file stops the step instead.
        let mut values: BTreeMap<String, SecretString> = BTreeMap::new();
        let recorded = match self.state.resources.get(address) {
            Some(Resource::Webhook(WebhookRecord { secret: Some(secret), .. })) => Some(secret.clone()),
            _ => None,
        };
        if let Some(secret) = recorded.as_ref().filter(|_| !regenerate) {
            let identities = self.identities.ok_or_else(|| crate::vault::IdentityError::Needed {
                purpose: format!("{address}: its generated header values can't be read without an identity"),
            })?;
            let old = vault::open_recorded(&self.config.dir, secret, address, identities)?;
            self.client.hold_credential(&old);
            values.extend(old.into_headers());
        }
        let before: Vec<String> = values.keys().cloned().collect();
        values.retain(|k, _| names.contains(&k));
        for name in names {
            values.entry(name.clone()).or_insert_with(generate_secret);
        }
        let unchanged = recorded.is_some() && values.keys().cloned().collect::<Vec<_>>() == before;
        let credential = Credential {
            address: address.to_string(),
            name: hook.name.clone(),
            created_at: super::record::now(),
            secret: Secret::WebhookHeaders { store_hash: Some(store_hash.to_owned()), headers: values },
        };
        if unchanged {
            // Same names, same values: the file stays as it is (and so does its record).
            return Ok((recorded, Some(credential)));
        }
        let secret = super::record::encrypt(self.config, address, &credential)?;
        if let Some(before) = &recorded {
            self.note_rewrite(address, before, &secret);
        }
        Ok((Some(secret), Some(credential)))
    }

    /// Deletes a recorded webhook with its account's token. When the account is gone, so is the
    /// webhook (BigCommerce drops an account's webhooks with it): the record just goes.
    pub(super) fn webhook_delete(&mut self, address: &Address) -> Result<Outcome, Error> {
        let Some(Resource::Webhook(record)) = self.state.resources.get(address).cloned() else {
            return Ok(Outcome::Done(format!("{address}: already gone from the state")));
        };
        let Some(owner) = address.owner() else {
            return Ok(Outcome::Failed(format!("{address} is not a webhook's address")));
        };
        // The hook belongs to the account recorded now, or (mid-replacement) to the previous one.
        let (owner_record, previous) = match (self.state.resources.get(&owner), self.state.retiring.get(&owner)) {
            (Some(Resource::StoreApiAccount(r)), _) => (Some(r.clone()), false),
            (_, Some(Resource::StoreApiAccount(r))) => (Some(r.clone()), true),
            _ => (None, false),
        };
        if let Some(owner_record) = owner_record {
            let Some(store_hash) = owner_record.store_hash.clone() else {
                return Ok(Outcome::Failed(format!("its API account {owner} records no store hash")));
            };
            let token = match self.account_token(&owner, previous) {
                Ok(t) => t,
                Err(reason) => return Ok(Outcome::Failed(format!("its API account: {reason}"))),
            };
            if let Err(e) = self.rt.block_on(resources::delete_hook(self.client, &store_hash, &token, record.id)) {
                return Ok(Outcome::Failed(e.to_string()));
            }
        }
        // Without any recorded owner the account is gone, and BigCommerce dropped its hooks with it.
        self.state.resources.remove(address);
        self.save()?;
        Ok(Outcome::Done(format!("deleted {address} (id {})", record.id)))
    }

    /// Deletes a webhook of the account at `address` that the configuration does not declare.
    /// Nothing records it, so nothing else changes.
    pub(super) fn webhook_prune(
        &mut self,
        address: &Address,
        store_hash: &StoreHash,
        id: u64,
    ) -> Result<Outcome, Error> {
        // An earlier step of this run may have adopted it for a declared webhook.
        let adopted = self.state.resources.iter().find(|(_, r)| matches!(r, Resource::Webhook(w) if w.id == id));
        if let Some((declared, _)) = adopted {
            return Ok(Outcome::Done(format!("kept webhook {id} of {address}: it is now recorded as {declared}")));
        }
        let token = match self.account_token(address, false) {
            Ok(t) => t,
            Err(reason) => return Ok(Outcome::Failed(reason)),
        };
        match self.rt.block_on(resources::delete_hook(self.client, store_hash, &token, id)) {
            Ok(()) => Ok(Outcome::Done(format!("deleted unmanaged webhook {id} of {address}"))),
            Err(e) => Ok(Outcome::Failed(e.to_string())),
        }
    }

    /// On a replacement: the account's webhooks are created under the new account, then the old
    /// account's copies are deleted with its token while it still works. Each webhook's own step
    /// then reports how its move went.
    pub(super) fn move_webhooks(
        &mut self,
        account: &Address,
        hooks: &[Webhook],
        store_hash: &StoreHash,
    ) -> Result<(), Error> {
        let mut superseded = Vec::new();
        for hook in hooks {
            let address = &hook.address;
            // The new account has none yet: whatever id was recorded belongs to the old one.
            let old_id = match self.state.resources.get_mut(address) {
                Some(Resource::Webhook(w)) => Some(std::mem::replace(&mut w.id, 0)),
                _ => None,
            };
            let outcome = self.webhook_put(address, hook, store_hash, false, false)?;
            match self.state.resources.get_mut(address) {
                // Moved: the old account's copy can go.
                Some(Resource::Webhook(w)) if w.id != 0 => superseded.extend(old_id),
                // Not moved: the old copy keeps delivering until the old account is deleted.
                Some(Resource::Webhook(w)) => w.id = old_id.unwrap_or(0),
                _ => {}
            }
            self.moved.insert(address.clone(), outcome);
        }
        if !superseded.is_empty() {
            if let Ok(token) = self.account_token(account, true) {
                for id in superseded {
                    // Best effort: BigCommerce drops them with the old account anyway.
                    let _ = self.rt.block_on(resources::delete_hook(self.client, store_hash, &token, id));
                }
            }
        }
        Ok(())
    }
}

/// A strong random header value: 32 bytes from the operating system, as hex.
fn generate_secret() -> SecretString {
    use rand::RngCore;
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(bytes.as_mut());
    SecretString::from(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}
