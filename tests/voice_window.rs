//! Voice in the real app (Xvfb + lavapipe) with the real workers and models: speech made by
//! espeak-ng is handed to the app as if recorded while push-to-talk was held (there is no
//! microphone here). A spoken command switches the channel and Lumen acknowledges it aloud; a
//! question goes to the language model and Lumen answers with moving lips.

mod common;

use std::process::Command;

use common::{Png, out_dir, run_prism, tempdir, xvfb};

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
    let (zap, ask) = (dir.join("zap.wav"), dir.join("ask.wav"));
    espeak("switch to channel three", &zap);
    espeak("what is this show about", &ask);
    let out = out_dir();
    let (shot1, shot2) = (
        out.join("voice-zapped.png"),
        out.join("voice-answering.png"),
    );
    let script = format!(
        "playing;voiceready;wait 1;hear {};voicedone 1;voice;shot {};hear {};wait 2.5;shot {};voicedone 2;voice;quit",
        zap.display(),
        shot1.display(),
        ask.display(),
        shot2.display()
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
    let zapped = timings(&stdout, 0);
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
    let asked = timings(&stdout, 1);
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
    // S opens the settings, Up wraps to "Voice and chat", Left picks tiny.en, Escape twice
    // goes back to the TV.
    let script = format!(
        "playing;wait 1;voice;key S;wait 0.5;key Up;key Enter;wait 0.5;key Left;wait 1;shot {};key Escape;key Escape;voiceready;hear {};voicedone 1;voice;quit",
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
