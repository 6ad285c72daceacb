import os
from webhookd_client import DeliveryStatus, InvalidArgumentError, WebhookdClient

address = os.environ.get("WEBHOOKD_ADDRESS", "127.0.0.1:50051")
with WebhookdClient(address, os.environ["WEBHOOKD_ADMIN_TOKEN"]) as admin, \
        WebhookdClient(address, os.environ["WEBHOOKD_PUBLISHER_TOKEN"]) as publisher:
    hook = admin.create_webhook(os.environ["RECEIVER_URL"], "change-me-please", ["project_created"], company_id="acme")
    # Retried while the server is unavailable, with a generated idempotency key: stored once.
    sent = publisher.publish_event("project_created", {"projectId": "web", "createdAt": 1700000000123},
                                   company_id="acme", project_id="web")
    print("published", sent.event_id, "to", sent.deliveries, "webhook(s)")
    for delivery in admin.list_event_history(hook.id, status=DeliveryStatus.ERROR):
        print("failed:", delivery.event_type, delivery.status_code, delivery.error)
    try:
        admin.create_webhook("ftp://example.com/hook", "change-me-please", ["project_created"])
    except InvalidArgumentError as error:
        print("refused:", error.field_violations)  # [('target_url', 'scheme must be http or https')]
