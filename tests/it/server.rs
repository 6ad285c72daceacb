//! The server as a whole: reflection, health, restarts, secrecy.

use prost::Message;
use tokio_stream::StreamExt;
use webhookd_client::pb;

use crate::common::{logs, new_webhook, scope, ServerOptions, TestServer};

#[tokio::test]
async fn reflection_v1_and_v1alpha_list_both_services_and_health_is_serving() {
    let server = TestServer::start().await;
    let want = ["webhookd.v1.WebhookAdmin", "webhookd.v1.EventIngest", "grpc.health.v1.Health"];

    use tonic_reflection::pb::v1 as r1;
    let mut c1 = r1::server_reflection_client::ServerReflectionClient::new(server.channel().await);
    let req = r1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(r1::server_reflection_request::MessageRequest::ListServices(String::new())),
    };
    let mut stream = c1.server_reflection_info(tokio_stream::iter([req])).await.unwrap().into_inner();
    let resp = stream.next().await.unwrap().unwrap();
    let Some(r1::server_reflection_response::MessageResponse::ListServicesResponse(list)) = resp.message_response
    else {
        panic!("unexpected {resp:?}")
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    for w in want {
        assert!(names.contains(&w), "v1: {w} missing from {names:?}");
    }

    use tonic_reflection::pb::v1alpha as ra;
    let mut ca = ra::server_reflection_client::ServerReflectionClient::new(server.channel().await);
    let req = ra::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(ra::server_reflection_request::MessageRequest::ListServices(String::new())),
    };
    let mut stream = ca.server_reflection_info(tokio_stream::iter([req])).await.unwrap().into_inner();
    let resp = stream.next().await.unwrap().unwrap();
    let Some(ra::server_reflection_response::MessageResponse::ListServicesResponse(list)) = resp.message_response
    else {
        panic!("unexpected {resp:?}")
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    for w in want {
        assert!(names.contains(&w), "v1alpha: {w} missing from {names:?}");
    }

    // A symbol resolves to its file, so grpcurl can describe it without the .proto.
    let req = ra::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(ra::server_reflection_request::MessageRequest::FileContainingSymbol(
            "webhookd.v1.WebhookAdmin".into(),
        )),
    };
    let mut stream = ca.server_reflection_info(tokio_stream::iter([req])).await.unwrap().into_inner();
    let resp = stream.next().await.unwrap().unwrap();
    assert!(matches!(
        resp.message_response,
        Some(ra::server_reflection_response::MessageResponse::FileDescriptorResponse(ref f)) if !f.file_descriptor_proto.is_empty()
    ));

    use tonic_health::pb::{health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest};
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", "webhookd.v1.WebhookAdmin", "webhookd.v1.EventIngest"] {
        let r = health.check(HealthCheckRequest { service: service.into() }).await.unwrap().into_inner();
        assert_eq!(r.status, ServingStatus::Serving as i32, "{service:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_secret_never_leaves_the_server() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let secret = format!("never-show-{}", uuid::Uuid::new_v4().simple());
    let mut req = new_webhook(scope("acme", ""), "https://a.example.com/", &["tag_created"]);
    req.secret = secret.clone();
    assert!(!format!("{req:?}").contains(&secret), "Debug of the client's request shows the secret");
    let server_side = webhookd::pb::CreateWebhookRequest { secret: secret.clone(), ..Default::default() };
    assert!(!format!("{server_side:?}").contains(&secret), "Debug of the server's request shows the secret");

    let mut encoded: Vec<u8> = Vec::new();
    let created = admin.create_webhook(req).await.unwrap().into_inner();
    encoded.extend(created.encode_to_vec());
    let id = created.id.clone();
    let got = admin.get_webhook(pb::GetWebhookRequest { id: id.clone() }).await.unwrap().into_inner();
    encoded.extend(got.encode_to_vec());
    let new_secret = format!("{secret}-rotated");
    let upd = pb::UpdateWebhookRequest { id: id.clone(), secret: new_secret.clone(), ..Default::default() };
    assert!(!format!("{upd:?}").contains(&secret));
    encoded.extend(admin.update_webhook(upd).await.unwrap().into_inner().encode_to_vec());
    let list = admin
        .list_webhooks(pb::ListWebhooksRequest { include_descendants: true, ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    encoded.extend(list.encode_to_vec());
    // An invalid request echoing nothing of the secret either.
    let mut bad = new_webhook(scope("acme", ""), "nope", &["tag_created"]);
    bad.secret = secret.clone();
    let err = admin.create_webhook(bad).await.unwrap_err();
    encoded.extend(err.message().as_bytes());
    encoded.extend(err.details());

    let needle = secret.as_bytes();
    assert!(!encoded.windows(needle.len()).any(|w| w == needle), "a response carries the secret");
    assert!(encoded.windows(id.len()).any(|w| w == id.as_bytes()), "the responses were captured");

    let logs = logs::text();
    assert!(logs.contains(&id), "the server logged the webhook id");
    assert!(!logs.contains(&secret), "the logs carry the secret");
    server.stop().await;
}

#[tokio::test]
async fn data_survives_a_restart_of_the_embedded_cluster() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let opts = || ServerOptions { database_url: None, data_dir: Some(data_dir.clone()), args: vec![] };

    let server = TestServer::start_opts(opts()).await;
    let token = server.admin_token.clone();
    let mode = std::fs::metadata(data_dir.join(webhookd::ADMIN_TOKEN_FILE)).unwrap();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777, 0o600);
    let created = server
        .admin()
        .await
        .create_webhook(new_webhook(scope("acme", "web"), "https://a.example.com/", &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    server.stop().await;
    assert!(!data_dir.join(".s.PGSQL.5432").exists(), "the embedded cluster stops with the server");

    let server = TestServer::start_opts(opts()).await;
    assert_eq!(server.admin_token, token, "the bootstrap token is created once");
    let got = server.admin().await.get_webhook(pb::GetWebhookRequest { id: created.id.clone() }).await.unwrap();
    assert_eq!(got.into_inner(), created);
    server.stop().await;
}
