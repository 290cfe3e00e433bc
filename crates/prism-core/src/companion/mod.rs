//! Companion mode's engine-free parts: how the user sounds ([`sentiment`]), what the music
//! does ([`beat`]), what on screen deserves a reaction ([`reactions`]), and when Lumen may
//! speak up ([`scheduler`]).

pub mod beat;
pub mod reactions;
pub mod scheduler;
pub mod sentiment;

/// What the language model is asked when companion mode comes on: Lumen's greeting, written
/// from what is on (answered under [`crate::assistant::REMARK_GRAMMAR`]).
pub const GREETING: &str = "(Companion mode is on: greet the viewer in one short, warm sentence \
about what is on now, the way a friend on the sofa would, e.g. \"Oh, the match is starting!\")";
