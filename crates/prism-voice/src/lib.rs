//! Lumen's voice: Piper voices (VITS in ONNX) run through ONNX Runtime, with phonemes from the
//! `espeak-ng` program. espeak-ng is GPL, so it runs as a subprocess and is never linked; ONNX
//! Runtime is loaded from the library file the model manager installed.

pub mod audio;
pub mod echo;
pub mod models;
pub mod onnx;
pub mod tts;
pub mod worker;

pub use tts::{Audio, PiperVoice, VoiceError};

/// Whisper's initial prompt for a lineup: a few commands written out and the channel names.
/// Whisper reads the prompt as text said just before, so short sentences in the style of a
/// command bias it towards "Mute." and "Prism Sports" where it would hear "Newt" and "prison
/// sports" (measured: 18 → 23 of 29 espeak commands right with tiny.en).
pub fn stt_prompt(playlist: &prism_core::Playlist) -> String {
    let mut p = format!("{COMMANDS_PROMPT} Put on");
    for c in playlist.channels.iter().take(40) {
        if p.len() + c.name.len() > 700 {
            break;
        }
        p.push(' ');
        p.push_str(&c.name);
        p.push(',');
    }
    p.pop();
    p.push('.');
    p
}

/// The commands the prompt writes out, before the channel names.
const COMMANDS_PROMPT: &str = "Lumen, mute. Unmute. Pause. Resume playing. Channel up. Channel \
    down. Previous channel. Show the guide. Turn on subtitles. Add to favourites.";

/// How a transcript that is no command is heard again (`Request::Rehear`): greedily after
/// the commands alone, without the channel names that pull a misheard command towards a name
/// ("Candletown" for "channel down"), and after no prompt at all ([`REHEAR_PROMPTS`]), then
/// up to [`REHEAR_BRANCHES`] n-best branches after each, those within [`REHEAR_MARGIN`] of
/// it, then up to [`START_TRIES`] guesses after each that begin with a word a command begins
/// with ([`start_words`]), and last the speech played slower ([`SLOWED`]). Each is a guess
/// of its own; a greedy guess the grammar parses as heard, else one it parses repaired by
/// spelling, else a branch, start guess or slowed guess it parses as heard, is taken
/// (`prism_core::command::hearing::first_parsed`).
///
/// Measured on the corpus's tuning part, spoken: 79 → 83 % of its commands, 75 ms p50 for
/// both guesses. A beam search (5 wide) as a third guess added nothing and 230 ms; as the
/// transcription itself it gained 3 in 121 but cost every command 80 ms (152 → 234 ms
/// release → applied, `prism bench voice`), so transcription stays greedy.
pub fn rehear(id: u64) -> prism_core::worker::Request {
    prism_core::worker::Request::Rehear {
        id,
        prompts: REHEAR_PROMPTS.map(str::to_owned).to_vec(),
        branches: REHEAR_BRANCHES,
        margin: REHEAR_MARGIN,
        starts: start_words().to_vec(),
        start_tries: START_TRIES,
        start_margin: START_MARGIN,
        slowed: SLOWED.to_vec(),
    }
}

/// How [`rehear`] plays the speech slower to the recogniser for its last guesses (see
/// `Request::Rehear`): a quarter slower at its own pitch, then as a tape slowed a quarter
/// (lower too). Each is another view of the sound, where decoding the same encoding again
/// only reweighs the same guess. On the corpus's tuning part, spoken, of the 15 misses the
/// other guesses left, the slowed tape made the command asked for of 2–4 ("Change to HBO."
/// for "Change. PO.", "Record Top Gear Tonight." for "Record top here to hide."), the speech
/// stretched at its pitch of 2 others ("Did I miss anything?" for "This is anything."). Under
/// a newsreader as loud as the speech, slowed chat became "The Weather Channel.", so a
/// slowed guess must fit the speech as heard nearly as well as the transcript does (as a
/// start guess must): then chat was never a command, and the rescues above all fit within
/// 1.0. The tape slowed a tenth made 1; by two fifths, 2 and more wrong commands; by three
/// fifths, a wrong command of one phrasing in ten.
pub const SLOWED: [prism_core::worker::Slower; 2] = [
    prism_core::worker::Slower {
        factor: 1.25,
        pitch_kept: true,
    },
    prism_core::worker::Slower {
        factor: 1.25,
        pitch_kept: false,
    },
];

/// How many of the words a command may begin with [`rehear`] puts first after each prompt
/// (the likeliest there), and how much less likely (nats over the sentence) than the
/// prompt's greedy guess such a guess may be (`Request::Rehear`). Whisper's first word is its
/// least supported: "Cut me up", "West channel", "BAM" for "pump up the volume", "Charlie
/// Landron" for "channel eleven". Measured on the corpus's tuning part, spoken (the four
/// espeak-ng voices, which speak the same each run): 14 → 11 misses, and 0 of 12 chat taken
/// for a command, in quiet and under the demo's tone and a newsreader at 0 dB.
pub const START_TRIES: u32 = 4;
pub const START_MARGIN: f32 = 3.0;

/// The words a command may begin with: the first words of the paraphrase table's commands
/// (`prism_core::command::corpus::paraphrases`), but for the words whisper writes reliably
/// and that begin chat as often (pronouns, articles, question words, "can", "let's") and for
/// the words of the corpus lineup's channel names ("itv"; the user's lineup is another), but
/// "channel", a command's word as much as a name's.
pub fn start_words() -> &'static [String] {
    use prism_core::command::{corpus, normalise};
    const COMMON: &[&str] = &[
        "can",
        "the",
        "its",
        "lets",
        "let",
        "you",
        "this",
        "that",
        "thats",
        "dont",
        "okay",
        "lumen",
        "good",
        "thanks",
        "would",
        "could",
        "she",
        "not",
        "from",
        "how",
        "who",
        "why",
        "when",
        "whens",
        "what",
        "whats",
        "anything",
        "something",
        "one",
        "just",
        "and",
        "please",
        "hey",
        "well",
        "down",
        "over",
        "more",
    ];
    static WORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let channels: Vec<String> = corpus::LINEUP.iter().map(|n| normalise(n)).collect();
        let mut out: Vec<String> = Vec::new();
        for c in corpus::paraphrases()
            .into_iter()
            .filter(|c| c.want.is_some())
        {
            let said = normalise(&c.text);
            let Some(w) = said.split(' ').next() else {
                continue;
            };
            if w.len() >= 3
                && !COMMON.contains(&w)
                && (w == "channel" || !channels.iter().any(|n| n.split(' ').any(|x| x == w)))
                && !out.iter().any(|o| o == w)
            {
                out.push(w.to_owned());
            }
        }
        out
    })
}

/// The prompts [`rehear`] hears the speech again after: the commands alone, and none.
pub const REHEAR_PROMPTS: [&str; 2] = [COMMANDS_PROMPT, ""];

/// How many of [`rehear`]'s answers are greedy guesses (one per prompt), before the
/// branches (`prism_core::command::hearing::first_parsed`).
pub const REHEAR_GUESSES: usize = REHEAR_PROMPTS.len();

/// How many of the recogniser's n-best branches [`rehear`] asks for after each prompt (see
/// `Request::Rehear`). Whisper's one guess for a misheard command usually turns on a token
/// or two it was unsure of ("Pass the…" for "Pause the…"); a branch there is the guess it
/// nearly made. Measured on the corpus's tuning part, spoken by five voices: 98 → 107 of 121
/// commands with six branches after each prompt (three: 105), and chat taken for a command
/// 0 of 12 in each.
pub const REHEAR_BRANCHES: u32 = 6;

/// How much less likely than its prompt's greedy guess (nats over the sentence) a branch may
/// be and still be a hypothesis: e², about one seventh as likely. Branches that ran on into
/// words the speech does not hold made commands of chat under the TV's noise. On the
/// corpus's tuning part, the branches that gave the right command were 0.5 to 1.6 nats
/// below their greedy guess (one, 3.9), the one that gave a wrong command 2.6, and half of
/// all branches more than 2.0.
pub const REHEAR_MARGIN: f32 = 2.0;
