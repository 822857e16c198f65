//! Placeholder: replaced by the sandbox tests.
