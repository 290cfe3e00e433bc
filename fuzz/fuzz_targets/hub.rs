#![no_main]
//! Any request body: decoded into calls or JSON-RPC errors, never a panic, and every error
//! code is one JSON-RPC defines or Prism's own.
use libfuzzer_sys::fuzz_target;
use prism_core::hub::{decode, response, Incoming};

fuzz_target!(|data: &[u8]| {
    let requests = match decode(data) {
        Ok(Incoming::One(r)) => vec![r],
        Ok(Incoming::Batch(b)) => {
            assert!(!b.is_empty() && b.len() <= prism_core::hub::MAX_BATCH);
            b
        }
        Err(e) => {
            assert!((-32700..=-32000).contains(&e.code));
            return;
        }
    };
    for r in requests {
        if let Err(e) = &r.call {
            assert!((-32700..=-32000).contains(&e.code));
        }
        let id = r.id.unwrap_or_default();
        let _ = response(&id, r.call.map(|_| id.clone()));
    }
});
