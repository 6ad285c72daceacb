//! A webhook's health as recorded outcomes change it: its failure streak, its circuit breaker
//! and the states webhookd sets by itself. A pure function of the webhook's health before a
//! batch of outcomes, what the batch showed, the rules and the time, so that every rule is
//! tested by table here; storage reads the health, calls `judge` and writes what it returns.
//!
//! The rules: a success (a test ping's included) ends the failure streak and closes the
//! breaker; every other failed attempt lengthens the streak, and from `breaker_threshold`
//! failures in a row opens the breaker (again) for the cooldown. An ACTIVE webhook is
//! DISABLED when its target answered 410 Gone, or when it has failed with no success for
//! `disable_after`; a DISABLED one becomes ACTIVE again when a test ping succeeds. An ACTIVE
//! webhook failing with no success for `warn_after` is warned of once per failing streak
//! (`webhook_failing`), unless the same outcomes disable it.

use std::time::{Duration, SystemTime};

use crate::announce;
use crate::catalog::{is_operational, TEST_EVENT};
use crate::model::{DeliveryStatus, WebhookState};

/// The rules health is judged by (from `serve` flags).
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Failed attempts in a row that open the circuit breaker.
    pub breaker_threshold: i32,
    /// How long a webhook may fail with no success before it is disabled.
    pub disable_after: Duration,
    /// How long it may fail before it is warned of; `None` for never.
    pub warn_after: Option<Duration>,
}

/// A webhook's health, as its row keeps it.
#[allow(missing_docs)] // Plain data: the field names say what each holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub state: WebhookState,
    pub failure_streak: i32,
    /// The first failure of the current streak.
    pub failing_since: Option<SystemTime>,
    /// Until when the breaker is open; `None` when closed.
    pub breaker_until: Option<SystemTime>,
    /// The current failing streak was warned of.
    pub warned: bool,
}

/// What a batch of outcomes showed about one webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// Some attempt succeeded (a test ping's included).
    pub succeeded: bool,
    /// A test ping succeeded.
    pub test_succeeded: bool,
    /// Failed attempts, test pings aside.
    pub failures: i32,
    /// When the first of those was sent.
    pub first_failure: Option<SystemTime>,
    /// The target answered 410 Gone (test pings aside).
    pub gone: bool,
    /// Some delivery other than an operational event's succeeded: a recovery to announce,
    /// if the webhook was failing.
    pub recovering: bool,
}

impl Seen {
    /// Adds one outcome: the delivery's new status, the attempt's status code and send time,
    /// and the delivery's event type.
    pub fn add(&mut self, status: DeliveryStatus, status_code: i32, dispatch_time: SystemTime, event_type: &str) {
        let test = event_type == TEST_EVENT;
        if status == DeliveryStatus::Success {
            self.succeeded = true;
            self.test_succeeded |= test;
            self.recovering |= !is_operational(event_type);
        } else if !test {
            self.failures += 1;
            self.first_failure = Some(self.first_failure.map_or(dispatch_time, |t| t.min(dispatch_time)));
            self.gone |= status_code == 410;
        }
    }
}

/// What happens to the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaker {
    /// Left as it is.
    Keep,
    /// Opened (or kept open) for the cooldown from now.
    Open,
    /// Closed.
    Close,
}

/// A change to a webhook's health, and what it means for announcements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The new failure streak.
    pub failure_streak: i32,
    /// The new start of the streak.
    pub failing_since: Option<SystemTime>,
    /// The breaker's fate.
    pub breaker: Breaker,
    /// A new state and why, when the state changes.
    pub state: Option<(WebhookState, String)>,
    /// The breaker opened now, having been below the threshold.
    pub opened: bool,
    /// A success after failures (not an operational event's): announced as a recovery.
    pub recovered: bool,
    /// The failing streak is warned of (now or before).
    pub warned: bool,
    /// It is warned of now: `webhook_failing` is announced.
    pub warning: bool,
}

impl Change {
    /// Whether the webhook was disabled now.
    pub fn disabled(&self) -> bool {
        matches!(self.state, Some((WebhookState::Disabled, _)))
    }
}

/// The change `seen` makes to a webhook whose health was `before`, at `now`; `None` when the
/// webhook's row is left alone (a success on a healthy webhook writes nothing).
pub fn judge(before: &Health, seen: &Seen, rules: &Rules, now: SystemTime) -> Option<Change> {
    let failing = !seen.succeeded && seen.failures > 0;
    let unhealthy = before.failure_streak > 0
        || before.breaker_until.is_some()
        || before.state == WebhookState::Disabled
        || before.warned;
    if seen.failures == 0 && !(seen.succeeded && unhealthy) {
        return None;
    }
    let since = before.failing_since.or(seen.first_failure);
    let state = if before.state == WebhookState::Disabled && seen.test_succeeded {
        Some((WebhookState::Active, announce::ENABLED_BY_TEST.to_string()))
    } else if before.state == WebhookState::Active && seen.gone {
        Some((WebhookState::Disabled, announce::GONE.to_string()))
    } else if before.state == WebhookState::Active
        && failing
        && since.is_some_and(|t| t <= now.checked_sub(rules.disable_after).unwrap_or(SystemTime::UNIX_EPOCH))
    {
        Some((WebhookState::Disabled, announce::failing_since(since.expect("checked above"))))
    } else {
        None
    };
    let streak = if seen.succeeded { 0 } else { before.failure_streak.saturating_add(seen.failures) };
    let long = |d: Duration| since.is_some_and(|t| t <= now.checked_sub(d).unwrap_or(SystemTime::UNIX_EPOCH));
    let warning = failing
        && before.state == WebhookState::Active
        && state.is_none()
        && !before.warned
        && rules.warn_after.is_some_and(long);
    Some(Change {
        failure_streak: streak,
        failing_since: if seen.succeeded { None } else { since },
        breaker: if seen.succeeded {
            Breaker::Close
        } else if streak >= rules.breaker_threshold {
            Breaker::Open
        } else {
            Breaker::Keep
        },
        state,
        opened: failing && before.failure_streak < rules.breaker_threshold && streak >= rules.breaker_threshold,
        recovered: seen.recovering && before.failure_streak > 0,
        warned: !seen.succeeded && (before.warned || warning),
        warning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeliveryStatus::{Error, Pending, Success};

    const RULES: Rules = Rules { breaker_threshold: 3, disable_after: Duration::from_secs(3600), warn_after: None };

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
    }

    fn healthy() -> Health {
        Health {
            state: WebhookState::Active,
            failure_streak: 0,
            failing_since: None,
            breaker_until: None,
            warned: false,
        }
    }

    fn failing(streak: i32, since: u64) -> Health {
        Health { failure_streak: streak, failing_since: Some(at(since)), ..healthy() }
    }

    /// What outcomes (status, code, event type), all sent at `at(10)`, showed.
    fn seen(outcomes: &[(DeliveryStatus, i32, &str)]) -> Seen {
        let mut s = Seen::default();
        for (status, code, event) in outcomes {
            s.add(*status, *code, at(10), event);
        }
        s
    }

    #[test]
    fn outcomes_add_up_per_webhook() {
        let s =
            seen(&[(Pending, 500, "e"), (Error, 410, "e"), (Success, 200, "webhook_test"), (Error, 0, "webhook_test")]);
        assert_eq!(
            s,
            Seen {
                succeeded: true,
                test_succeeded: true,
                failures: 2,
                first_failure: Some(at(10)),
                gone: true,
                recovering: true,
            }
        );
        assert!(!seen(&[(Success, 200, "delivery_exhausted")]).recovering, "operational events never recover");
        let mut early = seen(&[(Pending, 500, "e")]);
        early.add(Pending, 500, at(5), "e");
        assert_eq!(early.first_failure, Some(at(5)));
    }

    #[test]
    fn the_rules_by_table() {
        let now = at(100);
        let disabled = Health { state: WebhookState::Disabled, ..failing(9, 0) };
        let paused = Health { state: WebhookState::Paused, ..healthy() };
        let open = Health { breaker_until: Some(at(50)), ..failing(3, 0) };
        let since_long_ago = failing(1, 0);
        let old = Rules { disable_after: Duration::from_secs(60), ..RULES };
        // (before, outcomes, rules, expected: streak, since, breaker, new state, opened, recovered)
        type Row<'a> = (&'a str, Health, Vec<(DeliveryStatus, i32, &'a str)>, Rules, Option<Change>);
        let change = |streak, since: Option<u64>, breaker, state: Option<(WebhookState, &str)>, opened, recovered| {
            Some(Change {
                failure_streak: streak,
                failing_since: since.map(at),
                breaker,
                state: state.map(|(s, r)| (s, r.to_string())),
                opened,
                recovered,
                warned: false,
                warning: false,
            })
        };
        let table: Vec<Row> = vec![
            ("success, healthy: nothing written", healthy(), vec![(Success, 200, "e")], RULES, None),
            ("nothing failed nor succeeded", healthy(), vec![], RULES, None),
            ("a test ping failing: nothing", healthy(), vec![(Error, 500, TEST_EVENT)], RULES, None),
            (
                "first failure starts the streak",
                healthy(),
                vec![(Pending, 500, "e")],
                RULES,
                change(1, Some(10), Breaker::Keep, None, false, false),
            ),
            (
                "the threshold opens the breaker once",
                failing(2, 0),
                vec![(Pending, 500, "e")],
                RULES,
                change(3, Some(0), Breaker::Open, None, true, false),
            ),
            (
                "past the threshold it reopens, not announced",
                open.clone(),
                vec![(Pending, 500, "e")],
                RULES,
                change(4, Some(0), Breaker::Open, None, false, false),
            ),
            (
                "a success closes it and recovers",
                open.clone(),
                vec![(Success, 200, "e")],
                RULES,
                change(0, None, Breaker::Close, None, false, true),
            ),
            (
                "a success beside failures in one batch wins",
                failing(2, 0),
                vec![(Pending, 500, "e"), (Success, 200, "e")],
                RULES,
                change(0, None, Breaker::Close, None, false, true),
            ),
            (
                "an operational event's success closes but is no recovery",
                failing(2, 0),
                vec![(Success, 200, "webhook_disabled")],
                RULES,
                change(0, None, Breaker::Close, None, false, false),
            ),
            (
                "410 disables an active webhook",
                healthy(),
                vec![(Error, 410, "e")],
                RULES,
                change(1, Some(10), Breaker::Keep, Some((WebhookState::Disabled, announce::GONE)), false, false),
            ),
            (
                "410 leaves a paused webhook paused",
                paused,
                vec![(Error, 410, "e")],
                RULES,
                change(1, Some(10), Breaker::Keep, None, false, false),
            ),
            (
                "failing for longer than disable_after disables",
                since_long_ago.clone(),
                vec![(Pending, 500, "e")],
                old,
                change(
                    2,
                    Some(0),
                    Breaker::Keep,
                    Some((WebhookState::Disabled, "no delivery succeeded since 2027-01-15T08:00:00Z")),
                    false,
                    false,
                ),
            ),
            (
                "not yet that long",
                since_long_ago,
                vec![(Pending, 500, "e")],
                RULES,
                change(2, Some(0), Breaker::Keep, None, false, false),
            ),
            (
                "a test ping's success enables a disabled webhook",
                disabled.clone(),
                vec![(Success, 200, TEST_EVENT)],
                RULES,
                change(0, None, Breaker::Close, Some((WebhookState::Active, announce::ENABLED_BY_TEST)), false, true),
            ),
            (
                "another success does not enable it",
                disabled,
                vec![(Success, 200, "e")],
                RULES,
                change(0, None, Breaker::Close, None, false, true),
            ),
        ];
        for (name, before, outcomes, rules, expected) in table {
            assert_eq!(judge(&before, &seen(&outcomes), &rules, now), expected, "{name}");
        }
    }

    #[test]
    fn disabling_is_reported_by_the_change() {
        let c = judge(&healthy(), &seen(&[(Error, 410, "e")]), &RULES, at(100)).unwrap();
        assert!(c.disabled());
        let c = judge(&healthy(), &seen(&[(Error, 500, "e")]), &RULES, at(100)).unwrap();
        assert!(!c.disabled());
    }

    #[test]
    fn a_failing_streak_is_warned_of_once_and_the_warning_ends_with_it() {
        let rules = Rules { warn_after: Some(Duration::from_secs(60)), ..RULES };
        let now = at(100);
        let fail = seen(&[(Pending, 500, "e")]);
        // Failing since at(0), 100 s ago: past the warning, not the disabling.
        let c = judge(&failing(2, 0), &fail, &rules, now).unwrap();
        assert!(c.warning && c.warned && c.state.is_none());
        // Warned already: not again.
        let warned = Health { warned: true, ..failing(3, 0) };
        let c = judge(&warned, &fail, &rules, now).unwrap();
        assert!(!c.warning && c.warned);
        // Too recent to warn; or the warning is off.
        assert!(!judge(&failing(2, 50), &fail, &rules, now).unwrap().warning);
        assert!(!judge(&failing(2, 0), &fail, &RULES, now).unwrap().warning);
        // Disabled by the same outcomes: the disabling says it all.
        let both = Rules { disable_after: Duration::from_secs(90), ..rules };
        let c = judge(&failing(2, 0), &fail, &both, now).unwrap();
        assert!(c.disabled() && !c.warning);
        // A paused webhook is not warned of.
        let paused = Health { state: WebhookState::Paused, ..failing(2, 0) };
        assert!(!judge(&paused, &fail, &rules, now).unwrap().warning);
        // A success ends the streak and its warning, and is a write even on a warned webhook.
        let c = judge(&warned, &seen(&[(Success, 200, "e")]), &rules, now).unwrap();
        assert!(!c.warned && !c.warning && c.failure_streak == 0);
    }
}
