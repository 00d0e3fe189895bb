//! `{placeholder}` substitution, per argument, from the config and the target only — never from
//! data read out of Redis. A filled argument stays one argument whatever it contains (`$(…)`,
//! `;`, quotes, spaces): commands run without a shell.

use std::collections::BTreeMap;

/// Placeholders redtriage fills itself.
pub const BUILTIN: &[&str] = &[
    "host",
    "port",
    "db",
    "dir",
    "dbfilename",
    "rdb_path",
    "appenddirname",
    "appendfilename",
    "aof_manifest_or_file",
    "config_file",
    "executable",
    "systemd_unit",
    "target",
    "container",
    "container_image",
    "compose_service",
    "master_name",
];

/// The names used in `arg`; `{{` and `}}` are literal braces.
pub fn names(arg: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = arg;
    while let Some(i) = rest.find(['{', '}']) {
        let after = &rest[i + 1..];
        if rest[i..].starts_with("{{") || rest[i..].starts_with("}}") {
            rest = &after[1..];
            continue;
        }
        if rest.as_bytes()[i] == b'}' {
            return Err(format!("unmatched '}}' in {arg:?}"));
        }
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed '{{' in {arg:?}"))?;
        let name = &after[..end];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("bad placeholder {{{name}}} in {arg:?}"));
        }
        out.push(name);
        rest = &after[end + 1..];
    }
    Ok(out)
}

/// Checks that every placeholder of `arg` is a known name (builtin or in `vars`).
pub fn check_names(arg: &str, vars: &BTreeMap<String, String>) -> Result<(), String> {
    for n in names(arg)? {
        if !BUILTIN.contains(&n) && !vars.contains_key(n) {
            return Err(format!(
                "unknown placeholder {{{n}}} in {arg:?} (known: {}, or define it in [settings.vars])",
                BUILTIN.join(", ")
            ));
        }
    }
    Ok(())
}

/// Fills `arg` from `vars`; a placeholder without a value is an error naming it.
pub fn fill(arg: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if rest[i..].starts_with("{{") || rest[i..].starts_with("}}") {
            out.push(rest.as_bytes()[i] as char);
            rest = &after[1..];
            continue;
        }
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed '{{' in {arg:?}"))?;
        let name = &after[..end];
        let value = vars.get(name).ok_or_else(|| missing(name, vars))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Key under which [`unusable`] keeps a CONFIG value that cannot be passed to a command; not a
/// placeholder name (those are `[A-Za-z0-9_]+`), so never filled from.
pub fn unusable(name: &str) -> String {
    format!("!unusable:{name}")
}

/// Why `{name}` has no value: a CONFIG value it comes from held bytes that only exist here
/// escaped (a path with control bytes or bytes that are not UTF-8: passing the escaped
/// text would name another file), or CONFIG did not give it.
fn missing(name: &str, vars: &BTreeMap<String, String>) -> String {
    let sources: &[&str] = match name {
        "rdb_path" => &["dir", "dbfilename"],
        "aof_manifest_or_file" => &["dir", "appenddirname", "appendfilename"],
        other => &[other],
    };
    for s in sources {
        if let Some(shown) = vars.get(&unusable(s)) {
            return format!(
                "no value for {{{name}}}: the server's {s} is \"{shown}\", bytes a command cannot be given as shown; set {s} in [settings.vars]"
            );
        }
    }
    let others = if name == "config_file" {
        "; or restart it another way (restart-systemd, restart-compose, container-restart)"
    } else {
        ""
    };
    format!(
        "no value for {{{name}}}: the server did not give it and nothing remembered or found says it; pass --redis-conf FILE or set it in [settings.vars]{others}"
    )
}

/// Fills every argument of `argv`.
pub fn fill_argv(argv: &[String], vars: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    argv.iter().map(|a| fill(a, vars)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn fills_per_argument_and_keeps_hostile_values_whole() {
        let v = vars(&[
            ("dir", "/tmp/x; rm -rf / $(reboot) 'a b'"),
            ("port", "6379"),
        ]);
        let argv = vec![
            "ls".to_string(),
            "{dir}/dump.rdb".to_string(),
            "-p{port}".to_string(),
        ];
        let out = fill_argv(&argv, &v).expect("fill");
        assert_eq!(out.len(), 3);
        assert_eq!(out[1], "/tmp/x; rm -rf / $(reboot) 'a b'/dump.rdb");
        assert_eq!(out[2], "-p6379");
    }

    #[test]
    fn literal_braces_and_errors() {
        assert_eq!(fill("{{x}}", &BTreeMap::new()).expect("ok"), "{x}");
        assert!(
            fill("{dir}", &BTreeMap::new())
                .unwrap_err()
                .contains("{dir}")
        );
        assert!(names("{a").is_err());
        assert!(names("{a-b}").is_err());
        assert!(check_names("{nope}", &BTreeMap::new()).is_err());
        assert!(check_names("{port}", &BTreeMap::new()).is_ok());
    }

    #[test]
    fn an_unusable_config_value_is_named_not_filled() {
        let v = vars(&[(&unusable("dir"), r"/d\x1b]0;x\a")]);
        let e = fill("{rdb_path}", &v).unwrap_err();
        assert!(e.contains(r#"dir is "/d\x1b]0;x\a""#), "{e}");
        assert!(fill("{dir}", &v).unwrap_err().contains("set dir in"));
    }
}
