//! `bckeys schema`: the JSON Schema of the configuration, generated from the types that parse it.

use crate::config::raw::RawConfig;
use crate::error::Error;
use crate::ui::Ui;

use super::Outcome;

/// Print the JSON Schema of bckeys.yaml, for editors (yaml-language-server) and CI checks.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// The schema text, as committed in schemas/bckeys.schema.json.
pub fn schema_text() -> String {
    let schema = schemars::schema_for!(RawConfig);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

pub fn run(_args: Args, ui: &Ui) -> Result<Outcome, Error> {
    ui.out(&schema_text());
    Ok(Outcome::Done)
}
