//! Token management: creation within the caller's reach, listing, revocation and expiry on
//! every replica, last use, and the `webhookd token` commands.

use std::time::{Duration, SystemTime};

use tonic::Code;
use webhookd_client::pb;

use crate::common::{assert_field_error, scope, ServerOptions, TestServer};

fn create(role: pb::TokenRole, scope: Option<pb::Scope>) -> pb::CreateTokenRequest {
    pb::CreateTokenRequest { role: role as i32, scope, description: "made by a test".into(), expire_time: None }
}

/// Every token of acme and its projects.
fn acme_tree() -> pb::ListTokensRequest {
    pb::ListTokensRequest { scope: scope("acme", ""), include_descendants: true, ..Default::default() }
}

fn in_secs(secs: u64) -> prost_types::Timestamp {
    (SystemTime::now() + Duration::from_secs(secs)).into()
}

/// A server, and a second one on its database that does not deliver.
async fn two_replicas() -> (TestServer, TestServer) {
    let a = TestServer::start().await;
    let b = TestServer::start_opts(ServerOptions {
        database_url: a.database_url.clone(),
        data_dir: None,
        args: vec!["--no-delivery".into()],
    })
    .await;
    (a, b)
}

/// Calls `ListEventTypes` (any admin call) with `token` until it fails or `deadline` passes.
async fn refused_within(server: &TestServer, token: &str, deadline: Duration) -> tonic::Status {
    let client = server.client_as(Some(token)).await;
    let until = tokio::time::Instant::now() + deadline;
    loop {
        match client.admin().list_event_types(pb::ListEventTypesRequest {}).await {
            Err(status) => return status,
            Ok(_) => assert!(tokio::time::Instant::now() < until, "the token still works after {deadline:?}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn admins_create_tokens_only_within_their_own_scope_and_lifetime() {
    let server = TestServer::start().await;
    let root = server.client_as(Some(&server.admin_token)).await;

    // The instance admin makes a company admin that expires in an hour.
    let mut acme_req = create(pb::TokenRole::Admin, scope("acme", ""));
    acme_req.expire_time = Some(in_secs(3600));
    let acme = root.create_token(acme_req).await.unwrap();
    assert!(acme.bearer_token.starts_with("whk_"));
    let acme_token = acme.token.clone().unwrap();
    let acme_client = server.client_as(Some(&acme.bearer_token)).await;

    // The company admin makes a project admin and a publisher (yes: company admins may).
    let web = acme_client.create_token(create(pb::TokenRole::Admin, scope("acme", "web"))).await.unwrap();
    let web_token = web.token.clone().unwrap();
    assert_eq!(web_token.creator_token_id, acme_token.id);
    assert_eq!(web_token.expire_time, acme_token.expire_time, "a child of an expiring token expires with it");
    let publisher = acme_client.create_token(create(pb::TokenRole::Publisher, scope("acme", ""))).await.unwrap();
    let published = server
        .client_as(Some(&publisher.bearer_token))
        .await
        .publish_event(pb::PublishEventRequest {
            event_name: "tag_created".into(),
            scope: scope("acme", "web"),
            payload: "{}".into(),
            ..Default::default()
        })
        .await;
    assert!(published.is_ok(), "{published:?}");

    // Nobody escalates: broader or foreign scopes, and longer lives, are refused.
    let web_client = server.client_as(Some(&web.bearer_token)).await;
    for (client, req, why) in [
        (&acme_client, create(pb::TokenRole::Admin, None), "company admin → instance"),
        (&acme_client, create(pb::TokenRole::Publisher, scope("globex", "")), "company admin → other company"),
        (&web_client, create(pb::TokenRole::Admin, scope("acme", "")), "project admin → its company"),
        (&web_client, create(pb::TokenRole::Publisher, scope("acme", "api")), "project admin → sibling project"),
        (
            &web_client,
            pb::CreateTokenRequest {
                expire_time: Some(in_secs(7200)),
                ..create(pb::TokenRole::Admin, scope("acme", "web"))
            },
            "outliving its creator",
        ),
    ] {
        let err = client.create_token(req).await.unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{why}: {err:?}");
    }
    // A publisher manages no tokens.
    let err = server.client_as(Some(&publisher.bearer_token)).await.list_tokens(Default::default()).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");

    // Bad input names its field and creates nothing.
    let before =
        root.list_tokens(pb::ListTokensRequest { include_descendants: true, ..Default::default() }).await.unwrap();
    for (req, field) in [
        (create(pb::TokenRole::Unspecified, None), "role"),
        (pb::CreateTokenRequest { role: 9, ..create(pb::TokenRole::Admin, None) }, "role"),
        (pb::CreateTokenRequest { expire_time: Some(in_secs(0)), ..create(pb::TokenRole::Admin, None) }, "expire_time"),
        // After the year 9999, and nanos out of range: refused, never a panic.
        (
            pb::CreateTokenRequest {
                expire_time: Some(prost_types::Timestamp { seconds: 253_402_300_800, nanos: 0 }),
                ..create(pb::TokenRole::Admin, None)
            },
            "expire_time",
        ),
        (
            pb::CreateTokenRequest {
                expire_time: Some(prost_types::Timestamp { seconds: 4_000_000_000, nanos: 1_000_000_000 }),
                ..create(pb::TokenRole::Admin, None)
            },
            "expire_time",
        ),
        (
            pb::CreateTokenRequest { description: "two\nlines".into(), ..create(pb::TokenRole::Admin, None) },
            "description",
        ),
        (pb::CreateTokenRequest { description: "x".repeat(257), ..create(pb::TokenRole::Admin, None) }, "description"),
        (create(pb::TokenRole::Admin, scope("", "web")), "scope.project_id"),
    ] {
        let err = root.create_token(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
    }
    let after =
        root.list_tokens(pb::ListTokensRequest { include_descendants: true, ..Default::default() }).await.unwrap();
    assert_eq!(after.len(), before.len(), "refused requests created nothing");

    // Listing: within reach only, newest first, never a bearer value.
    let listed = acme_client.list_tokens(acme_tree()).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|t| t.id.as_str()).collect();
    let publisher_id = publisher.token.as_ref().unwrap().id.as_str();
    assert_eq!(ids, [publisher_id, web_token.id.as_str(), acme_token.id.as_str()]);
    let shown = format!("{listed:?}");
    for secret in [&acme.bearer_token, &web.bearer_token, &publisher.bearer_token, &server.admin_token] {
        assert!(!shown.contains(secret.as_str()));
    }
    let err = acme_client.list_tokens(Default::default()).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "a company admin cannot list the instance: {err:?}");
    let only_web = web_client
        .list_tokens(pb::ListTokensRequest { scope: scope("acme", "web"), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(only_web.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [web_token.id.as_str()]);

    // Revoking: what the caller cannot reach does not exist for it.
    let root_id = after.iter().find(|t| t.scope.as_ref().is_none_or(|s| s.company_id.is_empty())).unwrap().id.clone();
    assert_eq!(acme_token.creator_token_id, root_id, "each token records who made it");
    let err = acme_client.revoke_token(&root_id).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    let err = web_client.revoke_token(&acme_token.id).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    assert_field_error(&acme_client.revoke_token("not-a-uuid").await.unwrap_err(), Code::InvalidArgument, "id");
    let revoked = acme_client.revoke_token(&web_token.id).await.unwrap();
    assert!(revoked.revoke_time.is_some());
    let again = acme_client.revoke_token(&web_token.id).await.unwrap();
    assert_eq!(again.revoke_time, revoked.revoke_time, "revoking twice keeps the first time");
    let err = refused_within(&server, &web.bearer_token, Duration::from_secs(10)).await;
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    // Revoked tokens leave the default listing and stay in the full one.
    let active = acme_client.list_tokens(acme_tree()).await.unwrap();
    assert!(active.iter().all(|t| t.id != web_token.id));
    let all = acme_client
        .list_tokens(pb::ListTokensRequest {
            scope: scope("acme", ""),
            include_descendants: true,
            show_inactive: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(all.iter().any(|t| t.id == web_token.id && t.revoke_time.is_some()));
    server.stop().await;
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_refused_by_another_replica() {
    let (a, b) = two_replicas().await;
    let root = a.client_as(Some(&a.admin_token)).await;
    let revokable = root.create_token(create(pb::TokenRole::Admin, None)).await.unwrap();
    let mut short = create(pb::TokenRole::Admin, None);
    short.expire_time = Some(in_secs(2));
    let expiring = root.create_token(short).await.unwrap();
    let expire_at = SystemTime::try_from(expiring.token.as_ref().unwrap().expire_time.unwrap()).unwrap();

    // Both work on B, which now holds them in its cache.
    for t in [&revokable.bearer_token, &expiring.bearer_token] {
        b.client_as(Some(t)).await.list_event_types().await.unwrap();
    }
    // Revoked on A: B refuses it (its cache is cleared by notification).
    root.revoke_token(&revokable.token.unwrap().id).await.unwrap();
    let err = refused_within(&b, &revokable.bearer_token, Duration::from_secs(10)).await;
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    assert!(err.message().contains("revoked"), "{err:?}");

    // Expired: the first call after its expiry is refused, cached or not.
    if let Ok(left) = expire_at.duration_since(SystemTime::now()) {
        tokio::time::sleep(left + Duration::from_millis(50)).await;
    }
    for server in [&a, &b] {
        let err = server.client_as(Some(&expiring.bearer_token)).await.list_event_types().await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_tokens_last_use_is_recorded_and_listing_pages_through_every_token() {
    let server = TestServer::start().await;
    let root = server.client_as(Some(&server.admin_token)).await;
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(root.create_token(create(pb::TokenRole::Publisher, scope("paged", ""))).await.unwrap());
    }
    let first = &made[0];
    assert!(first.token.as_ref().unwrap().last_used_time.is_none());
    server
        .client_as(Some(&first.bearer_token))
        .await
        .publish_event(pb::PublishEventRequest {
            event_name: "tag_created".into(),
            scope: scope("paged", ""),
            payload: "{}".into(),
            ..Default::default()
        })
        .await
        .unwrap();

    // Pages of two, newest first, each token once.
    let mut seen = Vec::new();
    let mut request = pb::ListTokensRequest { scope: scope("paged", ""), page_size: 2, ..Default::default() };
    let mut pages = 0;
    loop {
        let page = root.tokens().list_tokens(request.clone()).await.unwrap().into_inner();
        pages += 1;
        assert!(page.tokens.len() <= 2);
        seen.extend(page.tokens);
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = made.iter().rev().map(|m| m.token.as_ref().unwrap().id.clone()).collect();
    assert_eq!(seen.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), expected);
    // A page token is for its own query only.
    let err = root
        .tokens()
        .list_tokens(pb::ListTokensRequest { page_token: request.page_token.clone(), ..Default::default() })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "page_token");

    // The use is written in the background, once.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let listed =
            root.list_tokens(pb::ListTokensRequest { scope: scope("paged", ""), ..Default::default() }).await.unwrap();
        let t = listed.iter().find(|t| t.id == first.token.as_ref().unwrap().id).unwrap();
        if let Some(used) = t.last_used_time {
            let used = SystemTime::try_from(used).unwrap();
            assert!(SystemTime::now().duration_since(used).unwrap_or_default() < Duration::from_secs(60));
            assert!(listed.iter().filter(|t| t.last_used_time.is_some()).count() == 1, "only the used token");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "last_used_time not recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn the_token_commands_list_and_revoke() {
    let server = TestServer::start().await;
    let url = server.database_url.clone().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_webhookd"))
            .args(["token"])
            .args(args)
            .args(["--database-url", &url, "--data-dir"])
            .arg(tmp.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (token, said) =
        cli(&["create", "--role", "admin", "--company", "cli", "--description", "from the cli", "--expire-in", "1h"]);
    let token = token.trim().to_string();
    assert!(said.contains("until"), "{said}");
    let listed = server
        .client_as(Some(&token))
        .await
        .list_tokens(pb::ListTokensRequest { scope: scope("cli", ""), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let id = listed[0].id.clone();
    assert!(listed[0].expire_time.is_some());

    let (table, _) = cli(&["list", "--company", "cli"]);
    assert!(table.contains(&id) && table.contains("from the cli") && table.contains("cli"), "{table}");
    assert!(!table.contains(&token), "the list never shows a token's value");
    cli(&["revoke", &id]);
    let err = refused_within(&server, &token, Duration::from_secs(10)).await;
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    let (active, _) = cli(&["list", "--company", "cli"]);
    assert!(!active.contains(&id), "{active}");
    let (all, _) = cli(&["list", "--company", "cli", "--all"]);
    assert!(all.contains(&id), "{all}");
    server.stop().await;
}

#[tokio::test]
async fn any_token_reads_its_own_role_scope_and_lifetime_and_only_while_it_works() {
    let server = TestServer::start().await;
    let root = server.client_as(Some(&server.admin_token)).await;
    let mut req = create(pb::TokenRole::Publisher, scope("acme", "web"));
    req.expire_time = Some(in_secs(3600));
    let made = root.create_token(req).await.unwrap();
    let publisher = server.client_as(Some(&made.bearer_token)).await;
    let own = publisher.current_token().await.unwrap();
    // The token as CreateToken showed it, with its last use (recorded by the call that read it).
    let mut expected = made.token.clone().unwrap();
    expected.last_used_time = own.last_used_time;
    assert_eq!(own, expected);
    assert_eq!(own.role, pb::TokenRole::Publisher as i32);
    assert_eq!(own.scope, scope("acme", "web"));
    assert!(own.expire_time.is_some());
    // Nothing else a publisher may read of tokens.
    let listed = publisher.list_tokens(pb::ListTokensRequest::default()).await.unwrap_err();
    assert_eq!(listed.code(), Code::PermissionDenied);

    let me = root.current_token().await.unwrap();
    assert_eq!(me.role, pb::TokenRole::Admin as i32);
    assert_eq!(me.scope.unwrap_or_default(), pb::Scope::default(), "the bootstrap token reaches the instance");

    root.revoke_token(&own.id).await.unwrap();
    let revoked = publisher.current_token().await.unwrap_err();
    assert_eq!(revoked.code(), Code::Unauthenticated, "{revoked:?}");
    let anonymous = server.client_as(None).await.current_token().await.unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);
    server.stop().await;
}

/// The next message of a stream that must end with an error.
async fn ending<T: std::fmt::Debug>(stream: &mut tonic::Streaming<T>) -> tonic::Status {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.message()).await.expect("the stream ended in time") {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended as if complete"),
            Err(status) => return status,
        }
    }
}

#[tokio::test]
async fn open_streams_end_when_their_token_is_revoked_or_expires_on_another_replica() {
    let (a, b) = two_replicas().await;
    let root = a.client_as(Some(&a.admin_token)).await;
    let publisher = root.create_token(create(pb::TokenRole::Publisher, None)).await.unwrap();
    let watcher = root.create_token(create(pb::TokenRole::Admin, None)).await.unwrap();
    let mut short = create(pb::TokenRole::Admin, None);
    short.expire_time = Some(in_secs(2));
    let expiring = root.create_token(short).await.unwrap();
    let expire_at = SystemTime::try_from(expiring.token.as_ref().unwrap().expire_time.unwrap()).unwrap();

    // On B: a publish stream that has published one event, and two watches.
    let (events, outgoing) = tokio::sync::mpsc::unbounded_channel();
    let event =
        || pb::PublishEventRequest { event_name: "tag_created".into(), payload: "{}".into(), ..Default::default() };
    events.send(event()).unwrap();
    let mut acks = b
        .ingest_as(Some(&publisher.bearer_token))
        .await
        .publish_events(tokio_stream::wrappers::UnboundedReceiverStream::new(outgoing))
        .await
        .unwrap()
        .into_inner();
    assert!(acks.message().await.unwrap().is_some(), "published while the token is valid");
    let watch = |token: String| {
        let b = &b;
        async move {
            b.admin_as(Some(&token))
                .await
                .watch_deliveries(pb::WatchDeliveriesRequest::default())
                .await
                .unwrap()
                .into_inner()
        }
    };
    let mut revoked_watch = watch(watcher.bearer_token.clone()).await;
    let mut expiring_watch = watch(expiring.bearer_token.clone()).await;

    // Revoked on A: the streams end by themselves, no later than B refuses a new call.
    root.revoke_token(&publisher.token.as_ref().unwrap().id).await.unwrap();
    root.revoke_token(&watcher.token.as_ref().unwrap().id).await.unwrap();
    let err = refused_within(&b, &watcher.bearer_token, Duration::from_secs(10)).await;
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    let err = ending(&mut acks).await;
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    let _ = events.send(event());
    let err = ending(&mut revoked_watch).await;
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    let published: i64 = crate::common::sql(a.database_url.as_ref().unwrap())
        .await
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(published, 1, "no event after the revocation");

    // The expiring token's watch ends at its expiry, not before.
    let err = ending(&mut expiring_watch).await;
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    assert!(SystemTime::now() >= expire_at, "ended before the token expired");
    b.stop().await;
    a.stop().await;
}
