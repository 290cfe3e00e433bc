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
mod mpris;
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
use crate::settings::HubAction;
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
        .add_message::<HubAction>()
        .add_systems(Startup, start)
        .add_systems(Update, follow_settings)
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
    /// Where the listener sends requests (cloned into each new one).
    to_app: std::sync::mpsc::Sender<Ask>,
    token: String,
    port: u16,
    /// The LAN address served too, when remote control from other devices is on.
    lan_ip: Option<std::net::IpAddr>,
    listening: Option<Listening>,
}

/// The listener now: its thread, and how to stop it.
struct Listening {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
    /// The LAN was asked for (served when an address was found).
    lan: bool,
}

fn start(mut commands: Commands, settings: Res<crate::settings::Settings>) {
    let Some(dir) = crate::settings::config_dir() else {
        warn!("hub: no config folder, so no token: the control API is off");
        return;
    };
    let token = match token(&dir, false) {
        Ok(t) => t,
        Err(e) => {
            warn!(
                "hub: the token cannot be kept in {}: {e}; the control API is off",
                dir.display()
            );
            return;
        }
    };
    let Some(file) = hub_file() else { return };
    let (tx, rx) = channel();
    let (events, _) = tokio::sync::broadcast::channel(256);
    let want = std::env::var("PRISM_HUB_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(PORT);
    let mut hub = Hub {
        asks: Mutex::new(rx),
        to_app: tx,
        waiting: Vec::new(),
        asking: Vec::new(),
        next_ticket: 1,
        last_speak: None,
        events,
        file,
        token,
        port: want,
        lan_ip: None,
        listening: None,
    };
    if let Err(e) = hub.listen(settings.remote_lan) {
        warn!("hub: {e}; the control API is off");
        return;
    }
    mpris::start(hub.to_app.clone(), hub.events.subscribe());
    commands.insert_resource(hub);
}

impl Hub {
    /// (Re)starts the listener: on loopback, and on the LAN too when `lan` (the same port
    /// when it can, else any free one; hub.json says which).
    fn listen(&mut self, lan: bool) -> Result<(), String> {
        if let Some(old) = self.listening.take() {
            let _ = old.stop.send(());
            // Quick: its runtime is dropped at once, and the port must be free to bind again.
            let _ = old.thread.join();
        }
        let lan_ip = lan.then(lan_address).flatten();
        if lan && lan_ip.is_none() {
            warn!("hub: no network address found: remote control stays on this computer");
        }
        let any = if lan_ip.is_some() {
            std::net::Ipv4Addr::UNSPECIFIED
        } else {
            std::net::Ipv4Addr::LOCALHOST
        };
        let listener = std::net::TcpListener::bind((any, self.port))
            .or_else(|_| std::net::TcpListener::bind((any, 0)))
            .map_err(|e| format!("cannot listen: {e}"))?;
        self.port = listener.local_addr().map_or(0, |a| a.port());
        self.lan_ip = lan_ip;
        let about = json!({ "port": self.port, "token": self.token, "pid": std::process::id() });
        if let Err(e) = crate::settings::write_private(&self.file, about.to_string().as_bytes()) {
            warn!("hub: {}: {e}", self.file.display());
        }
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let (token, asks, events) = (self.token.clone(), self.to_app.clone(), self.events.clone());
        let hosts = prism_core::hub::authorities(self.port, lan_ip);
        let thread = std::thread::Builder::new()
            .name("hub".into())
            .spawn(move || {
                if let Err(e) = server::serve(listener, token, hosts, asks, events, stopped) {
                    error!("hub: the control API stopped: {e}");
                }
            })
            .map_err(|e| e.to_string())?;
        info!(
            "hub: the control API is on http://{}:{}/jsonrpc ({})",
            lan_ip.map_or("127.0.0.1".to_owned(), |ip| ip.to_string()),
            self.port,
            self.file.display()
        );
        self.listening = Some(Listening { stop, thread, lan });
        Ok(())
    }

    /// The phone remote's address: on the LAN when that is on, for a phone to reach.
    fn remote(&self) -> String {
        let host = self
            .lan_ip
            .map_or("127.0.0.1".to_owned(), |ip| ip.to_string());
        format!("http://{host}:{}/remote", self.port)
    }
}

/// This computer's address on the network: the one its route out would use (nothing is sent:
/// connecting a UDP socket only picks the route).
fn lan_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.255:9")
        .or_else(|_| s.connect("10.255.255.255:9"))
        .ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// The settings' Remote page: the LAN switched (the listener moves, a pairing code shows with
/// what that means), a pairing code asked for, a new token.
fn follow_settings(
    hub: Option<ResMut<Hub>>,
    settings: Res<crate::settings::Settings>,
    mut actions: MessageReader<HubAction>,
    mut pairing: ResMut<pair::Pairing>,
) {
    let Some(mut hub) = hub else {
        actions.clear();
        return;
    };
    let mut pair_now = false;
    if hub
        .listening
        .as_ref()
        .is_some_and(|l| l.lan != settings.remote_lan)
    {
        if let Err(e) = hub.listen(settings.remote_lan) {
            warn!("hub: {e}");
        }
        pair_now = settings.remote_lan && hub.lan_ip.is_some();
    }
    for a in actions.read() {
        match a {
            HubAction::PairPhone => pair_now = true,
            HubAction::NewToken => {
                let made = crate::settings::config_dir()
                    .ok_or_else(|| "no config folder".to_owned())
                    .and_then(|d| token(&d, true).map_err(|e| e.to_string()));
                match made {
                    Ok(t) => {
                        hub.token = t;
                        // Every connection made with the old token ends with the old listener.
                        if let Err(e) = hub.listen(settings.remote_lan) {
                            warn!("hub: {e}");
                        }
                        info!("hub: a new token; phones and agents must pair again");
                    }
                    Err(e) => warn!("hub: no new token: {e}"),
                }
            }
        }
    }
    if pair_now {
        let remote = hub.remote();
        let lan = hub.lan_ip.is_some();
        if let Err(e) = pairing.open(&remote, lan) {
            warn!("hub: {e}");
        }
    }
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

/// The hub's token: the one kept in `dir/hub-token`, or (none there, or `new`) 32 new random
/// bytes (hex) kept there.
fn token(dir: &Path, new: bool) -> std::io::Result<String> {
    let path = dir.join("hub-token");
    if !new
        && let Ok(t) = std::fs::read_to_string(&path)
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
    mut tv: Option<ResMut<Tv>>,
    mut cmds: MessageWriter<Cmd>,
    mut keys: MessageWriter<crate::input::Remote>,
    mut say: MessageWriter<crate::voice::Say>,
    mut typed: MessageWriter<crate::voice::Typed>,
    (mut stats, voice, video, mut pairing, settings): (
        ResMut<stats::Stats>,
        Option<Res<crate::voice::Voice>>,
        Option<Res<crate::tv::video::VideoStats>>,
        ResMut<pair::Pairing>,
        Res<crate::settings::Settings>,
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
            Call::OpenBroadcast { channel, start } => match tv.as_deref() {
                Some(tv) => broadcast(tv, channel, start).map(Some),
                None => Err(RpcError::unavailable("the TV is starting")),
            },
            Call::AddTimer { channel, start } => match tv.as_deref() {
                Some(tv) => match tv.channel(channel) {
                    None => Err(RpcError::refused(format!("there is no channel {channel}"))),
                    Some(c) => {
                        if let Some(t) = tv.timers.timers.find(&c.identity(), start) {
                            // Asked twice: the timer stands, not toggled off.
                            let _ =
                                reply.send(Ok(json!({ "outcome": "AlreadySet", "timerid": t.id })));
                            continue;
                        }
                        Ok(Some(MediaCommand::ToggleTimer {
                            channel: prism_core::command::ChannelRef {
                                index: channel as u32,
                                name: c.name.clone(),
                            },
                            start,
                        }))
                    }
                },
                None => Err(RpcError::unavailable("the TV is starting")),
            },
            Call::DeleteTimer(id) => {
                let _ = reply.send(match tv.as_deref_mut().map(|tv| tv.cancel_timer(id)) {
                    Some(true) => Ok(json!({ "deleted": id })),
                    Some(false) => Err(RpcError::refused(format!("there is no timer {id}"))),
                    None => Err(RpcError::unavailable("the TV is starting")),
                });
                continue;
            }
            Call::Recordings => {
                let items = crate::screens::recordings::list(&settings.recordings_dir());
                let list: Vec<Value> = items
                    .iter()
                    .filter(|i| i.timer.is_none())
                    .map(|i| {
                        json!({
                            "name": i.name,
                            "bytes": i.bytes,
                            "seconds": i.length.map(|d| d.as_secs()),
                            "unfinished": i.unfinished,
                            "modified": i.modified
                                .duration_since(std::time::UNIX_EPOCH)
                                .map_or(0, |d| d.as_secs()),
                        })
                    })
                    .collect();
                let _ = reply.send(Ok(json!({ "recordings": list })));
                continue;
            }
            Call::PairPhone => {
                let _ = reply.send(
                    pairing
                        .open(&hub.remote(), hub.lan_ip.is_some())
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
        let said = tv
            .as_deref()
            .and_then(|tv| crate::i18n::spoken(|| crate::voice::ack_line(e, tv)));
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

/// A programme by its channel and start: from the archive (catch-up), or from its start when
/// it is on now; one not begun yet cannot be watched (a timer or a reminder can).
fn broadcast(tv: &Tv, channel: usize, start: i64) -> Result<MediaCommand, RpcError> {
    let c = tv
        .channel(channel)
        .ok_or_else(|| RpcError::refused(format!("there is no channel {channel}")))?;
    if start > crate::time::unix_now() {
        return Err(RpcError::refused(
            "that programme has not begun: set a timer (PVR.AddTimer) to record it",
        ));
    }
    Ok(MediaCommand::CatchUp {
        channel: prism_core::command::ChannelRef {
            index: channel as u32,
            name: c.name.clone(),
        },
        start,
    })
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
            // Seconds on the played stream's own clock: where the picture is, what can be
            // played, how far behind live (a programme's or recording's time from its start).
            "time": tv.timeline.as_ref().map(|t| json!({
                "position": t.position - t.start,
                "total": t.end - t.start,
                "live": t.live,
                "behind": t.live.then(|| t.behind()),
            })),
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
                            .is_none_or(|q| prism_core::text::contains_folded(&c.name, q))
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
        Call::Timers => {
            let list: Vec<Value> = tv
                .timers
                .timers
                .list()
                .iter()
                .map(|t| {
                    json!({
                        "timerid": t.id,
                        "channel": t.channel_name,
                        "title": t.title,
                        "start": t.start,
                        "end": t.stop,
                        "status": variant(&t.status),
                        "file": t.file,
                    })
                })
                .collect();
            Ok(json!({ "timers": list }))
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
