//! The `{placeholders}`' values and where each came from: the target, the server's CONFIG
//! and `INFO server`, what is known without asking it (remembered, its config file, its log:
//! [`crate::collect::known`]), the runbook's `[settings.vars]`, the container; then the paths
//! made of them (`rdb_path`, `aof_manifest_or_file`).

use std::collections::BTreeMap;

use super::placeholders;
use super::prepare::Context;
use crate::collect::known::Source;
use crate::docker::types::ContainerInfo;
use crate::target::Address;

/// A value and where it came from (`from CONFIG GET`, `seen 3d04h ago`).
pub type Sourced = (String, String);

/// Placeholders whose source is the target itself: not worth a line in the confirmation.
const PLAIN: [&str; 4] = ["host", "port", "db", "target"];

/// The names `known` may fill (what the actions take of a server's configuration).
const FROM_KNOWN: [&str; 7] = [
    "dir",
    "dbfilename",
    "appenddirname",
    "appendfilename",
    "config_file",
    "executable",
    "systemd_unit",
];

impl Context<'_> {
    /// An action's title as shown: its `{placeholders}` filled (`docker logs redis-agente
    /// --tail 50`); when one has no value here, the part before `:` (`Container logs`), never
    /// a raw `{container}`.
    pub fn shown_title(&self, title: &str) -> String {
        match super::placeholders::fill(title, &self.vars()) {
            Ok(t) => t,
            Err(_) => title.split(':').next().unwrap_or(title).trim().to_string(),
        }
    }

    /// The `{placeholders}` values: target first, then CONFIG and `INFO server`, then what
    /// is known without asking the server, then the runbook's vars (which win, so a file can
    /// fix what CONFIG cannot tell).
    pub fn vars(&self) -> BTreeMap<String, String> {
        (self.sourced_vars().into_iter())
            .map(|(k, (v, _))| (k, v))
            .collect()
    }

    /// [`Self::vars`] with each value's source.
    pub fn sourced_vars(&self) -> BTreeMap<String, Sourced> {
        let mut v: BTreeMap<String, Sourced> = BTreeMap::new();
        if let Some(n) = &self.master_name {
            // Escaped: it names the master in titles; the commands get it as an argument.
            put(
                &mut v,
                "master_name",
                crate::escape::plain_str(n),
                "from the Sentinels",
            );
        }
        if let Some(t) = self.target {
            put(&mut v, "target", t.display(), "the target");
            put(&mut v, "db", t.db.to_string(), "the target");
            match &t.address {
                Address::Tcp { host, port } => {
                    put(&mut v, "host", host.clone(), "the target");
                    put(&mut v, "port", port.to_string(), "the target");
                }
                Address::Unix { path } => {
                    put(&mut v, "host", path.display().to_string(), "the target");
                }
            }
        }
        self.server_vars(&mut v);
        // What is known without asking the server; for a container, a config file found on
        // this host describes another server: the container's own inspection comes first.
        let from_file =
            |s: &Source| matches!(s, Source::ConfigFile { .. } | Source::Process { .. });
        let known = |v: &mut BTreeMap<String, Sourced>, files: bool| {
            let Some(k) = self.known else {
                return;
            };
            for key in FROM_KNOWN {
                let hidden = v.contains_key(&placeholders::unusable(key));
                if let Some((val, src)) = k.values.get(key)
                    && from_file(src) == files
                    && !v.contains_key(key)
                    && !hidden
                    && !val.is_empty()
                {
                    put(v, key, val.clone(), &src.describe());
                }
            }
        };
        known(&mut v, false);
        if let Some(c) = self.container {
            for (key, val, src) in container_values(c) {
                if !v.contains_key(&placeholders::unusable(key)) {
                    v.entry(key.to_string()).or_insert((val, src.to_string()));
                }
            }
        } else {
            known(&mut v, true);
        }
        for (k, val) in &self.vars {
            put(&mut v, k, val.clone(), "from [settings.vars]");
        }
        if let Some(c) = self.container {
            put(
                &mut v,
                "container",
                c.name.clone(),
                "the container Docker found",
            );
            put(
                &mut v,
                "container_image",
                c.image.clone(),
                "the container Docker found",
            );
            if let Some(svc) = &c.compose_service {
                put(
                    &mut v,
                    "compose_service",
                    svc.clone(),
                    "the container Docker found",
                );
            }
        }
        v.entry("executable".into()).or_insert_with(|| {
            (
                "redis-server".into(),
                "not known: the redis-server on PATH".into(),
            )
        });
        v.entry("systemd_unit".into()).or_insert_with(|| {
            (
                "redis-server".into(),
                "not known: the Debian package's unit".into(),
            )
        });
        derive_paths(&mut v);
        v
    }

    /// What the server said: CONFIG's paths and INFO's config file.
    fn server_vars(&self, v: &mut BTreeMap<String, Sourced>) {
        if let Some(c) = self.config {
            for key in ["dir", "dbfilename", "appenddirname", "appendfilename"] {
                // CONFIG values are kept escaped: the command gets the server's real path
                // (passing the escaped text would name another file), when it is printable
                // UTF-8 (`/srv/données`); control bytes or invalid UTF-8 leave it unfilled.
                let Some(val) = c.get(key).filter(|s| !s.is_empty()) else {
                    continue;
                };
                match crate::escape::original_text(val) {
                    Some(text) => put(v, key, text, "from CONFIG GET"),
                    None => put(v, &placeholders::unusable(key), val.to_string(), ""),
                }
            }
        }
        if let Some(i) = self.info {
            // Not its `executable`: only what is known of it says whether that file exists
            // here (see `collect::known::from_live`).
            for (key, escaped) in [("config_file", &i.config_file)] {
                let Some(val) = escaped.as_deref().filter(|s| !s.is_empty()) else {
                    continue;
                };
                match crate::escape::original_text(val) {
                    Some(text) => put(v, key, text, "from INFO server"),
                    None => put(v, &placeholders::unusable(key), val.to_string(), ""),
                }
            }
        }
    }

    /// The confirmation's lines for the placeholders `argvs` use, each with its value and
    /// source: `{dir} = /var/lib/redis — seen 3d04h ago`.
    pub fn value_lines(&self, argvs: &[Vec<String>]) -> Vec<String> {
        let vars = self.sourced_vars();
        let mut seen = Vec::new();
        for arg in argvs.iter().flatten() {
            for name in placeholders::names(arg).unwrap_or_default() {
                if !seen.contains(&name) && !PLAIN.contains(&name) {
                    seen.push(name);
                }
            }
        }
        (seen.into_iter())
            .filter_map(|n| {
                let (val, src) = vars.get(n)?;
                Some(format!(
                    "{{{n}}} = {} — {src}",
                    crate::escape::plain_str(val)
                ))
            })
            .collect()
    }
}

fn put(v: &mut BTreeMap<String, Sourced>, k: &str, val: String, src: &str) {
    v.insert(k.to_string(), (val, src.to_string()));
}

/// What the container's inspection says of the server's files: its command line's `--dir`,
/// `--dbfilename`, `--appenddirname`, `--appendfilename`, else its working directory as `dir`.
fn container_values(c: &ContainerInfo) -> Vec<(&'static str, String, &'static str)> {
    const ARGS: [&str; 4] = ["dir", "dbfilename", "appenddirname", "appendfilename"];
    let mut out = Vec::new();
    for key in ARGS {
        let flag = format!("--{key}");
        if let Some(val) = (c.command.iter())
            .rposition(|a| *a == flag)
            .and_then(|i| c.command.get(i + 1))
            .filter(|v| !v.is_empty() && !v.starts_with("--"))
        {
            out.push((
                key,
                val.clone(),
                "from the container's command line (docker inspect)",
            ));
        }
    }
    if !out.iter().any(|(k, _, _)| *k == "dir")
        && let Some(w) = &c.working_dir
    {
        out.push((
            "dir",
            w.clone(),
            "the container's working dir (docker inspect)",
        ));
    }
    out
}

/// `rdb_path` and `aof_manifest_or_file` from dir/dbfilename/appenddirname/appendfilename,
/// with the sources of their parts.
fn derive_paths(v: &mut BTreeMap<String, Sourced>) {
    let get = |v: &BTreeMap<String, Sourced>, k: &str| v.get(k).cloned();
    if let (Some(dir), Some(file)) = (get(v, "dir"), get(v, "dbfilename")) {
        let src = parts_source(&[("dir", &dir.1), ("dbfilename", &file.1)]);
        v.entry("rdb_path".into())
            .or_insert((format!("{}/{}", dir.0, file.0), src));
    }
    let default_name = (
        "appendonly.aof".to_string(),
        "the default appendonly.aof".to_string(),
    );
    let file = get(v, "appendfilename").unwrap_or(default_name);
    let aof = match (get(v, "dir"), get(v, "appenddirname")) {
        // 7.0+: multi-part AOF, redis-check-aof takes the manifest.
        (Some(dir), Some(sub)) => Some((
            format!("{}/{}/{}.manifest", dir.0, sub.0, file.0),
            parts_source(&[
                ("dir", &dir.1),
                ("appenddirname", &sub.1),
                ("appendfilename", &file.1),
            ]),
        )),
        (Some(dir), None) => Some((
            format!("{}/{}", dir.0, file.0),
            parts_source(&[("dir", &dir.1), ("appendfilename", &file.1)]),
        )),
        _ => None,
    };
    if let Some(a) = aof {
        v.entry("aof_manifest_or_file".into()).or_insert(a);
    }
}

/// `from CONFIG GET (dir, dbfilename)` when the parts share a source, else each part's.
fn parts_source(parts: &[(&str, &String)]) -> String {
    let first = parts.first().map(|p| p.1);
    if parts.iter().all(|p| Some(p.1) == first) {
        let names: Vec<&str> = parts.iter().map(|p| p.0).collect();
        return format!(
            "{} ({})",
            first.map_or("", |s| s.as_str()),
            names.join(", ")
        );
    }
    (parts.iter())
        .map(|(n, s)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::known::Known;

    #[test]
    fn each_value_says_where_it_came_from_and_a_container_uses_its_inspection() {
        let mut k = Known::default();
        k.values.insert(
            "dir".into(),
            ("/srv/redis".into(), Source::Remembered { age_secs: 7200 }),
        );
        k.values.insert(
            "appenddirname".into(),
            ("appendonlydir".into(), Source::ServerLog),
        );
        k.values.insert(
            "config_file".into(),
            (
                "/etc/redis/redis.conf".into(),
                Source::ConfigFile {
                    path: "/etc/redis/redis.conf".into(),
                    found: "the distribution's default".into(),
                },
            ),
        );
        let ctx = Context {
            known: Some(&k),
            ..Context::default()
        };
        let v = ctx.vars();
        assert_eq!(
            v.get("aof_manifest_or_file").map(String::as_str),
            Some("/srv/redis/appendonlydir/appendonly.aof.manifest")
        );
        assert_eq!(
            v.get("executable").map(String::as_str),
            Some("redis-server")
        );
        let argv = vec![vec![
            "redis-check-aof".into(),
            "{aof_manifest_or_file}".into(),
        ]];
        let lines = ctx.value_lines(&argv);
        assert_eq!(
            lines,
            vec![
                "{aof_manifest_or_file} = /srv/redis/appendonlydir/appendonly.aof.manifest — \
                 dir seen 2h00m ago; appenddirname from the server log; appendfilename the \
                 default appendonly.aof"
                    .to_string()
            ]
        );
        // A container: its inspection, not a config file found on this host.
        let c = ContainerInfo {
            name: "redis-1".into(),
            command: vec![
                "redis-server".into(),
                "--appendonly".into(),
                "yes".into(),
                "--dbfilename".into(),
                "cache.rdb".into(),
            ],
            working_dir: Some("/data".into()),
            ..ContainerInfo::default()
        };
        let mut k2 = k.clone();
        k2.values.remove("dir");
        let ctx = Context {
            known: Some(&k2),
            container: Some(&c),
            ..Context::default()
        };
        let v = ctx.sourced_vars();
        assert_eq!(v["dir"].0, "/data");
        assert!(v["dir"].1.contains("working dir"), "{:?}", v["dir"]);
        assert_eq!(v["rdb_path"].0, "/data/cache.rdb");
        assert!(!v.contains_key("config_file"), "{v:?}");
    }

    #[test]
    fn a_title_shows_its_values_or_only_its_head_never_a_placeholder() {
        let title = "Container logs: docker logs {container} --tail 50";
        let mut ctx = Context::default();
        assert_eq!(ctx.shown_title(title), "Container logs");
        ctx.vars.insert("container".into(), "redis-agente".into());
        assert_eq!(
            ctx.shown_title(title),
            "Container logs: docker logs redis-agente --tail 50"
        );
        assert_eq!(ctx.shown_title("SLOWLOG RESET"), "SLOWLOG RESET");
    }
}
