//! `x`: cancel the running action, after a yes. External commands get SIGTERM, then SIGKILL
//! after the grace (their whole process group); a Redis command, an HTTP check or a Docker
//! call is abandoned where it is. The run's end comes back as usual and says it was cancelled.

use crossterm::event::{KeyCode, KeyEvent};

use crate::model::actions::Dialog;
use crate::model::state::{Effect, State};

/// What the question says a cancel does.
pub const CANCEL_TEXT: &str = "Commands get SIGTERM, then SIGKILL after 2 s (their whole \
process group). A Redis command, HTTP check or Docker call is abandoned: what already reached \
the other side may still happen.";

impl State {
    /// `x`: asks whether to cancel the running action (says so when none runs).
    pub fn open_cancel(&mut self) {
        let a = &mut self.actions;
        a.palette = None;
        a.dialog = Some(match (&a.running, &a.disabled) {
            (Some(_), Some(why)) => Dialog::Message {
                title: "cancel".into(),
                text: format!("nothing can be cancelled here ({why})"),
            },
            (Some(r), None) => Dialog::Cancel {
                run: r.run,
                name: r.name.clone(),
            },
            (None, _) => Dialog::Message {
                title: "cancel".into(),
                text: "no action is running".into(),
            },
        });
    }

    /// The answer to the question: only `y` cancels, and only the run it asked about.
    pub fn cancel_key(&mut self, key: KeyEvent, run: u64, name: &str) -> Vec<Effect> {
        let still = self.actions.running.as_ref().is_some_and(|r| r.run == run);
        if key.code != KeyCode::Char('y') || !still {
            return vec![Effect::Redraw];
        }
        let who = self.user.as_deref().unwrap_or("someone");
        let text = format!("cancel asked for {name} by {who}");
        self.actions.push_timeline(self.now, text.clone());
        self.actions.push_output(format!("{text}…"));
        let target = self.view(0).map(|s| s.header.target).unwrap_or_default();
        let mut ev = crate::model::actions::log_event(&target, "action_cancel", text);
        ev.user.clone_from(&self.user);
        ev.action = Some(name.to_string());
        vec![
            Effect::CancelAction { run },
            Effect::Log(Box::new(ev)),
            Effect::Redraw,
        ]
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use crossterm::event::KeyModifiers;

    use super::*;
    use crate::model::actions::Running;
    use crate::target::{Target, Thresholds};

    fn press(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn with_running() -> State {
        let mut s = State::new(
            &[Target::local_default()],
            Thresholds::default(),
            Instant::now(),
        );
        s.actions.running = Some(Running {
            run: 7,
            name: "fix-aof".into(),
            started: s.now,
            mitigation: true,
        });
        s
    }

    fn cancels(effects: &[Effect]) -> Vec<u64> {
        (effects.iter())
            .filter_map(|e| match e {
                Effect::CancelAction { run } => Some(*run),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn x_asks_and_only_y_cancels_the_run_it_asked_about() {
        let mut s = with_running();
        s.open_cancel();
        assert!(matches!(
            s.actions.dialog,
            Some(Dialog::Cancel { run: 7, .. })
        ));
        let effects = s.dialog_key(press('n'));
        assert!(cancels(&effects).is_empty());
        assert!(s.actions.dialog.is_none());
        s.open_cancel();
        let effects = s.dialog_key(press('y'));
        assert_eq!(cancels(&effects), vec![7]);
        assert!(effects.iter().any(
            |e| matches!(e, Effect::Log(ev) if ev.kind == "action_cancel"
                && ev.action.as_deref() == Some("fix-aof"))
        ));
        assert!(
            (s.actions.timeline.iter()).any(|t| t.text.starts_with("cancel asked for fix-aof"))
        );
    }

    #[test]
    fn a_run_that_ended_under_the_question_is_not_cancelled() {
        let mut s = with_running();
        s.open_cancel();
        s.actions.running = None;
        assert!(cancels(&s.dialog_key(press('y'))).is_empty());
        s.open_cancel();
        assert!(
            matches!(&s.actions.dialog, Some(Dialog::Message { text, .. }) if text == "no action is running")
        );
    }
}
