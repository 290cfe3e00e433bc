//! When Lumen may speak up on her own. Remarks come at natural moments (a programme starting
//! or ending, a reaction trigger, a long lull), never while the user is speaking or waiting
//! for an answer, at most once per cooldown (30 s by default), and within a daily budget; the
//! quiet level (off / reactions only / chatty) filters the moments. Reactions' gestures and
//! expressions have a cooldown of their own, shorter, because they are silent.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chattiness {
    /// Lumen says nothing on her own; she still reacts, silently (a cheer, a gasp).
    Off,
    /// Reactions (animation, and a line for the big ones), no small talk.
    ReactionsOnly,
    #[default]
    Chatty,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Moment {
    /// Companion mode was switched on.
    Greeting,
    ProgrammeStart,
    ProgrammeEnd,
    Reaction,
    /// Nothing has been said for a while.
    Lull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Say something (and animate).
    Speak,
    /// Animate only (a reaction whose line is not allowed now).
    Animate,
    /// Nothing.
    Skip(Why),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Quiet,
    UserSpeaking,
    Cooldown,
    Budget,
    TooSoon,
}

#[derive(Debug, Clone)]
pub struct Scheduler {
    pub level: Chattiness,
    /// Seconds between remarks.
    pub cooldown: f64,
    /// Remarks per day.
    pub budget: u32,
    /// Seconds between silent reactions.
    pub reaction_cooldown: f64,
    /// A lull is this long without a remark.
    pub lull_after: f64,
    last_remark: Option<f64>,
    last_reaction: Option<f64>,
    /// When a loudness burst was last reacted to (see [`Scheduler::named`]).
    last_burst: Option<f64>,
    spent: u32,
    day: i64,
    /// The user is talking (push-to-talk held) or waiting for Lumen's answer.
    busy: bool,
    busy_until: f64,
}

impl Default for Scheduler {
    fn default() -> Self {
        Self {
            level: Chattiness::Chatty,
            cooldown: 30.0,
            budget: 60,
            reaction_cooldown: 6.0,
            lull_after: 300.0,
            last_remark: None,
            last_reaction: None,
            last_burst: None,
            spent: 0,
            day: 0,
            busy: false,
            busy_until: f64::MIN,
        }
    }
}

impl Scheduler {
    /// The user started talking (or asked something and waits), or stopped; a remark waits a
    /// couple of seconds after they finish.
    pub fn user_busy(&mut self, busy: bool, now: f64) {
        if self.busy && !busy {
            self.busy_until = now + 2.0;
        }
        self.busy = busy;
    }

    /// Lumen spoke (a remark or an answer): the cooldown counts from here.
    pub fn spoke(&mut self, now: f64) {
        self.last_remark = Some(now);
    }

    /// A reaction offered: to a loudness `burst` (nothing yet says what it was), or to
    /// something named (a caption). A caption within the reaction cooldown of a burst reaction
    /// is the same moment, now named (the crowd's roar reached the speakers before the goal's
    /// caption reached the screen): where `offer` held it back for the cooldown, its gesture
    /// and face replace the burst's, once, without a second line (`Animate`).
    pub fn offer_reaction(&mut self, now: f64, day: i64, burst: bool) -> Decision {
        let decision = self.offer(&Moment::Reaction, now, day);
        if burst {
            if !matches!(decision, Decision::Skip(_)) {
                self.burst(now);
            }
            decision
        } else if decision == Decision::Skip(Why::Cooldown) && self.named(now) {
            Decision::Animate
        } else {
            decision
        }
    }

    /// The reaction just allowed was to a loudness burst.
    fn burst(&mut self, now: f64) {
        self.last_burst = Some(now);
    }

    /// Whether a caption now names the last burst reacted to (within the reaction cooldown),
    /// once.
    fn named(&mut self, now: f64) -> bool {
        let same = self
            .last_burst
            .is_some_and(|t| now - t < self.reaction_cooldown);
        if same {
            self.last_burst = None;
        }
        same
    }

    pub fn spent_today(&self) -> u32 {
        self.spent
    }

    /// May Lumen react to `moment` now? `day` is the local day number (the budget resets).
    /// A `Speak` is counted against the cooldown and budget at once.
    pub fn offer(&mut self, moment: &Moment, now: f64, day: i64) -> Decision {
        if day != self.day {
            self.day = day;
            self.spent = 0;
        }
        let reaction = *moment == Moment::Reaction;
        let allowed = match self.level {
            Chattiness::Off => reaction,
            Chattiness::ReactionsOnly => reaction || *moment == Moment::Greeting,
            Chattiness::Chatty => true,
        };
        if !allowed {
            return Decision::Skip(Why::Quiet);
        }
        if self.busy || now < self.busy_until {
            return Decision::Skip(Why::UserSpeaking);
        }
        if *moment == Moment::Lull && self.last_remark.is_some_and(|t| now - t < self.lull_after) {
            return Decision::Skip(Why::TooSoon);
        }
        let cooled = self.last_remark.is_none_or(|t| now - t >= self.cooldown);
        let budget = self.spent < self.budget;
        // Off keeps her lines to herself.
        let may_speak = self.level != Chattiness::Off;
        // A greeting answers the user's own request: no cooldown, but it counts.
        if may_speak && (cooled || *moment == Moment::Greeting) && budget {
            self.last_remark = Some(now);
            // Only a reaction holds back the next one (a goal's roar is the same moment); a
            // greeting just before a goal still leaves her the cheer.
            if reaction {
                self.last_reaction = Some(now);
            }
            self.spent += 1;
            return Decision::Speak;
        }
        if reaction
            && self
                .last_reaction
                .is_none_or(|t| now - t >= self.reaction_cooldown)
        {
            self.last_reaction = Some(now);
            return Decision::Animate;
        }
        Decision::Skip(if budget || !may_speak {
            Why::Cooldown
        } else {
            Why::Budget
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cooldown_between_remarks_and_silent_reactions_in_between() {
        let mut s = Scheduler::default();
        assert_eq!(s.offer(&Moment::ProgrammeStart, 0.0, 1), Decision::Speak);
        assert_eq!(
            s.offer(&Moment::ProgrammeEnd, 10.0, 1),
            Decision::Skip(Why::Cooldown)
        );
        // A goal 12 s later: she cheers, silently.
        assert_eq!(s.offer(&Moment::Reaction, 12.0, 1), Decision::Animate);
        // Another within the reaction cooldown: nothing.
        assert_eq!(
            s.offer(&Moment::Reaction, 14.0, 1),
            Decision::Skip(Why::Cooldown)
        );
        assert_eq!(s.offer(&Moment::Reaction, 30.5, 1), Decision::Speak);
    }

    #[test]
    fn the_daily_budget_runs_out_and_comes_back_tomorrow() {
        let mut s = Scheduler {
            budget: 3,
            ..Default::default()
        };
        let mut spoken = 0;
        for i in 0..10 {
            if s.offer(&Moment::ProgrammeStart, i as f64 * 60.0, 7) == Decision::Speak {
                spoken += 1;
            }
        }
        assert_eq!(spoken, 3);
        assert_eq!(
            s.offer(&Moment::ProgrammeStart, 900.0, 7),
            Decision::Skip(Why::Budget)
        );
        assert_eq!(s.offer(&Moment::ProgrammeStart, 960.0, 8), Decision::Speak);
    }

    #[test]
    fn never_over_the_user() {
        let mut s = Scheduler::default();
        s.user_busy(true, 100.0);
        assert_eq!(
            s.offer(&Moment::Reaction, 101.0, 1),
            Decision::Skip(Why::UserSpeaking)
        );
        assert_eq!(
            s.offer(&Moment::Greeting, 101.0, 1),
            Decision::Skip(Why::UserSpeaking)
        );
        s.user_busy(false, 103.0);
        // A moment's grace after they finish.
        assert_eq!(
            s.offer(&Moment::ProgrammeStart, 104.0, 1),
            Decision::Skip(Why::UserSpeaking)
        );
        assert_eq!(s.offer(&Moment::ProgrammeStart, 105.5, 1), Decision::Speak);
    }

    #[test]
    fn quiet_levels() {
        let mut off = Scheduler {
            level: Chattiness::Off,
            ..Default::default()
        };
        for m in [Moment::Greeting, Moment::Lull, Moment::ProgrammeStart] {
            assert_eq!(off.offer(&m, 1000.0, 1), Decision::Skip(Why::Quiet));
        }
        // Off still cheers a goal, without a word.
        assert_eq!(off.offer(&Moment::Reaction, 1000.0, 1), Decision::Animate);
        assert_eq!(off.spent_today(), 0);
        let mut reactions = Scheduler {
            level: Chattiness::ReactionsOnly,
            ..Default::default()
        };
        assert_eq!(
            reactions.offer(&Moment::ProgrammeStart, 0.0, 1),
            Decision::Skip(Why::Quiet)
        );
        assert_eq!(
            reactions.offer(&Moment::Lull, 500.0, 1),
            Decision::Skip(Why::Quiet)
        );
        assert_eq!(
            reactions.offer(&Moment::Reaction, 501.0, 1),
            Decision::Speak
        );
        let mut chatty = Scheduler::default();
        assert_eq!(chatty.offer(&Moment::Lull, 10.0, 1), Decision::Speak);
        // The next lull needs five quiet minutes, not just the cooldown.
        assert_eq!(
            chatty.offer(&Moment::Lull, 60.0, 1),
            Decision::Skip(Why::TooSoon)
        );
        assert_eq!(chatty.offer(&Moment::Lull, 320.0, 1), Decision::Speak);
    }

    #[test]
    fn a_goal_just_after_the_greeting_is_still_cheered() {
        let mut s = Scheduler::default();
        assert_eq!(s.offer(&Moment::Greeting, 0.0, 1), Decision::Speak);
        assert_eq!(s.offer(&Moment::Reaction, 2.0, 1), Decision::Animate);
        // Its roar, a moment later, is the same goal.
        assert_eq!(
            s.offer(&Moment::Reaction, 4.0, 1),
            Decision::Skip(Why::Cooldown)
        );
    }

    #[test]
    fn a_caption_after_the_roar_names_the_same_moment_once() {
        let mut s = Scheduler::default();
        // The roar first: she reacts to the burst.
        assert_eq!(s.offer(&Moment::Reaction, 10.0, 1), Decision::Speak);
        s.burst(10.0);
        // The goal's caption a second later is held back by the cooldown, but names it.
        assert_eq!(
            s.offer(&Moment::Reaction, 11.0, 1),
            Decision::Skip(Why::Cooldown)
        );
        assert!(s.named(11.0));
        // Once: a second caption of the same moment is not another reaction.
        assert!(!s.named(11.5));
        // A caption long after a burst is a moment of its own, for the cooldown to judge.
        s.burst(20.0);
        assert!(!s.named(30.0));
    }

    #[test]
    fn a_reaction_to_a_caption_after_a_roar_animates_once() {
        let mut s = Scheduler::default();
        assert_eq!(s.offer_reaction(10.0, 1, true), Decision::Speak);
        assert_eq!(s.offer_reaction(11.0, 1, false), Decision::Animate);
        assert_eq!(
            s.offer_reaction(11.5, 1, false),
            Decision::Skip(Why::Cooldown)
        );
        // A roar held back by the cooldown is nothing for a caption to name.
        let mut s = Scheduler::default();
        assert_eq!(s.offer_reaction(10.0, 1, false), Decision::Speak);
        assert_eq!(
            s.offer_reaction(10.5, 1, true),
            Decision::Skip(Why::Cooldown)
        );
        assert_eq!(
            s.offer_reaction(11.0, 1, false),
            Decision::Skip(Why::Cooldown)
        );
    }

    #[test]
    fn an_answer_counts_as_speaking() {
        let mut s = Scheduler::default();
        s.spoke(50.0);
        assert_eq!(
            s.offer(&Moment::ProgrammeStart, 60.0, 1),
            Decision::Skip(Why::Cooldown)
        );
    }
}
