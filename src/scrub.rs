//! Passwords out of the process's own command line. A password given with `-a PASSWORD` or in
//! a URL (`redis://:PASSWORD@host`) is visible to every local user in `ps` and
//! `/proc/<pid>/cmdline` for as long as the process runs. Once the arguments are parsed,
//! [`scrub_own_cmdline`] overwrites the password bytes in place, in the argument block the
//! kernel reads `/proc/<pid>/cmdline` from (as `setproctitle` does): each argument stays at its
//! offset and within its length, the secret part becomes `****` and the rest of its bytes NUL.
//!
//! It narrows the window, it does not close it: between `exec` and the scrub (a few
//! milliseconds) the password is readable, and shell history keeps it. `REDISCLI_AUTH` or
//! `--askpass` remain the safe ways.

/// The mask a secret becomes.
const MASK: &[u8] = b"****";

/// The arguments (program name first) with every password masked: the value after `-a`, an
/// attached `-aPASSWORD`, and the password of any URL (`scheme://user:PASSWORD@…`,
/// `?password=…`). A masked argument is never longer than the original: when `****` would
/// not fit, the whole argument becomes stars of its own length.
pub fn masked_args(args: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(args.len());
    let mut after_a = false;
    for (i, arg) in args.iter().enumerate() {
        let masked = if i == 0 {
            arg.clone()
        } else if after_a {
            MASK.to_vec()
        } else if arg.len() > 2 && arg.starts_with(b"-a") {
            [b"-a", MASK].concat()
        } else {
            match std::str::from_utf8(arg) {
                Ok(s) if s.contains("://") || s.contains("pass") => {
                    crate::target::mask_url(s).into_bytes()
                }
                _ => arg.clone(),
            }
        };
        after_a = i > 0 && arg.as_slice() == b"-a";
        out.push(if masked.len() > arg.len() {
            vec![b'*'; arg.len()]
        } else {
            masked
        });
    }
    out
}

/// Masks the passwords of this process's command line in place (see the module docs).
/// Returns whether anything was masked. Call it before any other thread starts.
#[cfg(target_os = "linux")]
pub fn scrub_own_cmdline() -> std::io::Result<bool> {
    use std::os::unix::ffi::OsStringExt;
    let original: Vec<Vec<u8>> = std::env::args_os().map(OsStringExt::into_vec).collect();
    let masked = masked_args(&original);
    if masked == original {
        return Ok(false);
    }
    let (start, end) = arg_area()?;
    let expected: Vec<u8> = original
        .iter()
        .flat_map(|a| a.iter().copied().chain([0]))
        .collect();
    if end.checked_sub(start) != Some(expected.len()) {
        return Err(std::io::Error::other(
            "the argument block is not where /proc/self/stat says",
        ));
    }
    // SAFETY: [arg_start, arg_end) of /proc/self/stat is this process's argument block: the
    // NUL-terminated argv strings the kernel copied onto the initial stack, mapped readable
    // and writable for the life of the process. It is checked below to hold exactly our
    // arguments before anything is written. No Rust reference into it exists (std keeps raw
    // `argv` pointers and reads them only inside `args_os`), and the caller runs this before
    // any other thread exists, so nothing reads it concurrently.
    let area = unsafe { std::slice::from_raw_parts_mut(start as *mut u8, expected.len()) };
    if area != expected.as_slice() {
        return Err(std::io::Error::other(
            "the argument block does not hold the arguments",
        ));
    }
    let mut offset = 0;
    for (old, new) in original.iter().zip(&masked) {
        let slot = &mut area[offset..offset + old.len()];
        slot.fill(0);
        slot[..new.len()].copy_from_slice(new);
        // Every argument keeps its terminating NUL and its offset, so `argv[i]` still points
        // at argument i.
        offset += old.len() + 1;
    }
    Ok(true)
}

/// Not Linux: nothing to do here (the password stays in `ps`; use `REDISCLI_AUTH`).
#[cfg(not(target_os = "linux"))]
pub fn scrub_own_cmdline() -> std::io::Result<bool> {
    Ok(false)
}

/// `arg_start` and `arg_end` from `/proc/self/stat` (fields 48 and 49, Linux 3.5+).
#[cfg(target_os = "linux")]
fn arg_area() -> std::io::Result<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Field 2 is `(comm)`, which may hold spaces and parentheses: count from after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| std::io::Error::other("unreadable /proc/self/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3.
    let field = |n: usize| -> std::io::Result<usize> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| std::io::Error::other("no arg_start/arg_end in /proc/self/stat"))
    };
    Ok((field(48)?, field(49)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Vec<String> {
        let args: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        masked_args(&args)
            .into_iter()
            .map(|a| String::from_utf8(a).unwrap())
            .collect()
    }

    #[test]
    fn masks_every_form() {
        assert_eq!(
            run(&["rt", "-a", "hunter22", "snapshot"]),
            ["rt", "-a", "****", "snapshot"]
        );
        assert_eq!(run(&["rt", "-ahunter22"]), ["rt", "-a****"]);
        assert_eq!(
            run(&["rt", "redis://u:hunter22@h:1/0"]),
            ["rt", "redis://u:****@h:1/0"]
        );
        assert_eq!(
            run(&["rt", "-u", "unix:///s?password=hunter22"]),
            ["rt", "-u", "unix:///s?password=****"]
        );
        assert_eq!(
            run(&["rt", "snapshot", "--json"]),
            ["rt", "snapshot", "--json"]
        );
    }

    #[test]
    fn never_longer_than_the_original() {
        assert_eq!(run(&["rt", "-a", "xy"]), ["rt", "-a", "**"]);
        assert_eq!(run(&["rt", "redis://:x@h"]), ["rt", "************"]);
        assert_eq!(run(&["rt", "-a", "-a", "pw"]), ["rt", "-a", "**", "**"]);
    }
}
