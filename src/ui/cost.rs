//! The "cost on Redis" lines of the help overlay: redtriage's own cost per refresh (from
//! [`crate::collect::governor`]) and what the governor is holding back, and why. Two lines,
//! three when CLIENT LIST is limited, so the overlay still fits 80×24.

use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::collect::governor::{ClientListMode, SelfCost};
use crate::format;

/// Lines for the overlay.
pub fn lines(cost: Option<&SelfCost>, theme: Theme) -> Vec<Line<'static>> {
    let head = Span::styled(" redtriage's cost on Redis ", theme.table_header());
    let Some(c) = cost else {
        return vec![Line::from(vec![head, Span::raw("measured after ~30s")])];
    };
    let server = c
        .server_usec_per_refresh
        .map_or_else(|| "—".to_string(), |us| format!("{us:.0}µs"));
    let mut out = vec![Line::from(vec![
        head,
        Span::styled(server, theme.key()),
        Span::raw(format!(
            "/refresh  {:.1} calls  {}",
            c.round_trips_per_refresh,
            format::bytes(c.reply_bytes_per_refresh.round() as u64)
        )),
    ])];
    out.push(Line::from(match &c.backoff {
        Some(why) => format!(
            "  backing off: slow checks every {} ({why})",
            format::age(c.slow_interval_secs)
        ),
        None => format!("  slow checks every {}", format::age(c.slow_interval_secs)),
    }));
    if let Some(mode) = c
        .client_list
        .as_ref()
        .filter(|m| **m != ClientListMode::Full)
    {
        out.push(Line::from(format!("  {}", mode.describe())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn says_what_it_costs_and_why_it_backs_off() {
        let theme = Theme::new(false);
        assert_eq!(
            text(&lines(None, theme)),
            [" redtriage's cost on Redis measured after ~30s"]
        );
        let cost = SelfCost {
            server_usec_per_refresh: Some(84.4),
            round_trips_per_refresh: 3.2,
            reply_bytes_per_refresh: 4500.0,
            slow_interval_secs: 20,
            backoff: Some("PING 7ms > target 5ms".into()),
            client_list: Some(ClientListMode::InfoOnly {
                reason: "6000 clients > 5×1000".into(),
            }),
            ..SelfCost::default()
        };
        let t = text(&lines(Some(&cost), theme));
        assert!(t[0].contains("84µs/refresh  3.2 calls"), "{t:?}");
        assert!(
            t[1].contains("backing off: slow checks every 20s (PING 7ms"),
            "{t:?}"
        );
        assert!(t[2].contains("INFO clients only (6000 clients"), "{t:?}");
    }
}
