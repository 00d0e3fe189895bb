//! The communication overlay on the state: `c` opens it filled; ←/→ or `1`–`3` pick the
//! message; `e`/enter edits (esc stops editing); `y`/ctrl+y copies (OSC 52), `s`/ctrl+s saves
//! to the incident directory, `f` fills the shown message again; esc closes.
//! Also the result of a file written by the app (a saved message, the ctrl+r report).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::model::actions::Panel;
use crate::model::comms::facts::facts;
use crate::model::comms::{Kind, Overlay, fill};
use crate::model::state::{Effect, State};
use crate::msg::Written;

impl State {
    /// `c`: opens the overlay with the three messages filled from what is known now.
    pub fn open_comms(&mut self) -> Vec<Effect> {
        let f = facts(self);
        self.comms.overlay = Some(Overlay::new(&self.comms.templates, &f));
        vec![Effect::Redraw]
    }

    /// Keys while the overlay is open: it swallows all of them (ctrl+c still quits).
    pub fn comms_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return vec![Effect::Quit];
        }
        let Some(o) = self.comms.overlay.as_mut() else {
            return Vec::new();
        };
        match (key.code, o.editing) {
            (KeyCode::Char('y'), _) if ctrl => return self.copy(),
            (KeyCode::Char('s'), _) if ctrl => return self.save(),
            (_, _) if ctrl => {}
            (KeyCode::Esc, true) => o.editing = false,
            (code, true) => {
                o.editors[o.kind.index()].key(code);
                o.status = None;
            }
            (KeyCode::Esc | KeyCode::Char('q'), false) => self.comms.overlay = None,
            (KeyCode::Left | KeyCode::Char('h'), false) => o.kind = o.kind.prev(),
            (KeyCode::Right | KeyCode::Char('l') | KeyCode::Tab, false) => o.kind = o.kind.next(),
            (KeyCode::Char(c @ '1'..='3'), false) => {
                o.kind = Kind::ALL[(c as usize) - ('1' as usize)];
            }
            (KeyCode::Char('e') | KeyCode::Enter, false) => o.editing = true,
            (KeyCode::Char('y'), false) => return self.copy(),
            (KeyCode::Char('s'), false) => return self.save(),
            (KeyCode::Char('f'), false) => self.refill(),
            _ => {}
        }
        vec![Effect::Redraw]
    }

    /// The shown message as it is now (edits included).
    pub fn comms_text(&self) -> Option<(Kind, String)> {
        let o = self.comms.overlay.as_ref()?;
        Some((o.kind, o.editor().text()))
    }

    fn copy(&mut self) -> Vec<Effect> {
        let Some((_, text)) = self.comms_text() else {
            return Vec::new();
        };
        if let Some(o) = self.comms.overlay.as_mut() {
            o.status = Some(format!(
                "copied {} bytes (OSC 52: tmux needs set-clipboard on)",
                text.len()
            ));
        }
        vec![Effect::Clipboard(text), Effect::Redraw]
    }

    fn save(&mut self) -> Vec<Effect> {
        let Some((kind, text)) = self.comms_text() else {
            return Vec::new();
        };
        if let Some(o) = self.comms.overlay.as_mut() {
            o.status = Some("saving…".into());
        }
        vec![
            Effect::SaveText {
                name: kind.name(),
                text,
            },
            Effect::Redraw,
        ]
    }

    /// `f`: the shown message filled again from what is known now (its edits are dropped).
    fn refill(&mut self) {
        let f = facts(self);
        let templates = self.comms.templates.clone();
        if let Some(o) = self.comms.overlay.as_mut() {
            let i = o.kind.index();
            o.editors[i] =
                crate::model::comms::editor::Editor::new(&fill(templates.get(o.kind), &f));
            o.status = Some("filled again".into());
        }
    }

    /// ctrl+r: asks the app for the report of this session.
    pub fn request_report(&mut self) -> Vec<Effect> {
        self.actions
            .push_timeline(self.now, "writing the postmortem report…".into());
        vec![Effect::Report, Effect::Redraw]
    }

    /// The app wrote a file (or could not): said in the overlay and on the timeline, which
    /// opens for a report so its path is seen.
    pub fn on_written(&mut self, what: Written, result: Result<String, String>) -> Vec<Effect> {
        let text = match (result, what) {
            (Ok(p), Written::Message) => format!("message saved to {p}"),
            (Ok(p), Written::Report) => format!("report written to {p}"),
            (Err(e), Written::Message) => format!("message not saved: {e}"),
            (Err(e), Written::Report) => format!("report not written: {e}"),
        };
        if let Some(o) = self.comms.overlay.as_mut() {
            o.status = Some(text.clone());
        }
        self.actions.push_timeline(self.now, text);
        if what == Written::Report {
            self.actions.panel = Panel::Timeline;
            self.actions.timeline_scroll = 0;
        }
        vec![Effect::Redraw]
    }
}
