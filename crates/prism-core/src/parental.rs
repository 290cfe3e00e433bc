//! Parental locks, decided without the app: which channels a provider marks for adults, and
//! the PIN, kept sealed (salted and stretched) rather than as typed. A four-digit PIN can be
//! found from any hash by trying them all; sealing only keeps it from being read off the
//! settings file at a glance.

use crate::playlist::Channel;

/// Words in a group's name that mark it for adults ("XXX", "Adult", "18+", "For Adults").
pub fn adult_group(group: &str) -> bool {
    let folded = crate::epg::matching::fold_text(group).to_lowercase();
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '+'))
        .any(|w| {
            matches!(
                w,
                "xxx" | "adult" | "adults" | "18+" | "+18" | "porn" | "erotic" | "erotica"
            )
        })
}

/// The provider marks the channel for adults: its own flag (Xtream `is_adult`, M3U
/// `adult="1"`) or one of its groups.
pub fn marked_adult(c: &Channel) -> bool {
    c.adult || c.groups.iter().any(|g| adult_group(g))
}

/// A PIN is four to eight digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// The PIN sealed with `salt`, as the settings keep it: "salt$hash" in hex.
pub fn seal(pin: &str, salt: u64) -> String {
    format!("{salt:016x}${:016x}", stretch(pin, salt))
}

/// Whether `pin` is the one `sealed` was made from.
pub fn check(sealed: &str, pin: &str) -> bool {
    let Some((salt, hash)) = sealed.split_once('$') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (u64::from_str_radix(salt, 16), u64::from_str_radix(hash, 16))
    else {
        return false;
    };
    valid_pin(pin) && stretch(pin, salt) == hash
}

/// FNV-1a over the salt and the PIN, 20 000 rounds.
fn stretch(pin: &str, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for _ in 0..20_000 {
        for b in salt
            .to_le_bytes()
            .iter()
            .chain(pin.as_bytes())
            .chain(&h.to_le_bytes())
        {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adult_groups_are_recognised_by_their_words() {
        for g in [
            "XXX",
            "Adult",
            "For Adults",
            "18+ Movies",
            "VOD | ADULTS",
            "Érotica",
        ] {
            assert!(adult_group(g), "{g}");
        }
        for g in [
            "News",
            "Adultswim Classics",
            "Kids",
            "Sports 1",
            "Movies 2018",
        ] {
            assert!(!adult_group(g), "{g}");
        }
    }

    #[test]
    fn a_sealed_pin_checks_only_itself() {
        let sealed = seal("1234", 42);
        assert!(!sealed.contains("1234"));
        assert!(check(&sealed, "1234"));
        assert!(!check(&sealed, "1235"));
        assert!(!check(&sealed, ""));
        assert!(!check("garbage", "1234"));
        assert_ne!(seal("1234", 43), sealed, "salted");
        assert!(valid_pin("0000") && valid_pin("12345678"));
        assert!(!valid_pin("123") && !valid_pin("12a4") && !valid_pin("123456789"));
    }
}
