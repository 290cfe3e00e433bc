//! What a heard sentence becomes: a command sent to the TV and acknowledged from what the TV
//! reports it did (`Executed`), a question answered from the guide, or the language model's
//! reply cut into sentences and tool calls; and the context the model is given.

use super::*;
use prism_core::tracks::TrackKind;

/// Sends a command the user asked for. "What's on?" is a question, answered here from the
/// guide (the line to say); anything else goes to the plugin that carries it out, and is
/// acknowledged when it says what came of it.
pub(super) fn issue(
    u: &mut Utterance,
    cmd: MediaCommand,
    delivery: [f32; 2],
    tv: &Tv,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
) -> Option<String> {
    u.t.understood = Some(cmd.clone());
    if matches!(
        cmd,
        MediaCommand::WhatsOn { .. }
            | MediaCommand::WhenIs { .. }
            | MediaCommand::ChannelMissing { .. }
    ) {
        return answer(&cmd, tv, settings, crate::time::unix_now());
    }
    u.awaiting = Some((cmd.clone(), delivery, Instant::now()));
    cmds.write(Cmd(cmd));
    None
}

/// The guide's answer to a question at `now`: what is on (now or next, on a channel or this
/// one), or when a programme is on next. `None` when there is no guide to ask.
/// A locked channel's programmes are not told (nor found) until the PIN is given.
pub(crate) fn answer(cmd: &MediaCommand, tv: &Tv, settings: &Settings, now: i64) -> Option<String> {
    if let MediaCommand::ChannelMissing { name } = cmd {
        return Some(t!("ack-channel-missing", channel = name.clone()));
    }
    let guide = tv.guide()?;
    let shown = |i: usize| tv.shows_programmes(i, settings);
    let name = |i: usize| tv.channel(i).map(|c| c.name.clone()).unwrap_or_default();
    let when = |t: i64| when_said(t, now);
    match cmd {
        MediaCommand::WhatsOn { when: w, channel } => {
            let asked = channel.as_ref().map(|c| c.index as usize);
            let i = asked.or(tv.current)?;
            if !shown(i) {
                return Some(t!("ack-locked"));
            }
            let nn = guide.now_next(i, now);
            let line = match w {
                prism_core::command::When::Now => nn.now.map(|p| match asked {
                    Some(_) => t!(
                        "ack-on-channel-now",
                        channel = name(i),
                        title = p.title().to_owned()
                    ),
                    None => t!("ack-on-now", title = p.title().to_owned()),
                }),
                prism_core::command::When::Next => nn.next.map(|p| {
                    t!(
                        "ack-on-next",
                        channel = name(i),
                        title = p.title().to_owned(),
                        when = when(p.start())
                    )
                }),
            };
            Some(line.unwrap_or_else(|| t!("ack-guide-empty", channel = name(i))))
        }
        MediaCommand::WhenIs { title } => {
            Some(match tv.soonest_showing(title, now, 20, false, settings) {
                Some((c, p)) if p.start() <= now => t!(
                    "ack-when-now",
                    title = p.title().to_owned(),
                    channel = name(c)
                ),
                Some((c, p)) => t!(
                    "ack-when",
                    title = p.title().to_owned(),
                    channel = name(c),
                    when = when(p.start())
                ),
                None => t!("ack-when-none", title = title.clone()),
            })
        }
        _ => None,
    }
}

/// A time as said from `now`: "at 18:00", "tomorrow at 07:30", "on Sat at 21:00".
pub(crate) fn when_said(t: i64, now: i64) -> String {
    let days = crate::time::local_day(t) - crate::time::local_day(now);
    let clock = crate::time::clock(t);
    match days {
        ..=0 => t!("at-time", time = clock),
        1 => t!("tomorrow-at", time = clock),
        _ => t!("day-at", day = crate::time::weekday(t), time = clock),
    }
}

/// Says `line` for utterance `id` (done when it has been spoken), or ends the utterance now.
pub(super) fn say_or_finish(
    v: &mut Voice,
    id: u64,
    mut u: Utterance,
    line: Option<String>,
    delivery: [f32; 2],
) {
    let spoken =
        line.is_some_and(|line| synthesise(v.engines.tts.as_ref(), id, &mut u, line, delivery));
    if spoken {
        u.sentences = 1;
    } else {
        u.t.total = u.t.command;
    }
    v.current = Some((id, u));
    if !spoken {
        finish(v, id);
    }
}

/// How long a command may take to say what came of it before Lumen stops waiting.
pub(super) const ACK_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// A command the user spoke was carried out (or refused): Lumen says what happened, with a
/// nod, or a shake of the head when it could not be done.
pub(super) fn acknowledge(
    mut v: ResMut<Voice>,
    mut done: MessageReader<Executed>,
    tv: Option<Res<Tv>>,
    mut acts: MessageWriter<Act>,
) {
    let v = &mut *v;
    for e in done.read() {
        let Some((id, u)) = v.current.take() else {
            continue;
        };
        let Some((_, delivery, _)) = u.awaiting.as_ref().filter(|(c, ..)| *c == e.cmd) else {
            v.current = Some((id, u));
            continue;
        };
        let delivery = *delivery;
        let mut u = u;
        u.awaiting = None;
        u.t.applied = Some(ms(u.released));
        let refused = e.outcome.refused();
        acts.write(Act::Gesture(if refused {
            prism_core::avatar::motion::Gesture::Shake
        } else {
            prism_core::avatar::motion::Gesture::Nod
        }));
        // "What did I miss?" with captions to go on: the language model sums them up.
        if u.sentences == 0
            && let Some(tv) = tv.as_deref()
            && let Some(chat) = missed_chat(e, tv, v, &u.text, id)
            && let Some(llm) = &v.engines.llm
            && llm.send(&chat).is_ok()
        {
            u.offer_moment = matches!(e.outcome, Outcome::Missed { moment: true, .. });
            v.phase = Phase::Thinking(id);
            v.current = Some((id, u));
            continue;
        }
        // In her voice's language, whatever the screen's.
        let line = tv
            .as_deref()
            .and_then(|tv| crate::i18n::spoken(|| ack_line(e, tv)));
        if u.sentences > 0 {
            // The model already said something: its words stand.
            v.current = Some((id, u));
        } else {
            say_or_finish(v, id, u, line, delivery);
        }
    }
    // Nothing came back (no plugin carries that command out): she says nothing rather than
    // something that did not happen.
    if let Some((_, u)) = v.current.as_mut()
        && let Some((cmd, _, at)) = &u.awaiting
        && at.elapsed() > ACK_WITHIN
    {
        warn!("no outcome for {cmd:?}");
        u.awaiting = None;
        settle(v);
    }
}

/// What Lumen says after a command, from what came of it ("Channel 5, Prism Kids.").
pub(crate) fn ack_line(e: &Executed, tv: &Tv) -> Option<String> {
    let name_of = |i: usize| {
        tv.channel(i).map(|c| match c.number {
            Some(n) => t!(
                "ack-channel-numbered",
                number = n.to_string(),
                name = c.name.clone()
            ),
            None => t!("ack-channel", name = c.name.clone()),
        })
    };
    Some(match (&e.outcome, &e.cmd) {
        // A wish answered: what is on, and where ("Match of the Day, on BBC One.").
        (Outcome::Tuned(i), MediaCommand::WatchProgramme { .. }) => {
            let now = crate::time::unix_now();
            match tv.guide().and_then(|g| g.now_next(*i, now).now) {
                Some(p) => t!(
                    "ack-programme",
                    title = p.title().to_owned(),
                    channel = tv.channel(*i)?.name.clone()
                ),
                None => name_of(*i)?,
            }
        }
        (Outcome::Tuned(i), _) => name_of(*i)?,
        (Outcome::NoChannel, MediaCommand::GoToChannelNumber { number }) => {
            t!("ack-no-channel-number", number = number.to_string())
        }
        (Outcome::NoChannel, MediaCommand::PreviousChannel) => t!("ack-no-previous"),
        (Outcome::NoChannel, _) => t!("ack-no-channel"),
        (Outcome::Locked(_), _) => t!("ack-locked"),
        (Outcome::Volume(_), MediaCommand::VolumeUp { .. }) => t!("ack-louder"),
        (Outcome::Volume(_), MediaCommand::VolumeDown { .. }) => t!("ack-quieter"),
        (Outcome::Volume(v), _) => t!("ack-volume", percent = *v),
        (Outcome::Muted(true), _) => t!("ack-muted"),
        (Outcome::Muted(false), _) => t!("ack-unmuted"),
        (Outcome::Guide(true), _) => t!("ack-guide"),
        (Outcome::Subtitles(true), _) => t!("ack-subtitles-on"),
        (Outcome::Subtitles(false), _) => t!("ack-subtitles-off"),
        (Outcome::Track { kind, label }, _) => match kind {
            TrackKind::Audio => t!("ack-audio-track", track = label.clone()),
            TrackKind::Subtitle => t!("ack-subtitle-track", track = label.clone()),
        },
        (Outcome::NoTrack { kind, language }, _) => {
            // The language in the viewer's words ("German"), as they asked for it.
            let name = prism_core::tracks::language(language)
                .map_or_else(|| language.clone(), |l| l.english.to_owned());
            match kind {
                TrackKind::Audio => t!("ack-no-audio-track", language = name),
                TrackKind::Subtitle => t!("ack-no-subtitle-track", language = name),
            }
        }
        (
            Outcome::Favourite {
                name,
                added,
                already,
            },
            _,
        ) => {
            let id = match (added, already) {
                (true, false) => "ack-favourite-added",
                (true, true) => "ack-favourite-already",
                (false, false) => "ack-favourite-removed",
                (false, true) => "ack-favourite-not",
            };
            crate::i18n::tr(id, &[("name", name.clone().into())])
        }
        (
            Outcome::Reminder {
                set,
                channel,
                title,
                start,
            },
            _,
        ) => {
            let channel = tv.channel(*channel).map_or("", |c| c.name.as_str());
            let when = when_said(*start, crate::time::unix_now());
            match set {
                true => t!(
                    "ack-reminder-set",
                    title = title.clone(),
                    channel = channel,
                    when = when
                ),
                false => t!("ack-reminder-off", title = title.clone()),
            }
        }
        (
            Outcome::Timer {
                set,
                title,
                channel,
                start,
                warning,
            },
            _,
        ) => match set {
            true => {
                let channel = tv.channel(*channel).map_or("", |c| c.name.as_str());
                let when = when_said(*start, crate::time::unix_now());
                let said = t!(
                    "ack-timer-set",
                    title = title.clone(),
                    channel = channel,
                    when = when
                );
                match warning {
                    Some(w) => format!("{said} {w}"),
                    None => said,
                }
            }
            false => t!("ack-timer-off", title = title.clone()),
        },
        (Outcome::NoTimer(why), _) => why.clone(),
        (Outcome::Layout(name), _) => t!("ack-layout", name = name.clone()),
        (Outcome::Pictures(n), _) => t!("ack-pictures", count = *n),
        (Outcome::NoLayout(why), _) => why.clone(),
        (
            Outcome::Broadcast {
                on: true,
                to,
                target,
                ..
            },
            _,
        ) => match to {
            prism_core::command::BroadcastTo::Stream => {
                t!("ack-broadcast-stream", target = target.clone())
            }
            prism_core::command::BroadcastTo::File => t!("ack-broadcast-file"),
        },
        (Outcome::Broadcast { seconds, .. }, _) => {
            t!("ack-broadcast-off", minutes = (*seconds + 30) / 60)
        }
        (Outcome::NoBroadcast(why), _) => why.clone(),
        (Outcome::NoProgramme, MediaCommand::RecordProgramme { title }) => {
            t!("ack-timer-none", title = title.clone())
        }
        (Outcome::CatchUp { title, .. }, _) => t!("ack-catchup", title = title.clone()),
        (Outcome::NoArchive(why), _) => why.clone(),
        (Outcome::NoProgramme, MediaCommand::Remind { title }) => {
            t!("ack-reminder-none", title = title.clone())
        }
        (Outcome::NoProgramme, MediaCommand::WatchProgramme { query }) => {
            t!("ack-nothing-on", what = query.clone())
        }
        (Outcome::NoProgramme, _) => t!("ack-reminder-started"),
        (
            Outcome::Seeked {
                behind: 0,
                live: true,
            },
            _,
        ) => t!("ack-live"),
        (Outcome::Seeked { behind, live: true }, _) => t!(
            "ack-behind-live",
            time = prism_core::timeshift::clock(f64::from(*behind))
        ),
        (
            Outcome::Seeked {
                behind,
                live: false,
            },
            _,
        ) => t!(
            "ack-seek-to",
            time = prism_core::timeshift::clock(f64::from(*behind))
        ),
        (Outcome::NoTimeshift(why), _) | (Outcome::Away(why), _) => why.clone(),
        (
            Outcome::Recording {
                on: true, seconds, ..
            },
            _,
        ) => {
            if *seconds > 0 {
                t!("ack-recording-already")
            } else {
                t!("ack-recording")
            }
        }
        (
            Outcome::Recording {
                on: false, seconds, ..
            },
            _,
        ) => t!(
            "ack-recording-stopped",
            time = prism_core::timeshift::clock(f64::from(*seconds))
        ),
        (Outcome::NoRecording(why), _) => why.clone(),
        (Outcome::Replaying(name), _) => t!("ack-replaying", name = name.clone()),
        (
            Outcome::Missed {
                minutes,
                said,
                moment,
                ..
            },
            _,
        ) => missed_line(*minutes, said, *moment),
        // Pausing and stopping show on screen; companion mode says its own hello or goodbye.
        (
            Outcome::Paused(_) | Outcome::Stopped | Outcome::Guide(false) | Outcome::Companion(_),
            _,
        ) => return None,
    })
}

/// A jump to live (or ahead) over half a minute or more that the viewer did not ask Lumen
/// for: she offers to tell what was in it ("what did I miss?" then sums it up). Resuming a
/// long pause, she says how far behind live the picture is and offers the same.
pub(super) fn offer_catch_up(
    v: Res<Voice>,
    mut done: MessageReader<Executed>,
    tv: Option<Res<Tv>>,
    mut say: MessageWriter<Say>,
) {
    for e in done.read() {
        // Asked by voice: she is answering already.
        let asked = v
            .current
            .as_ref()
            .is_some_and(|(_, u)| u.awaiting.as_ref().is_some_and(|(c, ..)| *c == e.cmd));
        if asked || v.engines.tts.is_none() {
            continue;
        }
        let Some(tv) = tv.as_deref() else { continue };
        if let Some(line) = crate::i18n::spoken(|| catch_up_offer(e, tv)) {
            say.write(Say::Line(line));
        }
    }
}

/// What Lumen says of her own after `e` (not asked by voice), if anything: what changed on a
/// channel the viewer came back to, an offer to tell what a jump skipped, or how far behind
/// live a long pause left the picture.
pub(crate) fn catch_up_offer(e: &Executed, tv: &Tv) -> Option<String> {
    let minutes = |s: f64| (s / 60.0).round().max(1.0) as u32;
    // Back on a channel after a while: what changed on it.
    if let Outcome::Tuned(i) = e.outcome
        && let Some(back) = tv.came_back.as_ref().filter(|b| b.channel == i)
    {
        return Some(back.line.clone());
    }
    let jumped = matches!(e.cmd, MediaCommand::GoLive)
        || matches!(e.cmd, MediaCommand::Seek { seconds } if seconds > 0);
    if jumped && matches!(e.outcome, Outcome::Seeked { .. }) {
        let (from, to) = tv.skipped.filter(|(f, t)| t - f >= OFFER_AFTER)?;
        return Some(t!("missed-offer", minutes = minutes(to - from)));
    }
    if e.outcome == Outcome::Paused(false)
        && let Some(t) = tv.timeline.filter(|t| t.live && t.behind() >= OFFER_AFTER)
    {
        return Some(t!("behind-offer", minutes = minutes(t.behind())));
    }
    None
}

/// How much has to be jumped over for Lumen to offer a catch-up, in seconds.
const OFFER_AFTER: f64 = 30.0;

/// The chat that sums up what was missed (`None`: nothing was said in it, or no model): what
/// the captions said in the span, quoted as data, with the moment that mattered; the model
/// starts on the summary (`MISSED_START`), and only a tool the user's own words ask for can
/// run (a caption that says "change the channel" is words on screen, not the viewer).
fn missed_chat(e: &Executed, tv: &Tv, v: &Voice, user: &str, id: u64) -> Option<Request> {
    let Outcome::Missed {
        minutes,
        heard,
        matter,
        ..
    } = &e.outcome
    else {
        return None;
    };
    if heard.is_empty() {
        return None;
    }
    v.engines.llm.as_ref()?;
    let mut ctx = tv_context(tv, v);
    // The span missed stands in for the captions of just now.
    ctx.captions.clear();
    ctx.viewer = None;
    let missed = assistant::Missed {
        minutes: *minutes,
        said: heard.clone(),
        moment: matter.clone(),
    };
    ctx.missed = Some(missed);
    let user = if user.trim().is_empty() {
        "What did I miss?"
    } else {
        user
    };
    Some(Request::Chat {
        id,
        messages: Conversation::missed_messages(&ctx, user),
        max_tokens: 60,
        // Facts, not flair: the most likely words.
        temperature: 0.0,
        grammar: assistant::tool_grammar(user),
        reply_start: Some(assistant::MISSED_START.into()),
    })
}

/// What was said in the minutes missed, in a sentence or two (the TV picked the lines: the
/// moments that matter, then the last words). Captions are quoted, never obeyed.
fn missed_line(minutes: u32, said: &[String], moment: bool) -> String {
    if said.is_empty() {
        return t!("missed-no-captions", minutes = minutes);
    }
    let quoted: Vec<String> = said
        .iter()
        .map(|c| format!("\u{201C}{}\u{201D}", c.trim()))
        .collect();
    let line = t!("missed", minutes = minutes, said = quoted.join(" … "));
    if moment {
        format!("{line} {}", t!("missed-show-me"))
    } else {
        line
    }
}

/// What the model is told: what is on, its latest captions, and how the viewer sounds.
pub(super) fn tv_context(tv: &Tv, v: &Voice) -> TvContext {
    let mut c = match tv.current.and_then(|i| Some((i, tv.channel(i)?))) {
        // What is on screen (behind live when paused or rewound).
        Some((i, ch)) => context_for(ch, i, tv.guide(), tv.on_screen_time()),
        None => TvContext::default(),
    };
    c.captions = tv.recent_captions().map(str::to_owned).collect();
    c.viewer = v.fresh_mood().and_then(|m| m.advice()).map(str::to_owned);
    c
}

/// What the LLM is told about channel `i` and its guide at `now`.
pub(crate) fn context_for(
    ch: &prism_core::Channel,
    i: usize,
    guide: Option<&prism_core::Guide>,
    now: i64,
) -> TvContext {
    let mut c = TvContext {
        channel: Some(match ch.number {
            Some(n) => format!("{n} {}", ch.name),
            None => ch.name.clone(),
        }),
        ..Default::default()
    };
    if let Some(g) = guide {
        let nn = g.now_next(i, now);
        c.now = nn.now.map(|p| Programme {
            title: p.title().to_string(),
            description: p.description().unwrap_or_default().to_string(),
            category: p.categories().next().unwrap_or_default().to_owned(),
            when: format!(
                "{}–{}, {} minutes left",
                crate::time::clock(p.start()),
                crate::time::clock(p.stop()),
                (p.stop() - now).max(0) / 60
            ),
        });
        c.next = nn.next.map(|p| Programme {
            title: p.title().to_string(),
            description: p.description().unwrap_or_default().to_string(),
            category: p.categories().next().unwrap_or_default().to_owned(),
            when: crate::time::clock(p.start()),
        });
    }
    c
}

#[allow(clippy::too_many_arguments)]
pub(super) fn pieces_out(
    v: &mut Voice,
    id: u64,
    pieces: Vec<Piece>,
    tv: Option<&Tv>,
    lineup: Option<&crate::tv::Lineup>,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
) {
    let remark = v.current.as_ref().is_some_and(|(_, u)| u.remark);
    let delivery = v.delivery(remark);
    for piece in pieces {
        let Some((_, u)) = v.current.as_mut() else {
            return;
        };
        if let Piece::Say { text, feelings } = &piece {
            if let Some((_, p)) = feelings.first() {
                acts.write(Act::Feel(*p, if *p == Preset::Neutral { 0.0 } else { 0.8 }));
            }
            // Two sentences are an answer; more is a small model rambling.
            if !text.is_empty() && u.sentences < 2 {
                u.sentences += 1;
                if synthesise(v.engines.tts.as_ref(), id, u, text.clone(), delivery)
                    && u.sentences == 1
                    && v.phase == Phase::Thinking(id)
                    && let Some(llm) = &v.engines.llm
                {
                    // Her first words are what the user waits for: on two cores the model
                    // generating the next sentence alongside doubled Piper's time for them.
                    u.held = llm.send(&Request::Hold { id }).is_ok();
                }
                if u.sentences == 2
                    && let Some(llm) = &v.engines.llm
                {
                    let _ = llm.send(&Request::Cancel { id });
                }
            }
            continue;
        }
        let (Some(tv), Some(l)) = (tv, lineup) else {
            continue;
        };
        match assistant::admit(&piece, &u.text, &l.grammar, &l.playlist) {
            Some(Ok(cmd)) => {
                u.t.command.get_or_insert(ms(u.released));
                if u.sentences > 0 || u.awaiting.is_some() {
                    // Already answered: the command runs, the answer stands.
                    cmds.write(Cmd(cmd));
                } else if let Some(line) = issue(u, cmd, delivery, tv, settings, cmds)
                    && synthesise(v.engines.tts.as_ref(), id, u, line, delivery)
                {
                    u.sentences = 1;
                }
            }
            Some(Err(why)) => {
                info!("a tool call was refused: {why}");
            }
            None => {}
        }
    }
}

/// Hands sentence `text` of utterance `id` to the voice thread, counted in `u.synth` until its
/// audio (or its failure) comes back.
pub(super) fn synthesise(
    tts: Option<&Sender<TtsJob>>,
    id: u64,
    u: &mut Utterance,
    text: String,
    delivery: [f32; 2],
) -> bool {
    u.t.said.push(text.clone());
    let sent = tts.is_some_and(|t| t.send((id, text, delivery)).is_ok());
    u.synth += usize::from(sent);
    sent
}

/// Ends the current utterance once nothing of it is left: no transcript or reply still coming,
/// no command waiting for its outcome, no sentence being synthesised or still playing. One rule
/// for every path: a remark whose sentence had finished playing before the model ended its
/// reply (with a refused tool call) was never ended, and Lumen stayed "busy" for good.
pub(super) fn settle(v: &mut Voice) {
    let Some((id, u)) = &v.current else { return };
    let id = *id;
    let coming = matches!(v.phase, Phase::Transcribing(p) | Phase::Thinking(p) if p == id);
    let playing = v.out.lines.iter().any(|l| l.utterance == id);
    if !coming && !playing && u.awaiting.is_none() && u.synth == 0 {
        finish(v, id);
    }
}

pub(super) fn finish(v: &mut Voice, id: u64) {
    if let Some((c, mut u)) = v.current.take() {
        if c != id {
            v.current = Some((c, u));
            return;
        }
        u.t.total.get_or_insert(ms(u.released));
        if let Some(ticket) = u.ticket {
            v.answered.push((ticket, u.t.clone()));
        }
        v.report.last = u.t.clone();
        v.report.history.push(u.t);
    }
}

/// A transcript came back for utterance `id`: a command (sent to the TV, acknowledged when it
/// reports what it did), a question for the language model, or nothing caught.
#[allow(clippy::too_many_arguments)]
pub(super) fn transcribed(
    v: &mut Voice,
    id: u64,
    text: String,
    tv: Option<&Tv>,
    lineup: Option<&crate::tv::Lineup>,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
) {
    if v.current.as_ref().is_none_or(|(c, _)| *c != id) {
        return;
    }
    let (_, mut u) = v.current.take().expect("checked");
    u.t.transcript = Some(ms(u.released));
    u.text = text.clone();
    u.t.heard = text.clone();
    v.phase = Phase::Idle;
    // How they sound shapes how she answers: the advice in the context, her
    // voice, and her face while she answers.
    let mood = prism_core::companion::sentiment::analyse(&text);
    let d = mood.delivery();
    let delivery = [d.length, d.noise];
    if let Some((p, w)) = d.expression {
        acts.write(Act::Feel(p, w));
        v.feeling.relax_face = Some(None);
    }
    v.feeling.mood = Some((mood, Instant::now()));
    if tv.is_none() {
        return;
    }
    // A command as heard, or repaired by spelling alone (a near miss: "unute", "Human, can
    // you…"), at once.
    let parsed = lineup.and_then(|l| l.grammar.parse_heard(&text));
    if parsed.is_some() {
        act_on(v, id, u, parsed, tv, lineup, settings, cmds, acts, delivery);
        return;
    }
    // Else the recogniser hears the speech again under other prompts (its own other guesses),
    // and then judges the farther repairs by the sound (both answered in `answered`).
    if lineup.is_some()
        && let Some(stt) = &v.engines.stt
        && stt.send(&prism_voice::rehear(id)).is_ok()
    {
        v.phase = Phase::Transcribing(id);
        v.judging = Some(super::Judging {
            id,
            repairs: Vec::new(),
            guesses: Vec::new(),
            delivery,
        });
        v.current = Some((id, u));
        return;
    }
    unrepaired(v, id, u, tv, lineup, settings, cmds, acts, delivery);
}

/// What the recogniser answered about utterance `id` after its transcript: its other guesses
/// (`Reheard`), or its scores for the transcript's repairs (`Scored`); `None` when it could
/// not give them.
pub(super) enum Answer<'a> {
    Reheard(Option<&'a [String]>),
    Scored(Option<&'a [f32]>),
}

/// The recogniser's answer for utterance `id`: the first of its other guesses the grammar
/// parses is the command, else the transcript's repairs are judged by the sound
/// (`unrepaired`); with scores, the repair the sound vouches for is the command, else the
/// words go to the language model.
#[allow(clippy::too_many_arguments)]
pub(super) fn answered(
    v: &mut Voice,
    id: u64,
    answer: Answer,
    tv: Option<&Tv>,
    lineup: Option<&crate::tv::Lineup>,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
) {
    let rehearing = matches!(answer, Answer::Reheard(_));
    let Some(j) = v
        .judging
        .take_if(|j| j.id == id && j.rehearing() == rehearing)
    else {
        return;
    };
    if v.current.as_ref().is_none_or(|(c, _)| *c != id) {
        return;
    }
    let (_, u) = v.current.take().expect("checked");
    v.phase = Phase::Idle;
    use prism_core::command::hearing;
    let heard = match answer {
        Answer::Reheard(texts) => {
            let again = texts.zip(lineup).and_then(|(t, l)| {
                hearing::first_parsed(&l.grammar, prism_voice::REHEAR_GUESSES, t)
            });
            if again.is_none() {
                unrepaired(v, id, u, tv, lineup, settings, cmds, acts, j.delivery);
                return;
            }
            again
        }
        Answer::Scored(scores) => {
            lineup.and_then(|l| hearing::understood(&l.grammar, &u.text, &j.repairs, scores))
        }
    };
    act_on(
        v, id, u, heard, tv, lineup, settings, cmds, acts, j.delivery,
    );
}

/// One of the recogniser's other guesses for utterance `id`, as soon as it is decoded. Once
/// the guesses so far settle what `hearing::first_parsed` would make of them all
/// (`hearing::decided`), that is the command at once, and the rest of the hearing again is
/// cancelled: a command found in an early guess no longer waits for every branch.
#[allow(clippy::too_many_arguments)]
pub(super) fn guessed(
    v: &mut Voice,
    id: u64,
    text: &str,
    tv: Option<&Tv>,
    lineup: Option<&crate::tv::Lineup>,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
) {
    let (Some(j), Some(l)) = (v.judging.as_mut(), lineup) else {
        return;
    };
    if j.id != id || !j.rehearing() || v.current.as_ref().is_none_or(|(c, _)| *c != id) {
        return;
    }
    j.guesses.push(text.to_owned());
    let Some(heard) =
        prism_core::command::hearing::decided(&l.grammar, prism_voice::REHEAR_GUESSES, &j.guesses)
    else {
        return;
    };
    let j = v.judging.take().expect("checked");
    let (_, u) = v.current.take().expect("checked");
    v.phase = Phase::Idle;
    super::talk::cancel_recognition(v, id);
    act_on(
        v,
        id,
        u,
        Some(heard),
        tv,
        lineup,
        settings,
        cmds,
        acts,
        j.delivery,
    );
}

/// A transcript neither the grammar nor the recogniser's other guesses make a command of:
/// its farther repairs are found off the main thread (`Repairing`, taken in `repaired`);
/// with no recogniser to judge them, a command with words of its own around it, else the
/// words are chat.
#[allow(clippy::too_many_arguments)]
fn unrepaired(
    v: &mut Voice,
    id: u64,
    u: Utterance,
    tv: Option<&Tv>,
    lineup: Option<&crate::tv::Lineup>,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
    delivery: [f32; 2],
) {
    if let (Some(l), Some(_)) = (lineup, &v.engines.stt) {
        use prism_core::command::{hearing, soundalike::Reach};
        let grammar = l.grammar.clone();
        let text = u.text.clone();
        let task = bevy::tasks::AsyncComputeTaskPool::get()
            .spawn(async move { grammar.repairs(&text, hearing::CANDIDATES, Reach::HEARING) });
        v.phase = Phase::Transcribing(id);
        v.repairing = Some(super::Repairing {
            id,
            task,
            delivery,
            since: Instant::now(),
        });
        v.current = Some((id, u));
        return;
    }
    around(v, id, u, tv, lineup, settings, cmds, acts, delivery);
}

/// The farther repairs of utterance `id`'s transcript, found: judged by the sound (the
/// recogniser scores them against the audio it still holds; the answer goes on in
/// `answered`); with none, a command with words of its own around it, else chat. Dropped if
/// the utterance has gone meanwhile (talked over, its worker died).
#[allow(clippy::too_many_arguments)]
pub(super) fn repaired(
    v: &mut Voice,
    id: u64,
    repairs: Vec<(prism_core::MediaCommand, String)>,
    delivery: [f32; 2],
    tv: Option<&Tv>,
    lineup: Option<&crate::tv::Lineup>,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
) {
    if v.phase != Phase::Transcribing(id) || v.current.as_ref().is_none_or(|(c, _)| *c != id) {
        return;
    }
    let (_, u) = v.current.take().expect("checked");
    v.phase = Phase::Idle;
    if !repairs.is_empty()
        && let Some(stt) = &v.engines.stt
    {
        let texts = prism_core::command::hearing::to_score(&u.text, &repairs);
        if stt.send(&Request::Score { id, texts }).is_ok() {
            v.phase = Phase::Transcribing(id);
            v.judging = Some(super::Judging {
                id,
                repairs,
                guesses: Vec::new(),
                delivery,
            });
            v.current = Some((id, u));
            return;
        }
    }
    around(v, id, u, tv, lineup, settings, cmds, acts, delivery);
}

/// Last, a command with words of its own around it ("Pause it. I need the loo."), else the
/// words are chat.
#[allow(clippy::too_many_arguments)]
fn around(
    v: &mut Voice,
    id: u64,
    u: Utterance,
    tv: Option<&Tv>,
    lineup: Option<&crate::tv::Lineup>,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
    delivery: [f32; 2],
) {
    let text = u.text.clone();
    let parsed = lineup.and_then(|l| Some((l.grammar.heard_around(&text)?, text.clone())));
    act_on(v, id, u, parsed, tv, lineup, settings, cmds, acts, delivery);
}

/// What was understood of utterance `id`: a command (sent to the TV, acknowledged when it
/// reports what it did), a question for the language model, or nothing caught.
#[allow(clippy::too_many_arguments)]
fn act_on(
    v: &mut Voice,
    id: u64,
    mut u: Utterance,
    heard: Option<(prism_core::MediaCommand, String)>,
    tv: Option<&Tv>,
    lineup: Option<&crate::tv::Lineup>,
    settings: &Settings,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
    delivery: [f32; 2],
) {
    let Some(tv) = tv else { return };
    let text = u.text.clone();
    if let Some((cmd, meant)) = heard {
        u.t.command = Some(ms(u.released));
        v.tell(format!("\"{meant}\""));
        match issue(&mut u, cmd, delivery, tv, settings, cmds) {
            // A question about the guide is answered at once...
            Some(line) => {
                acts.write(Act::Gesture(prism_core::avatar::motion::Gesture::Nod));
                say_or_finish(v, id, u, Some(line), delivery);
            }
            // ...a command once the TV has carried it out (`acknowledge`).
            None => v.current = Some((id, u)),
        }
    } else if text.trim().is_empty() {
        v.tell(t!("voice-not-caught"));
    } else if let Some(llm) = &v.engines.llm {
        // A request to act goes as a short prompt of its own, its call the most likely one,
        // a channel to watch one the words may mean (of the first 20,000: the scan runs on the
        // frame); the rest is chat, with Lumen's persona and the TV's state (prefilled while
        // they spoke).
        let names = lineup
            .into_iter()
            .flat_map(|l| l.playlist.channels.iter().take(20_000))
            .map(|c| c.name.as_str());
        let request = match assistant::intent_request(&text, names) {
            Some(i) => i.request(id),
            None => Request::Chat {
                id,
                messages: v.conversation.messages(&tv_context(tv, v), &text),
                max_tokens: 80,
                temperature: 0.3,
                grammar: None,
                reply_start: None,
            },
        };
        match llm.send(&request) {
            Ok(()) => {
                v.phase = Phase::Thinking(id);
                v.current = Some((id, u));
                v.tell(format!("\"{text}\""));
            }
            Err(e) => v.tell(e.to_string()),
        }
    } else {
        v.tell(t!("not-a-command-chat-off", text = text.clone()));
    }
}
