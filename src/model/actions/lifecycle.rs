//! The action flow on the state: open (palette or direct key) → input/choice → confirmation
//! (default No; typed target name for destructive ones; a second confirmation when asked)
//! → run effect → output and timeline → stability watch for mitigations (what each sample
//! brings to the watch and the log is in `sample_flow`).

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::collect::ops::RedisOp;
use crate::model::actions::{Dialog, Palette, Panel, Running, log_event};
use crate::model::select;
use crate::model::state::{Effect, State};
use crate::model::watch::Watch;
use crate::msg::{ActionEvent, Outcome};
use crate::runbook::prepare::{self, Context, POLICIES, Prepared};
use crate::runbook::spec::ActionKind;

impl State {
    /// The context actions are prepared in: the selected target as last seen.
    pub fn action_context(&self) -> Context<'_> {
        let inst = self.instances.get(self.selected);
        let clients = match (&self.ui.client_sel, inst) {
            (Some(sel), Some(i)) => select::resolve(sel, i.clients.value.as_ref()),
            _ => Vec::new(),
        };
        Context {
            target: self.targets.get(self.selected),
            up: inst.is_some_and(|i| i.link == crate::model::instance::Link::Up),
            // Refused for maxclients is up and full, not down (`Instance::full`).
            down: inst.is_some_and(|i| {
                matches!(i.link, crate::model::instance::Link::Down { .. }) && !i.full()
            }),
            full: inst.is_some_and(crate::model::instance::Instance::full),
            info: inst.and_then(|i| i.info.as_ref()),
            config: inst.and_then(|i| i.config.value.as_ref()),
            config_unavailable: inst
                .filter(|i| i.config.value.is_none())
                .and_then(|i| i.config.error.as_ref())
                .map(|e| {
                    e.refusal_short()
                        .map_or_else(|| format!("GET failed: {e}"), str::to_string)
                }),
            config_command: self.config_command.clone(),
            missing_commands: inst
                .map(|i| i.missing_commands(&self.config_command))
                .unwrap_or_default(),
            read_only: self.actions.read_only,
            disabled: self.actions.disabled.clone(),
            vars: self.actions.runbook.settings.vars.clone(),
            clients,
            machine_ram: self.machine_ram,
            container: self.docker.as_ref().and_then(|d| d.info.as_ref()),
            sentinel: self.group.as_ref().and_then(|g| g.answering_sentinel()),
            master_name: self.group.as_ref().and_then(|g| g.master_name.clone()),
            replicas: self.group.as_ref().map_or_else(Vec::new, |g| {
                let addrs = match &g.cluster {
                    Some(c) => c.replica_addrs(),
                    None => g.replica_addrs(inst.and_then(|i| i.info.as_ref())),
                };
                addrs
                    .iter()
                    .map(crate::collect::group::types::NodeAddr::shown)
                    .collect()
            }),
            cluster: self.group.as_ref().is_some_and(|g| g.cluster.is_some()),
            known: inst.map(|i| &i.known),
        }
    }

    /// Opens the action `name`: input or choice first when it needs a value, else the
    /// confirmation, or a message saying why it cannot run.
    pub fn open_action(&mut self, name: &str) -> Vec<Effect> {
        let Some(spec) = self.actions.runbook.find(name).cloned() else {
            return Vec::new();
        };
        self.actions.palette = None;
        self.actions.dialog_scroll = 0;
        let ctx = self.action_context();
        if let Some(why) = ctx.unavailable(&spec) {
            self.actions.dialog = Some(Dialog::Message {
                title: ctx.shown_title(&spec.title),
                text: why,
            });
            return vec![Effect::Redraw];
        }
        self.actions.dialog = Some(match spec.kind {
            ActionKind::Redis {
                op: RedisOp::SetMaxmemory,
            } => Dialog::Input {
                action: spec.name.clone(),
                prompt: "new maxmemory (2gb, 512mb, bytes):".into(),
                text: String::new(),
                error: None,
            },
            ActionKind::Redis {
                op: RedisOp::SetMaxmemoryPolicy,
            } => Dialog::Choose {
                action: spec.name.clone(),
                options: POLICIES.iter().map(|s| (*s).to_string()).collect(),
                cursor: 0,
            },
            ActionKind::Redis {
                op:
                    RedisOp::ReplicaPromote
                    | RedisOp::Failover
                    | RedisOp::ClusterFailover
                    | RedisOp::ClusterFailoverForce
                    | RedisOp::ClusterFailoverTakeover,
            } => Dialog::Choose {
                action: spec.name.clone(),
                options: ctx.replicas.clone(),
                cursor: 0,
            },
            _ => return self.open_confirm(&spec.name, None),
        });
        vec![Effect::Redraw]
    }

    fn open_confirm(&mut self, name: &str, input: Option<String>) -> Vec<Effect> {
        let Some(spec) = self.actions.runbook.find(name).cloned() else {
            return Vec::new();
        };
        let ctx = self.action_context();
        let target = ctx
            .target
            .map(crate::target::Target::display)
            .unwrap_or_default();
        let role = ctx
            .info
            .and_then(|i| i.role.clone())
            .unwrap_or_else(|| "unknown role".into());
        self.actions.dialog = Some(match prepare::prepare(&spec, &ctx, input.as_deref()) {
            Ok(p) => Dialog::Confirm {
                prepared: Box::new(p),
                input,
                typed: String::new(),
                stage: 1,
                target,
                role,
            },
            Err(text) => match &self.actions.dialog {
                Some(Dialog::Input {
                    action,
                    prompt,
                    text: t,
                    ..
                }) => Dialog::Input {
                    action: action.clone(),
                    prompt: prompt.clone(),
                    text: t.clone(),
                    error: Some(text),
                },
                _ => Dialog::Message {
                    title: ctx.shown_title(&spec.title),
                    text,
                },
            },
        });
        vec![Effect::Redraw]
    }

    /// Keys while the palette is open.
    pub fn palette_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let list = self.actions.filtered();
        let Some(p) = self.actions.palette.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => self.actions.palette = None,
            KeyCode::Up => p.cursor = p.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => {
                p.cursor = (p.cursor + 1).min(list.len().saturating_sub(1));
            }
            KeyCode::Backspace => {
                p.filter.pop();
                p.cursor = 0;
            }
            KeyCode::Enter => {
                let name = list
                    .get(p.cursor)
                    .and_then(|i| self.actions.runbook.actions.get(*i))
                    .map(|a| a.name.clone());
                if let Some(name) = name {
                    return self.open_action(&name);
                }
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                p.filter.push(c);
                p.cursor = 0;
            }
            _ => {}
        }
        vec![Effect::Redraw]
    }

    /// Keys while a dialog is open: it swallows all of them. Esc closes it; a key that edits
    /// it (typing, moving the cursor) puts it back changed.
    pub fn dialog_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(mut dialog) = self.actions.dialog.take() else {
            return Vec::new();
        };
        if matches!(dialog, Dialog::Confirm { .. }) {
            return self.confirm_key(key, dialog);
        }
        if let Dialog::Cancel { run, name } = dialog {
            return self.cancel_key(key, run, &name);
        }
        let close = vec![Effect::Redraw];
        match &mut dialog {
            Dialog::Message { .. } | Dialog::Confirm { .. } | Dialog::Cancel { .. } => {
                return close;
            }
            _ if key.code == KeyCode::Esc => return close,
            Dialog::Password { instance, text } => {
                if key.code == KeyCode::Enter {
                    let typed = crate::target::Secret::new(std::mem::take(text));
                    return crate::model::prom::attach(self, instance, Some(typed));
                }
                edit_text(text, key.code);
            }
            Dialog::Input {
                action,
                text,
                error,
                ..
            } => {
                if key.code == KeyCode::Enter {
                    // The input stays open under the confirmation attempt: a bad value
                    // reopens it with the error.
                    let (action, value) = (action.clone(), text.clone());
                    self.actions.dialog = Some(dialog);
                    return self.open_confirm(&action, Some(value));
                }
                if matches!(key.code, KeyCode::Char(_)) {
                    *error = None;
                }
                edit_text(text, key.code);
            }
            Dialog::Choose {
                action,
                options,
                cursor,
            } => match key.code {
                KeyCode::Enter => {
                    let (action, pick) = (action.clone(), options.get(*cursor).cloned());
                    return self.open_confirm(&action, pick);
                }
                KeyCode::Up | KeyCode::Char('k') => *cursor = cursor.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => {
                    *cursor = (*cursor + 1).min(options.len().saturating_sub(1));
                }
                _ => {}
            },
        }
        self.actions.dialog = Some(dialog);
        vec![Effect::Redraw]
    }

    /// Keys in the confirmation. Default No: only `y` confirms, every other key cancels;
    /// stage 1 of a destructive action takes keys as the typed target and Enter confirms
    /// only when it matches; a `confirm_twice` action gets a second dialog.
    fn confirm_key(&mut self, key: KeyEvent, mut dialog: Dialog) -> Vec<Effect> {
        let Dialog::Confirm {
            prepared,
            typed,
            stage,
            target,
            ..
        } = &mut dialog
        else {
            return Vec::new();
        };
        // A body longer than the screen scrolls; these keys type nothing.
        let step = match key.code {
            KeyCode::Down => Some(1),
            KeyCode::Up => Some(-1),
            KeyCode::PageDown => Some(10),
            KeyCode::PageUp => Some(-10),
            _ => None,
        };
        if let Some(step) = step {
            let s = &mut self.actions.dialog_scroll;
            *s = s.saturating_add_signed(step);
            self.actions.dialog = Some(dialog);
            return vec![Effect::Redraw];
        }
        let yes = if prepared.destructive && *stage == 1 {
            match key.code {
                KeyCode::Enter => typed == target,
                KeyCode::Esc => false,
                code => {
                    edit_text(typed, code);
                    self.actions.dialog = Some(dialog);
                    return vec![Effect::Redraw];
                }
            }
        } else {
            key.code == KeyCode::Char('y')
        };
        if !yes {
            return vec![Effect::Redraw];
        }
        if prepared.confirm_twice && *stage == 1 {
            *stage = 2;
            typed.clear();
            self.actions.dialog = Some(dialog);
            return vec![Effect::Redraw];
        }
        let Dialog::Confirm { prepared, .. } = dialog else {
            return Vec::new();
        };
        self.start_run(*prepared)
    }

    /// Starts a confirmed action (also used headless).
    pub fn start_run(&mut self, prepared: Prepared) -> Vec<Effect> {
        let run = self.actions.next_run;
        self.actions.next_run += 1;
        let now = self.now;
        let target = self.display();
        self.actions.running = Some(Running {
            run,
            name: prepared.name.clone(),
            started: now,
            mitigation: prepared.mitigation,
        });
        self.actions.output.clear();
        self.actions.output_scroll = 0;
        self.actions.panel = Panel::Output;
        let samples = self
            .instances
            .get(self.selected)
            .map_or(0, |i| i.samples_total);
        self.actions.marks.push((self.selected, samples));
        self.actions.push_timeline(
            now,
            format!("▶ {}: {}", prepared.name, prepared.display.join("; ")),
        );
        let mut ev = log_event(&target, "action_start", prepared.display.join("; "));
        ev.action = Some(prepared.name.clone());
        ev.user.clone_from(&self.user);
        if !prepared.changes.is_empty() {
            ev.detail = format!("{} ({})", ev.detail, prepared.changes.join(", "));
        }
        vec![
            Effect::Log(Box::new(ev)),
            Effect::RunAction {
                run,
                prepared: Box::new(prepared),
            },
            Effect::Redraw,
        ]
    }

    /// A recorded action start, in a replay: the state `start_run` leaves (running, marker,
    /// timeline, its output gathered for `o`), without running anything.
    pub fn replayed_start(&mut self, run: u64, at: Instant, name: String, mitigation: bool) {
        let samples = self
            .instances
            .get(self.selected)
            .map_or(0, |i| i.samples_total);
        self.actions.marks.push((self.selected, samples));
        self.actions
            .push_timeline(at, format!("▶ {name} (recorded)"));
        self.actions.output.clear();
        self.actions.output_scroll = 0;
        // The panel is the viewer's (`o`): keys are not recorded, so it is not opened here.
        self.actions.next_run = self.actions.next_run.max(run + 1);
        self.actions.running = Some(Running {
            run,
            name,
            started: at,
            mitigation,
        });
    }

    /// Output or end of a run.
    pub fn on_action(&mut self, run: u64, at: Instant, event: ActionEvent) -> Vec<Effect> {
        let current = self.actions.running.as_ref().is_some_and(|r| r.run == run);
        match event {
            ActionEvent::Output(line) if current => self.actions.push_output(line),
            ActionEvent::Saved { what, lines } if current => {
                self.actions.push_output(what.clone());
                let mut ev = log_event(&self.display(), "evidence", what);
                ev.action = self.actions.running.as_ref().map(|r| r.name.clone());
                ev.user.clone_from(&self.user);
                ev.output = lines;
                return vec![Effect::Log(Box::new(ev)), Effect::Redraw];
            }
            ActionEvent::Output(_) | ActionEvent::Saved { .. } => {}
            ActionEvent::Done(outcome) if current => return self.finish(at, &outcome),
            ActionEvent::Done(outcome) => {
                // A watch probe.
                // The probe's own summary says `probe ok: …`; others (no connection) get it.
                let text = if outcome.summary.starts_with("probe ") {
                    outcome.summary
                } else {
                    let word = if outcome.ok { "ok" } else { "FAILED" };
                    format!("probe {word}: {}", outcome.summary)
                };
                self.actions.push_timeline(at, text);
            }
        }
        vec![Effect::Redraw]
    }

    fn finish(&mut self, at: Instant, outcome: &Outcome) -> Vec<Effect> {
        let Some(r) = self.actions.running.take() else {
            return Vec::new();
        };
        let word = if outcome.ok { "✓" } else { "✗" };
        self.actions
            .push_timeline(at, format!("{word} {}: {}", r.name, outcome.summary));
        self.actions.done.push(crate::model::actions::RunRecord {
            name: r.name.clone(),
            at,
            ok: outcome.ok,
            exit_code: outcome.exit_code,
            summary: outcome.summary.clone(),
            target: self.display(),
        });
        let mut ev = log_event(&self.display(), "action_end", outcome.summary.clone());
        ev.action = Some(r.name.clone());
        ev.user.clone_from(&self.user);
        ev.exit_code = outcome.exit_code;
        ev.duration_ms = Some(u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX));
        ev.output = self.actions.output.iter().take(20).cloned().collect();
        // The end in the output panel too, where the user is looking: a run that timed out
        // (and how its process group was stopped) otherwise just stops talking there.
        // Once: a summary that is the run's last line (a CONFIG SET's reply) gets the mark.
        if self.actions.output.back() == Some(&outcome.summary) {
            self.actions.output.pop_back();
        }
        self.actions
            .push_output(format!("{word} {}", outcome.summary));
        if r.mitigation && outcome.ok {
            self.start_watch(at);
        }
        let mut effects = vec![Effect::Log(Box::new(ev)), Effect::Redraw];
        // No offer in a replay (nothing can run there).
        if outcome.ok && self.actions.disabled.is_none() && self.changed_config(&r.name) {
            // Offer to persist a CONFIG SET (the dialog defaults to No).
            let rewrite = self.actions.runbook.actions.iter().find(|s| {
                matches!(
                    s.kind,
                    ActionKind::Redis {
                        op: RedisOp::ConfigRewrite
                    }
                )
            });
            let ctx = self.action_context();
            let why_not = rewrite.and_then(|s| ctx.unavailable(s));
            let name = rewrite.map(|s| s.name.clone());
            match (name, why_not) {
                (Some(name), None) => {
                    self.actions.push_output(format!(
                        "not persisted yet: {name} writes it to the config file"
                    ));
                    effects.extend(self.open_action(&name));
                }
                (_, Some(why)) if why.contains("config file") => self.actions.push_output(
                    "not persisted: the server runs without a config file; \
                     put the new value in the command that starts it too"
                        .into(),
                ),
                (_, why) => self.actions.push_output(format!(
                    "not persisted yet: {}",
                    why.unwrap_or_else(|| "the runbook has no CONFIG REWRITE action".into())
                )),
            }
        }
        effects
    }

    /// Did the action `name` change the running config (CONFIG SET)?
    fn changed_config(&self, name: &str) -> bool {
        self.actions.runbook.find(name).is_some_and(|s| {
            matches!(
                s.kind,
                ActionKind::Redis {
                    op: RedisOp::SetMaxmemory | RedisOp::SetMaxmemoryPolicy
                }
            )
        })
    }

    /// `w`, or after a mitigation: (re)starts the stability watch.
    pub fn start_watch(&mut self, at: Instant) {
        self.actions.watch = Some(Watch::new(at, self.actions.watch_window));
        self.actions.push_timeline(
            at,
            format!(
                "watch started ({} window)",
                crate::format::age(self.actions.watch_window.as_secs())
            ),
        );
    }

    /// An instance attached from the fleet refused our credentials: ask for a password, once
    /// per attach (Esc keeps the failing credentials).
    pub fn ask_attach_password(&mut self) {
        let failed = self
            .instances
            .get(self.selected)
            .is_some_and(|i| matches!(i.link, crate::model::instance::Link::AuthFailed { .. }));
        let Some(p) = self.prom.as_mut() else { return };
        let Some((instance, asked)) = p.attached.as_mut() else {
            return;
        };
        if failed && !*asked && self.actions.dialog.is_none() {
            *asked = true;
            self.actions.dialog = Some(Dialog::Password {
                instance: instance.clone(),
                text: String::new(),
            });
        }
    }

    /// Applies a link event to the selected target as the poller would (tests).
    #[cfg(any(test, feature = "test-support"))]
    pub fn update_link_for_test(&mut self, event: crate::msg::LinkEvent) {
        let at = self.now;
        crate::model::state::update(
            self,
            crate::msg::Msg::Link {
                target: self.selected,
                at,
                event,
            },
        );
    }

    /// Opens the palette.
    pub fn open_palette(&mut self) {
        self.actions.palette = Some(Palette::default());
    }

    fn display(&self) -> String {
        self.instances
            .get(self.selected)
            .map(|i| i.display.clone())
            .unwrap_or_default()
    }
}

/// Backspace deletes, a character is added; other keys leave the text as it is.
fn edit_text(text: &mut String, code: KeyCode) {
    match code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        _ => {}
    }
}
