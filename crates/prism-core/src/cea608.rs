//! CEA-608 closed captions (line 21, carried in H.264 SEI as A/53 `cc_data` on broadcast and
//! US IPTV channels): a decoder for caption channel 1 that keeps the screen's 15×32 memory the
//! way a TV does (pop-on, roll-up and paint-on), and a pop-on encoder for the demo channels.
//!
//! The decoder reports the text on screen whenever a caption is completed or erased, not on
//! every character of a roll-up row, so what it reports reads as whole lines.

const ROWS: usize = 15;
const COLS: usize = 32;

/// The 608 code for a byte pair's character after parity is stripped (the basic set is ASCII
/// with a few letters in place of rarely used symbols).
fn basic(c: u8) -> char {
    match c {
        0x2A => 'á',
        0x5C => 'é',
        0x5E => 'í',
        0x5F => 'ó',
        0x60 => 'ú',
        0x7B => 'ç',
        0x7C => '÷',
        0x7D => 'Ñ',
        0x7E => 'ñ',
        0x7F => '█',
        c => c as char,
    }
}

/// Special characters: `0x11 0x30..=0x3F`.
const SPECIAL: [char; 16] = [
    '®', '°', '½', '¿', '™', '¢', '£', '♪', 'à', ' ', 'è', 'â', 'ê', 'î', 'ô', 'û',
];
/// Extended characters: `0x12 0x20..=0x3F` then `0x13 0x20..=0x3F`; each replaces the
/// character before it (sent as a fallback for decoders without them).
const EXTENDED: [char; 64] = [
    'Á', 'É', 'Ó', 'Ú', 'Ü', 'ü', '‘', '¡', '*', '’', '—', '©', '℠', '•', '“', '”', //
    'À', 'Â', 'Ç', 'È', 'Ê', 'Ë', 'ë', 'Î', 'Ï', 'ï', 'Ô', 'Ù', 'ù', 'Û', '«', '»', //
    'Ã', 'ã', 'Í', 'Ì', 'ì', 'Ò', 'ò', 'Õ', 'õ', '{', '}', '\\', '^', '_', '|', '~', //
    'Ä', 'ä', 'Ö', 'ö', 'ß', '¥', '¤', '¦', 'Å', 'å', 'Ø', 'ø', '┌', '┐', '└', '┘',
];

/// The row (0-based) a preamble address code sets, from its two bytes (parity stripped).
fn pac_row(b1: u8, b2: u8) -> Option<usize> {
    let low = b2 >= 0x60;
    let pair = match b1 & 0x07 {
        0x01 => 0,
        0x02 => 2,
        0x05 => 4,
        0x06 => 6,
        0x07 => 8,
        0x00 if !low => return Some(10),
        0x03 => 11,
        0x04 => 13,
        _ => return None,
    };
    Some(pair + usize::from(low))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    PopOn,
    RollUp(usize),
    PaintOn,
    /// Text mode (TR/RTD): not captions; ignored until a caption mode returns.
    Text,
}

type Memory = [[Option<char>; COLS]; ROWS];

/// Caption channel 1 of field 1, pair by pair.
pub struct Decoder {
    displayed: Memory,
    hidden: Memory,
    mode: Mode,
    row: usize,
    col: usize,
    /// The last control pair, to drop its customary repeat.
    last_control: Option<[u8; 2]>,
    /// Data after a channel 2 control code belongs to channel 2 until channel 1 speaks again.
    other_channel: bool,
    shown: String,
}

impl Default for Decoder {
    fn default() -> Self {
        Self {
            displayed: [[None; COLS]; ROWS],
            hidden: [[None; COLS]; ROWS],
            mode: Mode::PopOn,
            row: ROWS - 1,
            col: 0,
            last_control: None,
            other_channel: false,
            shown: String::new(),
        }
    }
}

impl Decoder {
    /// One byte pair as received (with parity). Returns the text on screen when it changed:
    /// rows top to bottom joined by '\n', empty once the screen is erased.
    pub fn push(&mut self, pair: [u8; 2]) -> Option<String> {
        let (b1, b2) = (pair[0] & 0x7F, pair[1] & 0x7F);
        if b1 == 0 && b2 == 0 {
            return None;
        }
        if (0x10..=0x1F).contains(&b1) {
            let repeat = self.last_control == Some([b1, b2]);
            self.last_control = if repeat { None } else { Some([b1, b2]) };
            if repeat {
                return None;
            }
            // Bit 3 of the first byte is the data channel: set for channel 2.
            self.other_channel = b1 & 0x08 != 0;
            if self.other_channel || !(0x20..=0x7F).contains(&b2) {
                return None;
            }
            return self.control(b1, b2);
        }
        self.last_control = None;
        if self.other_channel || self.mode == Mode::Text {
            return None;
        }
        for c in [b1, b2] {
            if c >= 0x20 {
                self.write(basic(c));
            }
        }
        self.changed_if(self.mode == Mode::PaintOn)
    }

    /// Text on screen now.
    pub fn text(&self) -> String {
        render(&self.displayed)
    }

    fn control(&mut self, b1: u8, b2: u8) -> Option<String> {
        match (b1, b2) {
            (0x11, 0x30..=0x3F) => {
                self.write(SPECIAL[usize::from(b2 - 0x30)]);
                self.changed_if(self.mode == Mode::PaintOn)
            }
            (0x12 | 0x13, 0x20..=0x3F) => {
                self.col = self.col.saturating_sub(1);
                let i = usize::from(b1 - 0x12) * 32 + usize::from(b2 - 0x20);
                self.write(EXTENDED[i]);
                self.changed_if(self.mode == Mode::PaintOn)
            }
            // Mid-row style codes show as a space.
            (0x11, 0x20..=0x2F) => {
                self.write(' ');
                None
            }
            (0x14, 0x20..=0x2F) => self.command(b2),
            (0x17, 0x21..=0x23) => {
                self.col = (self.col + usize::from(b2 - 0x20)).min(COLS - 1);
                None
            }
            (_, 0x40..=0x7F) => {
                let row = pac_row(b1, b2)?;
                let indent = if b2 & 0x10 != 0 {
                    usize::from((b2 & 0x0E) >> 1) * 4
                } else {
                    0
                };
                if let Mode::RollUp(n) = self.mode {
                    // A roll-up window moves with its base row, its text with it.
                    if row != self.row {
                        let (from, to) = (self.row, row);
                        let mut moved: Memory = [[None; COLS]; ROWS];
                        for k in 0..n.min(from + 1).min(to + 1) {
                            moved[to - k] = self.displayed[from - k];
                        }
                        self.displayed = moved;
                    }
                }
                self.row = row;
                self.col = indent;
                None
            }
            _ => None,
        }
    }

    fn command(&mut self, b2: u8) -> Option<String> {
        match b2 {
            0x20 => self.mode = Mode::PopOn,
            0x21 if self.col > 0 => {
                self.col -= 1;
                let (row, col) = (self.row, self.col);
                self.memory()[row][col] = None;
                return self.changed_if(self.mode == Mode::PaintOn);
            }
            0x24 => {
                let (row, col) = (self.row, self.col);
                for c in &mut self.memory()[row][col..] {
                    *c = None;
                }
                return self.changed_if(self.mode != Mode::PopOn);
            }
            0x25..=0x27 => {
                let n = usize::from(b2 - 0x23);
                if !matches!(self.mode, Mode::RollUp(_)) {
                    self.displayed = [[None; COLS]; ROWS];
                    self.row = ROWS - 1;
                }
                self.mode = Mode::RollUp(n);
                self.col = 0;
                return self.changed_if(true);
            }
            0x29 => self.mode = Mode::PaintOn,
            0x2A | 0x2B => self.mode = Mode::Text,
            0x2C => {
                self.displayed = [[None; COLS]; ROWS];
                return self.changed_if(true);
            }
            0x2D => {
                if let Mode::RollUp(n) = self.mode {
                    let base = self.row;
                    let top = base + 1 - n.min(base + 1);
                    for r in 0..ROWS {
                        if r < top || r > base {
                            self.displayed[r] = [None; COLS];
                        }
                    }
                    for r in top..base {
                        self.displayed[r] = self.displayed[r + 1];
                    }
                    self.displayed[base] = [None; COLS];
                    self.col = 0;
                    return self.changed_if(true);
                }
                if self.mode == Mode::PaintOn {
                    self.row = (self.row + 1).min(ROWS - 1);
                    self.col = 0;
                }
            }
            0x2E => self.hidden = [[None; COLS]; ROWS],
            0x2F => {
                std::mem::swap(&mut self.displayed, &mut self.hidden);
                self.mode = Mode::PopOn;
                return self.changed_if(true);
            }
            _ => {}
        }
        None
    }

    /// The memory text goes to in this mode.
    fn memory(&mut self) -> &mut Memory {
        match self.mode {
            Mode::PopOn | Mode::Text => &mut self.hidden,
            Mode::RollUp(_) | Mode::PaintOn => &mut self.displayed,
        }
    }

    fn write(&mut self, c: char) {
        let (row, col) = (self.row, self.col);
        self.memory()[row][col] = Some(c);
        self.col = (col + 1).min(COLS - 1);
    }

    /// The screen's text if `check` and it differs from what was last reported.
    fn changed_if(&mut self, check: bool) -> Option<String> {
        if !check {
            return None;
        }
        let now = render(&self.displayed);
        if now == self.shown {
            return None;
        }
        self.shown = now.clone();
        Some(now)
    }
}

fn render(m: &Memory) -> String {
    m.iter()
        .map(|row| {
            row.iter()
                .map(|c| c.unwrap_or(' '))
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|r| !r.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A byte with odd parity in bit 7, as 608 sends every byte.
pub fn with_parity(b: u8) -> u8 {
    let b = b & 0x7F;
    if b.count_ones().is_multiple_of(2) {
        b | 0x80
    } else {
        b
    }
}

/// A caption to encode: shown from frame `start` until frame `end`.
#[derive(Debug, Clone)]
pub struct TimedCaption<'a> {
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
}

/// The pairs for one caption's text, loaded off screen: rows of at most 32 characters (words
/// kept whole) at the bottom of the screen, each after its preamble address code.
fn load_pairs(text: &str) -> Vec<[u8; 2]> {
    let mut rows: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match rows.last_mut() {
            Some(r) if r.chars().count() + 1 + word.chars().count() <= COLS => {
                r.push(' ');
                r.push_str(word);
            }
            _ => rows.push(word.chars().take(COLS).collect()),
        }
    }
    let rows = &rows[rows.len().saturating_sub(4)..];
    let twice = |p: [u8; 2], out: &mut Vec<[u8; 2]>| out.extend([p, p]);
    let mut out = Vec::new();
    twice([0x14, 0x20], &mut out); // RCL: pop-on
    twice([0x14, 0x2E], &mut out); // ENM: a clean page
    for (i, row) in rows.iter().enumerate() {
        let r = ROWS - rows.len() + i; // 0-based; the last row is 14
        // PAC for rows 12–15 (0-based 11–14): 0x13/0x14, second byte 0x40 (even) / 0x60 (odd).
        let (b1, b2) = match r {
            11 => (0x13, 0x40),
            12 => (0x13, 0x60),
            13 => (0x14, 0x40),
            _ => (0x14, 0x60),
        };
        twice([b1, b2], &mut out);
        let mut pending: Option<u8> = None;
        for c in row.chars() {
            let code = match c {
                '♪' => Err(0x37u8),
                ' '..='~' if !"*\\^_`{|}~".contains(c) => Ok(c as u8),
                _ => Ok(b'?'),
            };
            match code {
                Ok(b) => match pending.take() {
                    Some(a) => out.push([a, b]),
                    None => pending = Some(b),
                },
                Err(special) => {
                    if let Some(a) = pending.take() {
                        out.push([a, 0]);
                    }
                    twice([0x11, special], &mut out);
                }
            }
        }
        if let Some(a) = pending {
            out.push([a, 0]);
        }
    }
    out
}

/// Pop-on captions for a loop of `frames` frames, one byte pair per frame (`None`: padding).
/// Each caption is loaded in the frames before it starts (wrapping to the loop's end for the
/// first), appears with EOC on its first frame and is erased with EDM on its last, unless the
/// next one takes its place there.
pub fn encode_pop_on(captions: &[TimedCaption], frames: usize) -> Vec<Option<[u8; 2]>> {
    let mut out: Vec<Option<[u8; 2]>> = vec![None; frames];
    let parity = |p: [u8; 2]| [with_parity(p[0]), with_parity(p[1])];
    for (i, c) in captions.iter().enumerate() {
        for k in 0..2 {
            out[(c.start + k) % frames] = Some(parity([0x14, 0x2F]));
        }
        let replaced = captions.get(i + 1).is_some_and(|n| n.start <= c.end);
        if !replaced {
            for k in 0..2 {
                out[(c.end + k) % frames] = Some(parity([0x14, 0x2C]));
            }
        }
    }
    for (i, c) in captions.iter().enumerate() {
        // Loading must follow the previous caption's EOC (it swaps the memories).
        let floor = if i == 0 {
            captions.last().map_or(0, |l| l.end + 2)
        } else {
            captions[i - 1].start + 2
        };
        let pairs = load_pairs(c.text);
        let mut slots = Vec::new();
        let mut f = c.start + frames;
        let floor = if i == 0 { floor } else { floor + frames };
        while slots.len() < pairs.len() && f > floor {
            f -= 1;
            if out[f % frames].is_none() {
                slots.push(f % frames);
            }
        }
        slots.reverse();
        for (slot, p) in slots.into_iter().zip(pairs) {
            out[slot] = Some(parity(p));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(d: &mut Decoder, pairs: &[[u8; 2]]) -> Vec<String> {
        pairs
            .iter()
            .filter_map(|p| d.push([with_parity(p[0]), with_parity(p[1])]))
            .collect()
    }

    #[test]
    fn pop_on_appears_whole_and_is_erased() {
        let mut d = Decoder::default();
        let mut pairs = vec![[0x14, 0x20], [0x14, 0x20], [0x14, 0x70], [0x14, 0x70]];
        pairs.extend([[b'H', b'I'], [b'!', 0]]);
        assert!(
            feed(&mut d, &pairs).is_empty(),
            "nothing shows while loading"
        );
        assert_eq!(feed(&mut d, &[[0x14, 0x2F], [0x14, 0x2F]]), ["HI!"]);
        assert_eq!(feed(&mut d, &[[0x14, 0x2C], [0x14, 0x2C]]), [""]);
    }

    #[test]
    fn special_extended_and_accented_characters() {
        let mut d = Decoder::default();
        let pairs = [
            [0x14, 0x20],
            [0x14, 0x70],
            [0x11, 0x37], // ♪
            [b' ', b'C'],
            [b'a', b'f'],
            [0x5C, b'!'], // é in the basic set
            [b'E', 0],
            [0x12, 0x21], // É replaces the E
            [0x14, 0x2F],
        ];
        assert_eq!(feed(&mut d, &pairs), ["♪ Café!É"]);
    }

    #[test]
    fn a_repeated_control_code_acts_once_but_a_third_counts() {
        let mut d = Decoder::default();
        let load = [[0x14, 0x20], [0x14, 0x70], [b'A', 0]];
        feed(&mut d, &load);
        // EOC, its repeat, EOC again: shown, (ignored), swapped back to the empty page.
        assert_eq!(
            feed(&mut d, &[[0x14, 0x2F], [0x14, 0x2F], [0x14, 0x2F]]),
            ["A", ""]
        );
    }

    #[test]
    fn roll_up_reports_whole_lines_and_scrolls() {
        let mut d = Decoder::default();
        let mut got = feed(&mut d, &[[0x14, 0x26], [0x14, 0x70]]); // RU3, row 15
        let line = |d: &mut Decoder, s: &str| {
            let mut p: Vec<[u8; 2]> = s
                .as_bytes()
                .chunks(2)
                .map(|c| [c[0], *c.get(1).unwrap_or(&0)])
                .collect();
            p.push([0x14, 0x2D]); // CR
            feed(d, &p)
        };
        got.extend(line(&mut d, "FIRST LINE"));
        got.extend(line(&mut d, "SECOND"));
        got.extend(line(&mut d, "THIRD"));
        assert_eq!(got, ["FIRST LINE", "FIRST LINE\nSECOND", "SECOND\nTHIRD"]);
    }

    #[test]
    fn any_bytes_are_survived() {
        // A damaged stream sends anything: 200,000 random pairs, biased to control codes.
        let mut d = Decoder::default();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let b1 = if seed & 1 == 0 {
                0x10 | (seed >> 8) as u8 & 0x0F
            } else {
                (seed >> 8) as u8
            };
            let _ = d.push([b1, (seed >> 16) as u8]);
        }
        assert!(d.text().lines().count() <= ROWS);
        assert!(d.text().lines().all(|l| l.chars().count() <= COLS));
    }

    #[test]
    fn channel_two_is_ignored() {
        let mut d = Decoder::default();
        // CC2 uses first bytes 0x18–0x1F.
        let pairs = [[0x1C, 0x20], [0x1C, 0x70], [b'N', b'O'], [0x1C, 0x2F]];
        assert!(feed(&mut d, &pairs).is_empty());
        assert_eq!(d.text(), "");
    }

    #[test]
    fn the_demo_encoder_round_trips_through_the_decoder() {
        let captions = [
            TimedCaption {
                start: 25,
                end: 125,
                text: "Good evening, and welcome to Prism News.",
            },
            TimedCaption {
                start: 125,
                end: 250,
                text: "\u{266a} Turn it up \u{266a}",
            },
            TimedCaption {
                start: 300,
                end: 400,
                text: "[WAVES CRASHING]",
            },
        ];
        let frames = 750;
        let pairs = encode_pop_on(&captions, frames);
        // Twice round the loop: the first caption's text is loaded at the end of the loop.
        let mut d = Decoder::default();
        let mut seen = Vec::new();
        for f in 0..2 * frames {
            if let Some(p) = pairs[f % frames]
                && let Some(text) = d.push(p)
            {
                seen.push((f, text));
            }
        }
        let second: Vec<_> = seen
            .iter()
            .filter(|(f, _)| *f >= frames)
            .map(|(f, t)| (f - frames, t.as_str()))
            .collect();
        assert_eq!(
            second,
            [
                (25, "Good evening, and welcome to\nPrism News."),
                (125, "♪ Turn it up ♪"),
                (250, ""),
                (300, "[WAVES CRASHING]"),
                (400, ""),
            ]
        );
        assert!(
            pairs
                .iter()
                .flatten()
                .all(|p| p.iter().all(|b| b.count_ones() % 2 == 1)),
            "odd parity on every byte"
        );
    }
}
