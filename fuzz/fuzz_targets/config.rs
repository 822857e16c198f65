//! `bckeys.yaml`: YAML parsing, duplicate-key location, serde and every validation rule.
//! Any input must give `Ok` or `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bckeys::config::Config::parse(std::path::Path::new("bckeys.yaml"), data);
});
