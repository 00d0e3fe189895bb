//! Keys of the Diagnosis (`d`) and Runbook (`r`) panes, which replace the grid while open:
//! the Diagnosis pane picks a cause and opens its action, the Runbook pane scrolls.

use crossterm::event::{KeyCode, KeyEvent};

use super::diagnosis::Likelihood;
use super::state::{Effect, State};
use super::ui_state::{Body, PaneId};
use crate::runbook::spec::Precondition;

/// The Runbook pane never has more lines than this (the view clamps further).
const GUIDE_SCROLL_MAX: usize = 60;

impl State {
    /// `d` / `r`: opens the pane, or closes it when it is the one open.
    pub fn toggle_body(&mut self, which: Body) -> Vec<Effect> {
        let ui = &mut self.ui;
        ui.body = if ui.body == which { Body::Grid } else { which };
        ui.zoomed = false;
        ui.diag_sel = 0;
        ui.guide_scroll = 0;
        vec![Effect::Redraw]
    }

    /// Keys the open pane takes before the dashboard's: ↑/↓ (`k`/`j`) pick a cause, enter
    /// opens the confirmation of its suggested action. Other keys go on (`None`).
    pub fn body_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        if self.ui.help {
            return None;
        }
        if self.ui.body == Body::Runbook {
            let s = &mut self.ui.guide_scroll;
            match key.code {
                KeyCode::Up | KeyCode::Char('k') => *s = s.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => *s = (*s + 1).min(GUIDE_SCROLL_MAX),
                KeyCode::PageUp => *s = s.saturating_sub(10),
                KeyCode::PageDown => *s = (*s + 10).min(GUIDE_SCROLL_MAX),
                _ => return None,
            }
            return Some(vec![Effect::Redraw]);
        }
        if self.ui.body == Body::Container {
            return self.container_key(key);
        }
        if self.ui.body == Body::Topology {
            return self.topology_key(key);
        }
        if self.ui.body != Body::Diagnosis {
            return None;
        }
        let n = self.view(0).map_or(0, |s| s.diagnosis.len());
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                self.ui.diag_sel = self.ui.diag_sel.saturating_sub(1);
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.ui.diag_sel = (self.ui.diag_sel + 1).min(n.saturating_sub(1));
            }
            KeyCode::Enter => return Some(self.open_suggested()),
            _ => return None,
        }
        Some(vec![Effect::Redraw])
    }

    /// The selected cause's suggested action: the first that can run here and fits the
    /// evidence (`model::offer`).
    pub fn suggested_action(&self) -> Option<String> {
        let snap = self.view(0)?;
        let cause = snap.diagnosis.get(self.ui.diag_sel)?;
        cause.suggested.clone()
    }

    /// In a Sentinel's list of masters: ↑/↓ (`k`/`j`) pick one, enter follows it.
    fn topology_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        if self.group.as_ref().is_some_and(|g| g.cluster.is_some()) {
            return self.cluster_key(key);
        }
        let g = self.group.as_mut()?;
        if !g.entry_sentinel || !g.previous.is_empty() {
            return None;
        }
        let masters = g.listed_masters();
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => g.pick = g.pick.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                g.pick = (g.pick + 1).min(masters.len().saturating_sub(1));
            }
            KeyCode::Enter => {
                let m = masters.get(g.pick)?.clone();
                let mut effects = self.pick_master(self.now, &m.raw_name, m.addr);
                effects.extend(self.replan());
                effects.push(Effect::Redraw);
                return Some(effects);
            }
            _ => return None,
        }
        Some(vec![Effect::Redraw])
    }

    /// j/k (↑/↓, PgUp/PgDn) scroll the log tail: k goes back in time.
    fn container_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        let d = self.docker.as_mut()?;
        let max = d.logs.len();
        let s = &mut d.log_scroll;
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => *s = (*s + 1).min(max),
            KeyCode::Down | KeyCode::Char('j') => *s = s.saturating_sub(1),
            KeyCode::PageUp => *s = (*s + 10).min(max),
            KeyCode::PageDown => *s = s.saturating_sub(10),
            _ => return None,
        }
        Some(vec![Effect::Redraw])
    }

    /// The selected cause's evidence pane zoomed when it names one, else its suggested action.
    fn open_suggested(&mut self) -> Vec<Effect> {
        if let Some(pane) = self.suggested_pane() {
            self.ui.body = Body::Grid;
            self.ui.focus = pane;
            self.ui.zoomed = true;
            return vec![Effect::Redraw];
        }
        let Some(name) = self.suggested_action() else {
            return Vec::new();
        };
        // A kill with nothing selected yet: pick the group first (K then kills it).
        let needs_pick = self.actions.runbook.find(&name).is_some_and(|s| {
            let ctx = self.action_context();
            ctx.unavailable(s).is_some()
                && ctx
                    .unavailable_but(s, Some(Precondition::ClientSelected))
                    .is_none()
        });
        if needs_pick && self.select_for_kill() {
            return vec![Effect::Redraw];
        }
        self.open_action(&name)
    }

    /// The pane with the selected cause's evidence, when the runbook names one.
    pub fn suggested_pane(&self) -> Option<PaneId> {
        let snap = self.view(0)?;
        let cause = snap.diagnosis.get(self.ui.diag_sel)?;
        if cause.verdict == Likelihood::RuledOut {
            return None;
        }
        PaneId::named(cause.pane.as_deref()?)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant, SystemTime};

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::collect::types::{Info, Sample};
    use crate::model::state::{State, update};
    use crate::model::ui_state::Body;
    use crate::msg::Msg;
    use crate::target::{Target, Thresholds};

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn full_memory(state: &mut State, at: Instant) {
        let info = Info {
            used_memory: Some(99),
            maxmemory: Some(100),
            maxmemory_policy: Some("noeviction".into()),
            connected_clients: Some(1),
            maxclients: Some(100),
            ..Info::default()
        };
        let s = Sample::of_info(at, SystemTime::now(), Duration::from_micros(100), info);
        update(
            state,
            Msg::Sample {
                target: 0,
                sample: Box::new(s),
            },
        );
    }

    #[test]
    fn enter_on_the_top_cause_opens_its_suggested_action() {
        let t0 = Instant::now();
        let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
        full_memory(&mut st, t0);
        full_memory(&mut st, t0 + Duration::from_secs(1));
        update(&mut st, key(KeyCode::Char('d')));
        assert_eq!(st.ui.body, Body::Diagnosis);
        assert_eq!(st.suggested_action().as_deref(), Some("maxmemory"));
        update(&mut st, key(KeyCode::Enter));
        assert!(st.actions.dialog.is_some(), "the maxmemory dialog opens");
        // The dialog swallows keys; Esc closes it, a second Esc the pane.
        update(&mut st, key(KeyCode::Esc));
        update(&mut st, key(KeyCode::Esc));
        assert_eq!(st.ui.body, Body::Grid);
    }

    #[test]
    fn enter_on_a_cause_with_an_evidence_pane_zooms_it_and_opens_no_action() {
        let t0 = Instant::now();
        let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
        let b = (st.actions.runbook.causes.iter_mut()).find(|c| c.id == "B");
        b.expect("cause B").pane = Some("memory".into());
        st.ui.focus = crate::model::ui_state::PaneId::Errors;
        full_memory(&mut st, t0);
        full_memory(&mut st, t0 + Duration::from_secs(1));
        update(&mut st, key(KeyCode::Char('d')));
        assert_eq!(
            st.suggested_pane(),
            Some(crate::model::ui_state::PaneId::Memory)
        );
        assert_eq!(
            st.actions_view(t0, 24).suggested,
            None,
            "no action shown as enter's"
        );
        update(&mut st, key(KeyCode::Enter));
        assert!(st.actions.dialog.is_none(), "no action opened");
        assert_eq!(st.ui.body, Body::Grid);
        assert_eq!(st.ui.focus, crate::model::ui_state::PaneId::Memory);
        assert!(st.ui.zoomed);
    }

    #[test]
    fn back_up_after_a_restart_enter_on_a_suggests_its_logs_not_a_restart() {
        let t0 = Instant::now();
        let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
        for i in 0..2 {
            let info = Info {
                uptime_in_seconds: Some(5 + i),
                connected_clients: Some(1),
                maxclients: Some(100),
                ..Info::default()
            };
            let at = t0 + Duration::from_secs(i);
            let s = Sample::of_info(at, SystemTime::now(), Duration::from_micros(100), info);
            let sample = Box::new(s);
            update(&mut st, Msg::Sample { target: 0, sample });
        }
        update(&mut st, key(KeyCode::Char('d')));
        let snap = st.view(0).expect("view");
        let a = snap
            .diagnosis
            .iter()
            .position(|c| c.cause == "A")
            .expect("A");
        assert_ne!(
            snap.diagnosis[a].verdict,
            crate::model::diagnosis::Likelihood::RuledOut,
            "{:?}",
            snap.diagnosis[a]
        );
        st.ui.diag_sel = a;
        // Its logs, not a restart (the server answers: no restart fits). No container found
        // and no systemd unit: no log to read by an action, and the pane says why.
        assert_eq!(st.suggested_action(), None);
        let cause = &st.view(0).expect("view").diagnosis[a];
        assert!(cause.also.is_empty(), "{cause:?}");
        assert!(
            (cause.none_runs.as_deref()).is_some_and(|w| w.contains("no container found")),
            "{cause:?}"
        );
        // Served by a systemd unit: its journal.
        st.instances[0].known.values.insert(
            "systemd_unit".into(),
            (
                "redis-server.service".into(),
                crate::collect::known::Source::Server,
            ),
        );
        assert_eq!(st.suggested_action().as_deref(), Some("journal"));
    }

    #[test]
    fn r_and_d_switch_and_close() {
        let mut st = State::new(
            &[Target::local_default()],
            Thresholds::default(),
            Instant::now(),
        );
        update(&mut st, key(KeyCode::Char('r')));
        assert_eq!(st.ui.body, Body::Runbook);
        update(&mut st, key(KeyCode::Char('j')));
        update(&mut st, key(KeyCode::PageDown));
        assert_eq!(st.ui.guide_scroll, 11, "j and PgDn scroll the Runbook pane");
        assert_eq!(
            st.ui.focus,
            crate::model::ui_state::PaneId::Memory,
            "not the grid"
        );
        update(&mut st, key(KeyCode::Char('d')));
        assert_eq!(st.ui.body, Body::Diagnosis);
        update(&mut st, key(KeyCode::Char('d')));
        assert_eq!(st.ui.body, Body::Grid);
    }
}
