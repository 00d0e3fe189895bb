//! `CLIENT LIST` parser.

use super::plain;
use crate::collect::types::ClientInfo;

/// Parses a `CLIENT LIST` reply: one client per line, `key=value` fields separated by spaces.
/// Tokens without `=` and unknown keys are skipped; a line with no known field yields no client;
/// unparsable numbers are 0.
pub fn parse_client_list(text: &[u8]) -> Vec<ClientInfo> {
    // One line per client; a line is at least ~200 bytes in practice.
    let mut clients = Vec::with_capacity(text.len() / 200 + 1);
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(client) = parse_line(line) {
            clients.push(client);
        }
    }
    clients
}

fn parse_line(line: &[u8]) -> Option<ClientInfo> {
    let mut client = ClientInfo::default();
    let mut known = false;
    for token in line.split(|&b| b == b' ') {
        let Some(eq) = token.iter().position(|&b| b == b'=') else {
            continue;
        };
        known |= apply(&mut client, &token[..eq], &token[eq + 1..]);
    }
    known.then_some(client)
}

/// Stores one field; false when the key is not one redtriage keeps.
fn apply(c: &mut ClientInfo, key: &[u8], v: &[u8]) -> bool {
    match key {
        b"id" => c.id = num(v),
        b"addr" => c.addr = plain(v),
        b"name" => c.name = plain(v),
        b"user" => c.user = plain(v),
        b"cmd" => c.cmd = plain(v),
        b"age" => c.age_secs = num(v),
        b"idle" => c.idle_secs = num(v),
        b"db" => c.db = num(v),
        b"flags" => c.flags = plain(v),
        b"omem" => c.omem = num(v),
        b"qbuf" => c.qbuf = num(v),
        b"tot-mem" => c.tot_mem = num(v),
        _ => return false,
    }
    true
}

/// Parses an unsigned decimal; 0 for anything else.
fn num<T: std::str::FromStr + Default>(bytes: &[u8]) -> T {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CAPTURED: &[u8] = include_bytes!("../../../tests/fixtures/client-list-7.0.txt");

    #[test]
    fn captured_7_0() {
        let clients = parse_client_list(CAPTURED);
        assert_eq!(clients.len(), 6);
        let web2 = &clients[0];
        assert_eq!(web2.id, 83);
        assert_eq!(web2.addr, "127.0.0.1:38454");
        assert_eq!(web2.name, "web-2");
        assert_eq!(web2.user, "default");
        assert_eq!(web2.cmd, "ping");
        assert_eq!(web2.age_secs, 5);
        assert_eq!(web2.idle_secs, 5);
        assert_eq!(web2.db, 1);
        assert_eq!(web2.flags, "N");
        assert_eq!(web2.tot_mem, 1800);
        let last = clients.last().unwrap();
        assert_eq!(last.name, "");
        assert_eq!(last.cmd, "client|list");
        assert_eq!(last.db, 0);
        assert!(last.qbuf > 0);
    }

    #[test]
    fn ten_thousand_clients() {
        let mut text = Vec::new();
        for i in 0..10_000 {
            text.extend_from_slice(
                format!(
                    "id={i} addr=10.0.{}.{}:5{i:04} laddr=10.0.0.1:6379 fd=8 name=w{i} age=9 \
                     idle=1 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 \
                     argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=1800 \
                     events=r cmd=get user=default redir=-1 resp=2\n",
                    i / 256,
                    i % 256
                )
                .as_bytes(),
            );
        }
        let clients = parse_client_list(&text);
        assert_eq!(clients.len(), 10_000);
        assert_eq!(clients[9_999].id, 9_999);
        assert_eq!(clients[9_999].name, "w9999");
    }

    #[test]
    fn hostile_and_malformed() {
        let text = b"id=1 name=a\x1b[2Jb flags=N odd token cmd=get omem=x\r\n\
                     \n\
                     garbage line without fields\n\
                     id=2 tot-mem=-3 db=99999999999 addr=\xe2\x80\xae\n";
        let clients = parse_client_list(text);
        assert_eq!(clients.len(), 2);
        assert_eq!(clients[0].name, r"a\x1b[2Jb");
        assert_eq!(clients[0].cmd, "get");
        assert_eq!(clients[0].omem, 0);
        assert_eq!(clients[1].tot_mem, 0);
        assert_eq!(clients[1].db, 0);
        assert_eq!(clients[1].addr, r"\xe2\x80\xae");
    }

    #[test]
    fn pre_7_0_without_tot_mem() {
        let clients = parse_client_list(b"id=7 addr=1.2.3.4:5 name= age=1 idle=0 flags=N db=2");
        assert_eq!(clients.len(), 1);
        assert_eq!(clients[0].tot_mem, 0);
        assert_eq!(clients[0].db, 2);
        assert_eq!(clients[0].user, "");
    }
}
