//! Communication: the runbook's three incident messages (initial alert, update, resolution),
//! filled from what redtriage knows ([`Facts`], see [`super::comms::facts`]), edited in an
//! overlay, then copied (OSC 52) or saved to the incident directory — both effects.
//!
//! Pure: templates are loaded by `config` before the terminal changes mode; time comes in
//! the messages.

pub mod editor;
pub mod facts;
pub mod keys;

use std::time::Instant;

use super::comms::editor::Editor;

/// The three messages, in the runbook's order (keys `1`–`3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Initial,
    Update,
    Resolution,
}

impl Kind {
    /// In the runbook's order.
    pub const ALL: [Kind; 3] = [Kind::Initial, Kind::Update, Kind::Resolution];

    /// File name stem (`initial` → `initial.txt`), also used in saved file names.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Initial => "initial",
            Kind::Update => "update",
            Kind::Resolution => "resolution",
        }
    }

    /// Title as the runbook says it.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Initial => "Initial Alert",
            Kind::Update => "Update",
            Kind::Resolution => "Resolution",
        }
    }

    /// Position in [`Kind::ALL`].
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    /// Next one, wrapping.
    #[must_use]
    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % 3]
    }

    /// Previous one, wrapping.
    #[must_use]
    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + 2) % 3]
    }
}

/// The shipped templates (the runbook's, with `{placeholders}` for the filled values).
const SHIPPED: [&str; 3] = [
    include_str!("../../../assets/templates/initial.txt"),
    include_str!("../../../assets/templates/update.txt"),
    include_str!("../../../assets/templates/resolution.txt"),
];

/// Every placeholder a template may use, with what it is filled with.
pub const PLACEHOLDERS: [(&str, &str); 15] = [
    ("severity", "runbook severity (MEDIUM)"),
    (
        "status",
        "INVESTIGATING / RESTARTING / MONITORING / RESOLVED",
    ),
    ("impact", "from the connection state and the hit rate"),
    ("eta", "time left of the 30-minute SLA"),
    ("duration", "since the first fault seen in this session"),
    (
        "root_cause",
        "first likely cause and its top evidence, in plain words",
    ),
    (
        "headline",
        "the runbook's Redis Connection Issues, or the likely cause (Redis: Slow commands)",
    ),
    (
        "mitigation",
        "cache-bypass mode while Redis cannot be used, else what is being done",
    ),
    ("actions", "this session's actions and their outcome"),
    ("fix", "the actions that succeeded"),
    ("validation", "stability watch and probe, hit rate"),
    ("performance", "PING latency and ops/s"),
    ("hit_rate", "current hit rate"),
    ("latency", "current PING p50"),
    ("target", "the target, password masked"),
];

/// The three template texts in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    /// Indexed by [`Kind::index`].
    pub texts: [String; 3],
}

impl Default for Templates {
    fn default() -> Self {
        Self {
            texts: SHIPPED.map(str::to_string),
        }
    }
}

impl Templates {
    /// Replaces the template of `kind` by `text` (read from the file `shown`, for the
    /// message): refused when it names a placeholder that is not known; control and bidi
    /// characters are dropped.
    pub fn set(&mut self, kind: Kind, text: &str, shown: &str) -> Result<(), String> {
        if let Some(bad) = unknown_placeholder(text) {
            let known: Vec<&str> = PLACEHOLDERS.iter().map(|(p, _)| *p).collect();
            return Err(format!(
                "template {shown}: unknown placeholder {{{}}} (known: {})",
                crate::escape::plain_str(&bad),
                known.join(", ")
            ));
        }
        self.texts[kind.index()] = clean(text);
        Ok(())
    }

    /// The template of `kind`.
    pub fn get(&self, kind: Kind) -> &str {
        &self.texts[kind.index()]
    }
}

/// The first `{name}` in `text` that is not a known placeholder.
fn unknown_placeholder(text: &str) -> Option<String> {
    placeholders(text)
        .into_iter()
        .find(|p| !PLACEHOLDERS.iter().any(|(k, _)| k == p))
}

/// The `{name}`s of a template, in order (`name`: ASCII letters and `_`).
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if close > 0
                    && after[..close]
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_') =>
            {
                out.push(after[..close].to_string());
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// What the messages are filled with; one already-escaped value per placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    pub severity: String,
    pub status: String,
    pub impact: String,
    pub eta: String,
    pub duration: String,
    pub root_cause: String,
    pub headline: String,
    pub mitigation: String,
    pub actions: String,
    pub fix: String,
    pub validation: String,
    pub performance: String,
    pub hit_rate: String,
    pub latency: String,
    pub target: String,
}

impl Facts {
    /// The value of placeholder `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        Some(match name {
            "severity" => &self.severity,
            "status" => &self.status,
            "impact" => &self.impact,
            "eta" => &self.eta,
            "duration" => &self.duration,
            "root_cause" => &self.root_cause,
            "headline" => &self.headline,
            "mitigation" => &self.mitigation,
            "actions" => &self.actions,
            "fix" => &self.fix,
            "validation" => &self.validation,
            "performance" => &self.performance,
            "hit_rate" => &self.hit_rate,
            "latency" => &self.latency,
            "target" => &self.target,
            _ => return None,
        })
    }
}

/// The template with every known `{placeholder}` replaced by its fact (one line each: a
/// newline in a fact becomes a space). Unknown `{…}` stay as written. No control bytes.
pub fn fill(template: &str, facts: &Facts) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| facts.get(&after[..close]).map(|v| (close, v)));
        if let Some((close, v)) = value {
            out.push_str(&clean(v).replace('\n', " "));
            rest = &after[close + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    clean(&out)
}

/// Drops what must never reach a terminal or a clipboard raw: control characters (newlines
/// kept, tabs become a space, `\r` dropped) and bidi/format characters.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if allowed(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// A character the user may type into a message (no control, no bidi/format character).
pub fn allowed(c: char) -> bool {
    !c.is_control()
        && !matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// The open overlay: one editor per message (edits survive switching), which one is shown,
/// whether keys go to the text, and the last copy/save result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    pub kind: Kind,
    pub editors: [Editor; 3],
    /// Keys edit the text (`e`/enter to start, esc to stop).
    pub editing: bool,
    /// `copied 312 bytes`, `saved to …`, `not saved: …`.
    pub status: Option<String>,
}

impl Overlay {
    /// The overlay with each message filled from `facts`.
    pub fn new(templates: &Templates, facts: &Facts) -> Self {
        Self {
            kind: Kind::Initial,
            editors: Kind::ALL.map(|k| Editor::new(&fill(templates.get(k), facts))),
            editing: false,
            status: None,
        }
    }

    /// The editor shown.
    pub fn editor(&self) -> &Editor {
        &self.editors[self.kind.index()]
    }
}

/// Communication state kept for the whole session.
#[derive(Debug, Clone, Default)]
pub struct Comms {
    pub templates: Templates,
    /// First time this session saw a non-OK health or a connection state other than UP.
    pub first_bad: Option<Instant>,
    pub overlay: Option<Overlay>,
}

impl Comms {
    /// After each sample: notes the first fault, from the state and health words the
    /// incident-log code keeps (`UP`, `DOWN (refused)`…; `OK`, `WARN`, `CRIT`, `UNKNOWN`).
    pub fn observe(&mut self, at: Instant, state: Option<&str>, health: Option<&str>) {
        let bad_state = state.is_some_and(|s| s != "UP" && s != "CONNECTING");
        let bad_health = matches!(health, Some("WARN" | "CRIT"));
        if (bad_state || bad_health) && self.first_bad.is_none() {
            self.first_bad = Some(at);
        }
    }
}

#[cfg(test)]
mod tests;
