//! Companion mode's engine-free parts: how the user sounds ([`sentiment`]), what the music
//! does ([`beat`]), what on screen deserves a reaction ([`reactions`]), and when Lumen may
//! speak up ([`scheduler`]).

pub mod beat;
pub mod reactions;
pub mod scheduler;
pub mod sentiment;
