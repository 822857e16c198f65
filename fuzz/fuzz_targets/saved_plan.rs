//! Saved plans (`plan --out FILE`): JSON, actions, addresses and the kind/format check.
//! Any input must give `Ok` or `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bckeys::plan::saved::parse(std::path::Path::new("plan.json"), data);
});
