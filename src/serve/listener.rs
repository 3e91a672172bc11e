//! The TCP listener of the server, with one fix-up: requests that HTTP/1
//! cannot even parse (a URI over 64 KiB, headers over the buffer, a broken
//! request line) are answered by hyper itself, before any handler runs, with
//! an empty body. [`JsonErrors`] replaces those bodiless answers with the
//! JSON error every client is promised (`{"error":{"code":…}}`).
//!
//! It recognises them by shape: a head starting `HTTP/1.1 400`, `414` or
//! `431` that carries no `content-type`. The server's own errors always carry
//! `content-type: application/json`, so they pass through untouched; hyper
//! closes the connection after such an answer, so nothing follows it.
//!
//! And one limit: a connection that sends nothing for
//! [`Limits::read_idle`](super::Limits::read_idle) is closed (hyper, as
//! axum runs it, has no header-read timeout of its own), so a request whose
//! headers or body never finish cannot hold a connection for ever.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::future::Future;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

/// A TCP listener whose connections are wrapped in [`JsonErrors`].
#[derive(Debug)]
pub struct JsonErrorListener {
    listener: TcpListener,
    read_idle: Duration,
}

impl JsonErrorListener {
    /// Wraps `listener`; its connections are closed after `read_idle`
    /// without a byte from the client.
    pub fn new(listener: TcpListener, read_idle: Duration) -> Self {
        Self { listener, read_idle }
    }
}

/// The client's socket address (the `ConnectInfo` of [`JsonErrorListener`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

impl Listener for JsonErrorListener {
    type Io = JsonErrors<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (JsonErrors::new(stream).read_idle(self.read_idle), addr);
                }
                // Out of file descriptors and the like: wait and go on
                // (what axum's own TcpListener does).
                Err(e) => {
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

impl Connected<IncomingStream<'_, JsonErrorListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, JsonErrorListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// A connection whose bodiless 400/414/431 answers are replaced by JSON
/// errors, and which ends after a while without a byte from the client
/// (see the module docs).
#[derive(Debug)]
pub struct JsonErrors<S> {
    inner: S,
    /// A replacement still being written.
    pending: Vec<u8>,
    /// Everything after the replaced head is dropped.
    swallow: bool,
    /// How long a read may wait for the client, and the running wait.
    read_idle: Option<Duration>,
    idle_timer: Option<Pin<Box<Sleep>>>,
}

impl<S> JsonErrors<S> {
    /// Wraps a connection (with no idle limit).
    pub fn new(inner: S) -> Self {
        Self { inner, pending: Vec::new(), swallow: false, read_idle: None, idle_timer: None }
    }

    /// Ends the connection (a read error) when the client sends nothing
    /// for `limit`.
    pub fn read_idle(mut self, limit: Duration) -> Self {
        self.read_idle = Some(limit);
        self
    }
}

/// The JSON answer for hyper's bodiless error head in `buf`, if it is one.
pub fn replacement(buf: &[u8]) -> Option<Vec<u8>> {
    let (status, code, message) = if buf.starts_with(b"HTTP/1.1 414 ") {
        ("414 URI Too Long", "uri_too_long", "the request URI is too long")
    } else if buf.starts_with(b"HTTP/1.1 431 ") {
        ("431 Request Header Fields Too Large", "headers_too_large", "the request headers are too large")
    } else if buf.starts_with(b"HTTP/1.1 400 ") {
        ("400 Bad Request", "bad_request", "the request could not be parsed as HTTP/1.1")
    } else {
        return None;
    };
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    if head.contains("\r\ncontent-type:") {
        return None;
    }
    let body = format!(r#"{{"error":{{"code":"{code}","message":"{message}"}}}}"#);
    Some(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nx-content-type-options: nosniff\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<S: AsyncWrite + Unpin> JsonErrors<S> {
    fn flush_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.pending) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.pending.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Pending => {
                let Some(limit) = self.read_idle else { return Poll::Pending };
                let timer = self.idle_timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "no data from the client")))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
            ready => {
                // Data, end of stream or an error: the wait starts afresh.
                self.idle_timer = None;
                ready
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.swallow {
            return match self.flush_pending(cx) {
                Poll::Ready(Ok(())) => Poll::Ready(Ok(buf.len())),
                other => other.map(|r| r.map(|_| buf.len())),
            };
        }
        if let Some(json) = replacement(buf) {
            self.pending = json;
            self.swallow = true;
            let _ = self.flush_pending(cx);
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.flush_pending(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.flush_pending(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replacement;

    #[test]
    fn only_bodiless_error_heads_are_replaced() {
        let hyper = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let json = String::from_utf8(replacement(hyper).unwrap()).unwrap();
        assert!(json.starts_with("HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json\r\n"), "{json}");
        assert!(json.ends_with(r#"{"error":{"code":"uri_too_long","message":"the request URI is too long"}}"#));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 9\r\n\r\n{\"e\":1}";
        assert!(replacement(ours).is_none());
        assert!(replacement(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
    }
}
