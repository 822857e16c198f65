//! bckeys keeps a BigCommerce merchant's API accounts, their OAuth scopes and their credentials
//! as code.
//!
//! Data flows one way: configuration + state + observations -> plan -> (apply) -> state, and
//! rendering turns each result into text, JSON or Markdown. The CLI layer (`cli`) parses
//! arguments and calls the core; the core never prints.

pub use bckeys_catalogue::{operations, scopes, suggest};
/// The local BigCommerce API the tests and `bckeys demo` run against: a crate of its own, which
/// uses the scope catalogue and nothing else of bckeys.
pub use bckeys_sandbox as sandbox;

pub mod address;
pub mod apply;
pub mod bigcommerce;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod error;
pub mod exposure;
pub mod findings;
pub mod fsutil;
pub mod handout;
pub mod ids;
pub mod import;
pub mod lock;
pub mod merge;
pub mod observe;
pub mod plan;
pub mod readers;
pub mod refresh;
pub mod rekey;
pub mod render;
pub mod requests;
pub mod scope_set;
pub mod state;
pub mod text;
pub mod timestamp;
pub mod ui;
pub mod uses;
pub mod vault;
