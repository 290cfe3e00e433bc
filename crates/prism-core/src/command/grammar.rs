//! The media command grammar: a transcript in, a [`MediaCommand`] out, or nothing for chit-chat
//! (which goes to the LLM). Deterministic, no model, microseconds per utterance.
//!
//! Every rule is a pattern over the *whole* utterance (after fillers like "hey Lumen" and
//! "please" are removed), so "turn it up" is a command while "this show turned it up a notch" is
//! not. Pattern syntax: words; `(a|b c)` alternatives; `[x]` optional; captures `<n>` (a number:
//! "75", "seventy five", "five point one"), `<dur>` (a duration: "30 seconds", "a minute and a
//! half"), `<ch>` (a channel of the loaded playlist, matched fuzzily), `<lang>` (a language
//! by its English or own name: "german", "deutsch") and `<text>` (one to eight words of
//! anything: a programme's title).
//!
//! This file is the pattern engine (compiling patterns, matching them against the words,
//! hearing repair); the rules themselves are the table in `rules.rs`, and the utterance is
//! cleaned in `text.rs`. To add a phrasing, add a pattern to `rules::RULES`; the table-driven
//! test in `tests/grammar.rs` shows what each phrasing must produce.

use super::MediaCommand;
use super::channels::ChannelDirectory;
use super::numbers::{durations_at, numbers_at};
use super::rules::{Build, Caps, Ctx, RULES};
use super::soundalike;
use super::text::{FILLERS, normalise, said, same_word, strip, strip_leading, strip_soft};
use crate::playlist::Playlist;

#[derive(Debug)]
enum Item {
    Word(Box<str>),
    Group {
        alts: Vec<Vec<Item>>,
        optional: bool,
    },
    Num,
    Dur,
    Chan,
    Lang,
    Text,
}

struct Rule {
    items: Vec<Item>,
    /// A bare number or channel name (no words of what to do).
    bare: bool,
    first_words: Option<Vec<Box<str>>>,
    build: Build,
}

/// The compiled grammar, bound to one playlist's channel names.
pub struct Grammar {
    rules: Vec<Rule>,
    pub(super) directory: ChannelDirectory,
    /// Every word the rules spell out (sorted), for hearing repair.
    known: Vec<Box<str>>,
    /// Those and every two a pattern says in a row (sorted), for repairs the sound judges.
    known_and_pairs: Vec<Box<str>>,
    /// The words of the lineup's channel names.
    names: hashbrown::HashSet<Box<str>>,
}

impl Default for Grammar {
    fn default() -> Self {
        Self::new(ChannelDirectory::default())
    }
}

impl Grammar {
    pub fn new(directory: ChannelDirectory) -> Self {
        let rules = RULES
            .iter()
            .map(|(src, build)| {
                let items =
                    compile(src).unwrap_or_else(|e| panic!("bad grammar pattern {src:?}: {e}"));
                let first_words = first_words(&items);
                Rule {
                    items,
                    bare: matches!(*src, "<n>" | "<ch>"),
                    first_words,
                    build: *build,
                }
            })
            .collect::<Vec<_>>();
        let mut known = Vec::new();
        for rule in &rules {
            words(&rule.items, &mut known);
        }
        known.extend(FILLERS.iter().map(|w| Box::from(*w)));
        known.extend(crate::tracks::spoken_names().map(Box::from));
        known.sort();
        known.dedup();
        // Channel names are words the grammar knows too ("prism" must not become "prison"),
        // but never what a misheard word becomes: the directory matches names fuzzily itself.
        // Only words a repair could touch are kept: it leaves numbers and non-ASCII words
        // alone (`soundalike::swaps`), and a 500k-channel lineup's numbered names were half
        // a million entries here.
        let mut names: hashbrown::HashSet<Box<str>> = hashbrown::HashSet::new();
        for i in 0..directory.len() {
            for w in normalise(directory.name(i as u32)).split(' ') {
                let repairable = w.is_ascii() && !w.bytes().any(|c| c.is_ascii_digit());
                // Names repeat their words: allocate a word once.
                if repairable && !names.contains(w) {
                    names.insert(Box::from(w));
                }
            }
        }
        // Two words a pattern says in a row: one heard word may be both run together.
        let mut known_and_pairs = known.clone();
        for rule in &rules {
            pairs(&rule.items, Vec::new(), &mut known_and_pairs);
        }
        known_and_pairs.sort();
        known_and_pairs.dedup();
        Self {
            rules,
            directory,
            known,
            known_and_pairs,
            names,
        }
    }

    pub fn for_playlist(playlist: &Playlist) -> Self {
        Self::new(ChannelDirectory::new(
            playlist.channels.iter().map(|c| c.name.as_str()),
        ))
    }

    pub fn directory(&self) -> &ChannelDirectory {
        &self.directory
    }

    /// Parses what speech recognition heard: the whole of it (see [`Grammar::parse_whole`]),
    /// then, when that finds no command, with misheard words swapped for sound-alike command words (the cheapest
    /// repair, see [`Grammar::repairs`]). Returns the command and the sentence it was
    /// understood as.
    pub fn parse_heard(&self, transcript: &str) -> Option<(MediaCommand, String)> {
        if let Some(cmd) = self.parse_whole(transcript) {
            return Some((cmd, transcript.to_owned()));
        }
        self.repairs(transcript, 1, soundalike::Reach::SPELLING)
            .into_iter()
            .next()
    }

    /// The sentences a transcript the grammar cannot parse may have been, cheapest first (at
    /// most `most`): misheard words swapped for sound-alike command words (see
    /// [`super::soundalike`]; `reach`: how far), one swap, then two that do not overlap, each
    /// with the command it parses as, within `REPAIRS_TRIED` sentences parsed. Speech
    /// recognition judges them by the sound ([`super::hearing`]).
    pub fn repairs(
        &self,
        transcript: &str,
        most: usize,
        reach: soundalike::Reach,
    ) -> Vec<(MediaCommand, String)> {
        let mut out: Vec<(MediaCommand, String)> = Vec::new();
        let norm = normalise(transcript);
        let toks: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
        let read = toks.iter().filter(|w| !FILLERS.contains(w)).count();
        if read == 0 || read > soundalike::MAX_WORDS {
            return out;
        }
        let targets = if reach == soundalike::Reach::HEARING {
            &self.known_and_pairs
        } else {
            &self.known
        };
        let mut swaps = soundalike::swaps(&toks, targets, reach, |w| {
            self.known.binary_search_by(|k| (**k).cmp(w)).is_ok() || self.names.contains(w)
        });
        // A lone word has no context to vouch for it: only a near miss ("unute") counts.
        if toks.len() == 1 {
            swaps.retain(|s| s.cost <= reach.alone);
        }
        // Each sentence tried is a parse (tens of microseconds): the budget holds a long
        // sentence of chat, with hundreds of swaps and a hundred thousand pairs of them, to a
        // fraction of a second; the cheapest are tried first.
        let tries = std::cell::Cell::new(0);
        let take = |text: String, out: &mut Vec<(MediaCommand, String)>| {
            if out.len() < most
                && tries.get() < REPAIRS_TRIED
                && !out.iter().any(|(_, t)| *t == text)
            {
                tries.set(tries.get() + 1);
                if let Some(cmd) = self.parse_whole(&text).filter(vouched) {
                    out.push((cmd, text));
                }
            }
        };
        // When the sound judges: a short word exchanged, dropped or joined first (the
        // smallest edits, out of a spelling distance's reach); then one swap, cheapest first;
        // then two that do not overlap, cheapest pair first.
        if reach == soundalike::Reach::HEARING {
            let is_word = |w: &str| self.known.binary_search_by(|k| (**k).cmp(w)).is_ok();
            for text in soundalike::small_edits(&toks, is_word) {
                take(text, &mut out);
            }
        }
        for s in &swaps {
            take(soundalike::apply(&toks, &[s]), &mut out);
        }
        for (i, j) in cheapest_pairs(swaps.iter().map(|s| s.cost).collect()) {
            if out.len() >= most || tries.get() >= REPAIRS_TRIED {
                break;
            }
            let (a, b) = (&swaps[i], &swaps[j]);
            if a.at + a.len <= b.at || b.at + b.len <= a.at {
                take(soundalike::apply(&toks, &[a, b]), &mut out);
            }
        }
        out
    }

    /// Parses one transcript. `None` means "not a media command": hand it to the LLM.
    ///
    /// The whole utterance first; then a command with a few words of its own around it
    /// ("pause it, the phone's ringing", "this is boring. Next channel", "turn it up I can't
    /// hear a thing"): see `Grammar::parse_around`.
    pub fn parse(&self, transcript: &str) -> Option<MediaCommand> {
        let norm = normalise(transcript);
        if let Some((cmd, _)) = self.parse_words(&norm) {
            return Some(cmd);
        }
        self.parse_around(transcript, &norm, false)
    }

    /// The whole utterance as one command, nothing around it (what a repair must parse as).
    pub fn parse_whole(&self, transcript: &str) -> Option<MediaCommand> {
        self.parse_words(&normalise(transcript)).map(|(cmd, _)| cmd)
    }

    /// A command with words of its own around it, in what speech recognition heard, taken
    /// only when nothing else was (see [`super::hearing::understood`]): the words around it
    /// must start a clause of their own ("Pause it. I need the loo."), for a misheard command
    /// splits into sentences too ("Go back, third its actions." is "go back thirty seconds",
    /// not "go back" and some words).
    pub fn heard_around(&self, transcript: &str) -> Option<MediaCommand> {
        self.parse_around(transcript, &normalise(transcript), true)
    }

    /// A command said with words of its own before or after it. Only a rule that says what
    /// to do counts (never a bare number or channel name: "channel 4, I think, had it" is
    /// chat), and never when a word of it is a refusal ("don't pause it, I'm watching").
    /// - Sentences (the recogniser's punctuation): the first or the last one is the command,
    ///   what is around it at most [`AROUND`] words; two that disagree are nobody's command.
    /// - Words that start a clause of their own ("pause it I need the loo"): the command is
    ///   what comes before them.
    fn parse_around(&self, transcript: &str, norm: &str, heard: bool) -> Option<MediaCommand> {
        let toks: Vec<&str> = said(norm).collect();
        if toks.len() < 2 {
            return None;
        }
        let sentences: Vec<String> = sentences(transcript)
            .map(normalise)
            .filter(|s| said(s).next().is_some())
            .collect();
        // Said again better ("channel three, no, channel four"): the last sentence is meant.
        if sentences.len() >= 3
            && sentences[1..sentences.len() - 1]
                .iter()
                .any(|s| CORRECTIONS.contains(&s.as_str()))
        {
            return self
                .parse_words(&sentences[sentences.len() - 1])
                .filter(|(cmd, rule)| self.stands_alone(cmd, *rule))
                .map(|(cmd, _)| cmd);
        }
        if toks.iter().any(|w| REFUSALS.contains(w)) {
            return None;
        }
        if sentences.len() >= 2 {
            let mut found: Option<MediaCommand> = None;
            let last = sentences.len() - 1;
            for (i, s) in [(0, &sentences[0]), (last, &sentences[last])] {
                if toks.len() - said(s).count() > AROUND {
                    continue;
                }
                // Heard: the sentence after the command (or before it) starts a clause.
                let other = &sentences[if i == 0 { 1 } else { last - 1 }];
                let opens = said(other).next().is_some_and(|w| OPENERS.contains(&w));
                if heard && !opens {
                    continue;
                }
                if let Some((cmd, rule)) = self.parse_words(s)
                    && self.stands_alone(&cmd, rule)
                {
                    if found.as_ref().is_some_and(|f| *f != cmd) {
                        return None;
                    }
                    found = Some(cmd);
                }
            }
            if found.is_some() {
                return found;
            }
        }
        for k in (1..toks.len()).rev() {
            if toks.len() - k > AROUND || !OPENERS.contains(&toks[k]) {
                continue;
            }
            if let Some((cmd, rule)) = self.parse_words(&toks[..k].join(" "))
                && self.stands_alone(&cmd, rule)
            {
                return Some(cmd);
            }
        }
        None
    }

    /// Whether a command found inside a longer utterance is what it asks for: one that says
    /// what to do (not a bare number or channel name), and not a question, which the words
    /// around it change ("what is this show" + "about" is no "what's on").
    fn stands_alone(&self, cmd: &MediaCommand, rule: usize) -> bool {
        !self.rules[rule].bare
            && !matches!(
                cmd,
                MediaCommand::WhatsOn { .. }
                    | MediaCommand::WhenIs { .. }
                    | MediaCommand::ChannelMissing { .. }
            )
    }

    /// The whole of a normalised utterance against the rules: the command and the rule that
    /// built it. Fillers go; words before a command ("can you") and after it ("thanks", "will
    /// you") are dropped — and if that leaves nothing a rule knows, the words after are kept
    /// ("start this programme again").
    fn parse_words(&self, norm: &str) -> Option<(MediaCommand, usize)> {
        let mut toks: Vec<&str> = said(norm).map(same_word).collect();
        let addressed = norm.split(' ').any(|w| w == "lumen");
        strip_leading(&mut toks);
        let kept = toks.clone();
        strip(&mut toks);
        if let Some(found) = self.match_rules(&toks, addressed) {
            return Some(found);
        }
        if kept.len() != toks.len()
            && let Some(found) = self.match_rules(&kept, addressed)
        {
            return Some(found);
        }
        // The softer words around a command ("can we", "for a sec"), which phrasings the rules
        // know may contain, go last.
        let plain = toks.len();
        strip_soft(&mut toks);
        if toks.len() == plain {
            return None;
        }
        self.match_rules(&toks, addressed)
    }

    fn match_rules(&self, toks: &[&str], addressed: bool) -> Option<(MediaCommand, usize)> {
        if toks.is_empty() || toks.len() > 24 {
            return None;
        }
        let m = Matcher { toks };
        let ctx = Ctx {
            toks,
            directory: &self.directory,
            addressed,
            looked_up: Default::default(),
        };
        for (i, rule) in self.rules.iter().enumerate() {
            if let Some(first) = &rule.first_words
                && !first.iter().any(|w| **w == *toks[0])
            {
                continue;
            }
            let mut found = None;
            let mut caps = Caps::default();
            m.run(&rule.items, &Cont::End, 0, &mut caps, &mut |caps| {
                found = (rule.build)(caps, &ctx);
                found.is_some()
            });
            if let Some(cmd) = found {
                return Some((cmd, i));
            }
        }
        None
    }
}

/// At most this many words around a command (see [`Grammar::parse_around`]).
const AROUND: usize = 10;

/// Words that take a command back ("don't pause it"): nothing around them is a command.
const REFUSALS: &[&str] = &[
    "dont", "didnt", "doesnt", "never", "not", "no", "wont", "shouldnt", "leave",
];

/// A sentence that takes back the one before it and says it again ("…, no, channel four").
const CORRECTIONS: &[&str] = &[
    "no",
    "no no",
    "sorry",
    "no sorry",
    "i mean",
    "no i mean",
    "sorry i mean",
    "wait",
    "no wait",
    "actually",
    "or rather",
    "rather",
];

/// Words that start a clause of their own after a command ("pause it I need the loo").
const OPENERS: &[&str] = &[
    "i", "im", "ive", "id", "its", "thats", "theres", "there", "this", "we", "were", "theyre",
    "they", "he", "hes", "she", "shes", "my", "our", "you", "youre", "because", "cause", "cos",
    "coz", "so", "as", "while", "since", "for", "ads", "adverts", "baby", "kids",
];

/// The recogniser's sentences and clauses: split at `. , ! ? ; :` (not the point of "5.1").
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let mut from = 0;
    let mut cuts = Vec::new();
    for (i, c) in text.char_indices() {
        let digit = |j: Option<usize>| j.and_then(|j| b.get(j)).is_some_and(u8::is_ascii_digit);
        let point = c == '.' && digit(i.checked_sub(1)) && digit(Some(i + 1));
        if matches!(c, ',' | '!' | '?' | ';' | ':' | '.') && !point {
            cuts.push(&text[from..i]);
            from = i + 1;
        }
    }
    cuts.push(&text[from..]);
    cuts.into_iter().filter(|s| !s.trim().is_empty())
}

/// Every literal word of a pattern.
fn words(items: &[Item], out: &mut Vec<Box<str>>) {
    for item in items {
        match item {
            Item::Word(w) => out.push(w.clone()),
            Item::Group { alts, .. } => alts.iter().for_each(|alt| words(alt, out)),
            _ => {}
        }
    }
}

/// Every two literal words a pattern says in a row ("channel down"), given the words that may
/// come just before it (`last`); returns the words it may end with.
fn pairs(items: &[Item], mut last: Vec<Box<str>>, out: &mut Vec<Box<str>>) -> Vec<Box<str>> {
    for item in items {
        last = match item {
            Item::Word(w) => {
                out.extend(last.iter().map(|l| Box::from(format!("{l} {w}"))));
                vec![w.clone()]
            }
            Item::Group { alts, optional } => {
                let mut ends: Vec<Box<str>> = Vec::new();
                for alt in alts {
                    ends.extend(pairs(alt, last.clone(), out));
                }
                if *optional {
                    ends.extend(last);
                }
                ends.sort();
                ends.dedup();
                ends
            }
            _ => Vec::new(),
        };
    }
    last
}

/// The words a rule can start with, for a quick reject (`None` when it can start with a capture
/// or everything is optional).
fn first_words(items: &[Item]) -> Option<Vec<Box<str>>> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Word(w) => {
                out.push(w.clone());
                return Some(out);
            }
            Item::Group { alts, optional } => {
                for alt in alts {
                    out.extend(first_words(alt)?);
                }
                if !optional {
                    return Some(out);
                }
            }
            _ => return None,
        }
    }
    None
}

enum Cont<'a> {
    End,
    Then(&'a [Item], &'a Cont<'a>),
}

struct Matcher<'a> {
    toks: &'a [&'a str],
}

impl Matcher<'_> {
    /// Matches `items` then the continuation at `pos`; `done` sees each full match and says
    /// whether to stop (it may reject, e.g. when a channel name doesn't resolve).
    fn run(
        &self,
        items: &[Item],
        cont: &Cont<'_>,
        pos: usize,
        caps: &mut Caps,
        done: &mut dyn FnMut(&Caps) -> bool,
    ) -> bool {
        let Some((first, rest)) = items.split_first() else {
            return match cont {
                Cont::End => pos == self.toks.len() && done(caps),
                Cont::Then(next, outer) => self.run(next, outer, pos, caps, done),
            };
        };
        let k = Cont::Then(rest, cont);
        match first {
            Item::Word(w) => {
                self.toks.get(pos).is_some_and(|t| **t == **w)
                    && self.run(&[], &k, pos + 1, caps, done)
            }
            Item::Group { alts, optional } => {
                for alt in alts {
                    let saved = *caps;
                    if self.run(alt, &k, pos, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                *optional && self.run(&[], &k, pos, caps, done)
            }
            Item::Num => {
                for (end, n) in numbers_at(self.toks, pos) {
                    let saved = *caps;
                    caps.num = Some(n);
                    caps.said_channel_word = pos > 0 && self.toks[pos - 1] == "channel";
                    if self.run(&[], &k, end, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
            Item::Dur => {
                for (end, secs) in durations_at(self.toks, pos) {
                    let saved = *caps;
                    caps.dur = Some(secs);
                    if self.run(&[], &k, end, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
            Item::Lang => {
                let Some(l) = self.toks.get(pos).and_then(|t| crate::tracks::language(t)) else {
                    return false;
                };
                // Only names: "en" or "de" said alone are not languages.
                if self.toks[pos].len() < 4 {
                    return false;
                }
                let saved = *caps;
                caps.lang = Some(l.code);
                if self.run(&[], &k, pos + 1, caps, done) {
                    return true;
                }
                *caps = saved;
                false
            }
            Item::Text => {
                // Shortest first: "when is the news on tonight" takes "news", not "news on".
                for end in pos + 1..=(pos + 8).min(self.toks.len()) {
                    let saved = *caps;
                    caps.text = Some((pos, end));
                    if self.run(&[], &k, end, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
            Item::Chan => {
                // Longest name first; the channel is resolved only once the rest matched.
                for end in (pos + 1..=self.toks.len()).rev() {
                    let saved = *caps;
                    caps.chan = Some((pos, end));
                    if self.run(&[], &k, end, caps, done) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
        }
    }
}

fn compile(src: &str) -> Result<Vec<Item>, String> {
    let mut toks = Vec::new();
    let mut word = String::new();
    for c in src.chars() {
        if matches!(c, '(' | ')' | '[' | ']' | '|' | ' ') {
            if !word.is_empty() {
                toks.push(std::mem::take(&mut word));
            }
            if c != ' ' {
                toks.push(c.to_string());
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        toks.push(word);
    }
    let mut pos = 0;
    let alts = parse_alts(&toks, &mut pos)?;
    if pos != toks.len() {
        return Err(format!("unexpected {:?}", toks[pos]));
    }
    match <[Vec<Item>; 1]>::try_from(alts) {
        Ok([seq]) => Ok(seq),
        Err(alts) => Ok(vec![Item::Group {
            alts,
            optional: false,
        }]),
    }
}

fn parse_alts(toks: &[String], pos: &mut usize) -> Result<Vec<Vec<Item>>, String> {
    let mut alts = vec![Vec::new()];
    while let Some(t) = toks.get(*pos) {
        match t.as_str() {
            ")" | "]" => break,
            "|" => {
                *pos += 1;
                alts.push(Vec::new());
            }
            "(" | "[" => {
                *pos += 1;
                let inner = parse_alts(toks, pos)?;
                let close = if t == "(" { ")" } else { "]" };
                if toks.get(*pos).map(String::as_str) != Some(close) {
                    return Err(format!("missing {close}"));
                }
                *pos += 1;
                alts.last_mut().expect("non-empty").push(Item::Group {
                    alts: inner,
                    optional: t == "[",
                });
            }
            "<n>" | "<dur>" | "<ch>" | "<lang>" | "<text>" => {
                *pos += 1;
                let item = match t.as_str() {
                    "<n>" => Item::Num,
                    "<dur>" => Item::Dur,
                    "<lang>" => Item::Lang,
                    "<text>" => Item::Text,
                    _ => Item::Chan,
                };
                alts.last_mut().expect("non-empty").push(item);
            }
            "%" => {
                *pos += 1;
                alts.last_mut()
                    .expect("non-empty")
                    .push(Item::Word("percent".into()));
            }
            w => {
                *pos += 1;
                alts.last_mut()
                    .expect("non-empty")
                    .push(Item::Word(w.into()));
            }
        }
    }
    Ok(alts)
}

/// How many sentences [`Grammar::repairs`] parses at most, the cheapest first. Chat, which
/// parses as none, tried every pair of swaps: 34 s for one sentence of nine words (over
/// 100,000 pairs), on the app's main thread. 2000 parses take at most 0.25 s on the 2-core
/// machine, and the corpus's tuning part, spoken, was understood as before by every espeak-ng
/// voice (Piper's speech differs from run to run).
const REPAIRS_TRIED: usize = 2000;

/// Every pair `(i, j)`, `i < j`, of `costs` (sorted, cheapest first) in the order a sort of
/// all of them by their summed cost would give (ties in `(i, j)` order), drawn lazily: the
/// next pair after `(i, j)` is `(i, j + 1)` or one already waiting. A long sentence has
/// hundreds of swaps and a hundred thousand pairs of them, and only the first are tried.
fn cheapest_pairs(costs: Vec<f32>) -> impl Iterator<Item = (usize, usize)> {
    use std::cmp::Reverse;
    #[derive(PartialEq)]
    struct At(f32, usize, usize);
    impl Eq for At {}
    impl PartialOrd for At {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for At {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0
                .total_cmp(&other.0)
                .then(self.1.cmp(&other.1))
                .then(self.2.cmp(&other.2))
        }
    }
    let n = costs.len();
    let at = move |i: usize, j: usize| Reverse(At(costs[i] + costs[j], i, j));
    let mut next: std::collections::BinaryHeap<_> =
        (0..n.saturating_sub(1)).map(|i| at(i, i + 1)).collect();
    std::iter::from_fn(move || {
        let Reverse(At(_, i, j)) = next.pop()?;
        if j + 1 < n {
            next.push(at(i, j + 1));
        }
        Some((i, j))
    })
}

/// Whether a repaired sentence's command is vouched for by the grammar: one that takes any
/// words as a title ("when's <anything>") accepts whatever a swap makes of a question, so
/// "who won the world cup" became "when's the world cup", and a wish takes a genre's word
/// ("what's the capital of France" became "watch … on flick"). Those are left to the LLM.
fn vouched(cmd: &MediaCommand) -> bool {
    // A channel the lineup lacks only by a brand's name ("Blorf TV" may be a mishearing).
    if let MediaCommand::ChannelMissing { name } = cmd {
        let words = normalise(name);
        let words: Vec<&str> = words.split(' ').collect();
        return super::brands::brand(&words).is_some();
    }
    !matches!(
        cmd,
        MediaCommand::WhenIs { .. }
            | MediaCommand::Remind { .. }
            | MediaCommand::RecordProgramme { .. }
            | MediaCommand::WatchProgramme { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_come_cheapest_first_as_a_full_sort_would_give_them() {
        // Sorted costs with ties, as the swaps come.
        let costs: Vec<f32> = vec![0.0, 0.1, 0.1, 0.15, 0.2, 0.2, 0.2, 0.35, 0.4];
        let mut all: Vec<(usize, usize)> = (0..costs.len())
            .flat_map(|i| (i + 1..costs.len()).map(move |j| (i, j)))
            .collect();
        all.sort_by(|a, b| (costs[a.0] + costs[a.1]).total_cmp(&(costs[b.0] + costs[b.1])));
        assert_eq!(cheapest_pairs(costs.clone()).collect::<Vec<_>>(), all);
        assert_eq!(cheapest_pairs(vec![0.3]).count(), 0);
        assert_eq!(cheapest_pairs(Vec::new()).count(), 0);
    }

    #[test]
    fn a_long_sentence_of_chat_is_no_repair_and_a_misheard_command_still_is() {
        let g = Grammar::default();
        // Nine words with hundreds of sound-alike swaps: every pair of them once took
        // seconds to parse; now the cheapest REPAIRS_TRIED.
        let chat = "the next channel over had a documentary about whales";
        let chat = g.repairs(
            chat,
            super::super::hearing::CANDIDATES,
            soundalike::Reach::HEARING,
        );
        assert!(chat.is_empty(), "{chat:?}");
        let heard = g.repairs(
            "Remove this drum fan.",
            super::super::hearing::CANDIDATES,
            soundalike::Reach::HEARING,
        );
        assert!(
            heard
                .iter()
                .any(|(c, _)| matches!(c, MediaCommand::RemoveFavourite { channel: None })),
            "{heard:?}"
        );
    }
}
