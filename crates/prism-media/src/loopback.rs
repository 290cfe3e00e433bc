//! A thread-per-connection HTTP listener on 127.0.0.1, and the request head reader, shared by
//! the demo server and the relay.

use std::io::{self, BufRead};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Accepts until dropped; each connection is handled on its own thread.
pub(crate) struct Loopback {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Loopback {
    pub(crate) fn serve<S: Send + Sync + 'static>(
        listener: TcpListener,
        name: &str,
        state: Arc<S>,
        handle: fn(TcpStream, &S) -> io::Result<()>,
    ) -> io::Result<Self> {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let conn_name = format!("{name}-conn");
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    for conn in listener.incoming() {
                        if stop.load(Ordering::Acquire) {
                            break;
                        }
                        let Ok(conn) = conn else { continue };
                        let state = state.clone();
                        let _ =
                            std::thread::Builder::new()
                                .name(conn_name.clone())
                                .spawn(move || {
                                    let _ = handle(conn, &state);
                                });
                    }
                })?
        };
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A request's line and headers.
pub(crate) struct Head {
    pub(crate) method: String,
    /// As sent, query included.
    pub(crate) path: String,
    headers: Vec<(String, String)>,
}

impl Head {
    /// A header's value (names compare case-insensitively).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The next request's head, or `None` when the client closed the connection. Headers past
/// 16 KiB are not read.
pub(crate) fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Head>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or("/").to_owned();
    let (mut headers, mut bytes) = (Vec::new(), 0);
    loop {
        let mut h = String::new();
        let n = reader.read_line(&mut h)?;
        bytes += n;
        if n == 0 || h.trim().is_empty() || bytes > 16 * 1024 {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    Ok(Some(Head {
        method,
        path,
        headers,
    }))
}
