//! What the action overlays show: the palette, the dialog, the output or timeline panel.
//! Built from the state at `now`; strings are already escaped.

use std::time::Instant;

use crate::model::actions::{Dialog, Panel};
use crate::model::state::State;

/// One palette row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteRow {
    pub key: Option<char>,
    pub name: String,
    pub title: String,
    pub section: Option<String>,
    /// Why it is greyed out.
    pub unavailable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteView {
    pub filter: String,
    pub rows: Vec<PaletteRow>,
    pub cursor: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogView {
    Input {
        title: String,
        prompt: String,
        text: String,
        error: Option<String>,
    },
    Choose {
        title: String,
        options: Vec<String>,
        cursor: usize,
    },
    Confirm(ConfirmView),
    Message {
        title: String,
        text: String,
    },
    /// A yes/no question: `prompt` says which key does what.
    Ask {
        title: String,
        text: String,
        prompt: String,
    },
}

/// The confirmation dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmView {
    pub title: String,
    /// The exact commands.
    pub commands: Vec<String>,
    /// `redis://127.0.0.1:6379`, and its role.
    pub target: String,
    pub role: String,
    /// `maxmemory: 100 → 2147483648`, `kill client id=7 …`.
    pub changes: Vec<String>,
    pub blockers: Vec<String>,
    /// The values filled into the commands, each with its source.
    pub values: Vec<String>,
    /// Needs the target typed (stage 1 of a destructive action).
    pub type_target: bool,
    pub typed: String,
    /// 2 = the second confirmation.
    pub stage: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionsView {
    pub palette: Option<PaletteView>,
    pub dialog: Option<DialogView>,
    pub panel: Panel,
    /// Output lines to show, oldest first (already scrolled).
    pub output: Vec<String>,
    /// Lines hidden below (scrolled up by this many).
    pub output_scroll: usize,
    /// Lines of the dialog's body scrolled past.
    pub dialog_scroll: usize,
    /// `(name, seconds running)`.
    pub running: Option<(String, u64)>,
    /// Timeline, newest last: (seconds ago, text).
    pub timeline: Vec<(u64, String)>,
    /// Where the incident log goes (for help).
    pub log_path: Option<String>,
    /// Direct keys of the runbook's actions (for help and the footer).
    pub keys: Vec<(char, String)>,
    /// The Runbook pane, built only while it is open.
    pub guide: Option<crate::model::guide::GuideView>,
    /// The action enter opens in the Diagnosis pane, with its direct key.
    pub suggested: Option<(String, Option<char>)>,
}

fn dialog_view(d: &Dialog, title_of: impl Fn(&str) -> String) -> DialogView {
    match d {
        Dialog::Input {
            action,
            prompt,
            text,
            error,
        } => DialogView::Input {
            title: title_of(action),
            prompt: prompt.clone(),
            text: crate::escape::plain_str(text),
            error: error.clone(),
        },
        Dialog::Choose {
            action,
            options,
            cursor,
        } => DialogView::Choose {
            title: title_of(action),
            options: options.clone(),
            cursor: *cursor,
        },
        Dialog::Confirm {
            prepared,
            typed,
            stage,
            target,
            role,
            ..
        } => DialogView::Confirm(ConfirmView {
            title: prepared.title.clone(),
            commands: prepared.display.clone(),
            target: target.clone(),
            role: crate::escape::plain_str(role),
            changes: prepared.changes.clone(),
            blockers: prepared.blockers.clone(),
            values: prepared.values.clone(),
            type_target: prepared.destructive && *stage == 1,
            typed: crate::escape::plain_str(typed),
            stage: *stage,
        }),
        Dialog::Password { instance, text } => DialogView::Input {
            title: format!("AUTH failed on {}", crate::escape::plain_str(instance)),
            prompt: "password (Enter to retry, Esc to keep the failing one):".into(),
            // Never the password itself: one star per character.
            text: "*".repeat(text.chars().count()),
            error: None,
        },
        Dialog::Message { title, text } => DialogView::Message {
            title: title.clone(),
            text: text.clone(),
        },
        Dialog::Cancel { name, .. } => DialogView::Ask {
            title: format!("cancel {name}?"),
            text: crate::model::actions::cancel::CANCEL_TEXT.to_string(),
            prompt: "y = cancel it   any other key = let it run".to_string(),
        },
    }
}

impl State {
    /// The overlays' view; `rows` is how many output lines fit.
    pub fn actions_view(&self, now: Instant, rows: usize) -> ActionsView {
        let a = &self.actions;
        // The context (which clones the runbook's vars) only while the palette needs it:
        // this runs on every redraw.
        let palette = a.palette.as_ref().map(|p| (p, self.action_context()));
        let palette = palette.map(|(p, ctx)| PaletteView {
            filter: crate::escape::plain_str(&p.filter),
            rows: a
                .filtered()
                .into_iter()
                .filter_map(|i| a.runbook.actions.get(i))
                .map(|s| PaletteRow {
                    key: s.key,
                    name: s.name.clone(),
                    title: ctx.shown_title(&s.title),
                    section: s.section.clone(),
                    unavailable: ctx.unavailable(s),
                })
                .collect(),
            cursor: p.cursor,
        });
        let title_of = |name: &str| {
            a.runbook
                .find(name)
                .map(|s| s.title.clone())
                .unwrap_or_default()
        };
        let end = a.output.len().saturating_sub(a.output_scroll);
        let start = end.saturating_sub(rows);
        let body = self.ui.body;
        let snap = (body != crate::model::ui_state::Body::Grid)
            .then(|| self.view(0))
            .flatten();
        let guide = snap
            .as_ref()
            .filter(|_| body == crate::model::ui_state::Body::Runbook)
            .map(|s| self.guide(s));
        let suggested = snap
            .filter(|_| body == crate::model::ui_state::Body::Diagnosis)
            .filter(|_| self.suggested_pane().is_none())
            .and_then(|_| self.suggested_action())
            .map(|n| {
                let key = a.runbook.find(&n).and_then(|s| s.key);
                (n, key)
            });
        ActionsView {
            guide,
            suggested,
            palette,
            dialog: a.dialog.as_ref().map(|d| dialog_view(d, title_of)),
            panel: a.panel,
            output: a
                .output
                .iter()
                .skip(start)
                .take(end - start)
                .cloned()
                .collect(),
            output_scroll: a.output_scroll,
            dialog_scroll: a.dialog_scroll,
            running: a.running.as_ref().map(|r| {
                (
                    r.name.clone(),
                    now.saturating_duration_since(r.started).as_secs(),
                )
            }),
            timeline: a
                .timeline
                .iter()
                .take(a.timeline.len().saturating_sub(a.timeline_scroll))
                .map(|e| {
                    (
                        now.saturating_duration_since(e.at).as_secs(),
                        e.text.clone(),
                    )
                })
                .collect(),
            log_path: a.log_path.clone(),
            keys: a
                .runbook
                .actions
                .iter()
                .filter_map(|s| s.key.map(|k| (k, s.title.clone())))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::model::actions::Panel;
    use crate::model::state::{State, update};
    use crate::msg::Msg;
    use crate::target::{Target, Thresholds};

    #[test]
    fn page_keys_scroll_the_open_timeline() {
        let t0 = Instant::now();
        let mut s = State::new(&[Target::local_default()], Thresholds::default(), t0);
        for i in 0..5u64 {
            s.actions
                .push_timeline(t0 + Duration::from_secs(i), format!("event {i}"));
        }
        s.actions.panel = Panel::Timeline;
        let key = |c| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
        update(&mut s, key(KeyCode::PageUp));
        let v = s.actions_view(t0, 10);
        assert_eq!(v.timeline.len(), 1, "scrolled up to the oldest");
        assert_eq!(v.timeline[0].1, "event 0");
        assert_eq!(v.output_scroll, 0, "the output panel did not move");
        update(&mut s, key(KeyCode::PageDown));
        assert_eq!(s.actions_view(t0, 10).timeline.len(), 5);
    }
}
