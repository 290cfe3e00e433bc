//! Every character of real channel lists and guides, and names in every script the UI must
//! draw, is in the font chain's cmaps (a character no face has draws as a box). The fixtures
//! are the real public ones in `../shared/assets/iptv`; the chain's fonts are the system
//! packages `./x` installs, and a missing one fails here with the package to install.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

use crate::theme::fonts::{CHAIN, chain_files, fonts_dir};

fn iptv_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap();
    cwd.ancestors()
        .map(|d| d.join("../shared/assets/iptv"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| panic!("../shared/assets/iptv not found above {}", cwd.display()))
}

/// The text of an XML guide: what lies between tags, in the file's declared encoding.
fn xml_text(bytes: &[u8]) -> String {
    let latin1 = bytes
        .windows(10)
        .take(200)
        .any(|w| w.eq_ignore_ascii_case(b"ISO-8859-1"));
    let s: String = if latin1 {
        bytes.iter().map(|&b| b as char).collect()
    } else {
        String::from_utf8(bytes.to_vec()).expect("a UTF-8 guide")
    };
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn every_character_of_real_lineups_and_guides_has_a_glyph() {
    let files = chain_files(&fonts_dir());
    assert_eq!(
        files.len(),
        CHAIN.len(),
        "the font chain is incomplete in {}: install fonts-dejavu-core fonts-droid-fallback \
         fonts-nanum (./x does)",
        fonts_dir().display()
    );
    let data: Vec<Vec<u8>> = files
        .iter()
        .map(|(_, p)| std::fs::read(p).unwrap())
        .collect();
    let faces: Vec<ttf_parser::Face> = data
        .iter()
        .map(|d| ttf_parser::Face::parse(d, 0).expect("a font"))
        .collect();

    let dir = iptv_dir();
    let mut text = String::new();
    for m3u in [
        "freearhey_base.m3u",
        "freearhey_kodi.m3u",
        "freearhey_pipe.m3u",
        "freearhey_vlcopt.m3u",
        "kodi_readme_example.m3u",
    ] {
        let bytes = std::fs::read(dir.join(m3u)).unwrap();
        let p = prism_core::playlist::parse_m3u(&bytes[..]).unwrap();
        for c in &p.channels {
            text.push_str(&c.name);
            c.groups.iter().for_each(|g| text.push_str(g));
        }
    }
    for xml in [
        "xmltv_test.xml",
        "xmltv_test_livre.xml",
        "epgparser_basic.xml",
    ] {
        text.push_str(&xml_text(&std::fs::read(dir.join(xml)).unwrap()));
    }
    let mut gz = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(dir.join("iptvorg_epgshare01.xml.gz")).unwrap(),
    )
    .read_to_end(&mut gz)
    .unwrap();
    text.push_str(&xml_text(&gz));
    // Names in the scripts providers use: Latin with diacritics, Cyrillic, Greek, CJK, Arabic,
    // Hebrew.
    text.push_str(
        "Télé-Québec Das Erste – HD Первый канал ΕΡΤ1 東京テレビ ニュース７ 中央电视台 \
         KBS 뉴스 Čeština ČT1 Ünïcödé Spör الجزيرة כאן 11 ★ № ½ ©",
    );

    let chars: BTreeSet<char> = text
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    let missing: Vec<String> = chars
        .iter()
        .filter(|&&c| !faces.iter().any(|f| f.glyph_index(c).is_some()))
        .map(|c| format!("{c} U+{:04X}", *c as u32))
        .collect();
    assert!(
        chars.len() > 120,
        "the sample is real: {} distinct characters",
        chars.len()
    );
    assert!(missing.is_empty(), "no glyph in the chain for {missing:?}");
}
