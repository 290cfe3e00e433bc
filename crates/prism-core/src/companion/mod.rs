//! Companion mode's engine-free parts: how the user sounds ([`sentiment`]).

pub mod sentiment;
