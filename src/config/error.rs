//! Configuration problems: each with the file, line and column it concerns, what is wrong, and
//! what to write instead.

use std::fmt;
use std::path::PathBuf;

use super::locate::Pos;

/// One problem at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub pos: Pos,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file.display(), self.pos.line, self.pos.column, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {error}", path.display())]
    Read { path: PathBuf, error: std::io::Error },
    #[error("{}", render(.0))]
    Invalid(Vec<Problem>),
}

impl ConfigError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::Read { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
                Some("run `bckeys init` to write a starter configuration, or pass --config FILE".into())
            }
            _ => None,
        }
    }

    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid(p) => p,
            ConfigError::Read { .. } => &[],
        }
    }
}

fn render(problems: &[Problem]) -> String {
    let mut out = problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n");
    if problems.len() > 1 {
        out.push_str(&format!("\n{} problems in the configuration", problems.len()));
    }
    out
}
