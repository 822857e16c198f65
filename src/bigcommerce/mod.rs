//! BigCommerce's API: the only user of reqwest. Requests, pacing by rate-limit headers, retries,
//! and the wire types of the few endpoints bckeys calls.

pub mod probes;
