//! MPRIS on the session bus: the desktop's media keys and widgets, `playerctl`, KDE Connect and
//! GSConnect see Prism as a player. The channel is the artist, the programme the title, the
//! logo the art; next and previous are channel up and down; volume goes both ways. Every call
//! is an ask to the frame loop, the same one the control API makes (one control layer), and
//! what the TV did (the hub's notifications) becomes PropertiesChanged and `Seeked`. No session
//! bus (CI, SSH) is a line in the log and nothing else.

use std::collections::HashMap;
use std::sync::mpsc::Sender;

use bevy::prelude::*;
use prism_core::MediaCommand;
use prism_core::hub::{Call, RpcError};
use serde_json::{Value, json};
use zbus::fdo;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{ObjectPath, OwnedValue, Value as Variant};

use super::Ask;

const PATH: &str = "/org/mpris/MediaPlayer2";

/// Starts MPRIS on its own thread.
pub(super) fn start(asks: Sender<Ask>, events: tokio::sync::broadcast::Receiver<String>) {
    let spawned = std::thread::Builder::new()
        .name("mpris".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return warn!("MPRIS: {e}"),
            };
            if let Err(e) = rt.block_on(serve(asks, events)) {
                info!("MPRIS is off (no session bus: {e}); media keys and playerctl will not see Prism");
            }
        });
    if let Err(e) = spawned {
        warn!("MPRIS: {e}");
    }
}

async fn serve(
    asks: Sender<Ask>,
    mut events: tokio::sync::broadcast::Receiver<String>,
) -> zbus::Result<()> {
    let player = Player { asks: asks.clone() };
    let conn = zbus::connection::Builder::session()?
        .serve_at(PATH, Root)?
        .serve_at(PATH, player)?
        .build()
        .await?;
    // A second Prism takes an instance name, as the specification says.
    if conn
        .request_name("org.mpris.MediaPlayer2.prism")
        .await
        .is_err()
    {
        conn.request_name(format!(
            "org.mpris.MediaPlayer2.prism.instance{}",
            std::process::id()
        ))
        .await?;
    }
    info!("MPRIS: Prism is on the session bus");
    let iface = conn.object_server().interface::<_, Player>(PATH).await?;
    loop {
        let text = match events.recv().await {
            Ok(t) => t,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
        };
        let v: Value = serde_json::from_str(&text).unwrap_or_default();
        let emitter = iface.signal_emitter();
        let p = iface.get().await;
        match v["method"].as_str().unwrap_or_default() {
            "Player.OnPlay" => {
                p.metadata_changed(emitter).await?;
                p.playback_status_changed(emitter).await?;
                p.can_seek_changed(emitter).await?;
            }
            "Player.OnPause" | "Player.OnResume" | "Player.OnStop" => {
                p.playback_status_changed(emitter).await?;
            }
            "Application.OnVolumeChanged" => p.volume_changed(emitter).await?,
            "Player.OnSeek" => {
                // On a live buffer the seek says how far behind live it landed.
                let state = p.state().await;
                let time = &state["time"];
                let at = match v["params"]["data"]["behind"].as_f64() {
                    Some(behind) if time["live"] == true => {
                        json!((time["total"].as_f64().unwrap_or(0.0) - behind).max(0.0))
                    }
                    _ => time["position"].clone(),
                };
                Player::seeked(emitter, micros(&at)).await?;
                p.metadata_changed(emitter).await?;
            }
            "System.OnQuit" => return Ok(()),
            _ => {}
        }
    }
}

/// `org.mpris.MediaPlayer2`: who Prism is.
struct Root;

#[zbus::interface(name = "org.mpris.MediaPlayer2")]
impl Root {
    fn raise(&self) {}
    fn quit(&self) {}
    #[zbus(property)]
    fn can_quit(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn can_raise(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn has_track_list(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn identity(&self) -> &str {
        "Prism"
    }
    #[zbus(property)]
    fn desktop_entry(&self) -> &str {
        "prism"
    }
    #[zbus(property)]
    fn supported_uri_schemes(&self) -> Vec<String> {
        Vec::new()
    }
    #[zbus(property)]
    fn supported_mime_types(&self) -> Vec<String> {
        Vec::new()
    }
}

/// `org.mpris.MediaPlayer2.Player`: the TV, through the same asks as the control API.
struct Player {
    asks: Sender<Ask>,
}

impl Player {
    async fn ask(&self, call: Call) -> fdo::Result<Value> {
        super::server::ask(&self.asks, call)
            .await
            .map_err(|e: RpcError| fdo::Error::Failed(e.message))
    }
    async fn command(&self, cmd: MediaCommand) -> fdo::Result<()> {
        self.ask(Call::Command(cmd)).await.map(|_| ())
    }
    async fn state(&self) -> Value {
        self.ask(Call::Properties).await.unwrap_or_default()
    }
}

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl Player {
    async fn next(&self) -> fdo::Result<()> {
        self.command(MediaCommand::ChannelUp).await
    }
    async fn previous(&self) -> fdo::Result<()> {
        self.command(MediaCommand::ChannelDown).await
    }
    async fn pause(&self) -> fdo::Result<()> {
        self.command(MediaCommand::Pause).await
    }
    async fn play_pause(&self) -> fdo::Result<()> {
        self.command(MediaCommand::TogglePause).await
    }
    async fn stop(&self) -> fdo::Result<()> {
        self.command(MediaCommand::Stop).await
    }
    async fn play(&self) -> fdo::Result<()> {
        self.command(MediaCommand::Play).await
    }
    /// `offset` in microseconds, within the time-shift buffer.
    async fn seek(&self, offset: i64) -> fdo::Result<()> {
        let seconds = (offset / 1_000_000).clamp(-6 * 3600, 6 * 3600) as i32;
        if seconds == 0 {
            return Ok(());
        }
        self.command(MediaCommand::Seek { seconds }).await
    }
    fn set_position(&self, _track: ObjectPath<'_>, _position: i64) {}
    fn open_uri(&self, _uri: &str) -> fdo::Result<()> {
        Err(fdo::Error::NotSupported(
            "open channels by name with the control API".into(),
        ))
    }

    #[zbus(signal)]
    async fn seeked(emitter: &SignalEmitter<'_>, position: i64) -> zbus::Result<()>;

    #[zbus(property)]
    async fn playback_status(&self) -> String {
        match self.state().await["status"].as_str() {
            Some("Playing" | "Buffering" | "Connecting" | "Loading") => "Playing",
            Some("Paused") => "Paused",
            _ => "Stopped",
        }
        .to_owned()
    }
    #[zbus(property)]
    async fn metadata(&self) -> HashMap<String, OwnedValue> {
        metadata(&self.state().await)
    }
    #[zbus(property)]
    async fn volume(&self) -> f64 {
        self.state().await["volume"].as_f64().unwrap_or(0.0) / 100.0
    }
    #[zbus(property)]
    async fn set_volume(&self, volume: f64) -> zbus::Result<()> {
        let percent = (volume.clamp(0.0, 1.0) * 100.0).round() as u8;
        self.ask(Call::Tool {
            name: "set_volume",
            args: json!({ "percent": percent }),
        })
        .await
        .map(|_| ())
        .map_err(zbus::Error::from)
    }
    /// Microseconds into what can be played: the time-shift buffer, the programme from the
    /// archive or the recording (`mpris:length` is its length); 0 for live TV without a buffer.
    #[zbus(property)]
    async fn position(&self) -> i64 {
        micros(&self.state().await["time"]["position"])
    }
    #[zbus(property)]
    fn rate(&self) -> f64 {
        1.0
    }
    #[zbus(property)]
    fn minimum_rate(&self) -> f64 {
        1.0
    }
    #[zbus(property)]
    fn maximum_rate(&self) -> f64 {
        1.0
    }
    #[zbus(property)]
    fn can_go_next(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn can_go_previous(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn can_play(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn can_pause(&self) -> bool {
        true
    }
    /// Only with a time-shift buffer to move in.
    #[zbus(property)]
    async fn can_seek(&self) -> bool {
        self.state().await["timeshift"].as_bool().unwrap_or(false)
    }
    #[zbus(property)]
    fn can_control(&self) -> bool {
        true
    }
}

/// The TV's state as MPRIS metadata: the channel as the artist, the programme as the title
/// (the channel's name when the guide has nothing), the logo as the art.
fn metadata(state: &Value) -> HashMap<String, OwnedValue> {
    let mut m = HashMap::new();
    let c = &state["channel"];
    let mut put = |k: &str, v: Variant<'_>| {
        if let Ok(v) = OwnedValue::try_from(v) {
            m.insert(k.to_owned(), v);
        }
    };
    let id = c["channelid"].as_u64();
    let track = match id {
        Some(i) => format!("/tv/prism/channel/{i}"),
        None => "/org/mpris/MediaPlayer2/TrackList/NoTrack".to_owned(),
    };
    if let Ok(p) = ObjectPath::try_from(track) {
        put("mpris:trackid", Variant::from(p));
    }
    if let Some(name) = c["label"].as_str() {
        put("xesam:artist", Variant::from(vec![name.to_owned()]));
        let title = c["broadcastnow"]["title"].as_str().unwrap_or(name);
        put("xesam:title", Variant::from(title.to_owned()));
    }
    if let Some(group) = c["group"].as_str() {
        put("xesam:album", Variant::from(group.to_owned()));
    }
    if let Some(logo) = c["logo"].as_str() {
        put("mpris:artUrl", Variant::from(logo.to_owned()));
    }
    if state["time"].is_object() {
        put(
            "mpris:length",
            Variant::from(micros(&state["time"]["total"])),
        );
    }
    m
}

/// Seconds (a JSON number) as MPRIS's microseconds.
fn micros(seconds: &Value) -> i64 {
    (seconds.as_f64().unwrap_or(0.0).max(0.0) * 1e6) as i64
}
