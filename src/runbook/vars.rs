//! The `{placeholders}`' values and where each came from: the target, the server's CONFIG
//! and `INFO server`, what is known without asking it (remembered, its config file, its log:
//! [`crate::collect::known`]), the runbook's `[settings.vars]`, the container; then the paths
//! made of them (`rdb_path`, `aof_manifest_or_file`).

use std::collections::BTreeMap;

use super::placeholders;
use super::prepare::Context;
use crate::target::Address;

/// A value and where it came from (`from CONFIG GET`, `seen 3d04h ago`).
pub type Sourced = (String, String);

/// Placeholders whose source is the target itself: not worth a line in the confirmation.
const PLAIN: [&str; 4] = ["host", "port", "db", "target"];

/// The names `known` may fill (what the actions take of a server's configuration).
const FROM_KNOWN: [&str; 6] = [
    "dir",
    "dbfilename",
    "appenddirname",
    "appendfilename",
    "config_file",
    "executable",
];

impl Context<'_> {
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
        let put = |v: &mut BTreeMap<String, Sourced>, k: &str, val: String, src: &str| {
            v.insert(k.to_string(), (val, src.to_string()));
        };
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
        if let Some(c) = self.config {
            for key in ["dir", "dbfilename", "appenddirname", "appendfilename"] {
                // CONFIG values are kept escaped: the command gets the server's real path
                // (passing the escaped text would name another file), when it is printable
                // UTF-8 (`/srv/données`); control bytes or invalid UTF-8 leave it unfilled.
                let Some(val) = c.get(key).filter(|s| !s.is_empty()) else {
                    continue;
                };
                match crate::escape::original_text(val) {
                    Some(text) => put(&mut v, key, text, "from CONFIG GET"),
                    None => put(&mut v, &placeholders::unusable(key), val.to_string(), ""),
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
                    Some(text) => put(&mut v, key, text, "from INFO server"),
                    None => put(&mut v, &placeholders::unusable(key), val.to_string(), ""),
                }
            }
        }
        if let Some(k) = self.known {
            for key in FROM_KNOWN {
                let hidden = v.contains_key(&placeholders::unusable(key));
                if let Some((val, src)) = k.values.get(key)
                    && !v.contains_key(key)
                    && !hidden
                    && !val.is_empty()
                {
                    put(&mut v, key, val.clone(), &src.describe());
                }
            }
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
        derive_paths(&mut v);
        v
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
