import { type MessageInitShape } from "@bufbuild/protobuf";
import { type Client } from "@connectrpc/connect";
import { type CallOptions, type ClientOptions, type DeliveryFilter, type OrderingName, type SchemeName, type ScopeIds, type StateName, type WatchOptions } from "./options.js";
import { WebhookAdmin, type AuditEvent, type EventType, type WebhookSigningKeys } from "./gen/webhookd/v1/admin_pb.js";
import { EventIngest, PublishEventRequestSchema, type PublishEventResponse } from "./gen/webhookd/v1/ingest_pb.js";
import { TokenAdmin, type CreateTokenResponse, type PortalLink, type Token } from "./gen/webhookd/v1/token_pb.js";
import { type DeliveryDetail, type DeliveryRecord, type Webhook } from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/admin_pb.js";
export * from "./gen/webhookd/v1/ingest_pb.js";
export * from "./gen/webhookd/v1/token_pb.js";
export { VerificationError, verifyEvent, verifyMiaSignature, verifyStandardWebhook, verifyStandardWebhookV1a, type VerifiedEvent, } from "./verify.js";
export { USER_AGENT, VERSION } from "./version.js";
export * from "./options.js";
export { Code, ConnectError, fieldViolations, isRetryable, tlsProblem, type FieldViolation } from "./errors.js";
/** A publish request as plain fields. */
export type PublishEventInit = MessageInitShape<typeof PublishEventRequestSchema>;
export declare class WebhookdClient {
    /** The generated `WebhookAdmin` client, for calls the wrapper does not cover. */
    readonly admin: Client<typeof WebhookAdmin>;
    /** The generated `EventIngest` client. */
    readonly ingest: Client<typeof EventIngest>;
    /** The generated `TokenAdmin` client. */
    readonly tokens: Client<typeof TokenAdmin>;
    private readonly timeoutMs;
    private readonly retry;
    /** `address` is `host:port`, `http://host:port` or `https://host:port` (TLS). */
    constructor(address: string, token: string, options?: ClientOptions);
    /** Runs `attempt` within the deadline, retrying UNAVAILABLE when `retry`. */
    private call;
    /**
     * Installs a webhook. `maxInFlight` and `rateLimitPerSecond` limit its deliveries (0: the
     * server's default, no rate limit); `state: "paused"` creates it paused. `filter` (JSON
     * object text the payload must contain) and `labels` (that an event must carry) narrow the
     * events it receives. `clientCertificate` and `clientKey` (PEM) are presented to a target
     * that asks for a client certificate; the key is write-only. `signatureScheme` is "v1"
     * (the default: HMAC with the secret), "v1a" (ed25519: webhookd makes a key pair and returns
     * its public key in `signingPublicKey`) or "v1_and_v1a". `ordering: "fifo"` sends its
     * deliveries one at a time in publish order. Not retried: a retry could create a second one.
     */
    createWebhook(targetUrl: string, secret: string, events: string[], opts?: ScopeIds & {
        caCertificate?: string;
        proxyUrl?: string;
        maxInFlight?: number;
        rateLimitPerSecond?: number;
        state?: StateName;
        filter?: string;
        labels?: Record<string, string>;
        clientCertificate?: string;
        clientKey?: string;
        signatureScheme?: SchemeName;
        ordering?: OrderingName;
    } & CallOptions): Promise<Webhook>;
    /** One webhook, with its last event. */
    getWebhook(id: string, opts?: CallOptions): Promise<Webhook>;
    /**
     * Changes the fields given (the secret only when given); an empty `caCertificate`,
     * `proxyUrl`, `filter` or `labels` removes it; a new `clientCertificate` comes with its
     * `clientKey` (an empty one removes both). A new secret keeps the old one valid (a second `webhook-signature`
     * entry) for `secretGracePeriodMs`: 24 hours if not given, 0 for none. `state` is
     * "active" or "paused" (making a paused or disabled webhook active sends what it holds).
     * `rotateSigningKey` makes a new ed25519 key pair; the one it replaces keeps signing for
     * `signingKeyGracePeriodMs` (24 hours if not given, 0 for none). `ordering` is "unordered"
     * or "fifo". Not retried.
     */
    updateWebhook(id: string, change: {
        targetUrl?: string;
        secret?: string;
        events?: string[];
        caCertificate?: string;
        proxyUrl?: string;
        secretGracePeriodMs?: number;
        state?: StateName;
        maxInFlight?: number;
        rateLimitPerSecond?: number;
        filter?: string;
        labels?: Record<string, string>;
        clientCertificate?: string;
        clientKey?: string;
        signatureScheme?: SchemeName;
        rotateSigningKey?: boolean;
        signingKeyGracePeriodMs?: number;
        ordering?: OrderingName;
    }, opts?: CallOptions): Promise<Webhook>;
    /** Deletes a webhook and its history. Not retried. */
    deleteWebhook(id: string, opts?: CallOptions): Promise<void>;
    /** Every matching webhook, following page tokens (each page within its own deadline). */
    listWebhooks(opts?: ScopeIds & {
        includeDescendants?: boolean;
        events?: string[];
        states?: StateName[];
        pageSize?: number;
    } & CallOptions): AsyncGenerator<Webhook>;
    /**
     * The public keys (`whpk_…`) of the `v1a` signatures of the scope's webhooks that have a
     * key pair, with the previous key while a rotation runs: every page, each within its own
     * deadline. Retried.
     */
    getSigningKeys(opts?: ScopeIds & {
        includeDescendants?: boolean;
    } & CallOptions): Promise<WebhookSigningKeys[]>;
    /**
     * The audit log of changes made through the admin API within this token's reach, newest
     * first: at most `limit` records (100 by default, 1000 at most); read further back by
     * passing the oldest `createTime` as `endTime`. Retried.
     */
    listAuditEvents(opts?: ScopeIds & {
        includeDescendants?: boolean;
        resourceId?: string;
        tokenId?: string;
        startTime?: Date;
        endTime?: Date;
        limit?: number;
    } & CallOptions): Promise<AuditEvent[]>;
    /**
     * Creates an `admin` or `publisher` token on a scope within this client's token's reach;
     * `bearerToken` of the result is shown only now. Not retried: a lost answer would leave a
     * token nobody knows (list the tokens and revoke what you cannot account for).
     */
    createToken(role: "admin" | "publisher", opts?: ScopeIds & {
        description?: string;
        expireTime?: Date;
    } & CallOptions): Promise<CreateTokenResponse>;
    /**
     * Creates a portal link: a short-lived admin token narrowed to one project (`companyId` and
     * `projectId`) or to one webhook (`webhookId`), and the admin page's `url` carrying it in
     * its fragment, shown only now. `lifetimeMs` from 1 s to 24 h (default 1 h);
     * `frameAncestors`: origins whose pages may frame the page (default none). Not retried, as
     * `createToken`; `revokeToken(link.token.id)` ends it.
     */
    createPortalLink(opts?: ScopeIds & {
        webhookId?: string;
        lifetimeMs?: number;
        frameAncestors?: string[];
        description?: string;
    } & CallOptions): Promise<PortalLink>;
    /** Every matching token (never its value), newest first, following page tokens. */
    listTokens(opts?: ScopeIds & {
        includeDescendants?: boolean;
        showInactive?: boolean;
        pageSize?: number;
    } & CallOptions): AsyncGenerator<Token>;
    /** Revokes a token by id: every replica refuses it from its next call on. Retried (revoking twice changes nothing). */
    revokeToken(id: string, opts?: CallOptions): Promise<Token>;
    /** The event catalog. */
    listEventTypes(opts?: CallOptions): Promise<EventType[]>;
    /**
     * The webhook's recent deliveries (at most 200), filtered and sorted by the server; read
     * whole within the deadline and retried like any read.
     */
    listEventHistory(webhookId: string, opts?: DeliveryFilter & {
        oldestFirst?: boolean;
        limit?: number;
    } & CallOptions): AsyncGenerator<DeliveryRecord>;
    /** One delivery with its request body and headers and every attempt. */
    getDelivery(id: string, opts?: CallOptions): Promise<DeliveryDetail>;
    /** Sends a delivery's event again, as a new delivery with the same body bytes. Not retried. */
    redeliverEvent(deliveryId: string, opts?: CallOptions): Promise<DeliveryRecord>;
    /** Sends the webhook a test event. Not retried. */
    testWebhook(webhookId: string, opts?: CallOptions): Promise<DeliveryRecord>;
    /**
     * Deliveries as they are created and change state, for one webhook or a scope. The watch
     * never ends as if complete: after a server restart, a lost connection or falling behind
     * it opens itself again with backoff, from the last change received (what changed in
     * between is replayed first, each change once), and calls `onResume` (or throws with
     * `resume: false`).
     * Other errors (the webhook was deleted, the token refused) throw. Abort `signal` to end
     * the loop; it has no deadline.
     */
    watchDeliveries(target: {
        webhookId: string;
    } | ScopeIds, opts?: WatchOptions): AsyncGenerator<DeliveryRecord>;
    /** A publish request. `payload` is JSON text (sent byte for byte) or an object. */
    static event(eventName: string, payload: string | object, opts?: ScopeIds & {
        eventTimestamp?: bigint;
        idempotencyKey?: string;
        labels?: Record<string, string>;
    }): PublishEventInit;
    /**
     * Publishes one event; it is durable when the promise resolves. Without an
     * `idempotencyKey` one is generated, so the retries made on UNAVAILABLE never store the
     * event twice: a retry whose first attempt was stored answers with `duplicate` set and
     * the same `eventId`.
     */
    publishEvent(eventName: string, payload: string | object, opts?: ScopeIds & {
        eventTimestamp?: bigint;
        idempotencyKey?: string;
        labels?: Record<string, string>;
    } & CallOptions): Promise<PublishEventResponse>;
    /**
     * Streams many events; answers come back in order, each once its event is durable. Not
     * retried: if the stream breaks, send the unanswered events again with the same
     * idempotency keys. No deadline unless `timeoutMs` is given.
     */
    publishEvents(events: AsyncIterable<PublishEventInit> | Iterable<PublishEventInit>, opts?: CallOptions): AsyncIterable<PublishEventResponse>;
}
