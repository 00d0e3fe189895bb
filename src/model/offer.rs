//! Which of a cause's actions the Diagnosis pane offers: the one `enter` opens and the others
//! beside it. Each must be able to run here (its preconditions hold and its placeholders have
//! values: no `container-restart` without a container, no `restart-plain` without a config
//! file to start from) and fit the evidence (the runbook's `[[fit]]`: no `df -h` with the
//! disk at 24 %, no AOF repair with AOF off). A client to select is the one precondition the
//! user meets on the way: `enter` on a kill zooms the Clients pane with the biggest group
//! selected.

use crate::model::diagnosis::signals::Facts;
use crate::model::diagnosis::{CauseView, Likelihood};
use crate::model::state::State;
use crate::runbook::prepare::Context;
use crate::runbook::spec::{ActionKind, Precondition};

/// Why an action is not offered.
enum Refusal {
    /// It does not fit the evidence (or the runbook lacks it): not worth a word.
    Fits,
    /// It fits but cannot run here, and why.
    Cannot(String),
}

impl State {
    /// Fills `suggested`, `also` and `none_runs` of every cause not ruled out.
    pub(super) fn offer(&self, causes: &mut [CauseView], facts: &Facts, up: bool) {
        let ctx = self.action_context();
        // While the server does not start, the step its log asks for next (check the AOF,
        // repair it once the check reports damage, restart).
        let log_next = self.log_steps().and_then(|s| s.next_action());
        for c in causes
            .iter_mut()
            .filter(|c| c.verdict != Likelihood::RuledOut)
        {
            let mut order: Vec<&str> = Vec::new();
            if c.cause == "E"
                && let Some(a) = log_next
            {
                order.push(a);
            }
            // While the server answers, a cause's `when_up` first (its logs, not a restart).
            if up {
                order.extend(c.when_up.iter().map(String::as_str));
            }
            order.extend(c.actions.iter().map(String::as_str));
            let mut offered: Vec<String> = Vec::new();
            let mut refused: Vec<(&str, String)> = Vec::new();
            for name in order {
                if offered.iter().any(|o| o == name) {
                    continue;
                }
                match self.can_offer(name, &ctx, facts) {
                    Ok(()) => offered.push(name.to_string()),
                    Err(Refusal::Fits) => {}
                    Err(Refusal::Cannot(why)) => refused.push((name, why)),
                }
            }
            // The reason worth reading: a fitting action's, the "no container" one last (a
            // server outside Docker has no container to blame).
            let first_reason = (refused.iter())
                .find(|(_, why)| !why.starts_with(crate::runbook::prepare::NO_CONTAINER))
                .or(refused.first())
                .map(|(name, why)| format!("{name}: {why}"));
            let mut offered = offered.into_iter();
            c.suggested = offered.next();
            c.also = offered.collect();
            c.none_runs = if c.suggested.is_none() {
                first_reason
            } else {
                None
            };
        }
    }

    /// Can the action `name` run here, and does it fit the evidence?
    fn can_offer(&self, name: &str, ctx: &Context<'_>, facts: &Facts) -> Result<(), Refusal> {
        let rb = &self.actions.runbook;
        let spec = rb.find(name).ok_or(Refusal::Fits)?;
        if !crate::runbook::rules::fits(&rb.fits, name, |s| facts.get(s).map(|f| f.value)) {
            return Err(Refusal::Fits);
        }
        if let Some(why) = ctx.unavailable_but(spec, Some(Precondition::ClientSelected)) {
            return Err(Refusal::Cannot(why));
        }
        // A Redis action's values come from the dialog (a size, a client); the others must
        // have every placeholder filled.
        if !matches!(spec.kind, ActionKind::Redis { .. }) {
            crate::runbook::prepare::prepare(spec, ctx, None).map_err(Refusal::Cannot)?;
        }
        Ok(())
    }

    /// `enter` on a suggested kill with no client selected: the Clients pane zoomed, its
    /// biggest group by address selected (the one the diagnosis names), `K` to kill it.
    pub(super) fn select_for_kill(&mut self) -> bool {
        use crate::collect::types::ClientListResult;
        let Some(inst) = self.instances.get(self.selected) else {
            return false;
        };
        let Some(ClientListResult::Listed { clients }) = inst.clients.value.as_ref() else {
            return false;
        };
        let top = crate::model::clients::groups(clients)
            .into_iter()
            .filter(|g| g.by == "addr")
            .max_by_key(|g| g.count);
        let Some(g) = top else {
            return false;
        };
        self.ui.client_rows = false;
        self.ui.client_sel = Some(crate::model::select::ClientSel::Group {
            by: g.by,
            key: g.key,
        });
        self.ui.body = crate::model::ui_state::Body::Grid;
        self.ui.focus = crate::model::ui_state::PaneId::Clients;
        self.ui.zoomed = true;
        true
    }
}

#[cfg(test)]
#[path = "offer_tests.rs"]
mod tests;
