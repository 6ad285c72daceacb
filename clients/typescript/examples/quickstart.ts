import { WebhookdClient } from "@webhookd/client";

const address = process.env.WEBHOOKD_ADDRESS ?? "127.0.0.1:50051";
const admin = new WebhookdClient(address, process.env.WEBHOOKD_ADMIN_TOKEN!);
const publisher = new WebhookdClient(address, process.env.WEBHOOKD_PUBLISHER_TOKEN!);
const hook = await admin.createWebhook(process.env.RECEIVER_URL!, "change-me-please", ["project_created"], { companyId: "acme" });
const sent = await publisher.publishEvent("project_created", { projectId: "web", createdAt: 1700000000123 },
  { companyId: "acme", projectId: "web" });
console.log("published", sent.eventId, "to", sent.deliveries, "webhook(s)");
for await (const d of admin.listEventHistory(hook.id, { status: "error" })) console.log("failed:", d.eventType, d.statusCode, d.error);
