//! What payload filters cost in the fan-out: publishes to a project holding `webhooks`
//! webhooks, none filtered, against the same project with half of them subscribed to the
//! event behind a filter that each event's payload matches for one of them.

use std::path::Path;
use std::time::{Duration, Instant};

use uuid::Uuid;
use webhookd::model::{Role, Scope};
use webhookd_client::pb;

use crate::history::copy;
use crate::load::ingest_client;
use crate::support::{self, ServerProcess};
use crate::{cpu, pct};

/// One side of the comparison.
pub struct Fanout {
    /// Publish call latency (one call at a time): p50, p99 ms.
    pub publish_ms: [f64; 2],
    /// PostgreSQL CPU per event over the publishes, ms.
    pub postgres_cpu_ms: f64,
    /// Deliveries each event fanned out to.
    pub deliveries: i32,
}

/// Seeds `webhooks` webhooks in project acme/web: one listening to `tag_created` unfiltered,
/// and, when `filtered`, half of them listening to it behind `{"customer": "c<i>"}`; the rest
/// listen to another event.
pub async fn seed(url: &str, webhooks: usize, filtered: bool, target: &str) {
    let db = support::sql(url).await;
    let mut buf = String::new();
    for i in 0..webhooks {
        let (events, filter) = match i {
            0 => ("tag_created", "\\N".to_string()),
            i if filtered && i <= webhooks / 2 => ("tag_created", format!(r#"{{"customer": "c{i}"}}"#)),
            _ => ("project_created", "\\N".to_string()),
        };
        buf.push_str(&format!(
            "{}\tacme\tweb\t{target}\t\\\\x62656e63682d736563726574\t{{{events}}}\t{filter}\n",
            Uuid::new_v4()
        ));
    }
    copy(&db, "COPY webhooks (id, company_id, project_id, target_url, secret, events, filter) FROM STDIN", buf).await;
    db.batch_execute("ANALYZE webhooks").await.unwrap();
}

/// Publishes `events` events one call at a time, each payload naming customer `c<k>` for `k`
/// going round the filtered half.
pub async fn publish(s: &ServerProcess, url: &str, pgdata: &Path, webhooks: usize, events: usize) -> Fanout {
    let token = support::mint_token(url, Role::Publisher, &Scope::new("acme", "web")).await;
    let mut ingest = ingest_client(s, &token);
    let request = |seq: usize| pb::PublishEventRequest {
        event_name: "tag_created".into(),
        scope: Some(pb::Scope { company_id: "acme".into(), project_id: "web".into() }),
        payload: format!(
            r#"{{"seq":{seq},"customer":"c{}","data":"{}"}}"#,
            1 + seq % (webhooks / 2).max(1),
            "x".repeat(100)
        ),
        ..Default::default()
    };
    // Warm the connection and the statement cache.
    for seq in 0..20 {
        ingest.publish_event(request(seq)).await.unwrap();
    }
    let before = cpu::cluster_processes(pgdata);
    let mut ms = Vec::with_capacity(events);
    let mut deliveries = 0;
    for seq in 0..events {
        let start = Instant::now();
        deliveries = ingest.publish_event(request(seq)).await.unwrap().into_inner().deliveries;
        ms.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let used: Duration = cpu::since(&before, &cpu::cluster_processes(pgdata)).values().sum();
    ms.sort_by(f64::total_cmp);
    Fanout {
        publish_ms: [pct(&ms, 0.50), pct(&ms, 0.99)],
        postgres_cpu_ms: used.as_secs_f64() * 1000.0 / events as f64,
        deliveries,
    }
}
