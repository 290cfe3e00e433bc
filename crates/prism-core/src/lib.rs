//! Prism's engine-free core: everything a TV app is judged by that needs no renderer, no media
//! framework and no network — playlists (M3U, Xtream Codes), the XMLTV guide, and the media command
//! grammar that turns what the user says into the same [`MediaCommand`] the keyboard and the LLM
//! produce.
//!
//! Where "volume up" lives: it is parsed in [`command::grammar`], becomes
//! [`MediaCommand::VolumeUp`], and the app executes and draws it (the `tv` and `overlay` plugins).

pub mod assistant;
pub mod avatar;
pub mod catchup;
pub mod cea608;
pub mod command;
pub mod companion;
pub mod demo;
pub mod epg;
pub mod hls;
pub mod hub;
pub mod icon;
pub mod keys;
pub mod parental;
pub mod playlist;
pub mod reminders;
pub mod scene;
pub mod settings_file;
pub mod speech;
pub mod synth;
pub mod text;
pub mod timers;
pub mod timeshift;
pub mod tracks;
pub mod ts;
pub mod worker;

pub use command::{Grammar, MediaCommand};
pub use epg::{Guide, GuideBuilder, GuideOptions};
pub use playlist::{Channel, ChannelNumber, Playlist};
