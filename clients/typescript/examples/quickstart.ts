import { ConnectError, DeliveryStatus, fieldViolations, WebhookdClient } from "@webhookd/client";

const address = process.env.WEBHOOKD_ADDRESS ?? "127.0.0.1:50051";
const admin = new WebhookdClient(address, process.env.WEBHOOKD_ADMIN_TOKEN!);
const publisher = new WebhookdClient(address, process.env.WEBHOOKD_PUBLISHER_TOKEN!);
const hook = await admin.createWebhook(process.env.RECEIVER_URL!, "change-me-please", ["project_created"], { companyId: "acme" });
// Retried while the server is unavailable, with a generated idempotency key: stored once.
const sent = await publisher.publishEvent("project_created", { projectId: "web", createdAt: 1700000000123 },
  { companyId: "acme", projectId: "web" });
console.log("published", sent.eventId, "to", sent.deliveries, "webhook(s)");
for await (const d of admin.listEventHistory(hook.id, { status: DeliveryStatus.ERROR })) console.log("failed:", d.eventType, d.statusCode, d.error);
try {
  await admin.createWebhook("ftp://example.com/hook", "change-me-please", ["project_created"]);
} catch (e) {
  console.log("refused:", ConnectError.from(e).code, fieldViolations(e)); // [{ field: 'target_url', … }]
}
