//! The runbook file as data: its actions (what each runs, its preconditions, its
//! `{placeholders}`), its causes and diagnosis rules, and the signals those rules may name.
//! Preparing an action (the exact commands, what changes, what blocks it) is pure, so the model
//! does it inside `update`; running it is `actions`'.

mod docker_steps;
mod group_steps;
pub mod placeholders;
pub mod prepare;
pub mod rules;
pub mod signals;
pub mod spec;
pub mod vars;

pub use prepare::{ClientRef, Context, Prepared, prepare};
pub use rules::{CauseSpec, RuleSpec};
pub use signals::{RESERVED_KEYS, SIGNALS};
pub use spec::{ActionKind, ActionSpec, DEFAULT_RUNBOOK, Runbook};
