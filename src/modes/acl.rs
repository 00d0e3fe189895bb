//! `redtriage acl`: the two Redis ACL users redtriage needs, as `ACL SETUSER` lines for
//! redis-cli. Both lines come from one table, [`GRANTS`]: the monitoring user gets the rows
//! marked [`Role::Monitor`] (exactly what the poller and the connection handshake run), the
//! operator user gets every row (the monitor's plus every runbook action's Redis commands).
//!
//! Grants are per subcommand (`+client|list`, not `+client`), so the monitoring user can read
//! everything the panes show and change nothing: no `CONFIG SET`, no `CLIENT KILL`, no keys.

/// Who needs a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The read-only monitoring user: the dashboard, `snapshot`, `check`.
    Monitor,
    /// The operator user: additionally the runbook's Redis actions.
    Operator,
}

/// One ACL rule and who needs it.
#[derive(Debug, Clone, Copy)]
pub struct Grant {
    /// The rule as `ACL SETUSER` takes it (`+info`, `+config|get`, `~redtriage:probe:*`).
    pub rule: &'static str,
    /// The least role that needs it (the operator has every monitor grant).
    pub role: Role,
    /// Where redtriage runs it.
    pub used_by: &'static str,
}

const fn monitor(rule: &'static str, used_by: &'static str) -> Grant {
    Grant {
        rule,
        role: Role::Monitor,
        used_by,
    }
}

const fn operator(rule: &'static str, used_by: &'static str) -> Grant {
    Grant {
        rule,
        role: Role::Operator,
        used_by,
    }
}

/// Every grant redtriage needs. Keep in step with `collect/poller*.rs`, `collect/connect.rs`
/// and `collect/ops.rs` (tests/it/acl.rs proves it against a real server: the monitoring
/// user gets no NOPERM in any pane, and no runbook action but `ping` runs as it).
pub const GRANTS: &[Grant] = &[
    monitor("+ping", "poller: every tick; the ping action"),
    monitor("+info", "poller: INFO sections every tick, commandstats"),
    monitor(
        "+hello",
        "connect: names the connection redtriage (HELLO 2 SETNAME)",
    ),
    monitor("+client|setname", "connect: names it on servers before 6.0"),
    monitor(
        "+command|info",
        "poller: which commands exist, once per connection",
    ),
    monitor("+client|list", "poller: the clients pane"),
    monitor("+slowlog|get", "poller: the slowlog pane"),
    monitor("+slowlog|len", "poller: the slowlog pane"),
    monitor("+latency|latest", "poller: the errors/latency pane"),
    monitor("+config|get", "poller: limits, policy, paths"),
    monitor("+select", "connect: a URL with a database number"),
    monitor(
        "+cluster|info",
        "cluster: each node's CLUSTER INFO (Redis Cluster)",
    ),
    monitor("+cluster|nodes", "cluster: each node's view of the others"),
    monitor("+cluster|shards", "cluster: the map's shards (7.0+)"),
    operator("+bgsave", "action bgsave"),
    operator("+bgrewriteaof", "action bgrewriteaof"),
    operator("+config|set", "actions maxmemory, maxmemory-policy"),
    operator("+config|rewrite", "action config-rewrite"),
    operator("+client|kill", "action client-kill"),
    operator("+slowlog|reset", "action slowlog-reset"),
    operator("+memory|purge", "action memory-purge"),
    operator("+latency|reset", "action latency-reset"),
    operator(
        "+replicaof",
        "action replica-promote (REPLICAOF NO ONE, on the replica)",
    ),
    operator("+failover", "action failover (FAILOVER TO host port, 6.2+)"),
    operator(
        "+cluster|failover",
        "actions cluster-failover, -force, -takeover (on the replica)",
    ),
    operator("+set", "action probe (redtriage:probe:* keys only)"),
    operator("+get", "action probe (redtriage:probe:* keys only)"),
    operator("+del", "action probe (redtriage:probe:* keys only)"),
    operator("~redtriage:probe:*", "action probe: its keys and no others"),
];

/// The default user names.
pub const DEFAULT_MONITOR_USER: &str = "redtriage-monitor";
/// See [`DEFAULT_MONITOR_USER`].
pub const DEFAULT_OPERATOR_USER: &str = "redtriage-operator";

/// The password placeholder the lines carry (replace it before pasting).
pub const PASSWORD_PLACEHOLDER: &str = ">CHANGE-ME";

/// The rules of `role`, in table order.
pub fn rules(role: Role) -> Vec<&'static str> {
    GRANTS
        .iter()
        .filter(|g| role == Role::Operator || g.role == Role::Monitor)
        .map(|g| g.rule)
        .collect()
}

/// One `ACL SETUSER` line: enabled, the placeholder password, no keys, no channels, no
/// commands, then the role's grants.
pub fn setuser_line(user: &str, role: Role) -> String {
    let mut words = vec![
        "ACL",
        "SETUSER",
        user,
        "on",
        "resetpass",
        PASSWORD_PLACEHOLDER,
        "resetkeys",
        "resetchannels",
        "-@all",
    ];
    words.extend(rules(role));
    words.join(" ")
}

/// A user name redis-cli takes as one word and ACL accepts: no spaces, quotes, control bytes.
pub fn valid_user(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b'>' | b'<'))
}

/// What `redtriage acl` prints on stdout: the two `ACL SETUSER` lines, nothing else, so the
/// output can be piped to redis-cli once the placeholder is replaced.
pub fn render(monitor_user: &str, operator_user: &str) -> String {
    format!(
        "{}\n{}\n",
        setuser_line(monitor_user, Role::Monitor),
        setuser_line(operator_user, Role::Operator),
    )
}

/// What `redtriage acl` prints on stderr: what the lines are and what to do with them.
pub const ADVICE: &str = "redtriage: line 1 is a read-only monitoring user (dashboard, snapshot, check), \
line 2 an operator user that can also run the runbook's Redis actions (probe keys \
redtriage:probe:* only). Replace CHANGE-ME with a strong password before running them \
(redis-cli, then ACL SAVE or CONFIG REWRITE to keep them); connect with --user NAME and \
REDISCLI_AUTH or --askpass.";

/// `redtriage acl`: the ACL lines on stdout, the advice on stderr.
pub fn print(monitor_user: &str, operator_user: &str) -> std::process::ExitCode {
    print!("{}", render(monitor_user, operator_user));
    eprintln!("{ADVICE}");
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_line_reads_only() {
        let line = setuser_line("m", Role::Monitor);
        assert!(line.starts_with(
            "ACL SETUSER m on resetpass >CHANGE-ME resetkeys resetchannels -@all +ping "
        ));
        for write in [
            "+config|set",
            "+client|kill",
            "+bgsave",
            "+set",
            "~",
            "+slowlog|reset",
        ] {
            assert!(!line.contains(write), "{write} in {line}");
        }
        // Subcommand-level grants only: no bare +client, +config, +slowlog, +latency.
        for bare in ["+client ", "+config ", "+slowlog ", "+latency ", "+memory "] {
            assert!(!format!("{line} ").contains(bare), "{bare} in {line}");
        }
    }

    #[test]
    fn operator_has_every_monitor_grant_and_the_actions() {
        let m = rules(Role::Monitor);
        let o = rules(Role::Operator);
        assert!(m.iter().all(|r| o.contains(r)));
        for r in [
            "+config|set",
            "+client|kill",
            "~redtriage:probe:*",
            "+memory|purge",
        ] {
            assert!(o.contains(&r), "{r}");
        }
        assert!(!o.iter().any(|r| *r == "~*" || *r == "+@all"));
    }

    #[test]
    fn user_names_are_checked() {
        assert!(valid_user("redtriage-monitor"));
        assert!(!valid_user(""));
        assert!(!valid_user("a b"));
        assert!(!valid_user(">x"));
        assert!(!valid_user("a\u{1b}"));
    }
}
