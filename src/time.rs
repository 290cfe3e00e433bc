//! The clock on the wall: Unix time now, and times of day in the viewer's time zone.
//!
//! The zone comes from the system's zone database (`TZ`, else `/etc/localtime`) through jiff,
//! and each time is converted with the offset in force *at that time*: a guide that crosses a
//! daylight-saving change shows the right hours on both sides of it.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// When Prism started (the first call, which `main` makes first thing).
pub fn launched() -> Instant {
    static LAUNCHED: OnceLock<Instant> = OnceLock::new();
    *LAUNCHED.get_or_init(Instant::now)
}

/// How long Prism has been running.
pub fn since_launch() -> Duration {
    launched().elapsed()
}

/// The viewer's time zone, read once.
fn zone() -> &'static TimeZone {
    static ZONE: OnceLock<TimeZone> = OnceLock::new();
    ZONE.get_or_init(TimeZone::system)
}

/// Seconds east of UTC in `zone` at Unix time `t`.
fn offset_in(zone: &TimeZone, t: i64) -> i64 {
    Timestamp::from_second(t).map_or(0, |ts| i64::from(zone.to_offset(ts).seconds()))
}

/// Seconds east of UTC of the viewer's zone at Unix time `t`.
pub fn local_offset(t: i64) -> i32 {
    offset_in(zone(), t) as i32
}

/// `HH:MM` of Unix time `t` in `zone`.
fn clock_in(zone: &TimeZone, t: i64) -> String {
    let s = (t + offset_in(zone, t)).rem_euclid(86_400);
    format!("{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// `HH:MM` of Unix time `t` in the viewer's time zone.
pub fn clock(t: i64) -> String {
    clock_in(zone(), t)
}

/// The viewer's calendar day of Unix time `t` (days since 1970-01-01, local), so daily
/// budgets roll over at local midnight.
pub fn local_day(t: i64) -> i64 {
    (t + offset_in(zone(), t)).div_euclid(86_400)
}

/// The weekday of Unix time `t` in the viewer's zone, abbreviated ("Mon").
pub fn weekday(t: i64) -> &'static str {
    // 1970-01-01 was a Thursday.
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    DAYS[local_day(t).rem_euclid(7) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london() -> TimeZone {
        // The system's database, as the app reads it (the test command installs tzdata).
        TimeZone::get("Europe/London").expect("tzdata: /usr/share/zoneinfo/Europe/London")
    }

    /// The clocks went back at 02:00 BST (01:00 UTC) on Sunday 26 October 2025: a guide that
    /// runs across it shows BST before and GMT after.
    #[test]
    fn a_guide_across_the_october_change_shows_local_hours_on_both_sides() {
        let z = london();
        let change = 1_761_440_400; // 2025-10-26T01:00:00Z
        assert_eq!(clock_in(&z, change - 3600), "01:00"); // 00:00Z, BST
        assert_eq!(clock_in(&z, change - 60), "01:59"); // 00:59Z, BST
        assert_eq!(clock_in(&z, change), "01:00"); // 01:00Z, GMT: the hour repeats
        assert_eq!(clock_in(&z, change + 5 * 3600), "06:00"); // 06:00Z, GMT
        // A fixed offset taken at start (the old `date +%z`) gets one side wrong.
        let fixed = offset_in(&z, change - 3600);
        assert_ne!(
            (change + 5 * 3600 + fixed).rem_euclid(86_400) / 3600,
            6,
            "the offset really changes across the night"
        );
    }

    #[test]
    fn the_spring_change_skips_an_hour() {
        let z = london();
        let change = 1_743_296_400; // 2025-03-30T01:00:00Z: 01:00 GMT becomes 02:00 BST
        assert_eq!(clock_in(&z, change - 60), "00:59");
        assert_eq!(clock_in(&z, change), "02:00");
    }

    #[test]
    fn utc_is_utc() {
        assert_eq!(clock_in(&TimeZone::UTC, 1_761_440_400), "01:00");
        assert_eq!(clock_in(&TimeZone::UTC, -60), "23:59");
    }
}
