//! BigCommerce's downloaded credentials text (`ACCESS TOKEN: ...` lines) and the API path check.
//! Any UTF-8 input must give `Ok` or `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = bckeys::credentials::parse(text, "fuzz");
});
