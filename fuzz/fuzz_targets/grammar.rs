#![no_main]
//! Any text: the grammar answers without panicking, and a named channel always exists.
use libfuzzer_sys::fuzz_target;
use prism_core::command::{ChannelDirectory, MediaCommand};
use prism_core::Grammar;
use std::sync::OnceLock;

static G: OnceLock<Grammar> = OnceLock::new();
const NAMES: &[&str] = &["BBC One HD", "ESPN", "Channel 4", "Sky Sports Main Event", "CNN", "The Weather Channel"];

fuzz_target!(|data: &[u8]| {
    let g = G.get_or_init(|| Grammar::new(ChannelDirectory::new(NAMES.iter().copied())));
    if let Ok(s) = std::str::from_utf8(data) {
        if let Some(MediaCommand::WatchChannel { channel }) = g.parse(s) {
            assert!((channel.index as usize) < NAMES.len());
        }
    }
});
