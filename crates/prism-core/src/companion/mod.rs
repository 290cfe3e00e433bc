//! Companion mode's engine-free parts: how the user sounds ([`sentiment`]) and what the
//! music does ([`beat`]).

pub mod beat;
pub mod sentiment;
