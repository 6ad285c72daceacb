use webhookd_client::{pb, Client};

/// Creates a webhook, publishes an event to it, and prints the webhook's failed deliveries.
pub async fn run(
    address: &str,
    admin_token: &str,
    publisher_token: &str,
    receiver_url: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let (admin, publisher) =
        (Client::connect(address, admin_token).await?, Client::connect(address, publisher_token).await?);
    let scope = |p: &str| Some(pb::Scope { company_id: "acme".into(), project_id: p.into() });
    let hook = admin
        .admin()
        .create_webhook(pb::CreateWebhookRequest {
            scope: scope(""),
            target_url: receiver_url.into(),
            secret: "change-me-please".into(),
            events: vec!["project_created".into()],
            ..Default::default()
        })
        .await?
        .into_inner();
    let sent = publisher
        .ingest()
        .publish_event(pb::PublishEventRequest {
            event_name: "project_created".into(),
            scope: scope("web"),
            payload: r#"{"projectId":"web","createdAt":1700000000123}"#.into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    println!("published {} to {} webhook(s)", sent.event_id, sent.deliveries);
    let failed = pb::ListEventHistoryRequest {
        webhook_id: hook.id,
        status: pb::DeliveryStatus::Error as i32,
        ..Default::default()
    };
    let mut history = admin.admin().list_event_history(failed).await?.into_inner();
    while let Some(d) = history.message().await? {
        println!("failed: {} {} {}", d.event_type, d.status_code, d.error);
    }
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    run(
        &format!("http://{}", env("WEBHOOKD_ADDRESS")),
        &env("WEBHOOKD_ADMIN_TOKEN"),
        &env("WEBHOOKD_PUBLISHER_TOKEN"),
        &env("RECEIVER_URL"),
    )
    .await
}
