//! BigCommerce's OAuth scope families and the safe read requests that prove them: pure data,
//! shared by bckeys and its sandbox so that the two can never disagree about a scope.

pub mod operations;
pub mod probes;
pub mod scopes;
pub mod suggest;
