//! WebhookAdmin CRUD, validation, update masks and pagination.

use tonic::Code;
use webhookd_client::pb;

use crate::common::{assert_field_error, ca_pem, new_webhook, scope, sql, TestServer};

#[tokio::test]
async fn crud_happy_path() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;

    let mut req = new_webhook(
        scope("acme", "web"),
        "https://hooks.example.com/in",
        &["tag_created", "project_created", "tag_created"],
    );
    req.ca_certificate = ca_pem();
    req.proxy_url = "http://user:pw@proxy.internal:3128".into();
    let created = admin.create_webhook(req.clone()).await.unwrap().into_inner();
    assert!(uuid::Uuid::parse_str(&created.id).is_ok());
    assert_eq!(created.scope, scope("acme", "web"));
    assert_eq!(created.target_url, "https://hooks.example.com/in");
    assert_eq!(created.events, vec!["tag_created", "project_created"], "duplicates removed, order kept");
    assert_eq!(created.ca_certificate, req.ca_certificate);
    assert_eq!(created.proxy_url, "http://user:****@proxy.internal:3128/", "proxy password redacted");
    assert!(created.last_event.is_none());
    assert!(created.create_time.is_some() && created.update_time.is_some());

    let got = admin.get_webhook(pb::GetWebhookRequest { id: created.id.clone() }).await.unwrap().into_inner();
    assert_eq!(got, created);

    let updated = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: created.id.clone(),
            target_url: "https://other.example.com/x".into(),
            events: vec!["service_created".into()],
            update_mask: Some(prost_types::FieldMask { paths: vec!["target_url".into()] }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.target_url, "https://other.example.com/x");
    assert_eq!(updated.events, created.events, "events not in the mask stay");
    let t = |ts: &Option<prost_types::Timestamp>| ts.map(|t| (t.seconds, t.nanos)).unwrap();
    assert!(t(&updated.update_time) >= t(&created.update_time));
    assert_eq!(updated.create_time, created.create_time);

    let list = admin
        .list_webhooks(pb::ListWebhooksRequest { scope: scope("acme", "web"), ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.webhooks.len(), 1);
    assert_eq!(list.webhooks[0].id, created.id);
    assert!(list.next_page_token.is_empty());

    admin.delete_webhook(pb::DeleteWebhookRequest { id: created.id.clone() }).await.unwrap();
    let err = admin.get_webhook(pb::GetWebhookRequest { id: created.id.clone() }).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = admin.delete_webhook(pb::DeleteWebhookRequest { id: created.id.clone() }).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: created.id,
            target_url: "https://a.b/".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    let types = admin.list_event_types(pb::ListEventTypesRequest {}).await.unwrap().into_inner();
    let names: Vec<_> = types.event_types.iter().map(|e| e.name.as_str()).collect();
    for n in [
        "project_created",
        "service_created",
        "tag_created",
        "configuration_saved",
        "company_user_added",
        "company_user_edited",
        "company_user_removed",
        "project_user_added",
        "project_user_removed",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    assert!(types.event_types.iter().all(|e| !e.description.is_empty()));
    server.stop().await;
}

#[tokio::test]
async fn every_validation_rule_names_its_field_and_writes_nothing() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ok = || new_webhook(scope("acme", ""), "https://hooks.example.com/in", &["tag_created"]);
    type Mutate = Box<dyn Fn(&mut pb::CreateWebhookRequest)>;
    let cases: Vec<(&str, Mutate)> = vec![
        ("target_url", Box::new(|r| r.target_url = String::new())),
        ("target_url", Box::new(|r| r.target_url = "not a url".into())),
        ("target_url", Box::new(|r| r.target_url = "/relative/path".into())),
        ("target_url", Box::new(|r| r.target_url = "ftp://example.com/x".into())),
        ("target_url", Box::new(|r| r.target_url = "https://u:p@example.com/".into())),
        ("target_url", Box::new(|r| r.target_url = format!("https://example.com/{}", "a".repeat(2048)))),
        // Not clean: each would be silently rewritten into another URL.
        ("target_url", Box::new(|r| r.target_url = "http:///path".into())),
        ("target_url", Box::new(|r| r.target_url = "http://exa\r\nmple.com/".into())),
        ("target_url", Box::new(|r| r.target_url = "http://example.com/a\tb".into())),
        ("target_url", Box::new(|r| r.target_url = "http://example.com\\in".into())),
        ("target_url", Box::new(|r| r.target_url = "http://example.com:0/".into())),
        // Literal non-public addresses (this server allows only loopback).
        ("target_url", Box::new(|r| r.target_url = "http://169.254.169.254/latest/meta-data".into())),
        ("target_url", Box::new(|r| r.target_url = "http://10.0.0.1/".into())),
        ("target_url", Box::new(|r| r.target_url = "http://[fe80::1]/".into())),
        ("secret", Box::new(|r| r.secret = String::new())),
        ("secret", Box::new(|r| r.secret = "short".into())),
        ("secret", Box::new(|r| r.secret = "x".repeat(513))),
        ("events", Box::new(|r| r.events.clear())),
        ("events", Box::new(|r| r.events = vec!["tag_created".into(), "no_such_event".into()])),
        ("ca_certificate", Box::new(|r| r.ca_certificate = "not pem".into())),
        (
            "ca_certificate",
            Box::new(|r| {
                r.ca_certificate = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n".into()
            }),
        ),
        ("ca_certificate", Box::new(|r| r.ca_certificate = ca_pem().repeat(70 * 1024 / ca_pem().len() + 1))),
        (
            "ca_certificate",
            Box::new(|r| {
                let key = rcgen::KeyPair::generate().unwrap().serialize_pem();
                r.ca_certificate = format!("{}{key}", ca_pem());
            }),
        ),
        ("proxy_url", Box::new(|r| r.proxy_url = "https://proxy:3128".into())),
        ("proxy_url", Box::new(|r| r.proxy_url = "socks5://proxy:1080".into())),
        ("proxy_url", Box::new(|r| r.proxy_url = "proxy:3128".into())),
        ("scope.project_id", Box::new(|r| r.scope = scope("", "web"))),
        ("scope.company_id", Box::new(|r| r.scope = scope("ac/me", ""))),
        ("scope.company_id", Box::new(|r| r.scope = scope(&"a".repeat(129), ""))),
        ("scope.project_id", Box::new(|r| r.scope = scope("acme", "we b"))),
    ];
    for (field, mutate) in &cases {
        let mut req = ok();
        mutate(&mut req);
        let err = admin.create_webhook(req).await.expect_err(field);
        assert_field_error(&err, Code::InvalidArgument, field);
    }
    let err = admin.create_webhook(new_webhook(None, "https://a.example.com/", &["no_such_event"])).await.unwrap_err();
    assert!(err.message().contains("no_such_event"), "{err:?}");

    let db = sql(server.database_url.as_deref().unwrap()).await;
    let n: i64 = db.query_one("SELECT count(*) FROM webhooks", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "rejected requests wrote nothing");

    // The same valid request passes, so the cases above failed for their field alone.
    admin.create_webhook(ok()).await.unwrap();
    // A URL is stored exactly as accepted.
    let mut bare = ok();
    bare.target_url = "https://hooks.example.com".into();
    assert_eq!(admin.create_webhook(bare).await.unwrap().into_inner().target_url, "https://hooks.example.com");
    let mut with_ca = ok();
    with_ca.ca_certificate = format!("{}{}", ca_pem(), ca_pem());
    admin.create_webhook(with_ca).await.unwrap();

    for (field, id) in [("id", ""), ("id", "nope")] {
        let err = admin.get_webhook(pb::GetWebhookRequest { id: id.into() }).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
    }
    let err = admin.get_webhook(pb::GetWebhookRequest { id: uuid::Uuid::new_v4().to_string() }).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = admin
        .list_webhooks(pb::ListWebhooksRequest { events: vec!["bogus".into()], ..Default::default() })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "events");
    server.stop().await;
}

#[tokio::test]
async fn update_mask_semantics() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let storage = webhookd::storage::Storage::connect(server.database_url.as_deref().unwrap().parse().unwrap(), 2)
        .await
        .unwrap()
        .with_keys(crate::common::support::test_keys());
    let secret_of = |id: String| {
        let storage = &storage;
        async move {
            let id = uuid::Uuid::parse_str(&id).unwrap();
            storage.webhook_secret(id).await.unwrap().unwrap().expose().to_vec()
        }
    };
    let mut req = new_webhook(None, "https://a.example.com/", &["tag_created"]);
    req.ca_certificate = ca_pem();
    req.proxy_url = "http://proxy.internal:3128/".into();
    let w = admin.create_webhook(req.clone()).await.unwrap().into_inner();
    assert_eq!(secret_of(w.id.clone()).await, req.secret.as_bytes());

    let mask = |paths: &[&str]| Some(prost_types::FieldMask { paths: paths.iter().map(|p| p.to_string()).collect() });

    // Naming `secret` in the mask asks for a new one: an empty secret there is refused
    // and changes nothing.
    let err = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            events: vec!["project_created".into(), "service_created".into()],
            update_mask: mask(&["events", "secret"]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_field_error(&err, tonic::Code::InvalidArgument, "secret");
    let unchanged = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(unchanged, w, "a refused update changes nothing");

    // Editing without a secret keeps the old one.
    let u = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            events: vec!["project_created".into(), "service_created".into()],
            update_mask: mask(&["events"]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(u.events, vec!["project_created", "service_created"]);
    assert_eq!(secret_of(w.id.clone()).await, req.secret.as_bytes());

    // A given secret replaces it.
    admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            secret: "a-brand-new-secret".into(),
            update_mask: mask(&["secret"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(secret_of(w.id.clone()).await, b"a-brand-new-secret");

    // Without a mask, only the fields given change.
    let u = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            target_url: "https://b.example.com/".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(u.target_url, "https://b.example.com/");
    assert_eq!(u.ca_certificate, req.ca_certificate);
    assert_eq!(u.proxy_url, req.proxy_url);
    assert_eq!(secret_of(w.id.clone()).await, b"a-brand-new-secret");

    // Clearing CA and proxy through the mask removes them.
    let u = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            update_mask: mask(&["ca_certificate", "proxy_url"]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(u.ca_certificate, "");
    assert_eq!(u.proxy_url, "");
    let id = uuid::Uuid::parse_str(&w.id).unwrap();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let row = db
        .query_one("SELECT ca_certificate, proxy_url, proxy_url_sealed FROM webhooks WHERE id = $1", &[&id])
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<String>>(0), None);
    assert_eq!(row.get::<_, Option<String>>(1), None);
    assert_eq!(row.get::<_, Option<Vec<u8>>>(2), None);

    // Bad values and bad paths are rejected and change nothing.
    let cases = [
        (
            "update_mask",
            pb::UpdateWebhookRequest { id: w.id.clone(), update_mask: mask(&["scope"]), ..Default::default() },
        ),
        ("events", pb::UpdateWebhookRequest { id: w.id.clone(), update_mask: mask(&["events"]), ..Default::default() }),
        (
            "target_url",
            pb::UpdateWebhookRequest { id: w.id.clone(), update_mask: mask(&["target_url"]), ..Default::default() },
        ),
        ("secret", pb::UpdateWebhookRequest { id: w.id.clone(), secret: "short".into(), ..Default::default() }),
        (
            "ca_certificate",
            pb::UpdateWebhookRequest { id: w.id.clone(), ca_certificate: "junk".into(), ..Default::default() },
        ),
    ];
    for (field, req) in cases {
        let err = admin.update_webhook(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
    }
    let after = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(after, u);
    server.stop().await;
}

#[tokio::test]
async fn pagination_with_an_event_filter() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut tagged = Vec::new();
    for i in 0..9 {
        let events: &[&str] = if i % 3 == 0 { &["project_created"] } else { &["tag_created", "service_created"] };
        let w = admin
            .create_webhook(new_webhook(scope("acme", ""), &format!("https://h{i}.example.com/"), events))
            .await
            .unwrap()
            .into_inner();
        if i % 3 != 0 {
            tagged.push(w.id);
        }
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = admin
            .list_webhooks(pb::ListWebhooksRequest {
                scope: scope("acme", ""),
                events: vec!["tag_created".into(), "configuration_saved".into()],
                page_size: 4,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        assert!(page.webhooks.len() <= 4);
        seen.extend(page.webhooks.into_iter().map(|w| w.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, tagged, "every match once, in creation order");

    // A token only works with the query that produced it.
    let first = admin
        .list_webhooks(pb::ListWebhooksRequest { scope: scope("acme", ""), page_size: 2, ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.webhooks.len(), 2);
    let err = admin
        .list_webhooks(pb::ListWebhooksRequest {
            scope: scope("acme", ""),
            events: vec!["tag_created".into()],
            page_token: first.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "page_token");
    let err = admin
        .list_webhooks(pb::ListWebhooksRequest { page_token: "garbage!".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "page_token");
    let err = admin.list_webhooks(pb::ListWebhooksRequest { page_size: -1, ..Default::default() }).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "page_size");
    server.stop().await;
}

#[tokio::test]
async fn listing_by_scope_and_descendants() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut ids = std::collections::HashMap::new();
    for (name, s) in [
        ("instance", None),
        ("acme", scope("acme", "")),
        ("acme/web", scope("acme", "web")),
        ("acme/api", scope("acme", "api")),
        ("globex", scope("globex", "")),
        ("globex/web", scope("globex", "web")),
    ] {
        let w = admin.create_webhook(new_webhook(s, "https://x.example.com/", &["tag_created"])).await.unwrap();
        ids.insert(name, w.into_inner().id);
    }
    let list = |s: Option<pb::Scope>, desc: bool| {
        let mut admin = admin.clone();
        async move {
            admin
                .list_webhooks(pb::ListWebhooksRequest { scope: s, include_descendants: desc, ..Default::default() })
                .await
                .unwrap()
                .into_inner()
                .webhooks
                .into_iter()
                .map(|w| w.id)
                .collect::<Vec<_>>()
        }
    };
    let names = |ns: &[&str]| ns.iter().map(|n| ids[n].clone()).collect::<Vec<_>>();
    assert_eq!(list(None, false).await, names(&["instance"]));
    assert_eq!(list(None, true).await.len(), 6);
    assert_eq!(list(scope("acme", ""), false).await, names(&["acme"]));
    assert_eq!(list(scope("acme", ""), true).await, names(&["acme", "acme/web", "acme/api"]));
    assert_eq!(list(scope("acme", "web"), true).await, names(&["acme/web"]));
    assert_eq!(list(scope("globex", "web"), false).await, names(&["globex/web"]));
    assert!(list(scope("initech", ""), true).await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn listing_searches_target_urls_ignoring_case_with_wildcards_taken_literally() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut ids = std::collections::HashMap::new();
    for url in [
        "https://hooks.example.com/Orders",
        "https://example.com/a_b",
        "https://example.com/axb",
        "https://example.com/100%25",
        "https://other.example.org/orders/2",
    ] {
        let w = admin.create_webhook(new_webhook(None, url, &["tag_created"])).await.unwrap().into_inner();
        ids.insert(url, w.id);
    }
    let search = |text: &str, page_size: i32, page_token: String| {
        let mut admin = admin.clone();
        let req =
            pb::ListWebhooksRequest { target_url_contains: text.into(), page_size, page_token, ..Default::default() };
        async move { admin.list_webhooks(req).await }
    };
    let found = |text: &'static str| {
        let search = &search;
        async move {
            let r = search(text, 0, String::new()).await.unwrap().into_inner();
            r.webhooks.into_iter().map(|w| w.target_url).collect::<Vec<_>>()
        }
    };
    assert_eq!(found("HOOKS.example").await, ["https://hooks.example.com/Orders"], "case is ignored");
    assert_eq!(found("/ORDERS").await, ["https://hooks.example.com/Orders", "https://other.example.org/orders/2"]);
    assert_eq!(found("a_b").await, ["https://example.com/a_b"], "_ is no wildcard");
    assert_eq!(found("0%2").await, ["https://example.com/100%25"], "% is no wildcard");
    assert!(found("nowhere").await.is_empty());
    assert_eq!(found("").await.len(), 5, "empty keeps all");
    // Pages follow the search; a page token is bound to it.
    let first = search("example", 2, String::new()).await.unwrap().into_inner();
    assert_eq!(first.webhooks.len(), 2);
    let err = search("orders", 2, first.next_page_token.clone()).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "page_token");
    let err = search(&"x".repeat(2049), 0, String::new()).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "target_url_contains");
    let err = search("a\u{0}b", 0, String::new()).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "target_url_contains");
    server.stop().await;
}

#[tokio::test]
async fn every_bad_field_of_a_write_is_named_in_one_answer() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut req = new_webhook(None, "ftp://example.com/hook", &["no_such_event"]);
    req.secret = "short".into();
    req.max_in_flight = 5000;
    let err = admin.create_webhook(req).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let fields: Vec<String> = webhookd_client::field_violations(&err).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["target_url", "secret", "events", "max_in_flight"], "{err:?}");
    assert!(err.message().starts_with("target_url: ") && err.message().contains("and 3 more"), "{}", err.message());
    let listed = admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap().into_inner();
    assert!(listed.webhooks.is_empty(), "nothing was created");

    // An update too, its mask's unknown paths included; nothing changes.
    let w = admin.create_webhook(new_webhook(None, "https://example.com/hook", &["tag_created"])).await.unwrap();
    let w = w.into_inner();
    let err = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            target_url: "not a url".into(),
            events: vec!["no_such_event".into()],
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["target_url".into(), "events".into(), "scope".into()],
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let fields: Vec<String> = webhookd_client::field_violations(&err).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["target_url", "events", "update_mask"], "{err:?}");
    let unchanged = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(
        (unchanged.target_url.as_str(), unchanged.events),
        ("https://example.com/hook", vec!["tag_created".to_string()])
    );
    server.stop().await;
}
