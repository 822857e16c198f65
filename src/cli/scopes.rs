//! `bckeys scopes`: the scope catalogue, for people writing configurations; `bckeys scopes for`:
//! the least scopes an integration's requests need.

use std::path::PathBuf;

use crate::error::Error;
use crate::render::{self, Format};
use crate::ui::Ui;
use crate::uses::{self, Resolved};

use super::Outcome;

/// List every OAuth scope family: its configuration key, the control panel's name for it, and
/// its levels.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(subcommand)]
    pub command: Option<ScopesCommand>,
}

#[derive(Debug, clap::Subcommand)]
pub enum ScopesCommand {
    /// The least scopes that let these requests through, as a `scopes:` block to paste.
    ///
    /// Each REQUEST is `METHOD /path`: a template (`/v3/catalog/products/{product_id}`) or a
    /// concrete path or URL (`/v3/catalog/products/123?limit=5`,
    /// `https://api.bigcommerce.com/stores/abc123/v3/...`), with or without `/stores/{hash}`.
    /// Each is matched to its operation in BigCommerce's OpenAPI specs: a GET needs the read
    /// level, a write the modify level, unless the operation's own notes say otherwise.
    /// Requests the specs don't have, or leave unclear, are listed and not counted; then the
    /// exit code is 1.
    For(ForArgs),
}

#[derive(Debug, clap::Args)]
pub struct ForArgs {
    /// Requests such as "GET /v3/catalog/products" (quote each one).
    #[arg(value_name = "REQUEST")]
    pub requests: Vec<String>,
    /// A file of requests: one `METHOD PATH-OR-URL` per line, an access log (the quoted
    /// "METHOD URL HTTP/1.1"), or a HAR file.
    #[arg(long, value_name = "FILE")]
    pub from: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = LeastFormat::Text)]
    pub format: LeastFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LeastFormat {
    Text,
    Json,
    Yaml,
}

pub fn run(args: Args, ui: &Ui) -> Result<Outcome, Error> {
    match args.command {
        None => {
            ui.out(&render::scope_catalogue(args.format));
            Ok(Outcome::Done)
        }
        Some(ScopesCommand::For(args)) => least(args, ui),
    }
}

fn least(args: ForArgs, ui: &Ui) -> Result<Outcome, Error> {
    let mut requests: Vec<Resolved> =
        args.requests.iter().enumerate().map(|(i, r)| Resolved::parse(r, format!("argument {}", i + 1))).collect();
    for file in &args.from {
        requests.extend(crate::requests::read(file)?);
    }
    if requests.is_empty() {
        return Err(NoRequests.into());
    }
    let least = uses::least(&requests);
    ui.out(&match args.format {
        LeastFormat::Text => render::least::text(&requests, &least),
        LeastFormat::Json => render::least::json(&requests, &least),
        LeastFormat::Yaml => render::least::yaml(&requests, &least),
    });
    Ok(if requests.iter().all(Resolved::is_known) { Outcome::Done } else { Outcome::Incomplete })
}

#[derive(Debug, thiserror::Error)]
#[error("no request given")]
struct NoRequests;

impl crate::error::Hinted for NoRequests {
    fn hint(&self) -> Option<String> {
        Some("give requests such as \"GET /v3/catalog/products\", or --from FILE".into())
    }
}

crate::error::command_error!(NoRequests);
