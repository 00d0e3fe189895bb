//! Why the Docker Engine cannot be used, in words the pane shows as they are
//! (`no Docker socket at /var/run/docker.sock`, `permission denied on /var/run/docker.sock`).

/// Where the Engine is: `DOCKER_HOST`, else the default socket.
pub fn host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".into())
}

/// The socket path of a `unix://` host.
pub fn socket_path(host: &str) -> Option<&str> {
    host.strip_prefix("unix://")
}

/// What went wrong talking to the Engine at `host`, escaped.
pub fn reason(err: &bollard::errors::Error, host: &str) -> String {
    use bollard::errors::Error as E;
    let place = socket_path(host).unwrap_or(host);
    let text = match err {
        E::SocketNotFoundError(_) => format!("no Docker socket at {place}"),
        E::RequestTimeoutError => format!("the Docker engine at {place} did not answer in time"),
        E::DockerResponseServerError {
            status_code,
            message,
        } => format!("Docker engine error {status_code}: {message}"),
        E::UnsupportedURISchemeError { uri } => format!("unsupported DOCKER_HOST {uri}"),
        other => io_reason(other, place).unwrap_or_else(|| format!("Docker engine: {other}")),
    };
    crate::escape::plain_str(&text)
}

/// The IO error at the bottom of the chain, in words.
fn io_reason(err: &bollard::errors::Error, place: &str) -> Option<String> {
    let mut cur: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io_words(io.kind(), place, io));
        }
        cur = e.source();
    }
    None
}

fn io_words(kind: std::io::ErrorKind, place: &str, io: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match kind {
        K::NotFound => format!("no Docker socket at {place}"),
        K::PermissionDenied => format!("permission denied on {place}"),
        K::ConnectionRefused => {
            format!("Docker engine not running (connection refused at {place})")
        }
        _ => format!("Docker engine at {place}: {io}"),
    }
}

/// Checks a unix socket before any call, so the reason is exact even when the client library
/// words it differently.
pub async fn precheck(host: &str) -> Result<(), String> {
    let Some(path) = socket_path(host) else {
        return Ok(());
    };
    match tokio::fs::metadata(path).await {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(crate::escape::plain_str(
            &format!("no Docker socket at {path}"),
        )),
        Err(e) => Err(crate::escape::plain_str(&format!(
            "cannot stat {path}: {e}"
        ))),
        Ok(_) => match tokio::net::UnixStream::connect(path).await {
            Ok(_) => Ok(()),
            Err(e) => Err(crate::escape::plain_str(&io_words(e.kind(), path, &e))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn missing_socket_is_named() {
        let r = precheck("unix:///nonexistent/docker.sock").await;
        assert_eq!(
            r,
            Err("no Docker socket at /nonexistent/docker.sock".into())
        );
    }

    #[tokio::test]
    async fn tcp_host_is_not_prechecked() {
        assert_eq!(precheck("tcp://127.0.0.1:2375").await, Ok(()));
    }
}
