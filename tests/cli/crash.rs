//! Placeholder: replaced by the SIGKILL crash-safety test.
