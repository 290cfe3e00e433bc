//! Voice in the real app (Xvfb + lavapipe) with the real workers and models: speech made by
//! espeak-ng is handed to the app as if recorded while push-to-talk was held (there is no
//! microphone here). A question goes to the language model and Lumen answers aloud, the TV
//! ducked under her voice and her lips on the voice's own timing; a spoken command switches
//! the channel and Lumen acknowledges it.

mod common;

use std::process::Command;

use common::{Png, out_dir, run_prism, tempdir, xvfb};

/// Frames of Lumen's mouth the lip check wants: she recites until the app has drawn this many
/// while she spoke (a slow machine takes longer to get there, never fewer). About 3 % of the
/// frames fall well inside a pause, at any frame rate. 150 frames expected 4.5 pause samples,
/// so fewer than the 3 the check needs came about one run in six (it failed once so); 400
/// expect 12, and fewer than 3 comes about once in 2,000 runs.
const MOUTH_SAMPLES: usize = 400;

fn espeak(text: &str, wav: &std::path::Path) {
    let ok = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(wav)
        .arg(text)
        .status()
        .expect("espeak-ng is needed (./x test installs it)");
    assert!(ok.success());
}

fn timings(stdout: &str, nth: usize) -> serde_json::Value {
    let line = stdout
        .lines()
        .filter(|l| l.starts_with("autopilot: voice {"))
        .nth(nth)
        .unwrap_or_else(|| panic!("no voice line {nth}:\n{stdout}"));
    let json = &line["autopilot: voice ".len()..line.find(" status ").unwrap()];
    serde_json::from_str(json).unwrap()
}

#[test]
fn a_spoken_command_zaps_and_a_question_gets_a_spoken_answer() {
    let (_x, display) = xvfb();
    let dir = tempdir().join("voice");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    let (zap, ask, moan) = (
        dir.join("zap.wav"),
        dir.join("ask.wav"),
        dir.join("moan.wav"),
    );
    espeak("switch to channel three", &zap);
    espeak("what is this show about", &ask);
    espeak("this is really annoying, nothing good is on", &moan);
    let out = out_dir();
    let (shot1, shot2) = (
        out.join("voice-zapped.png"),
        out.join("voice-answering.png"),
    );
    let script = format!(
        "playing;voiceready;wait 1;hear {};wait 0.2;transcribed;wait 0.3;shot {};voicedone 1;voice;hear {};voicedone 2;voice;shot {};hear {};voicedone 3;voice;mouthlog {};quit",
        ask.display(),
        shot2.display(),
        zap.display(),
        shot1.display(),
        moan.display(),
        MOUTH_SAMPLES,
    );
    let (stdout, stderr) = run_prism(&display, &config, &script, &[]);
    println!(
        "{}",
        stdout
            .lines()
            .filter(|l| l.starts_with("autopilot"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(stdout.contains("autopilot: voice ready"), "{stdout}");

    // The command: heard, parsed, applied, acknowledged aloud.
    let zapped = timings(&stdout, 1);
    println!("command: {zapped}");
    assert!(
        zapped["heard"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("channel 3"),
        "{zapped}"
    );
    assert!(
        zapped["command"].as_f64().is_some(),
        "the command ran: {zapped}"
    );
    assert!(
        zapped["first_sound"].as_f64().is_some(),
        "Lumen said it: {zapped}"
    );
    let settings = std::fs::read_to_string(config.join("settings.toml")).unwrap_or_default();
    assert!(
        settings.contains("Prism Music"),
        "channel 3 is now the last channel watched: {settings}"
    );

    // The question: no command, an answer from the model, spoken with the voice's lip track.
    let asked = timings(&stdout, 0);
    println!("question: {asked}");
    assert!(
        asked["heard"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("show"),
        "{asked}"
    );
    assert!(
        asked["command"].is_null(),
        "a question changes nothing: {asked}"
    );
    assert!(
        asked["llm_first_token"].as_f64().is_some() && asked["first_sound"].as_f64().is_some(),
        "{asked}\n{stderr}"
    );
    // The model had given nothing by THINK_ALOUD (600 ms; its first token came well after):
    // Lumen said "Hmm." at once, before her answer, and it is not one of her sentences.
    if asked["llm_first_token"].as_f64().unwrap() > 1200.0 {
        let aloud = asked["thinking_aloud"].as_f64();
        assert!(
            aloud.is_some_and(|a| a < asked["first_sound"].as_f64().unwrap()),
            "no \"Hmm.\" before the answer: {asked}"
        );
    }
    assert!(!asked["said"].to_string().contains("Hmm"), "{asked}");

    // The TV was ducked under her voice: what the viewer heard from it, measured after the
    // volume by the player's level meter, fell by 10.5 dB (a factor of 0.3). The question is
    // asked on channel 1, a steady sine tone, so the levels compare like for like.
    let last = stdout
        .lines()
        .find(|l| l.starts_with("autopilot: voice {"))
        .unwrap();
    let db: Vec<f64> = last
        .rsplit(" tv_db ")
        .next()
        .unwrap()
        .split(' ')
        .map(|x| x.parse().unwrap_or(f64::NAN))
        .collect();
    println!(
        "TV loudness: {:.1} dBFS alone, {:.1} dBFS under Lumen's voice",
        db[0], db[1]
    );
    assert!(
        (db[0] - db[1] - 10.46).abs() < 1.5,
        "ducked by {:.1} dB: {last}",
        db[0] - db[1]
    );

    // Lumen's lips followed her voice: the mouth as the mascot applied it, frame by frame,
    // against the viseme track Piper computed for the sentence (its own phoneme durations).
    let log = stdout
        .lines()
        .find_map(|l| l.strip_prefix("autopilot: mouthlog "))
        .expect("a mouth log");
    let log: serde_json::Value = serde_json::from_str(log).unwrap();
    let [(open, vowels), (shut, pauses)] = lips_follow_the_track(&log);
    println!(
        "lips: open in {open} of {vowels} vowel samples, shut in {shut} of {pauses} pause samples; lips started {} ms after the audio (folded in)",
        asked["lips_lag_ms"]
    );
    // `mouthlog N` had her speak until N frames were logged, however slowly the machine drew.
    assert!(
        vowels >= 10 && pauses >= 3,
        "too few samples to judge: {vowels} in vowels, {pauses} in pauses: {log}"
    );
    assert!(
        open * 10 >= vowels * 9 && shut * 10 >= pauses * 9,
        "{open}/{vowels} open, {shut}/{pauses} shut: {log}"
    );
    assert!(asked["lips_lag_ms"].as_f64().unwrap() < 250.0);

    // How the viewer sounds shapes the answer: annoyed, they get the advice in the model's
    // context ("be brief and helpful") and a calmer, steadier voice (Piper's length scale up,
    // noise scale down).
    let moaned = stdout
        .lines()
        .filter(|l| l.starts_with("autopilot: voice {"))
        .nth(2)
        .expect("a third answer");
    println!("annoyed: {moaned}");
    assert!(
        moaned.contains("mood Some(\"The user sounds frustrated: be brief and helpful.\")"),
        "{moaned}"
    );
    let delivery: Vec<f32> = moaned
        .split(" delivery ")
        .nth(1)
        .unwrap()
        .split(' ')
        .take(2)
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(delivery[0] > 1.05 && delivery[1] < 0.9, "{moaned}");

    // The indicator said what was heard while the model thought or spoke.
    // Its panel (theme::PANEL, near-black blue) sits at the top left over the test card.
    let img = Png::load(&shot2);
    let panel = (30..300).filter(|&x| {
        let [r, g, b] = img.px(x as f32 / 1280.0, 30.0 / 720.0);
        r < 30 && g < 30 && b < 45 && b >= r
    });
    let n = panel.count();
    assert!(
        n > 250,
        "the indicator panel at the top left ({n} of 270 pixels)"
    );
}

/// The voice settings page: a speech model that is not installed turns voice commands off with
/// how to fix it (the TV plays on); choosing the installed one restarts recognition, and the
/// next spoken command works. The choice is saved.
#[test]
fn the_speech_model_is_chosen_in_settings_and_recognition_restarts() {
    let (_x, display) = xvfb();
    let dir = tempdir().join("voice-settings");
    let config = dir.join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("settings.toml"),
        "[voice]\nwhisper = \"whisper-base.en\"\n",
    )
    .unwrap();
    let zap = dir.join("zap.wav");
    espeak("switch to channel three", &zap);
    let shot = out_dir().join("voice-settings.png");
    // S opens the settings, Up three times wraps to "Voice and chat" (past "Companion" and
    // "Picture and sound"), Left picks tiny.en, Escape twice
    // goes back to the TV.
    let script = format!(
        "playing;wait 1;voice;key S;wait 0.5;key Up;key Up;key Up;key Enter;wait 0.5;key Left;wait 1;shot {};key Escape;key Escape;voiceready;hear {};voicedone 1;voice;quit",
        shot.display(),
        zap.display()
    );
    let (stdout, _) = run_prism(&display, &config, &script, &[]);
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("autopilot: voice {"))
        .collect();
    assert!(
        lines[0].contains("whisper-base.en is not installed")
            && lines[0].contains("prism models install whisper-base.en"),
        "{}",
        lines[0]
    );
    let zapped = timings(&stdout, 1);
    assert!(
        zapped["command"].as_f64().is_some(),
        "recognition came back: {zapped}"
    );
    let settings = std::fs::read_to_string(config.join("settings.toml")).unwrap();
    assert!(
        settings.contains("whisper = \"whisper-tiny.en\""),
        "{settings}"
    );
    assert!(settings.contains("Prism Music"), "zapped to 3: {settings}");
    // The page shows the speech model row with tiny.en chosen (a light row on the dark panel).
    let img = Png::load(&shot);
    let [r, g, b] = img.px(0.5, 0.5);
    assert!(
        r < 90 && g < 90 && b < 110,
        "the settings panel: {r} {g} {b}"
    );
}

/// For each logged frame that falls well inside a vowel of its line's track (after its
/// attack), the mouth must be open; well inside a pause (a gap of 150 ms or more, away from the
/// neighbours' release and attack), closed. Every line of the answer counts (one can be a single
/// word). Returns, for vowels and for pauses, the samples that were right and those checked.
fn lips_follow_the_track(log: &serde_json::Value) -> [(usize, usize); 2] {
    let (mut open, mut open_n, mut closed, mut closed_n) = (0, 0, 0, 0);
    let lines = log["lines"].as_array().unwrap();
    assert!(!lines.is_empty(), "no line was spoken: {log}");
    for line in lines {
        let track: Vec<(String, f64, f64)> = line["track"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let start = v["start"].as_f64().unwrap();
                (
                    v["viseme"].as_str().unwrap_or_default().to_owned(),
                    start,
                    start + v["duration"].as_f64().unwrap(),
                )
            })
            .collect();
        assert!(!track.is_empty(), "an empty track");
        let vowel = |name: &str| ["aa", "ih", "ou", "ee", "oh"].contains(&name);
        for s in line["samples"].as_array().unwrap() {
            let s: Vec<f64> = s
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let (t, weights) = (s[0], &s[1..]);
            let sum: f64 = weights.iter().sum();
            if track
                .iter()
                .any(|(v, a, b)| vowel(v) && b - a >= 0.06 && t >= a + 0.06 && t <= *b)
            {
                open_n += 1;
                open += usize::from(sum > 0.15);
            }
            // In a pause: no viseme other than silence within 80 ms either side.
            let near = track
                .iter()
                .any(|(v, a, b)| v != "silence" && t >= a - 0.08 && t <= b + 0.12);
            let inside = t > track[0].1 && t < track[track.len() - 1].2;
            if !near && inside {
                closed_n += 1;
                closed += usize::from(sum < 0.05);
            }
        }
    }
    [(open, open_n), (closed, closed_n)]
}

/// "What did I miss?" after a minute paused on the demo sports channel and a jump back to
/// live: Lumen offers unasked (on resuming, and on the jump), the TV reads what the buffer's subtitles said in the minute
/// jumped over, the real language model sums it up from them (the goal they announced), and
/// Lumen offers to show it.
#[test]
fn what_was_missed_in_a_paused_minute_is_summed_up_by_the_model() {
    let (_x, display) = xvfb();
    let dir = tempdir().join("missed");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    let ask = dir.join("missed.wav");
    espeak("what did I miss", &ask);
    let out = out_dir();
    let shot = out.join("voice-missed.png");
    // Up: Prism Sports. Space pauses (the buffer goes on), End jumps to live a minute later.
    let script = format!(
        "playing;key Up;wait 5;key Space;wait 60;voiceready;key Space;wait 1;voicedone 1;voice;key End;wait 1;timeline;voicedone 2;voice;hear {};voicedone 3;voice;shot {};quit",
        ask.display(),
        shot.display(),
    );
    let (stdout, stderr) = run_prism(&display, &config, &script, &[]);
    let settings = std::fs::read_to_string(config.join("settings.toml")).unwrap_or_default();
    assert!(settings.contains("Prism Sports"), "{settings}");
    // Resuming a minute behind, and jumping that minute to live, she offers unasked.
    let resumed = timings(&stdout, 0);
    assert_eq!(
        resumed["said"],
        serde_json::json!([
            "You're a minute behind live. Ask me what you missed, or say \"go live\"."
        ]),
        "{resumed}"
    );
    let offer = timings(&stdout, 1);
    assert_eq!(
        offer["said"],
        serde_json::json!(["You skipped a minute. Ask me what you missed."]),
        "{offer}"
    );
    let asked = timings(&stdout, 2);
    println!("what did I miss: {asked}");
    assert!(
        asked["heard"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("miss"),
        "{asked}"
    );
    assert!(asked["command"].as_f64().is_some(), "CatchMeUp: {asked}");
    assert!(
        asked["llm_first_token"].as_f64().is_some(),
        "the model summed it up: {asked}\n{stderr}"
    );
    let said: Vec<String> = asked["said"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let whole = said.join(" ");
    assert!(whole.starts_with("While you were away,"), "{whole}");
    let own = whole["While you were away,".len()..].to_lowercase();
    assert!(
        own.contains("goal") || own.contains("scor"),
        "the model's words mention the goal: {whole}"
    );
    assert!(
        !own.contains("ignore previous"),
        "captions are data: {whole}"
    );
    assert_eq!(
        said.last().map(String::as_str),
        Some("Say \"show me\" to see it."),
        "{whole}"
    );
    assert!(
        asked["first_sound"].as_f64().is_some(),
        "Lumen said it: {asked}"
    );
}

/// A command whisper mishears ("channel down" as "Candlegown."): the grammar cannot parse the
/// transcript, so the recogniser hears the speech again under other prompts, and then scores
/// the transcript's repairs against it; what it makes of it is carried out and said, without
/// a detour through the model.
/// Then a channel the lineup lacks, which is answered as such.
#[test]
fn a_misheard_command_is_judged_by_the_sound_and_carried_out() {
    let (_x, display) = xvfb();
    let dir = tempdir().join("voice-misheard");
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("down.wav");
    espeak("channel down", &wav);
    let missing = dir.join("missing.wav");
    espeak("put on Nickelodeon", &missing);
    let shot = out_dir().join("voice-misheard.png");
    let script = format!(
        "playing;voiceready;wait 1;hear {};voicedone 1;voice;shot {};hear {};voicedone 2;voice;quit",
        wav.display(),
        shot.display(),
        missing.display()
    );
    let (stdout, stderr) = run_prism(&display, &dir.join("config"), &script, &[]);
    let t = timings(&stdout, 0);
    println!("misheard: {t}");
    let heard = t["heard"].as_str().unwrap();
    let demo = prism_core::demo::playlist_m3u("http://127.0.0.1:1");
    let demo = prism_core::playlist::parse_m3u(demo.as_bytes()).unwrap();
    let grammar = prism_core::Grammar::for_playlist(&demo);
    assert_eq!(
        grammar.parse(heard),
        None,
        "whisper heard {heard:?}, a command as it stands: this test no longer needs the judge"
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("autopilot: voice {"))
        .unwrap();
    assert!(line.contains("status \"\\\"channel down\\\"\""), "{line}");
    assert!(t["command"].as_f64().is_some(), "{t}\n{stderr}");
    assert!(
        t["llm_first_token"].is_null(),
        "no detour through the model: {t}"
    );
    let said = t["said"][0].as_str().unwrap_or_default();
    assert!(said.starts_with("Channel "), "{t}");
    assert!(shot.is_file());
    // A well-known channel the demo lineup lacks: said so at once, and nothing changes.
    let m = timings(&stdout, 1);
    println!("missing: {m}");
    assert_eq!(
        m["said"][0].as_str(),
        Some("You don't have Nickelodeon in this lineup."),
        "{m}"
    );
    assert!(m["llm_first_token"].is_null(), "{m}");
}

/// A request the command grammar does not know, spoken to the app: the language model parses
/// it with the intent prompt, held to a call of the tools and channels the words name, and the
/// TV carries it out. Prints release → command applied.
#[test]
fn a_request_the_grammar_does_not_know_is_parsed_by_the_model_and_carried_out() {
    let (_x, display) = xvfb();
    let dir = tempdir().join("voice-intent");
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("crank.wav");
    espeak("the dog is barking, I can't hear the telly, crank it", &wav);
    let script = format!(
        "playing;voiceready;wait 1;hear {};voicedone 1;voice;quit",
        wav.display()
    );
    let (stdout, stderr) = run_prism(&display, &dir.join("config"), &script, &[]);
    let t = timings(&stdout, 0);
    println!("intent: {t}");
    let heard = t["heard"].as_str().unwrap_or_default();
    let demo = prism_core::demo::playlist_m3u("http://127.0.0.1:1");
    let demo = prism_core::playlist::parse_m3u(demo.as_bytes()).unwrap();
    let grammar = prism_core::Grammar::for_playlist(&demo);
    assert_eq!(
        grammar.parse(heard),
        None,
        "whisper heard {heard:?}, which the grammar parses: this test no longer reaches the model"
    );
    assert!(
        !t["llm_first_token"].is_null(),
        "the model was asked: {t}\n{stderr}"
    );
    assert!(
        t["command"].as_f64().is_some(),
        "a command was applied: {t}\n{stderr}"
    );
    let said: Vec<&str> = t["said"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(t["understood"]["action"], "volume_up", "{t}");
    assert!(
        said.contains(&"Louder."),
        "the TV turned it up and said so: {said:?}\n{t}"
    );
}

/// End to end on issue 18's held-out part: a sample of its phrasings (every fourth), spoken by
/// espeak-ng, heard by the app with the corpus's lineup loaded, through its whole path
/// (recognition, grammar, repairs judged by the sound, the model for what is left). Prints
/// what each became; holds a floor on commands understood and chat never acted on.
#[test]
fn a_held_out_sample_spoken_to_the_app_is_carried_out() {
    use prism_core::command::corpus;
    let (_x, display) = xvfb();
    let dir = tempdir().join("voice-held-out");
    std::fs::create_dir_all(&dir).unwrap();
    let playlist = dir.join("corpus.m3u");
    let m3u: String = corpus::LINEUP
        .iter()
        .map(|n| format!("#EXTINF:-1,{n}\nhttp://127.0.0.1:1/none.m3u8\n"))
        .collect();
    std::fs::write(&playlist, format!("#EXTM3U\n{m3u}")).unwrap();
    let sample: Vec<corpus::Case> = corpus::cases()
        .into_iter()
        .filter(|c| c.held)
        .step_by(4)
        .collect();
    let mut script = String::from("voiceready;wait 1");
    for (i, c) in sample.iter().enumerate() {
        let wav = dir.join(format!("{i}.wav"));
        espeak(&c.text, &wav);
        script += &format!(";hear {};voicedone {};voice", wav.display(), i + 1);
    }
    script += ";quit";
    let (stdout, stderr) = run_prism(
        &display,
        &dir.join("config"),
        &script,
        &["--playlist", playlist.to_str().unwrap()],
    );
    let (mut right, mut commands, mut chat_acted) = (0, 0, 0);
    for (i, c) in sample.iter().enumerate() {
        let t = timings(&stdout, i);
        let got: Option<prism_core::MediaCommand> =
            serde_json::from_value(t["understood"].clone()).unwrap_or(None);
        println!(
            "{:?} heard {:?} → {got:?} ({})",
            c.text,
            t["heard"].as_str().unwrap_or_default(),
            if got == c.want { "right" } else { "wrong" }
        );
        match &c.want {
            Some(_) => {
                commands += 1;
                right += usize::from(got == c.want);
            }
            None => chat_acted += usize::from(got.is_some()),
        }
    }
    println!(
        "held-out sample in the app: {right}/{commands} commands right, chat acted on {chat_acted}"
    );
    assert!(commands >= 10, "{commands} commands in the sample");
    assert_eq!(chat_acted, 0, "{stderr}");
    assert!(
        right as f64 >= APP_SAMPLE_FLOOR * commands as f64,
        "{right}/{commands}"
    );
}

/// The held-out sample in the app when this test was written: 7 of its 14 commands (espeak-ng
/// en-us only; the five voices of the spoken corpus test gave 60 % on the whole part). With
/// the speech heard again under other prompts and the short-word repairs (stop 40): 10 of 14.
/// With the rules generalised to 271 more paraphrases (stop 41): 11 of 14.
const APP_SAMPLE_FLOOR: f64 = 0.7;

/// `prism bench voice` (the voice's latencies, headless, with the real workers) runs to the
/// end and reports every path: a command, a misheard one (heard again or judged by the sound,
/// then carried out) and a question the model answers aloud. It once stopped at its first
/// frame (a voice system needed the studio's broadcast, which the bench does not load) and no
/// test ran it. Nothing here is timed: the figures are for the bench's reader.
#[test]
fn the_voice_benchmark_runs_every_path() {
    let _turn = common::one_at_a_time();
    let json = tempdir().join("bench-voice.json");
    let out = Command::new(env!("CARGO_BIN_EXE_prism"))
        .args(["bench", "voice", "--runs", "1", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    println!("{report:#}");
    for path in [
        "command",
        "short_command",
        "command_released_at_the_last_word",
        "misheard_command",
        "request_for_the_model",
        "chat",
    ] {
        if path != "chat" {
            assert_eq!(
                report[path]["release_to_command_applied_ms"]["runs"], 1,
                "{path}: {report:#}"
            );
        }
        assert_eq!(
            report[path]["longest_frame_ms"]["runs"], 1,
            "{path}: {report:#}"
        );
    }
    assert_eq!(
        report["chat"]["release_to_tts_first_audio_ms"]["runs"], 1,
        "{report:#}"
    );
}
