//! Placeholder: replaced by the pseudo-terminal tests of the guided flow.
