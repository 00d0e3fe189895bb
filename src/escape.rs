//! Escaping of untrusted bytes before they reach the terminal, a log or a report.
//!
//! The rules are redis-cli's `sdscatrepr`: `\\` and `"` are backslash-escaped, `\n \r \t \a \b`
//! get their C escapes, printable ASCII (0x20..=0x7e) passes through, and every other byte
//! (control bytes, DEL, all bytes >= 0x80 including UTF-8 sequences, so bidi overrides too) is
//! written as `\xHH`. The output is therefore pure printable ASCII and can never form a control
//! sequence.

/// Escapes `bytes` the way redis-cli prints a bulk string, *with* the surrounding quotes:
/// `k\x1b]` becomes `"k\x1b]"`.
pub fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    push_escaped(&mut out, bytes);
    out.push('"');
    out
}

/// Inverse of [`quoted`], written independently of it (the property tests and fuzz targets
/// check one against the other): `None` on anything `quoted` cannot have produced.
pub fn unquote(s: &str) -> Option<Vec<u8>> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?.as_bytes();
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b != b'\\' {
            if b == b'"' {
                return None; // an unescaped quote inside
            }
            out.push(b);
            i += 1;
            continue;
        }
        let esc = *inner.get(i + 1)?;
        i += 2;
        out.push(match esc {
            b'\\' => b'\\',
            b'"' => b'"',
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'a' => 0x07,
            b'b' => 0x08,
            b'x' => {
                let hex = std::str::from_utf8(inner.get(i..i + 2)?).ok()?;
                i += 2;
                u8::from_str_radix(hex, 16).ok()?
            }
            _ => return None,
        });
    }
    Some(out)
}

/// Escapes `bytes` with the same rules as [`quoted`] but without the quotes; used for names and
/// values shown in table cells (client names, error prefixes, config values).
pub fn plain(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    push_escaped(&mut out, bytes);
    out
}

/// [`plain`] for a `&str` that came from outside.
pub fn plain_str(s: &str) -> String {
    plain(s.as_bytes())
}

fn push_escaped(out: &mut String, bytes: &[u8]) {
    use std::fmt::Write as _;
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
}

/// True when `s` contains only bytes that [`plain`] passes through unchanged *and* no
/// backslash or quote, i.e. escaping it would be the identity.
pub fn is_clean(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..=0x7e).contains(&b) && b != b'\\' && b != b'"')
}

/// The text a [`plain`]-escaped value came from, when it is UTF-8 without control or bidi
/// characters: fit to hand to a command as one argument (the terminal still gets the escaped
/// form). `None` otherwise.
pub fn original_text(escaped: &str) -> Option<String> {
    let bytes = unquote(&format!("\"{escaped}\""))?;
    let text = String::from_utf8(bytes).ok()?;
    let bidi = |c: char| matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    (!text.chars().any(|c| c.is_control() || bidi(c))).then_some(text)
}

/// `raw` (text from outside, not escaped) when it can be passed to a command as it is:
/// printable UTF-8, no control or bidi characters.
pub fn usable(raw: &str) -> Option<String> {
    original_text(&plain_str(raw))
}

/// A path for messages, escaped.
pub fn display_path(path: &std::path::Path) -> String {
    plain(path.as_os_str().as_encoded_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_text_only_when_it_is_printable_utf8() {
        let path = "/srv/données/d\"q\\b";
        assert_eq!(original_text(&plain_str(path)).as_deref(), Some(path));
        assert_eq!(original_text("abc").as_deref(), Some("abc"));
        for bad in [
            &b"/d\x1b]0;x\x07"[..],
            b"\xff\xfe",
            "a\u{202e}b".as_bytes(),
            b"a\x7f",
            b"\xc2\x9b",
        ] {
            assert_eq!(original_text(&plain(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn escapes_like_redis_cli() {
        assert_eq!(
            quoted(b"k\x1b]0;PWNED\x07\x1b[2J"),
            r#""k\x1b]0;PWNED\a\x1b[2J""#
        );
    }

    #[test]
    fn utf8_and_bidi_become_hex() {
        assert_eq!(plain("a\u{202e}b".as_bytes()), r"a\xe2\x80\xaeb");
        assert_eq!(plain(b"\x7f\x9b"), r"\x7f\x9b");
    }

    #[test]
    fn specials() {
        assert_eq!(quoted(b"a\"b\\c\n\r\t\x08"), r#""a\"b\\c\n\r\t\b""#);
        assert!(is_clean("abc def"));
        assert!(!is_clean("a\"b"));
    }
}
