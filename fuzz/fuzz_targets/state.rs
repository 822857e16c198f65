//! `bckeys.state.yaml`: YAML parsing, duplicate detection, addresses, scopes and secret records.
//! Any input must give `Ok` or `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bckeys::state::State::parse(std::path::Path::new("bckeys.state.yaml"), data);
});
