//! Audio and subtitle tracks: what a stream offers, in the viewer's words, and which to pick
//! for what the viewer prefers. Streams name languages every way there is (ISO 639-1 "de",
//! 639-2 "deu"/"ger" in MPEG-TS, "German" or "Deutsch" in an HLS `NAME`); everything here
//! compares them as one [`Language`].

use serde::{Deserialize, Serialize};

/// A language as streams and people name it.
#[derive(Debug, PartialEq, Eq)]
pub struct Language {
    /// ISO 639-1 where there is one (what Prism stores), else ISO 639-2.
    pub code: &'static str,
    /// ISO 639-2 codes (bibliographic and terminological).
    pub codes: &'static [&'static str],
    pub english: &'static str,
    /// The language's own name for itself, as a menu shows it.
    pub native: &'static str,
}

const fn lang(
    code: &'static str,
    codes: &'static [&'static str],
    english: &'static str,
    native: &'static str,
) -> Language {
    Language {
        code,
        codes,
        english,
        native,
    }
}

/// The languages IPTV carries, most common first.
pub const LANGUAGES: &[Language] = &[
    lang("en", &["eng"], "English", "English"),
    lang("de", &["deu", "ger"], "German", "Deutsch"),
    lang("es", &["spa"], "Spanish", "Español"),
    lang("fr", &["fra", "fre"], "French", "Français"),
    lang("it", &["ita"], "Italian", "Italiano"),
    lang("pt", &["por"], "Portuguese", "Português"),
    lang("nl", &["nld", "dut"], "Dutch", "Nederlands"),
    lang("ru", &["rus"], "Russian", "Русский"),
    lang("uk", &["ukr"], "Ukrainian", "Українська"),
    lang("pl", &["pol"], "Polish", "Polski"),
    lang("cs", &["ces", "cze"], "Czech", "Čeština"),
    lang("sk", &["slk", "slo"], "Slovak", "Slovenčina"),
    lang("hu", &["hun"], "Hungarian", "Magyar"),
    lang("ro", &["ron", "rum"], "Romanian", "Română"),
    lang("bg", &["bul"], "Bulgarian", "Български"),
    lang("el", &["ell", "gre"], "Greek", "Ελληνικά"),
    lang("tr", &["tur"], "Turkish", "Türkçe"),
    lang("ar", &["ara"], "Arabic", "العربية"),
    lang("he", &["heb"], "Hebrew", "עברית"),
    lang("fa", &["fas", "per"], "Persian", "فارسی"),
    lang("hi", &["hin"], "Hindi", "हिन्दी"),
    lang("ur", &["urd"], "Urdu", "اردو"),
    lang("bn", &["ben"], "Bengali", "বাংলা"),
    lang("ta", &["tam"], "Tamil", "தமிழ்"),
    lang("zh", &["zho", "chi"], "Chinese", "中文"),
    lang("ja", &["jpn"], "Japanese", "日本語"),
    lang("ko", &["kor"], "Korean", "한국어"),
    lang("vi", &["vie"], "Vietnamese", "Tiếng Việt"),
    lang("th", &["tha"], "Thai", "ไทย"),
    lang("id", &["ind"], "Indonesian", "Bahasa Indonesia"),
    lang("ms", &["msa", "may"], "Malay", "Bahasa Melayu"),
    lang("sv", &["swe"], "Swedish", "Svenska"),
    lang("no", &["nor", "nob", "nno"], "Norwegian", "Norsk"),
    lang("da", &["dan"], "Danish", "Dansk"),
    lang("fi", &["fin"], "Finnish", "Suomi"),
    lang("is", &["isl", "ice"], "Icelandic", "Íslenska"),
    lang("hr", &["hrv"], "Croatian", "Hrvatski"),
    lang("sr", &["srp"], "Serbian", "Српски"),
    lang("sl", &["slv"], "Slovenian", "Slovenščina"),
    lang("bs", &["bos"], "Bosnian", "Bosanski"),
    lang("mk", &["mkd", "mac"], "Macedonian", "Македонски"),
    lang("sq", &["sqi", "alb"], "Albanian", "Shqip"),
    lang("et", &["est"], "Estonian", "Eesti"),
    lang("lv", &["lav"], "Latvian", "Latviešu"),
    lang("lt", &["lit"], "Lithuanian", "Lietuvių"),
    lang("ca", &["cat"], "Catalan", "Català"),
    lang("eu", &["eus", "baq"], "Basque", "Euskara"),
    lang("gl", &["glg"], "Galician", "Galego"),
    lang("cy", &["cym", "wel"], "Welsh", "Cymraeg"),
    lang("ga", &["gle"], "Irish", "Gaeilge"),
    lang("ka", &["kat", "geo"], "Georgian", "ქართული"),
    lang("hy", &["hye", "arm"], "Armenian", "Հայերեն"),
    lang("az", &["aze"], "Azerbaijani", "Azərbaycan"),
    lang("kk", &["kaz"], "Kazakh", "Қазақ"),
    lang("tl", &["tgl", "fil"], "Filipino", "Filipino"),
    // Not languages: DVB's "original language" and "undetermined" are common in the wild.
    lang("qaa", &["qaa"], "Original", "Original"),
];

/// Other words people say for a language ("castellano", "mandarin"), folded.
const ALIASES: &[(&str, &str)] = &[
    ("castellano", "es"),
    ("castilian", "es"),
    ("mandarin", "zh"),
    ("cantonese", "zh"),
    ("farsi", "fa"),
    ("flemish", "nl"),
    ("brazilian", "pt"),
    ("tagalog", "tl"),
    ("bokmal", "no"),
    ("moldovan", "ro"),
    ("original", "qaa"),
];

/// Lower case without accents ("Español" → "espanol"), for comparing names (guide
/// matching's folding).
fn fold(s: &str) -> String {
    crate::epg::matching::fold_text(s.trim())
}

/// The language a code or a name means: "de", "deu", "ger", "German", "deutsch", "DE-at"
/// (a region is ignored), "Español". `None` for what is not one (including "und").
pub fn language(s: &str) -> Option<&'static Language> {
    let f = fold(s);
    // A region or script after the language ("en-GB", "pt_BR", "zh-Hant").
    let base = f.split(['-', '_']).next().unwrap_or("");
    let by_code = |c: &str| {
        LANGUAGES
            .iter()
            .find(|l| l.code == c || l.codes.contains(&c))
    };
    if (base.len() == 2 || base.len() == 3)
        && let Some(l) = by_code(base)
    {
        return Some(l);
    }
    LANGUAGES
        .iter()
        .find(|l| fold(l.english) == f || fold(l.native) == f)
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(a, _)| *a == f)
                .and_then(|(_, c)| by_code(c))
        })
}

/// Every word the grammar should know as a language (folded English and native names and
/// aliases, single words only).
pub fn spoken_names() -> impl Iterator<Item = String> {
    LANGUAGES
        .iter()
        .flat_map(|l| [fold(l.english), fold(l.native)])
        .chain(ALIASES.iter().map(|(a, _)| (*a).to_owned()))
        .filter(|w| !w.contains(' ') && w.chars().all(|c| c.is_ascii_alphabetic()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrackKind {
    Audio,
    Subtitle,
}

/// One audio or subtitle track of the stream playing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    /// The media framework's id for it (what selecting it sends back).
    pub id: String,
    pub kind: TrackKind,
    /// ISO 639-1 (or the code as given when Prism does not know it), lower case.
    pub language: Option<String>,
    /// The stream's own name for it (an HLS rendition's `NAME`), when it has one.
    pub title: Option<String>,
    /// "AAC", "AC-3", "WebVTT"…, when known.
    pub codec: Option<String>,
}

impl Track {
    /// A track from what the framework says: a language tag in any form, a title.
    pub fn new(
        id: impl Into<String>,
        kind: TrackKind,
        tag: Option<&str>,
        title: Option<&str>,
    ) -> Self {
        // Muxers' placeholder names ("Audio", "Track 2") say nothing a menu wants.
        let placeholder = |t: &str| {
            let f = fold(t);
            let word = f.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
            matches!(
                word,
                "" | "audio" | "sound" | "subtitle" | "subtitles" | "text" | "track" | "default"
            )
        };
        let title = title.map(str::trim).filter(|t| !placeholder(t));
        // The language tag, else the title when it is a language's name ("Deutsch").
        let language = tag
            .filter(|l| !l.trim().is_empty())
            .map(|l| language(l).map_or_else(|| l.trim().to_lowercase(), |x| x.code.to_owned()))
            .filter(|l| l != "und" && l != "mis" && l != "zxx")
            .or_else(|| title.and_then(language).map(|l| l.code.to_owned()));
        Self {
            id: id.into(),
            kind,
            language,
            title: title.map(str::to_owned),
            codec: None,
        }
    }

    /// What a menu shows: the language in its own words, and the stream's name for the track
    /// when it says more than the language ("English — Audio description"); "Track 2" for one
    /// with neither (`n` counts from 1).
    pub fn label(&self, n: usize) -> String {
        let lang = self.language.as_deref().and_then(language);
        let title = self
            .title
            .as_deref()
            .filter(|t| lang.is_none_or(|l| language(t) != Some(l)));
        let base = match (lang, &self.language) {
            (Some(l), _) => l.native.to_owned(),
            (None, Some(code)) => code.to_uppercase(),
            (None, None) => title.map_or_else(|| format!("Track {n}"), str::to_owned),
        };
        let mut s = base;
        if let Some(t) = title
            && (lang.is_some() || self.language.is_some())
        {
            s.push_str(" — ");
            s.push_str(t);
        }
        if let Some(c) = &self.codec {
            s.push_str(&format!(" ({c})"));
        }
        s
    }

    /// Whether this track is in `lang` (any form of its name or code).
    pub fn speaks(&self, lang: &str) -> bool {
        let want = language(lang).map_or_else(|| fold(lang), |l| l.code.to_owned());
        self.language.as_deref() == Some(want.as_str())
    }
}

/// The tracks of the stream playing and which are on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackList {
    pub audio: Vec<Track>,
    pub subtitles: Vec<Track>,
    /// The id of the audio track playing.
    pub audio_on: Option<String>,
    /// The id of the subtitle track whose text comes out (shown or not is the app's).
    pub subtitle_on: Option<String>,
}

impl TrackList {
    pub fn of(&self, kind: TrackKind) -> &[Track] {
        match kind {
            TrackKind::Audio => &self.audio,
            TrackKind::Subtitle => &self.subtitles,
        }
    }

    pub fn on(&self, kind: TrackKind) -> Option<&Track> {
        let id = match kind {
            TrackKind::Audio => self.audio_on.as_deref(),
            TrackKind::Subtitle => self.subtitle_on.as_deref(),
        }?;
        self.of(kind).iter().find(|t| t.id == id)
    }

    /// The first track of `kind` in `lang`.
    pub fn find(&self, kind: TrackKind, lang: &str) -> Option<&Track> {
        self.of(kind).iter().find(|t| t.speaks(lang))
    }

    /// The tracks to have on for what the viewer wants, in order of preference (the channel's
    /// remembered choice first, then the settings' languages): for each kind the first wanted
    /// language the stream has, else what is on (the stream's default). `None` for a kind the
    /// stream does not have.
    pub fn choose(&self, wish: &TrackWish) -> (Option<String>, Option<String>) {
        let pick = |kind: TrackKind, langs: &[String], on: &Option<String>| {
            langs
                .iter()
                .find_map(|l| self.find(kind, l))
                .map(|t| t.id.clone())
                .or_else(|| on.clone())
                .or_else(|| self.of(kind).first().map(|t| t.id.clone()))
        };
        (
            pick(TrackKind::Audio, &wish.audio, &self.audio_on),
            pick(TrackKind::Subtitle, &wish.subtitles, &self.subtitle_on),
        )
    }
}

impl TrackList {
    /// Only what the wish asks for: per kind, the first wished language's track, `None` when
    /// nothing wished is there (the stream's own default should then stand).
    pub fn wanted(&self, wish: &TrackWish) -> (Option<&Track>, Option<&Track>) {
        let pick =
            |kind: TrackKind, langs: &[String]| langs.iter().find_map(|l| self.find(kind, l));
        (
            pick(TrackKind::Audio, &wish.audio),
            pick(TrackKind::Subtitle, &wish.subtitles),
        )
    }
}

/// Languages wanted for a stream, best first (ISO 639-1 or anything [`language`] reads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackWish {
    pub audio: Vec<String>,
    pub subtitles: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_read_in_every_form_streams_use() {
        for s in ["de", "DEU", "ger", "German", "deutsch", "de-AT", "de_CH"] {
            assert_eq!(language(s).map(|l| l.code), Some("de"), "{s}");
        }
        for s in ["es", "spa", "Spanish", "Español", "espanol", "castellano"] {
            assert_eq!(language(s).map(|l| l.code), Some("es"), "{s}");
        }
        assert_eq!(language("Русский").map(|l| l.code), Some("ru"));
        assert_eq!(language("chi").map(|l| l.code), Some("zh"));
        assert_eq!(language("und"), None);
        assert_eq!(language("klingon"), None);
        assert_eq!(language(""), None);
        // Codes are not taken from inside words.
        assert_eq!(language("engl"), None);
    }

    #[test]
    fn a_track_names_itself_in_its_own_language() {
        let de = Track::new(
            "audio-Deutsch",
            TrackKind::Audio,
            Some("deu"),
            Some("Deutsch"),
        );
        assert_eq!(de.language.as_deref(), Some("de"));
        assert_eq!(de.label(1), "Deutsch");
        let ad = Track::new(
            "a2",
            TrackKind::Audio,
            Some("en"),
            Some("Audio description"),
        );
        assert_eq!(ad.label(2), "English — Audio description");
        // A title that is a language gives the language when the tag is missing.
        let es = Track::new("s", TrackKind::Subtitle, None, Some("Español"));
        assert_eq!(es.language.as_deref(), Some("es"));
        assert!(es.speaks("spanish") && es.speaks("spa") && !es.speaks("en"));
        let muxer = Track::new("m", TrackKind::Audio, Some("eng"), Some("Audio"));
        assert_eq!(muxer.label(1), "English");
        assert_eq!(
            Track::new("n", TrackKind::Audio, None, Some("Track 2")).title,
            None
        );
        let bare = Track::new("x", TrackKind::Audio, Some("und"), None);
        assert_eq!(
            (bare.language.clone(), bare.label(3)),
            (None, "Track 3".to_owned())
        );
        let odd = Track::new("y", TrackKind::Audio, Some("xho"), None);
        assert_eq!(odd.label(1), "XHO");
        let mut coded = Track::new("z", TrackKind::Audio, Some("fr"), None);
        coded.codec = Some("AC-3".into());
        assert_eq!(coded.label(1), "Français (AC-3)");
    }

    fn list() -> TrackList {
        TrackList {
            audio: vec![
                Track::new("a-en", TrackKind::Audio, Some("en"), None),
                Track::new("a-de", TrackKind::Audio, Some("de"), None),
            ],
            subtitles: vec![
                Track::new("s-en", TrackKind::Subtitle, Some("en"), None),
                Track::new("s-es", TrackKind::Subtitle, Some("es"), None),
            ],
            audio_on: Some("a-en".into()),
            subtitle_on: Some("s-en".into()),
        }
    }

    #[test]
    fn the_first_wanted_language_the_stream_has_is_chosen() {
        let l = list();
        let wish = |a: &[&str], s: &[&str]| TrackWish {
            audio: a.iter().map(|s| s.to_string()).collect(),
            subtitles: s.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            l.choose(&wish(&["fr", "German"], &["spa"])),
            (Some("a-de".into()), Some("s-es".into()))
        );
        // Nothing wanted that it has: the stream's own default stays.
        assert_eq!(
            l.choose(&wish(&["fr"], &[])),
            (Some("a-en".into()), Some("s-en".into()))
        );
        assert_eq!(l.on(TrackKind::Audio).unwrap().id, "a-en");
        let (a, s) = l.wanted(&wish(&["fr"], &["es"]));
        assert_eq!(
            (a.map(|t| t.id.as_str()), s.map(|t| t.id.as_str())),
            (None, Some("s-es"))
        );
        assert_eq!(
            TrackList::default().choose(&wish(&["de"], &["de"])),
            (None, None)
        );
    }
}
