//! The `PromQL` the Prometheus poller runs: defaults written for the redis exporter's metric
//! names (`oliver006/redis_exporter`), each overridable in the config file's
//! `[prometheus.queries]`. `$SELECTOR` is replaced by the label selector of the instance
//! (`instance="redis:9121"`), or by `instance=~".+"` for the fleet view.
//!
//! Every instant query is grouped `by (instance)` so the same text serves one instance and
//! the fleet.

use std::collections::BTreeMap;

/// Placeholder for the label selector inside a query.
pub const SELECTOR: &str = "$SELECTOR";

/// Selector used by the fleet view: every instance.
pub const FLEET_SELECTOR: &str = "instance=~\".+\"";

/// Names of the instant queries, in the order they run.
pub const INSTANT: [&str; 12] = [
    "up",
    "scrape_up",
    "scrape_age",
    "hit_rate",
    "memory_used",
    "memory_max",
    "memory_percent",
    "clients",
    "clients_percent",
    "evictions",
    "commands",
    "errors_by_err",
];

/// Names of the range queries that backfill the sparklines.
pub const RANGE: [&str; 3] = ["backfill_memory", "backfill_clients", "backfill_hit_rate"];

/// The default query for `name`.
pub fn default_query(name: &str) -> Option<&'static str> {
    Some(match name {
        "up" => "max by (instance) (redis_up{$SELECTOR})",
        "scrape_up" => "max by (instance) (up{$SELECTOR})",
        "scrape_age" => "max by (instance) (time() - timestamp(redis_up{$SELECTOR}))",
        "hit_rate" => {
            "100 * sum by (instance) (rate(redis_keyspace_hits_total{$SELECTOR}[5m])) / \
             (sum by (instance) (rate(redis_keyspace_hits_total{$SELECTOR}[5m])) + \
             sum by (instance) (rate(redis_keyspace_misses_total{$SELECTOR}[5m])))"
        }
        "memory_used" => "sum by (instance) (redis_memory_used_bytes{$SELECTOR})",
        "memory_max" => "sum by (instance) (redis_memory_max_bytes{$SELECTOR})",
        "memory_percent" => {
            "100 * sum by (instance) (redis_memory_used_bytes{$SELECTOR}) / \
             (sum by (instance) (redis_memory_max_bytes{$SELECTOR}) > 0)"
        }
        "clients" => "sum by (instance) (redis_connected_clients{$SELECTOR})",
        "clients_percent" => {
            "100 * sum by (instance) (redis_connected_clients{$SELECTOR}) / \
             (sum by (instance) (redis_config_maxclients{$SELECTOR}) > 0)"
        }
        "evictions" => "sum by (instance) (rate(redis_evicted_keys_total{$SELECTOR}[1m]))",
        "commands" => "sum by (instance) (rate(redis_commands_processed_total{$SELECTOR}[1m]))",
        "errors_by_err" => "sum by (instance, err) (rate(redis_errors_total{$SELECTOR}[5m]))",
        "backfill_memory" => "sum(redis_memory_used_bytes{$SELECTOR})",
        "backfill_clients" => "sum(redis_connected_clients{$SELECTOR})",
        "backfill_hit_rate" => {
            "100 * sum(rate(redis_keyspace_hits_total{$SELECTOR}[1m])) / \
             (sum(rate(redis_keyspace_hits_total{$SELECTOR}[1m])) + \
             sum(rate(redis_keyspace_misses_total{$SELECTOR}[1m])))"
        }
        _ => return None,
    })
}

/// Every query name, instant then range.
pub fn names() -> impl Iterator<Item = &'static str> {
    INSTANT.into_iter().chain(RANGE)
}

/// The queries in use: defaults with the config file's overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queries {
    map: BTreeMap<&'static str, String>,
}

impl Default for Queries {
    fn default() -> Self {
        let map = names()
            .filter_map(|n| default_query(n).map(|q| (n, q.to_string())))
            .collect();
        Self { map }
    }
}

impl Queries {
    /// Defaults with `overrides` (name → `PromQL`); an unknown name is an error naming it.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut q = Self::default();
        for (name, text) in overrides {
            let Some(key) = names().find(|n| *n == name) else {
                return Err(format!(
                    "unknown query \"{}\" (known: {})",
                    crate::escape::plain_str(name),
                    names().collect::<Vec<_>>().join(", ")
                ));
            };
            if text.trim().is_empty() {
                return Err(format!("query \"{key}\" is empty"));
            }
            q.map.insert(key, text.clone());
        }
        Ok(q)
    }

    /// The query `name` with `$SELECTOR` replaced by `selector`.
    pub fn render(&self, name: &str, selector: &str) -> String {
        self.map
            .get(name)
            .map_or_else(String::new, |q| q.replace(SELECTOR, selector))
    }
}

/// Step of the 1 h backfill, whole seconds: at least `interval`, and few enough points to
/// stay under Prometheus's limit of 11,000 points per series (`range / step < 11,000`).
pub fn backfill_step(range_secs: u64, interval_secs: u64) -> u64 {
    let floor = range_secs.div_ceil(10_999).max(1);
    interval_secs.max(floor)
}

/// `v` as a `PromQL` label value between double quotes: `\` and `"` escaped.
pub fn quote_label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Guesses the selector from a Redis address: the exporter's multi-target convention labels
/// `instance` with the Redis address (`redis://host:port` or `host:port`); a single-target
/// exporter on the same host listens on 9121.
pub fn guess_selector(host: &str, port: u16) -> String {
    let mut h = String::new();
    for c in host.chars() {
        if !(c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            h.push_str("\\\\");
        }
        h.push(c);
    }
    if host.contains(':') {
        h = format!("\\\\[{h}\\\\]");
    }
    format!("instance=~\"(redis://)?{h}:({port}|9121)\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_default_with_the_selector() {
        for n in names() {
            let q = default_query(n).expect(n);
            assert!(q.contains(SELECTOR), "{n}");
        }
        let q = Queries::default().render("up", "instance=\"a\"");
        assert_eq!(q, "max by (instance) (redis_up{instance=\"a\"})");
    }

    #[test]
    fn overrides_replace_and_unknown_names_are_refused() {
        let mut o = BTreeMap::new();
        o.insert("up".to_string(), "my_up{$SELECTOR}".to_string());
        let q = Queries::with_overrides(&o).expect("ok");
        assert_eq!(q.render("up", "x=\"1\""), "my_up{x=\"1\"}");
        o.insert("upp".to_string(), "x".to_string());
        let err = Queries::with_overrides(&o).expect_err("unknown");
        assert!(err.contains("unknown query \"upp\""), "{err}");
    }

    #[test]
    fn step_keeps_under_the_point_limit() {
        assert_eq!(backfill_step(3600, 1), 1);
        assert_eq!(backfill_step(3600, 5), 5);
        assert_eq!(backfill_step(86_400 * 2, 1), 16);
        assert!(86_400 * 2 / backfill_step(86_400 * 2, 1) < 11_000);
    }

    #[test]
    fn selector_guess_escapes_the_host() {
        assert_eq!(
            guess_selector("10.0.0.5", 6379),
            "instance=~\"(redis://)?10\\\\.0\\\\.0\\\\.5:(6379|9121)\""
        );
    }
}
