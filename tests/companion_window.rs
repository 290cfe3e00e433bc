//! Lumen moves to the music on TV: on the demo music channel (ticks at 120 BPM) the player's
//! audio tap finds the beat and she dances; back on a channel without a beat, she stops.

mod common;

use common::{out_dir, run_prism, tempdir, xvfb};

fn groove(line: &str) -> (f32, Option<f32>) {
    // "autopilot: groove 0.66 bpm Some(119.88)"
    let rest = line.strip_prefix("autopilot: groove ").unwrap();
    let (w, bpm) = rest.split_once(" bpm ").unwrap();
    let bpm = bpm
        .strip_prefix("Some(")
        .and_then(|b| b.strip_suffix(')'))
        .and_then(|b| b.parse().ok());
    (w.parse().unwrap(), bpm)
}

#[test]
fn lumen_dances_to_the_music_channel_and_stops_after() {
    let (_x, display) = xvfb();
    let config = tempdir().join("companion");
    std::fs::create_dir_all(&config).unwrap();
    let shot = out_dir().join("lumen-dancing.png");
    let script = format!(
        "playing;key 3;wait 2;playing;wait 7;groove;shot {};key 1;wait 2;playing;wait 4;groove;quit",
        shot.display()
    );
    let (stdout, _) = run_prism(&display, &config, &script, &[]);
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("autopilot: groove "))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let (dancing, bpm) = groove(lines[0]);
    println!("on the music channel: dancing {dancing:.2} at {bpm:?} BPM");
    assert!(dancing > 0.5, "{}", lines[0]);
    assert!(
        bpm.is_some_and(|b| (b - 120.0).abs() <= 2.0),
        "{}",
        lines[0]
    );
    let (after, _) = groove(lines[1]);
    assert!(after < 0.1, "still dancing on the news: {}", lines[1]);
    assert!(shot.is_file());
}

/// C turns companion mode on: Lumen waves and greets, in a remark the language model writes
/// from what is on; C again and she says she will keep quiet.
#[test]
fn companion_mode_greets_and_goes_quiet() {
    let (_x, display) = xvfb();
    let config = tempdir().join("companion-toggle");
    std::fs::create_dir_all(&config).unwrap();
    let shot = out_dir().join("companion-greeting.png");
    let script = format!(
        "playing;voiceready;wait 1;key C;wait 0.5;voicedone 1;voice;shot {};key C;voicedone 2;voice;quit",
        shot.display()
    );
    let (stdout, _) = run_prism(&display, &config, &script, &[]);
    let voice: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("autopilot: voice {"))
        .collect();
    assert_eq!(voice.len(), 2, "{stdout}");
    println!("{}\n{}", voice[0], voice[1]);
    assert!(
        voice[0].contains("(remark) (Companion mode is on")
            && voice[0].contains("\"first_sound\":"),
        "no greeting: {}",
        voice[0]
    );
    assert!(!voice[0].contains("\"first_sound\":null"), "{}", voice[0]);
    assert!(
        voice[1].contains("(remark) Okay, I'll keep quiet."),
        "{}",
        voice[1]
    );
}
