//! BigCommerce's downloaded credentials text (`ACCESS TOKEN: ...` lines) and the API PATH check,
//! against BigCommerce's API base and against a sandbox base. Any UTF-8 input must give `Ok` or
//! `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = bckeys::credentials::parse(text, "fuzz", "https://api.bigcommerce.com");
    let _ = bckeys::credentials::parse(text, "fuzz", "http://127.0.0.1:8080/");
});
