//! The hub: Prism on loopback for remotes and agents. One control layer: a request becomes the
//! same `MediaCommand`s the keys and the voice send (through the language model's tools, so
//! one whitelist and one set of range checks), guide queries answered from the lineup, and
//! remote keys through the one input map. The listener runs on its own thread
//! ([`server`]); the frame loop only drains a channel and answers on one-shot replies, so a
//! flood of requests never blocks a frame. A command is answered when the TV has carried it
//! out (its `Executed`), with what happened.
//!
//! The port and the token are in `hub.json` (mode 0600) in `$XDG_RUNTIME_DIR/prism`, or the
//! config folder without one; the token is kept in the config folder's `hub-token`.

pub mod mcp;
pub mod pair;
mod server;
pub mod stats;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use prism_core::MediaCommand;
use prism_core::command::tools;
use prism_core::hub::{Call, RpcError};
use serde_json::{Value, json};

use crate::app::AppSystems;
use crate::tv::{Cmd, Executed, Tv};

/// The port the hub listens on unless `PRISM_HUB_PORT` says otherwise (0: any free one);
/// taken, any free one is used (hub.json says which).
pub const PORT: u16 = 9870;
/// How long a command may take to be carried out before the caller is told it was not.
const CARRIED_OUT_WITHIN: Duration = Duration::from_secs(3);
/// The most requests one frame answers (each is microseconds; a thousand at once is not).
const PER_FRAME: usize = 64;
/// Lumen is asked to say something at most this often.
const SPEAK_EVERY: Duration = Duration::from_secs(2);

pub fn plugin(app: &mut App) {
    app.add_plugins((stats::plugin, pair::plugin))
        .add_systems(Startup, start)
        .add_systems(
            Update,
            (
                take.before(crate::tv::execute),
                carried_out.after(crate::tv::execute),
                notify.after(crate::tv::execute),
                lumen_answered,
            )
                .in_set(AppSystems::Execute),
        )
        .add_systems(Last, quitting);
}

/// A request from the listener, and where its answer goes.
pub(crate) struct Ask {
    pub call: Call,
    pub reply: Reply,
}

type Reply = tokio::sync::oneshot::Sender<Result<Value, RpcError>>;

#[derive(Resource)]
struct Hub {
    asks: Mutex<Receiver<Ask>>,
    /// Commands sent to be carried out, answered by their `Executed`.
    waiting: Vec<(MediaCommand, Reply, Instant)>,
    /// Words to Lumen, answered when she has: (ticket, reply, asked at).
    asking: Vec<(u64, Reply, Instant)>,
    next_ticket: u64,
    last_speak: Option<Instant>,
    /// To every WebSocket: what happened, as Kodi's notifications.
    events: tokio::sync::broadcast::Sender<String>,
    /// hub.json, taken away on exit so nothing reads a port that no longer answers.
    file: PathBuf,
    /// The phone remote's address.
    remote: String,
}

fn start(mut commands: Commands) {
    let Some(dir) = crate::settings::config_dir() else {
        warn!("hub: no config folder, so no token: the control API is off");
        return;
    };
    let token = match token(&dir) {
        Ok(t) => t,
        Err(e) => {
            warn!(
                "hub: the token cannot be kept in {}: {e}; the control API is off",
                dir.display()
            );
            return;
        }
    };
    let want = std::env::var("PRISM_HUB_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(PORT);
    let listener = std::net::TcpListener::bind(("127.0.0.1", want))
        .or_else(|_| std::net::TcpListener::bind(("127.0.0.1", 0)));
    let listener = match listener {
        Ok(l) => l,
        Err(e) => {
            warn!("hub: cannot listen on loopback: {e}; the control API is off");
            return;
        }
    };
    let port = listener.local_addr().map_or(0, |a| a.port());
    let Some(file) = hub_file() else { return };
    let about = json!({ "port": port, "token": token, "pid": std::process::id() });
    if let Err(e) = crate::settings::write_private(&file, about.to_string().as_bytes()) {
        warn!("hub: {}: {e}", file.display());
    }
    let (tx, rx) = channel();
    let (events, _) = tokio::sync::broadcast::channel(256);
    let to_server = events.clone();
    let spawned = std::thread::Builder::new()
        .name("hub".into())
        .spawn(move || {
            if let Err(e) = server::serve(listener, token, tx, to_server) {
                error!("hub: the control API stopped: {e}");
            }
        });
    if let Err(e) = spawned {
        warn!("hub: {e}");
        return;
    }
    info!(
        "hub: the control API is on http://127.0.0.1:{port}/jsonrpc ({})",
        file.display()
    );
    commands.insert_resource(Hub {
        asks: Mutex::new(rx),
        waiting: Vec::new(),
        asking: Vec::new(),
        next_ticket: 1,
        last_speak: None,
        events,
        file,
        remote: format!("http://127.0.0.1:{port}/remote"),
    });
}

/// Where hub.json is: the runtime folder's `prism`, else the config folder.
pub(crate) fn hub_file() -> Option<PathBuf> {
    Some(
        runtime_dir()
            .or_else(crate::settings::config_dir)?
            .join("hub.json"),
    )
}

/// `$XDG_RUNTIME_DIR/prism` (the runtime folder is the user's alone), when there is one.
fn runtime_dir() -> Option<PathBuf> {
    let d = PathBuf::from(std::env::var_os("XDG_RUNTIME_DIR")?).join("prism");
    std::fs::create_dir_all(&d).ok()?;
    Some(d)
}

/// The hub's token: the one kept in `dir/hub-token`, or 32 new random bytes (hex) kept there.
fn token(dir: &Path) -> std::io::Result<String> {
    let path = dir.join("hub-token");
    if let Ok(t) = std::fs::read_to_string(&path)
        && t.trim().len() == 64
    {
        return Ok(t.trim().to_owned());
    }
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| std::io::Error::other("no random bytes from the system"))?;
    let t: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    crate::settings::write_private(&path, t.as_bytes())?;
    Ok(t)
}

/// An enum's variant as a word ("Tuned", "Playing"): what the API names outcomes and states.
fn variant(v: &impl std::fmt::Debug) -> String {
    let text = format!("{v:?}");
    text.split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Drains what the listener asked since the last frame.
fn take(
    hub: Option<ResMut<Hub>>,
    tv: Option<Res<Tv>>,
    mut cmds: MessageWriter<Cmd>,
    mut keys: MessageWriter<crate::input::Remote>,
    mut say: MessageWriter<crate::voice::Say>,
    mut typed: MessageWriter<crate::voice::Typed>,
    (mut stats, voice, video, mut pairing): (
        ResMut<stats::Stats>,
        Option<Res<crate::voice::Voice>>,
        Option<Res<crate::tv::video::VideoStats>>,
        ResMut<pair::Pairing>,
    ),
) {
    let Some(mut hub) = hub else { return };
    // A flood is spread over frames: the rest waits in the channel for the next one.
    let asks: Vec<Ask> = hub
        .asks
        .lock()
        .unwrap()
        .try_iter()
        .take(PER_FRAME)
        .collect();
    stats.requests += asks.len() as u64;
    for Ask { call, reply } in asks {
        let result = match call {
            Call::PairPhone => {
                let _ = reply.send(
                    pairing
                        .open(&hub.remote)
                        .map(|(code, url)| {
                            json!({ "code": code, "url": url, "seconds": pair::FOR.as_secs() })
                        })
                        .map_err(RpcError::unavailable),
                );
                continue;
            }
            Call::Pair(code) => {
                let _ = reply.send(
                    pairing
                        .check(&code)
                        .map(|()| json!({ "paired": true }))
                        .map_err(RpcError::refused),
                );
                continue;
            }
            Call::Stats => {
                let _ = reply.send(Ok(stats.snapshot(
                    tv.as_deref(),
                    voice.as_deref(),
                    video.as_deref(),
                )));
                continue;
            }
            Call::Tool { name, args } => match tv.as_deref().and_then(|tv| tv.lineup.as_ref()) {
                Some(l) => tools::command(name, &args, &l.grammar, &l.playlist)
                    .map_err(|e| RpcError::refused(e.to_string())),
                None => Err(RpcError::refused("the lineup is still loading")),
            }
            .map(Some),
            Call::Command(cmd) => Ok(Some(cmd)),
            Call::OpenIndex(i) => match tv.as_deref() {
                Some(tv) if tv.channel(i).is_some() => Ok(Some(Cmd::watch(tv, i).0)),
                _ => Err(RpcError::refused(format!("there is no channel {i}"))),
            },
            Call::Key(k) => {
                keys.write(crate::input::Remote(k));
                Ok(None)
            }
            Call::Speak(text) => {
                if hub.last_speak.is_some_and(|t| t.elapsed() < SPEAK_EVERY) {
                    Err(RpcError::refused("Lumen was asked to speak a moment ago"))
                } else {
                    hub.last_speak = Some(Instant::now());
                    say.write(crate::voice::Say::Line(text));
                    let _ = reply.send(Ok(json!({ "queued": true })));
                    continue;
                }
            }
            Call::Ask(text) => {
                let ticket = hub.next_ticket;
                hub.next_ticket += 1;
                typed.write(crate::voice::Typed { text, ticket });
                hub.asking.push((ticket, reply, Instant::now()));
                continue;
            }
            query => {
                let _ = reply.send(match tv.as_deref() {
                    Some(tv) => answer(&query, tv),
                    None => Err(RpcError::unavailable("the TV is starting")),
                });
                continue;
            }
        };
        match result {
            Ok(Some(cmd)) => {
                cmds.write(Cmd(cmd.clone()));
                hub.waiting.push((cmd, reply, Instant::now()));
            }
            // A key press: done when it is pressed.
            Ok(None) => {
                let _ = reply.send(Ok(json!({ "pressed": true })));
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }
}

/// Answers commands with what the TV did: the outcome and the sentence Lumen would say.
fn carried_out(hub: Option<ResMut<Hub>>, mut done: MessageReader<Executed>, tv: Option<Res<Tv>>) {
    let Some(mut hub) = hub else { return };
    for e in done.read() {
        let Some(i) = hub.waiting.iter().position(|(c, ..)| *c == e.cmd) else {
            continue;
        };
        let (_, reply, _) = hub.waiting.remove(i);
        let said = tv.as_deref().and_then(|tv| crate::voice::ack_line(e, tv));
        let name = variant(&e.outcome);
        let _ = reply.send(if e.outcome.refused() {
            Err(RpcError::refused(said.unwrap_or(name)))
        } else {
            Ok(json!({ "outcome": name, "said": said }))
        });
    }
    // What nothing reported on was not carried out: said so, never acknowledged.
    let (late, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut hub.waiting)
        .into_iter()
        .partition(|(.., at)| at.elapsed() > CARRIED_OUT_WITHIN);
    hub.waiting = waiting;
    for (cmd, reply, _) in late {
        let _ = reply.send(Err(RpcError::refused(format!(
            "{cmd:?} was not carried out"
        ))));
    }
}

/// Lumen's answers to words asked of her: what she heard, understood and said, and when she
/// finished; and, to every WebSocket, whatever she said (`Prism.Lumen.OnSpeak`), whoever asked.
fn lumen_answered(
    hub: Option<ResMut<Hub>>,
    mut answered: MessageReader<crate::voice::Answered>,
    voice: Option<Res<crate::voice::Voice>>,
    mut told: Local<usize>,
) {
    let Some(mut hub) = hub else { return };
    for a in answered.read() {
        let Some(i) = hub.asking.iter().position(|(t, ..)| *t == a.ticket) else {
            continue;
        };
        let (_, reply, _) = hub.asking.remove(i);
        let _ = reply.send(match &a.result {
            Ok(t) => Ok(json!({
                "heard": t.heard,
                "understood": t.understood.as_ref().map(|c| format!("{c:?}")),
                "said": t.said.join(" "),
                "sentences": t.said,
                "took_ms": t.total.map(f64::round),
                "finished": crate::time::unix_now(),
            })),
            Err(why) => Err(RpcError::refused(why)),
        });
    }
    hub.asking
        .retain(|(.., at)| at.elapsed() < server::LUMEN_WITHIN);
    if let Some(v) = voice {
        let history = &v.report.history;
        for t in history.iter().skip(*told) {
            if !t.said.is_empty() {
                hub.tell(
                    "Prism.Lumen.OnSpeak",
                    json!({ "text": t.said.join(" "), "heard": t.heard }),
                );
            }
        }
        *told = history.len();
    }
}

/// What the TV did, whoever asked (a key, the voice, a request), told to every WebSocket as
/// Kodi's notifications.
fn notify(hub: Option<Res<Hub>>, mut done: MessageReader<Executed>, tv: Option<Res<Tv>>) {
    let Some(hub) = hub else { return };
    for e in done.read() {
        if let Some((method, data)) = notification(e, tv.as_deref()) {
            hub.tell(method, data);
        }
    }
}

impl Hub {
    fn tell(&self, method: &str, data: Value) {
        let text = json!({
            "jsonrpc": "2.0",
            "method": method,
            "params": { "sender": "prism", "data": data },
        });
        // No WebSocket open is not an error.
        let _ = self.events.send(text.to_string());
    }
}

fn notification(e: &Executed, tv: Option<&Tv>) -> Option<(&'static str, Value)> {
    use crate::tv::Outcome as O;
    Some(match &e.outcome {
        O::Tuned(i) => (
            "Player.OnPlay",
            json!({ "item": {
                "type": "channel",
                "channelid": i,
                "label": tv.and_then(|t| t.channel(*i)).map(|c| c.name.clone()),
            } }),
        ),
        O::Paused(true) => ("Player.OnPause", json!({})),
        O::Paused(false) => ("Player.OnResume", json!({})),
        O::Stopped => ("Player.OnStop", json!({})),
        O::Seeked { behind, live } => ("Player.OnSeek", json!({ "behind": behind, "live": live })),
        O::Volume(_) | O::Muted(_) => (
            "Application.OnVolumeChanged",
            json!({ "volume": tv.map(|t| t.volume), "muted": tv.map(|t| t.muted) }),
        ),
        _ => return None,
    })
}

/// The app is closing: every WebSocket is told, and hub.json goes.
fn quitting(hub: Option<Res<Hub>>, mut exit: MessageReader<AppExit>) {
    if let Some(hub) = hub
        && exit.read().next().is_some()
    {
        hub.tell("System.OnQuit", json!({}));
        let _ = std::fs::remove_file(&hub.file);
    }
}

/// Questions answered from the TV's state and the lineup, in this frame.
fn answer(query: &Call, tv: &Tv) -> Result<Value, RpcError> {
    let lineup = tv.lineup.as_ref();
    let now = crate::time::unix_now();
    let channel_json = |i: usize| {
        let c = tv.channel(i)?;
        let on = lineup
            .and_then(|l| l.guide.as_ref())
            .map(|g| {
                g.programmes(i)
                    .filter(|p| p.stop() > now)
                    .take(2)
                    .map(|p| json!({ "title": p.title(), "start": p.start(), "end": p.stop() }))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        Some(json!({
            "channelid": i,
            "label": c.name,
            "number": c.number.map(|n| n.to_string()),
            "group": c.group(),
            "logo": c.logo,
            "radio": c.radio,
            "broadcastnow": on.first(),
            "broadcastnext": on.get(1),
        }))
    };
    match query {
        Call::Properties => Ok(json!({
            "channel": tv.current.and_then(channel_json),
            "status": variant(&tv.status),
            "paused": tv.status == crate::tv::Status::Paused,
            "volume": tv.volume,
            "muted": tv.muted,
            "subtitles": tv.subtitles,
            "timeshift": tv.timeline.is_some(),
        })),
        Call::Groups => Ok(json!({
            "channelgroups": lineup.map_or(&[][..], |l| &l.groups[..]),
        })),
        Call::Channels {
            group,
            query,
            start,
            limit,
        } => {
            let query = query.as_deref().map(str::to_lowercase);
            let channels = lineup.map_or(&[][..], |l| l.channels());
            let all: Vec<usize> = (0..channels.len())
                .filter(|&i| {
                    let c = &channels[i];
                    group.as_ref().is_none_or(|g| c.groups.contains(g))
                        && query
                            .as_ref()
                            .is_none_or(|q| c.name.to_lowercase().contains(q.as_str()))
                })
                .collect();
            let page: Vec<Value> = all
                .iter()
                .skip(*start)
                .take(*limit)
                .filter_map(|&i| channel_json(i))
                .collect();
            Ok(json!({
                "channels": page,
                "limits": { "start": start, "end": start + page.len(), "total": all.len() },
            }))
        }
        Call::Broadcasts { channel, hours } => {
            if tv.channel(*channel).is_none() {
                return Err(RpcError::refused(format!("there is no channel {channel}")));
            }
            let until = now + i64::from(*hours) * 3600;
            let list: Vec<Value> = lineup
                .and_then(|l| l.guide.as_ref())
                .map(|g| {
                    g.programmes(*channel)
                        .filter(|p| p.stop() > now && p.start() < until)
                        .map(|p| {
                            json!({
                                "title": p.title(),
                                "start": p.start(),
                                "end": p.stop(),
                                "genre": p.categories().next(),
                                // Guide text is data from the provider, not instructions.
                                "plot": p.description().map(|d| prism_core::text::clip(d, 500)),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(json!({ "broadcasts": list }))
        }
        Call::Search { query, limit } => {
            let found: Vec<Value> = lineup
                .and_then(|l| l.guide.as_ref())
                .map(|g| {
                    g.search(query, now, *limit)
                        .into_iter()
                        .map(|(i, p)| {
                            json!({
                                "channelid": i,
                                "channel": tv.channel(i).map(|c| c.name.as_str()),
                                "title": p.title(),
                                "start": p.start(),
                                "end": p.stop(),
                                "genre": p.categories().next(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(json!({ "broadcasts": found }))
        }
        _ => Err(RpcError::unavailable("not a question")),
    }
}
