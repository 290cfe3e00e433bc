//! String keys → ids for lineups of hundreds of thousands of channels: the keys live in one
//! arena and each id links to the next id with the same key, so an index costs a few bytes per
//! id plus the key's text, with no allocation per key (a `HashMap<String, Vec<u32>>` cost two
//! allocations and about 100 bytes per channel, and most of a 500k-channel load's time).

use std::hash::BuildHasher;

use hashbrown::HashTable;

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Slot {
    start: u32,
    len: u32,
    head: u32,
    tail: u32,
}

/// A multimap from string keys to `u32` ids; each id is inserted at most once.
#[derive(Debug, Clone, Default)]
pub struct KeyIndex {
    arena: String,
    table: HashTable<Slot>,
    /// Per id: the next id with the same key.
    next: Vec<u32>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl KeyIndex {
    pub fn with_capacity(ids: usize) -> Self {
        Self {
            table: HashTable::with_capacity(ids),
            next: Vec::with_capacity(ids),
            ..Default::default()
        }
    }

    fn key<'a>(arena: &'a str, s: &Slot) -> &'a str {
        &arena[s.start as usize..(s.start + s.len) as usize]
    }

    /// Adds `id` under `key`, after the ids already there. An empty key is not indexed.
    pub fn insert(&mut self, key: &str, id: u32) {
        if key.is_empty() {
            return;
        }
        if self.next.len() <= id as usize {
            self.next.resize(id as usize + 1, NONE);
        }
        let hash = self.hasher.hash_one(key);
        let arena = &self.arena;
        match self.table.find_mut(hash, |s| Self::key(arena, s) == key) {
            Some(slot) => {
                self.next[slot.tail as usize] = id;
                slot.tail = id;
            }
            None => {
                let start = self.arena.len() as u32;
                self.arena.push_str(key);
                let slot = Slot {
                    start,
                    len: key.len() as u32,
                    head: id,
                    tail: id,
                };
                let (arena, hasher) = (&self.arena, &self.hasher);
                self.table
                    .insert_unique(hash, slot, |s| hasher.hash_one(Self::key(arena, s)));
            }
        }
    }

    /// The ids under `key`, in the order they were inserted.
    pub fn get<'a>(&'a self, key: &str) -> impl Iterator<Item = u32> + 'a {
        let hash = self.hasher.hash_one(key);
        let mut at = self
            .table
            .find(hash, |s| Self::key(&self.arena, s) == key)
            .map_or(NONE, |s| s.head);
        std::iter::from_fn(move || {
            (at != NONE).then(|| {
                let id = at;
                at = self.next[id as usize];
                id
            })
        })
    }

    /// The first id under `key`.
    pub fn first(&self, key: &str) -> Option<u32> {
        self.get(key).next()
    }

    /// Distinct keys held.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// Many strings in one arena, by position: `push` returns the index `get` takes.
#[derive(Debug, Clone, Default)]
pub struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        Self {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(n),
        }
    }
    pub fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        (self.ends.len() - 1) as u32
    }
    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_to_ids_in_order() {
        let mut k = KeyIndex::with_capacity(4);
        k.insert("bbc1", 0);
        k.insert("cnn", 1);
        k.insert("bbc1", 3);
        k.insert("", 2);
        assert_eq!(k.get("bbc1").collect::<Vec<_>>(), [0, 3]);
        assert_eq!(k.first("cnn"), Some(1));
        assert_eq!(k.get("nope").count(), 0);
        assert_eq!(k.get("").count(), 0);
        assert_eq!(k.len(), 2);
        let mut s = Strings::default();
        assert_eq!(s.push("a"), 0);
        assert_eq!(s.push(""), 1);
        assert_eq!(s.push("héllo"), 2);
        assert_eq!((s.get(0), s.get(1), s.get(2)), ("a", "", "héllo"));
    }
}
