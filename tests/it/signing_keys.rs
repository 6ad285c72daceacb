//! Public-key signatures (Standard Webhooks v1a, ed25519): webhookd generates a webhook's key
//! pair, signs with it, shows only the public key, and rotates it with an overlap; receivers
//! verify with an implementation other than the server's (ed25519-dalek).

use std::time::Duration;

use tonic::Code;
use webhookd_client::pb;

use crate::common::receiver::Receiver;
use crate::common::{assert_field_error, new_webhook, publish, scope, sql, theirs_and_acme, TestServer};
use crate::delivery::{assert_signed_by, assert_signed_scheme, assert_signed_with};

/// The secret `new_webhook` gives.
const SECRET: &str = "s3cret-value-1234";

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask { paths: paths.iter().map(|p| p.to_string()).collect() })
}

#[tokio::test]
async fn v1a_signatures_verify_with_the_public_key_through_rotations_and_scheme_changes() {
    let rx = Receiver::ok().await;
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut req = new_webhook(scope("acme", "web"), &rx.url("/signed"), &["tag_created"]);
    req.signature_scheme = pb::SignatureScheme::V1a as i32;
    let w = admin.create_webhook(req).await.unwrap().into_inner();
    assert_eq!(w.signature_scheme, pb::SignatureScheme::V1a as i32);
    let first = w.signing_public_key.clone();
    assert!(first.starts_with("whpk_") && first.len() == 5 + 44, "{first}");
    assert_eq!((w.previous_signing_public_key.as_str(), w.signing_key_rotation_end_time), ("", None));
    // A webhook left at the default signs with its secret alone and has no key pair.
    let plain = admin
        .create_webhook(new_webhook(scope("acme", "web"), &rx.url("/plain"), &["project_created"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((plain.signature_scheme, plain.signing_public_key.as_str()), (pb::SignatureScheme::V1 as i32, ""));

    // V1A: one v1a entry, no v1 entry; X-Mia-Signature as ever.
    publish(&server, "tag_created", scope("acme", "web"), r#"{"n":1}"#).await;
    assert_signed_scheme(&rx.expect().await, &[], SECRET, &[&first]);
    publish(&server, "project_created", scope("acme", "web"), r#"{"n":2}"#).await;
    assert_signed_by(&rx.expect().await, &[SECRET]);

    // Both schemes, for receivers moving over: the v1 entry first.
    let both = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            signature_scheme: pb::SignatureScheme::V1AndV1a as i32,
            update_mask: mask(&["signature_scheme"]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(both.signing_public_key, first, "moving between schemes keeps the key pair");
    publish(&server, "tag_created", scope("acme", "web"), r#"{"n":3}"#).await;
    assert_signed_with(&rx.expect().await, &[SECRET], &[&first]);

    // A rotation with an hour's overlap: the new key signs first, the old one still signs.
    let rotated = rotate(&mut admin, &w.id, 3600).await;
    let second = rotated.signing_public_key.clone();
    assert_ne!(second, first);
    assert_eq!(rotated.previous_signing_public_key, first);
    let end: std::time::SystemTime = rotated.signing_key_rotation_end_time.unwrap().try_into().unwrap();
    let left = end.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(left > Duration::from_secs(3500) && left <= Duration::from_secs(3600), "{left:?}");
    publish(&server, "tag_created", scope("acme", "web"), r#"{"n":4}"#).await;
    let got = rx.expect().await;
    assert_signed_with(&got, &[SECRET], &[&second, &first]);
    // The client's helper, another check over the same request, with either key alone.
    let header = |name: &str| got.header(name);
    let (tol, now) = (Duration::from_secs(300), std::time::SystemTime::now());
    for key in [&second, &first] {
        webhookd_client::verify_standard_webhook_v1a(&got.body, header, &[key], tol, now).unwrap();
    }
    let stranger = plain_key();
    assert!(webhookd_client::verify_standard_webhook_v1a(&got.body, header, &[&stranger], tol, now).is_err());

    // GetSigningKeys lists the scope's keys: this webhook's two, not the one without a key pair.
    let keys = keys_of(&mut admin, scope("acme", "web"), false).await.unwrap().into_inner();
    assert_eq!(keys.keys.len(), 1, "{keys:?}");
    let k = &keys.keys[0];
    assert_eq!((k.webhook_id.as_str(), k.public_key.as_str()), (w.id.as_str(), second.as_str()));
    assert_eq!(
        (k.previous_public_key.as_str(), k.signature_scheme),
        (first.as_str(), pb::SignatureScheme::V1AndV1a as i32)
    );
    assert_eq!(k.previous_expire_time, rotated.signing_key_rotation_end_time);
    let company = keys_of(&mut admin, scope("acme", ""), true).await.unwrap().into_inner();
    assert_eq!(company.keys, keys.keys, "the company's view with descendants holds the project's");
    let exact = keys_of(&mut admin, scope("acme", ""), false).await.unwrap().into_inner();
    assert!(exact.keys.is_empty(), "without descendants, only webhooks on the company itself");

    // A rotation without overlap: only the newest key signs; back on V1, no v1a entry at all.
    let third = rotate(&mut admin, &w.id, 0).await;
    assert!(third.previous_signing_public_key.is_empty() && third.signing_key_rotation_end_time.is_none());
    publish(&server, "tag_created", scope("acme", "web"), r#"{"n":5}"#).await;
    assert_signed_with(&rx.expect().await, &[SECRET], &[&third.signing_public_key]);
    admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            signature_scheme: pb::SignatureScheme::V1 as i32,
            update_mask: mask(&["signature_scheme"]),
            ..Default::default()
        })
        .await
        .unwrap();
    publish(&server, "tag_created", scope("acme", "web"), r#"{"n":6}"#).await;
    assert_signed_by(&rx.expect().await, &[SECRET]);

    // The private keys are never returned nor kept in plain; the audit log names what changed.
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let row = db
        .query_one("SELECT signing_key_sealed, signing_public_key FROM webhooks WHERE id = $1::text::uuid", &[&w.id])
        .await
        .unwrap();
    let (sealed, public): (Vec<u8>, Vec<u8>) = (row.get(0), row.get(1));
    assert!(!sealed.windows(32).any(|s| s == public.as_slice()), "the key pair's document is sealed");
    let audit: Vec<String> = db
        .query("SELECT changes::text FROM audit_events WHERE resource_id = $1::text::uuid ORDER BY id", &[&w.id])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let text = audit.join("\n");
    assert!(
        text.contains(r#""signature_scheme": "V1A""#) && text.contains(r#""signing_key": "(generated)""#),
        "{text}"
    );
    assert!(text.contains(r#""signing_key_grace_period": "1h""#), "{text}");
}

/// Webhook `id` after a new key pair, the replaced one signing on for `grace_secs`.
async fn rotate(admin: &mut crate::common::Admin, id: &str, grace_secs: i64) -> pb::Webhook {
    admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: id.to_string(),
            update_mask: mask(&["signing_key"]),
            signing_key_grace_period: Some(prost_types::Duration { seconds: grace_secs, nanos: 0 }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// `GetSigningKeys` of `scope` (with its descendants when `descendants`).
async fn keys_of(
    admin: &mut crate::common::Admin,
    scope: Option<pb::Scope>,
    descendants: bool,
) -> Result<tonic::Response<pb::GetSigningKeysResponse>, tonic::Status> {
    admin
        .get_signing_keys(pb::GetSigningKeysRequest { scope, include_descendants: descendants, ..Default::default() })
        .await
}

/// A `whpk_` public key of a key pair webhookd never made.
fn plain_key() -> String {
    use base64::Engine;
    let key = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    format!("whpk_{}", base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes()))
}

#[tokio::test]
async fn bad_schemes_and_rotations_are_refused_naming_the_field_and_keys_stay_in_their_tenant() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut req = new_webhook(None, "https://example.com/hook", &["tag_created"]);
    req.signature_scheme = 9;
    let err = admin.create_webhook(req).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "signature_scheme");
    assert!(admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap().into_inner().webhooks.is_empty());

    let w = admin
        .create_webhook(new_webhook(None, "https://example.com/hook", &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    let cases: Vec<(&str, pb::UpdateWebhookRequest)> = vec![
        (
            "signature_scheme",
            pb::UpdateWebhookRequest {
                id: w.id.clone(),
                update_mask: mask(&["signature_scheme"]),
                ..Default::default()
            },
        ),
        (
            "signing_key_grace_period",
            pb::UpdateWebhookRequest {
                id: w.id.clone(),
                update_mask: mask(&["events"]),
                events: vec!["tag_created".into()],
                signing_key_grace_period: Some(prost_types::Duration { seconds: 60, nanos: 0 }),
                ..Default::default()
            },
        ),
        (
            "signing_key_grace_period",
            pb::UpdateWebhookRequest {
                id: w.id.clone(),
                update_mask: mask(&["signing_key"]),
                signing_key_grace_period: Some(prost_types::Duration { seconds: 31 * 24 * 3600, nanos: 0 }),
                ..Default::default()
            },
        ),
    ];
    for (field, req) in cases {
        let err = admin.update_webhook(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
    }
    let after = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!((after.signing_public_key.as_str(), after.update_time), ("", w.update_time), "nothing changed");

    // Another company's admin reaches neither the keys of a scope it does not hold nor, with
    // descendants from its own, anything beyond it.
    let (theirs, mut acme) = theirs_and_acme(&server).await;
    admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: theirs.id.clone(),
            signature_scheme: pb::SignatureScheme::V1a as i32,
            update_mask: mask(&["signature_scheme"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let err = keys_of(&mut acme, scope("globex", ""), false).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    let own = keys_of(&mut acme, scope("acme", ""), true).await.unwrap().into_inner();
    assert!(own.keys.is_empty(), "{own:?}");
    let all = keys_of(&mut admin, None, true).await.unwrap().into_inner();
    assert_eq!(all.keys.iter().map(|k| k.webhook_id.as_str()).collect::<Vec<_>>(), [theirs.id.as_str()]);
}
