//! The layer table of docs/ARCHITECTURE.md, enforced: every `crate::…` path (and every
//! `super::…` path that leaves its top-level module) in `src/**/*.rs` must name a module of a
//! layer below the file's own, or one the table lets it use in its own layer. A failure names
//! the file, the line and the two layers. Comments are skipped (a doc link is not an import).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One row of the table: its rank (0 = bottom), name, modules and same-layer edges.
#[derive(Debug)]
struct Layer {
    rank: usize,
    name: String,
    modules: Vec<String>,
    /// (from, to) within this layer.
    same: Vec<(String, String)>,
}

/// The modules between backticks in a table cell.
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Reads the table after the `<!-- layers -->` marker: `| rank | layer | modules | also |`.
fn parse_table(doc: &str) -> Result<Vec<Layer>, String> {
    let start = doc
        .find("<!-- layers -->")
        .ok_or("docs/ARCHITECTURE.md has no <!-- layers --> marker before the layer table")?;
    let mut layers = Vec::new();
    for line in doc[start..].lines().skip(1) {
        let line = line.trim();
        if line.is_empty() && layers.is_empty() {
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Ok(rank) = cells[0].parse::<usize>() else {
            continue; // the header and its --- row
        };
        if cells.len() < 4 {
            return Err(format!(
                "layer row has {} cells, expected 4: {line}",
                cells.len()
            ));
        }
        let same = ticked(cells[3])
            .iter()
            .map(|edge| {
                edge.split_once("→")
                    .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                    .ok_or(format!("same-layer edge `{edge}` is not `a → b`"))
            })
            .collect::<Result<_, _>>()?;
        layers.push(Layer {
            rank,
            name: cells[1].to_string(),
            modules: ticked(cells[2]),
            same,
        });
    }
    if layers.is_empty() {
        return Err("the layer table after <!-- layers --> has no rows".into());
    }
    Ok(layers)
}

/// The source with `//` comments blanked (line numbers kept); string literals are left, as
/// no code here spells `crate::` inside a string.
fn strip_comments(src: &str) -> String {
    src.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first names of the paths in `{a::b, c, d::{e, f}}` starting at `s` (just after `{`).
fn group_heads(s: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut at_item = true;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item = true,
            c if at_item && depth == 0 && (c.is_ascii_alphabetic() || c == '_') => {
                heads.push(ident_at(&s[i..]));
                at_item = false;
            }
            _ => {}
        }
    }
    heads
}

/// A file's module path under src/ (`model/diagnosis/facts.rs` → [model, diagnosis, facts];
/// `model/mod.rs` → [model]; `lib.rs` → []).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Every top-level module a file names, with the line: `crate::x`, `crate::{x, y}`, and
/// `super::…` chains that climb out of the file's own top-level module.
fn imports(rel: &Path, src: &str) -> Vec<(usize, String)> {
    let code = strip_comments(src);
    let own = module_path(rel);
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let before = rest[..i].chars().last();
            let after = &rest[i + "crate::".len()..];
            if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                if after.starts_with('{') {
                    // A group may span lines: read on from here.
                    let offset = code.lines().take(n).map(|l| l.len() + 1).sum::<usize>()
                        + (line.len() - rest.len())
                        + i
                        + "crate::{".len();
                    out.extend(
                        group_heads(&code[offset..])
                            .into_iter()
                            .map(|h| (n + 1, h.to_string())),
                    );
                } else {
                    out.push((n + 1, ident_at(after).to_string()));
                }
            }
            rest = after;
        }
        let mut rest = line;
        while let Some(i) = rest.find("super::") {
            let before = rest[..i].chars().last();
            let mut after = &rest[i..];
            let mut ups = 0;
            while let Some(a) = after.strip_prefix("super::") {
                ups += 1;
                after = a;
            }
            if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                // A file's own module is its path; `super` from a mod.rs is its parent's parent.
                let depth = own.len().saturating_sub(ups);
                if depth == 0 {
                    let heads = match after.strip_prefix('{') {
                        Some(g) => group_heads(g),
                        None => vec![ident_at(after)],
                    };
                    out.extend(heads.into_iter().map(|h| (n + 1, h.to_string())));
                }
            }
            rest = after;
        }
    }
    out.retain(|(_, m)| !m.is_empty() && m != "self");
    out
}

/// Checks the files against the table; every violation as `file:line: message`.
fn check(layers: &[Layer], files: &[(PathBuf, String)]) -> Vec<String> {
    let mut rank: BTreeMap<&str, &Layer> = BTreeMap::new();
    let mut errors = Vec::new();
    for l in layers {
        for m in &l.modules {
            if rank.insert(m, l).is_some() {
                errors.push(format!("docs/ARCHITECTURE.md: `{m}` is in two layers"));
            }
        }
        for (a, b) in &l.same {
            if !l.modules.contains(a) || !l.modules.contains(b) {
                errors.push(format!(
                    "docs/ARCHITECTURE.md: layer {}: edge `{a} → {b}` names a module of another layer",
                    l.name
                ));
            }
            if l.same.contains(&(b.clone(), a.clone())) {
                errors.push(format!(
                    "docs/ARCHITECTURE.md: layer {}: `{a}` and `{b}` may import each other (a cycle)",
                    l.name
                ));
            }
        }
    }
    for (rel, src) in files {
        let own = module_path(rel);
        let Some(top) = own.first() else {
            continue; // lib.rs / main.rs: the crate root declares and uses everything
        };
        let Some(from) = rank.get(top.as_str()) else {
            errors.push(format!(
                "src/{}: module `{top}` is in no layer of docs/ARCHITECTURE.md",
                rel.display()
            ));
            continue;
        };
        for (line, to) in imports(rel, src) {
            if &to == top {
                continue;
            }
            let Some(target) = rank.get(to.as_str()) else {
                continue; // not a module of ours (a macro, `crate::` in a generated path)
            };
            let allowed = target.rank < from.rank
                || (target.rank == from.rank
                    && from.same.iter().any(|(a, b)| a == top && *b == to));
            if !allowed {
                let how = if target.rank == from.rank {
                    "its own layer, and the table allows no such edge"
                } else {
                    "a layer above its own"
                };
                errors.push(format!(
                    "src/{}:{line}: `{top}` (layer {} {}) imports `{to}` (layer {} {}): {how}",
                    rel.display(),
                    from.rank,
                    from.name,
                    target.rank,
                    target.name
                ));
            }
        }
    }
    errors
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).expect("read source");
            out.push((p.strip_prefix(root).expect("under src").to_path_buf(), text));
        }
    }
}

#[test]
fn every_import_goes_down_the_layer_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).expect("read doc");
    let layers = parse_table(&doc).expect("layer table");
    let mut files = Vec::new();
    sources(&root.join("src"), &root.join("src"), &mut files);
    let errors = check(&layers, &files);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // Every top-level module of lib.rs is in the table, and nothing else is.
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("lib.rs");
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    let tabled: BTreeSet<String> = layers.iter().flat_map(|l| l.modules.clone()).collect();
    assert_eq!(
        declared, tabled,
        "lib.rs's modules and the layer table differ"
    );
}

const TABLE: &str = "<!-- layers -->\n\
| rank | layer | modules | may also import |\n\
|---|---|---|---|\n\
| 0 | values | `escape`, `target` | `target → escape` |\n\
| 1 | model | `model` | |\n\
| 2 | ui | `ui` | |\n";

fn one(path: &str, src: &str) -> Vec<String> {
    let layers = parse_table(TABLE).expect("table");
    check(&layers, &[(PathBuf::from(path), src.to_string())])
}

#[test]
fn an_upward_import_fails_naming_the_file_and_line() {
    let errors = one(
        "model/view.rs",
        "use crate::escape;\n\nuse crate::ui::format::bytes;\n",
    );
    assert_eq!(
        errors,
        [
            "src/model/view.rs:3: `model` (layer 1 model) imports `ui` (layer 2 ui): a layer above its own"
        ]
    );
}

#[test]
fn groups_super_chains_and_inline_paths_are_read_and_comments_are_not() {
    let src = "use crate::{\n    escape,\n    ui::Theme,\n};\n/// see [`crate::ui::draw`]\nfn f() { crate::ui::draw(); } // crate::ui\n";
    let errors = one("model/state.rs", src);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("src/model/state.rs:1: "),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("src/model/state.rs:6: "),
        "{errors:?}"
    );
    // super:: that stays inside the module is fine; out of a top-level file it is crate::.
    assert!(
        one(
            "model/diagnosis/facts.rs",
            "use super::super::state::State;\n"
        )
        .is_empty()
    );
    assert_eq!(one("escape.rs", "use super::ui::x;\n").len(), 1);
}

#[test]
fn same_layer_edges_only_as_listed() {
    assert!(one("target/mod.rs", "use crate::escape::plain;\n").is_empty());
    let errors = one("escape.rs", "use crate::target::Target;\n");
    assert!(errors[0].contains("its own layer"), "{errors:?}");
    assert!(one("nowhere.rs", "")[0].contains("in no layer"));
}
