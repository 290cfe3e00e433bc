//! The grammar's rules: `RULES`, each phrasing a pattern over the whole utterance and the
//! action that builds its [`MediaCommand`] from what the pattern captured. The pattern engine
//! that matches them is in `grammar.rs`; to add a phrasing, add a pattern here.

use super::channels::{ChannelDirectory, ChannelMatch};
use super::numbers::Num;
use super::{BroadcastTo, ChannelRef, MediaCommand, When};
use crate::playlist::ChannelNumber;

/// What a pattern captured.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Caps {
    pub(super) num: Option<Num>,
    pub(super) dur: Option<i64>,
    pub(super) chan: Option<(usize, usize)>,
    /// What `<text>` took.
    pub(super) text: Option<Span>,
    /// A language's code (`<lang>`).
    pub(super) lang: Option<&'static str>,
    /// The utterance named "channel" right before the number ("channel 4", not "number 4").
    pub(super) said_channel_word: bool,
}

pub(super) type Build = fn(&Caps, &Ctx<'_>) -> Option<MediaCommand>;

/// What a rule's action sees: the utterance's words and the lineup's channels (for lookups).
pub(super) struct Ctx<'a> {
    pub(super) toks: &'a [&'a str],
    pub(super) directory: &'a ChannelDirectory,
    /// The user said Lumen's name (a filler the rules never see): "be quiet" is then for her.
    pub(super) addressed: bool,
    /// Several rules may try the same words as a channel: look each span up once.
    pub(super) looked_up: std::cell::RefCell<Vec<(Span, Option<ChannelMatch>)>>,
}

/// A range of the utterance's words.
pub(super) type Span = (usize, usize);

/// `(pattern, action)`, tried in order; the first that matches and builds wins.
fn when_is(c: &Caps, ctx: &Ctx<'_>) -> Option<MediaCommand> {
    let (a, b) = c.text?;
    // "What time is it?" asks the clock, not the guide.
    if b - a == 1 && matches!(ctx.toks[a], "it" | "this" | "that" | "now" | "there") {
        return None;
    }
    // A title does not start with a preposition ("what's on hell", misheard as "when's on
    // hell", is not a question about a programme called "on hell").
    if matches!(ctx.toks[a], "on" | "at" | "in" | "to" | "for") {
        return None;
    }
    Some(MediaCommand::WhenIs {
        title: ctx.toks[a..b].join(" "),
    })
}

/// "Record the late film": the title, as "when is" reads it.
fn record_programme(c: &Caps, ctx: &Ctx<'_>) -> Option<MediaCommand> {
    match when_is(c, ctx)? {
        MediaCommand::WhenIs { title } => Some(MediaCommand::RecordProgramme { title }),
        _ => None,
    }
}

/// "Remind me when the news is on": the title, as "when is" reads it.
fn remind(c: &Caps, ctx: &Ctx<'_>) -> Option<MediaCommand> {
    match when_is(c, ctx)? {
        MediaCommand::WhenIs { title } => Some(MediaCommand::Remind { title }),
        _ => None,
    }
}

fn broadcast(on: bool, to: BroadcastTo) -> MediaCommand {
    MediaCommand::Broadcast { on, to }
}

fn audio_language(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::AudioLanguage {
        language: c.lang?.to_owned(),
    })
}

fn subtitle_language(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::SubtitleLanguage {
        language: c.lang?.to_owned(),
    })
}

pub(super) const RULES: &[(&str, Build)] = &[
    // The composed scene streamed or recorded: before recording, whose "stop recording" and
    // "record show X" would take these. ("the", "please" and "lumen" are fillers: never in a
    // pattern.) "Stop the stream" is not here: while watching, that is stopping the TV.
    (
        "(start|begin) (streaming|broadcasting|broadcast|a stream|a broadcast) [now|with|with me|with us|together]",
        |_, _| Some(broadcast(true, BroadcastTo::Stream)),
    ),
    (
        "[let s|lets] stream (this|it|match|game|show|us) [now|with|with me|with us|together]",
        |_, _| Some(broadcast(true, BroadcastTo::Stream)),
    ),
    (
        "(stop|end|finish) (streaming|broadcasting|broadcast) [now]",
        |_, _| Some(broadcast(false, BroadcastTo::Stream)),
    ),
    ("go offline [now]", |_, _| {
        Some(broadcast(false, BroadcastTo::Stream))
    }),
    (
        "(record|film|capture) [this|our] (show|match|game|screen|scene|programme|program|stream|it|this|us) with [you|me|us]",
        |_, _| Some(broadcast(true, BroadcastTo::File)),
    ),
    (
        "(record|film|capture) [what s on|what is on] [whole] (screen|scene)",
        |_, _| Some(broadcast(true, BroadcastTo::File)),
    ),
    (
        "(stop|end|finish) (recording|filming|capturing) (screen|scene|us|with|with you|show with|match with|game with)",
        |_, _| Some(broadcast(false, BroadcastTo::File)),
    ),
    // Recording before stop/start, so "stop recording" is not "stop".
    (
        "(stop|cancel|end|finish|thats enough|enough|no more) [this|the] (recording|record|recorder) [this|now|it]",
        |_, _| Some(MediaCommand::StopRecording),
    ),
    (
        "(dont|do not|stop) record [this|it] (anymore|any more|any longer)",
        |_, _| Some(MediaCommand::StopRecording),
    ),
    (
        "(start|begin|make) [a|new] (recording|taping) [this|it|show|programme|program|channel|now]",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    (
        "(record|tape) (what im watching|what i m watching|what i am watching|what we re watching|what were watching|now|this now|it now)",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    (
        "(record|tape) [this|it|that] [show|programme|program|movie|film|match|game|episode|channel|tv|one|bit] [now|from here|from now|from now on|for later|for me]",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    (
        "(record|tape) rest of (this|it|that|show|programme|program|movie|film|match|game|episode)",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    (
        "(record|tape) (whats on|what s on|what is on) [now|right now|here|this channel]",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    // Kept for later without the word "record": what is on now, never a channel or a title.
    (
        "(save|keep) (this|it|that) (show|programme|program|movie|film|match|game|episode) [for later|for me]",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    (
        "(make|grab|get|take|keep) a (recording|copy) of (this|it|that) [show|programme|program|movie|film|match|game|episode]",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    (
        "(get|have) (this|it|that) [show|programme|program|movie|film|match|game|episode] recorded",
        |_, _| Some(MediaCommand::StartRecording),
    ),
    ("set (it|this) recording", |_, _| {
        Some(MediaCommand::StartRecording)
    }),
    ("(press|hit|push) record [button]", |_, _| {
        Some(MediaCommand::StartRecording)
    }),
    // A programme by name: a timer ("record match of the day tonight").
    (
        "(schedule a recording of|set a recording for|set a timer for|set up a recording of|record programme|record show) <text> [tonight|today|tomorrow|later|please|when it s on|when it starts|for me]",
        record_programme,
    ),
    // "Record X" and when: a programme (a bare "record X" is below, after what the words may be).
    (
        "(record|tape) <text> (tonight|tomorrow|later|please|when it s on|when it starts|when it comes on|for me)",
        record_programme,
    ),
    // "Record the news": a title alone after the verb (what names a screen or a person is
    // the broadcast's, above, or no title).
    ("(record|tape) <text>", |c, ctx| {
        let (a, b) = c.text?;
        // Not a word that makes "record" part of a name ("record breaking heat"), who is
        // recorded, or a short word that was "this" misheard ("record is").
        const OWN: &[&str] = &["my", "our", "your", "us", "me", "you", "what", "whats"];
        let first = ctx.toks[a];
        let lone_short = b - a == 1 && first.len() < 3;
        let named = !OWN.contains(&first) && first != "everything" && !first.ends_with("ing");
        (b - a <= 3 && named && !lone_short).then_some(())?;
        record_programme(c, ctx)
    }),
    // Volume, absolute.
    (
        "[set|change|put|turn|bring|adjust|make] [it|tv] (volume|sound|audio) [level] [to|at|on] <n> [percent|%]",
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
    (
        "[set|turn|put|crank|bring] [it|volume|sound] [up] (to|on|at) (max|maximum|full|full volume)",
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
        "(turn|crank|pump|bump|put|bring|whack|push) (it|volume|sound|tv|audio|this|that) [right] up [a] [bit|little|notch|touch|tad|lot] [bit] [more] [by <n> [percent|points|notches]]",
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
        "(turn|crank|pump|bump|put|bring) (it|volume|sound|tv|audio|this) up <n> [percent|points|notches]",
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
    (
        "[a] [bit|little|lot|touch|tad] (more|higher) volume",
        volume_up,
    ),
    (
        "i (cant|can not|cannot|can barely|can hardly|barely|hardly|can only just|could not|couldnt) hear [it|anything|that|this|them|him|her|a thing|what theyre saying|what they are saying]",
        volume_up,
    ),
    (
        "(its|it is|thats|that is|this is|volume is|sound is|tv is|volume s) [a] [bit|little|way|much|far] [too|so|very|really] (quiet|low|soft)",
        volume_up,
    ),
    (
        "(turn|bring|put|tone|keep) (it|volume|sound|tv|audio|this|that) down [a] [bit|little|notch|touch|tad|lot] [bit] [more] [by <n> [percent|points|notches]]",
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
        "(turn|bring|put) (it|volume|sound|tv|audio|this) down <n> [percent|points|notches]",
        volume_down,
    ),
    (
        "(decrease|lower|reduce|drop) [it|volume|sound|audio] [a] [bit|little] [by <n> [percent|points]]",
        volume_down,
    ),
    (
        "[make] [it|this|tv|sound|volume] [a] [bit|little|lot|much|tad] [bit] (quieter|softer|less loud)",
        volume_down,
    ),
    ("(quieter|softer) [a] [bit|little] [more]", volume_down),
    (
        "[a] [bit|little|lot|touch|tad] (less|lower) volume",
        volume_down,
    ),
    (
        "[its|it is|thats|that is|this is|volume is|sound is|tv is] [a] [bit|little|way|much|far|so|really] (too|so|very|really) loud",
        volume_down,
    ),
    ("(not|less) (so|too) loud", volume_down),
    // Mute.
    (
        "(mute|silence) [it|tv|volume|sound|audio|this|that|everything|ads|adverts|advert|commercials|adds|him|her|them]",
        |_, _| Some(MediaCommand::Mute),
    ),
    ("(press|hit|push) mute [button]", |_, _| {
        Some(MediaCommand::Mute)
    }),
    ("(put|set|stick) (it|this|tv|sound) on mute", |_, _| {
        Some(MediaCommand::Mute)
    }),
    ("make (it|this|tv) (silent|mute)", |_, _| {
        Some(MediaCommand::Mute)
    }),
    ("shut (it|that|this|tv) up", |_, _| Some(MediaCommand::Mute)),
    (
        "(turn|switch|shut) (off|down) (sound|audio|volume)",
        |_, _| Some(MediaCommand::Mute),
    ),
    ("(turn|switch|shut) (sound|audio|volume) off", |_, _| {
        Some(MediaCommand::Mute)
    }),
    ("(sound|audio) off", |_, _| Some(MediaCommand::Mute)),
    (
        "(kill|close|end) (stream|video|playback|tv|channel|picture)",
        |_, _| Some(MediaCommand::Stop),
    ),
    ("(kill|cut) [sound|audio]", |_, _| Some(MediaCommand::Mute)),
    ("(no|without) sound", |_, _| Some(MediaCommand::Mute)),
    // "Be quiet, Lumen" hushes her (companion mode off); "be quiet" alone mutes the TV.
    ("(be quiet|quiet|shush|hush|shh|shhh|sh)", |_, ctx| {
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
    ("(bring|give me) [back] (sound|audio) [back]", |_, _| {
        Some(MediaCommand::Unmute)
    }),
    ("(take|bring) (it|this|tv|sound) off mute", |_, _| {
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
        "(fast forward|fastforward|skip ahead|skip forward|jump ahead|jump forward|go forward|move forward) [a bit|a little]",
        |_, _| Some(MediaCommand::Seek { seconds: 30 }),
    ),
    (
        "(rewind|go back|skip back|jump back|back|seek back|move back|skip backward|skip backwards|go backwards|rewind back) [by] <dur>",
        seek_back,
    ),
    ("<dur> (back|backward|backwards|earlier|ago)", seek_back),
    ("(wind|roll|run|take) [it] back [by] <dur>", seek_back),
    ("back up [by] <dur>", seek_back),
    (
        "(rewind|skip back|jump back|go back a bit|rewind a bit|back up a bit)",
        |_, _| Some(MediaCommand::Seek { seconds: -10 }),
    ),
    // What was missed (before "what's on").
    (
        "what did i miss [there|then|while i was away|while i was gone]",
        |_, _| Some(MediaCommand::CatchMeUp),
    ),
    ("(catch|fill) me (up|in)", |_, _| {
        Some(MediaCommand::CatchMeUp)
    }),
    ("what happened while i was (away|gone|out)", |_, _| {
        Some(MediaCommand::CatchMeUp)
    }),
    ("did i miss (anything|something|much)", |_, _| {
        Some(MediaCommand::CatchMeUp)
    }),
    ("what (have i|ve i|did we|have we) missed", |_, _| {
        Some(MediaCommand::CatchMeUp)
    }),
    ("(bring|get) me up to speed", |_, _| {
        Some(MediaCommand::CatchMeUp)
    }),
    ("[give me|can i have|can i get] [a|quick] recap", |_, _| {
        Some(MediaCommand::CatchMeUp)
    }),
    ("(show|let) me [see] (it|that|goal|that moment)", |_, _| {
        Some(MediaCommand::ShowMoment)
    }),
    ("show me", |_, _| Some(MediaCommand::ShowMoment)),
    (
        "(jump|go|take me|skip) [back] to (it|that|goal|that moment)",
        |_, _| Some(MediaCommand::ShowMoment),
    ),
    // Back to live from a pause or a rewind (before "go back" and "watch <channel>").
    (
        "[go|jump|skip|get|come|take me|bring me|switch|return|show me|give me|put on|i want] [back] [to] (live|live edge|live tv|live television|live broadcast|live stream|live feed)",
        |_, _| Some(MediaCommand::GoLive),
    ),
    (
        "(back to|catch up to|resume) live [tv|television|edge|broadcast|stream]",
        |_, _| Some(MediaCommand::GoLive),
    ),
    ("[watch] live [tv|television] again", |_, _| {
        Some(MediaCommand::GoLive)
    }),
    // Recording checked above; now play / pause / stop.
    (
        "(play|resume|continue|unpause|un pause) [it|playback|playing|video|show|stream|tv|this|movie|program|programme]",
        |_, _| Some(MediaCommand::Play),
    ),
    (
        "(start|keep|continue|carry on) (playing|watching)",
        |_, _| Some(MediaCommand::Play),
    ),
    ("(press|hit) play", |_, _| Some(MediaCommand::Play)),
    ("carry on", |_, _| Some(MediaCommand::Play)),
    ("let (it|this|that) (play|run|roll|go)", |_, _| {
        Some(MediaCommand::Play)
    }),
    ("(take|bring) (it|this|tv) off pause", |_, _| {
        Some(MediaCommand::Play)
    }),
    ("start (it|that|this) [up]", |_, _| Some(MediaCommand::Play)),
    (
        "(pause|paws|pose) [it|this|that] [playback|video|show|stream|tv|movie|program|programme|film|match|game|episode|channel] [for a (second|moment|minute|sec|bit)]",
        |_, _| Some(MediaCommand::Pause),
    ),
    ("(press|hit|push) (pause|paws) [button]", |_, _| {
        Some(MediaCommand::Pause)
    }),
    ("(press|hit|push) play [button]", |_, _| {
        Some(MediaCommand::Play)
    }),
    (
        "(put|set|stick|place) (it|this|that|tv) on (pause|hold)",
        |_, _| Some(MediaCommand::Pause),
    ),
    (
        "(hold|freeze) [it|that|this|picture|frame|screen|everything] [right] [there]",
        |_, _| Some(MediaCommand::Pause),
    ),
    ("freeze frame", |_, _| Some(MediaCommand::Pause)),
    (
        "stop [it|that|this] [right there|there] for a (second|moment|minute|sec|bit)",
        |_, _| Some(MediaCommand::Pause),
    ),
    // "Stop it there": the picture held, not the channel stopped.
    ("stop [it|that|this] [right] there", |_, _| {
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
    ("(turn|switch|shut|power) (tv|it|everything) off", |_, _| {
        Some(MediaCommand::Stop)
    }),
    ("power off", |_, _| Some(MediaCommand::Stop)),
    // Guide.
    (
        "(hide|close|dismiss|exit|leave|quit|get rid of|remove|turn off) [tv|program|programme|channel] (guide|epg|schedule|listings|channel list|list|menu)",
        |_, _| Some(MediaCommand::HideGuide),
    ),
    (
        "(show|open|open up|bring up|call up|put up|pop up|display|pull up|go to|take me to|flick to|switch to|jump to|get|launch|see|let me see|give me|can i see|can we see|could i see|i want to see|i wanna see|check|list|look at|let me look at|have a look at|lets have a look at|take a look at|lets look at|browse|flick through|scroll through|go through) [me] [all] [tv|program|programme|channel|electronic program|electronic programme] (guide|epg|schedule|listings|channel list|list of channels|channels|lineup|line up)",
        |_, _| Some(MediaCommand::ShowGuide),
    ),
    // The guide brought up with the particle after it ("get the guide up", "put the guide on").
    (
        "(bring|get|pull|pop|put|call|stick|throw|open) [tv|program|programme|channel] (guide|epg|schedule|listings|channel list|lineup|line up) (up|on|open)",
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
    // To be shown what is on is the guide; to be told (below) is a question.
    (
        "(show me|let me see|can i see|i want to see|see|lets see) (whats on|what is on|what s on|what else is on|everything thats on|what there is)",
        |_, _| Some(MediaCommand::ShowGuide),
    ),
    (
        "(whats|what is|what s) on [all] (other channels|others|elsewhere|other side)",
        |_, _| Some(MediaCommand::ShowGuide),
    ),
    ("(guide|epg|listings) (on|up)", |_, _| {
        Some(MediaCommand::ShowGuide)
    }),
    ("(guide|epg|listings|menu) (off|away)", |_, _| {
        Some(MediaCommand::HideGuide)
    }),
    ("(take|put) [tv] (guide|epg|listings|menu) away", |_, _| {
        Some(MediaCommand::HideGuide)
    }),
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
        "(whats|what is|what s|what) coming on (next|later|after|after this)",
        whats_next,
    ),
    (
        "(whats|what is|what s|what) [next] [show|programme|program|film|movie|thing] [on] (after|following) (this|that|it) [show|programme|program|film|movie|match|game|one]",
        whats_next,
    ),
    (
        "what (follows|comes after|comes on after) (this|that|it) [show|programme|program|film|movie|match|game|one]",
        whats_next,
    ),
    (
        "(whats|what is|what s) next (show|programme|program|film|movie|thing)",
        whats_next,
    ),
    (
        "what (comes|comes on|is coming|s coming|will be on|is on) (next|after this|after|later)",
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
        "(whats|what is|what s|what) (on|playing|showing|airing) [at moment|right now|currently|now] [over] [on] <ch> [at moment|right now|currently|now]",
        whats_on,
    ),
    (
        "what (are they|is it|s it|is) (showing|playing|airing) [on] [tv]",
        |_, _| {
            Some(MediaCommand::WhatsOn {
                when: When::Now,
                channel: None,
            })
        },
    ),
    (
        "what (are they|is it|s it|is) (showing|playing|airing) on <ch>",
        whats_on,
    ),
    (
        "what (am i|are we|are you|is it were|is this were|is this we re) watching",
        |_, _| {
            Some(MediaCommand::WhatsOn {
                when: When::Now,
                channel: None,
            })
        },
    ),
    (
        "(whats|what is|what s) (this|that) [show|programme|program|movie|film|episode|match|game] [called|were watching|we re watching|im watching|i m watching|on now|on screen]",
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
    // From the start, from the archive ("the" is a filler, gone before rules see the words).
    (
        "(start|play|watch|restart) [this|it|show|programme|program|this show|this programme|this program] (over|again|from start|from beginning|again from start|again from beginning|again from top|over again|all over again|from very beginning|from very start)",
        |_, _| Some(MediaCommand::StartOver),
    ),
    (
        "(start over|restart [this|it] [show|programme|program|film|movie|episode]|from beginning|from start|from top)",
        |_, _| Some(MediaCommand::StartOver),
    ),
    (
        "[go|skip|jump|rewind|take me|take it] [back] to (start|beginning)",
        |_, _| Some(MediaCommand::StartOver),
    ),
    // Reminders, before "when is" ("remind me when the news is on" is not a question).
    (
        "(remind me|tell me|warn me|let me know|give me a shout|give me a heads up) (when|before) <text> (is on|starts|begins|comes on|airs|is showing|is airing|is starting|on) [tonight|today|tomorrow|next|again|later]",
        remind,
    ),
    (
        "(remind me|set a reminder|set reminder|add a reminder|make a reminder) (about|of|for|to watch|to see) <text> [tonight|today|tomorrow|later|please]",
        remind,
    ),
    (
        "(set|add) a reminder (when|for when) <text> (is on|starts|comes on)",
        remind,
    ),
    // When is a programme on.
    (
        "(when is|whens|when s|when are|when will|when do they show|when does it show|when can i watch|when can i see) <text> (on|showing|airing|be on) [tonight|today|tomorrow|next|again|later|this week]",
        when_is,
    ),
    (
        "when (does|do|will) <text> (start|begin|come on|air|be on|show|on)",
        when_is,
    ),
    (
        "when (can i|could i|can we) (watch|see|catch) <text> [tonight|today|tomorrow|next|again|later]",
        when_is,
    ),
    ("what time (is|s|does|do) <text> [on|start|begin]", when_is),
    (
        "(when is|whens|when s) <text> [tonight|today|tomorrow|next|again]",
        when_is,
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
    ("(save|keep) (this|that) (channel|station)", |_, _| {
        Some(MediaCommand::AddFavourite { channel: None })
    }),
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
    // Tracks: a language for the sound or the subtitles. Before the plain subtitle rules so
    // "subtitles in Spanish" is not "subtitles on"; "switch to German" alone is tried after
    // the channel names (a channel may be called that).
    (
        "[switch|change|put|turn|set] [it|audio|sound] (to|into) <lang> (audio|sound|language|dub|track|version|soundtrack)",
        audio_language,
    ),
    (
        "[switch|change|set|put] (audio|sound|language|dub|soundtrack|audio track|sound track) (to|into|in) <lang>",
        audio_language,
    ),
    (
        "(i want|give me|play|let me hear|listen|hear|put|have|make|dub|can i have|could i have|can we have|can i get|can we get|i would like|id like|i would like to hear|id like to hear) [it|this] [on] in <lang>",
        audio_language,
    ),
    ("(in|speak|talk|speak in|talk in) <lang>", audio_language),
    ("(make|have) (it|this) [in] <lang>", audio_language),
    (
        "[use|choose|pick|select|i want|give me|can i have|can we have|can i get|can we get|put on|switch on|turn on] <lang> (audio|sound|dub|soundtrack|language|version|track|audio track|sound track) [on|please]",
        audio_language,
    ),
    (
        "[turn|switch|put|show|set|change] [on] (subtitles|subtitle|captions|subs) (in|to|into) <lang>",
        subtitle_language,
    ),
    (
        "[turn|switch|put|show|give me|i want] [on] <lang> (subtitles|subtitle|captions|subs) [on]",
        subtitle_language,
    ),
    // Subtitles.
    (
        "(turn|switch|put|pop|stick) on (subtitles|subtitle|captions|closed captions|closed captioning|cc|subs)",
        |_, _| Some(MediaCommand::Subtitles { on: true }),
    ),
    (
        "(turn|switch|put|pop|stick) (subtitles|subtitle|captions|closed captions|cc|subs) on",
        |_, _| Some(MediaCommand::Subtitles { on: true }),
    ),
    (
        "(show|enable|display|activate|i need|i want|give me|can i have|can i get|could i have|can we have|i would like) (subtitles|subtitle|captions|closed captions|closed captioning|cc|subs)",
        |_, _| Some(MediaCommand::Subtitles { on: true }),
    ),
    ("(subtitles|captions|closed captions|subs) [on]", |_, _| {
        Some(MediaCommand::Subtitles { on: true })
    }),
    (
        "(turn|switch) off (subtitles|subtitle|captions|closed captions|closed captioning|cc|subs)",
        |_, _| Some(MediaCommand::Subtitles { on: false }),
    ),
    (
        "(turn|switch|take|put|get) (subtitles|subtitle|captions|closed captions|cc|subs) (off|away)",
        |_, _| Some(MediaCommand::Subtitles { on: false }),
    ),
    (
        "(hide|disable|remove|no|no more|get rid of|deactivate|lose|kill|drop|i dont need|i do not need|dont need|dont want|i dont want|no need for) (subtitles|subtitle|captions|closed captions|closed captioning|cc|subs) [anymore|any more]",
        |_, _| Some(MediaCommand::Subtitles { on: false }),
    ),
    (
        "(subtitles|subtitle|captions|closed captions|cc|subs) off",
        |_, _| Some(MediaCommand::Subtitles { on: false }),
    ),
    // How the screen is arranged: layouts, picture-in-picture, multi-view.
    (
        "[turn on|open|show|start|give me] (picture in picture|pip|picture in a picture)",
        |_, _| Some(MediaCommand::PictureInPicture { on: true }),
    ),
    ("(picture in picture|pip) on", |_, _| {
        Some(MediaCommand::PictureInPicture { on: true })
    }),
    (
        "(turn off|close|hide|stop|end|exit|no more) [the] (picture in picture|pip|little picture|small picture|corner picture)",
        |_, _| Some(MediaCommand::PictureInPicture { on: false }),
    ),
    ("(picture in picture|pip) off", |_, _| {
        Some(MediaCommand::PictureInPicture { on: false })
    }),
    (
        "(swap|switch|flip|exchange) [the] (pictures|channels|screens|two channels|big and small picture|picture in picture|pip)",
        |_, _| Some(MediaCommand::SwapPictures),
    ),
    (
        "[show|open|turn on|start|give me] (multi view|multiview|multi screen|four channels|4 channels|quad view|two by two|2 by 2|four screens)",
        |_, _| Some(MediaCommand::MultiView { on: true }),
    ),
    (
        "(close|exit|leave|turn off|stop|end|no more) [the] (multi view|multiview|multi screen|quad view|four channels|four screens)",
        |_, _| Some(MediaCommand::MultiView { on: false }),
    ),
    (
        "[show|put|go|switch|change] [to] [the] (side by side|split screen) [view|layout|mode]",
        |_, _| {
            Some(MediaCommand::Layout {
                layout: super::LayoutName::SideBySide,
            })
        },
    ),
    (
        "(make|show|put) (lumen|yourself|you) (big|bigger|large|larger)",
        |_, _| {
            Some(MediaCommand::Layout {
                layout: super::LayoutName::LumenBig,
            })
        },
    ),
    (
        "[go|switch|change|back] [back] [to] [the] (normal|regular|usual|standard|tv|full screen) (view|layout|screen)",
        |_, _| {
            Some(MediaCommand::Layout {
                layout: super::LayoutName::Tv,
            })
        },
    ),
    (
        "[use|show|switch to] my (layout|own layout|custom layout)",
        |_, _| {
            Some(MediaCommand::Layout {
                layout: super::LayoutName::Custom,
            })
        },
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
        "[come|come and|come on] (watch|lets watch) [this|it|tv] (with me|together|along with me)",
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
    ("(leave me alone|leave me be|go away)", |_, _| {
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
        "[go|switch|change|move|flip|flick|skip|jump|go on|move on] [to|over to] [a|the] (next|following) (channel|station|one)",
        |_, _| Some(MediaCommand::ChannelUp),
    ),
    ("(go|move|flip|skip) up [a|one] [channel]", |_, _| {
        Some(MediaCommand::ChannelUp)
    }),
    ("(up|one) [a|one] channel [up]", |_, _| {
        Some(MediaCommand::ChannelUp)
    }),
    ("up (one|a station)", |_, _| Some(MediaCommand::ChannelUp)),
    ("(skip|change) [this] (channel|station)", |_, _| {
        Some(MediaCommand::ChannelUp)
    }),
    (
        "[go|move|flip|skip|switch|change] [to|down to] [a] (channel|station|one) (below|under|beneath|underneath)",
        |_, _| Some(MediaCommand::ChannelDown),
    ),
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
    ("down (one|a station)", |_, _| {
        Some(MediaCommand::ChannelDown)
    }),
    // "Go back one channel": down the list (not back to the last one watched).
    (
        "[go|move|flip|skip] back (a|one) (channel|station)",
        |_, _| Some(MediaCommand::ChannelDown),
    ),
    (
        "(previous|last|prior|other) (channel|station|one)",
        |_, _| Some(MediaCommand::PreviousChannel),
    ),
    (
        "(go|switch|flip|change|jump|take me) back [to] [previous|last|other|where i was|what i was watching|what i was on] [channel|station|one]",
        |_, _| Some(MediaCommand::PreviousChannel),
    ),
    (
        "back to (previous|last|other) (channel|station|one)",
        |_, _| Some(MediaCommand::PreviousChannel),
    ),
    (
        "[go|switch|flip|take me|jump|get] back to (what i was watching|what i was on|where i was)",
        |_, _| Some(MediaCommand::PreviousChannel),
    ),
    ("(channel|one) (before|i was watching)", |_, _| {
        Some(MediaCommand::PreviousChannel)
    }),
    (
        "[go|switch|flip|take me|jump] [back] [to] (channel|one|station) i was (on|watching|at) [before]",
        |_, _| Some(MediaCommand::PreviousChannel),
    ),
    // Channel by number (a playlist channel whose name is literally "channel 4" wins: see go_to_number).
    (
        "[go|switch|change|turn|tune|flip|flick|jump|put|take me|i want|i wanna|give me|can i have|can we have|can i get|lets have|id like|i would like|show me|watch|put on|lets go to|lets watch] [it] [over] [to|on|onto|into] (channel|chan|number|channel number|station) [number] <n>",
        go_to_number,
    ),
    (
        "(go|switch|change|turn|flip|jump|take me|tune) [it] [over] to <n>",
        go_to_number,
    ),
    ("(put|stick|turn) (channel|number) <n> on", go_to_number),
    ("<n>", go_to_number),
    // Channel by name.
    (
        "(watch|play|show|open|get|stream) [me] [a bit of|a little] [channel] <ch> [channel|station]",
        watch,
    ),
    (
        "(put|turn|switch|tune|flip|jump|change|go|take me|bring up|pull up|give me|flick|switch over|change over|turn over|tune in|head|stick|bung|pop|whack) [it] [over|back] (to|on|onto|into) [channel|station] <ch> [channel|station]",
        watch,
    ),
    ("(put|turn|bring|stick|bung|pop|whack|get) <ch> on", watch),
    ("over to <ch>", watch),
    (
        "(give me|lets have|can we have|can i have|could we have|could i have|can we get|can i get) <ch> [on]",
        watch,
    ),
    ("(change|switch) (channel|station|it) to <ch>", watch),
    (
        "(lets|can we|could we|i wanna|i want to|should we|i would like to) (watch|see|put on|switch to|go to|try|check out) [a bit of|a little] <ch>",
        watch,
    ),
    ("(tune|turn) (in|into) <ch>", watch),
    ("(id like|i would like|let me (see|watch)) <ch>", watch),
    ("(switch|change|turn) [it] (to|into) <lang>", audio_language),
    // Anything good on a channel is a question about it, not a programme called that.
    (
        "[is there|are there|have they got|got] (something|anything) [good|nice|decent|interesting|worth watching] on <ch> [now|right now|at the moment]",
        whats_on,
    ),
    // A programme or a genre, after every way of naming a channel ("put on the match",
    // "something with football"): the guide finds it (see `wish`).
    (
        "[put on|stick on|pop on|bung on|find me|find|show me|give me|i want|i fancy|lets watch|can we watch|watch|lets have|can we have|put|stick|pop|is there] (something|anything) [good|nice] [with|about|on|to do with] <text> [on]",
        wish,
    ),
    // Without "something", only a genre ("put on a film"; "put on your coat" is chat).
    (
        "(put on|stick on|pop on|bung on|find me|find|watch|lets watch|can we watch|lets have|can we have|give me|show me|i fancy|fancy|i feel like|im in mood for|i m in mood for|in mood for|how about) <text>",
        wish_genre,
    ),
    ("(put|stick|pop|bung) <text> on", wish_genre),
    ("<ch>", watch_exact),
];

/// "Put on the match": what to watch, in the words that say it (at most four of them, and
/// never only "this" or "it").
pub(super) fn wish(c: &Caps, ctx: &Ctx<'_>) -> Option<MediaCommand> {
    let (a, b) = c.text?;
    let words = super::wish::words(&ctx.toks[a..b].join(" "));
    (!words.is_empty() && words.len() <= 4).then(|| MediaCommand::WatchProgramme {
        query: words.join(" "),
    })
}

/// A wish that is only a genre ("a film", "the match", "some cartoons"): "put on your coat"
/// is chat.
pub(super) fn wish_genre(c: &Caps, ctx: &Ctx<'_>) -> Option<MediaCommand> {
    let (a, b) = c.text?;
    let said = ctx.toks[a..b].join(" ");
    let words = super::wish::words(&said);
    if words.len() > 2 || !words.iter().all(|w| !super::wish::stems(w).is_empty()) {
        return None;
    }
    wish(c, ctx)
}

pub(super) fn set_volume(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    let n = c.num?.value();
    (0.0..=100.0).contains(&n).then(|| MediaCommand::SetVolume {
        percent: n.round() as u8,
    })
}

pub(super) fn step(c: &Caps) -> Option<Option<u8>> {
    match c.num {
        None => Some(None),
        Some(n) if (1.0..=100.0).contains(&n.value()) && n.minor.is_none() => {
            Some(Some(n.major as u8))
        }
        Some(_) => None,
    }
}

pub(super) fn volume_up(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::VolumeUp { step: step(c)? })
}

pub(super) fn volume_down(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::VolumeDown { step: step(c)? })
}

pub(super) fn seek_forward(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::Seek {
        seconds: c.dur? as i32,
    })
}

pub(super) fn seek_back(c: &Caps, _: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::Seek {
        seconds: -(c.dur? as i32),
    })
}

pub(super) fn whats_next(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    let channel = match c.chan {
        Some(r) => match g.channel(r) {
            Some(channel) => Some(channel),
            None => return g.missing(r),
        },
        None => None,
    };
    Some(MediaCommand::WhatsOn {
        when: When::Next,
        channel,
    })
}

pub(super) fn whats_on(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    let Some(channel) = g.channel(c.chan?) else {
        return g.missing(c.chan?);
    };
    Some(MediaCommand::WhatsOn {
        when: When::Now,
        channel: Some(channel),
    })
}

pub(super) fn add_fav(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::AddFavourite {
        channel: Some(g.channel(c.chan?)?),
    })
}

pub(super) fn remove_fav(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    Some(MediaCommand::RemoveFavourite {
        channel: Some(g.channel(c.chan?)?),
    })
}

pub(super) fn go_to_number(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    let n = c.num?;
    // "put on channel 4" when the playlist has a channel called "Channel 4": the user said its name.
    if let Some(m) = g
        .directory
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

pub(super) fn watch(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    let Some(channel) = g.channel(c.chan?) else {
        return g.missing(c.chan?);
    };
    Some(MediaCommand::WatchChannel { channel })
}

/// A bare channel name is a command only when it is exactly a channel ("ESPN"), never fuzzily.
pub(super) fn watch_exact(c: &Caps, g: &Ctx<'_>) -> Option<MediaCommand> {
    let (a, b) = c.chan?;
    let m = g.lookup((a, b)).filter(|m| m.score >= 1.0).or_else(|| {
        // Or the first words of one channel's name and no other's ("ITV", "Sky").
        let index = g.directory.only_one_starting(&g.toks[a..b])?;
        Some(ChannelMatch { index, score: 1.0 })
    })?;
    Some(MediaCommand::WatchChannel {
        channel: g.channel_ref(m),
    })
}

impl Ctx<'_> {
    pub(super) fn lookup(&self, (a, b): (usize, usize)) -> Option<ChannelMatch> {
        if let Some((_, m)) = self.looked_up.borrow().iter().find(|(r, _)| *r == (a, b)) {
            return *m;
        }
        let m = self.directory.lookup_words(&self.toks[a..b]);
        self.looked_up.borrow_mut().push(((a, b), m));
        m
    }

    pub(super) fn channel(&self, r: (usize, usize)) -> Option<ChannelRef> {
        self.lookup(r).map(|m| self.channel_ref(m))
    }

    /// Words that name a channel the lineup does not have, well known or named like one (see
    /// [`super::brands::named`]);
    /// with no lineup at all there is nothing to be missing from.
    pub(super) fn missing(&self, (a, b): (usize, usize)) -> Option<MediaCommand> {
        if self.directory.is_empty() {
            return None;
        }
        super::brands::named(&self.toks[a..b]).map(|name| MediaCommand::ChannelMissing { name })
    }

    pub(super) fn channel_ref(&self, m: ChannelMatch) -> ChannelRef {
        ChannelRef {
            index: m.index,
            name: self.directory.name(m.index).to_owned(),
        }
    }
}
