//! One vocabulary of actions for the whole app. The voice grammar, the LLM's tool calls, the
//! keyboard, the remote and the gamepad all produce a [`MediaCommand`]; the TV executes it.

pub mod brands;
mod channels;
pub mod corpus;
pub mod grammar;
pub mod hearing;
mod numbers;

/// Whether `user`'s words say the number `n` (in digits or in words, anywhere): a number the
/// model puts in a call must be the user's, not its own.
pub(crate) fn says_number(user: &str, n: u64) -> bool {
    let norm = normalise(user);
    let toks: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    (0..toks.len()).any(|pos| {
        numbers::numbers_at(&toks, pos)
            .iter()
            .any(|(_, num)| num.major == n && num.minor.is_none())
    })
}
mod rules;
pub mod soundalike;
mod text;
pub mod tools;
pub mod wish;

use serde::{Deserialize, Serialize};

pub use channels::ChannelDirectory;
pub use grammar::Grammar;
pub use text::normalise;

use crate::playlist::ChannelNumber;

/// A channel of the loaded playlist, by position, with the name it was matched to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRef {
    pub index: u32,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    Now,
    Next,
}

/// Everything a user can ask the TV to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum MediaCommand {
    Play,
    Pause,
    TogglePause,
    Stop,
    Mute,
    Unmute,
    ToggleMute,
    /// Louder by `step` percentage points (the app's default step when `None`).
    VolumeUp {
        step: Option<u8>,
    },
    VolumeDown {
        step: Option<u8>,
    },
    SetVolume {
        percent: u8,
    },
    ChannelUp,
    ChannelDown,
    /// A well-known channel the user asked for (to watch, or what is on it) that the lineup
    /// does not have: answered so, and nothing changes.
    ChannelMissing {
        name: String,
    },
    /// Back to the channel watched before this one (the remote's "last" button).
    PreviousChannel,
    GoToChannelNumber {
        number: ChannelNumber,
    },
    WatchChannel {
        channel: ChannelRef,
    },
    /// "Put on the match", "something with football": a channel showing that now, found by
    /// the guide (a title, a genre) or else by the lineup's names and groups (see [`wish`]).
    WatchProgramme {
        query: String,
    },
    /// Relative seek in seconds: positive forward, negative back.
    Seek {
        seconds: i32,
    },
    ShowGuide,
    HideGuide,
    ToggleGuide,
    /// "What's on?" — about `channel`, or the current one when `None`.
    WhatsOn {
        when: When,
        channel: Option<ChannelRef>,
    },
    /// "When is the news on?": the next time a programme with these words is on, from the
    /// guide (an answer, no action).
    WhenIs {
        title: String,
    },
    /// "Remind me when the news is on": a reminder for the next programme (not started yet)
    /// with these words in its title, from the guide.
    Remind {
        title: String,
    },
    /// "Record Match of the Day": a timer for the next showing (or the one on now) of a
    /// programme with these words in its title, from the guide.
    RecordProgramme {
        title: String,
    },
    /// The programme on `channel` starting at `start`: a timer made (it records from a little
    /// before to a little after, whichever channel is on), or taken off if it has one (R on a
    /// programme in the grid or the guide search).
    ToggleTimer {
        channel: ChannelRef,
        start: i64,
    },
    /// The programme on `channel` starting at `start` (Unix seconds): a reminder set, or
    /// taken off if it has one (OK on a later programme in the grid or the guide search).
    ToggleReminder {
        channel: ChannelRef,
        start: i64,
    },
    /// The programme on `channel` that started at `start` (Unix seconds), from the provider's
    /// archive (catch-up): OK on a past programme in the grid.
    CatchUp {
        channel: ChannelRef,
        start: i64,
    },
    /// The programme on now, from its start (from the time-shift buffer when it reaches back
    /// that far, else from the archive).
    StartOver,
    /// Back to the live edge after a pause or a rewind (or from the archive to the channel).
    GoLive,
    /// Favourite `channel`, or the current one when `None`.
    AddFavourite {
        channel: Option<ChannelRef>,
    },
    RemoveFavourite {
        channel: Option<ChannelRef>,
    },
    /// The remote's favourite button (F): the current channel (or the one under the cursor)
    /// in or out of the favourites. Spoken commands say which they mean.
    ToggleFavourite,
    /// Record the channel playing, from now (from its time-shift buffer).
    StartRecording,
    StopRecording,
    /// The remote's record key: start, or stop the recording running.
    ToggleRecording,
    /// "What did I miss?": what the stream said in the minutes skipped (going live from
    /// behind) or not yet seen (behind live), from the time-shift buffer.
    CatchMeUp,
    /// Jump back to the moment "what did I miss?" found (a goal, breaking news).
    ShowMoment,
    /// Play a recording, by its file's name (no extension).
    PlayRecording {
        name: String,
    },
    Subtitles {
        on: bool,
    },
    /// Sound in `language` (a code or a name in any form: "de", "German", "Deutsch").
    AudioLanguage {
        language: String,
    },
    /// Subtitles in `language`, shown.
    SubtitleLanguage {
        language: String,
    },
    /// The stream's `index`th track of `kind` (from 0, in the order the track menu lists
    /// them); a subtitle track is also shown.
    Track {
        kind: crate::tracks::TrackKind,
        index: u32,
    },
    Companion {
        on: bool,
    },
    /// The picture and Lumen arranged another way.
    Layout {
        layout: LayoutName,
    },
    /// A second channel in a corner of the picture (or not).
    PictureInPicture {
        on: bool,
    },
    /// The corner's channel and the TV's change places.
    SwapPictures,
    /// Four channels at once (or back to one).
    MultiView {
        on: bool,
    },
    /// The composed scene (the picture, Lumen, her voice over the TV's sound) sent to the
    /// stream server in the settings, or recorded to a file; or stopped.
    Broadcast {
        on: bool,
        to: BroadcastTo,
    },
}

/// Where [`MediaCommand::Broadcast`] sends the scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BroadcastTo {
    /// The RTMP server and stream key in the settings.
    Stream,
    /// A Matroska file in the recordings folder.
    File,
}

/// The layouts one picture fills (`crate::scene::BUILTIN` ids, and the user's own file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutName {
    Tv,
    LumenBig,
    SideBySide,
    /// The config folder's `layout.toml`.
    Custom,
}

impl LayoutName {
    pub const ALL: [LayoutName; 4] = [
        LayoutName::Tv,
        LayoutName::LumenBig,
        LayoutName::SideBySide,
        LayoutName::Custom,
    ];

    /// As `Settings::layout` and layout files name it.
    pub fn id(self) -> &'static str {
        match self {
            LayoutName::Tv => "tv",
            LayoutName::LumenBig => "lumen-big",
            LayoutName::SideBySide => "side-by-side",
            LayoutName::Custom => "custom",
        }
    }

    pub fn from_id(id: &str) -> Option<LayoutName> {
        LayoutName::ALL.into_iter().find(|l| l.id() == id)
    }
}

impl Serialize for ChannelNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ChannelNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let s = match &v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => {
                return Err(serde::de::Error::custom(
                    "channel number must be a string or number",
                ));
            }
        };
        s.parse()
            .map_err(|()| serde::de::Error::custom(format!("not a channel number: {s}")))
    }
}
