//! Placeholder: replaced by the sandbox implementation.
