//! Recording a batch of attempt outcomes: the deliveries' new state (`record.sql`), the
//! webhooks' health as `health::judge` decides it (`health.sql`), failures for good kept for
//! recovery, the operational events they cause (disabled, failing, exhausted, recovered) and
//! the notifications to watchers, all in one transaction.

use std::time::{Duration, SystemTime};

use tokio_postgres::types::{Json, ToSql};
use tokio_postgres::Row;
use uuid::Uuid;

use super::deliveries::{DeliveryRules, Next, Outcome, Pipelined, Recorded};
use super::events::NewEvent;
use super::notify::{DELIVERY_CHANNEL, WATCH_LOCK};
use super::operational;
use super::watched::{notify_payloads, Watched};
use super::{Storage, StorageError};
use crate::announce::{Disabled, Failing};
use crate::catalog::TEST_EVENT;
use crate::health::{self, Breaker, Change, Health, Rules, Seen};
use crate::model::{DeliveryStatus, WebhookState};

/// One webhook of a recorded batch: its health before, what the batch showed, and the change
/// judged from them.
pub(super) struct Judged {
    pub webhook_id: Uuid,
    pub before: Health,
    pub seen: Seen,
    pub change: Option<Change>,
    /// The row of its first outcome (where its scope and target URL are read).
    first_row: usize,
}

impl Health {
    /// The health columns of a `record.sql` or `health_locked.sql` row.
    fn from_row(r: &Row) -> Result<Self, tokio_postgres::Error> {
        Ok(Health {
            state: r.try_get("webhook_state")?,
            failure_streak: r.try_get("failure_streak")?,
            failing_since: r.try_get("failing_since")?,
            breaker_until: r.try_get("breaker_until")?,
            warned: r.try_get("failing_warned")?,
        })
    }
}

impl Storage {
    /// Records outcomes in one transaction, whatever their number: one statement for the
    /// deliveries' new state (`record.sql`), then only where something else changed: the
    /// webhooks' health, failures for good kept for recovery, the operational events they
    /// cause (see `operational`): a webhook disabled, a delivery failed for good, a webhook
    /// recovered; and the notifications to watchers while any process has some
    /// (`WATCH_LOCK`). A batch of successes to healthy webhooks with nobody watching is one
    /// statement. Outcomes whose claim was lost are skipped. The histories that grew are
    /// pruned later (`prune_history`).
    pub async fn record(&self, outcomes: &[Outcome], rules: &DeliveryRules) -> Result<Recorded, StorageError> {
        let n = outcomes.len();
        let (mut ids, mut tokens, mut statuses, mut codes) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut times, mut durations, mut errors, mut headers) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut bodies, mut next_times, mut entries) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for o in outcomes {
            let (status, next_time) = match o.next {
                Next::Done(s) => (s, None),
                Next::RetryAt(t) => (DeliveryStatus::Pending, Some(t)),
            };
            ids.push(o.id);
            tokens.push(o.claim_token);
            statuses.push(status);
            codes.push(o.attempt.status_code);
            times.push(o.attempt.dispatch_time);
            durations.push(o.attempt.duration_ms);
            errors.push(o.attempt.error.as_str());
            headers.push(Json(&o.request_headers));
            bodies.push(o.attempt.response_body.as_slice());
            next_times.push(next_time);
            // A success is the delivery's last attempt, which its own columns hold.
            entries.push((status != DeliveryStatus::Success).then_some(Json(&o.attempt)));
        }
        // On the engine's connections: a lost outcome only means the delivery falls due
        // again when its lease ends (at least once), so the commit does not wait for the disk.
        let tx = Pipelined::new(self.engine_conn().await?);
        let c = tx.conn();
        let record = c.prepare_cached(include_str!("sql/record.sql")).await?;
        let params: [&(dyn ToSql + Sync); 12] = [
            &ids,
            &tokens,
            &statuses,
            &codes,
            &times,
            &durations,
            &errors,
            &headers,
            &bodies,
            &next_times,
            &entries,
            &WATCH_LOCK,
        ];
        let (begun, rows) = futures_util::join!(c.batch_execute("BEGIN"), c.query(&record, &params));
        begun?;
        let rows = rows?;
        if rows.len() < n {
            tracing::warn!(lost = n - rows.len(), "claims lost before their outcomes were recorded");
        }
        let recorded = rows.iter().map(Watched::from_row).collect::<Result<Vec<Watched>, tokio_postgres::Error>>()?;

        let health = Rules {
            breaker_threshold: rules.breaker_threshold,
            disable_after: rules.disable_after,
            warn_after: rules.failing_warning,
        };
        let mut judged = judge_rows(&rows, &recorded, &health)?;
        // Only where the health read with the outcomes says it changes: a batch of successes
        // to healthy webhooks writes (and locks) no webhook.
        if judged.iter().any(|j| j.change.is_some()) {
            write_health(c, &mut judged, &health, rules.breaker_cooldown).await?;
        }
        let exhausted: Vec<Uuid> = recorded
            .iter()
            .filter(|w| w.delivery.status == DeliveryStatus::Error && w.delivery.event_type != TEST_EVENT)
            .map(|w| w.delivery.id)
            .collect();
        if !exhausted.is_empty() {
            let keep = c.prepare_cached(include_str!("sql/record_failed.sql")).await?;
            c.execute(&keep, &[&exhausted]).await?;
        }

        let breakers_opened: Vec<Uuid> =
            judged.iter().filter(|j| j.change.as_ref().is_some_and(|c| c.opened)).map(|j| j.webhook_id).collect();
        let disabled: Vec<Disabled> = judged
            .iter()
            .filter_map(|j| {
                let (state, reason) = j.change.as_ref()?.state.as_ref()?;
                (*state == WebhookState::Disabled).then(|| {
                    let w = &recorded[j.first_row];
                    Disabled {
                        webhook_id: j.webhook_id,
                        scope: w.scope(),
                        target_url: rows[j.first_row].get("webhook_url"),
                        reason: reason.clone(),
                    }
                })
            })
            .collect();
        let mut events: Vec<NewEvent> = disabled.iter().map(operational::disabled).collect();
        events.extend(judged.iter().filter(|j| j.change.as_ref().is_some_and(|c| c.warning)).map(|j| {
            let change = j.change.as_ref().expect("filtered");
            let since = change.failing_since.unwrap_or(SystemTime::UNIX_EPOCH);
            operational::failing(&Failing {
                webhook_id: j.webhook_id,
                scope: recorded[j.first_row].scope(),
                target_url: rows[j.first_row].get("webhook_url"),
                failures: change.failure_streak,
                failing_since: since,
                disable_time: since + rules.disable_after,
            })
        }));
        events.extend(operational::announced(&rows, &recorded, &judged)?);
        if !events.is_empty() {
            Self::publish_in(c, &events).await?;
        }
        let completed: Vec<Uuid> = recorded
            .iter()
            .filter(|w| w.delivery.status != DeliveryStatus::Pending)
            .map(|w| w.delivery.webhook_id)
            .collect();
        // Watchers anywhere are told (a watch that began after the check above sees changes
        // committed after it); with none, nothing is notified.
        if rows.first().is_some_and(|r| r.get("watched")) {
            let payloads = notify_payloads(&recorded);
            let notify = c.prepare_cached("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p").await?;
            let notify_params: [&(dyn ToSql + Sync); 2] = [&DELIVERY_CHANNEL, &payloads];
            let (notified, committed) =
                futures_util::join!(c.execute(&notify, &notify_params), c.batch_execute("COMMIT"));
            // Had the notifications failed, the COMMIT after them rolled back.
            notified?;
            committed?;
        } else {
            c.batch_execute("COMMIT").await?;
        }
        tx.done();
        Ok(Recorded { breakers_opened, disabled, completed })
    }
}

/// Each webhook of the recorded `rows` (and their deliveries `recorded`) with its health
/// before, what its outcomes showed, and the change judged from them at the database's time.
fn judge_rows(rows: &[Row], recorded: &[Watched], rules: &Rules) -> Result<Vec<Judged>, tokio_postgres::Error> {
    let mut judged: Vec<Judged> = Vec::new();
    for (i, (r, w)) in rows.iter().zip(recorded).enumerate() {
        let d = &w.delivery;
        let k = match judged.iter().position(|j| j.webhook_id == d.webhook_id) {
            Some(k) => k,
            None => {
                judged.push(Judged {
                    webhook_id: d.webhook_id,
                    before: Health::from_row(r)?,
                    seen: Seen::default(),
                    change: None,
                    first_row: i,
                });
                judged.len() - 1
            }
        };
        let at = d.dispatch_time.unwrap_or(SystemTime::UNIX_EPOCH);
        judged[k].seen.add(d.status, d.status_code, at, &d.event_type);
    }
    if let Some(r) = rows.first() {
        let now: SystemTime = r.try_get("now")?;
        for j in &mut judged {
            j.change = health::judge(&j.before, &j.seen, rules, now);
        }
    }
    Ok(judged)
}

/// Writes the changes in `judged`: the webhooks that change are locked first, all in one
/// statement and in id order (two recorders of the same webhooks cannot deadlock), their
/// health read again and judged again (another recorder may have changed it since the
/// outcomes were recorded), then written.
async fn write_health(
    c: &deadpool_postgres::Object,
    judged: &mut [Judged],
    rules: &Rules,
    cooldown: Duration,
) -> Result<(), StorageError> {
    let ids: Vec<Uuid> = judged.iter().filter(|j| j.change.is_some()).map(|j| j.webhook_id).collect();
    let read = c.prepare_cached(include_str!("sql/health_locked.sql")).await?;
    for r in c.query(&read, &[&ids]).await? {
        let id: Uuid = r.try_get("id")?;
        let now: SystemTime = r.try_get("now")?;
        if let Some(j) = judged.iter_mut().find(|j| j.webhook_id == id) {
            j.before = Health::from_row(&r)?;
            j.change = health::judge(&j.before, &j.seen, rules, now);
        }
    }
    let changed: Vec<&Judged> = judged.iter().filter(|j| j.change.is_some()).collect();
    if changed.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(changed.len());
    let (mut streak, mut since, mut breaker, mut warned, mut state, mut reason) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for j in changed {
        let change = j.change.as_ref().expect("changed only");
        ids.push(j.webhook_id);
        streak.push(change.failure_streak);
        since.push(change.failing_since);
        breaker.push(match change.breaker {
            Breaker::Keep => 0i16,
            Breaker::Open => 1,
            Breaker::Close => 2,
        });
        warned.push(change.warned);
        state.push(change.state.as_ref().map(|(s, _)| *s));
        reason.push(change.state.as_ref().map(|(_, r)| r.as_str()));
    }
    let cooldown = cooldown.as_millis() as f64;
    let params: [&(dyn ToSql + Sync); 8] = [&ids, &streak, &since, &breaker, &warned, &state, &reason, &cooldown];
    let write = c.prepare_cached(include_str!("sql/health.sql")).await?;
    c.execute(&write, &params).await?;
    Ok(())
}
