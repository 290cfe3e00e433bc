//! The media command grammar: a transcript in, a [`MediaCommand`] out, or nothing for chit-chat
//! (which goes to the LLM). Deterministic, no model, microseconds per utterance.
//!
//! Every rule is a pattern over the *whole* utterance (after fillers like "hey Lumen" and
//! "please" are removed), so "turn it up" is a command while "this show turned it up a notch" is
//! not. Pattern syntax: words; `(a|b c)` alternatives; `[x]` optional; captures `<n>` (a number:
//! "75", "seventy five", "five point one"), `<dur>` (a duration: "30 seconds", "a minute and a
//! half") and `<ch>` (a channel of the loaded playlist, matched fuzzily).
//!
//! To add a phrasing, add a pattern to [`RULES`]; the table-driven test in
//! `tests/grammar.rs` shows what each phrasing must produce.

use super::channels::{ChannelDirectory, ChannelMatch};
use super::numbers::{Num, durations_at, numbers_at};
use super::soundalike;
use super::{ChannelRef, MediaCommand, When};
use crate::playlist::{ChannelNumber, Playlist};

/// Lower case, apostrophes dropped ("what's" → "whats"), `%` → "percent", other punctuation
/// to spaces; a `.` between digits survives ("5.1").
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if c == '\'' || c == '\u{2019}' {
            // dropped: "what's" → "whats"
        } else if c == '.'
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            out.push('.');
        } else if c == '%' {
            out.push_str(" percent ");
        } else if c == '&' {
            out.push_str(" and ");
        } else if c == '+' {
            out.push_str(" plus ");
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_owned()
}

/// Dropped anywhere.
const FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm", "ah", "please", "lumen", "the",
];
/// Dropped from the start (repeatedly).
const LEADING: &[&[&str]] = &[
    &["hey"],
    &["hi"],
    &["ok"],
    &["okay"],
    &["so"],
    &["and"],
    &["now"],
    &["just"],
    &["quickly"],
    &["oh"],
    &["could", "you"],
    &["can", "you"],
    &["would", "you"],
    &["will", "you"],
    &["could", "u"],
    &["can", "u"],
    &["i", "want", "to"],
    &["i", "wanna"],
    &["i", "would", "like", "to"],
    &["id", "like", "to"],
    &["go", "ahead", "and"],
    &["kindly"],
];
/// Dropped from the end (repeatedly).
const TRAILING: &[&[&str]] = &[
    &["thanks"],
    &["thank", "you"],
    &["for", "me"],
    &["right", "now"],
    &["now"],
    &["instead"],
    &["again"],
];

type Build = fn(&Caps, &Ctx<'_>) -> Option<MediaCommand>;

/// What a rule's action sees: the utterance's words and the grammar (for channel lookups).
struct Ctx<'a> {
    toks: &'a [&'a str],
    g: &'a Grammar,
    /// The user said Lumen's name (a filler the rules never see): "be quiet" is then for her.
    addressed: bool,
    /// Several rules may try the same words as a channel: look each span up once.
    looked_up: std::cell::RefCell<Vec<(Span, Option<ChannelMatch>)>>,
}

/// A range of the utterance's words.
type Span = (usize, usize);

/// `(pattern, action)`, tried in order; the first that matches and builds wins.
const RULES: &[(&str, Build)] = &[
    // Recording before stop/start, so "stop recording" is not "stop".
    (
        "(stop|cancel|end|finish) (recording|record|recorder)",
        |_, _| Some(MediaCommand::StopRecording),
    ),
    (
        "(start|begin) recording [this|it|show|programme|program|channel]",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    (
        "record [this|it|that] [show|programme|program|movie|film|match|game|episode|channel]",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    // Volume, absolute.
    (
        "[set|change|put|turn|bring|adjust|make] [it|tv] (volume|sound|audio) [level] [to|at] <n> [percent|%]",
        set_volume,
    ),
    (
        "[set|change|put|turn|bring|adjust] [it|tv] (volume|sound|audio) (up|down) (to|at) <n> [percent|%]",
        set_volume,
    ),
    (
        "[set|change|put|turn|bring|adjust] (it|tv) [up|down] to <n> percent",
        set_volume,
    ),
    ("[set|turn|put] [volume|sound] to <n> percent", set_volume),
    ("(max|maximum|full) (volume|sound|blast)", |_, _| {
        Some(MediaCommand::SetVolume { percent: 100 })
    }),
    (
        "(volume|sound) (max|maximum|all way up|to max|to maximum|to full|full)",
        |_, _| Some(MediaCommand::SetVolume { percent: 100 }),
    ),
    ("turn (it|volume|sound) all way up", |_, _| {
        Some(MediaCommand::SetVolume { percent: 100 })
    }),
    (
        "[set|put|turn] [volume|sound] (at|to) half [volume]",
        |_, _| Some(MediaCommand::SetVolume { percent: 50 }),
    ),
    ("half volume", |_, _| {
        Some(MediaCommand::SetVolume { percent: 50 })
    }),
    // Volume, relative.
    (
        "(turn|crank|pump|bump|put|bring) (it|volume|sound|tv|audio|this) up [a] [bit|little|notch|touch|tad|lot] [bit] [more] [by <n> [percent|points|notches]]",
        volume_up,
    ),
    (
        "(turn|crank|pump|bump|bring) up [it|volume|sound|tv|audio] [a] [bit|little|notch|touch|lot] [bit] [more] [by <n> [percent|points|notches]]",
        volume_up,
    ),
    (
        "(volume|sound|audio) up [by] [<n>] [percent|points|notches]",
        volume_up,
    ),
    (
        "(increase|raise|boost|up) [it|volume|sound|audio] [a] [bit|little] [by <n> [percent|points]]",
        volume_up,
    ),
    (
        "[make] [it|this|tv|sound|volume] [a] [bit|little|lot|much|tad] [bit] (louder|lowder)",
        volume_up,
    ),
    ("louder [a] [bit|little] [more]", volume_up),
    ("(more|higher) volume", volume_up),
    (
        "i (cant|can not|cannot) hear [it|anything|that|this|them|him|her|a thing]",
        volume_up,
    ),
    (
        "(turn|bring|put) (it|volume|sound|tv|audio|this) down [a] [bit|little|notch|touch|tad|lot] [bit] [more] [by <n> [percent|points|notches]]",
        volume_down,
    ),
    (
        "(turn|bring) down [it|volume|sound|tv|audio] [a] [bit|little|notch|touch|lot] [bit] [more] [by <n> [percent|points|notches]]",
        volume_down,
    ),
    (
        "(volume|sound|audio) down [by] [<n>] [percent|points|notches]",
        volume_down,
    ),
    (
        "(decrease|lower|reduce|drop) [it|volume|sound|audio] [a] [bit|little] [by <n> [percent|points]]",
        volume_down,
    ),
    (
        "[make] [it|this|tv|sound|volume] [a] [bit|little|lot|much|tad] [bit] (quieter|softer)",
        volume_down,
    ),
    ("(quieter|softer) [a] [bit|little] [more]", volume_down),
    ("(less|lower) volume", volume_down),
    (
        "[its|it is|thats|that is|this is] (too|way too|so) loud",
        volume_down,
    ),
    // Mute.
    (
        "(mute|silence) [it|tv|volume|sound|audio|this|everything]",
        |_, _| Some(MediaCommand::Mute),
    ),
    (
        "(turn|switch|shut) (off|down) (sound|audio|volume)",
        |_, _| Some(MediaCommand::Mute),
    ),
    ("(turn|switch|shut) (sound|audio|volume) off", |_, _| {
        Some(MediaCommand::Mute)
    }),
    ("(sound|audio) off", |_, _| Some(MediaCommand::Mute)),
    ("(kill|cut) [sound|audio]", |_, _| Some(MediaCommand::Mute)),
    ("(no|without) sound", |_, _| Some(MediaCommand::Mute)),
    // "Be quiet, Lumen" hushes her (companion mode off); "be quiet" alone mutes the TV.
    ("(be quiet|quiet|shush|hush)", |_, ctx| {
        Some(if ctx.addressed {
            MediaCommand::Companion { on: false }
        } else {
            MediaCommand::Mute
        })
    }),
    (
        "(shut up|stop talking|stop commenting|thats enough)",
        |_, ctx| {
            ctx.addressed
                .then_some(MediaCommand::Companion { on: false })
        },
    ),
    (
        "(unmute|un mute|unmutes) [it|tv|volume|sound|audio|this|everything]",
        |_, _| Some(MediaCommand::Unmute),
    ),
    (
        "(turn|switch|put) (on|back on) (sound|audio|volume)",
        |_, _| Some(MediaCommand::Unmute),
    ),
    (
        "(turn|switch|put|bring) (sound|audio|volume) [back] on",
        |_, _| Some(MediaCommand::Unmute),
    ),
    ("(sound|audio) [back] on", |_, _| Some(MediaCommand::Unmute)),
    ("bring (sound|audio) back", |_, _| {
        Some(MediaCommand::Unmute)
    }),
    // Seeking.
    (
        "(skip|jump|go|fast forward|fast|forward|seek|move|scroll) (forward|forwards|ahead|on) [by] <dur>",
        seek_forward,
    ),
    (
        "(fast forward|fastforward|forward|skip ahead|skip forward|jump ahead|jump forward) [by] <dur>",
        seek_forward,
    ),
    ("<dur> (forward|forwards|ahead|later)", seek_forward),
    ("skip <dur>", seek_forward),
    (
        "(fast forward|fastforward|skip ahead|skip forward|jump ahead|jump forward)",
        |_, _| Some(MediaCommand::Seek { seconds: 30 }),
    ),
    (
        "(rewind|go back|skip back|jump back|back|seek back|move back|skip backward|skip backwards|go backwards|rewind back) [by] <dur>",
        seek_back,
    ),
    ("<dur> (back|backward|backwards|earlier|ago)", seek_back),
    (
        "(rewind|skip back|jump back|go back a bit|rewind a bit|back up a bit)",
        |_, _| Some(MediaCommand::Seek { seconds: -10 }),
    ),
    // Recording checked above; now play / pause / stop.
    (
        "(play|resume|continue|unpause|un pause) [it|playback|playing|video|show|stream|tv|this|movie|program|programme]",
        |_, _| Some(MediaCommand::Play),
    ),
    ("(start|keep|continue) (playing|watching)", |_, _| {
        Some(MediaCommand::Play)
    }),
    ("(press|hit) play", |_, _| Some(MediaCommand::Play)),
    ("carry on", |_, _| Some(MediaCommand::Play)),
    (
        "(pause|paws|pose) [it|playback|video|show|stream|tv|this|that|movie|program|programme] [for a (second|moment|minute|sec|bit)]",
        |_, _| Some(MediaCommand::Pause),
    ),
    ("(press|hit) pause", |_, _| Some(MediaCommand::Pause)),
    ("(hold|freeze) (it|that|this)", |_, _| {
        Some(MediaCommand::Pause)
    }),
    (
        "(stop|end) [it|playback|playing|video|stream|tv|this|watching|movie|show|everything]",
        |_, _| Some(MediaCommand::Stop),
    ),
    ("(turn|switch|shut) (off|tv off|off tv|it off)", |_, _| {
        Some(MediaCommand::Stop)
    }),
    ("(turn|switch|shut|power) off (tv|it|everything)", |_, _| {
        Some(MediaCommand::Stop)
    }),
    ("(turn|switch|shut) (tv|it) off", |_, _| {
        Some(MediaCommand::Stop)
    }),
    ("power off", |_, _| Some(MediaCommand::Stop)),
    // Guide.
    (
        "(hide|close|dismiss|exit|leave|quit|get rid of|remove|turn off) [tv|program|programme|channel] (guide|epg|schedule|listings|channel list|list|menu)",
        |_, _| Some(MediaCommand::HideGuide),
    ),
    (
        "(show|open|bring up|display|pull up|go to|get|launch|see) [me] [tv|program|programme|channel|electronic program|electronic programme] (guide|epg|schedule|listings|channel list|list of channels|channels|lineup|line up)",
        |_, _| Some(MediaCommand::ShowGuide),
    ),
    (
        "[tv|program|programme|channel] (guide|epg|listings)",
        |_, _| Some(MediaCommand::ShowGuide),
    ),
    (
        "what (else|other channels|channels) (is on|are on|are there|is there|do i have|do we have|have i got|can i watch)",
        |_, _| Some(MediaCommand::ShowGuide),
    ),
    ("what else [is] on", |_, _| Some(MediaCommand::ShowGuide)),
    // What's on.
    (
        "(whats|what is|what s|whatre|what are|what) (next|on next|coming up|up next|after this|on after this|on later|later|coming next|on after) [on <ch>]",
        whats_next,
    ),
    (
        "(whats|what is|what s) on <ch> (next|later|after this|after)",
        whats_next,
    ),
    (
        "what (comes|is coming|s coming|will be on|is on) (next|after this|after|later)",
        whats_next,
    ),
    (
        "(whats|what is|what s|what) (on|playing|showing|airing) [on] [tv] [at moment|currently|today]",
        |_, _| {
            Some(MediaCommand::WhatsOn {
                when: When::Now,
                channel: None,
            })
        },
    ),
    (
        "(whats|what is|what s|what) (on|playing|showing|airing) [on] <ch>",
        whats_on,
    ),
    ("what am i watching", |_, _| {
        Some(MediaCommand::WhatsOn {
            when: When::Now,
            channel: None,
        })
    }),
    (
        "(whats|what is|what s) (this|that) [show|programme|program|movie|film|episode|called]",
        |_, _| {
            Some(MediaCommand::WhatsOn {
                when: When::Now,
                channel: None,
            })
        },
    ),
    (
        "(what|which) (show|programme|program|movie|film|episode) is (this|that|on)",
        |_, _| {
            Some(MediaCommand::WhatsOn {
                when: When::Now,
                channel: None,
            })
        },
    ),
    // Favourites.
    (
        "(add|put|save|pin) [this|it|channel|this channel|that|that channel] (to|in|into|on) [my] (favourites|favorites|faves|favs|favourite|favorite) [list|channels]",
        |_, _| Some(MediaCommand::AddFavourite { channel: None }),
    ),
    (
        "(add|put|save|pin) <ch> (to|in|into|on) [my] (favourites|favorites|faves|favs|favourite|favorite) [list|channels]",
        add_fav,
    ),
    (
        "(favourite|favorite|fave|star|bookmark) [this|it|channel|this channel|that]",
        |_, _| Some(MediaCommand::AddFavourite { channel: None }),
    ),
    ("(favourite|favorite|fave|star|bookmark) <ch>", add_fav),
    (
        "(mark|make|set) [this|it|channel|this channel] (as|a) [a] (favourite|favorite)",
        |_, _| Some(MediaCommand::AddFavourite { channel: None }),
    ),
    (
        "(remove|delete|take|drop|clear) [this|it|channel|this channel|that|that channel] (from|out of|off) [my] (favourites|favorites|faves|favs|favourite|favorite) [list|channels]",
        |_, _| Some(MediaCommand::RemoveFavourite { channel: None }),
    ),
    (
        "(remove|delete|take|drop) <ch> (from|out of|off) [my] (favourites|favorites|faves|favs|favourite|favorite) [list|channels]",
        remove_fav,
    ),
    (
        "(unfavourite|unfavorite|un favourite|un favorite|unstar|unfave) [this|it|channel|this channel|that]",
        |_, _| Some(MediaCommand::RemoveFavourite { channel: None }),
    ),
    (
        "(unfavourite|unfavorite|un favourite|un favorite|unstar) <ch>",
        remove_fav,
    ),
    // Subtitles.
    (
        "(turn|switch|put) on (subtitles|subtitle|captions|closed captions|closed captioning|cc|subs)",
        |_, _| Some(MediaCommand::Subtitles { on: true }),
    ),
    (
        "(turn|switch|put) (subtitles|subtitle|captions|closed captions|cc|subs) on",
        |_, _| Some(MediaCommand::Subtitles { on: true }),
    ),
    (
        "(show|enable|display|activate|i need|i want) (subtitles|subtitle|captions|closed captions|closed captioning|cc|subs)",
        |_, _| Some(MediaCommand::Subtitles { on: true }),
    ),
    (
        "(subtitles|subtitle|captions|closed captions|cc|subs) (on|please)",
        |_, _| Some(MediaCommand::Subtitles { on: true }),
    ),
    (
        "(turn|switch) off (subtitles|subtitle|captions|closed captions|closed captioning|cc|subs)",
        |_, _| Some(MediaCommand::Subtitles { on: false }),
    ),
    (
        "(turn|switch) (subtitles|subtitle|captions|closed captions|cc|subs) off",
        |_, _| Some(MediaCommand::Subtitles { on: false }),
    ),
    (
        "(hide|disable|remove|no|get rid of|deactivate) (subtitles|subtitle|captions|closed captions|closed captioning|cc|subs)",
        |_, _| Some(MediaCommand::Subtitles { on: false }),
    ),
    (
        "(subtitles|subtitle|captions|closed captions|cc|subs) off",
        |_, _| Some(MediaCommand::Subtitles { on: false }),
    ),
    // Companion mode.
    (
        "(turn|switch) on (companion|companion mode|commentary)",
        |_, _| Some(MediaCommand::Companion { on: true }),
    ),
    (
        "(turn|switch) (companion|companion mode|commentary) on",
        |_, _| Some(MediaCommand::Companion { on: true }),
    ),
    (
        "(enable|start|activate|begin) (companion|companion mode|commentary)",
        |_, _| Some(MediaCommand::Companion { on: true }),
    ),
    ("(companion|companion mode) on", |_, _| {
        Some(MediaCommand::Companion { on: true })
    }),
    (
        "(watch|lets watch) [this|it|tv] (with me|together|along with me)",
        |_, _| Some(MediaCommand::Companion { on: true }),
    ),
    ("keep me company", |_, _| {
        Some(MediaCommand::Companion { on: true })
    }),
    (
        "(turn|switch) off (companion|companion mode|commentary)",
        |_, _| Some(MediaCommand::Companion { on: false }),
    ),
    (
        "(turn|switch) (companion|companion mode|commentary) off",
        |_, _| Some(MediaCommand::Companion { on: false }),
    ),
    (
        "(disable|stop|exit|end|deactivate|leave|quit) (companion|companion mode|commentary)",
        |_, _| Some(MediaCommand::Companion { on: false }),
    ),
    ("(companion|companion mode) off", |_, _| {
        Some(MediaCommand::Companion { on: false })
    }),
    ("(stop|no more) (commenting|comments|commentary)", |_, _| {
        Some(MediaCommand::Companion { on: false })
    }),
    // Channel up / down / previous.
    ("(channel|chan|station) (up|plus|forward|next)", |_, _| {
        Some(MediaCommand::ChannelUp)
    }),
    (
        "[go|switch|change|move|flip|skip|jump] [to] [a|the] (next|following) (channel|station|one)",
        |_, _| Some(MediaCommand::ChannelUp),
    ),
    ("(go|move|flip|skip) up [a|one] [channel]", |_, _| {
        Some(MediaCommand::ChannelUp)
    }),
    ("(up|one) [a|one] channel [up]", |_, _| {
        Some(MediaCommand::ChannelUp)
    }),
    ("(skip|change) [this] (channel|station)", |_, _| {
        Some(MediaCommand::ChannelUp)
    }),
    ("(channel|chan|station) (down|minus|below)", |_, _| {
        Some(MediaCommand::ChannelDown)
    }),
    ("(go|move|flip|skip) down [a|one] [channel]", |_, _| {
        Some(MediaCommand::ChannelDown)
    }),
    ("(down|one) [a|one] channel down", |_, _| {
        Some(MediaCommand::ChannelDown)
    }),
    ("down a channel", |_, _| Some(MediaCommand::ChannelDown)),
    (
        "(previous|last|prior|other) (channel|station|one)",
        |_, _| Some(MediaCommand::PreviousChannel),
    ),
    (
        "(go|switch|flip|change|jump|take me) back [to] [previous|last|other|where i was|what i was watching] [channel|station|one]",
        |_, _| Some(MediaCommand::PreviousChannel),
    ),
    (
        "back to (previous|last|other) (channel|station|one)",
        |_, _| Some(MediaCommand::PreviousChannel),
    ),
    ("(channel|one) (before|i was watching)", |_, _| {
        Some(MediaCommand::PreviousChannel)
    }),
    // Channel by number (a playlist channel whose name is literally "channel 4" wins: see go_to_number).
    (
        "[go|switch|change|turn|tune|flip|jump|put|take me] [it] [over] [to|on|onto|into] (channel|chan|number|channel number|station) [number] <n>",
        go_to_number,
    ),
    ("<n>", go_to_number),
    // Channel by name.
    (
        "(watch|play|show|open|get|stream) [me] [channel] <ch> [channel|station]",
        watch,
    ),
    (
        "(put|turn|switch|tune|flip|jump|change|go|take me|bring up|pull up|give me|flick|switch over|change over|turn over|tune in|head) [it] [over] (to|on|onto|into) [channel|station] <ch> [channel|station]",
        watch,
    ),
    ("(put|turn|bring) <ch> on", watch),
    ("(change|switch) (channel|station|it) to <ch>", watch),
    (
        "(lets|can we|could we|i wanna|i want to|should we|i would like to) (watch|see|put on|switch to|go to|try) <ch>",
        watch,
    ),
    ("(tune|turn) (in|into) <ch>", watch),
    ("<ch>", watch_exact),
];

fn set_volume(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    let n = c.num?.value();
    (0.0..=100.0).contains(&n).then(|| MediaCommand::SetVolume {
        percent: n.round() as u8,
    })
}

fn step(c: &Caps) -> Option<Option<u8>> {
    match c.num {
        None => Some(None),
        Some(n) if (1.0..=100.0).contains(&n.value()) && n.minor.is_none() => {
            Some(Some(n.major as u8))
        }
        Some(_) => None,
    }
}

fn volume_up(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::VolumeUp { step: step(c)? })
}

fn volume_down(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::VolumeDown { step: step(c)? })
}

fn seek_forward(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::Seek {
        seconds: c.dur? as i32,
    })
}

fn seek_back(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::Seek {
        seconds: -(c.dur? as i32),
    })
}

fn whats_next(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    let channel = match c.chan {
        Some(r) => Some(g.channel(r)?),
        None => None,
    };
    Some(MediaCommand::WhatsOn {
        when: When::Next,
        channel,
    })
}

fn whats_on(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::WhatsOn {
        when: When::Now,
        channel: Some(g.channel(c.chan?)?),
    })
}

fn add_fav(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::AddFavourite {
        channel: Some(g.channel(c.chan?)?),
    })
}

fn remove_fav(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::RemoveFavourite {
        channel: Some(g.channel(c.chan?)?),
    })
}

fn go_to_number(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    let n = c.num?;
    // "put on channel 4" when the playlist has a channel called "Channel 4": the user said its name.
    if let Some(m) =
        g.g.directory
            .lookup_words(&["channel", &n.major.to_string()])
            .filter(|m| m.score >= 1.0)
        && n.minor.is_none()
        && c.said_channel_word
    {
        return Some(MediaCommand::WatchChannel {
            channel: g.channel_ref(m),
        });
    }
    let major = u32::try_from(n.major)
        .ok()
        .filter(|&m| m > 0 || n.minor.is_some())?;
    Some(MediaCommand::GoToChannelNumber {
        number: ChannelNumber {
            major,
            minor: n.minor,
        },
    })
}

fn watch(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::WatchChannel {
        channel: g.channel(c.chan?)?,
    })
}

/// A bare channel name is a command only when it is exactly a channel ("ESPN"), never fuzzily.
fn watch_exact(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    let m = g.lookup(c.chan?).filter(|m| m.score >= 1.0)?;
    Some(MediaCommand::WatchChannel {
        channel: g.channel_ref(m),
    })
}

#[derive(Debug)]
enum Item {
    Word(Box<str>),
    Group {
        alts: Vec<Vec<Item>>,
        optional: bool,
    },
    Num,
    Dur,
    Chan,
}

/// What a pattern captured.
#[derive(Debug, Clone, Copy, Default)]
struct Caps {
    num: Option<Num>,
    dur: Option<i64>,
    chan: Option<(usize, usize)>,
    /// The utterance named "channel" right before the number ("channel 4", not "number 4").
    said_channel_word: bool,
}

struct Rule {
    items: Vec<Item>,
    first_words: Option<Vec<Box<str>>>,
    build: Build,
}

/// The compiled grammar, bound to one playlist's channel names.
pub struct Grammar {
    rules: Vec<Rule>,
    directory: ChannelDirectory,
    /// Every word the rules spell out (sorted), for hearing repair.
    known: Vec<Box<str>>,
    /// The words of the lineup's channel names.
    names: std::collections::HashSet<Box<str>>,
}

impl Default for Grammar {
    fn default() -> Self {
        Self::new(ChannelDirectory::default())
    }
}

impl Grammar {
    pub fn new(directory: ChannelDirectory) -> Self {
        let rules = RULES
            .iter()
            .map(|(src, build)| {
                let items =
                    compile(src).unwrap_or_else(|e| panic!("bad grammar pattern {src:?}: {e}"));
                let first_words = first_words(&items);
                Rule {
                    items,
                    first_words,
                    build: *build,
                }
            })
            .collect::<Vec<_>>();
        let mut known = Vec::new();
        for rule in &rules {
            words(&rule.items, &mut known);
        }
        known.extend(FILLERS.iter().map(|w| Box::from(*w)));
        known.sort();
        known.dedup();
        // Channel names are words the grammar knows too ("prism" must not become "prison"),
        // but never what a misheard word becomes: the directory matches names fuzzily itself.
        let names = (0..directory.len())
            .flat_map(|i| {
                normalise(directory.name(i as u32))
                    .split(' ')
                    .map(Box::from)
                    .collect::<Vec<_>>()
            })
            .collect();
        Self {
            rules,
            directory,
            known,
            names,
        }
    }

    pub fn for_playlist(playlist: &Playlist) -> Self {
        Self::new(ChannelDirectory::new(
            playlist.channels.iter().map(|c| c.name.as_str()),
        ))
    }

    pub fn directory(&self) -> &ChannelDirectory {
        &self.directory
    }

    /// Parses what speech recognition heard: as [`Grammar::parse`], then, when that finds no
    /// command, with misheard words swapped for sound-alike command words (see
    /// [`super::soundalike`]). Returns the command and the sentence it was understood as.
    pub fn parse_heard(&self, transcript: &str) -> Option<(MediaCommand, String)> {
        if let Some(cmd) = self.parse(transcript) {
            return Some((cmd, transcript.to_owned()));
        }
        let norm = normalise(transcript);
        let toks: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
        let read = toks.iter().filter(|w| !FILLERS.contains(w)).count();
        if read == 0 || read > soundalike::MAX_WORDS {
            return None;
        }
        let mut swaps = soundalike::swaps(&toks, &self.known, |w| {
            self.known.binary_search_by(|k| (**k).cmp(w)).is_ok() || self.names.contains(w)
        });
        // A lone word has no context to vouch for it: only a near miss ("unute") counts.
        if toks.len() == 1 {
            swaps.retain(|s| s.cost <= soundalike::MAX_COST_ALONE);
        }
        // One swap, cheapest first; then two that do not overlap, cheapest pair first.
        for s in &swaps {
            let text = soundalike::apply(&toks, &[s]);
            if let Some(cmd) = self.parse(&text) {
                return Some((cmd, text));
            }
        }
        let mut pairs: Vec<(&soundalike::Swap, &soundalike::Swap)> = Vec::new();
        for (i, a) in swaps.iter().enumerate() {
            for b in &swaps[i + 1..] {
                if a.at + a.len <= b.at || b.at + b.len <= a.at {
                    pairs.push((a, b));
                }
            }
        }
        pairs.sort_by(|x, y| (x.0.cost + x.1.cost).total_cmp(&(y.0.cost + y.1.cost)));
        for (a, b) in pairs {
            let text = soundalike::apply(&toks, &[a, b]);
            if let Some(cmd) = self.parse(&text) {
                return Some((cmd, text));
            }
        }
        None
    }

    /// Parses one transcript. `None` means "not a media command": hand it to the LLM.
    pub fn parse(&self, transcript: &str) -> Option<MediaCommand> {
        let norm = normalise(transcript);
        let mut toks: Vec<&str> = norm
            .split(' ')
            .filter(|w| !w.is_empty() && !FILLERS.contains(w))
            .collect();
        strip(&mut toks);
        if toks.is_empty() || toks.len() > 24 {
            return None;
        }
        let m = Matcher { toks: &toks };
        let ctx = Ctx {
            toks: &toks,
            g: self,
            addressed: norm.split(' ').any(|w| w == "lumen"),
            looked_up: Default::default(),
        };
        for rule in &self.rules {
            if let Some(first) = &rule.first_words
                && !first.iter().any(|w| **w == *toks[0])
            {
                continue;
            }
            let mut found = None;
            let mut caps = Caps::default();
            m.run(&rule.items, &Cont::End, 0, &mut caps, &mut |caps| {
                found = (rule.build)(caps, &ctx);
                found.is_some()
            });
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

impl Ctx<'_> {
    fn lookup(&self, (a, b): (usize, usize)) -> Option<ChannelMatch> {
        if let Some((_, m)) = self.looked_up.borrow().iter().find(|(r, _)| *r == (a, b)) {
            return *m;
        }
        let m = self.g.directory.lookup_words(&self.toks[a..b]);
        self.looked_up.borrow_mut().push(((a, b), m));
        m
    }

    fn channel(&self, r: (usize, usize)) -> Option<ChannelRef> {
        self.lookup(r).map(|m| self.channel_ref(m))
    }

    fn channel_ref(&self, m: ChannelMatch) -> ChannelRef {
        ChannelRef {
            index: m.index,
            name: self.g.directory.name(m.index).to_owned(),
        }
    }
}

fn strip(toks: &mut Vec<&str>) {
    loop {
        let before = toks.len();
        for p in LEADING {
            if toks.len() > p.len() && toks[..p.len()] == **p {
                toks.drain(..p.len());
            }
        }
        for p in TRAILING {
            if toks.len() > p.len() && toks[toks.len() - p.len()..] == **p {
                toks.truncate(toks.len() - p.len());
            }
        }
        if toks.len() == before {
            return;
        }
    }
}

/// Every literal word of a pattern.
fn words(items: &[Item], out: &mut Vec<Box<str>>) {
    for item in items {
        match item {
            Item::Word(w) => out.push(w.clone()),
            Item::Group { alts, .. } => alts.iter().for_each(|alt| words(alt, out)),
            _ => {}
        }
    }
}

/// The words a rule can start with, for a quick reject (`None` when it can start with a capture
/// or everything is optional).
fn first_words(items: &[Item]) -> Option<Vec<Box<str>>> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Word(w) => {
                out.push(w.clone());
                return Some(out);
            }
            Item::Group { alts, optional } => {
                for alt in alts {
                    out.extend(first_words(alt)?);
                }
                if !optional {
                    return Some(out);
                }
            }
            _ => return None,
        }
    }
    None
}

enum Cont<'a> {
    End,
    Then(&'a [Item], &'a Cont<'a>),
}

struct Matcher<'a> {
    toks: &'a [&'a str],
}

impl Matcher<'_> {
    /// Matches `items` then the continuation at `pos`; `done` sees each full match and says
    /// whether to stop (it may reject, e.g. when a channel name doesn't resolve).
    fn run(
        &self,
        items: &[Item],
        cont: &Cont<'_>,
        pos: usize,
        caps: &mut Caps,
        done: &mut dyn FnMut(&Caps) -> bool,
    ) -> bool {
        let Some((first, rest)) = items.split_first() else {
            return match cont {
                Cont::End => pos == self.toks.len() && done(caps),
                Cont::Then(next, outer) => self.run(next, outer, pos, caps, done),
            };
        };
        let k = Cont::Then(rest, cont);
        match first {
            Item::Word(w) => {
                self.toks.get(pos).is_some_and(|t| **t == **w)
                    && self.run(&[], &k, pos + 1, caps, done)
            }
            Item::Group { alts, optional } => {
                for alt in alts {
                    let saved = *caps;
                    if self.run(alt, &k, pos, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                *optional && self.run(&[], &k, pos, caps, done)
            }
            Item::Num => {
                for (end, n) in numbers_at(self.toks, pos) {
                    let saved = *caps;
                    caps.num = Some(n);
                    caps.said_channel_word = pos > 0 && self.toks[pos - 1] == "channel";
                    if self.run(&[], &k, end, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
            Item::Dur => {
                for (end, secs) in durations_at(self.toks, pos) {
                    let saved = *caps;
                    caps.dur = Some(secs);
                    if self.run(&[], &k, end, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
            Item::Chan => {
                // Longest name first; the channel is resolved only once the rest matched.
                for end in (pos + 1..=self.toks.len()).rev() {
                    let saved = *caps;
                    caps.chan = Some((pos, end));
                    if self.run(&[], &k, end, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
        }
    }
}

fn compile(src: &str) -> Result<Vec<Item>, String> {
    let mut toks = Vec::new();
    let mut word = String::new();
    for c in src.chars() {
        if matches!(c, '(' | ')' | '[' | ']' | '|' | ' ') {
            if !word.is_empty() {
                toks.push(std::mem::take(&mut word));
            }
            if c != ' ' {
                toks.push(c.to_string());
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        toks.push(word);
    }
    let mut pos = 0;
    let alts = parse_alts(&toks, &mut pos)?;
    if pos != toks.len() {
        return Err(format!("unexpected {:?}", toks[pos]));
    }
    match <[Vec<Item>; 1]>::try_from(alts) {
        Ok([seq]) => Ok(seq),
        Err(alts) => Ok(vec![Item::Group {
            alts,
            optional: false,
        }]),
    }
}

fn parse_alts(toks: &[String], pos: &mut usize) -> Result<Vec<Vec<Item>>, String> {
    let mut alts = vec![Vec::new()];
    while let Some(t) = toks.get(*pos) {
        match t.as_str() {
            ")" | "]" => break,
            "|" => {
                *pos += 1;
                alts.push(Vec::new());
            }
            "(" | "[" => {
                *pos += 1;
                let inner = parse_alts(toks, pos)?;
                let close = if t == "(" { ")" } else { "]" };
                if toks.get(*pos).map(String::as_str) != Some(close) {
                    return Err(format!("missing {close}"));
                }
                *pos += 1;
                alts.last_mut().expect("non-empty").push(Item::Group {
                    alts: inner,
                    optional: t == "[",
                });
            }
            "<n>" | "<dur>" | "<ch>" => {
                *pos += 1;
                let item = match t.as_str() {
                    "<n>" => Item::Num,
                    "<dur>" => Item::Dur,
                    _ => Item::Chan,
                };
                alts.last_mut().expect("non-empty").push(item);
            }
            "%" => {
                *pos += 1;
                alts.last_mut()
                    .expect("non-empty")
                    .push(Item::Word("percent".into()));
            }
            w => {
                *pos += 1;
                alts.last_mut()
                    .expect("non-empty")
                    .push(Item::Word(w.into()));
            }
        }
    }
    Ok(alts)
}
