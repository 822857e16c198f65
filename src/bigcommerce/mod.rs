//! BigCommerce's API: the only user of reqwest. Requests, pacing by rate-limit headers, retries,
//! and the probe table.

pub(crate) mod client;
pub mod pacing;
pub mod panel;
pub mod probes;
pub mod resources;

pub use client::{ApiError, Client, Counters, Settings, StoreRequest, Verdict};
