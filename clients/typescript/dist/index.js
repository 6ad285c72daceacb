// Client for webhookd, generated from the same proto as the server (protoc-gen-es), over
// gRPC with Connect for Node, plus the receiver-side signature helpers.
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { HistoryOrder, WebhookAdmin } from "./gen/webhookd/v1/admin_pb.js";
import { EventIngest } from "./gen/webhookd/v1/ingest_pb.js";
import { DeliveryStatus } from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/admin_pb.js";
export * from "./gen/webhookd/v1/ingest_pb.js";
export { verifyMiaSignature, verifyStandardWebhook } from "./verify.js";
const STATUS = {
    pending: DeliveryStatus.PENDING,
    success: DeliveryStatus.SUCCESS,
    error: DeliveryStatus.ERROR,
};
/** Both webhookd services over one HTTP/2 connection, authenticated with one token. */
export class WebhookdClient {
    /** The generated `WebhookAdmin` client, for calls the wrapper does not cover. */
    admin;
    /** The generated `EventIngest` client. */
    ingest;
    /** `address` is `host:port` or a full `http(s)://` URL. */
    constructor(address, token) {
        const auth = (next) => async (req) => {
            req.header.set("authorization", `Bearer ${token}`);
            return next(req);
        };
        const baseUrl = /^https?:\/\//.test(address) ? address : `http://${address}`;
        const transport = createGrpcTransport({ baseUrl, interceptors: [auth] });
        this.admin = createClient(WebhookAdmin, transport);
        this.ingest = createClient(EventIngest, transport);
    }
    createWebhook(targetUrl, secret, events, opts = {}) {
        return this.admin.createWebhook({
            scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
            targetUrl,
            secret,
            events,
            caCertificate: opts.caCertificate ?? "",
            proxyUrl: opts.proxyUrl ?? "",
        });
    }
    getWebhook(id) {
        return this.admin.getWebhook({ id });
    }
    /** Changes the fields given; an empty `caCertificate` or `proxyUrl` removes it. */
    updateWebhook(id, change) {
        const paths = Object.entries({
            target_url: change.targetUrl,
            secret: change.secret,
            events: change.events,
            ca_certificate: change.caCertificate,
            proxy_url: change.proxyUrl,
        })
            .filter(([, v]) => v !== undefined)
            .map(([k]) => k);
        return this.admin.updateWebhook({ id, ...change, updateMask: create(FieldMaskSchema, { paths }) });
    }
    async deleteWebhook(id) {
        await this.admin.deleteWebhook({ id });
    }
    /** Every matching webhook, following page tokens. */
    async *listWebhooks(opts = {}) {
        let pageToken = "";
        do {
            const page = await this.admin.listWebhooks({
                scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
                includeDescendants: opts.includeDescendants ?? false,
                events: opts.events ?? [],
                pageSize: opts.pageSize ?? 0,
                pageToken,
            });
            yield* page.webhooks;
            pageToken = page.nextPageToken;
        } while (pageToken);
    }
    /** The webhook's recent deliveries (at most 200), filtered and sorted by the server. */
    listEventHistory(webhookId, opts = {}) {
        return this.admin.listEventHistory({
            webhookId,
            eventTypes: opts.eventTypes ?? [],
            status: opts.status ? STATUS[opts.status] : DeliveryStatus.UNSPECIFIED,
            statusCodes: opts.statusCodes ?? [],
            order: opts.oldestFirst ? HistoryOrder.OLDEST_FIRST : HistoryOrder.NEWEST_FIRST,
            limit: opts.limit ?? 0,
        });
    }
    getDelivery(id) {
        return this.admin.getDelivery({ id });
    }
    redeliverEvent(deliveryId) {
        return this.admin.redeliverEvent({ deliveryId });
    }
    testWebhook(webhookId) {
        return this.admin.testWebhook({ webhookId });
    }
    /** Deliveries as their state changes, for one webhook or a scope; stop with `signal`. */
    watchDeliveries(target, opts = {}) {
        const t = "webhookId" in target
            ? { case: "webhookId", value: target.webhookId }
            : { case: "scope", value: { companyId: target.companyId ?? "", projectId: target.projectId ?? "" } };
        return this.admin.watchDeliveries({
            target: t,
            eventTypes: opts.eventTypes ?? [],
            status: opts.status ? STATUS[opts.status] : DeliveryStatus.UNSPECIFIED,
            statusCodes: opts.statusCodes ?? [],
        }, { signal: opts.signal });
    }
    /** A publish request. `payload` is JSON text (sent byte for byte) or an object. */
    static event(eventName, payload, opts = {}) {
        return {
            eventName,
            scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
            payload: typeof payload === "string" ? payload : JSON.stringify(payload),
            eventTimestamp: opts.eventTimestamp ?? 0n,
            idempotencyKey: opts.idempotencyKey ?? "",
        };
    }
    publishEvent(eventName, payload, opts = {}) {
        return this.ingest.publishEvent(WebhookdClient.event(eventName, payload, opts));
    }
    /** Streams many events; answers come back in order, each once its event is durable. */
    publishEvents(events) {
        async function* all() {
            yield* events;
        }
        return this.ingest.publishEvents(all());
    }
}
