//! This machine's memory, for the maxmemory suggestions.

/// Total RAM of this machine in bytes, from /proc/meminfo (None elsewhere).
pub fn machine_ram() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
