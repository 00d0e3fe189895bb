//! Colours and emphasis. With colour off (`NO_COLOR`) every style is the default style plus
//! bold/reverse only, and every verdict is also written as a word, so nothing relies on colour.

use ratatui::style::{Color, Modifier, Style};

use crate::model::view::Verdict;

/// Styles for the whole screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False when the user asked for no colour: only bold and reverse are used.
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self::new(true)
    }
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    /// Colour on unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
    pub fn from_env() -> Self {
        Self::new(Self::color_from(std::env::var_os("NO_COLOR").as_deref()))
    }

    fn color_from(no_color: Option<&std::ffi::OsStr>) -> bool {
        no_color.is_none_or(std::ffi::OsStr::is_empty)
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// Style of a figure with this verdict: OK plain green, WARN bold yellow, CRIT bold
    /// reversed red (bold + reverse without colour), UNKNOWN dim.
    pub fn verdict(self, v: Verdict) -> Style {
        match v {
            Verdict::Ok => self.fg(Color::Green),
            Verdict::Warn => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Verdict::Crit => self
                .fg(Color::Red)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
            Verdict::Unknown => self.fg(Color::DarkGray),
        }
    }

    /// A line that must not be missed (`WRITES BLOCKED`).
    pub fn alarm(self) -> Style {
        self.verdict(Verdict::Crit)
    }

    /// Border of a pane: focused is bold (and cyan), others plain (dark grey).
    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    /// Title of a pane: focused is bold and reversed so it shows without colour.
    pub fn title(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// Labels in front of figures (`rss`, `p99`): dim when coloured, plain otherwise.
    pub fn label(self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// Table headers.
    pub fn table_header(self) -> Style {
        self.fg(Color::Gray).add_modifier(Modifier::BOLD)
    }

    /// A key name in the footer and help (`q`, `tab`).
    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Sparklines and gauges that carry no verdict.
    pub fn chart(self) -> Style {
        self.fg(Color::Blue)
    }

    /// Action markers on sparklines: bold magenta (bold alone without colour; the `▼` itself
    /// is the signal).
    pub fn mark(self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// A palette entry that cannot run now (its reason is written next to it).
    pub fn disabled(self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// The cursor row of a list: reversed, so it shows without colour.
    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// The `PAUSED` badge.
    pub fn paused(self) -> Style {
        self.fg(Color::Magenta)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_color_only_when_set_and_non_empty() {
        assert!(Theme::color_from(None));
        assert!(Theme::color_from(Some(OsStr::new(""))));
        assert!(!Theme::color_from(Some(OsStr::new("1"))));
    }

    #[test]
    fn without_colour_styles_have_no_colour() {
        let t = Theme::new(false);
        for v in [Verdict::Ok, Verdict::Warn, Verdict::Crit, Verdict::Unknown] {
            assert_eq!(t.verdict(v).fg, None);
            assert_eq!(t.verdict(v).bg, None);
        }
        assert_eq!(t.border(true).fg, None);
        assert!(
            t.verdict(Verdict::Crit)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
    }
}
