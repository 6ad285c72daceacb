//! ListEventHistory on a seeded table of deliveries, with the query plans.

use std::time::Instant;

use bytes::Bytes;
use futures_util::SinkExt;
use uuid::Uuid;
use webhookd::model::Role;
use webhookd_client::pb;

use crate::load::admin_client;
use crate::pct;
use crate::support::{self, ServerProcess};

/// Seeds webhooks, events and `rows` deliveries with COPY; returns the webhook ids.
pub async fn seed(url: &str, rows: usize, webhooks: usize) -> Vec<Uuid> {
    let started = Instant::now();
    let db = support::sql(url).await;
    let ids: Vec<Uuid> = (0..webhooks).map(|_| Uuid::new_v4()).collect();
    let events: Vec<Uuid> = (0..rows.div_ceil(10)).map(|_| Uuid::now_v7()).collect();
    let types = ["project_created", "tag_created", "service_created", "configuration_saved"];
    let base = 1_750_000_000u64;

    let mut buf = String::new();
    for (i, id) in ids.iter().enumerate() {
        buf.push_str(&format!(
            "{id}\tc{}\t\thttps://example.com/h{i}\t\\\\x62656e63682d736563726574\t{{project_created,tag_created,service_created,configuration_saved}}\n",
            i % 100
        ));
    }
    copy(&db, "COPY webhooks (id, company_id, project_id, target_url, secret, events) FROM STDIN", buf).await;

    let mut buf = String::new();
    for (i, id) in events.iter().enumerate() {
        buf.push_str(&format!("{id}\t{}\t{}\t{{}}\n", types[i % 4], base * 1000 + i as u64));
    }
    copy(&db, "COPY events (id, event_name, event_timestamp, body) FROM STDIN", buf).await;

    let mut buf = String::with_capacity(64 << 20);
    let mut sent = 0;
    for i in 0..rows {
        // Row k of a webhook: 1 % pending, 9 % errors, the rest successes, over four event types.
        let k = i / webhooks;
        let (status, code) = match k % 100 {
            0 => (1, 0),
            1..=9 => (3, [500, 404, 0][k % 3]),
            _ => (2, 200),
        };
        // Pending rows have no dispatch time and are due far in the future.
        let (dispatch, due) = if status == 1 {
            ("\\N".to_string(), fmt_ts(base + 100_000_000))
        } else {
            (fmt_ts(base + (i as u64) / 20), "\\N".to_string())
        };
        buf.push_str(&format!(
            "{}\t{}\t{}\t{}\t{status}\t{code}\t{dispatch}\t1\t{due}\n",
            Uuid::new_v4(),
            ids[i % webhooks],
            events[i / 10],
            types[k % 4],
        ));
        if buf.len() > 32 << 20 || i + 1 == rows {
            copy(
                &db,
                "COPY deliveries (id, webhook_id, event_id, event_type, status, status_code, dispatch_time, attempts, next_attempt_time) FROM STDIN",
                std::mem::take(&mut buf),
            )
            .await;
            sent = i + 1;
        }
    }
    assert_eq!(sent, rows);
    db.batch_execute("ANALYZE webhooks; ANALYZE events; ANALYZE deliveries;").await.unwrap();
    eprintln!("seeded {rows} deliveries over {webhooks} webhooks in {:.1} s", started.elapsed().as_secs_f64());
    ids
}

/// Waits until the server has sealed the seeded webhooks (written in plain, as before
/// sealing), so that its background sealing does not overlap the timed queries.
pub async fn wait_sealed(url: &str) {
    let db = support::sql(url).await;
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let left: i64 =
            db.query_one("SELECT count(*) FROM webhooks WHERE secret_key_id IS NULL", &[]).await.unwrap().get(0);
        if left == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{left} webhooks still unsealed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `YYYY-MM-DD HH:MM:SS+00` of a Unix time (days-to-civil conversion, proleptic Gregorian).
pub fn fmt_ts(unix: u64) -> String {
    let (days, secs) = ((unix / 86_400) as i64, unix % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}+00", secs / 3600, secs / 60 % 60, secs % 60)
}

pub async fn copy(db: &tokio_postgres::Client, sql: &str, data: String) {
    let sink = db.copy_in::<_, Bytes>(sql).await.unwrap();
    futures_util::pin_mut!(sink);
    sink.send(Bytes::from(data)).await.unwrap();
    sink.as_mut().finish().await.unwrap();
}

/// Times filtered ListEventHistory calls over random webhooks: [p50, p99] ms, and the plan.
pub async fn latency(s: &ServerProcess, url: &str, ids: &[Uuid], queries: usize) -> ([f64; 2], String) {
    let token = support::mint_token(url, Role::Admin, &Default::default()).await;
    let mut admin = admin_client(s, &token);
    let types = ["project_created", "tag_created", "service_created", "configuration_saved"];
    let mut ms = Vec::with_capacity(queries);
    for q in 0..queries {
        let id = ids[(q * 7919) % ids.len()];
        let req = pb::ListEventHistoryRequest {
            webhook_id: id.to_string(),
            event_types: vec![types[q % 4].into()],
            status: if q % 2 == 0 { pb::DeliveryStatus::Success as i32 } else { 0 },
            order: (q % 3) as i32,
            limit: 50,
            ..Default::default()
        };
        let started = Instant::now();
        let mut stream = admin.list_event_history(req).await.unwrap().into_inner();
        while stream.message().await.unwrap().is_some() {}
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    // The plans of a filtered listing and of the default, unfiltered one.
    let sql = webhookd::storage::history::HISTORY_NEWEST.trim_end();
    let mut plan = String::new();
    for (types, status) in [("ARRAY['project_created']", "2"), ("ARRAY[]::text[]", "NULL")] {
        plan.push_str(
            &explain(
                url,
                &format!(
                    "PREPARE h(uuid, text[], int2, int4[], int8, int8) AS {sql};\nEXPLAIN (ANALYZE, BUFFERS) EXECUTE h('{}', {types}, {status}, ARRAY[]::int4[], 50, 200);\nDEALLOCATE h",
                    ids[0]
                ),
                "",
            )
            .await,
        );
        plan.push('\n');
    }
    ([pct(&ms, 0.5), pct(&ms, 0.99)], plan)
}

pub fn claim_sql() -> String {
    include_str!("../src/storage/sql/claim.sql")
        .replace("$1", "256")
        .replace("$2", "60000")
        .replace("$3", "'00000000-0000-0000-0000-000000000000'::uuid")
        .replace("$4", "'00000000-0000-0000-0000-000000000000'::uuid")
        .replace("$5", "512")
        .replace("$6", "64")
        .replace("$7", "10")
        .replace("$8", "10000")
        .replace("$9", "'{}'::uuid[]")
}

/// Runs `prefix || sql` (an EXPLAIN) and returns the plan text.
pub async fn explain(url: &str, prefix: &str, sql: &str) -> String {
    let db = support::sql(url).await;
    let mut out = String::new();
    for m in db.simple_query(&format!("{prefix}{sql}")).await.unwrap() {
        if let tokio_postgres::SimpleQueryMessage::Row(r) = m {
            out.push_str(r.get(0).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}
