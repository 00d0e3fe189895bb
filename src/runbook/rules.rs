//! The diagnosis rules as data: `[[cause]]` and `[[rule]]` tables of the runbook file. A rule
//! compares one named signal (see [`crate::runbook::SIGNALS`]) with a threshold and adds its
//! weight to its cause's score when it holds; a negative weight says that another finding
//! explains the symptom away.

use serde::Deserialize;

/// One cause of the runbook's investigation section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseSpec {
    /// Short id: `A`…`E` for the runbook's causes, or a word (`slow`, `hit_rate`).
    pub id: String,
    pub title: String,
    /// Runbook actions that fit this cause, most useful first (the first is suggested).
    #[serde(default)]
    pub actions: Vec<String>,
    /// The pane that shows this cause's evidence (one of [`PANES`]): when set, `enter` on the
    /// cause zooms it, and the actions are offered beside it. For causes whose only fitting
    /// actions would erase the evidence (`SLOWLOG RESET`, `LATENCY RESET`).
    #[serde(default)]
    pub pane: Option<String>,
    /// What `enter` suggests instead while the server answers (`UP`): for a cause whose
    /// first actions fix a server that is down (a restart), the next safe step once it is
    /// back (its logs). Each must also be in `actions`.
    #[serde(default)]
    pub when_up: Vec<String>,
}

/// The pane names a cause's `pane` may give, in the dashboard's order.
pub const PANES: [&str; 6] = [
    "memory",
    "clients",
    "slowlog",
    "persistence",
    "hit_rate",
    "errors",
];

/// Comparison of a signal with the rule's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Op {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
}

impl Op {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Lt => a < b,
            Op::Le => a <= b,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => "≥",
            Op::Lt => "<",
            Op::Le => "≤",
        }
    }
}

/// One piece of evidence a cause looks for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// The cause's `id`.
    pub cause: String,
    /// A signal name from [`crate::runbook::SIGNALS`].
    pub signal: String,
    pub op: Op,
    pub value: f64,
    /// Added to the cause's score when the rule holds (3 = enough alone for "likely").
    #[serde(default = "one")]
    pub weight: i32,
    /// Evidence text; `{fact}` is replaced by the figure in words. Default: the figure and
    /// the threshold.
    #[serde(default)]
    pub text: Option<String>,
}

fn one() -> i32 {
    1
}

/// When an action fits the evidence (`[[fit]]`): an action with fits is suggested (and
/// listed beside a cause) only while every one of them holds or has its signal unknown
/// (`df -h` with the disk at 24 % fits no disk problem).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitSpec {
    /// The action's `name`.
    pub action: String,
    /// A signal name from [`crate::runbook::SIGNALS`].
    pub signal: String,
    pub op: Op,
    pub value: f64,
}

/// Does `action` fit, given the value of each signal (`None`: unknown)?
pub fn fits(fit: &[FitSpec], action: &str, value: impl Fn(&str) -> Option<f64>) -> bool {
    (fit.iter())
        .filter(|f| f.action == action)
        .all(|f| value(&f.signal).is_none_or(|v| f.op.holds(v, f.value)))
}

/// Checks the `[[fit]]` entries against the actions and the signals.
pub fn validate_fits(fit: &[FitSpec], action_names: &[&str], source: &str) -> Result<(), String> {
    for f in fit {
        if !action_names.contains(&f.action.as_str()) {
            return Err(format!(
                "runbook {source}: fit on {:?} names action {:?}, which the runbook does not have",
                f.signal, f.action
            ));
        }
        if !crate::runbook::SIGNALS.iter().any(|(s, _)| *s == f.signal) {
            return Err(format!(
                "runbook {source}: fit for action {:?}: unknown signal {:?}",
                f.action, f.signal
            ));
        }
        if !f.value.is_finite() {
            return Err(format!(
                "runbook {source}: fit on {:?}: value must be a finite number",
                f.signal
            ));
        }
    }
    Ok(())
}

/// Checks the rules against the causes, the signals and the runbook's actions.
pub fn validate(
    causes: &[CauseSpec],
    rules: &[RuleSpec],
    action_names: &[&str],
    source: &str,
) -> Result<(), String> {
    let mut ids = std::collections::HashSet::new();
    for c in causes {
        if !ids.insert(c.id.as_str()) {
            return Err(format!(
                "runbook {source}: cause {:?} is declared twice",
                c.id
            ));
        }
        if let Some(a) = c
            .actions
            .iter()
            .find(|a| !action_names.contains(&a.as_str()))
        {
            return Err(format!(
                "runbook {source}: cause {:?} names action {a:?}, which the runbook does not have",
                c.id
            ));
        }
        if let Some(a) = c.when_up.iter().find(|a| !c.actions.contains(a)) {
            return Err(format!(
                "runbook {source}: cause {:?} names {a:?} in when_up, which is not in its actions",
                c.id
            ));
        }
        if let Some(p) = c.pane.as_deref().filter(|p| !PANES.contains(p)) {
            return Err(format!(
                "runbook {source}: cause {:?} names pane {p:?}; the panes are {}",
                c.id,
                PANES.join(", ")
            ));
        }
    }
    for r in rules {
        if !ids.contains(r.cause.as_str()) {
            return Err(format!(
                "runbook {source}: rule on {:?} names cause {:?}, which is not declared",
                r.signal, r.cause
            ));
        }
        if !crate::runbook::SIGNALS.iter().any(|(s, _)| *s == r.signal) {
            let known: Vec<&str> = crate::runbook::SIGNALS.iter().map(|(s, _)| *s).collect();
            return Err(format!(
                "runbook {source}: rule for cause {:?}: unknown signal {:?} (known: {})",
                r.cause,
                r.signal,
                known.join(", ")
            ));
        }
        if !r.value.is_finite() {
            return Err(format!(
                "runbook {source}: rule on {:?}: value must be a finite number",
                r.signal
            ));
        }
    }
    Ok(())
}
