//! `bckeys reveal`: hand one recorded credential to a pipeline, on standard output. What is
//! handed out, and the checks before, are `handout`'s; this file writes it in a format.

use zeroize::Zeroizing;

use crate::error::Error;
use crate::ui::Ui;

use super::{live, Global, Outcome};

/// Print one credential, for a pipeline.
///
/// The credential is decrypted from secrets/<ADDRESS>.age after the file is checked against the
/// SHA-256 recorded in the state: a file changed outside bckeys is refused. Needs an identity
/// (--identity FILE, BCKEYS_IDENTITY_FILE or BCKEYS_IDENTITY).
///
/// `env` (the default) prints shell assignments, values single-quoted, ready for
/// `eval "$(bckeys reveal ADDRESS)"` (wrap it in `set -a` / `set +a` to export them):
/// BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN, BIGCOMMERCE_CLIENT_ID,
/// BIGCOMMERCE_CLIENT_SECRET and BIGCOMMERCE_API_PATH for a store-level API account;
/// BIGCOMMERCE_ACCOUNT_UUID and the same token, client and API path variables for an
/// account-level one; BIGCOMMERCE_STOREFRONT_TOKEN and BIGCOMMERCE_STORE_HASH for a storefront
/// token; BIGCOMMERCE_WEBHOOK_HEADER_<NAME> for a webhook's generated header secrets. `json` and
/// `yaml` print every field of the credential.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address of the credential, such as store/production/erp-sync.
    #[arg(add = super::complete::recorded())]
    pub address: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RevealFormat::Env)]
    pub format: RevealFormat,
    /// Print only this value, as it is: no name, no quoting, no line end (for scripts). A
    /// variable's name (BIGCOMMERCE_ACCESS_TOKEN) or its end (access_token).
    #[arg(long, value_name = "NAME", conflicts_with = "format")]
    pub field: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RevealFormat {
    /// BIGCOMMERCE_*='value' lines for a POSIX shell.
    Env,
    /// A JSON object with every field.
    Json,
    /// A YAML mapping with every field, as the secret file holds it.
    Yaml,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let opened = live::handout(&args.address, global, ui, "reveal")?;
    if let Some(field) = &args.field {
        let variables = opened.variables();
        let wanted = field.trim().to_ascii_uppercase();
        let wanted = if wanted.starts_with("BIGCOMMERCE_") { wanted } else { format!("BIGCOMMERCE_{wanted}") };
        let Some((_, value)) = variables.iter().find(|(name, _)| *name == wanted) else {
            let names = variables.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(RevealError::NoField { address: args.address.clone(), field: field.clone(), names }.into());
        };
        ui.out(value);
        return Ok(Outcome::Done);
    }
    let text = match args.format {
        RevealFormat::Env => env_lines(&opened.variables()),
        RevealFormat::Json => opened.credential.to_json(),
        RevealFormat::Yaml => opened.credential.to_yaml(),
    };
    ui.out(&text);
    Ok(Outcome::Done)
}

/// Why reveal prints nothing.
#[derive(Debug, thiserror::Error)]
enum RevealError {
    #[error("`{address}` has no field `{field}`")]
    NoField { address: String, field: String, names: String },
}

impl crate::error::Hinted for RevealError {
    fn hint(&self) -> Option<String> {
        match self {
            RevealError::NoField { names, .. } => Some(format!("its fields: {names}")),
        }
    }
}

crate::error::command_error!(RevealError);

/// `NAME='value'` lines for a POSIX shell. A value is single-quoted, and each `'` in it becomes
/// `'\''`, so no character in a credential can end the quoting or be expanded.
fn env_lines<N: AsRef<str>>(variables: &[(N, &str)]) -> Zeroizing<String> {
    // Sized up front so that growing the buffer never leaves a copy of a secret in freed memory.
    let capacity = variables.iter().map(|(name, value)| name.as_ref().len() + 4 * value.len() + 4).sum();
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    for (name, value) in variables {
        out.push_str(name.as_ref());
        out.push_str("='");
        for c in value.chars() {
            if c == '\'' {
                out.push_str("'\\''");
            } else {
                out.push(c);
            }
        }
        out.push_str("'\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_quote_every_value() {
        let text = env_lines(&[("A", "plain"), ("B", "it's $HOME `x` \"q\"\nnext")]);
        assert_eq!(text.as_str(), "A='plain'\nB='it'\\''s $HOME `x` \"q\"\nnext'\n");
        assert!(text.capacity() >= text.len());
    }
}
