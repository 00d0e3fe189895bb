//! The Topology pane (`T`): the master, each replica (state, link, lag), each Sentinel
//! (reachable, its view of the master, CKQUORUM), the quorum, the last failover and the
//! latest Sentinel events; worst first. Pointed at a Sentinel with several masters: the list,
//! ↑/↓ to pick, enter to follow one. Every string in the view is already escaped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::format;
use crate::model::group::view::{ReplicaView, SentinelView, TopologyView};
use crate::model::view::Verdict;

fn label(s: &str, theme: Theme) -> Span<'static> {
    Span::styled(format!("{s:<9}"), theme.label())
}

fn replica_style(r: &ReplicaView, theme: Theme) -> Style {
    let link_bad = r.link.as_deref().is_some_and(|l| l != "up" && l != "ok");
    if r.state.starts_with("unreachable") || link_bad || r.state == "claims master" {
        theme.verdict(Verdict::Crit)
    } else if r.state != "online" {
        theme.verdict(Verdict::Warn)
    } else {
        theme.verdict(Verdict::Ok)
    }
}

fn replica_line(r: &ReplicaView, theme: Theme) -> Line<'static> {
    let mut words = vec![r.state.clone()];
    if let Some(l) = &r.link {
        let down = r
            .link_down_secs
            .map_or(String::new(), |s| format!(" {}", format::age(s)));
        words.push(format!("link {l}{down}"));
    }
    if r.sync_in_progress {
        words.push("syncing".into());
    }
    match (r.lag_bytes, r.lag_secs) {
        (Some(b), Some(s)) => {
            words.push(format!("lag {} / {}", format::bytes(b), format::age(s)));
        }
        (Some(b), None) => words.push(format!("lag {}", format::bytes(b))),
        (None, Some(s)) => words.push(format!("lag {}", format::age(s))),
        (None, None) => {}
    }
    if let Some(p) = r.priority {
        words.push(format!("prio {p}"));
    }
    if r.read_only == Some(false) {
        words.push("WRITABLE".into());
    }
    Line::from(vec![
        label("replica", theme),
        Span::raw(format!("{:<21} ", r.addr)),
        Span::styled(words.join("  "), replica_style(r, theme)),
    ])
}

fn sentinel_line(s: &SentinelView, theme: Theme) -> Line<'static> {
    let (mark, style) = if s.reachable {
        ("✓", theme.verdict(Verdict::Ok))
    } else {
        ("✗", theme.verdict(Verdict::Crit))
    };
    let mut words = Vec::new();
    if let Some(e) = &s.error {
        words.push(e.clone());
    }
    if s.odown {
        words.push("o_down".into());
    } else if s.sdown {
        words.push("s_down".into());
    }
    if let Some(m) = &s.master {
        words.push(format!("master {m}"));
    }
    if let Some(ok) = s.ckquorum_ok {
        words.push(if ok {
            "CKQUORUM OK".into()
        } else {
            "NOQUORUM".to_string()
        });
    }
    if let Some(e) = s.config_epoch {
        words.push(format!("epoch {e}"));
    }
    if s.subscribed {
        words.push("events".into());
    }
    Line::from(vec![
        label("sentinel", theme),
        Span::raw(format!("{:<21} ", s.addr)),
        Span::styled(format!("{mark} "), style),
        Span::raw(words.join("  ")),
    ])
}

/// A Sentinel's masters to pick from (pointed at a Sentinel with several).
fn master_list(v: &TopologyView, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if !v.masters.is_empty() {
        out.push(Line::from(Span::styled(
            "masters this Sentinel monitors (↑/↓ pick, enter follow):",
            theme.table_header(),
        )));
        for (i, m) in v.masters.iter().enumerate() {
            let mark = if i == v.pick { "▸ " } else { "  " };
            out.push(Line::from(vec![
                Span::styled(mark.to_string(), theme.key()),
                Span::raw(format!(
                    "{:<16} {:<21} {}  {} replicas  {} sentinels  quorum {}",
                    m.name,
                    m.addr.as_deref().unwrap_or("?"),
                    m.flags,
                    m.replicas,
                    m.sentinels,
                    m.quorum
                )),
            ]));
        }
    }
    out
}

/// The lines of the pane, `width` columns wide (the failover's times wrap under it).
pub fn lines(v: &TopologyView, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    out.extend(master_list(v, theme));
    if let Some(m) = &v.master {
        let up = m
            .uptime_secs
            .map_or(String::new(), |u| format!("  up {}", format::age(u)));
        let style = if m.state.starts_with("up") {
            theme.verdict(Verdict::Ok)
        } else {
            theme.verdict(Verdict::Crit)
        };
        out.push(Line::from(vec![
            label("master", theme),
            Span::raw(format!("{:<21} ", m.addr)),
            Span::styled(format!("{}{up}", m.state), style),
        ]));
    }
    if v.claimants.len() > 1 {
        out.push(Line::from(Span::styled(
            format!(
                "SPLIT BRAIN: {} all say they are the master",
                v.claimants.join(", ")
            ),
            theme.verdict(Verdict::Crit),
        )));
    }
    out.extend(v.replicas.iter().map(|r| replica_line(r, theme)));
    out.extend(v.sentinels.iter().map(|s| sentinel_line(s, theme)));
    if let Some(ok) = v.quorum_ok {
        let reachable = v.sentinels.iter().filter(|s| s.reachable).count();
        let q = v.quorum.map_or_else(|| "?".into(), |q| q.to_string());
        let (word, style) = if ok {
            (
                "OK: a failover can be authorized",
                theme.verdict(Verdict::Ok),
            )
        } else {
            (
                "NOT reachable: no automatic failover",
                theme.verdict(Verdict::Crit),
            )
        };
        out.push(Line::from(vec![
            label("quorum", theme),
            Span::raw(format!(
                "{reachable} of {} reachable, quorum {q}: ",
                v.sentinels.len()
            )),
            Span::styled(word, style),
        ]));
    }
    if let Some(f) = &v.last_failover {
        let head = match (&f.from, &f.to, f.done) {
            (Some(a), Some(b), true) => format!("{a} → {b} {} ago: ", format::age(f.ago_secs)),
            _ => "under way: ".into(),
        };
        out.push(Line::from(vec![
            label("failover", theme),
            Span::styled(head, theme.verdict(Verdict::Warn)),
        ]));
        for l in format::wrap_words(&f.text, width.saturating_sub(9).max(20)) {
            out.push(Line::from(vec![label("", theme), Span::raw(l)]));
        }
    }
    if !v.previous.is_empty() {
        out.push(Line::from(vec![
            label("left", theme),
            Span::raw(format!("previous master {}", v.previous.join(", "))),
        ]));
    }
    for e in v.events.iter().rev().take(4).rev() {
        out.push(Line::from(vec![
            label("event", theme),
            Span::raw(e.clone()),
        ]));
    }
    if out.is_empty() {
        out.push(Line::from(Span::raw(
            "a standalone server: no replicas, no Sentinel (--sentinel HOST:PORT --master-name NAME to watch a group)",
        )));
    }
    out
}

/// The pane.
pub fn render_pane(frame: &mut Frame, area: Rect, v: &TopologyView, theme: Theme) {
    let name = v
        .master_name
        .as_deref()
        .map_or(String::new(), |n| format!(" · {}", format::truncate(n, 30)));
    let title = format!(" Topology: {}{name} ", v.kind);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title(true)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Worst first, one line each (cut at the pane's width, never wrapped: 80×24 keeps them all).
    let text = match &v.cluster {
        Some(cv) => {
            let size = (usize::from(inner.width), usize::from(inner.height));
            super::cluster::lines(cv, size, theme)
        }
        None => lines(v, usize::from(inner.width), theme),
    };
    frame.render_widget(Paragraph::new(text), inner);
}
