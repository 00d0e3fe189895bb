//! Figures as people read and type them: bytes, durations, rates, percentages, `—` for none
//! (for the panes, the JSON, messages and reports), and durations as typed in flags and files.
//!
//! Bytes use binary multiples (1 KB = 1024 B) labelled `KB`/`MB`/`GB`, like redis-cli's
//! `used_memory_human`. Numbers keep three significant digits at most, so columns stay narrow.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ratatui::text::Span;

/// Shown for a figure that is not known (never `0`, which would be a lie).
pub const NONE: &str = "—";

/// `512 B`, `512 KB`, `1.5 MB`, `83.0 MB`, `100 MB`, `2.0 GB` (binary multiples).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KB", "MB", "GB", "TB", "PB", "EB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 100.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// A duration given in microseconds: `850µs`, `12.3ms`, `250ms`, `1.25s`, `95s`.
pub fn micros(us: u64) -> String {
    if us < 1000 {
        format!("{us}µs")
    } else if us < 100_000 {
        format!("{:.1}ms", us as f64 / 1000.0)
    } else if us < 1_000_000 {
        format!("{}ms", us / 1000)
    } else if us < 10_000_000 {
        format!("{:.2}s", us as f64 / 1_000_000.0)
    } else {
        format!("{}s", us / 1_000_000)
    }
}

/// `1 command`, `2 commands`: a count with its noun, plural when it is not one.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An age or a timer in seconds, two units at most: `12s`, `4m10s`, `3h05m`, `2d04h`.
pub fn age(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d{h:02}h")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// Server uptime: `3d 04:12:09`, or `04:12:09` under a day.
pub fn uptime(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d {h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// A rate or a large count with sensible precision: `0`, `0.4`, `12.3`, `123`, `1.2k`, `12k`,
/// `1.2M`. Negative and non-finite values (which a correct model never sends) show as `—`.
pub fn num(v: f64) -> String {
    if !v.is_finite() || v < 0.0 {
        return NONE.into();
    }
    if v == 0.0 {
        "0".into()
    } else if v < 10.0 {
        format!("{v:.1}")
    } else if v < 1000.0 {
        format!("{v:.0}")
    } else if v < 10_000.0 {
        format!("{:.1}k", v / 1000.0)
    } else if v < 1_000_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v < 10_000_000.0 {
        format!("{:.1}M", v / 1_000_000.0)
    } else {
        format!("{:.0}M", v / 1_000_000.0)
    }
}

/// A count: exact below 100 000, then `123k`, `1.2M`.
pub fn count(n: u64) -> String {
    if n < 100_000 {
        n.to_string()
    } else {
        num(n as f64)
    }
}

/// A rate per second: `0.4/s`, `1.2k/s`.
pub fn rate(v: f64) -> String {
    format!("{}/s", num(v))
}

/// A percentage with one decimal: `83.1%`.
pub fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1}%")
    } else {
        NONE.into()
    }
}

/// Formats a value when present, `—` otherwise.
pub fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
    v.map_or_else(|| NONE.to_string(), f)
}

/// Display width of a string in terminal cells.
pub fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// Cuts `s` to at most `max` cells, ending with `…` when something was cut. A figure is
/// never cut short: a word with a digit in it that would be cut goes whole (`top: DEBUG ×19`
/// becomes `top: DEBUG …`, never `×1…`, a different number).
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for ch in s.chars() {
        let w = width(ch.encode_utf8(&mut buf));
        if used + w > max - 1 {
            break;
        }
        out.push(ch);
        used += w;
    }
    let cut_inside = s[out.len()..]
        .chars()
        .next()
        .is_some_and(|c| !c.is_whitespace());
    if cut_inside {
        let start = out.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = s[start..]
            .split(char::is_whitespace)
            .next()
            .unwrap_or_default();
        // A figure: a number with its unit or sign (`×19`, `1234/s`, `99.0%`, `≥90`), not a
        // name with digits in it (`"cart:998172"`).
        let figure = word
            .trim_start_matches(['×', '+', '-', '−', '~', '≥', '≤', '<', '>', '('])
            .starts_with(|c: char| c.is_ascii_digit());
        if figure && start > 0 {
            out.truncate(start);
        }
    }
    out.push('…');
    out
}

/// Cuts `s` to at most `max` cells from the left, starting with `…` when something was cut
/// (paths: the end says most).
pub fn truncate_left(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for ch in s.chars().rev() {
        let w = width(ch.encode_utf8(&mut buf));
        if used + w > max - 1 {
            break;
        }
        kept.push(ch);
        used += w;
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// Splits `s` into pieces of at most `max` cells (hard wrap, nothing dropped): commands in a
/// confirmation are shown whole, never cut.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for ch in s.chars() {
        let w = width(ch.encode_utf8(&mut buf));
        if used + w > max && !line.is_empty() {
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        line.push(ch);
        used += w;
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// Splits prose into lines of at most `max` cells at spaces; a word longer than a line is
/// hard-wrapped ([`wrap`]).
pub fn wrap_words(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let need = width(&line) + usize::from(!line.is_empty()) + width(word);
        if need <= max {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        let mut pieces = wrap(word, max);
        line = pieces.pop().unwrap_or_default();
        out.extend(pieces);
    }
    out.push(line);
    out
}

/// Parses `1s`, `500ms`, `2m`, `1h` or plain seconds (`0.5`).
///
/// Not `humantime::parse_duration`: it refuses the fractions (`1.5s`) and the plain seconds
/// (`0.5`, `3`) that `--interval`, `--timeout` and the runbook's `timeout` have always taken.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// Formats a duration for messages: `100ms`, `1s`, `1.5s`.
pub fn format_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

/// A memory size as redis.conf writes it: `2gb`, `512mb`, `100k`, `1024` (bytes).
/// Parses a size; units are case-insensitive: `k`/`m`/`g` are powers of 1000,
/// `kb`/`mb`/`gb` powers of 1024 (redis.conf's rules).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size like 2gb, 512mb or 1048576"))?;
    let mult: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1_000_000,
        "mb" => 1024 * 1024,
        "g" => 1_000_000_000,
        "gb" => 1024 * 1024 * 1024,
        _ => {
            return Err(format!(
                "{s:?}: unknown unit {unit:?} (use b, k, kb, m, mb, g, gb)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// `2026-11-25T20:06:18Z` without a date crate (civil-from-days, Howard Hinnant's algorithm).
#[allow(clippy::many_single_char_names)]
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

    #[test]
    fn a_cut_never_shortens_a_figure() {
        // Seen: `top: DEBUG ×19` cut to `×1…`, another number.
        assert_eq!(truncate("top: DEBUG ×19 (max 1.2s)", 13), "top: DEBUG …");
        assert_eq!(truncate("errors 1234/s", 10), "errors …");
        // Words cut as before; a figure alone is cut (nothing else to show).
        assert_eq!(
            truncate("RedisNotEnoughConnections", 18),
            "RedisNotEnoughCon…"
        );
        assert_eq!(truncate("123456789", 5), "1234…");
        assert_eq!(truncate("used 99.0%", 20), "used 99.0%");
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "command"), "1 command");
        assert_eq!(plural(0, "command"), "0 commands");
        assert_eq!(plural(19, "client"), "19 clients");
    }

    #[test]
    fn wrap_words_breaks_at_spaces() {
        assert_eq!(
            wrap_words("pick a row with j/k", 10),
            vec!["pick a row", "with j/k"]
        );
        assert_eq!(
            wrap_words("abcdefghij kl", 4),
            vec!["abcd", "efgh", "ij", "kl"]
        );
        assert_eq!(wrap_words("", 4), vec![""]);
    }

    #[test]
    fn wrap_keeps_everything() {
        assert_eq!(wrap("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(wrap("", 3), vec![""]);
        assert_eq!(wrap("ab", 0), vec!["a", "b"]);
        assert_eq!(wrap("abcdefg", 3).concat(), "abcdefg");
    }

    #[test]
    fn truncate_left_keeps_the_end() {
        assert_eq!(
            truncate_left("/var/lib/redtriage/log.jsonl", 10),
            "…log.jsonl"
        );
        assert_eq!(truncate_left("short", 10), "short");
        assert_eq!(truncate_left("abc", 0), "");
    }

    #[test]
    fn bytes_use_binary_multiples() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KB");
        assert_eq!(bytes(512 * 1024), "512 KB");
        assert_eq!(bytes(1536 * 1024), "1.5 MB");
        assert_eq!(bytes(83 * 1024 * 1024), "83.0 MB");
        assert_eq!(bytes(100 * 1024 * 1024), "100 MB");
        assert_eq!(bytes(2 * 1024 * 1024 * 1024), "2.0 GB");
        assert_eq!(bytes(u64::MAX), "16.0 EB");
    }

    #[test]
    fn micros_pick_a_unit() {
        assert_eq!(micros(0), "0µs");
        assert_eq!(micros(850), "850µs");
        assert_eq!(micros(12_345), "12.3ms");
        assert_eq!(micros(250_000), "250ms");
        assert_eq!(micros(1_250_000), "1.25s");
        assert_eq!(micros(95_000_000), "95s");
    }

    #[test]
    fn ages_show_two_units() {
        assert_eq!(age(0), "0s");
        assert_eq!(age(12), "12s");
        assert_eq!(age(250), "4m10s");
        assert_eq!(age(3 * 3600 + 5 * 60 + 9), "3h05m");
        assert_eq!(age(2 * 86_400 + 4 * 3600), "2d04h");
    }

    #[test]
    fn uptime_is_days_and_clock() {
        assert_eq!(uptime(3 * 86_400 + 4 * 3600 + 12 * 60 + 9), "3d 04:12:09");
        assert_eq!(uptime(59), "00:00:59");
    }

    #[test]
    fn numbers_keep_three_digits() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(0.44), "0.4");
        assert_eq!(num(12.34), "12");
        assert_eq!(num(123.4), "123");
        assert_eq!(num(1234.0), "1.2k");
        assert_eq!(num(12_345.0), "12k");
        assert_eq!(num(1_234_567.0), "1.2M");
        assert_eq!(num(-1.0), NONE);
        assert_eq!(num(f64::NAN), NONE);
        assert_eq!(rate(0.4), "0.4/s");
        assert_eq!(count(99_999), "99999");
        assert_eq!(count(123_456), "123k");
    }

    #[test]
    fn percent_and_none() {
        assert_eq!(pct(83.14), "83.1%");
        assert_eq!(pct(f64::INFINITY), NONE);
        assert_eq!(opt(None::<u64>, bytes), "—");
        assert_eq!(opt(Some(2048), bytes), "2.0 KB");
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("GET key", 10), "GET key");
        assert_eq!(truncate("GET key", 7), "GET key");
        assert_eq!(truncate("GET key", 6), "GET k…");
        assert_eq!(truncate("GET key", 1), "…");
        assert_eq!(truncate("GET key", 0), "");
        assert_eq!(truncate("µµµµ", 3), "µµ…");
    }

    #[test_case("1s", 1000; "secs")]
    #[test_case("500ms", 500; "millis")]
    #[test_case("2m", 120_000; "minutes")]
    #[test_case("0.5", 500; "plain fraction")]
    #[test_case("3", 3000; "plain int")]
    #[test_case("1.5s", 1500; "fractional secs")]
    fn durations(s: &str, millis: u128) {
        assert_eq!(parse_duration(s).unwrap().as_millis(), millis);
    }

    #[test_case("fast"; "word")]
    #[test_case(""; "empty")]
    #[test_case("1x"; "bad unit")]
    #[test_case("-1s"; "negative")]
    #[test_case("s"; "unit only")]
    fn bad_durations(s: &str) {
        assert_eq!(parse_duration(s), None);
    }

    #[test_case("2gb", 2 * 1024 * 1024 * 1024)]
    #[test_case("512MB", 512 * 1024 * 1024)]
    #[test_case("100k", 100_000)]
    #[test_case("1048576", 1_048_576)]
    #[test_case("0", 0)]
    fn sizes(s: &str, want: u64) {
        assert_eq!(parse_size(s), Ok(want));
    }

    #[test_case("lots")]
    #[test_case("2tb")]
    #[test_case("-1")]
    #[test_case("99999999999999999999gb")]
    fn bad_sizes(s: &str) {
        assert!(parse_size(s).is_err());
    }

    #[test]
    fn formats_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_637_178);
        assert_eq!(rfc3339(t), "2026-11-25T20:06:18Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
