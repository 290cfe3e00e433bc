//! The real worker with the real tiny.en model, supervised as the app does. Speech comes from
//! espeak-ng (varied voices and speeds, resampled to 16 kHz by our own resampler) and from
//! Lumen's own Piper voice. A missing model or tool fails with how to install it.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use prism_core::playlist::parse_m3u;
use prism_core::worker::{Event, Request, encode_pcm16};
use prism_core::{Grammar, MediaCommand, demo};
use prism_voice::audio::{read_wav, resample};
use prism_voice::worker::{Notice, Worker, WorkerSpec};

/// One test at a time: two workers and a voice on two cores would time contention.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn start() -> Worker {
    // tiny.en, the model every machine here has; PRISM_STT_MODEL names another (a file in
    // the models folder, or a path) to measure what a stronger recogniser hears of the same
    // speech: `PRISM_STT_MODEL=ggml-base.en.bin cargo test -p prism-stt --test stt corpus`.
    let model = match std::env::var("PRISM_STT_MODEL") {
        Ok(m) if m.contains('/') => PathBuf::from(m),
        Ok(m) => prism_voice::models::require(&m).unwrap(),
        Err(_) => prism_voice::models::require(prism_voice::models::WHISPER).unwrap(),
    };
    assert!(model.is_file(), "{} is not a file", model.display());
    let w = Worker::start(WorkerSpec {
        label: "speech recognition".into(),
        program: PathBuf::from(env!("CARGO_BIN_EXE_prism-stt")),
        args: vec!["--model".into(), model.display().to_string()],
        env: Vec::new(),
    });
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        match w.wait_notice(Duration::from_secs(1)) {
            Some(Notice::Event(Event::Ready { .. })) => return w,
            Some(Notice::Died { message, .. }) => panic!("the worker died starting: {message}"),
            _ => {}
        }
    }
    panic!("not ready in 60 s");
}

fn transcribe(w: &Worker, id: u64, pcm: &[f32], prompt: &str) -> (String, f64) {
    w.send(&Request::Transcribe {
        id,
        pcm16: encode_pcm16(pcm),
        prompt: prompt.into(),
    })
    .unwrap();
    answer(w, "a transcript", |e| match e {
        Event::Transcript {
            id: i,
            text,
            took_ms,
            ..
        } if i == id => Some((text, took_ms)),
        _ => None,
    })
}

/// The worker's answer `pick` takes (within 30 s); an error or the worker's death fails.
fn answer<T>(w: &Worker, what: &str, mut pick: impl FnMut(Event) -> Option<T>) -> T {
    loop {
        match w
            .wait_notice(Duration::from_secs(30))
            .unwrap_or_else(|| panic!("{what} in 30 s"))
        {
            Notice::Event(Event::Error { message, .. }) => panic!("{message}"),
            Notice::Event(e) => {
                if let Some(t) = pick(e) {
                    return t;
                }
            }
            Notice::Died { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
}

/// How well each of `texts` fits the speech of transcription `id`.
fn scores(w: &Worker, id: u64, texts: &[String]) -> (Vec<f32>, f64) {
    w.send(&Request::Score {
        id,
        texts: texts.to_vec(),
    })
    .unwrap();
    answer(w, "scores", |e| match e {
        Event::Scores {
            id: i,
            scores,
            took_ms,
        } if i == id => Some((scores, took_ms)),
        _ => None,
    })
}

thread_local! {
    /// How long each scoring of repairs took, for the corpus's report.
    static SCORING: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The app's recognition path after the transcript: the grammar (with the spelling's
/// repairs), else the speech heard again (`prism_voice::rehear`: a beam search, and greedy
/// under other prompts) and the first of those the grammar parses, else the transcript's
/// farther repairs judged by the sound (`prism_core::command::hearing`), else a command with
/// words of its own around it. Returns the command and what was understood.
fn understand(
    w: &Worker,
    id: u64,
    heard: &str,
    grammar: &Grammar,
) -> (Option<MediaCommand>, String) {
    use prism_core::command::hearing;
    if let Some((cmd, meant)) = grammar.parse_heard(heard) {
        return (Some(cmd), meant);
    }
    let (again, took, came) = rehear(w, id);
    REHEARING.with(|t| t.borrow_mut().push(took));
    // The command is acted on once the guesses so far settle it (`dialogue::guessed`).
    if let Some(k) = (1..=again.len())
        .find(|&n| hearing::decided(grammar, prism_voice::REHEAR_GUESSES, &again[..n]).is_some())
    {
        FOUND.with(|t| t.borrow_mut().push(came[k - 1]));
    }
    if let Some((cmd, meant)) = hearing::first_parsed(grammar, prism_voice::REHEAR_GUESSES, &again)
    {
        return (
            Some(cmd),
            format!("heard again as {meant:?} among {again:?}"),
        );
    }
    let repairs = grammar.repairs(
        heard,
        hearing::CANDIDATES,
        prism_core::command::soundalike::Reach::HEARING,
    );
    if repairs.is_empty() {
        return (
            grammar.heard_around(heard),
            format!("heard again as {again:?}"),
        );
    }
    let texts = hearing::to_score(heard, &repairs);
    let (s, took) = scores(w, id, &texts);
    SCORING.with(|t| t.borrow_mut().push(took));
    let shown: Vec<String> = texts
        .iter()
        .zip(&s)
        .map(|(t, s)| format!("{t} {s:.2}"))
        .collect();
    let got = hearing::understood(grammar, heard, &repairs, Some(&s));
    (
        got.map(|(c, _)| c),
        format!("heard again as {again:?}; {}", shown.join(" | ")),
    )
}

thread_local! {
    /// How long each `rehear` took (ms).
    static REHEARING: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
    /// When the guesses so far settled the command (ms after asking to hear again).
    static FOUND: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The speech of transcription `id` heard again as the app does, and how long it took. Each
/// of the answers came first as a guess of its own, in the same order: with the texts, when
/// each guess came (ms after asking).
fn rehear(w: &Worker, id: u64) -> (Vec<String>, f64, Vec<f64>) {
    let asked = Instant::now();
    w.send(&prism_voice::rehear(id)).unwrap();
    let (mut guesses, mut came) = (Vec::new(), Vec::new());
    let (texts, took) = answer(w, "reheard", |e| match e {
        Event::Guess { id: i, text } if i == id => {
            guesses.push(text);
            came.push(asked.elapsed().as_secs_f64() * 1000.0);
            None
        }
        Event::Reheard {
            id: i,
            texts,
            took_ms,
        } if i == id => Some((texts, took_ms)),
        _ => None,
    });
    assert_eq!(guesses, texts, "each answer as it was decoded");
    (texts, took, came)
}

/// What the worker answers to `request` (a `Request::Rehear`), once it has answered all.
fn reheard_as(w: &Worker, request: &Request) -> Vec<String> {
    let Request::Rehear { id, .. } = *request else {
        panic!("not a rehear: {request:?}")
    };
    w.send(request).unwrap();
    answer(w, "reheard", |e| match e {
        Event::Reheard { id: i, texts, .. } if i == id => Some(texts),
        _ => None,
    })
}

/// espeak-ng's speech for `text`, at 16 kHz.
fn espeak(text: &str, voice: &str, speed: u32, dir: &std::path::Path) -> Vec<f32> {
    let wav = dir.join("say.wav");
    let ok = Command::new("espeak-ng")
        .args(["-v", voice, "-s", &speed.to_string(), "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .expect(
            "espeak-ng is needed for these tests (apt install espeak-ng; ./x test installs it)",
        );
    assert!(ok.success());
    let (samples, rate) = read_wav(&wav).unwrap();
    resample(&samples, rate, 16_000)
}

fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let norm = |s: &str| {
        prism_core::command::normalise(s)
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (r, h) = (norm(reference), norm(hypothesis));
    let mut d: Vec<Vec<usize>> = (0..=r.len()).map(|i| vec![i; h.len() + 1]).collect();
    d[0] = (0..=h.len()).collect();
    for i in 1..=r.len() {
        for j in 1..=h.len() {
            let sub = d[i - 1][j - 1] + usize::from(r[i - 1] != h[j - 1]);
            d[i][j] = sub.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
        }
    }
    d[r.len()][h.len()] as f64 / r.len().max(1) as f64
}

#[test]
fn spoken_commands_become_the_right_media_commands() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    use MediaCommand as C;
    let playlist = parse_m3u(demo::playlist_m3u("http://127.0.0.1/demo").as_bytes()).unwrap();
    let grammar = Grammar::for_playlist(&playlist);
    let prompt = prism_voice::stt_prompt(&playlist);
    let num = |n: u32| C::GoToChannelNumber {
        number: n.to_string().parse().unwrap(),
    };
    let watch = |i: u32, name: &str| C::WatchChannel {
        channel: prism_core::command::ChannelRef {
            index: i,
            name: name.into(),
        },
    };
    let cases: Vec<(&str, MediaCommand)> = vec![
        ("go to channel five", num(5)),
        ("channel two", num(2)),
        ("switch to channel three", num(3)),
        ("next channel", C::ChannelUp),
        ("previous channel", C::PreviousChannel),
        ("channel down", C::ChannelDown),
        ("channel up", C::ChannelUp),
        ("go back to the last channel", C::PreviousChannel),
        ("volume up", C::VolumeUp { step: None }),
        ("turn it down", C::VolumeDown { step: None }),
        (
            "set the volume to thirty percent",
            C::SetVolume { percent: 30 },
        ),
        ("mute", C::Mute),
        ("unmute", C::Unmute),
        ("pause", C::Pause),
        ("resume playing", C::Play),
        ("show the guide", C::ShowGuide),
        ("close the guide", C::HideGuide),
        ("put on Prism Sports", watch(1, "Prism Sports")),
        ("watch Prism Movies", watch(3, "Prism Movies")),
        ("switch to Prism News", watch(0, "Prism News")),
        ("turn on subtitles", C::Subtitles { on: true }),
        ("turn off subtitles", C::Subtitles { on: false }),
        (
            "what's on now",
            C::WhatsOn {
                when: prism_core::command::When::Now,
                channel: None,
            },
        ),
        (
            "what's on next",
            C::WhatsOn {
                when: prism_core::command::When::Next,
                channel: None,
            },
        ),
        (
            "add this channel to my favourites",
            C::AddFavourite { channel: None },
        ),
        ("stop", C::Stop),
        ("start recording", C::StartRecording),
        ("skip forward thirty seconds", C::Seek { seconds: 30 }),
        ("go back ten seconds", C::Seek { seconds: -10 }),
    ];
    // Each expected command is what the grammar makes of the written sentence: the test
    // measures hearing, not the grammar.
    for (text, expected) in &cases {
        assert_eq!(
            grammar.parse(text).as_ref(),
            Some(expected),
            "the grammar itself on {text:?}"
        );
    }
    // The first set is the one hearing repair (prism_core::command::soundalike) was written
    // against; the second, faster and with other accents, was never looked at while writing it.
    type Voices = [(&'static str, u32); 5];
    let sets: [(&str, Voices, f64); 2] = [
        (
            "tuned",
            [
                ("en-us", 150),
                ("en", 165),
                ("en-us+f3", 145),
                ("en-gb-x-rp", 170),
                ("en-us+m3", 160),
            ],
            0.9,
        ),
        (
            "held out",
            [
                ("en-us+m1", 175),
                ("en-gb", 180),
                ("en-us+f2", 170),
                ("en-029", 160),
                ("en-us+m7", 185),
            ],
            0.75,
        ),
    ];
    let w = start();
    let dir = std::env::temp_dir().join(format!("prism-stt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failed = Vec::new();
    for (set, voices, floor) in sets {
        let (mut right, mut raw) = (0, 0);
        let mut misses = Vec::new();
        let mut times = Vec::new();
        for (i, (text, expected)) in cases.iter().enumerate() {
            let (voice, speed) = voices[i % voices.len()];
            let pcm = espeak(text, voice, speed, &dir);
            let (heard, took) = transcribe(&w, i as u64, &pcm, &prompt);
            times.push(took);
            raw += usize::from(grammar.parse(&heard).as_ref() == Some(expected));
            let got = grammar.parse_heard(&heard).map(|(cmd, _)| cmd);
            if got.as_ref() == Some(expected) {
                right += 1;
            } else {
                misses.push(format!(
                    "{text:?} ({voice}, {speed} wpm) heard {heard:?} → {got:?}"
                ));
            }
        }
        times.sort_by(f64::total_cmp);
        let rate = right as f64 / cases.len() as f64;
        println!(
            "{set}: {right}/{} exact ({:.0} %; {raw} without hearing repair), transcription p50 {:.0} ms, max {:.0} ms",
            cases.len(),
            rate * 100.0,
            times[times.len() / 2],
            times[times.len() - 1]
        );
        for m in &misses {
            println!("  miss: {m}");
        }
        if rate < floor {
            failed.push(format!(
                "{set}: {right}/{} right; misses: {misses:#?}",
                cases.len()
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(cases.len() >= 25);
    // The 90 % holds on the tuned set; the held-out floor catches regressions (it
    // measured 83 %, 76 % before repair).
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn lumens_voice_is_heard_back_as_what_she_said() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let m = prism_voice::models::dir();
    let mut voice = prism_voice::PiperVoice::load(
        &prism_voice::models::require(prism_voice::models::RUNTIME).unwrap(),
        &prism_voice::models::require(prism_voice::models::VOICE).unwrap(),
        &m.join(prism_voice::models::VOICE_CONFIG),
    )
    .unwrap();
    let playlist = parse_m3u(demo::playlist_m3u("http://127.0.0.1/demo").as_bytes()).unwrap();
    let prompt = prism_voice::stt_prompt(&playlist);
    let w = start();
    let sentences = [
        "The match starts at eight o'clock on Prism Sports.",
        "I think you will enjoy this documentary about whales.",
        "Tonight's film is a comedy about two friends on a road trip.",
        "The news is on in ten minutes.",
    ];
    let mut errors = 0.0;
    let mut words = 0.0;
    for (i, s) in sentences.iter().enumerate() {
        let audio = voice.synthesize(s).unwrap();
        let pcm = resample(&audio.samples, audio.sample_rate, 16_000);
        let (heard, _) = transcribe(&w, i as u64, &pcm, &prompt);
        let wer = word_error_rate(s, &heard);
        let n = prism_core::command::normalise(s).split_whitespace().count() as f64;
        println!("{s:?} → {heard:?}: WER {:.0} %", wer * 100.0);
        errors += wer * n;
        words += n;
    }
    let wer = errors / words;
    println!("overall WER {:.1} %", wer * 100.0);
    assert!(wer <= 0.15, "WER {:.1} %", wer * 100.0);
}

/// The worker's next answer to a transcription is that `id` was cancelled, not a transcript.
fn assert_cancelled(w: &Worker, id: u64) {
    let answer = loop {
        match w.wait_notice(Duration::from_secs(30)).expect("an answer") {
            Notice::Event(e @ (Event::Transcript { .. } | Event::Error { .. })) => break e,
            Notice::Died { message, .. } => panic!("{message}"),
            _ => {}
        }
    };
    assert_eq!(
        answer,
        Event::Error {
            id: Some(id),
            message: "cancelled".into()
        }
    );
}

#[test]
fn an_early_transcript_the_user_talked_past_is_cancelled_and_the_next_one_is_made() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("prism-stt-cancel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let early = espeak("Lumen, switch over to channel three", "en-us", 150, &dir);
    let all = espeak(
        "Lumen, switch over to channel three, no, channel four please",
        "en-us",
        150,
        &dir,
    );
    std::fs::remove_dir_all(&dir).ok();
    let w = start();
    // Cancelled while it runs (or before it starts): answered with an error, not a transcript.
    w.send(&Request::Transcribe {
        id: 1,
        pcm16: encode_pcm16(&early),
        prompt: String::new(),
    })
    .unwrap();
    w.send(&Request::Cancel { id: 1 }).unwrap();
    assert_cancelled(&w, 1);
    // Two cancelled in a row, the first still running or queued when the second is: each is
    // stopped (the worker once remembered only the last id cancelled, and made the first).
    for id in [3, 4] {
        w.send(&Request::Transcribe {
            id,
            pcm16: encode_pcm16(&all),
            prompt: String::new(),
        })
        .unwrap();
    }
    w.send(&Request::Cancel { id: 3 }).unwrap();
    w.send(&Request::Cancel { id: 4 }).unwrap();
    assert_cancelled(&w, 3);
    assert_cancelled(&w, 4);
    // The whole recording, sent at the release, is transcribed as usual.
    let (text, _) = transcribe(&w, 2, &all, "");
    let text = text.to_lowercase();
    assert!(text.contains("four") || text.contains('4'), "{text:?}");
}

/// The language model's worker (`prism-llm`, built beside this one by `cargo test
/// --workspace` or `./x test`), with the real default model, ready.
fn start_llm() -> Worker {
    let program = PathBuf::from(env!("CARGO_BIN_EXE_prism-stt")).with_file_name("prism-llm");
    assert!(
        program.exists(),
        "{} is not built: cargo build -p prism-llm (./x test builds it)",
        program.display()
    );
    let model = prism_voice::models::require(prism_voice::models::LLM).unwrap();
    let w = Worker::start(WorkerSpec {
        label: "the language model".into(),
        program,
        args: vec![
            "--model".into(),
            model.display().to_string(),
            "--ctx".into(),
            "2048".into(),
        ],
        env: Vec::new(),
    });
    answer(&w, "the language model ready", |e| {
        matches!(e, Event::Ready { .. }).then_some(())
    });
    w
}

/// What the app makes of words its grammar path left (`voice::dialogue::act_on`): a request
/// to act goes to the model as the intent prompt held to the tool grammar, anything else as
/// chat; a call in the reply counts once the gate admits it. Greedy, so the figures repeat
/// (the app's chat has a little warmth).
fn by_the_model(
    llm: &Worker,
    id: u64,
    heard: &str,
    grammar: &Grammar,
    playlist: &prism_core::Playlist,
) -> Option<MediaCommand> {
    use prism_core::assistant::{self, Conversation, ReplyReader, TvContext};
    let names = playlist.channels.iter().map(|c| c.name.as_str());
    let request = match assistant::intent_request(heard, names) {
        Some(i) => i.request(id),
        None => Request::Chat {
            id,
            messages: Conversation::default().messages(&TvContext::default(), heard),
            max_tokens: 80,
            temperature: 0.0,
            grammar: None,
            reply_start: None,
        },
    };
    llm.send(&request).unwrap();
    let mut reader = ReplyReader::new();
    let mut pieces = Vec::new();
    while let Some(token) = answer(llm, "the model's reply", |e| match e {
        Event::Token { id: i, text } if i == id => Some(Some(text)),
        Event::Done(d) if d.id == id => Some(None),
        _ => None,
    }) {
        pieces.extend(reader.push(&token));
    }
    pieces.extend(reader.finish());
    pieces
        .iter()
        .find_map(|p| assistant::admit(p, heard, grammar, playlist))
        .and_then(Result::ok)
}

/// Issue 18's corpus (`prism_core::command::corpus`) spoken by five synthetic speakers
/// (four espeak-ng voices at different speeds and Lumen's Piper voice) → the real worker →
/// the app's recognition path (`parse_heard`, hearing repair included), its tuning part and
/// its held-out part. Prints the accuracy per command type and every miss; holds the floors
/// measured (a change may raise them, not lower them) and that chat is never taken for a
/// command. On the held-out part in quiet and under the demo's tone at 0 dB, what the grammar
/// path leaves goes on to the language model as in the app (`by_the_model`): grammar + LLM,
/// measured too, and chat is never a command there either.
#[test]
fn the_corpus_spoken_by_five_voices_is_understood() {
    use prism_core::command::corpus;
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let grammar = corpus::grammar();
    let playlist = corpus_playlist();
    let prompt = prism_voice::stt_prompt(&playlist);
    let m = prism_voice::models::dir();
    let mut piper = prism_voice::PiperVoice::load(
        &prism_voice::models::require(prism_voice::models::RUNTIME).unwrap(),
        &prism_voice::models::require(prism_voice::models::VOICE).unwrap(),
        &m.join(prism_voice::models::VOICE_CONFIG),
    )
    .unwrap();
    let voices: [Option<(&str, u32)>; 5] = [
        Some(("en-us", 155)),
        Some(("en-gb", 170)),
        Some(("en-us+f3", 160)),
        Some(("en-us+m7", 180)),
        None, // Piper
    ];
    let w = start();
    let llm = start_llm();
    let dir = std::env::temp_dir().join(format!("prism-stt-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = corpus::cases();
    // The TV in the room: the demo channels' sound (a tone, Prism News's 440 Hz), and a
    // newsreader (another voice reading a long text), under the speech.
    let tone: Vec<f32> = (0..16_000)
        .map(|k| 0.2 * (std::f32::consts::TAU * 440.0 * k as f32 / 16_000.0).sin())
        .collect();
    let talk = espeak(TV_TALK, "en-us+m3", 165, &dir);
    let mut failed = Vec::new();
    for (part, held, noise, floor, ask_model) in [
        ("tuning", false, None, SPOKEN_TUNING_FLOOR, false),
        ("held out", true, None, SPOKEN_HELD_FLOOR, true),
        (
            "held out, the demo's tone at 0 dB SNR",
            true,
            Some((&tone, 0.0)),
            SPOKEN_TONE_FLOOR,
            true,
        ),
        (
            "held out, the demo's tone at -10 dB SNR",
            true,
            Some((&tone, -10.0)),
            SPOKEN_TONE_FLOOR_10,
            false,
        ),
        // Talk as loud as the viewer, with no ducking: only that chat never becomes a
        // command is held (the app ducks the TV from the push-to-talk press).
        (
            "held out, a newsreader at 0 dB SNR",
            true,
            Some((&talk, 0.0)),
            0.0,
            false,
        ),
        // The same TV through a room to the microphone, and taken out again by the echo
        // canceller with what the player played as its reference (`prism_voice::echo`).
        (
            "held out, the demo's tone at 0 dB SNR through a room, echo cancelled",
            true,
            Some((&tone, ECHO)),
            SPOKEN_ECHO_FLOOR,
            false,
        ),
        (
            "held out, a newsreader at 0 dB SNR through a room, echo cancelled",
            true,
            Some((&talk, ECHO)),
            SPOKEN_ECHO_FLOOR,
            false,
        ),
    ] {
        // Grammar + LLM where the model is asked (`ask_model`: the parts the goals
        // are set on).
        let (mut with, mut chat_with, mut wrong_with) = (0, 0, 0);
        let mut asked = Vec::new();
        let mut by_kind: std::collections::BTreeMap<String, (usize, usize, usize)> =
            Default::default();
        let (mut right, mut commands, mut chat, mut chat_as_command) = (0, 0, 0, 0);
        // Commands carried out that were not the one asked for: worse than a miss, which
        // leaves the TV as it was (and the words to the model).
        let mut wrong = 0;
        let mut misses = Vec::new();
        for (i, c) in cases.iter().filter(|c| c.held == held).enumerate() {
            let (mut pcm, who) = match voices[i % voices.len()] {
                Some((voice, speed)) => (espeak(&c.text, voice, speed, &dir), voice.to_owned()),
                None => {
                    let a = piper.synthesize(&c.text).unwrap();
                    (resample(&a.samples, a.sample_rate, 16_000), "piper".into())
                }
            };
            match noise {
                Some((under, snr)) if snr == ECHO => pcm = echo_cancelled(&pcm, under, i * 7919),
                Some((under, snr)) => mix_under(&mut pcm, under, i * 7919, snr),
                None => {}
            }
            let id = 10_000 + i as u64;
            let (heard, _) = transcribe(&w, id, &pcm, &prompt);
            let (got, judged) = understand(&w, id, &heard, &grammar);
            let ok = got == c.want;
            let mut with_model = got.clone();
            if ask_model && got.is_none() && !heard.trim().is_empty() {
                let t = Instant::now();
                with_model = by_the_model(&llm, id, &heard, &grammar, &playlist);
                asked.push(t.elapsed().as_secs_f64() * 1000.0);
                if with_model.is_some() {
                    println!("  the model: {:?} heard {heard:?} → {with_model:?}", c.text);
                }
            }
            let e = by_kind.entry(c.kind.clone()).or_default();
            e.0 += usize::from(ok);
            e.1 += 1;
            e.2 += usize::from(with_model == c.want);
            if c.want.is_none() {
                chat += 1;
                chat_as_command += usize::from(got.is_some());
                chat_with += usize::from(with_model.is_some());
            } else {
                with += usize::from(with_model == c.want);
                wrong_with += usize::from(with_model.is_some() && with_model != c.want);
                commands += 1;
                right += usize::from(ok);
                wrong += usize::from(!ok && got.is_some());
            }
            if !ok {
                misses.push(format!(
                    "{:?} ({who}) heard {heard:?} [{judged}] → {got:?}",
                    c.text
                ));
            }
        }
        let rate = right as f64 / commands as f64;
        let mut again = REHEARING.with(|t| std::mem::take(&mut *t.borrow_mut()));
        again.sort_by(f64::total_cmp);
        let mut found = FOUND.with(|t| std::mem::take(&mut *t.borrow_mut()));
        found.sort_by(f64::total_cmp);
        if !again.is_empty() {
            println!(
                "{part}: heard again {} times, {:.0} ms p50, {:.0} ms most; a command settled {} times, {:.0} ms p50 after asking",
                again.len(),
                again[again.len() / 2],
                again[again.len() - 1],
                found.len(),
                found.get(found.len() / 2).copied().unwrap_or(0.0),
            );
        }
        let mut took = SCORING.with(|t| std::mem::take(&mut *t.borrow_mut()));
        took.sort_by(f64::total_cmp);
        println!(
            "{part}, spoken: {right}/{commands} commands right ({:.0} %), {wrong} wrong, chat taken for a command {chat_as_command}/{chat}; repairs scored {} times, {:.0} ms p50, {:.0} ms most",
            rate * 100.0,
            took.len(),
            took.get(took.len() / 2).copied().unwrap_or(0.0),
            took.last().copied().unwrap_or(0.0),
        );
        if ask_model {
            asked.sort_by(f64::total_cmp);
            println!(
                "{part}, spoken, grammar + LLM: {with}/{commands} commands right ({:.0} %), {wrong_with} wrong, chat taken for a command {chat_with}/{chat}; the model asked {} times, {:.0} ms p50, {:.0} ms most",
                with as f64 * 100.0 / commands as f64,
                asked.len(),
                asked.get(asked.len() / 2).copied().unwrap_or(0.0),
                asked.last().copied().unwrap_or(0.0),
            );
            if chat_with > 0 {
                failed.push(format!("{part}: the model took chat for a command"));
            }
        }
        for (k, (r, n, r_with)) in &by_kind {
            if ask_model {
                println!("  {k}: {r}/{n} → {r_with}/{n} with the model");
            } else {
                println!("  {k}: {r}/{n}");
            }
        }
        for m in &misses {
            println!("  miss: {m}");
        }
        if chat_as_command > 0 || rate < floor {
            failed.push(format!("{part}: {rate:.2} (floor {floor}): {misses:#?}"));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// The corpus's lineup as a playlist.
fn corpus_playlist() -> prism_core::Playlist {
    let m3u: String = std::iter::once("#EXTM3U\n".to_owned())
        .chain(
            prism_core::command::corpus::LINEUP
                .iter()
                .enumerate()
                .map(|(i, n)| format!("#EXTINF:-1,{n}\nhttp://127.0.0.1/{i}.m3u8\n")),
        )
        .collect();
    parse_m3u(m3u.as_bytes()).unwrap()
}

/// What the TV says under the speech in the noisy run: news-like talk, looped.
const TV_TALK: &str = "Good evening. Tonight the government announced new plans for the railways, \
    with trains between the major cities running every fifteen minutes by next spring. In sport, \
    United came from behind to win two one at home, and the weather turns colder overnight with \
    frost in the north and showers spreading from the west by morning.";

/// Mixes `noise` (from `offset`, looped) under `speech` at `snr_db`: their RMS levels set apart
/// by that much over the length of the speech.
fn mix_under(speech: &mut [f32], noise: &[f32], offset: usize, snr_db: f64) {
    let rms = |x: &mut dyn Iterator<Item = f32>| {
        let (s, n) = x.fold((0.0f64, 0usize), |(s, n), v| (s + f64::from(v * v), n + 1));
        (s / n.max(1) as f64).sqrt()
    };
    let at = |k: usize| noise[(offset + k) % noise.len()];
    let speech_rms = rms(&mut speech.iter().copied());
    let noise_rms = rms(&mut (0..speech.len()).map(at));
    let gain = speech_rms / noise_rms.max(1e-9) / 10f64.powf(snr_db / 20.0);
    for (k, v) in speech.iter_mut().enumerate() {
        *v = (*v + at(k) * gain as f32).clamp(-1.0, 1.0);
    }
}

/// Marks a noisy part whose TV goes through a room and the echo canceller (at 0 dB SNR).
const ECHO: f64 = f64::INFINITY;

/// The speech said while the TV (`tv`, from `offset`, looped) plays through a room to the
/// microphone at 0 dB SNR, and what the app's echo canceller leaves of it: the room (120 ms
/// late, three reflections, one louder than the direct sound) and a little noise of the
/// microphone's own are unknown to it; it has the two seconds of TV alone before
/// push-to-talk (the pre-roll, as the app keeps it) and what the player played.
fn echo_cancelled(speech: &[f32], tv: &[f32], offset: usize) -> Vec<f32> {
    use prism_voice::echo::{HISTORY, cancel_echo};
    let pre = (prism_voice::audio::PRE_ROLL * 16_000.0) as usize;
    let total = HISTORY + pre + speech.len();
    let start = offset + tv.len() * 4 - HISTORY - pre;
    let reference: Vec<f32> = (0..total).map(|k| tv[(start + k) % tv.len()]).collect();
    let taps = [(1_920, 0.5f32), (1_968, 0.8), (2_096, -0.3), (2_320, 0.15)];
    let heard: Vec<f32> = (HISTORY..total)
        .map(|k| taps.iter().map(|(d, g)| g * reference[k - d]).sum())
        .collect();
    let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt();
    let gain = rms(speech) / rms(&heard[pre..]).max(1e-9);
    let hiss: Vec<f32> = (0..heard.len())
        .map(|k| ((k as f32 * 12.9898).sin() * 43_758.547).fract() - 0.5)
        .collect();
    let mic: Vec<f32> = heard
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let said = k.checked_sub(pre).map_or(0.0, |j| speech[j]);
            e * gain + said + hiss[k] * 0.003
        })
        .collect();
    cancel_echo(&mic, &reference, pre)
}

/// The corpus spoken, when this test was written (Piper's speech varies from run to run, so
/// the floors sit a few points under): the tuning part 72–73 % (as text, 99 %), the held-out
/// part 53–56 % (as text, 73 %), under the demo's tone 44 % at 0 dB and 42 % at −10 dB SNR,
/// under a newsreader at 0 dB 0 %; chat never taken for a command. With farther repairs judged
/// by the sound (`command::hearing`): tuning 76 %, held out 56 %, the tone 47 % at 0 dB and
/// 42 % at −10 dB; chat still never a command; scoring 83–92 ms p50 on one thread. With the
/// paraphrase table and commands with words around them (stop 36): tuning 75 %, held out
/// 60 % (as text, 80 %), the tone 49 % at 0 dB and 47 % at −10 dB, the newsreader 4 %. With
/// the speech heard again under other prompts (`prism_voice::rehear`), short words exchanged,
/// dropped or joined as repairs, the first token of a scored sentence judged by the sound
/// (whisper.cpp's logits of a batch's last token were read from the wrong row) and generic
/// words alone naming no channel (stop 40): tuning 81–83 %, held out 62 %, the tone 51 % at
/// 0 dB and 49 % at −10 dB; hearing again 73 ms p50. With 271 more paraphrases and the rules
/// generalised to them (stop 41; held out as text 93 %): tuning 82 %, held out 76 %, the tone
/// 64 % at 0 dB and 62 % at −10 dB, the newsreader 4 %; through a room with the echo
/// cancelled (`prism_voice::echo`, 2 s of pre-roll counted 8 times the utterance), the tone
/// 75 % and the newsreader 64 %. With six n-best branches after each prompt heard again,
/// kept within e² of its guess's likelihood, a guess heard right preferred to another's
/// spelling repair and branches never repaired (stop 42; three runs): tuning 85–88 %, held
/// out 75–80 %, the tone 73–75 % at 0 dB and 64–65 % at −10 dB, the newsreader 4 %, through
/// a room the tone 73 % and the newsreader 64 %; hearing again 290–330 ms p50. With guesses
/// begun with a command's word (`prism_voice::start_words`; stop 49, two runs): tuning
/// 88–89 %, held out 80–82 %, the tone 76–78 % at 0 dB and 69 % at −10 dB, the newsreader
/// 0 %, through a room the tone 76–78 % and the newsreader 65 %; with the speech heard again
/// slowed a quarter, at its pitch and as a tape (`prism_voice::SLOWED`; stop 50, two runs):
/// tuning 91–93 %, held out 82–84 %, the tone 75–78 % at 0 dB and 67–69 % at −10 dB, the
/// newsreader 0–2 %, through a room the tone 78 % and the newsreader 67–69 %. With a steady
/// noise taken out before whisper hears it (`speech::without_steady_noise`; stop 51, one run):
/// tuning 91 %, held out 82 %, the tone 76 % at 0 dB and 75 % at −10 dB, the newsreader 0 %,
/// through a room the tone 78 % and the newsreader 73 % (on the tuning part under the tone,
/// 82 → 87 % at 0 dB and 79 → 83 % at −10 dB).
const SPOKEN_TUNING_FLOOR: f64 = 0.82;
const SPOKEN_HELD_FLOOR: f64 = 0.72;
const SPOKEN_TONE_FLOOR: f64 = 0.66;
const SPOKEN_TONE_FLOOR_10: f64 = 0.58;
const SPOKEN_ECHO_FLOOR: f64 = 0.58;

/// The recogniser judges sentences against the speech it last transcribed: what was said fits
/// far better than what was not, a near miss of it comes close, and a request that names
/// another transcription is refused rather than judged against the wrong sound.
#[test]
fn sentences_are_scored_against_the_speech_last_heard() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("prism-stt-score-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcm = espeak("switch to channel three", "en-us", 155, &dir);
    let w = start();
    let (heard, _) = transcribe(&w, 7, &pcm, "");
    let texts: Vec<String> = [
        "Switch to channel 3.",
        "Switch to channel 4.",
        "What a lovely day it is.",
    ]
    .map(String::from)
    .to_vec();
    let (s, took) = scores(&w, 7, &texts);
    println!("heard {heard:?}: scores {s:?} in {took:.0} ms");
    assert_eq!(s.len(), 3);
    assert!(s[0] > s[1] && s[1] > s[2], "{s:?}");
    assert!(s[0] - s[2] > 2.0, "{s:?}");
    // As many as the app sends (`hearing::CANDIDATES` and the transcript), alike as repairs are.
    let many: Vec<String> = [
        "Switch to channel 3.",
        "Switch to channel 4.",
        "Switch to channel 30.",
        "Switch the channel.",
        "Switch to channel three please.",
        "Switch off channel 3.",
        "Watch channel 3.",
        "Which is channel 3.",
        "Search channel 3.",
    ]
    .map(String::from)
    .to_vec();
    let (m, took) = scores(&w, 7, &many);
    println!("9 sentences scored in {took:.0} ms: {m:?}");
    assert!(m[1..].iter().all(|x| *x < m[0]), "{m:?}");
    w.send(&Request::Score {
        id: 6,
        texts: texts.clone(),
    })
    .unwrap();
    match w.wait_notice(Duration::from_secs(30)) {
        Some(Notice::Event(Event::Error {
            id: Some(6),
            message,
        })) => {
            assert!(message.contains("no audio"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The recogniser hears the speech it last transcribed again under other prompts, one guess
/// each, in order: the guess under a prompt of commands is a command, a request that names
/// another transcription is refused, and the scores asked after it still judge that speech.
#[test]
fn the_speech_last_heard_is_heard_again_under_other_prompts() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("prism-stt-rehear-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcm = espeak("turn on subtitles", "en-us", 155, &dir);
    let w = start();
    // A prompt of channel names only, as a lineup of them would give.
    let names = "Put on Al Jazeera, Bloomberg, Cartoonito, Dave, Eden, Film4, Gold, Quest.";
    let (heard, _) = transcribe(&w, 11, &pcm, names);
    let (again, took, _) = rehear(&w, 11);
    println!("heard {heard:?}, again {again:?} in {took:.0} ms");
    // Every branch, however unlikely: each prompt's guess, then six branches of each, and
    // they differ from the guesses. The app's margin keeps some of them, in the same order;
    // the start guesses and the slowed speech's guesses come after them, the same in both.
    let Request::Rehear {
        prompts,
        branches,
        starts,
        start_tries,
        start_margin,
        slowed,
        ..
    } = prism_voice::rehear(11)
    else {
        unreachable!()
    };
    let guesses = prompts.len();
    let all = reheard_as(
        &w,
        &Request::Rehear {
            id: 11,
            prompts,
            branches,
            margin: 1e6,
            starts,
            start_tries,
            start_margin,
            slowed,
        },
    );
    println!("every branch: {all:?}");
    let branched = guesses * (1 + branches as usize);
    assert!(all.len() >= branched, "{all:?}");
    assert!(
        all[guesses..branched]
            .iter()
            .any(|b| !all[..guesses].contains(b)),
        "{all:?}"
    );
    assert_eq!(again[..guesses], all[..guesses]);
    let started = &all[branched..];
    assert!(again.ends_with(started), "{again:?} ends with {started:?}");
    let mut kept = again[guesses..again.len() - started.len()].iter();
    let mut next = kept.next();
    for b in &all[guesses..branched] {
        if next == Some(b) {
            next = kept.next();
        }
    }
    assert_eq!(
        next, None,
        "the branches kept are some of all, in order: {again:?}"
    );
    // Cancelled (the app found a command in an early guess): it stops, and says so.
    w.send(&Request::Rehear {
        id: 11,
        prompts: prism_voice::REHEAR_PROMPTS.map(str::to_owned).to_vec(),
        branches,
        margin: 1e6,
        starts: Vec::new(),
        start_tries: 0,
        start_margin: 0.0,
        slowed: Vec::new(),
    })
    .unwrap();
    w.send(&Request::Cancel { id: 11 }).unwrap();
    let stopped = loop {
        match w.wait_notice(Duration::from_secs(30)) {
            Some(Notice::Event(Event::Guess { id: 11, .. })) => {}
            Some(Notice::Event(Event::Error {
                id: Some(11),
                message,
            })) => break message,
            other => panic!("cancelled, not {other:?}"),
        }
    };
    assert_eq!(stopped, "cancelled");
    let grammar = prism_core::Grammar::default();
    assert_eq!(
        grammar.parse(&again[0]),
        Some(MediaCommand::Subtitles { on: true }),
        "{again:?}"
    );
    w.send(&Request::Rehear {
        id: 10,
        prompts: vec![String::new()],
        branches: 0,
        margin: 0.0,
        starts: Vec::new(),
        start_tries: 0,
        start_margin: 0.0,
        slowed: Vec::new(),
    })
    .unwrap();
    match w.wait_notice(Duration::from_secs(30)) {
        Some(Notice::Event(Event::Error {
            id: Some(10),
            message,
        })) => assert!(message.contains("no audio of 10"), "{message}"),
        other => panic!("{other:?}"),
    }
    let (s, _) = scores(
        &w,
        11,
        &[
            "Turn on subtitles.".into(),
            "What a lovely day it is.".into(),
        ],
    );
    assert!(s[0] - s[1] > 2.0, "{s:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A command whose first word the recogniser mishears ("catch me up" in espeak-ng's British
/// voice, heard as "Cut me up.") is understood once the speech is heard again with the words
/// a command may begin with put first, and not without them; chat heard again so stays chat.
#[test]
fn a_misheard_first_word_is_found_again_among_the_words_a_command_begins_with() {
    use prism_core::command::{corpus, hearing};
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let grammar = corpus::grammar();
    let prompt = prism_voice::stt_prompt(&corpus_playlist());
    let dir = std::env::temp_dir().join(format!("prism-stt-starts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let command = espeak("catch me up", "en-gb", 170, &dir);
    let chat = espeak("tell me a joke about football", "en-us", 155, &dir);
    std::fs::remove_dir_all(&dir).ok();
    let w = start();
    let understood = |again: &[String]| {
        hearing::first_parsed(&grammar, prism_voice::REHEAR_GUESSES, again).map(|(c, _)| c)
    };
    let (heard, _) = transcribe(&w, 21, &command, &prompt);
    assert_eq!(
        grammar.parse_heard(&heard),
        None,
        "heard {heard:?}: this test needs the first word misheard"
    );
    // Without the start words: the guesses all begin as the transcript does.
    let Request::Rehear {
        prompts,
        branches,
        margin,
        starts,
        ..
    } = prism_voice::rehear(21)
    else {
        unreachable!()
    };
    assert!(starts.iter().any(|s| s == "catch"), "{starts:?}");
    let without = reheard_as(
        &w,
        &Request::Rehear {
            id: 21,
            prompts,
            branches,
            margin,
            starts: Vec::new(),
            start_tries: 0,
            start_margin: 0.0,
            slowed: Vec::new(),
        },
    );
    println!("heard {heard:?}; again without the start words: {without:?}");
    assert_eq!(understood(&without), None, "{without:?}");
    let (again, took, _) = rehear(&w, 21);
    println!("with them, in {took:.0} ms: {again:?}");
    assert_eq!(
        understood(&again),
        Some(MediaCommand::CatchMeUp),
        "{again:?}"
    );
    // Found by a start guess, not by the slowed speech's guesses.
    let Request::Rehear {
        prompts, starts, ..
    } = prism_voice::rehear(21)
    else {
        unreachable!()
    };
    let unslowed = reheard_as(
        &w,
        &Request::Rehear {
            id: 21,
            prompts,
            branches,
            margin,
            starts,
            start_tries: prism_voice::START_TRIES,
            start_margin: prism_voice::START_MARGIN,
            slowed: Vec::new(),
        },
    );
    assert_eq!(
        understood(&unslowed),
        Some(MediaCommand::CatchMeUp),
        "{unslowed:?}"
    );
    let (heard, _) = transcribe(&w, 22, &chat, &prompt);
    let (again, _, _) = rehear(&w, 22);
    println!("chat heard {heard:?}, again {again:?}");
    assert_eq!(grammar.parse_heard(&heard), None, "{heard:?}");
    assert_eq!(understood(&again), None, "{again:?}");
}

/// Commands the recogniser mishears the same way under every prompt, in every branch and
/// every start guess are understood from the speech played a quarter slower
/// (`Request::Rehear`'s `slowed`, the last guesses), and not without it: "did I miss
/// anything" in espeak-ng's en-us+m7 voice, heard as "This is anything.", from the speech
/// stretched at its own pitch; "change to HBO" in its en-us+f3 voice, heard as "Change. PO.",
/// from the speech slowed as a tape. Chat slowed stays chat, and chat too long to be a
/// command is not slowed. Cancelled while the slowed speech is transcribed, hearing again
/// stops and says so.
#[test]
fn commands_misheard_under_every_prompt_are_heard_right_slowed() {
    use prism_core::command::{corpus, hearing};
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let grammar = corpus::grammar();
    let prompt = prism_voice::stt_prompt(&corpus_playlist());
    let dir = std::env::temp_dir().join(format!("prism-stt-slowed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let commands = [
        (
            espeak("did I miss anything", "en-us+m7", 180, &dir),
            MediaCommand::CatchMeUp,
            true,
        ),
        (
            espeak("change to HBO", "en-us+f3", 160, &dir),
            corpus::cases()
                .into_iter()
                .find(|c| c.text == "change to HBO")
                .and_then(|c| c.want)
                .unwrap(),
            false,
        ),
    ];
    let chat = espeak("my brother plays the guitar", "en-us+m7", 180, &dir);
    let long_chat = espeak(
        "my brother plays the guitar in a band that tours all over the north every summer",
        "en-us",
        155,
        &dir,
    );
    std::fs::remove_dir_all(&dir).ok();
    let w = start();
    let understood =
        |again: &[String]| hearing::first_parsed(&grammar, prism_voice::REHEAR_GUESSES, again);
    let Request::Rehear {
        prompts,
        branches,
        margin,
        starts,
        start_tries,
        start_margin,
        slowed,
        ..
    } = prism_voice::rehear(31)
    else {
        unreachable!()
    };
    assert_eq!(slowed, prism_voice::SLOWED);
    let unslowed = |id| Request::Rehear {
        id,
        prompts: prompts.clone(),
        branches,
        margin,
        starts: starts.clone(),
        start_tries,
        start_margin,
        slowed: Vec::new(),
    };
    let mut without = Vec::new();
    for (pcm, want, pitch_kept) in &commands {
        let (heard, _) = transcribe(&w, 31, pcm, &prompt);
        assert_eq!(
            grammar.parse_heard(&heard),
            None,
            "heard {heard:?}: this test needs the command misheard"
        );
        without = reheard_as(&w, &unslowed(31));
        println!("heard {heard:?}; again, not slowed: {without:?}");
        assert_eq!(understood(&without), None, "{without:?}");
        let (again, took, came) = rehear(&w, 31);
        println!(
            "and slowed, in {took:.0} ms (the last guesses at {:?} ms): {again:?}",
            &came[without.len()..]
        );
        assert_eq!(again[..without.len()], without[..]);
        let (got, meant) = understood(&again).unwrap_or_else(|| panic!("{again:?}"));
        assert_eq!(got, *want, "{again:?}");
        assert!(again[without.len()..].contains(&meant), "{again:?}");
        // And the way of slowing named heard it alone.
        let mut one = unslowed(31);
        if let Request::Rehear { slowed: s, .. } = &mut one {
            s.extend(slowed.iter().filter(|s| s.pitch_kept == *pitch_kept));
            assert_eq!(s.len(), 1);
        }
        let alone = reheard_as(&w, &one);
        assert_eq!(alone.len(), without.len() + 1, "{alone:?}");
        assert_eq!(understood(&alone).map(|(c, _)| c), Some(want.clone()));
    }
    // Cancelled once every other guess has come: the slowed transcriptions stop.
    let mut slower = unslowed(31);
    if let Request::Rehear { slowed, .. } = &mut slower {
        *slowed = vec![prism_voice::SLOWED[0]; 8];
    }
    w.send(&slower).unwrap();
    let mut guesses = 0;
    let stopped = loop {
        match w.wait_notice(Duration::from_secs(60)) {
            Some(Notice::Event(Event::Guess { id: 31, .. })) => {
                guesses += 1;
                if guesses == without.len() + 1 {
                    w.send(&Request::Cancel { id: 31 }).unwrap();
                }
            }
            Some(Notice::Event(Event::Error {
                id: Some(31),
                message,
            })) => break message,
            other => panic!("cancelled, not {other:?}"),
        }
    };
    assert_eq!(stopped, "cancelled");
    assert!(guesses < without.len() + 8, "{guesses} guesses");
    let (heard, _) = transcribe(&w, 32, &chat, &prompt);
    let (again, _, _) = rehear(&w, 32);
    println!("chat heard {heard:?}, again {again:?}");
    assert_eq!(grammar.parse_heard(&heard), None, "{heard:?}");
    assert_eq!(understood(&again), None, "{again:?}");
    // Longer than a command: not slowed, for the model's answer waits on hearing again.
    let (heard, _) = transcribe(&w, 33, &long_chat, &prompt);
    let without = reheard_as(&w, &unslowed(33));
    let (again, _, _) = rehear(&w, 33);
    println!("long chat heard {heard:?}, again {again:?}");
    assert_eq!(again, without);
}
