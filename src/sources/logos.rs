//! Channel logos: fetched once in the background (cached on disk by `fetch`), decoded, and kept
//! as images the guide and banner draw. A logo that fails is simply not drawn.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};

use bevy::asset::RenderAssetUsages;
use bevy::image::{CompressedImageFormats, ImageSampler, ImageType};
use bevy::prelude::*;

use crate::sources::fetch;
use crate::tv::Tv;

/// Logos are small; anything bigger is not a logo.
const MAX_LOGO_BYTES: u64 = 2 << 20;

pub fn plugin(app: &mut App) {
    app.init_resource::<Logos>().add_systems(
        Update,
        (start, receive).in_set(crate::app::AppSystems::Execute),
    );
}

/// A logo's URL and its bytes.
type Fetched = (String, Vec<u8>);

#[derive(Resource, Default)]
pub struct Logos {
    pub by_url: HashMap<String, Handle<Image>>,
    rx: Option<Mutex<Receiver<Fetched>>>,
    /// One-off images asked for by a screen (a programme's picture): one channel for all.
    asked: Option<(std::sync::mpsc::Sender<Fetched>, Mutex<Receiver<Fetched>>)>,
    asked_urls: std::collections::HashSet<String>,
    /// The lineup generation the fetch was started for.
    generation: u64,
}

impl Logos {
    pub fn get(&self, url: Option<&str>) -> Option<Handle<Image>> {
        self.by_url.get(url?).cloned()
    }

    /// Fetches one image in the background (once per URL); [`Logos::get`] has it when done.
    pub fn ask(&mut self, url: &str) {
        if self.by_url.contains_key(url) || self.asked_urls.contains(url) {
            return;
        }
        self.asked_urls.insert(url.to_owned());
        let (tx, _) = self.asked.get_or_insert_with(|| {
            let (tx, rx) = channel();
            (tx, Mutex::new(rx))
        });
        let tx = tx.clone();
        let url = url.to_owned();
        std::thread::spawn(move || {
            if let Ok((r, _)) = fetch::open(&url, fetch::Kind::Logo, &fetch::Progress::default()) {
                let mut bytes = Vec::new();
                if r.take(MAX_LOGO_BYTES).read_to_end(&mut bytes).is_ok() {
                    let _ = tx.send((url, bytes));
                }
            }
        });
    }
}

fn start(tv: Option<Res<Tv>>, mut logos: ResMut<Logos>) {
    let Some(lineup) = tv.as_ref().and_then(|tv| tv.lineup.as_ref()) else {
        return;
    };
    let generation = tv.as_ref().map_or(0, |tv| tv.generation);
    if logos.rx.is_some() && logos.generation == generation {
        return;
    }
    logos.generation = generation;
    // A new lineup: fetch the logos not already shown (a refresh usually has none).
    let mut urls: Vec<String> = lineup
        .channels()
        .iter()
        .filter_map(|c| c.logo.clone())
        .filter(|u| !logos.by_url.contains_key(u))
        .collect();
    urls.sort();
    urls.dedup();
    let (tx, rx) = channel();
    logos.rx = Some(Mutex::new(rx));
    std::thread::spawn(move || {
        for url in urls {
            let Ok((r, _)) = fetch::open(&url, fetch::Kind::Logo, &fetch::Progress::default())
            else {
                continue;
            };
            let mut bytes = Vec::new();
            if r.take(MAX_LOGO_BYTES).read_to_end(&mut bytes).is_ok()
                && tx.send((url, bytes)).is_err()
            {
                return; // the app is gone
            }
        }
    });
}

fn receive(mut logos: ResMut<Logos>, mut images: ResMut<Assets<Image>>) {
    let mut got: Vec<Fetched> = logos.rx.as_ref().map_or_else(Vec::new, |rx| {
        rx.lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_iter()
            .take(32)
            .collect()
    });
    if let Some((_, rx)) = &logos.asked {
        got.extend(rx.lock().unwrap_or_else(|e| e.into_inner()).try_iter());
    }
    for (url, bytes) in got {
        let ext = match bytes.get(..4) {
            Some([0x89, b'P', b'N', b'G']) => "png",
            Some([0xFF, 0xD8, ..]) => "jpg",
            _ => continue,
        };
        match Image::from_buffer(
            &bytes,
            ImageType::Extension(ext),
            CompressedImageFormats::NONE,
            true,
            ImageSampler::linear(),
            RenderAssetUsages::RENDER_WORLD,
        ) {
            Ok(img) => {
                let h = images.add(img);
                logos.by_url.insert(url, h);
            }
            Err(e) => debug!("logo {url}: {e}"),
        }
    }
}
