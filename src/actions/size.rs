//! Memory sizes as redis.conf writes them: `2gb`, `512mb`, `100k`, `1024` (bytes).

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

/// Total RAM of this machine in bytes, from /proc/meminfo (None elsewhere).
pub fn machine_ram() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

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
}
