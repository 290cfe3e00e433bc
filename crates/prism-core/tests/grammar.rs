//! Table-driven test of the media command grammar: what people say → what the TV must do.

use prism_core::command::{
    BroadcastTo, ChannelDirectory, ChannelRef, LayoutName, MediaCommand as C, When,
};
use prism_core::{ChannelNumber, Grammar};

const LINEUP: &[&str] = &[
    "BBC One HD",            // 0
    "BBC Two",               // 1
    "ESPN",                  // 2
    "CNN International",     // 3
    "Sky Sports Main Event", // 4
    "Cartoon Network",       // 5
    "Channel 4",             // 6
    "Discovery Channel",     // 7
    "UK: ITV 1 FHD",         // 8
    "HBO",                   // 9
    "Fox News",              // 10
    "The Weather Channel",   // 11
];

fn grammar() -> Grammar {
    Grammar::new(ChannelDirectory::new(LINEUP.iter().copied()))
}

fn ch(index: u32) -> ChannelRef {
    ChannelRef {
        index,
        name: LINEUP[index as usize].to_owned(),
    }
}

fn num(n: u32) -> C {
    C::GoToChannelNumber {
        number: ChannelNumber::new(n),
    }
}

fn cases() -> Vec<(&'static str, Option<C>)> {
    use C::*;
    let up = |s: Option<u8>| VolumeUp { step: s };
    let down = |s: Option<u8>| VolumeDown { step: s };
    let set = |p: u8| SetVolume { percent: p };
    let watch = |i: u32| WatchChannel { channel: ch(i) };
    let when = |t: &str| WhenIs {
        title: t.to_owned(),
    };
    let remind = |t: &str| Remind {
        title: t.to_owned(),
    };
    let audio = |l: &str| AudioLanguage {
        language: l.to_owned(),
    };
    let subs = |l: &str| SubtitleLanguage {
        language: l.to_owned(),
    };
    let now = |c: Option<u32>| WhatsOn {
        when: When::Now,
        channel: c.map(ch),
    };
    let next = |c: Option<u32>| WhatsOn {
        when: When::Next,
        channel: c.map(ch),
    };
    vec![
        // play / resume
        ("play", Some(Play)),
        ("Play.", Some(Play)),
        ("resume", Some(Play)),
        ("resume playback", Some(Play)),
        ("continue", Some(Play)),
        ("unpause", Some(Play)),
        ("un-pause it please", Some(Play)),
        ("keep playing", Some(Play)),
        ("hit play", Some(Play)),
        ("Hey Lumen, play the movie.", Some(Play)),
        // pause
        ("pause", Some(Pause)),
        ("Pause!", Some(Pause)),
        ("pause it", Some(Pause)),
        ("pause the tv", Some(Pause)),
        ("can you pause this for a second", Some(Pause)),
        ("um, pause", Some(Pause)),
        ("hold it", Some(Pause)),
        ("freeze that", Some(Pause)),
        // stop
        ("stop", Some(Stop)),
        ("stop playback", Some(Stop)),
        ("stop the stream", Some(Stop)),
        ("turn off the tv", Some(Stop)),
        ("turn the TV off", Some(Stop)),
        ("switch off", Some(Stop)),
        // mute / unmute
        ("mute", Some(Mute)),
        ("Mute.", Some(Mute)),
        ("mute the sound", Some(Mute)),
        ("mute it please", Some(Mute)),
        ("silence", Some(Mute)),
        ("turn off the sound", Some(Mute)),
        ("sound off", Some(Mute)),
        ("be quiet", Some(Mute)),
        ("unmute", Some(Unmute)),
        ("un mute the tv", Some(Unmute)),
        ("sound on", Some(Unmute)),
        ("turn the sound back on", Some(Unmute)),
        ("turn on the audio", Some(Unmute)),
        ("bring the sound back", Some(Unmute)),
        // volume up
        ("volume up", Some(up(None))),
        ("Volume up.", Some(up(None))),
        ("turn it up", Some(up(None))),
        ("turn the volume up", Some(up(None))),
        ("turn up the volume", Some(up(None))),
        ("louder", Some(up(None))),
        ("a bit louder please", Some(up(None))),
        ("make it louder", Some(up(None))),
        ("increase the volume", Some(up(None))),
        ("raise the volume by 10", Some(up(Some(10)))),
        ("volume up by five", Some(up(Some(5)))),
        ("volume up 20 percent", Some(up(Some(20)))),
        ("turn it up by fifteen percent", Some(up(Some(15)))),
        ("crank it up", Some(up(None))),
        ("turn it up a little bit", Some(up(None))),
        ("I can't hear it", Some(up(None))),
        ("could you turn the volume up a notch", Some(up(None))),
        // volume down
        ("volume down", Some(down(None))),
        ("turn it down", Some(down(None))),
        ("turn down the volume", Some(down(None))),
        ("quieter", Some(down(None))),
        ("softer please", Some(down(None))),
        ("make it a little quieter", Some(down(None))),
        ("lower the volume", Some(down(None))),
        ("decrease the volume by 10 percent", Some(down(Some(10)))),
        ("volume down ten", Some(down(Some(10)))),
        ("it's too loud", Some(down(None))),
        ("turn the volume down a bit", Some(down(None))),
        // set volume
        ("volume 50", Some(set(50))),
        ("volume to seventy five percent", Some(set(75))),
        ("set the volume to seventy-five", Some(set(75))),
        ("set volume at 30", Some(set(30))),
        ("turn the volume to twenty", Some(set(20))),
        ("change the volume to 40%", Some(set(40))),
        ("volume zero", Some(set(0))),
        ("max volume", Some(set(100))),
        ("volume to max", Some(set(100))),
        ("half volume", Some(set(50))),
        ("set it to 35 percent", Some(set(35))),
        ("volume a hundred", Some(set(100))),
        // channel up / down / previous
        ("channel up", Some(ChannelUp)),
        ("next channel", Some(ChannelUp)),
        ("go to the next channel", Some(ChannelUp)),
        ("skip this channel", Some(ChannelUp)),
        ("up one channel", Some(ChannelUp)),
        ("channel down", Some(ChannelDown)),
        ("go down a channel", Some(ChannelDown)),
        ("one channel down", Some(ChannelDown)),
        ("previous channel", Some(PreviousChannel)),
        ("last channel", Some(PreviousChannel)),
        ("go back to the previous channel", Some(PreviousChannel)),
        ("switch back", Some(PreviousChannel)),
        ("flip back", Some(PreviousChannel)),
        ("back to the last channel", Some(PreviousChannel)),
        // channel numbers
        ("channel 5", Some(num(5))),
        ("channel twenty five", Some(num(25))),
        ("go to channel 7", Some(num(7))),
        ("switch to channel one hundred and one", Some(num(101))),
        ("channel one oh one", Some(num(101))),
        ("channel number 12", Some(num(12))),
        ("tune to channel 9", Some(num(9))),
        ("Channel 25.", Some(num(25))),
        (
            "channel 5.1",
            Some(C::GoToChannelNumber {
                number: ChannelNumber::sub(5, 1),
            }),
        ),
        (
            "channel five point one",
            Some(C::GoToChannelNumber {
                number: ChannelNumber::sub(5, 1),
            }),
        ),
        ("forty two", Some(num(42))),
        ("put on channel 4", Some(watch(6))),
        // channels by name
        ("watch ESPN", Some(watch(2))),
        ("put on BBC One", Some(watch(0))),
        ("switch to CNN", Some(watch(3))),
        ("go to discovery", Some(watch(7))),
        ("turn on HBO", Some(watch(9))),
        ("show me sky sports", Some(watch(4))),
        ("I want to watch cartoon network", Some(watch(5))),
        ("can we watch fox news", Some(watch(10))),
        ("tune in to the weather channel", Some(watch(11))),
        ("play e s p n", Some(watch(2))),
        ("watch bbc 1", Some(watch(0))),
        ("put BBC Two on", Some(watch(1))),
        ("change the channel to ITV one", Some(watch(8))),
        ("watch cartoon netwerk", Some(watch(5))),
        ("ESPN", Some(watch(2))),
        ("let's watch the weather channel", Some(watch(11))),
        // seek
        ("skip forward 30 seconds", Some(Seek { seconds: 30 })),
        ("fast forward two minutes", Some(Seek { seconds: 120 })),
        ("go back 10 seconds", Some(Seek { seconds: -10 })),
        ("rewind thirty seconds", Some(Seek { seconds: -30 })),
        ("jump ahead five minutes", Some(Seek { seconds: 300 })),
        ("skip ahead a minute", Some(Seek { seconds: 60 })),
        ("back 15 seconds", Some(Seek { seconds: -15 })),
        ("rewind", Some(Seek { seconds: -10 })),
        ("fast forward", Some(Seek { seconds: 30 })),
        ("thirty seconds forward", Some(Seek { seconds: 30 })),
        ("rewind a minute and a half", Some(Seek { seconds: -90 })),
        (
            "skip forward 1 minute 30 seconds",
            Some(Seek { seconds: 90 }),
        ),
        ("go back half a minute", Some(Seek { seconds: -30 })),
        // guide
        ("show the guide", Some(ShowGuide)),
        ("open the guide", Some(ShowGuide)),
        ("guide", Some(ShowGuide)),
        ("TV guide", Some(ShowGuide)),
        ("show me the channel list", Some(ShowGuide)),
        ("bring up the epg", Some(ShowGuide)),
        ("what else is on", Some(ShowGuide)),
        ("hide the guide", Some(HideGuide)),
        ("close the guide", Some(HideGuide)),
        ("close guide", Some(HideGuide)),
        // what's on
        ("what's on", Some(now(None))),
        ("what's on now", Some(now(None))),
        ("what is on right now", Some(now(None))),
        ("what's playing", Some(now(None))),
        ("what am I watching", Some(now(None))),
        ("what's this show", Some(now(None))),
        ("what's on BBC One", Some(now(Some(0)))),
        ("what's playing on CNN", Some(now(Some(3)))),
        ("what's next", Some(next(None))),
        ("what's on next", Some(next(None))),
        ("what's coming up", Some(next(None))),
        ("what's on after this", Some(next(None))),
        ("what's next on ESPN", Some(next(Some(2)))),
        ("what's on HBO later", Some(next(Some(9)))),
        // favourites
        ("add to favourites", Some(AddFavourite { channel: None })),
        (
            "add this channel to my favorites",
            Some(AddFavourite { channel: None }),
        ),
        (
            "favourite this channel",
            Some(AddFavourite { channel: None }),
        ),
        ("favorite this", Some(AddFavourite { channel: None })),
        (
            "add ESPN to favourites",
            Some(AddFavourite {
                channel: Some(ch(2)),
            }),
        ),
        (
            "remove from favourites",
            Some(RemoveFavourite { channel: None }),
        ),
        (
            "remove this from my favorites",
            Some(RemoveFavourite { channel: None }),
        ),
        ("unfavourite", Some(RemoveFavourite { channel: None })),
        (
            "delete BBC Two from favorites",
            Some(RemoveFavourite {
                channel: Some(ch(1)),
            }),
        ),
        // recording
        ("record", Some(StartRecording)),
        ("record this", Some(StartRecording)),
        ("start recording", Some(StartRecording)),
        ("record this show", Some(StartRecording)),
        ("stop recording", Some(StopRecording)),
        ("cancel the recording", Some(StopRecording)),
        // a programme by name: a timer
        (
            "record top gear tonight",
            Some(RecordProgramme {
                title: "top gear".into(),
            }),
        ),
        (
            "Record the late film tomorrow",
            Some(RecordProgramme {
                title: "late film".into(),
            }),
        ),
        (
            "set a recording for planet earth",
            Some(RecordProgramme {
                title: "planet earth".into(),
            }),
        ),
        ("record the match", Some(StartRecording)),
        // subtitles
        ("subtitles on", Some(Subtitles { on: true })),
        ("turn on subtitles", Some(Subtitles { on: true })),
        ("turn on closed captions", Some(Subtitles { on: true })),
        ("show subtitles", Some(Subtitles { on: true })),
        ("subtitles off", Some(Subtitles { on: false })),
        ("turn off the captions", Some(Subtitles { on: false })),
        ("hide subtitles", Some(Subtitles { on: false })),
        ("turn subtitles off", Some(Subtitles { on: false })),
        // when is a programme on
        ("when is the news on?", Some(when("news"))),
        // from the start (the archive)
        ("start this programme over", Some(StartOver)),
        ("play it from the beginning", Some(StartOver)),
        ("start over", Some(StartOver)),
        ("restart the show", Some(StartOver)),
        // back to live
        ("go live", Some(GoLive)),
        ("go back to live", Some(GoLive)),
        ("jump to live", Some(GoLive)),
        ("back to live tv", Some(GoLive)),
        ("take me back to live", Some(GoLive)),
        ("skip to the live edge", Some(GoLive)),
        ("jump back thirty seconds", Some(Seek { seconds: -30 })),
        ("skip ahead two minutes", Some(Seek { seconds: 120 })),
        // what was missed
        ("what did I miss?", Some(CatchMeUp)),
        ("Catch me up", Some(CatchMeUp)),
        ("fill me in", Some(CatchMeUp)),
        ("what happened while I was away", Some(CatchMeUp)),
        ("show me", Some(ShowMoment)),
        ("show me the goal", Some(ShowMoment)),
        ("take me to that moment", Some(ShowMoment)),
        // reminders
        ("remind me when the news is on", Some(remind("news"))),
        (
            "Remind me when Planet Earth starts tonight.",
            Some(remind("planet earth")),
        ),
        ("tell me when the match comes on", Some(remind("match"))),
        ("set a reminder for top gear", Some(remind("top gear"))),
        (
            "remind me to watch the business news",
            Some(remind("business news")),
        ),
        (
            "remind me about match of the day please",
            Some(remind("match of day")),
        ),
        ("When's Planet Earth on tonight", Some(when("planet earth"))),
        ("what time is the match on", Some(when("match"))),
        ("when does Doctor Who start", Some(when("doctor who"))),
        ("when is the weather", Some(when("weather"))),
        // tracks
        ("switch to German audio", Some(audio("de"))),
        ("switch the audio to german", Some(audio("de"))),
        ("change the language to Spanish", Some(audio("es"))),
        ("German audio please", Some(audio("de"))),
        ("can you put it in French", Some(audio("fr"))),
        ("in english please", Some(audio("en"))),
        ("switch to Deutsch", Some(audio("de"))),
        ("subtitles in Spanish", Some(subs("es"))),
        ("turn on Spanish subtitles", Some(subs("es"))),
        ("show the subtitles in Español", Some(subs("es"))),
        ("english subtitles", Some(subs("en"))),
        ("switch to CNN", Some(watch(3))),
        ("german", None),
        // companion mode
        ("companion mode on", Some(Companion { on: true })),
        ("turn on companion mode", Some(Companion { on: true })),
        ("watch with me", Some(Companion { on: true })),
        ("enable companion mode", Some(Companion { on: true })),
        ("keep me company", Some(Companion { on: true })),
        ("companion mode off", Some(Companion { on: false })),
        ("turn off companion mode", Some(Companion { on: false })),
        ("stop commenting", Some(Companion { on: false })),
        // How the screen is arranged.
        ("picture in picture", Some(C::PictureInPicture { on: true })),
        ("open pip", Some(C::PictureInPicture { on: true })),
        (
            "close the picture in picture",
            Some(C::PictureInPicture { on: false }),
        ),
        ("swap the pictures", Some(C::SwapPictures)),
        ("show four channels", Some(C::MultiView { on: true })),
        ("multi view", Some(C::MultiView { on: true })),
        ("exit multi view", Some(C::MultiView { on: false })),
        (
            "side by side",
            Some(C::Layout {
                layout: LayoutName::SideBySide,
            }),
        ),
        (
            "make yourself bigger",
            Some(C::Layout {
                layout: LayoutName::LumenBig,
            }),
        ),
        (
            "back to the normal view",
            Some(C::Layout {
                layout: LayoutName::Tv,
            }),
        ),
        ("I like picture books", None),
        // The composed scene, streamed or recorded.
        ("start streaming", Some(stream(true))),
        ("let's stream the match with lumen", Some(stream(true))),
        ("stop streaming", Some(stream(false))),
        ("end the broadcast", Some(stream(false))),
        ("stop the stream", Some(C::Stop)),
        ("go offline", Some(stream(false))),
        ("record the show with lumen", Some(scene_file(true))),
        ("record the screen", Some(scene_file(true))),
        ("stop recording the screen", Some(scene_file(false))),
        // Still the channel's own recording and the live edge.
        ("stop recording", Some(C::StopRecording)),
        ("record this show", Some(C::StartRecording)),
        ("go live", Some(C::GoLive)),
        ("I love streaming services", None),
        ("the stream was down yesterday", None),
        ("they stood side by side at the wedding", None),
        // near-misses and chit-chat: NOT commands
        ("what do you think about this show", None),
        ("I like this channel", None),
        ("tell me a joke", None),
        ("how's the weather tomorrow", None),
        ("the volume of the ocean is huge", None),
        ("I paused my work earlier", None),
        ("who is playing tonight", None),
        ("this movie is louder than I expected", None),
        ("do you like music", None),
        ("play a song for me", None),
        ("watch out", None),
        ("that was a great channel", None),
        ("what time is it", None),
        ("can you stop being so funny", None),
        ("I can't believe he said that", None),
        ("turn it up to eleven thousand", None),
        ("volume 150", None),
        ("channel zero", None),
        // No channel: a programme the guide finds (see `wish`).
        (
            "watch the game",
            Some(C::WatchProgramme {
                query: "game".into(),
            }),
        ),
        ("what's on your mind", None),
        ("hello", None),
        ("", None),
        ("...", None),
        ("um uh", None),
        ("the", None),
        ("mute the dog", None),
        ("record breaking heat today", None),
        (
            "I want to watch something funny",
            Some(C::WatchProgramme {
                query: "funny".into(),
            }),
        ),
    ]
}

#[test]
fn phrasings_table() {
    let g = grammar();
    let cases = cases();
    assert!(cases.len() >= 150, "only {} phrasings", cases.len());
    let mut failures = Vec::new();
    for (text, want) in &cases {
        let got = g.parse(text);
        if &got != want {
            failures.push(format!("{text:?}\n    want {want:?}\n    got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} phrasings wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn near_misses_are_a_real_share() {
    let n = cases().iter().filter(|(_, w)| w.is_none()).count();
    assert!(n >= 25, "{n} near-misses");
}

#[test]
fn without_a_playlist_names_are_not_commands() {
    let g = Grammar::default();
    assert_eq!(g.parse("watch ESPN"), None);
    assert_eq!(g.parse("volume up"), Some(C::VolumeUp { step: None }));
    assert_eq!(g.parse("put on channel 4"), Some(num(4)));
}

#[test]
fn commands_serialise_for_the_llm_tool_calls() {
    let cmd = C::SetVolume { percent: 40 };
    let json = serde_json::to_string(&cmd).unwrap();
    assert_eq!(json, r#"{"action":"set_volume","percent":40}"#);
    let back: C =
        serde_json::from_str(r#"{"action":"go_to_channel_number","number":"5.1"}"#).unwrap();
    assert_eq!(
        back,
        C::GoToChannelNumber {
            number: ChannelNumber::sub(5, 1)
        }
    );
    let back: C = serde_json::from_str(r#"{"action":"go_to_channel_number","number":7}"#).unwrap();
    assert_eq!(back, num(7));
}

#[test]
fn endless_spoken_numbers_do_not_overflow() {
    // Found by the grammar fuzzer: "ten hundred" repeated multiplied past u32.
    let g = grammar();
    let s = "720p ten hundred ten hundred ten hundred ten hundred ten hundred one thousand \
             ten thousand ten thousand ten thousand ten thousand";
    let _ = g.parse(s);
    // Compiled in: cargo reuses a warm test binary across checkouts, so a path baked in with
    // CARGO_MANIFEST_DIR can name a clone that is gone.
    let crash = include_bytes!("../../../fuzz/seeds/grammar/overflow-ten-hundred");
    let _ = g.parse(&String::from_utf8_lossy(crash));
    assert_eq!(g.parse("channel one hundred and one"), Some(num(101)));
}

/// What tiny.en really heard for spoken commands (the STT test's misses before repair), and
/// chat that must stay chat.
#[test]
fn misheard_commands_are_repaired_and_chat_is_left_alone() {
    let g = grammar();
    for (heard, meant, cmd) in [
        ("Candle down.", "channel down", C::ChannelDown),
        ("Unute.", "unmute", C::Unmute),
        ("Refume playing.", "resume playing", C::Play),
        (
            "Turn off some titles.",
            "turn off subtitles",
            C::Subtitles { on: false },
        ),
        (
            "Keep forward 30 seconds.",
            "skip forward 30 seconds",
            C::Seek { seconds: 30 },
        ),
        ("Valume up", "volume up", C::VolumeUp { step: None }),
    ] {
        assert_eq!(g.parse(heard), None, "{heard:?} parses without repair");
        assert_eq!(
            g.parse_heard(heard),
            Some((cmd, meant.to_owned())),
            "{heard:?}"
        );
    }
    // A misheard name said apart from the command is a sentence of its own, around it.
    assert_eq!(
        g.parse("Human, can you switch over to channel 3, please?"),
        Some(num(3))
    );
    // Said again better: the last sentence is meant.
    assert_eq!(
        g.parse("Lumen, switch over to channel three, no, channel five please"),
        Some(num(5))
    );
    // Taken back: nothing.
    assert_eq!(g.parse("Turn it up? No, leave it."), None);
    // Heard, the words around a command start a clause of their own; a misheard command is
    // split into sentences too, and is not the first of them.
    assert_eq!(g.heard_around("Pause it. I need the loo."), Some(C::Pause));
    assert_eq!(
        g.heard_around("This is boring. Next channel."),
        Some(C::ChannelUp)
    );
    assert_eq!(g.heard_around("Go back, third its actions."), None);
    // A question with words around it is another question, for the model.
    assert_eq!(g.heard_around("What is this show I'm out?"), None);
    assert_eq!(g.parse("what's on, I wonder"), None);
    assert_eq!(g.parse_heard("Go back, third its actions."), None);
    // Lumen hushed is companion mode off; "be quiet" alone mutes the TV.
    assert_eq!(
        g.parse("Be quiet, Lumen."),
        Some(C::Companion { on: false })
    );
    assert_eq!(g.parse("Lumen, hush"), Some(C::Companion { on: false }));
    assert_eq!(g.parse("be quiet"), Some(C::Mute));
    assert_eq!(g.parse("watch with me"), Some(C::Companion { on: true }));
    // A command as heard is taken as is.
    assert_eq!(
        g.parse_heard("volume up"),
        Some((C::VolumeUp { step: None }, "volume up".to_owned()))
    );
    for chat in [
        "Tell me about the candle.",
        "What's on hell?",
        "Keep going.",
        "Some titles are better than others.",
        "I love this channel so much, it's the best one on the whole lineup.",
        "Is the weather nice?",
        "Who is playing?",
        "Moody.",
        "Cancel my plans.",
    ] {
        assert_eq!(g.parse_heard(chat), None, "{chat:?} became a command");
    }
}

/// When the sound judges the repairs, the grammar guesses further: a word heard for two run
/// together, two heard for one, and farther sound-alikes; each guess still parses, and what the
/// spelling alone would take comes first.
#[test]
fn repairs_for_the_sound_to_judge_reach_further_and_all_parse() {
    use prism_core::command::soundalike::Reach;
    let g = grammar();
    for (heard, meant, cmd) in [
        ("Candletown.", "channel down", C::ChannelDown),
        (
            "German sub titles.",
            "german subtitles",
            C::SubtitleLanguage {
                language: "de".into(),
            },
        ),
    ] {
        let judged = g.repairs(heard, 8, Reach::HEARING);
        assert!(
            judged.contains(&(cmd.clone(), meant.to_owned())),
            "{heard:?}: {judged:?}"
        );
        assert!(judged.len() <= 8);
        for (c, text) in &judged {
            assert_eq!(g.parse(text).as_ref(), Some(c), "{text:?}");
        }
    }
    // Beyond the spelling's reach: one word for two.
    assert!(g.repairs("Candletown.", 8, Reach::SPELLING).is_empty());
    // The cheapest by spelling is what parse_heard takes, and the first of the list.
    assert_eq!(
        g.repairs("Refume please.", 8, Reach::HEARING).first(),
        g.parse_heard("Refume please.").as_ref()
    );
    // A parse as heard is not a repair; nothing to read, nothing to guess.
    assert!(g.repairs("", 8, Reach::HEARING).is_empty());
}

/// A well-known channel the lineup lacks, asked for by name, is answered so; words that are
/// no channel stay chat, and a channel the lineup has is still tuned.
#[test]
fn a_well_known_channel_the_lineup_lacks_is_said_to_be_missing() {
    let g = grammar();
    let missing = |name: &str| {
        Some(C::ChannelMissing {
            name: name.to_owned(),
        })
    };
    assert_eq!(g.parse("What's on MTV?"), missing("MTV"));
    // Not a brand, but named like a channel.
    assert_eq!(g.parse("what's on Blorf TV"), missing("Blorf TV"));
    assert_eq!(g.parse("put on Kanal Sports"), missing("Kanal Sports"));
    assert_eq!(g.parse("what's on your channel"), None);
    assert_eq!(g.parse("put on Nickelodeon"), missing("Nickelodeon"));
    assert_eq!(g.parse("what's on Sky News next"), missing("Sky News"));
    assert_eq!(
        g.parse("switch to Al Jazeera please"),
        missing("Al Jazeera")
    );
    for chat in [
        "what's on your mind",
        "put on your coat",
        "what's on the menu",
    ] {
        assert_eq!(g.parse(chat), None, "{chat:?}");
    }
    // A genre, not a channel the lineup lacks: what the guide has of it.
    assert_eq!(
        g.parse("watch history"),
        Some(C::WatchProgramme {
            query: "history".into()
        })
    );
    assert!(matches!(
        g.parse("what's on CNN"),
        Some(C::WhatsOn {
            channel: Some(_),
            ..
        })
    ));
}

fn stream(on: bool) -> C {
    C::Broadcast {
        on,
        to: BroadcastTo::Stream,
    }
}

fn scene_file(on: bool) -> C {
    C::Broadcast {
        on,
        to: BroadcastTo::File,
    }
}
