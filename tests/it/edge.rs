//! The edge: bounded responses and errors, undecodable requests.

use prost::Message;
use tonic::Code;
use webhookd_client::pb;

use crate::common::{assert_field_error, new_webhook, TestServer};

/// One CA certificate, PEM.
fn ca_pem() -> String {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap().pem()
}

#[tokio::test]
async fn list_pages_stay_under_the_default_message_size_whatever_the_rows_hold() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let one = ca_pem();
    // As large as a ca_certificate may be: 80 of them are far beyond 4 MiB.
    let big = one.repeat(webhookd::api::validate::MAX_CA_BYTES / one.len());
    for i in 0..80 {
        let mut req = new_webhook(None, &format!("https://h{i}.example.com/"), &["tag_created"]);
        req.ca_certificate = big.clone();
        admin.create_webhook(req).await.unwrap();
    }
    let (mut seen, mut pages, mut token) = (0, 0, String::new());
    loop {
        // The client keeps its default 4 MiB limit for received messages.
        let page = admin
            .list_webhooks(pb::ListWebhooksRequest { page_size: 500, page_token: token, ..Default::default() })
            .await
            .expect("a page fits in the default message size")
            .into_inner();
        assert!(page.encoded_len() < 4 * 1024 * 1024, "page of {} bytes", page.encoded_len());
        assert!(!page.webhooks.is_empty());
        seen += page.webhooks.len();
        pages += 1;
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen, 80, "paging by size still returns every webhook once");
    assert!(pages > 1, "a page ended early on its size");
    server.stop().await;
}

#[tokio::test]
async fn echoed_input_is_truncated_in_messages_and_details() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let huge = "x".repeat(10_000);
    let err = admin.create_webhook(new_webhook(None, "https://a.example.com/", &[&huge])).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "events");
    assert!(err.message().contains("xxxx\"…"), "the name is shown cut: {}", err.message());
    assert!(
        err.message().len() < 200 && err.details().len() < 400,
        "{} / {}",
        err.message().len(),
        err.details().len()
    );

    let token = server.token("publisher", "", "").await;
    let err = server
        .ingest_as(Some(&token))
        .await
        .publish_event(pb::PublishEventRequest { event_name: huge.clone(), payload: "{}".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "event_name");
    assert!(err.message().len() < 200 && err.details().len() < 400, "{err:?}");

    let err = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: uuid::Uuid::new_v4().to_string(),
            update_mask: Some(prost_types::FieldMask { paths: vec![huge] }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    // The id is unknown, so NOT_FOUND comes first; either way nothing long comes back.
    assert!(err.message().len() < 200, "{err:?}");
    server.stop().await;
}

/// `GetWebhookRequest` with its `id` (field 1) as raw bytes.
#[derive(Clone, PartialEq, prost::Message)]
struct RawStringField {
    #[prost(bytes = "vec", tag = "1")]
    id: Vec<u8>,
}

/// `GetWebhookRequest` with field 1 of the wrong wire type.
#[derive(Clone, PartialEq, prost::Message)]
struct WrongWireType {
    #[prost(fixed64, tag = "1")]
    id: u64,
}

async fn get_webhook_raw<M: Message + Send + Sync + 'static>(server: &TestServer, msg: M) -> tonic::Status {
    let mut grpc = tonic::client::Grpc::new(server.channel().await);
    grpc.ready().await.unwrap();
    let mut req = tonic::Request::new(msg);
    req.metadata_mut().insert("authorization", format!("Bearer {}", server.admin_token).parse().unwrap());
    let path = http::uri::PathAndQuery::from_static("/webhookd.v1.WebhookAdmin/GetWebhook");
    grpc.unary::<M, pb::Webhook, _>(req, path, tonic_prost::ProstCodec::default()).await.unwrap_err()
}

#[tokio::test]
async fn undecodable_requests_are_invalid_argument() {
    let server = TestServer::start().await;
    let status = get_webhook_raw(&server, RawStringField { id: vec![0xff, 0xfe, b'a'] }).await;
    assert_eq!(status.code(), Code::InvalidArgument, "invalid UTF-8 in a string field: {status:?}");
    let status = get_webhook_raw(&server, WrongWireType { id: 7 }).await;
    assert_eq!(status.code(), Code::InvalidArgument, "not the message's encoding: {status:?}");
    // The same path with a valid encoding reaches the handler.
    let status = get_webhook_raw(&server, RawStringField { id: b"nope".to_vec() }).await;
    assert_field_error(&status, Code::InvalidArgument, "id");
    server.stop().await;
}
