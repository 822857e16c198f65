//! The only writer to the terminal: data to standard output, status to standard error, colors
//! only where a terminal is there and NO_COLOR is not set.

use std::io::{IsTerminal, Write};

use crate::render::Paint;

pub struct Ui {
    stdout_paint: Paint,
    stderr_paint: Paint,
}

impl Ui {
    pub fn new() -> Ui {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Ui {
            stdout_paint: Paint { enabled: !no_color && std::io::stdout().is_terminal() },
            stderr_paint: Paint { enabled: !no_color && std::io::stderr().is_terminal() },
        }
    }

    /// Colors for what goes to standard output.
    pub fn paint(&self) -> Paint {
        self.stdout_paint
    }

    /// Data: the result of a command.
    pub fn out(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`bckeys plan | head`) is not an error worth a panic.
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    }

    /// Status and errors.
    pub fn status(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    pub fn error(&self, message: &str, hint: Option<&str>) {
        let p = self.stderr_paint;
        let mut text = format!("{} {message}", p.red(&p.bold("error:")));
        if let Some(hint) = hint {
            text.push_str(&format!("\n  {} {hint}", p.cyan("help:")));
        }
        self.status(&text);
    }
}

impl Ui {
    /// A progress bar on standard error; invisible when standard error is not a terminal or
    /// there is nothing to count.
    pub fn progress(&self, what: &str, total: u64) -> indicatif::ProgressBar {
        let target = if total > 0 && std::io::stderr().is_terminal() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        };
        let bar = indicatif::ProgressBar::with_draw_target(Some(total), target);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(what.to_owned());
        bar
    }
}

impl Default for Ui {
    fn default() -> Self {
        Ui::new()
    }
}
