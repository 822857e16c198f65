//! BigCommerce's API: the only user of reqwest. Requests, pacing by rate-limit headers, retries,
//! and the probe table.

pub(crate) mod client;
pub mod pacing;
pub mod panel;
pub mod resources;
mod scrub;

/// The probe table lives with the scope catalogue: both are data the sandbox shares.
pub use bckeys_catalogue::probes;

pub use client::{ApiError, Client, Counters, Settings, StoreRequest, Verdict};
pub use pacing::QuotaShare;
