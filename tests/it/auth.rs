//! Tokens: authentication, roles and scopes.

use tonic::Code;
use webhookd_client::pb;

use crate::common::Role;
use crate::common::{new_webhook, scope, TestServer};

#[tokio::test]
async fn calls_need_a_valid_token_of_the_right_role() {
    let server = TestServer::start().await;
    for token in [None, Some("whk_not-a-real-token"), Some("")] {
        let mut admin = server.admin_as(token).await;
        let err = admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{token:?}: {err:?}");
        let mut ingest = server.ingest_as(token).await;
        let err = ingest.publish_event(pb::PublishEventRequest::default()).await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{token:?}: {err:?}");
    }
    let publisher = server.token(Role::Publisher, "", "").await;
    let err =
        server.admin_as(Some(&publisher)).await.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    assert!(err.message().contains("admin"), "{err:?}");
    let err = server
        .ingest_as(Some(&server.admin_token))
        .await
        .publish_event(pb::PublishEventRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    // The right role passes authorization.
    server.admin().await.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn company_tokens_reach_their_company_only() {
    let server = TestServer::start().await;
    let mut root = server.admin().await;
    let (theirs, mut acme) = crate::common::theirs_and_acme(&server).await;

    let mine = acme
        .create_webhook(new_webhook(scope("acme", "web"), "https://a.example.com/", &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    acme.create_webhook(new_webhook(scope("acme", ""), "https://a.example.com/", &["tag_created"])).await.unwrap();

    for s in [None, scope("globex", ""), scope("globex", "web")] {
        let err =
            acme.create_webhook(new_webhook(s.clone(), "https://a.example.com/", &["tag_created"])).await.unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{s:?}");
        let err = acme
            .list_webhooks(pb::ListWebhooksRequest {
                scope: s.clone(),
                include_descendants: true,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{s:?}");
    }
    // Another company's webhook looks like a missing one.
    let err = acme.get_webhook(pb::GetWebhookRequest { id: theirs.id.clone() }).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = acme.delete_webhook(pb::DeleteWebhookRequest { id: theirs.id.clone() }).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = acme
        .update_webhook(pb::UpdateWebhookRequest {
            id: theirs.id.clone(),
            target_url: "https://evil.example.com/".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let still = root.get_webhook(pb::GetWebhookRequest { id: theirs.id.clone() }).await.unwrap().into_inner();
    assert_eq!(still.target_url, "https://g.example.com/");

    let listed = acme
        .list_webhooks(pb::ListWebhooksRequest {
            scope: scope("acme", ""),
            include_descendants: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.webhooks.len(), 2);
    acme.get_webhook(pb::GetWebhookRequest { id: mine.id.clone() }).await.unwrap();

    // A project token reaches its project only.
    let web_token = server.token(Role::Admin, "acme", "web").await;
    let mut web = server.admin_as(Some(&web_token)).await;
    web.get_webhook(pb::GetWebhookRequest { id: mine.id.clone() }).await.unwrap();
    let err = web
        .create_webhook(new_webhook(scope("acme", ""), "https://a.example.com/", &["tag_created"]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = web
        .create_webhook(new_webhook(scope("acme", "api"), "https://a.example.com/", &["tag_created"]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    server.stop().await;
}

#[tokio::test]
async fn a_made_up_token_is_looked_up_once_not_on_every_call() {
    let url = crate::common::fresh_database().await;
    let storage = crate::common::stored::storage(&url).await;
    let auth = webhookd::auth::Authenticator::start(storage, tokio_util::sync::CancellationToken::new());
    let mut metadata = tonic::metadata::MetadataMap::new();
    metadata.insert("authorization", "Bearer whk_made-up-token".parse().unwrap());
    let err = auth.authenticate(&metadata).await.unwrap_err();
    assert!(matches!(err, webhookd::error::ApiError::Unauthenticated(_)), "{err:?}");
    // From now on a lookup would fail: the calls that follow at once never ask.
    crate::common::sql(&url).await.batch_execute("ALTER TABLE api_tokens RENAME TO api_tokens_gone").await.unwrap();
    for _ in 0..100 {
        let err = auth.authenticate(&metadata).await.unwrap_err();
        assert!(matches!(err, webhookd::error::ApiError::Unauthenticated(_)), "{err:?}");
    }
    // Another made-up token is still asked about (and now fails to be).
    metadata.insert("authorization", "Bearer whk_another-made-up-token".parse().unwrap());
    let err = auth.authenticate(&metadata).await.unwrap_err();
    assert!(!matches!(err, webhookd::error::ApiError::Unauthenticated(_)), "{err:?}");
}
