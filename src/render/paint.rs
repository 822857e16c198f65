//! Colors, from one place: on or off for a whole run, decided by the Ui.

use anstyle::{AnsiColor, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    pub enabled: bool,
}

impl Paint {
    pub const PLAIN: Paint = Paint { enabled: false };

    fn apply(self, style: Style, text: &str) -> String {
        if self.enabled {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    pub fn green(self, text: &str) -> String {
        self.apply(AnsiColor::Green.on_default(), text)
    }
    pub fn red(self, text: &str) -> String {
        self.apply(AnsiColor::Red.on_default(), text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.apply(AnsiColor::Yellow.on_default(), text)
    }
    pub fn cyan(self, text: &str) -> String {
        self.apply(AnsiColor::Cyan.on_default(), text)
    }
    pub fn bold(self, text: &str) -> String {
        self.apply(Style::new().bold(), text)
    }
    pub fn dim(self, text: &str) -> String {
        self.apply(Style::new().dimmed(), text)
    }
}
