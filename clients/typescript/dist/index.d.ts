import { type MessageInitShape } from "@bufbuild/protobuf";
import { type Client } from "@connectrpc/connect";
import { WebhookAdmin } from "./gen/webhookd/v1/admin_pb.js";
import { EventIngest, PublishEventRequestSchema, type PublishEventResponse } from "./gen/webhookd/v1/ingest_pb.js";
import { type DeliveryRecord, type Webhook } from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/admin_pb.js";
export * from "./gen/webhookd/v1/ingest_pb.js";
export { verifyMiaSignature, verifyStandardWebhook } from "./verify.js";
/** A publish request as plain fields. */
export type PublishEventInit = MessageInitShape<typeof PublishEventRequestSchema>;
/** Where a webhook is installed or an event happened; both empty means the instance. */
export interface ScopeIds {
    companyId?: string;
    projectId?: string;
}
/** History and watch filters. `status` is "pending", "success" or "error". */
export interface DeliveryFilter {
    eventTypes?: string[];
    status?: "pending" | "success" | "error";
    statusCodes?: number[];
}
/** Both webhookd services over one HTTP/2 connection, authenticated with one token. */
export declare class WebhookdClient {
    /** The generated `WebhookAdmin` client, for calls the wrapper does not cover. */
    readonly admin: Client<typeof WebhookAdmin>;
    /** The generated `EventIngest` client. */
    readonly ingest: Client<typeof EventIngest>;
    /** `address` is `host:port` or a full `http(s)://` URL. */
    constructor(address: string, token: string);
    createWebhook(targetUrl: string, secret: string, events: string[], opts?: ScopeIds & {
        caCertificate?: string;
        proxyUrl?: string;
    }): Promise<Webhook>;
    getWebhook(id: string): Promise<Webhook>;
    /** Changes the fields given; an empty `caCertificate` or `proxyUrl` removes it. */
    updateWebhook(id: string, change: {
        targetUrl?: string;
        secret?: string;
        events?: string[];
        caCertificate?: string;
        proxyUrl?: string;
    }): Promise<Webhook>;
    deleteWebhook(id: string): Promise<void>;
    /** Every matching webhook, following page tokens. */
    listWebhooks(opts?: ScopeIds & {
        includeDescendants?: boolean;
        events?: string[];
        pageSize?: number;
    }): AsyncGenerator<Webhook>;
    /** The webhook's recent deliveries (at most 200), filtered and sorted by the server. */
    listEventHistory(webhookId: string, opts?: DeliveryFilter & {
        oldestFirst?: boolean;
        limit?: number;
    }): AsyncIterable<DeliveryRecord>;
    getDelivery(id: string): Promise<import("./gen/webhookd/v1/webhook_pb.js").DeliveryDetail>;
    redeliverEvent(deliveryId: string): Promise<DeliveryRecord>;
    testWebhook(webhookId: string): Promise<DeliveryRecord>;
    /** Deliveries as their state changes, for one webhook or a scope; stop with `signal`. */
    watchDeliveries(target: {
        webhookId: string;
    } | ScopeIds, opts?: DeliveryFilter & {
        signal?: AbortSignal;
    }): AsyncIterable<DeliveryRecord>;
    /** A publish request. `payload` is JSON text (sent byte for byte) or an object. */
    static event(eventName: string, payload: string | object, opts?: ScopeIds & {
        eventTimestamp?: bigint;
        idempotencyKey?: string;
    }): PublishEventInit;
    publishEvent(eventName: string, payload: string | object, opts?: ScopeIds & {
        eventTimestamp?: bigint;
        idempotencyKey?: string;
    }): Promise<PublishEventResponse>;
    /** Streams many events; answers come back in order, each once its event is durable. */
    publishEvents(events: AsyncIterable<PublishEventInit> | Iterable<PublishEventInit>): AsyncIterable<PublishEventResponse>;
}
