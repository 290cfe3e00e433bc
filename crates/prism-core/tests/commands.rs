//! Issue 18's corpus of everyday commands (`fixtures/commands.tsv`), through the grammar as
//! text: how many of each command type it understands, on the part tuned for and on the
//! held-out part never tuned on, and how often chat is taken for a command. The spoken
//! measurement (synthetic voices → whisper → the same path) builds on this corpus.

use std::collections::BTreeMap;

use prism_core::command::{ChannelDirectory, ChannelRef, MediaCommand as C, When};
use prism_core::{ChannelNumber, Grammar};

/// The lineup of tests/grammar.rs, which the corpus's channel numbers index.
const LINEUP: &[&str] = &[
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

struct Case {
    held: bool,
    text: String,
    kind: String,
    want: Option<C>,
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

fn corpus() -> Vec<Case> {
    include_str!("fixtures/commands.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let (split, text, spec) = (
                f.next().expect("a split"),
                f.next().expect("a phrasing"),
                f.next().expect("a command"),
            );
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

/// Right out of all, per command type and in total, for one part of the corpus.
struct Score {
    by_kind: BTreeMap<String, (usize, usize)>,
    misses: Vec<String>,
    /// Chat taken for a command.
    chat_as_command: usize,
    chat: usize,
}

impl Score {
    fn total(&self) -> (usize, usize) {
        self.by_kind
            .iter()
            .filter(|(k, _)| k.as_str() != "chat")
            .fold((0, 0), |(r, n), (_, (a, b))| (r + a, n + b))
    }
}

fn score(g: &Grammar, cases: &[&Case]) -> Score {
    let mut s = Score {
        by_kind: BTreeMap::new(),
        misses: Vec::new(),
        chat_as_command: 0,
        chat: 0,
    };
    for c in cases {
        let got = g.parse(&c.text);
        let right = got == c.want;
        let e = s.by_kind.entry(c.kind.clone()).or_default();
        e.0 += usize::from(right);
        e.1 += 1;
        if c.want.is_none() {
            s.chat += 1;
            s.chat_as_command += usize::from(got.is_some());
        }
        if !right {
            s.misses
                .push(format!("{:?}: want {:?}, got {got:?}", c.text, c.want));
        }
    }
    s
}

#[test]
fn the_corpus_is_big_enough_and_split_once() {
    let cases = corpus();
    assert!(cases.len() >= 150, "{} phrasings", cases.len());
    let held = cases.iter().filter(|c| c.held).count();
    assert!(
        held * 4 >= cases.len(),
        "{held} held out of {}",
        cases.len()
    );
    // Every command type is in both parts.
    let kinds: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.kind.as_str()).collect();
    for k in kinds {
        for part in [true, false] {
            assert!(
                cases.iter().any(|c| c.kind == k && c.held == part),
                "{k} has no {} phrasing",
                if part { "held-out" } else { "tuning" }
            );
        }
    }
}

/// Prints the accuracy per command type on both parts, and holds the floors measured when
/// the corpus was written (before any tuning on it): a change may raise them, not lower them.
#[test]
fn everyday_commands_are_understood_as_text() {
    let g = Grammar::new(ChannelDirectory::new(LINEUP.iter().copied()));
    let cases = corpus();
    let mut report = Vec::new();
    let mut totals = Vec::new();
    for (name, held) in [("tuning", false), ("held out", true)] {
        let part: Vec<&Case> = cases.iter().filter(|c| c.held == held).collect();
        let s = score(&g, &part);
        let (right, n) = s.total();
        report.push(format!(
            "{name}: {right}/{n} commands right ({:.0} %), chat taken for a command {}/{}",
            100.0 * right as f64 / n as f64,
            s.chat_as_command,
            s.chat
        ));
        for (k, (r, n)) in &s.by_kind {
            report.push(format!("  {k}: {r}/{n}"));
        }
        for m in &s.misses {
            report.push(format!("  miss: {m}"));
        }
        totals.push((right as f64 / n as f64, s.chat_as_command));
    }
    println!("{}", report.join("\n"));
    let [(tuning, tuning_chat), (held, held_chat)] = totals[..] else {
        unreachable!()
    };
    assert!(tuning_chat == 0 && held_chat == 0, "{}", report.join("\n"));
    assert!(tuning >= TUNING_FLOOR, "{}", report.join("\n"));
    assert!(held >= HELD_FLOOR, "{}", report.join("\n"));
}

/// What the grammar understands of the corpus. Written before any tuning, it understood
/// 88 % of the tuning part and 73 % (40/55) of the held-out part; rules written for the
/// tuning part's misses raised that to 99 %, and the held-out part stayed at 73 %.
const TUNING_FLOOR: f64 = 0.99;
const HELD_FLOOR: f64 = 0.72;
