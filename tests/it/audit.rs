//! The audit log: every change through the admin API, within the caller's scope only.

use std::time::{Duration, SystemTime};

use tonic::Code;
use webhookd_client::pb;

use crate::common::receiver::Receiver;
use crate::common::Role;
use crate::common::{ca_pem, new_webhook, scope, sql, TestServer};

async fn audit(
    client: &webhookd_client::Client,
    req: pb::ListAuditEventsRequest,
) -> Result<Vec<pb::AuditEvent>, tonic::Status> {
    let mut stream = client.admin().list_audit_events(req).await?.into_inner();
    let mut all = Vec::new();
    while let Some(e) = stream.message().await? {
        all.push(e);
    }
    Ok(all)
}

fn acme_tree() -> pb::ListAuditEventsRequest {
    pb::ListAuditEventsRequest { scope: scope("acme", ""), include_descendants: true, ..Default::default() }
}

#[tokio::test]
async fn every_admin_change_is_recorded_and_shown_only_within_scope() {
    let server = TestServer::start().await;
    let root = server.client_as(Some(&server.admin_token)).await;
    let rx = Receiver::ok().await;
    let made = root
        .create_token(pb::CreateTokenRequest {
            role: pb::TokenRole::Admin as i32,
            scope: scope("acme", ""),
            description: "acme admin".into(),
            expire_time: None,
        })
        .await
        .unwrap();
    let acme_id = made.token.as_ref().unwrap().id.clone();
    let acme = server.client_as(Some(&made.bearer_token)).await;

    // Changes by the acme admin: a webhook's whole life, a redelivery, a test ping, a token.
    let mut req = new_webhook(scope("acme", "web"), &rx.url("/audit"), &["tag_created"]);
    req.secret = "audit-secret-canary-1".into();
    req.ca_certificate = ca_pem();
    req.proxy_url = "http://user:proxy-canary-pw@proxy.example.com:3128/".into();
    let w = acme.admin().create_webhook(req).await.unwrap().into_inner();
    acme.admin()
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            secret: "audit-secret-canary-2".into(),
            events: vec!["tag_created".into(), "project_created".into()],
            proxy_url: String::new(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["secret".into(), "events".into(), "proxy_url".into(), "ca_certificate".into()],
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let ping =
        acme.admin().test_webhook(pb::TestWebhookRequest { webhook_id: w.id.clone() }).await.unwrap().into_inner();
    let again = acme
        .admin()
        .redeliver_event(pb::RedeliverEventRequest { delivery_id: ping.id.clone() })
        .await
        .unwrap()
        .into_inner();
    let publisher = acme
        .create_token(pb::CreateTokenRequest {
            role: pb::TokenRole::Publisher as i32,
            scope: scope("acme", "web"),
            ..Default::default()
        })
        .await
        .unwrap();
    let publisher_id = publisher.token.as_ref().unwrap().id.clone();
    acme.revoke_token(&publisher_id).await.unwrap();
    acme.admin().delete_webhook(pb::DeleteWebhookRequest { id: w.id.clone() }).await.unwrap();
    // Refused changes are not recorded.
    let refused = acme.admin().create_webhook(new_webhook(scope("globex", ""), &rx.url("/x"), &["tag_created"])).await;
    assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied);

    let events = audit(&acme, acme_tree()).await.unwrap();
    let actions: Vec<(&str, &str)> = events.iter().map(|e| (e.action.as_str(), e.resource_id.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("webhook.delete", w.id.as_str()),
            ("token.revoke", publisher_id.as_str()),
            ("token.create", publisher_id.as_str()),
            ("delivery.redeliver", again.id.as_str()),
            ("webhook.test", w.id.as_str()),
            ("webhook.update", w.id.as_str()),
            ("webhook.create", w.id.as_str()),
            ("token.create", acme_id.as_str()),
        ],
        "newest first"
    );
    let root_id = events.last().unwrap().token_id.clone();
    assert!(!root_id.is_empty() && root_id != acme_id, "the acme token was made by the root token");
    for e in &events[..7] {
        assert_eq!(e.token_id, acme_id, "{}", e.action);
        assert_eq!(e.actor_scope, scope("acme", ""));
    }
    let change = |i: usize, field: &str| events[i].changes.get(field).cloned();
    assert_eq!(events[6].scope, scope("acme", "web"));
    assert_eq!(change(6, "secret").as_deref(), Some("(set)"));
    assert_eq!(change(6, "ca_certificate").as_deref(), Some("(set)"));
    assert_eq!(change(6, "proxy_url").as_deref(), Some("http://user:****@proxy.example.com:3128/"));
    assert_eq!(change(6, "events").as_deref(), Some("tag_created"));
    assert_eq!(change(5, "secret").as_deref(), Some("(set)"));
    assert_eq!(change(5, "secret_grace_period").as_deref(), Some("1day"));
    assert_eq!(change(5, "events").as_deref(), Some("tag_created,project_created"));
    assert_eq!((change(5, "proxy_url").as_deref(), change(5, "ca_certificate").as_deref()), (Some(""), Some("")));
    assert_eq!(change(4, "delivery_id"), Some(ping.id.clone()));
    assert_eq!(change(3, "original_delivery_id"), Some(ping.id.clone()));
    assert_eq!(change(2, "role").as_deref(), Some("publisher"));
    let shown = format!("{events:?}");
    for canary in ["audit-secret-canary", "proxy-canary-pw", &made.bearer_token, &publisher.bearer_token] {
        assert!(!shown.contains(canary), "{canary} shown");
    }
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let stored: Vec<String> =
        db.query("SELECT changes::text FROM audit_events", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert!(stored.iter().all(|c| !c.contains("canary")), "{stored:?}");

    // Filters: a resource, a token, a time range, a limit.
    let by = |f: fn(&mut pb::ListAuditEventsRequest)| {
        let mut r = acme_tree();
        f(&mut r);
        r
    };
    let mut on_hook = acme_tree();
    on_hook.resource_id = w.id.clone();
    let on_hook = audit(&acme, on_hook).await.unwrap();
    let hook_actions: Vec<&str> = on_hook.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(hook_actions, ["webhook.delete", "webhook.test", "webhook.update", "webhook.create"]);
    let mut by_root = acme_tree();
    by_root.token_id = root_id.clone();
    assert_eq!(audit(&acme, by_root).await.unwrap().len(), 1);
    assert_eq!(audit(&acme, by(|r| r.limit = 2)).await.unwrap().len(), 2);
    let later = SystemTime::now() + Duration::from_secs(60);
    let mut future = acme_tree();
    future.start_time = Some(later.into());
    assert!(audit(&acme, future).await.unwrap().is_empty());
    let mut past = acme_tree();
    past.end_time = Some(events.last().unwrap().create_time.unwrap());
    assert!(audit(&acme, past).await.unwrap().is_empty(), "end_time is exclusive");
    for (field, req) in [
        ("resource_id", by(|r| r.resource_id = "nope".into())),
        ("token_id", by(|r| r.token_id = "nope".into())),
        ("limit", by(|r| r.limit = -1)),
    ] {
        let err = audit(&acme, req).await.unwrap_err();
        crate::common::assert_field_error(&err, Code::InvalidArgument, field);
    }

    // Other tenants see none of it, and cannot ask.
    let globex = root
        .create_token(pb::CreateTokenRequest {
            role: pb::TokenRole::Admin as i32,
            scope: scope("globex", ""),
            ..Default::default()
        })
        .await
        .unwrap();
    let globex = server.client_as(Some(&globex.bearer_token)).await;
    let theirs = audit(
        &globex,
        pb::ListAuditEventsRequest { scope: scope("globex", ""), include_descendants: true, ..Default::default() },
    )
    .await
    .unwrap();
    // Only the creation of their own token, none of acme's changes.
    let theirs: Vec<(&str, Option<pb::Scope>)> = theirs.iter().map(|e| (e.action.as_str(), e.scope.clone())).collect();
    assert_eq!(theirs, [("token.create", scope("globex", ""))]);
    assert_eq!(audit(&globex, acme_tree()).await.unwrap_err().code(), Code::PermissionDenied);
    assert_eq!(audit(&acme, Default::default()).await.unwrap_err().code(), Code::PermissionDenied);
    // The instance admin sees everything, its own globex token creation included.
    let all =
        audit(&root, pb::ListAuditEventsRequest { include_descendants: true, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), events.len() + 1);
    server.stop().await;
}

#[tokio::test]
async fn audit_records_past_their_retention_are_removed() {
    let url = crate::common::fresh_database().await;
    let storage = webhookd::storage::Storage::connect(url.parse().unwrap(), 2).await.unwrap();
    for _ in 0..3 {
        storage.insert_token(&webhookd::auth::new_token().1, Role::Admin, &Default::default(), "t").await.unwrap();
    }
    let db = sql(&url).await;
    db.execute(
        "UPDATE audit_events SET create_time = now() - interval '2 days' WHERE id IN (SELECT id FROM audit_events ORDER BY id LIMIT 2)",
        &[],
    )
    .await
    .unwrap();
    let removed = storage.purge_audit(Duration::from_secs(24 * 3600), 5_000).await.unwrap();
    assert_eq!(removed, 2);
    let left: i64 = db.query_one("SELECT count(*) FROM audit_events", &[]).await.unwrap().get(0);
    assert_eq!(left, 1);
}
