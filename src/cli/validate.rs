//! `bckeys validate`: checks the configuration (and the state, when there is one) without
//! touching the network or any secret.

use crate::config::Config;
use crate::error::Error;
use crate::state::State;
use crate::text::plural;
use crate::ui::Ui;

use super::{Global, Outcome};

/// Check the configuration against every rule, and the state file if there is one.
///
/// Each problem names its file, line and column and what to write instead; exits 1 when there
/// is any.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `json` prints every problem as data (file, line, column, message, hint), and exits 1
    /// when there is one, as text does.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Fail (exit 1) on warnings too, such as a scope that no `uses` entry needs.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
}

/// One problem, as `--format json` prints it.
#[derive(serde::Serialize)]
struct JsonProblem {
    file: String,
    /// Absent when the problem is not at a place in the file (it can't be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

fn json(global: &Global, strict: bool, ui: &Ui) -> Result<Outcome, Error> {
    use crate::config::ConfigError;
    use crate::state::StateError;
    let mut problems = Vec::new();
    let file = |p: &std::path::Path| p.display().to_string();
    let mut warnings = Vec::new();
    let config = match Config::load(&global.config) {
        Ok(config) => {
            warnings.extend(config.warnings.iter().map(|p| JsonProblem {
                file: file(&p.file),
                line: Some(p.pos.line),
                column: Some(p.pos.column),
                message: p.message.clone(),
                hint: p.hint.clone(),
            }));
            Some(config)
        }
        Err(ConfigError::Invalid(list)) => {
            problems.extend(list.into_iter().map(|p| JsonProblem {
                file: file(&p.file),
                line: Some(p.pos.line),
                column: Some(p.pos.column),
                message: p.message,
                hint: p.hint,
            }));
            None
        }
        Err(e) => {
            let hint = e.hint();
            problems.push(JsonProblem {
                file: file(&global.config),
                line: None,
                column: None,
                message: e.to_string(),
                hint,
            });
            None
        }
    };
    if let Some(config) = &config {
        let path = State::path_for(&config.dir);
        match State::load(&path) {
            Ok(_) => {}
            Err(StateError::Invalid { path, pos, message }) => problems.push(JsonProblem {
                file: file(&path),
                line: Some(pos.line),
                column: Some(pos.column),
                message,
                hint: None,
            }),
            Err(e) => problems.push(JsonProblem {
                file: file(&path),
                line: None,
                column: None,
                message: e.to_string(),
                hint: e.hint().map(str::to_owned),
            }),
        }
    }
    #[derive(serde::Serialize)]
    struct Document {
        format_version: u32,
        valid: bool,
        problems: Vec<JsonProblem>,
        /// Not wrong, but worth a look; with --strict they make `valid` false.
        warnings: Vec<JsonProblem>,
    }
    let failing_warnings = strict && !warnings.is_empty();
    let valid = problems.is_empty() && !failing_warnings;
    let doc = Document { format_version: crate::render::FORMAT_VERSION, valid, problems, warnings };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    ui.out(&out);
    Ok(if valid { Outcome::Done } else { Outcome::Incomplete })
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    if args.format == ValidateFormat::Json {
        return json(global, args.strict, ui);
    }
    let config = Config::load(&global.config)?;
    let state_path = State::path_for(&config.dir);
    let state = State::load(&state_path)?;
    let api_accounts = config.api_accounts().count();
    let webhooks: usize = config.stores.iter().flat_map(|s| &s.api_accounts).map(|a| a.webhooks.len()).sum();
    let tokens: usize = config.stores.iter().map(|s| s.storefront_tokens.len()).sum();
    let n = config.encryption.recipients.len();
    let readers: std::collections::BTreeSet<&str> = config
        .readers
        .values()
        .flatten()
        .map(|r| r.as_str())
        .filter(|r| !config.encryption.recipients.iter().any(|x| x.as_str() == *r))
        .collect();
    let readers = match readers.len() {
        0 => String::new(),
        1 => " (and 1 reader of some credentials)".to_owned(),
        k => format!(" (and {k} readers of some credentials)"),
    };
    let mut text = format!(
        "{} is valid: {} API account{}, {} webhook{}, {} storefront token{}, encrypted to {} recipient{}{readers}.\n",
        global.config.display(),
        api_accounts,
        plural(api_accounts),
        webhooks,
        plural(webhooks),
        tokens,
        plural(tokens),
        n,
        plural(n),
    );
    if state.serial > 0 {
        text.push_str(&format!(
            "{} is readable: serial {}, {} resource{} recorded.\n",
            state_path.display(),
            state.serial,
            state.resources.len(),
            plural(state.resources.len())
        ));
    }
    // Under --strict a warning makes the file invalid: it is then not called valid.
    let failing_warnings = args.strict && !config.warnings.is_empty();
    if !failing_warnings {
        ui.out(&text);
    }
    for w in &config.warnings {
        ui.warn(&format!("{}:{}:{}: {}", w.file.display(), w.pos.line, w.pos.column, w.message), w.hint.as_deref());
    }
    if failing_warnings {
        ui.status(&format!(
            "{} warning{} with --strict: not valid",
            config.warnings.len(),
            plural(config.warnings.len())
        ));
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::Done)
}
