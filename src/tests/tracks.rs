//! Sound and subtitle tracks in the app: the languages asked of a stream (the channel's own
//! choice, then the settings'), a language by command, the track menu (A), and what is
//! remembered per channel.

use prism_core::command::MediaCommand as M;
use prism_core::tracks::{Track, TrackKind, TrackList};
use prism_media::PlayerEvent;

use super::*;
use crate::tv::Outcome;

/// What the nature channel's stream tells: English and German sound, English and Spanish
/// subtitles, English on.
fn nature_tracks() -> TrackList {
    TrackList {
        audio: vec![
            Track::new(
                "audio-English",
                TrackKind::Audio,
                Some("en"),
                Some("English"),
            ),
            Track::new(
                "audio-Deutsch",
                TrackKind::Audio,
                Some("de"),
                Some("Deutsch"),
            ),
        ],
        subtitles: vec![
            Track::new(
                "text-English",
                TrackKind::Subtitle,
                Some("en"),
                Some("English"),
            ),
            Track::new(
                "text-Español",
                TrackKind::Subtitle,
                Some("es"),
                Some("Español"),
            ),
        ],
        audio_on: Some("audio-English".into()),
        subtitle_on: Some("text-English".into()),
    }
}

fn harness() -> Harness {
    let mut h = Harness::with(demo_playlist(), |app| {
        app.add_plugins(crate::screens::tracks::plugin);
    });
    h.cmd(M::WatchChannel {
        channel: prism_core::command::ChannelRef {
            index: 5,
            name: "Prism Nature".into(),
        },
    });
    h.event(PlayerEvent::Tracks(nature_tracks()));
    h.player.clear();
    h.take::<Executed>();
    h
}

#[test]
fn a_spoken_language_turns_its_track_on_and_is_remembered_for_the_channel() {
    let mut h = harness();
    h.cmd(M::AudioLanguage {
        language: "German".into(),
    });
    assert_eq!(
        h.ops(),
        [Op::Tracks(Some("audio-Deutsch".into()), None)],
        "the German track asked of the player"
    );
    assert_eq!(
        h.outcomes(),
        [Outcome::Track {
            kind: TrackKind::Audio,
            label: "Deutsch".into()
        }]
    );
    let own = &h.settings().tracks.channels["Prism Nature"];
    assert_eq!(own.audio.as_deref(), Some("de"));

    // Subtitles in Spanish: that track, and subtitles shown.
    assert!(!h.tv().subtitles);
    h.cmd(M::SubtitleLanguage {
        language: "es".into(),
    });
    assert_eq!(
        h.ops().last(),
        Some(&Op::Tracks(None, Some("text-Español".into())))
    );
    assert!(h.tv().subtitles && h.settings().subtitles);

    // A language the channel does not carry: said so, nothing asked of the player.
    h.player.clear();
    h.take::<Executed>();
    h.cmd(M::AudioLanguage {
        language: "fr".into(),
    });
    assert!(h.ops().is_empty());
    assert_eq!(
        h.outcomes(),
        [Outcome::NoTrack {
            kind: TrackKind::Audio,
            language: "fr".into()
        }]
    );

    // Away and back: the channel's stream is asked for German sound and Spanish subtitles
    // first; another channel only for the settings' preferences (none).
    h.cmd(M::ChannelUp);
    let other = h.player.last_request().unwrap();
    assert!(other.tracks.audio.is_empty(), "{:?}", other.tracks);
    h.cmd(M::PreviousChannel);
    let back = h.player.last_request().unwrap();
    assert_eq!(back.tracks.audio, ["de"]);
    assert_eq!(back.tracks.subtitles, ["es"]);
}

#[test]
fn the_settings_languages_come_after_the_channels_own() {
    let mut h = harness();
    {
        let mut s = h.app.world_mut().resource_mut::<Settings>();
        s.tracks.audio_languages = vec!["fr".into(), "de".into()];
        s.tracks.subtitle_languages = vec!["es".into()];
    }
    h.cmd(M::ChannelUp);
    let r = h.player.last_request().unwrap();
    assert_eq!(r.tracks.audio, ["fr", "de"]);
    assert_eq!(r.tracks.subtitles, ["es"]);
}

#[test]
fn a_opens_the_track_menu_where_ok_chooses_and_a_closes_it() {
    let mut h = harness();
    h.key(KeyCode::KeyA);
    assert_eq!(h.screen(), Screen::Tracks);
    let rows = crate::screens::tracks::rows(&h.tv().tracks);
    assert_eq!(
        rows.len(),
        5,
        "two sound, two subtitle tracks and the show row"
    );
    // The cursor starts on the sound that is on (English); Down is German; the arrows do not
    // zap while the menu is open.
    h.key(KeyCode::ArrowDown);
    assert_eq!(h.watching().as_deref(), Some("Prism Nature"));
    h.key(KeyCode::Enter);
    assert_eq!(h.ops(), [Op::Tracks(Some("audio-Deutsch".into()), None)]);
    // Down twice more: Spanish subtitles, which also shows them.
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::Enter);
    assert_eq!(
        h.ops().last(),
        Some(&Op::Tracks(None, Some("text-Español".into())))
    );
    assert!(h.tv().subtitles);
    // The last row hides them again.
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::Enter);
    assert!(!h.tv().subtitles);
    h.key(KeyCode::KeyA);
    assert_eq!(h.screen(), Screen::Watching);
}

#[test]
fn sound_that_cannot_be_decoded_is_told_until_the_next_zap() {
    let mut h = harness();
    let message = "no decoder for Dolby Digital (AC-3) sound: install gstreamer1.0-libav";
    h.event(PlayerEvent::MissingCodec {
        message: message.into(),
    });
    assert_eq!(h.tv().notice.as_ref().map(|n| n.1.as_str()), Some(message));
    h.cmd(M::ChannelUp);
    assert!(h.tv().notice.is_none(), "another channel, another story");
}
