//! Prism's embedded default: a demo lineup and a guide for it, so the app shows TV with no
//! playlist configured and no network. The media layer serves the streams on loopback; this
//! module only says what the channels are and what is on them.

use crate::epg::time::format_xmltv_time;

/// One demo channel: its number, name, guide id, group and the genre its schedule follows.
pub struct DemoChannel {
    pub number: u32,
    pub name: &'static str,
    pub id: &'static str,
    pub group: &'static str,
    genre: Genre,
}

#[derive(Clone, Copy)]
enum Genre {
    News,
    Sports,
    Music,
    Movies,
    Kids,
    Nature,
}

pub const CHANNELS: &[DemoChannel] = &[
    DemoChannel {
        number: 1,
        name: "Prism News",
        id: "news.prism.demo",
        group: "News",
        genre: Genre::News,
    },
    DemoChannel {
        number: 2,
        name: "Prism Sports",
        id: "sports.prism.demo",
        group: "Sports",
        genre: Genre::Sports,
    },
    DemoChannel {
        number: 3,
        name: "Prism Music",
        id: "music.prism.demo",
        group: "Music",
        genre: Genre::Music,
    },
    DemoChannel {
        number: 4,
        name: "Prism Movies",
        id: "movies.prism.demo",
        group: "Movies",
        genre: Genre::Movies,
    },
    DemoChannel {
        number: 5,
        name: "Prism Kids",
        id: "kids.prism.demo",
        group: "Kids",
        genre: Genre::Kids,
    },
    DemoChannel {
        number: 6,
        name: "Prism Nature",
        id: "nature.prism.demo",
        group: "Documentary",
        genre: Genre::Nature,
    },
];

/// The demo playlist; streams live under `base_url` (`{base_url}/{id}/index.m3u8`), logos beside
/// them (`{base_url}/{id}/logo.png`).
pub fn playlist_m3u(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    // The demo server serves the guide beside the playlist.
    let mut s = format!("#EXTM3U x-tvg-url=\"{base}/guide.xml\"\n");
    for c in CHANNELS {
        // Every channel keeps a week of archive (catch-up), as Kodi's `default` mode writes it.
        s.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"{id}\" tvg-chno=\"{}\" tvg-logo=\"{base}/{id}/logo.png\" \
             group-title=\"{}\" catchup=\"default\" catchup-days=\"7\" \
             catchup-source=\"{base}/{id}/archive/{{utc}}-{{utcend}}.m3u8\",{}\n\
             {base}/{id}/index.m3u8\n",
            c.number,
            c.group,
            c.name,
            id = c.id
        ));
    }
    s
}

/// (title, description, minutes) per genre; the schedule cycles through them.
fn shows(g: Genre) -> &'static [(&'static str, &'static str, i64)] {
    match g {
        Genre::News => &[
            (
                "Prism News at the Hour",
                "The headlines, weather and what's coming up today.",
                30,
            ),
            (
                "World Report",
                "International news with correspondents around the globe.",
                30,
            ),
            (
                "Business Today",
                "Markets, companies and the economy explained.",
                30,
            ),
            (
                "The Briefing",
                "A calm look at the stories that matter.",
                30,
            ),
        ],
        Genre::Sports => &[
            (
                "Live: City vs United",
                "Football from the national league, live.",
                120,
            ),
            ("Sports Centre", "Scores, highlights and analysis.", 30),
            (
                "Tennis: Open Quarter-Final",
                "The best of today's tennis.",
                90,
            ),
            (
                "Cycling Tour Stage 12",
                "A mountain stage in the high Alps.",
                60,
            ),
        ],
        Genre::Music => &[
            ("Top 40 Countdown", "This week's biggest songs.", 60),
            (
                "Unplugged Sessions",
                "Acoustic sets recorded live in studio.",
                30,
            ),
            ("Classic Hits", "The songs everybody knows.", 60),
        ],
        Genre::Movies => &[
            (
                "The Last Lighthouse",
                "A keeper on a remote island finds a message in a bottle. Drama.",
                110,
            ),
            (
                "Midnight Express Train",
                "A thriller on the overnight train to the coast.",
                95,
            ),
            (
                "Space Garden",
                "Botanists on a generation ship fight to save the last forest. Sci-fi.",
                125,
            ),
        ],
        Genre::Kids => &[
            (
                "Paper Planes",
                "Animated adventures of a paper plane that wants to see the world.",
                25,
            ),
            ("Robot Friends", "Two robots learn about feelings.", 25),
            ("Story Time", "A gentle story before bed.", 15),
            (
                "Dino Detectives",
                "Dinosaurs solve mysteries in the valley.",
                25,
            ),
        ],
        Genre::Nature => &[
            (
                "Ocean Giants",
                "Whales of the deep, filmed over three years.",
                60,
            ),
            (
                "The Hidden Forest",
                "Life under the canopy of the rainforest.",
                60,
            ),
            (
                "Wild Cities",
                "Foxes, falcons and the animals that live among us.",
                45,
            ),
        ],
    }
}

/// An XMLTV guide for the demo channels from three hours before `now` to 24 hours after,
/// aligned to the half hour as real schedules are.
pub fn guide_xmltv(now: i64) -> String {
    let start = (now - 3 * 3600).div_euclid(1800) * 1800;
    let end = now + 24 * 3600;
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv generator-info-name=\"prism-demo\">\n",
    );
    for c in CHANNELS {
        s.push_str(&format!(
            "  <channel id=\"{}\"><display-name>{}</display-name></channel>\n",
            c.id, c.name
        ));
    }
    for (ci, c) in CHANNELS.iter().enumerate() {
        let list = shows(c.genre);
        let mut t = start;
        let mut i = ci; // channels start at different points of their cycle
        while t < end {
            let (title, desc, minutes) = list[i % list.len()];
            let stop = t + minutes * 60;
            s.push_str(&format!(
                "  <programme start=\"{}\" stop=\"{}\" channel=\"{}\"><title>{}</title><desc>{}</desc><category>{}</category></programme>\n",
                format_xmltv_time(t),
                format_xmltv_time(stop),
                c.id,
                xml_escape(title),
                xml_escape(desc),
                c.group
            ));
            t = stop;
            i += 1;
        }
    }
    s.push_str("</tv>\n");
    s
}

/// One caption of a demo channel's loop, in seconds from the loop's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cue {
    pub start: f64,
    pub end: f64,
    pub text: &'static str,
}

const fn cue(start: f64, end: f64, text: &'static str) -> Cue {
    Cue { start, end, text }
}

/// When the goal goes in on the sports channel's loop: its caption and the crowd's roar in its
/// audio start here, so a reaction to either lands on the same moment.
pub const SPORTS_GOAL_AT: f64 = 12.5;

/// How a demo channel carries its captions, as real channels do: in the video as CEA-608 (US
/// broadcast and IPTV), or as a WebVTT subtitle rendition of the HLS stream (OTT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carriage {
    WebVtt,
    Cea608,
}

/// News and movies carry CEA-608 closed captions; the other channels WebVTT. Both paths of
/// the player are exercised by the demo.
pub fn carriage(id: &str) -> Carriage {
    match id {
        "news.prism.demo" | "movies.prism.demo" => Carriage::Cea608,
        _ => Carriage::WebVtt,
    }
}

/// Each demo channel's captions, carried as [`carriage`] says. Every channel loops every 30
/// seconds.
pub fn captions(id: &str) -> &'static [Cue] {
    match id {
        "news.prism.demo" => {
            const C: &[Cue] = &[
                cue(0.5, 4.0, "Good evening, and welcome to Prism News."),
                cue(
                    5.0,
                    8.5,
                    "BREAKING NEWS: a bright new comet is visible tonight.",
                ),
                cue(
                    9.5,
                    13.0,
                    "Astronomers say it will be brightest after midnight.",
                ),
                cue(
                    14.0,
                    17.5,
                    "Clear skies are expected across most of the country.",
                ),
                cue(18.5, 22.0, "In sport, City and United meet tonight."),
                cue(23.0, 27.0, "More on those stories after the break."),
            ];
            C
        }
        "sports.prism.demo" => {
            const C: &[Cue] = &[
                cue(0.5, 3.8, "And we're under way here at Prism Park."),
                cue(4.5, 7.8, "Rivera finds Okafor out on the left..."),
                cue(8.5, 11.8, "Okafor cuts inside... he shoots!"),
                cue(SPORTS_GOAL_AT, 15.0, "GOAL! What a strike from Okafor!"),
                cue(15.0, 18.0, "[CROWD CHEERING]"),
                cue(19.0, 22.5, "United lead one-nil."),
                cue(23.5, 27.0, "City need an answer now."),
            ];
            C
        }
        "music.prism.demo" => {
            const C: &[Cue] = &[
                cue(0.5, 4.0, "[UPBEAT MUSIC]"),
                cue(5.0, 9.0, "\u{266a} Turn it up, turn it up \u{266a}"),
                cue(10.0, 14.0, "\u{266a} Dancing under city lights \u{266a}"),
                cue(16.0, 20.0, "\u{266a} Turn it up, turn it up \u{266a}"),
                cue(22.0, 26.0, "The crowd wants an encore!"),
            ];
            C
        }
        "movies.prism.demo" => {
            const C: &[Cue] = &[
                cue(1.0, 4.5, "Did you see the light out there last night?"),
                cue(5.5, 9.0, "The lighthouse has been dark for twenty years."),
                cue(10.5, 14.0, "Then who is keeping it lit?"),
                cue(15.5, 19.0, "[WAVES CRASHING]"),
                cue(
                    20.0,
                    24.0,
                    "There's a message in this bottle. It's for you.",
                ),
            ];
            C
        }
        "kids.prism.demo" => {
            const C: &[Cue] = &[
                cue(1.0, 4.5, "Hello, friends! It's me, Paper Plane!"),
                cue(5.5, 9.0, "Today we're flying all the way to the sea."),
                cue(10.0, 13.5, "Whoosh! Hold on tight!"),
                cue(15.0, 18.5, "[CHILDREN LAUGHING]"),
                cue(
                    20.0,
                    24.5,
                    "Can you count the boats with me? One, two, three!",
                ),
            ];
            C
        }
        "nature.prism.demo" => {
            const C: &[Cue] = &[
                cue(1.0, 5.0, "Beneath the waves, the giants are on the move."),
                cue(
                    6.5,
                    10.5,
                    "Each year, humpback whales travel thousands of miles.",
                ),
                cue(12.0, 16.0, "[WHALE SONG]"),
                cue(17.5, 22.0, "Their songs can carry across an entire ocean."),
                cue(
                    23.5,
                    28.0,
                    "And this calf is making the journey for the first time.",
                ),
            ];
            C
        }
        _ => &[],
    }
}

/// A second soundtrack or subtitle language of a demo channel, carried as an HLS rendition
/// of its own (the first is the channel's own sound and [`captions`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rendition {
    /// ISO 639-1, the rendition's `LANGUAGE`.
    pub language: &'static str,
    /// Its `NAME`, in its own language.
    pub name: &'static str,
}

/// The nature channel is a documentary carried as broadcasters' international versions are: a
/// German soundtrack beside the English one (a tone of its own, 3520 Hz, far above English's
/// 392 Hz, so a test hears which is on) and Spanish subtitles beside the English.
pub fn dub(id: &str) -> Option<(Rendition, u32)> {
    (id == "nature.prism.demo").then_some((
        Rendition {
            language: "de",
            name: "Deutsch",
        },
        3520,
    ))
}

/// A smaller version of a channel's picture, for an adaptive stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    /// The video's bitrate.
    pub kbps: u32,
}

/// The kids channel is adaptive: beside its 720p picture (2.5 Mbps) come 480p and 360p
/// variants, as OTT channels carry, so a slow line or a viewer's cap picks a smaller one.
pub fn variants(id: &str) -> &'static [Variant] {
    const KIDS: &[Variant] = &[
        Variant {
            width: 854,
            height: 480,
            kbps: 1000,
        },
        Variant {
            width: 640,
            height: 360,
            kbps: 450,
        },
    ];
    if id == "kids.prism.demo" { KIDS } else { &[] }
}

/// The channel's subtitles in a second language (see [`dub`]).
pub fn translated_captions(id: &str) -> Option<(Rendition, &'static [Cue])> {
    const ES: &[Cue] = &[
        cue(1.0, 5.0, "Bajo las olas, los gigantes se ponen en marcha."),
        cue(
            6.5,
            10.5,
            "Cada año, las ballenas jorobadas recorren miles de kilómetros.",
        ),
        cue(12.0, 16.0, "[CANTO DE BALLENAS]"),
        cue(17.5, 22.0, "Sus cantos pueden cruzar todo un océano."),
        cue(23.5, 28.0, "Y esta cría hace el viaje por primera vez."),
    ];
    (id == "nature.prism.demo").then_some((
        Rendition {
            language: "es",
            name: "Español",
        },
        ES,
    ))
}

/// One HLS WebVTT subtitle segment covering `[from, to)` of a loop. A cue that crosses a
/// segment boundary is in both segments, as in real streams (players merge the repeat).
/// `X-TIMESTAMP-MAP` ties the loop's second 0 to `mpegts`, the first video PTS of the loop
/// (90 kHz), which is how a player lines the text up with the pictures.
pub fn webvtt_segment(cues: &[Cue], from: f64, to: f64, mpegts: u64) -> String {
    let mut s = format!("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n\n");
    for c in cues.iter().filter(|c| c.start < to && c.end > from) {
        s.push_str(&format!(
            "{} --> {}\n{}\n\n",
            vtt_time(c.start),
            vtt_time(c.end),
            c.text
        ));
    }
    s
}

fn vtt_time(t: f64) -> String {
    let ms = (t * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subtitle_segment_holds_the_cues_that_overlap_it() {
        let cues = captions("sports.prism.demo");
        let seg = webvtt_segment(cues, 12.0, 14.0, 324_000_000);
        assert!(
            seg.starts_with("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:324000000,LOCAL:00:00:00.000\n\n"),
            "{seg}"
        );
        assert!(seg.contains("00:00:12.500 --> 00:00:15.000\nGOAL! What a strike from Okafor!\n"));
        // The goal crosses into the next segment, and is repeated there.
        assert!(webvtt_segment(cues, 14.0, 16.0, 0).contains("GOAL!"));
        assert!(!webvtt_segment(cues, 28.0, 30.0, 0).contains("-->"));
        // Every channel has captions, inside its 30-second loop, in order.
        for c in CHANNELS {
            let cues = captions(c.id);
            assert!(cues.len() >= 5, "{}", c.id);
            assert!(cues.windows(2).all(|w| w[0].end <= w[1].start), "{}", c.id);
            assert!(cues.iter().all(|q| q.start < q.end && q.end <= 30.0));
        }
        assert_eq!(vtt_time(3725.25), "01:02:05.250");
    }
}
