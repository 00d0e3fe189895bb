//! Loads a recording for `replay`: the header, then every message rebuilt (INFO parsed again)
//! around one base instant. Everything is checked here, before the terminal changes mode; an
//! error names the file and the line. A last line without its newline that does not parse (the
//! recording process was killed mid-write) is dropped with a warning instead.

use std::path::Path;
use std::time::Instant;

use super::format::{FORMAT, FileHeader, Line};
use crate::msg::Msg;

/// A loaded recording.
#[derive(Debug)]
pub struct Recording {
    pub header: FileHeader,
    /// The instant the messages' times are relative to (the replayed model's start).
    pub base: Instant,
    /// Messages in recorded order, each with its nanoseconds since `base`.
    pub msgs: Vec<(i64, Msg)>,
    /// Something worth saying before the replay starts (a dropped torn last line).
    pub warning: Option<String>,
}

impl Recording {
    /// Nanoseconds from the base to the last message (0 when empty).
    pub fn duration_ns(&self) -> i64 {
        self.msgs.last().map_or(0, |(t, _)| (*t).max(0))
    }
}

/// Reads and checks `path`.
pub fn load(path: &Path) -> Result<Recording, String> {
    let shown = crate::escape::quoted(path.as_os_str().as_encoded_bytes());
    let text = std::fs::read(path).map_err(|e| format!("cannot replay {shown}: {e}"))?;
    parse(&text, &shown, Instant::now())
}

/// Parses a recording's bytes; `shown` names it in errors.
pub fn parse(text: &[u8], shown: &str, base: Instant) -> Result<Recording, String> {
    // `what` can quote the file (serde names an unknown field as written): escaped, since
    // the error goes to the terminal.
    let at = |n: usize, what: &str| {
        format!(
            "cannot replay {shown}, line {n}: {}",
            crate::escape::plain_str(what)
        )
    };
    let mut lines = text.split(|&b| b == b'\n').enumerate().peekable();
    let header: FileHeader = match lines.next() {
        Some((_, first)) if !first.is_empty() => serde_json::from_slice(first)
            .map_err(|e| at(1, &format!("not a redtriage recording ({})", short(&e))))?,
        _ => return Err(at(1, "empty file, not a redtriage recording")),
    };
    if header.redtriage_recording != FORMAT {
        return Err(at(
            1,
            &format!(
                "recording format {} is not the one this redtriage reads ({FORMAT})",
                header.redtriage_recording
            ),
        ));
    }
    let ends_with_newline = text.ends_with(b"\n");
    let mut msgs = Vec::new();
    let mut warning = None;
    while let Some((i, raw)) = lines.next() {
        let n = i + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let torn = lines.peek().is_none() && !ends_with_newline;
        let line: Line = match serde_json::from_slice(raw) {
            Ok(l) => l,
            Err(_) if torn => {
                warning = Some(format!(
                    "{shown}: line {n} was cut off (the recording stopped mid-write); replaying the lines before it"
                ));
                break;
            }
            Err(e) => return Err(at(n, &short(&e))),
        };
        let target = match &line.msg {
            super::format::RecMsg::Tick
            | super::format::RecMsg::ActionStart { .. }
            | super::format::RecMsg::Action { .. }
            | super::format::RecMsg::Group(_) => None,
            super::format::RecMsg::Link { target, .. }
            | super::format::RecMsg::Sample { target, .. } => Some(*target),
        };
        // A group's failovers add targets after the header's (the dashboard followed them).
        if let Some(t) = target.filter(|t| *t >= header.targets.len() && header.group.is_none()) {
            return Err(at(n, &format!("target {t} is not in the header's targets")));
        }
        let msg = line.to_msg(base).map_err(|e| at(n, &e))?;
        msgs.push((line.offset_ns(), msg));
    }
    Ok(Recording {
        header,
        base,
        msgs,
        warning,
    })
}

/// serde's message without its `at line 1 column 5` (the line is ours; the column is kept).
fn short(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rsplit_once(" at line ") {
        Some((msg, _)) => format!("{msg} (column {})", e.column()),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"redtriage_recording":1,"version":"0.1.0","started":"2025-01-01T00:00:00Z","targets":["redis://127.0.0.1:6379/0"]}"#;

    fn load_text(text: &str) -> Result<Recording, String> {
        parse(text.as_bytes(), "\"/tmp/r.jsonl\"", Instant::now())
    }

    #[test]
    fn a_good_file_loads() {
        let text = format!(
            "{HEADER}\n{{\"t_ms\":5,\"wall_ms\":1,\"msg\":{{\"link\":{{\"target\":0,\"event\":{{\"event\":\"connected\"}}}}}}}}\n\n{{\"t_ms\":1000,\"wall_ms\":2,\"msg\":\"tick\"}}\n"
        );
        let rec = load_text(&text).expect("loads");
        assert_eq!(rec.msgs.len(), 2);
        assert_eq!(rec.duration_ns(), 1_000_000_000);
        assert!(rec.warning.is_none());
    }

    #[test]
    fn errors_name_the_file_and_the_line() {
        let cases = [
            ("", "line 1: empty file"),
            ("{\"x\":1}\n", "line 1: not a redtriage recording"),
            (
                &HEADER.replace("\"redtriage_recording\":1", "\"redtriage_recording\":9"),
                "line 1: recording format 9",
            ),
            (
                &format!("{HEADER}\n{{\"t_ms\":1,\"wall_ms\":1,\"msg\":\"tick\"}}\nnot json\n"),
                "line 3: expected",
            ),
            (
                &format!(
                    "{HEADER}\n{{\"t_ms\":1,\"wall_ms\":1,\"msg\":{{\"link\":{{\"target\":3,\"event\":{{\"event\":\"connected\"}}}}}}}}\n"
                ),
                "line 2: target 3 is not in the header",
            ),
        ];
        for (text, want) in cases {
            let e = load_text(text).expect_err(want);
            assert!(e.starts_with("cannot replay \"/tmp/r.jsonl\", "), "{e}");
            assert!(e.contains(want), "{e} / {want}");
        }
    }

    /// Found by the `recording` fuzz target: serde's message quoted an unknown field name with
    /// its control bytes, and `replay` printed it to the terminal.
    #[test]
    fn errors_escape_what_the_file_says() {
        let header = HEADER.replace(
            "\"targets\"",
            "\"thresholds\":{\"x\\u001b]0;PWNED\\u0007\\r\":1},\"targets\"",
        );
        let line = "{\"t_ms\":1,\"wall_ms\":1,\"msg\":{\"evil\\u001b[2J\":1}}";
        for text in [header.clone(), format!("{HEADER}\n{line}\n")] {
            let e = load_text(&text).expect_err("unknown field");
            assert!(e.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{e:?}");
            assert!(e.contains(r"\x1b"), "{e}");
        }
    }

    #[test]
    fn a_torn_last_line_is_dropped_with_a_warning() {
        let text =
            format!("{HEADER}\n{{\"t_ms\":1,\"wall_ms\":1,\"msg\":\"tick\"}}\n{{\"t_ms\":2,\"wa");
        let rec = load_text(&text).expect("loads");
        assert_eq!(rec.msgs.len(), 1);
        assert!(rec.warning.expect("warned").contains("line 3 was cut off"));
    }
}
