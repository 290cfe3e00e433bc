//! The HTTP listener on 127.0.0.1 shared by the demo server and the relay. hyper reads the
//! requests and writes the answers (the same HTTP stack as the control API); each request is
//! answered by a blocking handler on a thread of its own, since the handlers wait on upstream
//! servers, buffers and encoders, and it hands its answer back through a [`Reply`].

use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{mpsc, oneshot};

/// What answers a request: its head, the server's state, where the answer goes. A handler
/// that returns without answering hangs up without a word (a fault the demo server plays).
pub(crate) type Handler<S> = fn(&Head, &S, &mut Reply) -> io::Result<()>;

/// Accepts until dropped; dropping it also closes the connections still open.
pub(crate) struct Loopback {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Loopback {
    /// `keep_alive`: connections carry more than one request (else each answer closes its
    /// connection).
    pub(crate) fn serve<S: Send + Sync + 'static>(
        listener: TcpListener,
        name: &str,
        state: Arc<S>,
        handle: Handler<S>,
        keep_alive: bool,
    ) -> io::Result<Self> {
        listener.set_nonblocking(true)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, mut stopped) = oneshot::channel::<()>();
        let conn_name: Arc<str> = format!("{name}-req").into();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                rt.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    loop {
                        let conn = tokio::select! {
                            c = listener.accept() => c,
                            _ = &mut stopped => return,
                        };
                        let Ok((conn, _)) = conn else {
                            // Out of descriptors, say: give the others a moment to close.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        };
                        let _ = conn.set_nodelay(true);
                        let (state, name) = (state.clone(), conn_name.clone());
                        let service = hyper::service::service_fn(move |req| {
                            answer(req, state.clone(), handle, name.clone())
                        });
                        tokio::spawn(
                            hyper::server::conn::http1::Builder::new()
                                .keep_alive(keep_alive)
                                .timer(TokioTimer::new())
                                .header_read_timeout(Duration::from_secs(30))
                                .serve_connection(TokioIo::new(conn), service),
                        );
                    }
                });
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs the handler on its own thread and waits for its answer's head.
async fn answer<S: Send + Sync + 'static>(
    req: Request<hyper::body::Incoming>,
    state: Arc<S>,
    handle: Handler<S>,
    name: Arc<str>,
) -> io::Result<Response<Out>> {
    let head = Head {
        method: req.method().as_str().to_owned(),
        path: req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned(),
        headers: req.headers().clone(),
    };
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let mut reply = Reply { answer: Some(tx) };
            let _ = handle(&head, &state, &mut reply);
        })?;
    // No answer: hyper closes the connection.
    rx.await
        .map_err(|_| io::Error::new(io::ErrorKind::ConnectionAborted, "hung up"))
}

/// A request's line and headers.
pub(crate) struct Head {
    pub(crate) method: String,
    /// As sent, query included.
    pub(crate) path: String,
    headers: HeaderMap,
}

impl Head {
    /// A header's value (names compare case-insensitively); `None` when it is not text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Where a handler's answer goes: once, whole or as a stream. hyper leaves the body out for
/// HEAD requests and keeps connections alive between requests.
pub(crate) struct Reply {
    answer: Option<oneshot::Sender<Response<Out>>>,
}

impl Reply {
    /// A whole answer. `status` is a status line's code and reason ("502 Prism relay: …": the
    /// player's error message quotes the reason); `headers` are sent besides the type.
    pub(crate) fn whole(
        &mut self,
        status: &str,
        ctype: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> io::Result<()> {
        let body = body.into();
        self.send(
            status,
            ctype,
            headers,
            Out::Whole(Some(body).filter(|b| !b.is_empty())),
        )
    }

    /// An answer whose body is sent as it comes (chunked), through the returned sink; it ends
    /// when the sink is dropped.
    pub(crate) fn stream(
        &mut self,
        status: &str,
        ctype: &str,
        headers: &[(&str, &str)],
    ) -> io::Result<Sink> {
        // Two chunks in flight: a reader that stops reading stops the writer, as a socket would.
        let (tx, rx) = mpsc::channel(2);
        self.send(status, ctype, headers, Out::Stream(rx))?;
        Ok(Sink(tx))
    }

    fn send(
        &mut self,
        status: &str,
        ctype: &str,
        headers: &[(&str, &str)],
        body: Out,
    ) -> io::Result<()> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
        let (code, reason) = status.split_once(' ').unwrap_or((status, ""));
        let code = code
            .parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .ok_or_else(|| bad(status))?;
        let mut resp = Response::new(body);
        *resp.status_mut() = code;
        if code.canonical_reason() != Some(reason)
            && let Ok(reason) = hyper::ext::ReasonPhrase::try_from(reason.as_bytes().to_vec())
        {
            resp.extensions_mut().insert(reason);
        }
        let map = resp.headers_mut();
        for (name, value) in [("content-type", ctype), ("cache-control", "no-cache")]
            .iter()
            .chain(headers)
        {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad(name))?;
            let value = HeaderValue::from_str(value).map_err(|_| bad(value))?;
            map.insert(name, value);
        }
        let answer = self.answer.take().ok_or_else(|| bad("answered twice"))?;
        answer
            .send(resp)
            .map_err(|_| io::ErrorKind::BrokenPipe.into())
    }
}

/// The body of a streamed answer, a piece at a time.
pub(crate) struct Sink(mpsc::Sender<Bytes>);

impl Sink {
    /// Waits while the reader is behind; an error once it has gone.
    pub(crate) fn send(&self, piece: impl Into<Bytes>) -> io::Result<()> {
        let piece = piece.into();
        if piece.is_empty() {
            return Ok(());
        }
        self.0
            .blocking_send(piece)
            .map_err(|_| io::ErrorKind::BrokenPipe.into())
    }
}

/// A response body: whole (its length sent) or streamed.
pub(crate) enum Out {
    Whole(Option<Bytes>),
    Stream(mpsc::Receiver<Bytes>),
}

impl Body for Out {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Out::Whole(body) => Poll::Ready(body.take().map(|b| Ok(Frame::data(b)))),
            Out::Stream(rx) => rx.poll_recv(cx).map(|p| p.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Out::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Out::Whole(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Out::Stream(_) => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::SocketAddr;

    use super::*;

    fn echo(head: &Head, _: &(), out: &mut Reply) -> io::Result<()> {
        match head.path.as_str() {
            "/whole" => out.whole("200 OK", "text/plain", &[], "hello"),
            "/words" => out.whole("502 Prism relay: no server", "text/plain", &[], "no server"),
            "/stream" => {
                let sink = out.stream("200 OK", "video/mp2t", &[])?;
                sink.send("a")?;
                sink.send("bc")
            }
            _ => Ok(()), // hang up
        }
    }

    fn get(addr: SocketAddr, raw: &str) -> String {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(raw.as_bytes()).unwrap();
        let mut s = String::new();
        let _ = c.read_to_string(&mut s);
        s
    }

    #[test]
    fn answers_whole_streamed_with_reasons_and_hangs_up() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let _server = Loopback::serve(l, "test", Arc::new(()), echo, true).unwrap();
        let close = "Connection: close\r\n\r\n";
        let r = get(addr, &format!("GET /whole HTTP/1.1\r\nHost: x\r\n{close}"));
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(
            r.contains("content-length: 5\r\n") && r.ends_with("\r\n\r\nhello"),
            "{r}"
        );
        let r = get(addr, &format!("GET /words HTTP/1.1\r\nHost: x\r\n{close}"));
        assert!(
            r.starts_with("HTTP/1.1 502 Prism relay: no server\r\n"),
            "{r}"
        );
        let r = get(addr, &format!("GET /stream HTTP/1.1\r\nHost: x\r\n{close}"));
        assert!(
            r.contains("transfer-encoding: chunked")
                && r.ends_with("1\r\na\r\n2\r\nbc\r\n0\r\n\r\n"),
            "{r}"
        );
        // HEAD: the head alone.
        let r = get(addr, &format!("HEAD /whole HTTP/1.1\r\nHost: x\r\n{close}"));
        assert!(
            r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("\r\n\r\n"),
            "{r}"
        );
        // Two requests on one connection.
        let r = get(
            addr,
            &format!(
                "GET /whole HTTP/1.1\r\nHost: x\r\n\r\nGET /whole HTTP/1.1\r\nHost: x\r\n{close}"
            ),
        );
        assert_eq!(r.matches("hello").count(), 2, "{r}");
        // No answer: the connection closes without a word; garbage gets a 400.
        assert_eq!(get(addr, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"), "");
        assert!(get(addr, "NOT HTTP\r\n\r\n").starts_with("HTTP/1.1 400"));
    }
}
