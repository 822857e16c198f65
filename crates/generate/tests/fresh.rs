//! The committed operation -> scope table is what the generator makes of the specs today: a
//! spec that changed, or a rule that changed, fails here until the table is generated again
//! (`cargo run -p bckeys-generate`) and its diff reviewed.

#[test]
fn the_committed_table_is_what_the_specs_give() {
    let specs = bckeys_generate::default_spec_dir();
    if !specs.exists() {
        assert!(std::env::var_os("CI").is_none(), "{} is required under CI, and is missing", specs.display());
        eprintln!("SKIPPED: {} is missing", specs.display());
        return;
    }
    let fresh = bckeys_generate::operations(&specs).unwrap();
    let committed = std::fs::read_to_string(bckeys_generate::table_path()).unwrap();
    if fresh != committed {
        let first = fresh.lines().zip(committed.lines()).position(|(a, b)| a != b).map_or(0, |i| i + 1);
        panic!(
            "crates/catalogue/data/operations.tsv is stale (first difference at line {first}): run `cargo run -p bckeys-generate` and review the diff"
        );
    }
}
