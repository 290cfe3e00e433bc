//! What Lumen says, before and after the voice: the LLM's streamed reply cut into sentences as
//! tokens arrive (so the first sentence is spoken while the rest is still being written), the
//! emotion tags taken out of the speech (`[happy]` drives the face, not the voice), text made
//! speakable (numbers, times, abbreviations), and the phonemes the voice timed turned into the
//! viseme track the mascot's mouth plays. And what the recogniser hears: a steady noise taken
//! out of the speech first (`steady`), the speech slowed to be heard again (`slow`).

pub mod sentences;
pub mod slow;
pub mod speakable;
pub mod steady;
pub mod tags;
pub mod vad;
pub mod visemes;

pub use sentences::SentenceCutter;
pub use slow::{slowed, stretched};
pub use speakable::speakable;
pub use steady::without_steady_noise;
pub use tags::{Tagged, strip_tags};
pub use vad::{level_db, same_speech, settled, speech_span};
pub use visemes::{track_from_phonemes, viseme_of};
