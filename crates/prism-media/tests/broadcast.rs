//! The broadcast pipeline against a real RTMP server (nginx with its RTMP module on loopback)
//! and real files: what is sent is pulled back, decoded and looked at.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use prism_core::scene::output::{Output, OutputSize};
use prism_media::broadcast::{Broadcast, BroadcastOptions, BroadcastState};
use prism_media::rtmp_server::{RtmpServer, pull};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prism-broadcast-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A 720p picture: the left half red, the right half blue.
fn picture() -> Vec<u8> {
    let (w, h) = (1280usize, 720usize);
    let mut px = vec![0u8; w * h * 4];
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 4;
            let c = if x < w / 2 {
                [220, 20, 20]
            } else {
                [20, 20, 220]
            };
            px[i..i + 3].copy_from_slice(&c);
            px[i + 3] = 255;
        }
    }
    px
}

fn tone(freq: f32, rate: u32, from: u64, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = (from + i as u64) as f32 / rate as f32;
            0.3 * (t * freq * std::f32::consts::TAU).sin()
        })
        .collect()
}

/// Feeds frames at 30 fps, the TV's sound at 48 kHz and a voice at 22.05 kHz, for `secs`.
fn feed(b: &Broadcast, secs: f64) {
    let px = picture();
    let start = Instant::now();
    let (mut n, mut tv, mut voice) = (0u64, 0u64, 0u64);
    while start.elapsed().as_secs_f64() < secs {
        let due = (start.elapsed().as_secs_f64() * 30.0) as u64;
        while n <= due {
            b.frame(px.clone());
            n += 1;
        }
        let t = start.elapsed().as_secs_f64();
        let tv_due = (t * 48_000.0) as u64;
        b.tv_audio(&tone(440.0, 48_000, tv, (tv_due - tv) as usize));
        tv = tv_due;
        let v_due = (t * 22_050.0) as u64;
        b.voice_audio(
            &tone(660.0, 22_050, voice, (v_due - voice) as usize),
            22_050,
        );
        voice = v_due;
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_state(b: &Broadcast, secs: u64, f: impl Fn(&BroadcastState) -> bool) -> BroadcastState {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = b.status().state;
        if f(&s) || Instant::now() > deadline {
            return s;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_picture_and_sound(what: &str, got: &prism_media::rtmp_server::Pulled) {
    let (w, h, _) = got
        .frame
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no picture came back"));
    assert_eq!((*w, *h), (1280, 720), "{what}: the output's size");
    let left = got.mean(0.05, 0.1, 0.45, 0.9).unwrap();
    let right = got.mean(0.55, 0.1, 0.95, 0.9).unwrap();
    assert!(
        left[0] > 0.6 && left[2] < 0.3,
        "{what}: the left half is red: {left:?}"
    );
    assert!(
        right[2] > 0.6 && right[0] < 0.3,
        "{what}: the right half is blue: {right:?}"
    );
    assert!(
        got.samples > 48_000,
        "{what}: a second of sound at least: {} samples",
        got.samples
    );
    // Two tones at 0.3 each, mixed: well above silence.
    assert!(got.rms > 0.1, "{what}: the sound is there: rms {}", got.rms);
}

#[test]
fn a_stream_reaches_a_real_rtmp_server_and_plays_back() {
    let dir = scratch("rtmp");
    let server = RtmpServer::start(&dir).expect("nginx with the RTMP module");
    let url = server.url("prism-test-key");
    let b = Broadcast::start(BroadcastOptions {
        output: Output::Stream(url.clone()),
        size: OutputSize::P720,
    })
    .expect("broadcast starts");
    let reader = std::thread::spawn(move || pull(&url, 4.0));
    feed(&b, 5.0);
    let got = reader
        .join()
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    let status = b.stop();
    assert!(status.live_since.is_some(), "it went live: {status:?}");
    assert!(status.frames >= 100, "frames sent: {status:?}");
    assert_picture_and_sound("RTMP", &got);
    assert!(
        got.frames >= 30,
        "a second of pictures came back: {}",
        got.frames
    );
}

#[test]
fn a_recording_is_a_matroska_file_with_picture_and_sound() {
    let dir = scratch("file");
    let path = dir.join("show.mkv");
    let b = Broadcast::start(BroadcastOptions {
        output: Output::File(path.clone()),
        size: OutputSize::P720,
    })
    .unwrap();
    feed(&b, 3.0);
    let status = b.stop();
    assert_eq!(status.state, BroadcastState::Stopped(None), "{status:?}");
    let got = pull(&prism_media::file_uri(&path), 30.0).unwrap();
    assert_picture_and_sound("Matroska", &got);
    let secs = prism_media::duration(&path).expect("the file has a duration (its index)");
    assert!(secs.as_secs_f64() > 2.0, "the file lasts: {secs:?}");
}

#[test]
fn a_refused_stream_says_why_without_its_key_and_tries_again() {
    let dir = scratch("refused");
    let server = RtmpServer::start(&dir).unwrap();
    // nginx has no application "nope": it refuses the publish.
    let url = format!("rtmp://127.0.0.1:{}/nope/secret-key-42", server.port);
    let b = Broadcast::start(BroadcastOptions {
        output: Output::Stream(url),
        size: OutputSize::P720,
    })
    .unwrap();
    let px = picture();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut state = b.status().state;
    while Instant::now() < deadline && !matches!(state, BroadcastState::Reconnecting { .. }) {
        b.frame(px.clone());
        std::thread::sleep(Duration::from_millis(33));
        state = b.status().state;
    }
    let BroadcastState::Reconnecting { attempt, why } = &state else {
        panic!(
            "a refused publish is a reconnect: {state:?}\n{}",
            server.log()
        );
    };
    assert_eq!(*attempt, 1);
    assert!(why.contains("refused"), "{why}");
    assert!(
        !why.contains("secret-key-42"),
        "the key is not shown: {why}"
    );
    drop(server);

    // Nobody listening at all.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let b = Broadcast::start(BroadcastOptions {
        output: Output::Stream(format!("rtmp://127.0.0.1:{port}/live/k3y")),
        size: OutputSize::P720,
    })
    .unwrap();
    let state = wait_state(&b, 10, |s| matches!(s, BroadcastState::Reconnecting { .. }));
    let BroadcastState::Reconnecting { why, .. } = &state else {
        panic!("a closed port is a reconnect: {state:?}");
    };
    assert!(why.contains("refused the connection"), "{why}");
}

/// Offers frames at 30 fps until the state is as wanted (or `secs` pass); returns the state.
fn feed_until(b: &Broadcast, secs: u64, f: impl Fn(&BroadcastState) -> bool) -> BroadcastState {
    let px = picture();
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = b.status().state;
        if f(&s) || Instant::now() > deadline {
            return s;
        }
        b.frame(px.clone());
        b.tv_audio(&tone(440.0, 48_000, 0, 1600));
        std::thread::sleep(Duration::from_millis(33));
    }
}

#[test]
fn a_dropped_connection_is_retried_until_the_server_is_back() {
    let dir = scratch("dropped");
    let server = RtmpServer::start(&dir).unwrap();
    let port = server.port;
    let b = Broadcast::start(BroadcastOptions {
        output: Output::Stream(server.url("k")),
        size: OutputSize::P720,
    })
    .unwrap();
    let live = |s: &BroadcastState| *s == BroadcastState::Live;
    assert_eq!(feed_until(&b, 10, live), BroadcastState::Live);
    // The server goes away mid-stream.
    drop(server);
    let state = feed_until(&b, 15, |s| matches!(s, BroadcastState::Reconnecting { .. }));
    let BroadcastState::Reconnecting { why, .. } = &state else {
        panic!("a dropped connection is a reconnect: {state:?}");
    };
    assert!(why.contains(&format!("127.0.0.1:{port}")), "{why}");
    // Back on the same port: the stream goes on by itself.
    let _server = RtmpServer::start_on(&dir, port).unwrap();
    assert_eq!(feed_until(&b, 40, live), BroadcastState::Live, "live again");
    let before = b.status().frames;
    feed_until(&b, 2, |_| false);
    let status = b.stop();
    assert!(
        status.frames >= before + 20,
        "frames flow again: {before} → {status:?}"
    );
}

#[test]
fn a_full_disk_stops_the_recording_with_its_reason() {
    let b = Broadcast::start(BroadcastOptions {
        output: Output::File("/dev/full".into()),
        size: OutputSize::P720,
    })
    .unwrap();
    let px = picture();
    let state = {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            b.frame(px.clone());
            b.tv_audio(&tone(440.0, 48_000, 0, 1600));
            let s = b.status().state;
            if matches!(s, BroadcastState::Stopped(_)) || Instant::now() > deadline {
                break s;
            }
            std::thread::sleep(Duration::from_millis(33));
        }
    };
    assert_eq!(
        state,
        BroadcastState::Stopped(Some(
            "the disk is full: the recording stopped (/dev/full)".into()
        ))
    );
}

#[test]
fn an_encoder_that_is_behind_drops_frames_and_counts_them() {
    let dir = scratch("drops");
    let b = Broadcast::start(BroadcastOptions {
        output: Output::File(dir.join("burst.mkv")),
        size: OutputSize::P1080,
    })
    .unwrap();
    // 200 frames offered at once: far faster than any encoder here takes them. None blocks.
    let px = vec![128u8; 1920 * 1080 * 4];
    let t = Instant::now();
    let taken = (0..200).filter(|_| b.frame(px.clone())).count() as u64;
    let offered_in = t.elapsed();
    let status = b.stop();
    assert!(status.dropped > 0, "{status:?}");
    assert_eq!(status.frames, taken);
    assert_eq!(status.frames + status.dropped, 200, "{status:?}");
    // Never waiting on the encoder: 200 copies of a 1080p frame, not 200 encodes.
    assert!(offered_in < Duration::from_secs(20), "{offered_in:?}");
    // A frame of the wrong size is refused, not sent.
    let b = Broadcast::start(BroadcastOptions {
        output: Output::File(dir.join("wrong.mkv")),
        size: OutputSize::P720,
    })
    .unwrap();
    assert!(!b.frame(vec![0; 16]));
    assert_eq!(b.status().dropped, 1);
    assert_eq!(b.stop().state, BroadcastState::Stopped(None));
    // Stopped the moment it starts, again and again, with a frame or none: each closes (one
    // in ten hung on the silence source's start-up once), none is left to its thread.
    let frame = vec![64u8; 1280 * 720 * 4];
    for i in 0..10 {
        let b = Broadcast::start(BroadcastOptions {
            output: Output::File(dir.join(format!("brief{i}.mkv"))),
            size: OutputSize::P720,
        })
        .unwrap();
        if i % 2 == 1 {
            b.frame(frame.clone());
        }
        assert_eq!(b.stop().state, BroadcastState::Stopped(None), "stop {i}");
    }
}
