//! Webhook secrets through their life: rotation with a grace period.

use std::time::{Duration, SystemTime};

use tonic::Code;
use webhookd_client::pb;

use crate::common::receiver::Receiver;
use crate::common::{assert_field_error, new_webhook, TestServer};
use crate::delivery::{assert_signed_by, publish};

const FIRST: &str = "s3cret-value-1234";

fn new_secret(id: &str, secret: &str, grace: Option<Duration>) -> pb::UpdateWebhookRequest {
    pb::UpdateWebhookRequest {
        id: id.into(),
        secret: secret.into(),
        secret_grace_period: grace.map(|d| d.try_into().unwrap()),
        ..Default::default()
    }
}

fn rotation_end(w: &pb::Webhook) -> Option<SystemTime> {
    w.secret_rotation_end_time.map(|t| SystemTime::try_from(t).unwrap())
}

#[tokio::test]
async fn a_replaced_secret_keeps_signing_until_its_grace_period_ends() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    assert_eq!(w.secret_rotation_end_time, None);
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &[FIRST]);

    // A new secret without a grace period given: the old one signs too for 24 hours.
    let rotated = admin.update_webhook(new_secret(&w.id, "second-secret-2", None)).await.unwrap().into_inner();
    let end = rotation_end(&rotated).expect("a rotation in progress");
    let day = SystemTime::now() + Duration::from_secs(24 * 3600);
    assert!(end <= day && day.duration_since(end).unwrap() < Duration::from_secs(60), "{end:?}");
    let got = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(got.secret_rotation_end_time, rotated.secret_rotation_end_time);
    assert!(!format!("{got:?}").contains("second-secret") && !format!("{got:?}").contains(FIRST));
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["second-secret-2", FIRST]);

    // Zero: the replaced secret stops at once (and the rotation before it ends).
    let now = admin.update_webhook(new_secret(&w.id, "third-secret-3", Some(Duration::ZERO))).await.unwrap();
    assert_eq!(now.into_inner().secret_rotation_end_time, None);
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["third-secret-3"]);

    // A short grace period: once it ends, only the new secret signs.
    let short = admin
        .update_webhook(new_secret(&w.id, "fourth-secret-4", Some(Duration::from_secs(1))))
        .await
        .unwrap()
        .into_inner();
    let end = rotation_end(&short).expect("a rotation in progress");
    if let Ok(left) = end.duration_since(SystemTime::now()) {
        tokio::time::sleep(left + Duration::from_millis(50)).await;
    }
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["fourth-secret-4"]);
    let after = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(after.secret_rotation_end_time, None, "the rotation is over");

    // A grace period needs a new secret, and is at most 30 days.
    // Without a secret, too long, negative:
    for req in [
        pb::UpdateWebhookRequest {
            id: w.id.clone(),
            events: vec!["tag_created".into()],
            secret_grace_period: Some(Duration::from_secs(60).try_into().unwrap()),
            ..Default::default()
        },
        new_secret(&w.id, "fifth-secret-5", Some(Duration::from_secs(31 * 24 * 3600))),
        pb::UpdateWebhookRequest {
            secret_grace_period: Some(prost_types::Duration { seconds: -1, nanos: 0 }),
            ..new_secret(&w.id, "fifth-secret-5", None)
        },
    ] {
        let err = admin.update_webhook(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, "secret_grace_period");
    }
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["fourth-secret-4"]);
    server.stop().await;
}
