//! Issue 18's corpus of everyday spoken commands (`corpus.tsv`): what people say, and what
//! the TV must do. Written in one go and split once: a third of each command type is held out
//! and never tuned on. The grammar's tests read it as text; the speech tests speak it.

use super::{ChannelRef, MediaCommand as C, When};
use crate::ChannelNumber;

/// The lineup of tests/grammar.rs, which the corpus's channel numbers index.
pub const LINEUP: &[&str] = &[
    "BBC One HD",
    "BBC Two",
    "ESPN",
    "CNN International",
    "Sky Sports Main Event",
    "Cartoon Network",
    "Channel 4",
    "Discovery Channel",
    "UK: ITV 1 FHD",
    "HBO",
    "Fox News",
    "The Weather Channel",
];

/// One phrasing of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    /// In the held-out part (never tuned on).
    pub held: bool,
    pub text: String,
    /// The command's type (`chat` for none).
    pub kind: String,
    /// What the TV must do (`None`: it is for the LLM).
    pub want: Option<C>,
}

fn ch(i: &str) -> ChannelRef {
    let index: u32 = i.parse().expect("a channel index");
    ChannelRef {
        index,
        name: LINEUP[index as usize].to_owned(),
    }
}

/// The corpus's compact form of a command (`chat`: none).
fn command(spec: &str) -> Option<C> {
    let mut w = spec.split_whitespace();
    let kind = w.next().expect("a command");
    let rest: Vec<&str> = w.collect();
    let arg = |i: usize| rest.get(i).copied();
    let n = |i: usize| arg(i).map(|s| s.parse().expect("a number"));
    let words = || rest.join(" ");
    Some(match kind {
        "chat" => return None,
        "play" => C::Play,
        "pause" => C::Pause,
        "stop" => C::Stop,
        "mute" => C::Mute,
        "unmute" => C::Unmute,
        "volume_up" => C::VolumeUp { step: n(0) },
        "volume_down" => C::VolumeDown { step: n(0) },
        "set_volume" => C::SetVolume {
            percent: n(0).expect("a level"),
        },
        "channel_up" => C::ChannelUp,
        "channel_down" => C::ChannelDown,
        "previous_channel" => C::PreviousChannel,
        "number" => C::GoToChannelNumber {
            number: ChannelNumber::new(u32::from(n(0).expect("a number"))),
        },
        "watch" => C::WatchChannel {
            channel: ch(arg(0).expect("a channel")),
        },
        "seek" => C::Seek {
            seconds: arg(0).expect("seconds").parse().expect("seconds"),
        },
        "go_live" => C::GoLive,
        "start_over" => C::StartOver,
        "show_guide" => C::ShowGuide,
        "hide_guide" => C::HideGuide,
        "whats_on" => C::WhatsOn {
            when: match arg(0) {
                Some("next") => When::Next,
                _ => When::Now,
            },
            channel: arg(1).map(ch),
        },
        "when_is" => C::WhenIs { title: words() },
        "remind" => C::Remind { title: words() },
        "record_programme" => C::RecordProgramme { title: words() },
        "start_recording" => C::StartRecording,
        "stop_recording" => C::StopRecording,
        "add_favourite" => C::AddFavourite {
            channel: arg(0).map(ch),
        },
        "remove_favourite" => C::RemoveFavourite {
            channel: arg(0).map(ch),
        },
        "catch_me_up" => C::CatchMeUp,
        "watch_programme" => C::WatchProgramme { query: words() },
        "subtitles" => C::Subtitles {
            on: arg(0) == Some("on"),
        },
        "audio_language" => C::AudioLanguage { language: words() },
        "subtitle_language" => C::SubtitleLanguage { language: words() },
        "companion" => C::Companion {
            on: arg(0) == Some("on"),
        },
        other => panic!("unknown command {other:?} in the corpus"),
    })
}

/// The corpus, in its order.
pub fn cases() -> Vec<Case> {
    read(include_str!("corpus.tsv"), true)
}

/// The paraphrase table (`paraphrases.tsv`): more ways to ask for each command, written for
/// the rules (tuning material, outside the corpus's split).
pub fn paraphrases() -> Vec<Case> {
    read(include_str!("paraphrases.tsv"), false)
}

/// Reads a table: `split` (when `has_split`), what was said, the command.
fn read(table: &str, has_split: bool) -> Vec<Case> {
    table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let split = if has_split {
                f.next().expect("a split")
            } else {
                "tune"
            };
            let (text, spec) = (f.next().expect("a phrasing"), f.next().expect("a command"));
            Case {
                held: split == "held",
                text: text.to_owned(),
                kind: spec
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                want: command(spec),
            }
        })
        .collect()
}

/// The grammar over the corpus's lineup.
pub fn grammar() -> crate::Grammar {
    crate::Grammar::new(super::ChannelDirectory::new(LINEUP.iter().copied()))
}
