//! bckeys keeps a BigCommerce merchant's API accounts, their OAuth scopes and their credentials
//! as code.
//!
//! Data flows one way: configuration + state + observations -> plan -> (apply) -> state, and
//! rendering turns each result into text, JSON or Markdown. The CLI layer (`cli`) parses
//! arguments and calls the core; the core never prints.

pub mod address;
pub mod apply;
pub mod bigcommerce;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod drift;
pub mod error;
pub mod exposure;
pub mod fsutil;
pub mod lock;
pub mod observe;
pub mod plan;
pub mod refresh;
pub mod render;
pub mod sandbox;
pub mod scope_set;
pub mod scopes;
pub mod state;
pub mod suggest;
pub mod text;
pub mod ui;
pub mod vault;
