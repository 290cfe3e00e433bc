//! The app's figures for `Prism.GetStats` and `/metrics`: frame times over the last frames,
//! zaps, the voice's stage latencies (the F3 timings), what the relay absorbed, dropped video
//! frames, worker restarts, requests answered and resident memory. Gathered each frame at the
//! cost of a ring-buffer write; worked out only when asked.

use std::collections::VecDeque;
use std::time::Duration;

use bevy::prelude::*;
use serde_json::{Value, json};

use crate::tv::Tv;
use crate::tv::video::VideoStats;
use crate::voice::Voice;

/// How many frames the frame-time figures cover (10 s at 60 fps).
const WINDOW: usize = 600;

pub fn plugin(app: &mut App) {
    app.init_resource::<Stats>().add_systems(Last, gather);
}

#[derive(Resource, Default)]
pub struct Stats {
    frames: VecDeque<f32>,
    zaps: u64,
    last_zap: Option<Duration>,
    /// Requests the app answered (counted by the hub).
    pub requests: u64,
}

fn gather(mut s: ResMut<Stats>, time: Res<Time<Real>>, tv: Option<Res<Tv>>) {
    let dt = time.delta_secs() * 1000.0;
    if dt > 0.0 {
        if s.frames.len() == WINDOW {
            s.frames.pop_front();
        }
        s.frames.push_back(dt);
    }
    if let Some(z) = tv.and_then(|tv| tv.last_zap_latency)
        && s.last_zap != Some(z)
    {
        s.last_zap = Some(z);
        s.zaps += 1;
    }
}

impl Stats {
    /// The figures now, as `Prism.GetStats` answers them.
    pub fn snapshot(
        &self,
        tv: Option<&Tv>,
        voice: Option<&Voice>,
        video: Option<&VideoStats>,
    ) -> Value {
        let mut ms: Vec<f32> = self.frames.iter().copied().collect();
        ms.sort_by(f32::total_cmp);
        let at = |q: f32| {
            ms.get(((ms.len() as f32 - 1.0) * q).round() as usize)
                .copied()
        };
        let mean = if ms.is_empty() {
            None
        } else {
            Some(ms.iter().sum::<f32>() / ms.len() as f32)
        };
        let round = |v: Option<f64>| v.map(|v| (v * 10.0).round() / 10.0);
        let relay = tv
            .and_then(|tv| tv.player.relay_stats())
            .unwrap_or_default();
        let t = voice.map(|v| &v.report.last);
        json!({
            "fps": round(mean.filter(|m| *m > 0.0).map(|m| 1000.0 / f64::from(m))),
            "frame_ms": {
                "p50": round(at(0.5).map(f64::from)),
                "p99": round(at(0.99).map(f64::from)),
                "max": round(ms.last().copied().map(f64::from)),
                "frames": ms.len(),
            },
            "zap": {
                "last_ms": round(self.last_zap.map(|d| d.as_secs_f64() * 1000.0)),
                "count": self.zaps,
            },
            "voice": {
                "transcript_ms": round(t.and_then(|t| t.transcript)),
                "command_ms": round(t.and_then(|t| t.command)),
                "applied_ms": round(t.and_then(|t| t.applied)),
                "llm_first_token_ms": round(t.and_then(|t| t.llm_first_token)),
                "tts_first_audio_ms": round(t.and_then(|t| t.tts_first_audio)),
                "first_sound_ms": round(t.and_then(|t| t.first_sound)),
                "total_ms": round(t.and_then(|t| t.total)),
                "utterances": voice.map_or(0, |v| v.report.history.len()),
                "worker_restarts": voice.map_or(0, |v| v.report.restarts),
            },
            "relay": { "retried": relay.retried, "skipped": relay.skipped, "cut": relay.cut },
            "video": {
                "shown": video.map_or(0, |v| v.frames_shown),
                "dropped": video.map_or(0, |v| v.frames_dropped),
            },
            "hub": { "requests": self.requests },
            "process": { "rss_bytes": rss_bytes() },
        })
    }
}

/// The process's resident memory (Linux: `/proc/self/statm`, in pages of 4 KiB).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
