//! Companion mode, as far as it goes today: Lumen moves to the music on TV. The player's audio
//! tap (`prism_media::Music`) gives the tempo, the beat and the band energies; a steady pulse
//! makes her dance, with intensity following the energy, and she stops smoothly when the music
//! does. The engine-free parts (sentiment, reactions, the commentary scheduler) are in
//! `prism_core::companion`.

use bevy::prelude::*;

use crate::mascot::{Act, Groove};
use crate::tv::Tv;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, groove.in_set(crate::AppSystems::Execute));
}

/// How clear a pulse must be to dance to (the autocorrelation peak, 0–1).
const STEADY: f32 = 0.3;

fn groove(tv: Option<Res<Tv>>, mut acts: MessageWriter<Act>, mut was: Local<bool>) {
    let music = tv.as_ref().and_then(|tv| tv.player.music().now());
    let g = music.and_then(|(beat, now)| {
        let bpm = beat.bpm.filter(|_| beat.confidence >= STEADY)?;
        let last = beat.last_beat?;
        let period = 60.0 / f64::from(bpm);
        // Beats counted from the analysis's start, so the two-beat sway keeps its side.
        let beats = (last / period).round() + (now - last) / period;
        // The music's loudness as the channel sends it: the tap hears the TV after
        // its volume, which must not change how much she dances. −45 dB barely moves her,
        // −25 dB and up is all in.
        let gain = tv
            .as_ref()
            .map_or(1.0, |tv| (f32::from(tv.volume) / 100.0).powi(3));
        let energy = beat.loudness / gain.max(1e-3);
        let db = 20.0 * energy.max(1e-6).log10();
        let intensity = ((db + 45.0) / 20.0).clamp(0.3, 1.0);
        Some(Groove {
            beats,
            bpm,
            intensity,
        })
    });
    // Told every frame while music plays (the beat drifts), and once when it stops.
    if g.is_some() || *was {
        acts.write(Act::Groove(g));
    }
    *was = g.is_some();
}
