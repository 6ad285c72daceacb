//! Portal links: a short-lived admin token narrowed to one project or one webhook, and the
//! page's address that carries it; what the token reaches, what it may not do, how the page
//! it opens may be framed, and how the link ends. The browser's side is in `web`.

use std::time::{Duration, SystemTime};

use tonic::Code;
use webhookd_client::pb;

use crate::common::{assert_field_error, eventually, new_webhook, scope, Role, TestServer};

/// A link request for `scope`, framed by nobody, with the default lifetime.
fn link(scope: Option<pb::Scope>, webhook_id: &str) -> pb::CreatePortalLinkRequest {
    pb::CreatePortalLinkRequest {
        scope,
        webhook_id: webhook_id.into(),
        description: "for the web team".into(),
        ..Default::default()
    }
}

/// The bearer token a link's URL carries in its fragment, and the URL's path.
fn split_link(url: &str) -> (String, String) {
    let (address, fragment) = url.split_once('#').expect("the URL has a fragment");
    let bearer = fragment.strip_prefix("token=").expect("the fragment carries the token");
    let path = address.splitn(4, '/').nth(3).expect("an absolute URL with a path");
    (bearer.to_string(), format!("/{path}"))
}

/// A GET of `path`: the status line and headers (lower-cased), and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let text = crate::web::get(addr, path).await.unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_ascii_lowercase(), body.to_string())
}

async fn webhook(admin: &webhookd_client::Client, company: &str, project: &str, host: &str) -> pb::Webhook {
    let req = new_webhook(scope(company, project), &format!("https://{host}/hooks"), &["tag_created"]);
    admin.admin().create_webhook(req).await.unwrap().into_inner()
}

fn ids(webhooks: &[pb::Webhook]) -> Vec<String> {
    let mut ids: Vec<String> = webhooks.iter().map(|w| w.id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_portal_link_reaches_its_project_alone_and_ends_when_revoked() {
    let server = TestServer::start().await;
    let acme_token = server.token(Role::Admin, "acme", "").await;
    let acme = server.client_as(Some(&acme_token)).await;
    let web1 = webhook(&acme, "acme", "web", "one.example.com").await;
    let web2 = webhook(&acme, "acme", "web", "two.example.com").await;
    let other = webhook(&acme, "acme", "other", "other.example.com").await;
    let company = webhook(&acme, "acme", "", "company.example.com").await;

    let before = SystemTime::now();
    let made = acme
        .create_portal_link(pb::CreatePortalLinkRequest {
            lifetime: Some(prost_types::Duration { seconds: 600, nanos: 0 }),
            frame_ancestors: vec!["https://App.Example.com/".into(), "https://*.example.org:8443".into()],
            ..link(scope("acme", "web"), "")
        })
        .await
        .unwrap();
    let token = made.token.clone().unwrap();
    assert!(token.portal);
    assert_eq!(token.webhook_id, "");
    assert_eq!(token.role, pb::TokenRole::Admin as i32);
    assert_eq!(token.scope, scope("acme", "web"));
    assert_eq!(token.frame_ancestors, ["https://app.example.com", "https://*.example.org:8443"]);
    assert_eq!(token.creator_token_id, acme.current_token().await.unwrap().id);
    let expire = SystemTime::try_from(token.expire_time.unwrap()).unwrap();
    let lifetime = expire.duration_since(before).unwrap();
    assert!((Duration::from_secs(599)..Duration::from_secs(610)).contains(&lifetime), "{lifetime:?}");
    assert!(made.url.starts_with(&format!("http://{}/portal/{}#token=whk_", server.addr, token.id)), "{}", made.url);
    let (bearer, path) = split_link(&made.url);
    assert_eq!(path, format!("/portal/{}", token.id));

    // The link's token: the project's webhooks, and nothing beside or above them.
    let portal = server.client_as(Some(&bearer)).await;
    let listed = portal
        .list_webhooks(pb::ListWebhooksRequest { scope: scope("acme", "web"), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(ids(&listed), ids(&[web1.clone(), web2.clone()]));
    for wider in [scope("acme", "other"), scope("acme", ""), scope("", "")] {
        let refused =
            portal.list_webhooks(pb::ListWebhooksRequest { scope: wider.clone(), ..Default::default() }).await;
        assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied, "{wider:?}");
    }
    for unseen in [&other, &company] {
        assert_eq!(portal.get_webhook(&unseen.id).await.unwrap_err().code(), Code::NotFound);
    }
    assert_eq!(portal.get_webhook(&web1.id).await.unwrap().id, web1.id);
    let added = webhook(&portal, "acme", "web", "three.example.com").await;
    assert_eq!(added.scope, scope("acme", "web"));

    // It manages no tokens, not even narrower ones or other links.
    let me = portal.current_token().await.unwrap();
    assert!(me.portal);
    assert_eq!(me.id, token.id);
    let mint =
        pb::CreateTokenRequest { role: pb::TokenRole::Admin as i32, scope: scope("acme", "web"), ..Default::default() };
    assert_eq!(portal.create_token(mint).await.unwrap_err().code(), Code::PermissionDenied);
    assert_eq!(
        portal.create_portal_link(link(scope("acme", "web"), "")).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    let list = pb::ListTokensRequest { scope: scope("acme", "web"), ..Default::default() };
    assert_eq!(portal.list_tokens(list).await.unwrap_err().code(), Code::PermissionDenied);
    assert_eq!(portal.revoke_token(&token.id).await.unwrap_err().code(), Code::PermissionDenied);
    // Nor does it read the audit log, even its own project's.
    let audit =
        portal.list_audit_events(pb::ListAuditEventsRequest { scope: scope("acme", "web"), ..Default::default() });
    assert_eq!(audit.await.unwrap_err().code(), Code::PermissionDenied);

    // The page at the link's path, framed only by the link's origins.
    let (head, body) = http_get(server.addr, &path).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(body.contains("<script type=\"module\" src=\"/app.js\">"), "the page itself: {body}");
    assert!(
        head.contains("frame-ancestors https://app.example.com https://*.example.org:8443\r\n"),
        "framed by the link's origins alone: {head}"
    );
    assert!(!head.contains("x-frame-options"), "{head}");
    assert!(head.contains("referrer-policy: no-referrer"), "{head}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    assert!(!head.contains(&bearer.to_ascii_lowercase()) && !body.contains(&bearer));

    // The admin sees the link's token and the audit log records it, never the bearer value.
    let tokens =
        acme.list_tokens(pb::ListTokensRequest { scope: scope("acme", "web"), ..Default::default() }).await.unwrap();
    assert_eq!(
        tokens.iter().filter(|t| t.portal).map(|t| t.id.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&token.id)
    );
    let audit = acme
        .list_audit_events(pb::ListAuditEventsRequest {
            scope: scope("acme", "web"),
            resource_id: token.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let [created] = audit.try_into().expect("one record");
    assert_eq!(created.action, "token.create");
    assert_eq!(created.changes["portal"], "true");
    assert_eq!(created.changes["frame_ancestors"], "https://app.example.com https://*.example.org:8443");
    assert!(!format!("{created:?}").contains(&bearer));

    // Revoked: the token is refused, and the page is gone.
    acme.revoke_token(&token.id).await.unwrap();
    eventually(Duration::from_secs(10), "the link's token is refused", || async {
        portal.current_token().await.is_err_and(|s| s.code() == Code::Unauthenticated).then_some(())
    })
    .await;
    let (head, body) = http_get(server.addr, &path).await;
    assert!(head.starts_with("http/1.1 404"), "{head}");
    assert!(body.contains("expired or was revoked"), "{body}");
    assert!(head.contains("frame-ancestors 'none'"), "{head}");
    for nothing in [format!("/portal/{}", uuid::Uuid::now_v7()), "/portal/not-an-id".into()] {
        let (head, _) = http_get(server.addr, &nothing).await;
        assert!(head.starts_with("http/1.1 404"), "{nothing}: {head}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_portal_link_to_one_webhook_reaches_that_webhook_alone() {
    let server = TestServer::start().await;
    let acme_token = server.token(Role::Admin, "acme", "").await;
    let acme = server.client_as(Some(&acme_token)).await;
    let mine = webhook(&acme, "acme", "web", "mine.example.com").await;
    let beside = webhook(&acme, "acme", "web", "beside.example.com").await;

    let made = acme.create_portal_link(link(None, &mine.id)).await.unwrap();
    let token = made.token.unwrap();
    assert_eq!((token.scope.clone(), token.webhook_id.as_str()), (scope("acme", "web"), mine.id.as_str()));
    let (bearer, path) = split_link(&made.url);
    let portal = server.client_as(Some(&bearer)).await;

    // That webhook: read, edit, test, history, recovery.
    assert_eq!(portal.get_webhook(&mine.id).await.unwrap().id, mine.id);
    let mut edit = pb::UpdateWebhookRequest {
        id: mine.id.clone(),
        target_url: "https://mine.example.com/v2".into(),
        ..Default::default()
    };
    edit.update_mask = Some(prost_types::FieldMask { paths: vec!["target_url".into()] });
    let edited = portal.admin().update_webhook(edit).await.unwrap().into_inner();
    assert_eq!(edited.target_url, "https://mine.example.com/v2");
    let tested = portal.admin().test_webhook(pb::TestWebhookRequest { webhook_id: mine.id.clone() }).await;
    let delivery = tested.unwrap().into_inner();
    assert_eq!(portal.get_delivery(&delivery.id).await.unwrap().delivery.unwrap().id, delivery.id);

    // Listing its project shows it alone, and so do the signing keys.
    let listed = portal
        .list_webhooks(pb::ListWebhooksRequest { scope: scope("acme", "web"), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(ids(&listed), std::slice::from_ref(&mine.id));
    let keys = portal
        .admin()
        .get_signing_keys(pb::GetSigningKeysRequest { scope: scope("acme", "web"), ..Default::default() })
        .await;
    assert!(keys.is_ok(), "{keys:?}");

    // The webhook beside it, and its deliveries, do not exist for it.
    assert_eq!(portal.get_webhook(&beside.id).await.unwrap_err().code(), Code::NotFound);
    let beside_test = acme.admin().test_webhook(pb::TestWebhookRequest { webhook_id: beside.id.clone() }).await;
    let beside_delivery = beside_test.unwrap().into_inner();
    assert_eq!(portal.get_delivery(&beside_delivery.id).await.unwrap_err().code(), Code::NotFound);
    let deleted = portal.admin().delete_webhook(pb::DeleteWebhookRequest { id: beside.id.clone() }).await;
    assert_eq!(deleted.unwrap_err().code(), Code::NotFound);
    let history = pb::ListEventHistoryRequest { webhook_id: beside.id.clone(), ..Default::default() };
    assert_eq!(portal.admin().list_event_history(history).await.unwrap_err().code(), Code::NotFound);

    // Nor does its project as a whole: no new webhooks, no audit log, no scope-wide watch.
    let create = new_webhook(scope("acme", "web"), "https://x.example.com/", &["tag_created"]);
    assert_eq!(portal.admin().create_webhook(create).await.unwrap_err().code(), Code::PermissionDenied);
    let audit =
        portal.list_audit_events(pb::ListAuditEventsRequest { scope: scope("acme", "web"), ..Default::default() });
    assert_eq!(audit.await.unwrap_err().code(), Code::PermissionDenied);
    let watch = pb::WatchDeliveriesRequest {
        target: Some(pb::watch_deliveries_request::Target::Scope(pb::Scope {
            company_id: "acme".into(),
            project_id: "web".into(),
        })),
        ..Default::default()
    };
    let watched = portal.admin().watch_deliveries(watch).await;
    assert_eq!(watched.unwrap_err().code(), Code::PermissionDenied);
    assert_eq!(acme.get_webhook(&beside.id).await.unwrap().id, beside.id, "still there");

    // Framed by nobody: the page's own policy.
    let (head, _) = http_get(server.addr, &path).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("frame-ancestors 'none'") && head.contains("x-frame-options: deny"), "{head}");
    server.stop().await;
}

#[tokio::test]
async fn portal_links_are_refused_naming_the_field_and_change_nothing() {
    let server = TestServer::start().await;
    let acme_token = server.token(Role::Admin, "acme", "").await;
    let acme = server.client_as(Some(&acme_token)).await;
    let root = server.client_as(Some(&server.admin_token)).await;
    let mine = webhook(&acme, "acme", "web", "mine.example.com").await;
    let theirs = webhook(&root, "globex", "web", "theirs.example.com").await;
    let secs = |seconds| Some(prost_types::Duration { seconds, nanos: 0 });

    let refusals: Vec<(pb::CreatePortalLinkRequest, Code, &str)> = vec![
        (link(scope("acme", ""), ""), Code::InvalidArgument, "scope"),
        (link(None, ""), Code::InvalidArgument, "scope"),
        (link(scope("acme", "we b"), ""), Code::InvalidArgument, "scope.project_id"),
        (link(scope("globex", "web"), ""), Code::PermissionDenied, ""),
        (link(None, &theirs.id), Code::NotFound, ""),
        (link(None, "not-an-id"), Code::InvalidArgument, "webhook_id"),
        (link(scope("acme", "other"), &mine.id), Code::InvalidArgument, "scope"),
        (
            pb::CreatePortalLinkRequest { lifetime: secs(0), ..link(scope("acme", "web"), "") },
            Code::InvalidArgument,
            "lifetime",
        ),
        (
            pb::CreatePortalLinkRequest { lifetime: secs(24 * 3600 + 1), ..link(scope("acme", "web"), "") },
            Code::InvalidArgument,
            "lifetime",
        ),
        (
            pb::CreatePortalLinkRequest { description: "d".repeat(257), ..link(scope("acme", "web"), "") },
            Code::InvalidArgument,
            "description",
        ),
    ];
    let bad_origins = [
        "ftp://app.example.com",
        "https://app.example.com/path",
        "https://app.example.com; script-src *",
        "*",
        "https://*.127.0.0.1",
        "app.example.com",
        "https://user@app.example.com",
    ];
    let mut refusals = refusals;
    for origin in bad_origins {
        let req = pb::CreatePortalLinkRequest {
            frame_ancestors: vec!["https://fine.example.com".into(), origin.into()],
            ..link(scope("acme", "web"), "")
        };
        refusals.push((req, Code::InvalidArgument, "frame_ancestors[1]"));
    }
    let many = (0..17).map(|i| format!("https://a{i}.example.com")).collect();
    refusals.push((
        pb::CreatePortalLinkRequest { frame_ancestors: many, ..link(scope("acme", "web"), "") },
        Code::InvalidArgument,
        "frame_ancestors",
    ));
    for (req, code, field) in refusals {
        let status = acme.create_portal_link(req.clone()).await.unwrap_err();
        if field.is_empty() {
            assert_eq!(status.code(), code, "{req:?}: {status:?}");
        } else {
            assert_field_error(&status, code, field);
        }
    }

    // No link outlives the token that makes it; without a lifetime, it ends with it.
    let short = acme
        .create_token(pb::CreateTokenRequest {
            role: pb::TokenRole::Admin as i32,
            scope: scope("acme", ""),
            expire_time: Some((SystemTime::now() + Duration::from_secs(120)).into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let short_client = server.client_as(Some(&short.bearer_token)).await;
    let too_long = pb::CreatePortalLinkRequest { lifetime: secs(3600), ..link(scope("acme", "web"), "") };
    assert_eq!(short_client.create_portal_link(too_long).await.unwrap_err().code(), Code::PermissionDenied);
    let cut = short_client.create_portal_link(link(scope("acme", "web"), "")).await.unwrap().token.unwrap();
    assert_eq!(cut.expire_time, short.token.unwrap().expire_time);

    // Only the one link made above exists.
    let all = root
        .list_tokens(pb::ListTokensRequest { show_inactive: true, include_descendants: true, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(all.iter().filter(|t| t.portal).map(|t| t.id.clone()).collect::<Vec<_>>(), [cut.id]);
    server.stop().await;

    // A server that does not serve the page makes no links to it.
    let off = TestServer::start_with(&["--web", "false"]).await;
    let refused = off.client_as(Some(&off.admin_token)).await.create_portal_link(link(scope("acme", "web"), "")).await;
    assert_eq!(refused.unwrap_err().code(), Code::FailedPrecondition);
    off.stop().await;
}

#[tokio::test]
async fn a_portal_link_ends_at_its_expiry_and_its_url_follows_the_public_url() {
    let server = TestServer::start_with(&["--public-url", "https://webhooks.example.com/"]).await;
    let acme = server.client_as(Some(&server.token(Role::Admin, "acme", "").await)).await;
    let made = acme
        .create_portal_link(pb::CreatePortalLinkRequest {
            lifetime: Some(prost_types::Duration { seconds: 2, nanos: 0 }),
            ..link(scope("acme", "web"), "")
        })
        .await
        .unwrap();
    let id = made.token.unwrap().id;
    assert!(made.url.starts_with(&format!("https://webhooks.example.com/portal/{id}#token=whk_")), "{}", made.url);
    let (bearer, path) = split_link(&made.url);
    let portal = server.client_as(Some(&bearer)).await;
    portal.current_token().await.unwrap();
    assert!(http_get(server.addr, &path).await.0.starts_with("http/1.1 200"));
    eventually(Duration::from_secs(10), "the link expires", || async {
        portal.current_token().await.is_err_and(|s| s.code() == Code::Unauthenticated).then_some(())
    })
    .await;
    assert!(http_get(server.addr, &path).await.0.starts_with("http/1.1 404"));
    server.stop().await;
}
