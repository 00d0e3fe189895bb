//! The "cost on Redis" lines of the help overlay: redtriage's own cost per refresh (from
//! [`crate::collect::governor`]) and what the governor is holding back, and why.

use ratatui::text::{Line, Span};

use super::format;
use super::theme::Theme;
use crate::collect::governor::SelfCost;

/// Lines for the overlay; one line saying it is not measured yet when `cost` is None.
pub fn lines(cost: Option<&SelfCost>, theme: Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled(
        " redtriage's cost on Redis, per refresh",
        theme.table_header(),
    ))];
    let Some(c) = cost else {
        out.push(Line::from("  not measured yet (needs two slow ticks)"));
        return out;
    };
    let server = c.server_usec_per_refresh.map_or_else(
        || "— (needs two INFO commandstats)".to_string(),
        |us| format!("{us:.0}µs"),
    );
    out.push(Line::from(vec![
        Span::raw("  server "),
        Span::styled(server, theme.key()),
        Span::raw(format!(
            "  calls {:.1}  round trips {:.1}  replies {}",
            c.calls_per_refresh,
            c.round_trips_per_refresh,
            format::bytes(c.reply_bytes_per_refresh.round() as u64)
        )),
    ]));
    let slow = match &c.backoff {
        Some(why) => format!(
            "  slow checks every {}s: backing off ({why})",
            c.slow_interval_secs
        ),
        None => format!("  slow checks every {}s", c.slow_interval_secs),
    };
    out.push(Line::from(slow));
    if let Some(mode) = &c.client_list {
        out.push(Line::from(format!("  {}", mode.describe())));
    }
    out
}
