//! The listener: axum on its own thread (a one-thread tokio runtime), never in the frame loop.
//! Every request is checked (Host, Origin, the token) before it is read; what it asks goes to
//! the app as an [`Ask`] and the answer comes back on a one-shot channel.

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use prism_core::hub::{self, Call, Incoming, RpcError};
use serde_json::{Value, json};

use super::Ask;

/// How long a request waits for the app (a frame is 16 ms; a command's outcome a frame or two).
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// How long a question to Lumen may take: the language model, then her saying it.
pub(super) const LUMEN_WITHIN: Duration = Duration::from_secs(90);

/// The cookie that carries the token for the phone page (and its WebSocket).
const COOKIE: &str = "prism_token";

struct Shared {
    token: String,
    /// What `Host` (and a page's `Origin`) may name: this listener on loopback, and on the LAN
    /// address when that is on.
    hosts: Vec<String>,
    asks: Sender<Ask>,
    /// Notifications from the frame loop, each already a JSON-RPC text.
    events: tokio::sync::broadcast::Sender<String>,
}

/// Serves on `listener` until `stop` fires (or is dropped): then every connection ends with
/// it, WebSockets too (a new token, or the LAN switched, ends the old ones' access).
pub(super) fn serve(
    listener: std::net::TcpListener,
    token: String,
    hosts: Vec<String>,
    asks: Sender<Ask>,
    events: tokio::sync::broadcast::Sender<String>,
    stop: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let shared = Arc::new(Shared {
            token,
            hosts,
            asks,
            events,
        });
        let app = Router::new()
            .route("/jsonrpc", post(jsonrpc))
            .route("/ws", get(ws))
            .route("/metrics", get(metrics))
            .route("/remote", get(remote))
            .route("/pair", post(pair))
            .layer(DefaultBodyLimit::max(hub::MAX_BODY))
            // MCP's streamable HTTP: the same tools as `prism mcp`, behind the same checks.
            .nest_service("/mcp", super::mcp::over_http(shared.asks.clone()))
            .layer(middleware::from_fn_with_state(shared.clone(), guard))
            .with_state(shared);
        tokio::select! {
            r = axum::serve(listener, app) => r,
            _ = stop => Ok(()),
        }
    })
    // Dropping the runtime cancels what is still running (open WebSockets).
}

/// Host and Origin name this listener (a page elsewhere that resolved its name to loopback is
/// refused: DNS rebinding), then the token.
async fn guard(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let text = |name| {
        h.get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    let host = text(header::HOST).is_some_and(|v| hub::host_allowed(v, &s.hosts));
    let origin = h.get(header::ORIGIN).is_none()
        || text(header::ORIGIN).is_some_and(|o| hub::origin_allowed(o, &s.hosts));
    if !host || !origin {
        return (StatusCode::FORBIDDEN, "not this host\n").into_response();
    }
    // The phone page itself holds no secret, and pairing is how a phone gets the token.
    let path = req.uri().path();
    if (req.method() == Method::GET && path == "/remote")
        || (req.method() == Method::POST && path == "/pair")
    {
        return next.run(req).await;
    }
    let token = text(header::AUTHORIZATION)
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| text(header::COOKIE).and_then(|c| hub::cookie(c, COOKIE)))
        .is_some_and(|t| hub::same_secret(t.trim().as_bytes(), s.token.as_bytes()));
    if !token {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a token is needed: Authorization: Bearer (see prism's hub.json)\n",
        )
            .into_response();
    }
    next.run(req).await
}

async fn jsonrpc(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    match handle(&s, &body).await {
        Some(v) => ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response(),
        // Only notifications: nothing to answer.
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

/// The phone remote: one page, shipped in the binary.
async fn remote() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src * data:; style-src 'unsafe-inline'; \
                 script-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
            ),
        ],
        include_str!("remote.html"),
    )
        .into_response()
}

/// A phone's pairing code: right, the token comes back as a cookie only this listener's pages
/// send (HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it).
async fn pair(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let code = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .filter(|c| hub::pairing_code(c));
    let Some(code) = code else {
        return (StatusCode::BAD_REQUEST, "a code is six digits\n").into_response();
    };
    match ask(&s.asks, Call::Pair(code)).await {
        Ok(_) => (
            [
                (
                    header::SET_COOKIE,
                    format!(
                        "{COOKIE}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict",
                        s.token
                    ),
                ),
                (header::CONTENT_TYPE, "application/json".to_owned()),
            ],
            r#"{"paired":true}"#,
        )
            .into_response(),
        Err(e) => (StatusCode::FORBIDDEN, format!("{}\n", e.message)).into_response(),
    }
}

/// `Prism.GetStats` in Prometheus' text format, for home dashboards (behind the token too).
async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    match ask(&s.asks, Call::Stats).await {
        Ok(stats) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            hub::prometheus(&stats),
        )
            .into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", e.message)).into_response(),
    }
}

/// The same methods on a WebSocket, and the app's notifications (`Player.OnPlay`, ...) as
/// they happen. A client too slow for them misses the oldest, never the app's time.
async fn ws(State(s): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .max_message_size(hub::MAX_BODY)
        .on_upgrade(move |socket| session(s, socket))
}

async fn session(s: Arc<Shared>, mut socket: WebSocket) {
    let mut events = s.events.subscribe();
    loop {
        tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(t))) => {
                    if let Some(r) = handle(&s, t.as_bytes()).await
                        && socket.send(Message::Text(r.to_string().into())).await.is_err()
                    {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            ev = events.recv() => match ev {
                Ok(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
}

/// A body's answers: one, a batch, or none (only notifications).
async fn handle(s: &Shared, body: &[u8]) -> Option<Value> {
    match hub::decode(body) {
        Err(e) => Some(hub::response(&Value::Null, Err(e))),
        Ok(Incoming::One(r)) => answer(s, r).await,
        Ok(Incoming::Batch(rs)) => {
            let mut out = Vec::new();
            for r in rs {
                out.extend(answer(s, r).await);
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
    }
}

/// One request's answer (`None` for a notification, which is still carried out).
async fn answer(s: &Shared, r: hub::Request) -> Option<Value> {
    let result = match r.call {
        Err(e) => Err(e),
        Ok(call) => ask(&s.asks, call).await,
    };
    r.id.map(|id| hub::response(&id, result))
}

/// What `call` gets from the app (or at once, for what needs nothing from it).
pub(super) async fn ask(asks: &Sender<Ask>, call: Call) -> Result<Value, RpcError> {
    match call {
        Call::Ping => return Ok(json!("pong")),
        Call::Version => {
            return Ok(json!({
                "version": { "major": 1, "minor": 0, "patch": 0 },
                "prism": env!("CARGO_PKG_VERSION"),
            }));
        }
        Call::Introspect => return Ok(hub::introspect()),
        _ => {}
    }
    let within = match call {
        Call::Ask(_) => LUMEN_WITHIN,
        _ => ANSWER_WITHIN,
    };
    let (reply, rx) = tokio::sync::oneshot::channel();
    asks.send(Ask { call, reply })
        .map_err(|_| RpcError::unavailable("Prism is shutting down"))?;
    match tokio::time::timeout(within, rx).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(RpcError::unavailable("Prism is shutting down")),
        Err(_) => Err(RpcError::unavailable(format!(
            "the app did not answer within {} s",
            within.as_secs()
        ))),
    }
}
