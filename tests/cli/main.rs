//! End-to-end tests of the bckeys binary: real processes, real files, the real `age` tool.

mod apply;
mod common;
mod completions;
mod contract;
mod crash;
mod gitops;
mod guided;
mod hardening;
mod hostile;
mod import;
mod init;
mod levels;
mod live;
mod neighbour;
mod outputs;
mod plan;
mod readers;
mod resources;
mod sandbox;
mod schema;
mod scopes;
mod secrets;
mod state;
mod stores_at_once;
mod vault;
