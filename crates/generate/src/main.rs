//! `cargo run -p bckeys-generate [SPECS]`: writes crates/catalogue/data/operations.tsv from
//! BigCommerce's OpenAPI specs (default: ../shared/bigcommerce-openapi beside the repository)
//! and says how many operations it covers.

use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args_os().nth(1).map(Into::into).unwrap_or_else(bckeys_generate::default_spec_dir);
    let table = match bckeys_generate::operations(&dir) {
        Ok(table) => table,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(bckeys_generate::table_path(), &table) {
        eprintln!("error: cannot write {}: {e}", bckeys_generate::table_path().display());
        return ExitCode::FAILURE;
    }
    let rows: Vec<&str> = table.lines().filter(|l| !l.starts_with('#')).collect();
    let count = |needs: fn(&str) -> bool| rows.iter().filter(|r| r.split('\t').nth(2).is_some_and(needs)).count();
    eprintln!(
        "{} operations: {} with a scope, {} needing none, {} unclear",
        rows.len(),
        count(|n| n != "-" && !n.starts_with('?')),
        count(|n| n == "-"),
        count(|n| n.starts_with('?'))
    );
    ExitCode::SUCCESS
}
