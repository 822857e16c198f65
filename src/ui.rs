//! The only writer to the terminal: data to standard output, status to standard error, colors
//! only where a terminal is there and NO_COLOR is not set.
//!
//! A write that fails is remembered rather than ignored, and the command then ends with exit
//! code 1 (see `cli::main`): a plan cut short by a full disk or a closed pipe is never a success.
//! Status and error text is shown with its control characters escaped, whatever it quotes.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};

use crate::render::Paint;

pub struct Ui {
    stdout_paint: Paint,
    stderr_paint: Paint,
    /// The first write that failed, on either stream.
    failure: RefCell<Option<WriteFailure>>,
}

/// A write to the terminal (or the pipe or file in its place) that failed.
#[derive(Debug)]
pub struct WriteFailure {
    pub stream: &'static str,
    pub error: std::io::Error,
}

impl Ui {
    pub fn new() -> Ui {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Ui {
            stdout_paint: Paint { enabled: !no_color && std::io::stdout().is_terminal() },
            stderr_paint: Paint { enabled: !no_color && std::io::stderr().is_terminal() },
            failure: RefCell::new(None),
        }
    }

    /// No colors at all (`--no-color`), whatever the terminal.
    pub fn without_color(&mut self) {
        self.stdout_paint = Paint { enabled: false };
        self.stderr_paint = Paint { enabled: false };
    }

    /// Colors for what goes to standard output.
    pub fn paint(&self) -> Paint {
        self.stdout_paint
    }

    /// Data: the result of a command.
    pub fn out(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let written = stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush());
        self.note(written, "standard output");
    }

    /// Status and errors.
    pub fn status(&self, text: &str) {
        self.err(&format!("{}\n", crate::text::escape_terminal(text)));
    }

    /// A prompt or a line redrawn in place, on standard error, without a line end.
    pub fn prompt(&self, text: &str) {
        // A carriage return is how a countdown redraws its line; anything else is escaped.
        let text: Vec<_> = text.split('\r').map(crate::text::escape_terminal).collect();
        self.err(&text.join("\r"));
    }

    pub fn error(&self, message: &str, hint: Option<&str>) {
        let p = self.stderr_paint;
        self.labelled(&p.red(&p.bold("error:")), message, hint);
    }

    /// Something not wrong but worth a look, on standard error.
    pub fn warn(&self, message: &str, hint: Option<&str>) {
        let p = self.stderr_paint;
        self.labelled(&p.yellow(&p.bold("warning:")), message, hint);
    }

    fn labelled(&self, label: &str, message: &str, hint: Option<&str>) {
        let p = self.stderr_paint;
        let message = crate::text::escape_terminal(message);
        let mut text = format!("{label} {message}");
        if let Some(hint) = hint {
            text.push_str(&format!("\n  {} {}", p.cyan("help:"), crate::text::escape_terminal(hint)));
        }
        text.push('\n');
        self.err(&text);
    }

    /// Writes already escaped text to standard error, noting a failure.
    fn err(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let written = stderr.write_all(text.as_bytes()).and_then(|_| stderr.flush());
        self.note(written, "standard error");
    }

    fn note(&self, written: std::io::Result<()>, stream: &'static str) {
        if let Err(error) = written {
            let mut failure = self.failure.borrow_mut();
            if failure.is_none() {
                *failure = Some(WriteFailure { stream, error });
            }
        }
    }

    /// The first write that failed, if any.
    pub fn take_failure(&self) -> Option<WriteFailure> {
        self.failure.borrow_mut().take()
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
