use webhookd_client::{field_violations, pb, Client};

/// Creates a webhook, publishes an event to it, prints the webhook's failed deliveries, and
/// shows how a refused request names its field.
pub async fn run(
    address: &str,
    admin_token: &str,
    publisher_token: &str,
    receiver_url: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let (admin, publisher) =
        (Client::connect(address, admin_token).await?, Client::connect(address, publisher_token).await?);
    let scope = |p: &str| Some(pb::Scope { company_id: "acme".into(), project_id: p.into() });
    // A raw stub call, with the client's deadline (30 s); creating is never retried.
    let hook = admin
        .admin()
        .create_webhook(admin.request(pb::CreateWebhookRequest {
            scope: scope(""),
            target_url: receiver_url.into(),
            secret: "change-me-please".into(),
            events: vec!["project_created".into()],
            ..Default::default()
        }))
        .await?
        .into_inner();
    // Retried while the server is unavailable, with a generated idempotency key: stored once.
    let sent = publisher
        .publish_event(pb::PublishEventRequest {
            event_name: "project_created".into(),
            scope: scope("web"),
            payload: r#"{"projectId":"web","createdAt":1700000000123}"#.into(),
            ..Default::default()
        })
        .await?;
    println!("published {} to {} webhook(s)", sent.event_id, sent.deliveries);
    let failed = pb::ListEventHistoryRequest {
        webhook_id: hook.id,
        status: pb::DeliveryStatus::Error as i32,
        ..Default::default()
    };
    for d in admin.list_event_history(failed).await? {
        println!("failed: {} {} {}", d.event_type, d.status_code, d.error);
    }
    let bad = pb::CreateWebhookRequest {
        target_url: "ftp://example.com/hook".into(),
        secret: "change-me-please".into(),
        events: vec!["project_created".into()],
        ..Default::default()
    };
    if let Err(refused) = admin.admin().create_webhook(admin.request(bad)).await {
        println!("refused: {:?} {:?}", refused.code(), field_violations(&refused));
    }
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    run(
        &std::env::var("WEBHOOKD_ADDRESS").unwrap_or_else(|_| "127.0.0.1:50051".into()),
        &env("WEBHOOKD_ADMIN_TOKEN"),
        &env("WEBHOOKD_PUBLISHER_TOKEN"),
        &env("RECEIVER_URL"),
    )
    .await
}
