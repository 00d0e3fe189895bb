//! What the user sees besides the data: focus, zoom, overlays, pause.

use serde::Serialize;

/// The six panes, in the order of their number keys `1`–`6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub enum PaneId {
    #[default]
    Memory,
    Clients,
    Slowlog,
    Persistence,
    HitRate,
    Errors,
}

impl PaneId {
    pub const ALL: [PaneId; 6] = [
        PaneId::Memory,
        PaneId::Clients,
        PaneId::Slowlog,
        PaneId::Persistence,
        PaneId::HitRate,
        PaneId::Errors,
    ];

    /// Title shown in the pane border, with its number key.
    pub fn title(self) -> &'static str {
        match self {
            PaneId::Memory => "1 Memory",
            PaneId::Clients => "2 Clients",
            PaneId::Slowlog => "3 Slowlog",
            PaneId::Persistence => "4 Persistence",
            PaneId::HitRate => "5 Hit rate",
            PaneId::Errors => "6 Errors/latency",
        }
    }

    /// The pane a runbook cause names (`slowlog`, `hit_rate`: `runbook::rules::PANES`).
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "memory" => PaneId::Memory,
            "clients" => PaneId::Clients,
            "slowlog" => PaneId::Slowlog,
            "persistence" => PaneId::Persistence,
            "hit_rate" => PaneId::HitRate,
            "errors" => PaneId::Errors,
            _ => return None,
        })
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// Next pane in reading order, wrapping.
    #[must_use]
    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    /// Previous pane in reading order, wrapping.
    #[must_use]
    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

/// Screen state that is not data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct UiState {
    pub focus: PaneId,
    /// Focused pane shown full-screen.
    pub zoomed: bool,
    /// Help overlay open.
    pub help: bool,
    /// Display frozen (collection continues, the view is not rebuilt).
    pub paused: bool,
    /// Selected client or group in the zoomed clients pane (by identity).
    pub client_sel: Option<super::select::ClientSel>,
    /// The zoomed clients pane lists single clients instead of groups.
    pub client_rows: bool,
    /// A full-body view in place of the grid: the Diagnosis (`d`) or Runbook (`r`) pane.
    pub body: Body,
    /// Selected cause in the Diagnosis pane (row in the ranked list).
    pub diag_sel: usize,
    /// Lines scrolled down in the Runbook pane.
    pub guide_scroll: usize,
    /// Columns at the right of the header's first line taken by a badge (the replay's
    /// position, a stopped recording): the line leaves out the role and version before the
    /// badge would cover the uptime.
    pub header_reserve: u16,
}

/// What the body of the dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Body {
    /// The six panes (or the zoomed one).
    #[default]
    Grid,
    /// The causes ranked, with evidence and fitting actions.
    Diagnosis,
    /// The runbook's phases with each step's state and the SLA clock.
    Runbook,
    /// The container behind the Redis: state, memory, cross-checks, events, log tail.
    Container,
    /// The replication group: master, replicas, Sentinels, the last failover.
    Topology,
}
