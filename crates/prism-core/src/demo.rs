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
        s.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"{id}\" tvg-chno=\"{}\" tvg-logo=\"{base}/{id}/logo.png\" \
             group-title=\"{}\",{}\n{base}/{id}/index.m3u8\n",
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

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
