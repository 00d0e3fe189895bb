//! Opening one connection to a target: TCP / unix socket / TLS (rustls, with SNI), then AUTH,
//! SELECT and naming the connection `redtriage`, each under the configured timeout. Failures are
//! classified so the header can say `DOWN (refused)`, `UNRESPONSIVE` or `AUTH FAILED`.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::net::{TcpStream, UnixStream};
use tokio::time::timeout;

use super::types::CollectError;
use crate::escape;
use crate::target::{Address, Target, TlsSettings};

/// Where a connection attempt stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The socket connect itself failed or timed out: nothing listens (DOWN).
    Socket(CollectError),
    /// The socket is open but the server did not answer the handshake in time (UNRESPONSIVE).
    NoReply,
    /// AUTH rejected (AUTH FAILED).
    Auth(String),
    /// Anything else during the handshake (TLS, protocol, server error).
    Handshake(CollectError),
}

impl std::fmt::Display for ConnectFailure {
    /// In words for an action's output (`cannot connect: …`), never the variant's name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Socket(e) | Self::Handshake(e) => write!(f, "{e}"),
            Self::NoReply => f.write_str(
                "the port accepts the connection but the server does not answer (hung, or not Redis)",
            ),
            Self::Auth(m) => write!(f, "authentication failed: {m}"),
        }
    }
}

/// The server (or a proxy in front of it) accepted the connection and closed it halfway
/// through a reply: shown as `DOWN (closed in the middle of a reply)`, told apart from
/// "nothing accepts" by the diagnosis.
pub const CUT_MID_REPLY: &str = "closed in the middle of a reply";

/// Classifies a redis-rs error into what a pane can show.
pub fn classify(err: &redis::RedisError) -> CollectError {
    if err.is_timeout() {
        return CollectError::Timeout;
    }
    if err.is_connection_refusal() {
        return CollectError::Refused;
    }
    // The server hung up halfway through a reply: redis-rs reports the cut as a parse error.
    if err.kind() == redis::ErrorKind::Parse && err.to_string().contains("end of input") {
        return CollectError::Connect(CUT_MID_REPLY.into());
    }
    let detail = err.detail().unwrap_or_default();
    match err.code() {
        Some("NOPERM") => CollectError::NoPerm,
        Some("LOADING") => CollectError::Loading,
        Some("WRONGPASS" | "NOAUTH") => CollectError::Auth(escape::plain_str(detail)),
        Some("ERR") if detail.starts_with("unknown command") => CollectError::UnknownCommand,
        Some("ERR")
            if detail.contains("invalid password") || detail.contains("without any password") =>
        {
            CollectError::Auth(escape::plain_str(detail))
        }
        Some(code) => CollectError::Server(escape::plain_str(&format!("{code} {detail}"))),
        None if err.is_io_error() => CollectError::Connect(escape::plain_str(&err.to_string())),
        None => CollectError::Protocol(escape::plain_str(&err.to_string())),
    }
}

/// Runs one command with the timeout; a server error reply becomes an `Err`.
pub async fn query(
    conn: &mut MultiplexedConnection,
    cmd: &redis::Cmd,
    limit: Duration,
) -> Result<redis::Value, CollectError> {
    match timeout(limit, cmd.query_async::<redis::Value>(conn)).await {
        Err(_) => Err(CollectError::Timeout),
        Ok(Err(e)) => Err(classify(&e)),
        Ok(Ok(redis::Value::ServerError(e))) => Err(classify(&e.into())),
        Ok(Ok(v)) => Ok(v),
    }
}

fn io_error(e: &std::io::Error) -> CollectError {
    if e.kind() == std::io::ErrorKind::ConnectionRefused {
        CollectError::Refused
    } else {
        CollectError::Connect(escape::plain_str(&e.to_string()))
    }
}

/// Opens, authenticates and names a connection. The returned driver task ends when the
/// connection is dropped.
async fn connect_once(
    target: &Target,
    limit: Duration,
    name: &str,
) -> Result<MultiplexedConnection, ConnectFailure> {
    let info = redis::RedisConnectionInfo::default().set_skip_set_lib_name();
    let conn = match &target.address {
        Address::Unix { path } => {
            let stream = timeout(limit, UnixStream::connect(path))
                .await
                .map_err(|_| ConnectFailure::Socket(CollectError::Timeout))?
                .map_err(|e| ConnectFailure::Socket(io_error(&e)))?;
            wrap(&info, stream, limit).await?
        }
        Address::Tcp { host, port } => {
            let stream = timeout(limit, TcpStream::connect((host.as_str(), *port)))
                .await
                .map_err(|_| ConnectFailure::Socket(CollectError::Timeout))?
                .map_err(|e| ConnectFailure::Socket(io_error(&e)))?;
            let _ = stream.set_nodelay(true);
            if target.tls.is_none()
                && let Some(e) = greeting_refusal(&stream).await
            {
                return Err(ConnectFailure::Handshake(e));
            }
            match &target.tls {
                None => wrap(&info, stream, limit).await?,
                Some(tls) => {
                    let tls_stream = tls_handshake(stream, host, tls, limit).await?;
                    wrap(&info, tls_stream, limit).await?
                }
            }
        }
    };
    handshake(conn, target, limit, name).await
}

/// The name every connection of redtriage gives itself (`CLIENT LIST`, the slowlog's client
/// name): its own commands are told apart from the application's by it.
pub const CLIENT_NAME: &str = "redtriage";

/// Opens, authenticates and names a connection; when the server hangs up during the
/// handshake, reads why (see [`refusal_reason`]).
pub async fn connect(
    target: &Target,
    limit: Duration,
) -> Result<MultiplexedConnection, ConnectFailure> {
    connect_as(target, limit, CLIENT_NAME).await
}

/// [`connect`] under another client name (the spare connection for actions), named the same
/// way (`HELLO 2 SETNAME` first: no error reply on a server that renamed CLIENT away).
pub async fn connect_as(
    target: &Target,
    limit: Duration,
    name: &str,
) -> Result<MultiplexedConnection, ConnectFailure> {
    match connect_once(target, limit, name).await {
        Err(ConnectFailure::Handshake(CollectError::Connect(m))) => {
            let hung_up = hung_up(&m);
            // TLS 1.3 sends the server's verdict on the client certificate after the handshake.
            if let Some(why) = target
                .tls
                .as_ref()
                .and_then(|tls| super::tls::after_handshake(&m, hung_up, tls))
            {
                return Err(ConnectFailure::Handshake(CollectError::Connect(why)));
            }
            if !hung_up {
                return Err(ConnectFailure::Handshake(CollectError::Connect(m)));
            }
            // Twice: a slot freed between the two connects makes the first probe say nothing.
            let why = match refusal_reason(target, limit).await {
                Some(e) => Some(e),
                None => refusal_reason(target, limit).await,
            };
            Err(ConnectFailure::Handshake(
                why.unwrap_or(CollectError::Connect(m)),
            ))
        }
        // Not Redis on the other end (an HTTP server, a database): say so, with its first words.
        Err(ConnectFailure::Handshake(CollectError::Protocol(_))) => {
            let got = first_words(target, limit).await;
            let why = got.map_or_else(
                || "this port does not speak RESP (Redis's protocol)".to_string(),
                |g| format!("this port does not speak RESP (Redis's protocol): got `{g}`"),
            );
            Err(ConnectFailure::Handshake(CollectError::Protocol(why)))
        }
        other => other,
    }
}

/// What the other end answers a `PING`, its first line (escaped, 40 characters at most): a
/// plain connection only, briefly.
async fn first_words(target: &Target, limit: Duration) -> Option<String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    if target.tls.is_some() {
        return None;
    }
    let Address::Tcp { host, port } = &target.address else {
        return None;
    };
    let wait = limit.min(Duration::from_millis(500));
    let mut s = timeout(wait, TcpStream::connect((host.as_str(), *port)))
        .await
        .ok()?
        .ok()?;
    timeout(wait, s.write_all(b"PING\r\n")).await.ok()?.ok()?;
    let mut buf = vec![0u8; 128];
    let n = timeout(wait, s.read(&mut buf)).await.ok()?.ok()?;
    let line = buf.get(..n)?.split(|b| *b == b'\r' || *b == b'\n').next()?;
    (!line.is_empty()).then(|| crate::format::truncate(&escape::plain(line), 40))
}

/// How long a fresh connection is watched for a refusal the server sends on accept, before
/// anything is written (a local server's `-ERR max number of clients reached` arrives at once).
const GREETING_WAIT: Duration = Duration::from_millis(20);

/// A refusal already waiting on a fresh TCP socket (`-ERR max number of clients reached`); a
/// server that accepted says nothing until asked, so this costs `GREETING_WAIT` per connect.
/// (A unix socket has no async peek here: the probe after a hang-up covers it.)
async fn greeting_refusal(stream: &TcpStream) -> Option<CollectError> {
    let mut buf = [0u8; 128];
    let n = timeout(GREETING_WAIT, stream.peek(&mut buf))
        .await
        .ok()?
        .ok()?;
    let line = buf.get(..n)?.split(|b| *b == b'\r' || *b == b'\n').next()?;
    line.strip_prefix(b"-")
        .map(|t| CollectError::Server(escape::plain(t)))
}

/// A reset, a broken pipe or an early EOF: the server closed the connection on us.
fn hung_up(m: &str) -> bool {
    let m = m.to_ascii_lowercase();
    ["broken pipe", "reset", "unexpected end", "eof", "closed"]
        .iter()
        .any(|w| m.contains(w))
}

/// A server that refuses a client (`maxclients` reached) writes `-ERR max number of clients
/// reached` on accept and closes; a client that writes first gets a reset instead and never
/// sees it. So: a fresh plain connection, nothing written, the first line read (briefly).
async fn refusal_reason(target: &Target, limit: Duration) -> Option<CollectError> {
    use tokio::io::AsyncReadExt as _;
    if target.tls.is_some() {
        return None;
    }
    let wait = limit.min(Duration::from_millis(500));
    let mut buf = vec![0u8; 256];
    let n = match &target.address {
        Address::Tcp { host, port } => {
            let mut s = timeout(wait, TcpStream::connect((host.as_str(), *port)))
                .await
                .ok()?
                .ok()?;
            timeout(wait, s.read(&mut buf)).await.ok()?.ok()?
        }
        Address::Unix { path } => {
            let mut s = timeout(wait, UnixStream::connect(path)).await.ok()?.ok()?;
            timeout(wait, s.read(&mut buf)).await.ok()?.ok()?
        }
    };
    let line = buf.get(..n)?.split(|b| *b == b'\r' || *b == b'\n').next()?;
    let text = line.strip_prefix(b"-")?;
    Some(CollectError::Server(escape::plain(text)))
}

async fn wrap<C>(
    info: &redis::RedisConnectionInfo,
    stream: C,
    limit: Duration,
) -> Result<MultiplexedConnection, ConnectFailure>
where
    C: Unpin + tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    let (conn, driver) = match timeout(
        limit,
        MultiplexedConnection::new_with_config(
            info,
            stream,
            // redis-rs has its own 500 ms response timeout by default: it would cut every
            // `--timeout` above that to 500 ms. The caller's timeout is the only one.
            redis::AsyncConnectionConfig::default()
                .set_response_timeout(None)
                .set_connection_timeout(None),
        ),
    )
    .await
    {
        Err(_) => return Err(ConnectFailure::NoReply),
        Ok(Err(e)) => return Err(ConnectFailure::Handshake(classify(&e))),
        Ok(Ok(pair)) => pair,
    };
    tokio::spawn(driver);
    Ok(conn)
}

async fn handshake(
    mut conn: MultiplexedConnection,
    target: &Target,
    limit: Duration,
    name: &str,
) -> Result<MultiplexedConnection, ConnectFailure> {
    let fail = |e: CollectError| match e {
        CollectError::Timeout => ConnectFailure::NoReply,
        // No password given and the server wants one: say what to do, not HELLO's words.
        CollectError::Auth(_) if target.password.is_none() => ConnectFailure::Auth(
            "the server wants a password (-a, REDISCLI_AUTH or --askpass)".into(),
        ),
        CollectError::Auth(m) => ConnectFailure::Auth(m),
        other => ConnectFailure::Handshake(other),
    };
    if let Some(password) = &target.password {
        let mut auth = redis::cmd("AUTH");
        if let Some(user) = &target.user {
            auth.arg(user);
        }
        auth.arg(password.expose());
        match query(&mut conn, &auth, limit).await {
            Ok(_) => {}
            // A server error to AUTH is an auth failure whatever its code.
            Err(CollectError::Server(m)) => return Err(ConnectFailure::Auth(m)),
            Err(e) => return Err(fail(e)),
        }
    }
    if target.db != 0 {
        query(&mut conn, redis::cmd("SELECT").arg(target.db), limit)
            .await
            .map_err(fail)?;
    }
    // Naming is best effort. `HELLO 2 SETNAME` first (6.0+; it stays RESP2): managed services
    // rename CLIENT away, and a refused `CLIENT SETNAME` on every connection would show in the
    // server's errorstats as redtriage's own error. `CLIENT SETNAME` for older servers.
    match query(
        &mut conn,
        redis::cmd("HELLO").arg(2).arg("SETNAME").arg(name),
        limit,
    )
    .await
    {
        Ok(_) => return Ok(conn),
        Err(CollectError::NoPerm | CollectError::UnknownCommand | CollectError::Server(_)) => {}
        Err(e) => return Err(fail(e)),
    }
    match query(
        &mut conn,
        redis::cmd("CLIENT").arg("SETNAME").arg(name),
        limit,
    )
    .await
    {
        Ok(_)
        | Err(CollectError::NoPerm | CollectError::UnknownCommand | CollectError::Server(_)) => {
            Ok(conn)
        }
        Err(e) => Err(fail(e)),
    }
}

async fn tls_handshake(
    stream: TcpStream,
    host: &str,
    tls: &TlsSettings,
    limit: Duration,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ConnectFailure> {
    let config = super::tls::client_config(tls)
        .map_err(|e| ConnectFailure::Handshake(CollectError::Connect(escape::plain_str(&e))))?;
    let name = tls.sni.clone().unwrap_or_else(|| host.to_string());
    let server_name = rustls::pki_types::ServerName::try_from(name.clone()).map_err(|_| {
        ConnectFailure::Handshake(CollectError::Connect(format!(
            "invalid TLS server name {}",
            escape::quoted(name.as_bytes())
        )))
    })?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match timeout(limit, connector.connect(server_name, stream)).await {
        Err(_) => Err(ConnectFailure::NoReply),
        Ok(Err(e)) => Err(ConnectFailure::Handshake(CollectError::Connect(
            escape::plain_str(&super::tls::handshake_error(&e, tls)),
        ))),
        Ok(Ok(s)) => Ok(s),
    }
}

/// A connection for Sentinel's event channels (RESP2 pub/sub), authenticated like
/// [`connect`]; TCP only (a Sentinel is always reached over the network).
pub async fn pubsub(target: &Target, limit: Duration) -> Result<redis::aio::PubSub, CollectError> {
    let mut info = redis::RedisConnectionInfo::default().set_skip_set_lib_name();
    if let Some(p) = &target.password {
        info = info.set_password(p.expose());
    }
    if let Some(u) = &target.user {
        info = info.set_username(u);
    }
    let Address::Tcp { host, port } = &target.address else {
        return Err(CollectError::Connect(
            "Sentinel events need a TCP address".into(),
        ));
    };
    let stream = timeout(limit, TcpStream::connect((host.as_str(), *port)))
        .await
        .map_err(|_| CollectError::Timeout)?
        .map_err(|e| io_error(&e))?;
    let made = match &target.tls {
        None => timeout(limit, redis::aio::PubSub::new(&info, stream)).await,
        Some(tls) => {
            let s = tls_handshake(stream, host, tls, limit)
                .await
                .map_err(|f| match f {
                    ConnectFailure::Socket(e) | ConnectFailure::Handshake(e) => e,
                    ConnectFailure::NoReply => CollectError::Timeout,
                    ConnectFailure::Auth(m) => CollectError::Auth(m),
                })?;
            timeout(limit, redis::aio::PubSub::new(&info, s)).await
        }
    };
    match made {
        Err(_) => Err(CollectError::Timeout),
        Ok(Err(e)) => Err(classify(&e)),
        Ok(Ok(p)) => Ok(p),
    }
}

/// The server's `run_id` (`INFO server`) on a connection of its own, None when it cannot be
/// had within `limit` (down, hung, no permission): for `snapshot --prometheus` to find the
/// exporter's series by it.
pub async fn run_id(target: &Target, limit: Duration) -> Option<String> {
    let mut conn = connect(target, limit).await.ok()?;
    let v = query(&mut conn, redis::cmd("INFO").arg("server"), limit)
        .await
        .ok()?;
    let bytes = super::poller::bulk_bytes(&v).ok()?;
    super::parse::parse_info(&bytes).run_id
}
