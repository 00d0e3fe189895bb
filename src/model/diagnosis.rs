//! Diagnosis: which of the runbook's causes the evidence points to. Each cause of the runbook
//! file (`[[cause]]`) gets a verdict from its rules (`[[rule]]`, see [`rules`]) evaluated on the
//! signals of [`signals`]: the weights of the rules that hold add up to a score; 3 or more is
//! *likely*, 1–2 *possible*; a cause whose signals are known and none holds is *ruled out*;
//! one whose signals are all unknown (server never reached, no CONFIG…) is *unknown*.

mod cluster_signals;
mod group_signals;
pub mod signals;

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde::Serialize;

use crate::collect::types::SlowlogEntry;
use crate::runbook::rules::{CauseSpec, RuleSpec};

/// Score from which a cause is likely.
pub const LIKELY_SCORE: i32 = 3;
/// Ruled-out causes list this many of the figures they checked.
const CHECKED_SHOWN: usize = 3;

/// How strongly the evidence points at a cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Likelihood {
    Likely,
    Possible,
    Unknown,
    RuledOut,
}

impl Likelihood {
    pub fn word(self) -> &'static str {
        match self {
            Likelihood::Likely => "likely",
            Likelihood::Possible => "possible",
            Likelihood::Unknown => "unknown",
            Likelihood::RuledOut => "ruled out",
        }
    }
}

/// One figure behind a verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The figure in words with the rule's threshold (`used 97.0% of maxmemory 2.0 MB (≥ 90)`).
    pub text: String,
    /// How long the rule has held, seconds (None for figures that were only checked).
    pub since_secs: Option<u64>,
    /// True when this finding argues *against* the cause (a negative weight).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub against: bool,
}

/// One cause with its verdict, as the Diagnosis pane and `snapshot --json` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseView {
    pub cause: String,
    pub title: String,
    pub verdict: Likelihood,
    pub score: u32,
    pub evidence: Vec<Evidence>,
    /// Runbook actions that fit, the suggested one first.
    pub actions: Vec<String>,
    /// The pane with this cause's evidence, which `enter` zooms before any action (the
    /// runbook's `pane`: `slowlog`, `errors`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pane: Option<String>,
    /// What `enter` suggests instead while the server answers (the runbook's `when_up`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when_up: Vec<String>,
    /// The action `enter` opens: the first that can run here and fits the evidence
    /// (`model::offer`); None when the cause is ruled out or none can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<String>,
    /// The other actions that can run here and fit the evidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// Why none of its actions is offered, when none is (the first one's reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub none_runs: Option<String>,
}

/// A rule that stopped holding still counts for this long: a rate that dips to 0 for one
/// tick (a write loop between two samples) must not flip the verdict back and forth.
pub const LINGER: std::time::Duration = std::time::Duration::from_secs(10);

/// The causes ranked, and the indexes of the rules that count (`fired`, lingering ones
/// included) and of those that hold right now (`holding`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnosis {
    pub causes: Vec<CauseView>,
    pub fired: Vec<usize>,
    pub holding: Vec<usize>,
}

/// What the diagnosis remembers per target, by rule index: since when a rule has counted,
/// and when it last held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleMemory {
    pub since: HashMap<usize, Instant>,
    pub held: HashMap<usize, Instant>,
}

impl RuleMemory {
    /// Remembers the rules of `d` as seen at `at`.
    pub fn track(&mut self, fired: &[usize], holding: &[usize], at: Instant) {
        self.since.retain(|i, _| fired.contains(i));
        for &i in fired {
            self.since.entry(i).or_insert(at);
        }
        for &i in holding {
            self.held.insert(i, at);
        }
        self.held.retain(|i, _| fired.contains(i));
    }
}

/// Evaluates every rule on `facts` and ranks the causes: likely, possible, unknown, ruled
/// out; by score within a verdict; the runbook's order breaks ties.
pub fn diagnose(
    causes: &[CauseSpec],
    rules: &[RuleSpec],
    facts: &signals::Facts,
    mem: &RuleMemory,
    now: Instant,
) -> Diagnosis {
    let mut fired = Vec::new();
    let mut holding = Vec::new();
    let mut out: Vec<CauseView> = causes
        .iter()
        .map(|c| {
            let mut score = 0i32;
            let mut positive = false;
            let mut known = false;
            let mut evidence = Vec::new();
            let mut checked = Vec::new();
            for (i, r) in rules.iter().enumerate().filter(|(_, r)| r.cause == c.id) {
                let Some(fact) = facts.get(r.signal.as_str()) else {
                    continue;
                };
                known = true;
                let holds = r.op.holds(fact.value, r.value);
                let ago = mem.held.get(&i).map(|t| now.saturating_duration_since(*t));
                let lingers = !holds && ago.is_some_and(|a| a <= LINGER);
                if !holds && !lingers {
                    // A figure that was checked: shown as it is, without the rule's wording.
                    if !checked.contains(&fact.text) {
                        checked.push(fact.text.clone());
                    }
                    continue;
                }
                fired.push(i);
                if holds {
                    holding.push(i);
                }
                score += r.weight;
                positive |= r.weight > 0;
                let mut text = evidence_text(r, fact);
                if let (true, Some(a)) = (lingers, ago) {
                    text = format!(
                        "no longer: {text}, held until {} ago",
                        crate::format::age(a.as_secs())
                    );
                }
                evidence.push(Evidence {
                    text,
                    since_secs: mem
                        .since
                        .get(&i)
                        .map(|t| now.saturating_duration_since(*t).as_secs()),
                    against: r.weight < 0,
                });
            }
            let verdict = if score >= LIKELY_SCORE {
                Likelihood::Likely
            } else if score >= 1 || positive {
                Likelihood::Possible
            } else if known {
                Likelihood::RuledOut
            } else {
                Likelihood::Unknown
            };
            if verdict == Likelihood::RuledOut {
                evidence.extend(
                    checked
                        .into_iter()
                        .take(CHECKED_SHOWN)
                        .map(|text| Evidence {
                            text,
                            since_secs: None,
                            against: false,
                        }),
                );
            }
            evidence.sort_by_key(|e| e.against);
            CauseView {
                cause: c.id.clone(),
                title: c.title.clone(),
                verdict,
                score: u32::try_from(score.max(0)).unwrap_or(0),
                evidence,
                actions: c.actions.clone(),
                pane: c.pane.clone(),
                when_up: c.when_up.clone(),
                suggested: None,
                also: Vec::new(),
                none_runs: None,
            }
        })
        .collect();
    // A stable sort keeps the runbook's order among equals.
    out.sort_by(|a, b| a.verdict.cmp(&b.verdict).then(b.score.cmp(&a.score)));
    Diagnosis {
        causes: out,
        fired,
        holding,
    }
}

/// An unknown cause says why, when its signals cannot be had on this server (`unknowable`:
/// signal → `SLOWLOG unavailable: command disabled (rename-command)`), rather than nothing.
pub fn explain_unknown(
    causes: &mut [CauseView],
    rules: &[RuleSpec],
    unknowable: &BTreeMap<&'static str, String>,
) {
    for c in causes
        .iter_mut()
        .filter(|c| c.verdict == Likelihood::Unknown)
    {
        for r in rules.iter().filter(|r| r.cause == c.cause) {
            if let Some(why) = unknowable.get(r.signal.as_str())
                && !c.evidence.iter().any(|e| &e.text == why)
            {
                c.evidence.push(Evidence {
                    text: why.clone(),
                    since_secs: None,
                    against: false,
                });
            }
        }
    }
}

fn evidence_text(r: &RuleSpec, fact: &signals::Fact) -> String {
    match &r.text {
        Some(t) => t.replace("{fact}", &fact.text),
        None => format!(
            "{} ({} {})",
            fact.text,
            r.op.symbol(),
            crate::format::num(r.value)
        ),
    }
}

/// A command seen in the slowlog: how often and how slow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlowCommand {
    /// Upper-cased command name, escaped as redis-cli prints it (without the quotes).
    pub command: String,
    pub count: u64,
    pub max_us: u64,
}

/// Was this slowlog entry one of redtriage's own commands (its polls, its actions)?
pub fn is_own(e: &SlowlogEntry) -> bool {
    crate::collect::reserve::is_own_name(&e.client_name)
}

/// The slowlog's commands, the most frequent first (then the slowest); redtriage's own are
/// left out (with `slowlog-log-slower-than 0` they would top the list on an idle server).
pub fn slow_commands(entries: &[SlowlogEntry]) -> Vec<SlowCommand> {
    let mut by: HashMap<String, SlowCommand> = HashMap::new();
    for e in entries.iter().filter(|e| !is_own(e)) {
        // Already quoted and escaped: drop the quotes only.
        let name = e.args.first().map_or_else(
            || "?".to_string(),
            |a| {
                let bare = a.strip_prefix('"').and_then(|x| x.strip_suffix('"'));
                bare.unwrap_or(a).to_ascii_uppercase()
            },
        );
        let s = by.entry(name.clone()).or_insert(SlowCommand {
            command: name,
            count: 0,
            max_us: 0,
        });
        s.count += 1;
        s.max_us = s.max_us.max(e.duration_us);
    }
    let mut v: Vec<SlowCommand> = by.into_values().collect();
    v.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.max_us.cmp(&a.max_us))
            .then(a.command.cmp(&b.command))
    });
    v
}

#[cfg(test)]
pub(crate) mod tests;
