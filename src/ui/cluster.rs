//! The Topology pane on a Redis Cluster: the map's `CLUSTER INFO`, the uncovered slots and who
//! caused them, then one block per shard (worst first): its slots, its master and replicas,
//! each with its mini health. ↑/↓ pick a node, enter attaches every pane to it, esc returns.
//! Every string in the view is already escaped.

use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::format;
use crate::model::group::cluster_view::{ClusterNodeView, ClusterView};
use crate::model::view::Verdict;

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "   —".into(), |p| format!("{p:>3.0}%"))
}

/// `mem  12%` of maxmemory, or the bytes used when there is no maxmemory.
fn mem(n: &ClusterNodeView) -> String {
    match (n.memory_percent, n.used_memory) {
        (Some(p), _) => format!("mem {p:>3.0}%"),
        (None, Some(b)) => format!("mem {:>8}", format::bytes(b)),
        (None, None) => format!("mem {:>8}", "—"),
    }
}

fn node_line(n: &ClusterNodeView, picked: bool, narrow: bool, theme: Theme) -> Line<'static> {
    let mark = if picked { "▸ " } else { "  " };
    let role = if n.role == "master" { "M" } else { " R" };
    let ops = n
        .ops_per_sec
        .map_or_else(|| "—".into(), |o| format!("{}/s", format::count(o)));
    let ping = n
        .ping_ms
        .map_or_else(|| "—".into(), |p| format!("{p:.1}ms"));
    let keys = n
        .keys
        .map_or_else(|| "—".into(), |k| format!("{} keys", format::count(k)));
    let mut tail = vec![n.verdict.word().to_string()];
    if n.verdict != Verdict::Ok {
        tail.extend(n.why.iter().cloned());
    }
    if !n.reported_failing_by.is_empty() {
        tail.push(format!("flagged by {}", n.reported_failing_by.join(",")));
    }
    if n.link != "connected" {
        tail.push("bus link down".into());
    }
    if let Some(p) = n.pong_age_ms.filter(|p| *p >= 2000) {
        tail.push(format!("pong {} ago", format::age(p / 1000)));
    }
    if n.attached {
        tail.push("◂ panes".into());
    }
    let state = if n.state.starts_with("unreachable") {
        "unreach".to_string()
    } else {
        n.state.clone()
    };
    Line::from(vec![
        Span::styled(mark.to_string(), theme.key()),
        Span::raw(format!("{role:<2} {:<18} ", format::truncate(&n.addr, 18))),
        Span::styled(format!("{state:<7} "), theme.verdict(n.verdict)),
        Span::raw(if narrow {
            format!("{} {ops:>7} {ping:>6} ", mem(n))
        } else {
            format!(
                "{} cli{} {ops:>7} {ping:>6} {keys:>10} ",
                mem(n),
                pct(n.clients_percent)
            )
        }),
        Span::styled(tail.join(" · "), theme.verdict(n.verdict)),
    ])
}

fn head(cv: &ClusterView, theme: Theme) -> Vec<Line<'static>> {
    let state_v = if cv.state == "ok" {
        Verdict::Ok
    } else if cv.state == "unknown" {
        Verdict::Unknown
    } else {
        Verdict::Crit
    };
    let mut out = vec![Line::from(vec![
        Span::styled(format!("{:<9}", "cluster"), theme.label()),
        Span::styled(
            format!("{} ", cv.state.to_uppercase()),
            theme.verdict(state_v),
        ),
        Span::raw(format!(
            "slots {} ok {} pfail {} fail {} · {} known · {} masters · epoch {}",
            cv.slots_assigned,
            cv.slots_ok,
            cv.slots_pfail,
            cv.slots_fail,
            cv.known_nodes,
            cv.size,
            cv.current_epoch
        )),
    ])];
    if let Some(e) = &cv.cluster_error {
        out.push(Line::from(Span::styled(
            format!("no node answers: {e}"),
            theme.verdict(Verdict::Crit),
        )));
    }
    if cv.uncovered_count > 0 {
        let by = if cv.uncovered_by.is_empty() {
            String::new()
        } else {
            format!(" (served by failed {})", cv.uncovered_by.join(", "))
        };
        out.push(Line::from(Span::styled(
            format!(
                "UNCOVERED {} slots {}{by}",
                cv.uncovered_count,
                cv.uncovered.join(",")
            ),
            theme.verdict(Verdict::Crit),
        )));
    }
    if !cv.failed_without_replica.is_empty() {
        out.push(Line::from(Span::styled(
            format!(
                "master {} failed with no replica: no automatic failover",
                cv.failed_without_replica.join(", ")
            ),
            theme.verdict(Verdict::Crit),
        )));
    }
    for w in cv.skew.iter().chain(
        (cv.nodes.iter())
            .find(|n| n.view_differs.is_some())
            .map(|n| {
                format!(
                    "{} sees it differently: {}",
                    n.addr,
                    n.view_differs.clone().unwrap_or_default()
                )
            })
            .as_ref(),
    ) {
        out.push(Line::from(Span::styled(
            w.clone(),
            theme.verdict(Verdict::Warn),
        )));
    }
    out
}

/// The pane's lines, `height` rows tall: the head, then the shards with the picked node kept
/// in sight, then the latest map changes when they fit.
pub fn lines(
    cv: &ClusterView,
    (width, height): (usize, usize),
    theme: Theme,
) -> Vec<Line<'static>> {
    let narrow = width < 100;
    let mut out = head(cv, theme);
    if cv.nodes.is_empty() {
        out.push(Line::from(Span::raw(
            "a cluster node: asking it for the cluster's map…",
        )));
        return out;
    }
    let mut body: Vec<(Line<'static>, bool)> = Vec::new();
    let mut i = 0usize;
    for s in &cv.shards {
        let replaced = cv
            .nodes
            .get(i)
            .is_some_and(|n| n.state == "FAIL" && s.replica_ids.is_empty());
        let slots = if s.slots.is_empty() && replaced {
            "no slots: a failed master whose slots another node took over".to_string()
        } else if s.slots.is_empty() {
            "no slots".to_string()
        } else {
            format!("slots {} ({})", s.slots.join(","), s.slot_count)
        };
        body.push((
            Line::from(vec![
                Span::styled(format!("{:<9}", "shard"), theme.label()),
                Span::styled(format!("{} ", s.verdict.word()), theme.verdict(s.verdict)),
                Span::raw(slots),
            ]),
            false,
        ));
        for _ in std::iter::once(&s.master_id).chain(&s.replica_ids) {
            if let Some(n) = cv.nodes.get(i) {
                let picked = i == cv.node_pick;
                body.push((node_line(n, picked, narrow, theme), picked));
            }
            i += 1;
        }
    }
    let room = height.saturating_sub(out.len());
    let events: Vec<&String> = cv.map_events.iter().rev().take(3).rev().collect();
    let spare = room.saturating_sub(body.len());
    let picked = body.iter().position(|(_, p)| *p).unwrap_or(0);
    let start = if body.len() <= room {
        0
    } else {
        picked.saturating_sub(room / 2).min(body.len() - room)
    };
    out.extend(body.into_iter().skip(start).take(room).map(|(l, _)| l));
    for e in events.iter().rev().take(spare).rev() {
        out.push(Line::from(vec![
            Span::styled(format!("{:<9}", "change"), theme.label()),
            Span::raw((*e).clone()),
        ]));
    }
    out
}
