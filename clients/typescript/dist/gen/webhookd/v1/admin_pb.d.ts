import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Duration, FieldMask, Timestamp } from "@bufbuild/protobuf/wkt";
import type { CustomHeader, DeliveryDetailSchema, DeliveryOrdering, DeliveryRecordSchema, DeliveryStatus, Scope, SignatureScheme, Webhook, WebhookSchema, WebhookState } from "./webhook_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file webhookd/v1/admin.proto.
 */
export declare const file_webhookd_v1_admin: GenFile;
/**
 * Request of CreateWebhook.
 *
 * @generated from message webhookd.v1.CreateWebhookRequest
 */
export type CreateWebhookRequest = Message<"webhookd.v1.CreateWebhookRequest"> & {
    /**
     * Where to install the webhook.
     *
     * @generated from field: webhookd.v1.Scope scope = 1;
     */
    scope?: Scope | undefined;
    /**
     * Absolute http or https URL with a host, no credentials and no fragment, at most 2048
     * bytes, in clean form: it must read back exactly as sent (no whitespace or control
     * characters, no backslashes, no empty host, no port 0; stored exactly as given). A literal
     * IP address the SSRF guard refuses (loopback, private, link-local, ...) is refused here,
     * unless the server's --allow-targets opens it; host names are checked on every connection.
     *
     * @generated from field: string target_url = 2;
     */
    targetUrl: string;
    /**
     * Shared secret, 8 to 512 bytes; never returned.
     *
     * @generated from field: string secret = 3;
     */
    secret: string;
    /**
     * At least one event name from the catalog.
     *
     * @generated from field: repeated string events = 4;
     */
    events: string[];
    /**
     * Optional PEM CERTIFICATE blocks (nothing else, never a key), at most 64 KiB in all, each
     * valid X.509. The target's TLS chain must verify against them; a certificate the target
     * presents exactly (a self-signed one, say) is trusted as a pin.
     *
     * @generated from field: string ca_certificate = 5;
     */
    caCertificate: string;
    /**
     * Optional http:// forward proxy URL (credentials allowed, sent only to the proxy), at most
     * 2048 bytes; https targets are tunnelled through it with CONNECT, encrypted end to end.
     *
     * @generated from field: string proxy_url = 6;
     */
    proxyUrl: string;
    /**
     * Most deliveries in flight at once to this webhook, 1 to 1000; 0: the server's
     * --webhook-concurrency.
     *
     * @generated from field: uint32 max_in_flight = 7;
     */
    maxInFlight: number;
    /**
     * Most deliveries per second, 1 to 10000; 0: no limit.
     *
     * @generated from field: uint32 rate_limit_per_second = 8;
     */
    rateLimitPerSecond: number;
    /**
     * ACTIVE (the default) or PAUSED.
     *
     * @generated from field: webhookd.v1.WebhookState state = 9;
     */
    state: WebhookState;
    /**
     * Static headers sent with every delivery: at most 20, names distinct without case, 8 KiB
     * of names and values in all (see CustomHeader).
     *
     * @generated from field: repeated webhookd.v1.CustomHeader custom_headers = 10;
     */
    customHeaders: CustomHeader[];
    /**
     * Optional payload filter: the text of a JSON object, at most 4 KiB and 8 levels deep. An
     * event fans out to the webhook only if its payload contains it (PostgreSQL's jsonb `@>`:
     * every key of the filter is in the payload with a containing value, objects compared
     * recursively, an array contained when each of its elements is in the payload's array,
     * scalars equal). `{"type": "invoice", "customer": {"tier": "gold"}}` takes gold
     * customers' invoices; `{"tags": ["urgent"]}` takes payloads whose `tags` hold "urgent".
     * Empty or `{}`: every payload. Events it filters out create no delivery.
     *
     * @generated from field: string filter = 11;
     */
    filter: string;
    /**
     * Optional labels the webhook requires: it receives an event only if the event carries
     * every one of them with the same value (PublishEventRequest.labels). At most 16; keys 1
     * to 64 bytes of letters, digits, '.', '_', '-', '/'; values at most 256 bytes without
     * control characters.
     *
     * @generated from field: map<string, string> labels = 12;
     */
    labels: {
        [key: string]: string;
    };
    /**
     * Optional client certificate presented to an https target that asks for one (mutual
     * TLS): PEM CERTIFICATE blocks, the webhook's own first, at most 64 KiB. Given together with
     * client_key.
     *
     * @generated from field: string client_certificate = 13;
     */
    clientCertificate: string;
    /**
     * The client certificate's private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC), at most 16 KiB;
     * it must belong to the first certificate of client_certificate. Write-only: never
     * returned, sealed at rest like the secret (and sealed again by `webhookd secrets rekey`).
     *
     * @generated from field: string client_key = 14;
     */
    clientKey: string;
    /**
     * Which signatures `webhook-signature` carries: V1 (HMAC-SHA256 with the secret, the
     * default when unspecified), V1A (ed25519, Standard Webhooks' asymmetric scheme) or
     * V1_AND_V1A. With V1A, webhookd generates the webhook's ed25519 key pair: the private key
     * is sealed at rest like the secret and never returned, the public key is in
     * Webhook.signing_public_key. `X-Mia-Signature` is sent whatever the scheme.
     *
     * @generated from field: webhookd.v1.SignatureScheme signature_scheme = 15;
     */
    signatureScheme: SignatureScheme;
    /**
     * UNORDERED (the default when unspecified) or FIFO: each delivery is sent only once the one
     * published before it has a final outcome (see DeliveryOrdering).
     *
     * @generated from field: webhookd.v1.DeliveryOrdering ordering = 16;
     */
    ordering: DeliveryOrdering;
};
/**
 * Describes the message webhookd.v1.CreateWebhookRequest.
 * Use `create(CreateWebhookRequestSchema)` to create a new message.
 */
export declare const CreateWebhookRequestSchema: GenMessage<CreateWebhookRequest>;
/**
 * Request of GetWebhook.
 *
 * @generated from message webhookd.v1.GetWebhookRequest
 */
export type GetWebhookRequest = Message<"webhookd.v1.GetWebhookRequest"> & {
    /**
     * Webhook identifier.
     *
     * @generated from field: string id = 1;
     */
    id: string;
};
/**
 * Describes the message webhookd.v1.GetWebhookRequest.
 * Use `create(GetWebhookRequestSchema)` to create a new message.
 */
export declare const GetWebhookRequestSchema: GenMessage<GetWebhookRequest>;
/**
 * Request of UpdateWebhook.
 *
 * @generated from message webhookd.v1.UpdateWebhookRequest
 */
export type UpdateWebhookRequest = Message<"webhookd.v1.UpdateWebhookRequest"> & {
    /**
     * Webhook identifier.
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * New target URL (mask path `target_url`); rules as in CreateWebhookRequest.
     *
     * @generated from field: string target_url = 2;
     */
    targetUrl: string;
    /**
     * New secret (mask path `secret`), 8 to 512 bytes. Without a mask, empty keeps the current
     * secret; with `secret` in the mask it must be given.
     *
     * @generated from field: string secret = 3;
     */
    secret: string;
    /**
     * New events (mask path `events`).
     *
     * @generated from field: repeated string events = 4;
     */
    events: string[];
    /**
     * New CA certificate (mask path `ca_certificate`), at most 64 KiB; empty removes it.
     *
     * @generated from field: string ca_certificate = 5;
     */
    caCertificate: string;
    /**
     * New http:// proxy URL (mask path `proxy_url`); empty removes it.
     *
     * @generated from field: string proxy_url = 6;
     */
    proxyUrl: string;
    /**
     * Fields to change. Empty: every non-empty field given above.
     *
     * @generated from field: google.protobuf.FieldMask update_mask = 7;
     */
    updateMask?: FieldMask | undefined;
    /**
     * With a new secret: how long the secret it replaces stays valid, so receivers can move to
     * the new one without rejecting deliveries. Absent: 24 hours; zero: the old secret stops at
     * once; at most 30 days. Meanwhile `webhook-signature` carries one `v1,` entry per secret
     * (the new one first) and `X-Mia-Signature`, which has room for one, uses the new secret.
     * Only with a new secret.
     *
     * @generated from field: google.protobuf.Duration secret_grace_period = 8;
     */
    secretGracePeriod?: Duration | undefined;
    /**
     * New state (mask path `state`): ACTIVE or PAUSED (DISABLED is set by webhookd only).
     * Making a PAUSED or DISABLED webhook ACTIVE sends what it holds and closes its circuit
     * breaker.
     *
     * @generated from field: webhookd.v1.WebhookState state = 9;
     */
    state: WebhookState;
    /**
     * New in-flight limit (mask path `max_in_flight`), as in CreateWebhookRequest.
     *
     * @generated from field: uint32 max_in_flight = 10;
     */
    maxInFlight: number;
    /**
     * New rate limit (mask path `rate_limit_per_second`), as in CreateWebhookRequest.
     *
     * @generated from field: uint32 rate_limit_per_second = 11;
     */
    rateLimitPerSecond: number;
    /**
     * New custom headers (mask path `custom_headers`; an empty list removes them all), as in
     * CreateWebhookRequest. A sensitive header sent with an empty value keeps its current value.
     *
     * @generated from field: repeated webhookd.v1.CustomHeader custom_headers = 12;
     */
    customHeaders: CustomHeader[];
    /**
     * New payload filter (mask path `filter`; empty removes it), as in CreateWebhookRequest.
     *
     * @generated from field: string filter = 13;
     */
    filter: string;
    /**
     * New required labels (mask path `labels`; empty removes them), as in CreateWebhookRequest.
     *
     * @generated from field: map<string, string> labels = 14;
     */
    labels: {
        [key: string]: string;
    };
    /**
     * New client certificate and key (mask path `client_certificate`; both given, or both
     * empty to remove them), as in CreateWebhookRequest. The key is write-only.
     *
     * @generated from field: string client_certificate = 15;
     */
    clientCertificate: string;
    /**
     * The new certificate's private key (with mask path `client_certificate`).
     *
     * @generated from field: string client_key = 16;
     */
    clientKey: string;
    /**
     * New signature scheme (mask path `signature_scheme`; must be set). Moving to V1A or
     * V1_AND_V1A generates the webhook's key pair if it has none; moving back to V1 keeps the
     * key pair, unused.
     *
     * @generated from field: webhookd.v1.SignatureScheme signature_scheme = 17;
     */
    signatureScheme: SignatureScheme;
    /**
     * With mask path `signing_key` (nothing to give): webhookd generates a new ed25519 key pair.
     * The key pair it replaces keeps signing for `signing_key_grace_period`, so
     * `webhook-signature` carries a `v1a,` entry for each key (the new one first) until
     * receivers have the new public key.
     *
     * @generated from field: bool rotate_signing_key = 18;
     */
    rotateSigningKey: boolean;
    /**
     * With `signing_key` in the mask: how long the replaced key pair keeps signing. Absent: 24
     * hours; zero: it stops at once; at most 30 days. Only with a rotation.
     *
     * @generated from field: google.protobuf.Duration signing_key_grace_period = 19;
     */
    signingKeyGracePeriod?: Duration | undefined;
    /**
     * New ordering (mask path `ordering`; must be set): UNORDERED or FIFO. Deliveries pending
     * when a webhook becomes FIFO are sent in the order they were published, before newer ones.
     *
     * @generated from field: webhookd.v1.DeliveryOrdering ordering = 20;
     */
    ordering: DeliveryOrdering;
};
/**
 * Describes the message webhookd.v1.UpdateWebhookRequest.
 * Use `create(UpdateWebhookRequestSchema)` to create a new message.
 */
export declare const UpdateWebhookRequestSchema: GenMessage<UpdateWebhookRequest>;
/**
 * Request of DeleteWebhook.
 *
 * @generated from message webhookd.v1.DeleteWebhookRequest
 */
export type DeleteWebhookRequest = Message<"webhookd.v1.DeleteWebhookRequest"> & {
    /**
     * Webhook identifier.
     *
     * @generated from field: string id = 1;
     */
    id: string;
};
/**
 * Describes the message webhookd.v1.DeleteWebhookRequest.
 * Use `create(DeleteWebhookRequestSchema)` to create a new message.
 */
export declare const DeleteWebhookRequestSchema: GenMessage<DeleteWebhookRequest>;
/**
 * Response of DeleteWebhook.
 *
 * @generated from message webhookd.v1.DeleteWebhookResponse
 */
export type DeleteWebhookResponse = Message<"webhookd.v1.DeleteWebhookResponse"> & {};
/**
 * Describes the message webhookd.v1.DeleteWebhookResponse.
 * Use `create(DeleteWebhookResponseSchema)` to create a new message.
 */
export declare const DeleteWebhookResponseSchema: GenMessage<DeleteWebhookResponse>;
/**
 * Request of ListWebhooks.
 *
 * @generated from message webhookd.v1.ListWebhooksRequest
 */
export type ListWebhooksRequest = Message<"webhookd.v1.ListWebhooksRequest"> & {
    /**
     * Scope to list; empty for the instance.
     *
     * @generated from field: webhookd.v1.Scope scope = 1;
     */
    scope?: Scope | undefined;
    /**
     * Also list webhooks on the companies and projects under the scope.
     *
     * @generated from field: bool include_descendants = 2;
     */
    includeDescendants: boolean;
    /**
     * Keep only webhooks subscribed to any of these events.
     *
     * @generated from field: repeated string events = 3;
     */
    events: string[];
    /**
     * Page size; 0 means 50, values above 500 are capped to 500. A page also ends early
     * once it holds about 2 MiB, so it always fits a client's default 4 MiB message limit.
     *
     * @generated from field: int32 page_size = 4;
     */
    pageSize: number;
    /**
     * Token from a previous response's `next_page_token`.
     *
     * @generated from field: string page_token = 5;
     */
    pageToken: string;
    /**
     * Keep only webhooks in any of these states; empty keeps all.
     *
     * @generated from field: repeated webhookd.v1.WebhookState states = 6;
     */
    states: WebhookState[];
    /**
     * Keep only webhooks whose target URL contains this text, ignoring case (at most 2048
     * bytes; empty keeps all). Served by a trigram index from 3 characters on.
     *
     * @generated from field: string target_url_contains = 7;
     */
    targetUrlContains: string;
};
/**
 * Describes the message webhookd.v1.ListWebhooksRequest.
 * Use `create(ListWebhooksRequestSchema)` to create a new message.
 */
export declare const ListWebhooksRequestSchema: GenMessage<ListWebhooksRequest>;
/**
 * Response of ListWebhooks.
 *
 * @generated from message webhookd.v1.ListWebhooksResponse
 */
export type ListWebhooksResponse = Message<"webhookd.v1.ListWebhooksResponse"> & {
    /**
     * The page's webhooks, oldest first.
     *
     * @generated from field: repeated webhookd.v1.Webhook webhooks = 1;
     */
    webhooks: Webhook[];
    /**
     * Token for the next page; empty on the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken: string;
};
/**
 * Describes the message webhookd.v1.ListWebhooksResponse.
 * Use `create(ListWebhooksResponseSchema)` to create a new message.
 */
export declare const ListWebhooksResponseSchema: GenMessage<ListWebhooksResponse>;
/**
 * Request of ListEventHistory. Filters combine with AND.
 *
 * @generated from message webhookd.v1.ListEventHistoryRequest
 */
export type ListEventHistoryRequest = Message<"webhookd.v1.ListEventHistoryRequest"> & {
    /**
     * Webhook identifier.
     *
     * @generated from field: string webhook_id = 1;
     */
    webhookId: string;
    /**
     * Keep deliveries of any of these event names.
     *
     * @generated from field: repeated string event_types = 2;
     */
    eventTypes: string[];
    /**
     * Keep deliveries in this state; unspecified keeps all.
     *
     * @generated from field: webhookd.v1.DeliveryStatus status = 3;
     */
    status: DeliveryStatus;
    /**
     * Keep deliveries whose latest status code is any of these.
     *
     * @generated from field: repeated int32 status_codes = 4;
     */
    statusCodes: number[];
    /**
     * Sort order; newest first by default.
     *
     * @generated from field: webhookd.v1.HistoryOrder order = 5;
     */
    order: HistoryOrder;
    /**
     * At most this many records; 0 means 200, above 200 is capped to 200.
     *
     * @generated from field: int32 limit = 6;
     */
    limit: number;
};
/**
 * Describes the message webhookd.v1.ListEventHistoryRequest.
 * Use `create(ListEventHistoryRequestSchema)` to create a new message.
 */
export declare const ListEventHistoryRequestSchema: GenMessage<ListEventHistoryRequest>;
/**
 * Request of GetDelivery.
 *
 * @generated from message webhookd.v1.GetDeliveryRequest
 */
export type GetDeliveryRequest = Message<"webhookd.v1.GetDeliveryRequest"> & {
    /**
     * Delivery identifier.
     *
     * @generated from field: string id = 1;
     */
    id: string;
};
/**
 * Describes the message webhookd.v1.GetDeliveryRequest.
 * Use `create(GetDeliveryRequestSchema)` to create a new message.
 */
export declare const GetDeliveryRequestSchema: GenMessage<GetDeliveryRequest>;
/**
 * Request of RedeliverEvent.
 *
 * @generated from message webhookd.v1.RedeliverEventRequest
 */
export type RedeliverEventRequest = Message<"webhookd.v1.RedeliverEventRequest"> & {
    /**
     * Delivery whose body is sent again.
     *
     * @generated from field: string delivery_id = 1;
     */
    deliveryId: string;
};
/**
 * Describes the message webhookd.v1.RedeliverEventRequest.
 * Use `create(RedeliverEventRequestSchema)` to create a new message.
 */
export declare const RedeliverEventRequestSchema: GenMessage<RedeliverEventRequest>;
/**
 * Request of TestWebhook.
 *
 * @generated from message webhookd.v1.TestWebhookRequest
 */
export type TestWebhookRequest = Message<"webhookd.v1.TestWebhookRequest"> & {
    /**
     * Webhook to ping.
     *
     * @generated from field: string webhook_id = 1;
     */
    webhookId: string;
};
/**
 * Describes the message webhookd.v1.TestWebhookRequest.
 * Use `create(TestWebhookRequestSchema)` to create a new message.
 */
export declare const TestWebhookRequestSchema: GenMessage<TestWebhookRequest>;
/**
 * Request of WatchDeliveries. Filters combine with AND.
 *
 * @generated from message webhookd.v1.WatchDeliveriesRequest
 */
export type WatchDeliveriesRequest = Message<"webhookd.v1.WatchDeliveriesRequest"> & {
    /**
     * What to watch.
     *
     * @generated from oneof webhookd.v1.WatchDeliveriesRequest.target
     */
    target: {
        /**
         * One webhook.
         *
         * @generated from field: string webhook_id = 1;
         */
        value: string;
        case: "webhookId";
    } | {
        /**
         * Every webhook on a scope and below it.
         *
         * @generated from field: webhookd.v1.Scope scope = 2;
         */
        value: Scope;
        case: "scope";
    } | {
        case: undefined;
        value?: undefined;
    };
    /**
     * Keep deliveries of any of these event names.
     *
     * @generated from field: repeated string event_types = 3;
     */
    eventTypes: string[];
    /**
     * Keep deliveries in this state.
     *
     * @generated from field: webhookd.v1.DeliveryStatus status = 4;
     */
    status: DeliveryStatus;
    /**
     * Keep deliveries whose status code is any of these.
     *
     * @generated from field: repeated int32 status_codes = 5;
     */
    statusCodes: number[];
    /**
     * The `watch_cursor` of the last record an earlier watch (same target and filters)
     * received. The stream first replays, oldest change first, the current state of each
     * delivery whose state changed since then (one record per delivery, however many times
     * it changed), then goes on live, so nothing is missed across a restart or a broken
     * connection. Changes up to 5 seconds before the cursor are replayed too (a change is
     * stamped before its commit, and commits finish out of order): drop a record whose id,
     * attempts and status you have seen; the clients' watch helpers do. FAILED_PRECONDITION
     * when a delivery changed since then has left its webhook's history (each keeps its 200
     * most recent): watch without it and catch up with ListEventHistory.
     *
     * @generated from field: string resume_after = 6;
     */
    resumeAfter: string;
};
/**
 * Describes the message webhookd.v1.WatchDeliveriesRequest.
 * Use `create(WatchDeliveriesRequestSchema)` to create a new message.
 */
export declare const WatchDeliveriesRequestSchema: GenMessage<WatchDeliveriesRequest>;
/**
 * Request of ListEventTypes.
 *
 * @generated from message webhookd.v1.ListEventTypesRequest
 */
export type ListEventTypesRequest = Message<"webhookd.v1.ListEventTypesRequest"> & {};
/**
 * Describes the message webhookd.v1.ListEventTypesRequest.
 * Use `create(ListEventTypesRequestSchema)` to create a new message.
 */
export declare const ListEventTypesRequestSchema: GenMessage<ListEventTypesRequest>;
/**
 * An event name webhooks can subscribe to.
 *
 * @generated from message webhookd.v1.EventType
 */
export type EventType = Message<"webhookd.v1.EventType"> & {
    /**
     * The event name, as in `events` and `eventName`.
     *
     * @generated from field: string name = 1;
     */
    name: string;
    /**
     * What the event means.
     *
     * @generated from field: string description = 2;
     */
    description: string;
    /**
     * JSON Schema (draft 2020-12) of the event's `payload`, as JSON text; empty when it has
     * none. PublishEvent refuses a payload that does not match it (INVALID_ARGUMENT on
     * `payload`, naming the place as a JSON pointer) unless the server runs with
     * --validate-payloads false.
     *
     * @generated from field: string payload_schema = 3;
     */
    payloadSchema: string;
};
/**
 * Describes the message webhookd.v1.EventType.
 * Use `create(EventTypeSchema)` to create a new message.
 */
export declare const EventTypeSchema: GenMessage<EventType>;
/**
 * Response of ListEventTypes.
 *
 * @generated from message webhookd.v1.ListEventTypesResponse
 */
export type ListEventTypesResponse = Message<"webhookd.v1.ListEventTypesResponse"> & {
    /**
     * The catalog.
     *
     * @generated from field: repeated webhookd.v1.EventType event_types = 1;
     */
    eventTypes: EventType[];
};
/**
 * Describes the message webhookd.v1.ListEventTypesResponse.
 * Use `create(ListEventTypesResponseSchema)` to create a new message.
 */
export declare const ListEventTypesResponseSchema: GenMessage<ListEventTypesResponse>;
/**
 * Request of ListAuditEvents. Filters combine with AND.
 *
 * @generated from message webhookd.v1.ListAuditEventsRequest
 */
export type ListAuditEventsRequest = Message<"webhookd.v1.ListAuditEventsRequest"> & {
    /**
     * Changes to resources on this scope; empty for the instance. Must be within the caller's scope.
     *
     * @generated from field: webhookd.v1.Scope scope = 1;
     */
    scope?: Scope | undefined;
    /**
     * Also changes to resources on the companies and projects under the scope.
     *
     * @generated from field: bool include_descendants = 2;
     */
    includeDescendants: boolean;
    /**
     * Only changes to this resource (a webhook, delivery or token id).
     *
     * @generated from field: string resource_id = 3;
     */
    resourceId: string;
    /**
     * Only changes made with this token (its id).
     *
     * @generated from field: string token_id = 4;
     */
    tokenId: string;
    /**
     * Only changes made at or after this time.
     *
     * @generated from field: google.protobuf.Timestamp start_time = 5;
     */
    startTime?: Timestamp | undefined;
    /**
     * Only changes made before this time; to read further back, pass the oldest
     * `create_time` received.
     *
     * @generated from field: google.protobuf.Timestamp end_time = 6;
     */
    endTime?: Timestamp | undefined;
    /**
     * Most records to stream; 0 means 100, values above 1000 are capped to 1000.
     *
     * @generated from field: int32 limit = 7;
     */
    limit: number;
};
/**
 * Describes the message webhookd.v1.ListAuditEventsRequest.
 * Use `create(ListAuditEventsRequestSchema)` to create a new message.
 */
export declare const ListAuditEventsRequestSchema: GenMessage<ListAuditEventsRequest>;
/**
 * One change made through the admin API.
 *
 * @generated from message webhookd.v1.AuditEvent
 */
export type AuditEvent = Message<"webhookd.v1.AuditEvent"> & {
    /**
     * Record identifier (a UUID).
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * When the change was made.
     *
     * @generated from field: google.protobuf.Timestamp create_time = 2;
     */
    createTime?: Timestamp | undefined;
    /**
     * The id of the token that made it; empty when made with the `webhookd` command on the
     * server's machine.
     *
     * @generated from field: string token_id = 3;
     */
    tokenId: string;
    /**
     * That token's scope.
     *
     * @generated from field: webhookd.v1.Scope actor_scope = 4;
     */
    actorScope?: Scope | undefined;
    /**
     * What was done: webhook.create, webhook.update, webhook.delete, webhook.test,
     * delivery.redeliver, token.create or token.revoke.
     *
     * @generated from field: string action = 5;
     */
    action: string;
    /**
     * webhook, delivery or token.
     *
     * @generated from field: string resource_type = 6;
     */
    resourceType: string;
    /**
     * The resource changed (for webhook.test the webhook; for delivery.redeliver the new delivery).
     *
     * @generated from field: string resource_id = 7;
     */
    resourceId: string;
    /**
     * Where the resource lives.
     *
     * @generated from field: webhookd.v1.Scope scope = 8;
     */
    scope?: Scope | undefined;
    /**
     * The fields the change set, with their new values; a secret or certificate shows as
     * "(set)", never its value, and a proxy URL with its password masked.
     *
     * @generated from field: map<string, string> changes = 9;
     */
    changes: {
        [key: string]: string;
    };
    /**
     * The client software that made the change: the call's user-agent header, at most 256
     * characters (webhookd's clients send "webhookd-client-<language>/<version>" first);
     * empty for the `webhookd` command and for changes recorded before it was kept.
     *
     * @generated from field: string user_agent = 10;
     */
    userAgent: string;
};
/**
 * Describes the message webhookd.v1.AuditEvent.
 * Use `create(AuditEventSchema)` to create a new message.
 */
export declare const AuditEventSchema: GenMessage<AuditEvent>;
/**
 * Request of RecoverDeliveries.
 *
 * @generated from message webhookd.v1.RecoverDeliveriesRequest
 */
export type RecoverDeliveriesRequest = Message<"webhookd.v1.RecoverDeliveriesRequest"> & {
    /**
     * Webhook identifier.
     *
     * @generated from field: string webhook_id = 1;
     */
    webhookId: string;
    /**
     * Deliveries that failed for good at or after this time; required, within the recovery
     * retention (--recovery-retention, 7 days by default).
     *
     * @generated from field: google.protobuf.Timestamp start_time = 2;
     */
    startTime?: Timestamp | undefined;
    /**
     * ... and before this time; absent: until now.
     *
     * @generated from field: google.protobuf.Timestamp end_time = 3;
     */
    endTime?: Timestamp | undefined;
    /**
     * Only these event types; empty: all.
     *
     * @generated from field: repeated string event_types = 4;
     */
    eventTypes: string[];
};
/**
 * Describes the message webhookd.v1.RecoverDeliveriesRequest.
 * Use `create(RecoverDeliveriesRequestSchema)` to create a new message.
 */
export declare const RecoverDeliveriesRequestSchema: GenMessage<RecoverDeliveriesRequest>;
/**
 * Request of GetRecovery.
 *
 * @generated from message webhookd.v1.GetRecoveryRequest
 */
export type GetRecoveryRequest = Message<"webhookd.v1.GetRecoveryRequest"> & {
    /**
     * Recovery identifier.
     *
     * @generated from field: string id = 1;
     */
    id: string;
};
/**
 * Describes the message webhookd.v1.GetRecoveryRequest.
 * Use `create(GetRecoveryRequestSchema)` to create a new message.
 */
export declare const GetRecoveryRequestSchema: GenMessage<GetRecoveryRequest>;
/**
 * Request of CancelRecovery.
 *
 * @generated from message webhookd.v1.CancelRecoveryRequest
 */
export type CancelRecoveryRequest = Message<"webhookd.v1.CancelRecoveryRequest"> & {
    /**
     * Recovery identifier.
     *
     * @generated from field: string id = 1;
     */
    id: string;
};
/**
 * Describes the message webhookd.v1.CancelRecoveryRequest.
 * Use `create(CancelRecoveryRequestSchema)` to create a new message.
 */
export declare const CancelRecoveryRequestSchema: GenMessage<CancelRecoveryRequest>;
/**
 * A bulk recovery of a webhook's failed deliveries.
 *
 * @generated from message webhookd.v1.Recovery
 */
export type Recovery = Message<"webhookd.v1.Recovery"> & {
    /**
     * Server-assigned identifier (a UUID).
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * The webhook recovered.
     *
     * @generated from field: string webhook_id = 2;
     */
    webhookId: string;
    /**
     * The window and event types, as asked (end_time: when it was asked, if not given).
     *
     * @generated from field: google.protobuf.Timestamp start_time = 3;
     */
    startTime?: Timestamp | undefined;
    /**
     * End of the window.
     *
     * @generated from field: google.protobuf.Timestamp end_time = 4;
     */
    endTime?: Timestamp | undefined;
    /**
     * Event types; empty: all.
     *
     * @generated from field: repeated string event_types = 5;
     */
    eventTypes: string[];
    /**
     * Running, done or cancelled.
     *
     * @generated from field: webhookd.v1.RecoveryState state = 6;
     */
    state: RecoveryState;
    /**
     * Failed deliveries it covers: those in the window that no earlier recovery took.
     *
     * @generated from field: int32 total = 7;
     */
    total: number;
    /**
     * Sent again so far, each as a new delivery (its outcome is in the webhook's history).
     *
     * @generated from field: int32 sent = 8;
     */
    sent: number;
    /**
     * When it was asked for.
     *
     * @generated from field: google.protobuf.Timestamp create_time = 9;
     */
    createTime?: Timestamp | undefined;
    /**
     * When it ended; absent while running.
     *
     * @generated from field: google.protobuf.Timestamp finish_time = 10;
     */
    finishTime?: Timestamp | undefined;
};
/**
 * Describes the message webhookd.v1.Recovery.
 * Use `create(RecoverySchema)` to create a new message.
 */
export declare const RecoverySchema: GenMessage<Recovery>;
/**
 * Request of GetSigningKeys.
 *
 * @generated from message webhookd.v1.GetSigningKeysRequest
 */
export type GetSigningKeysRequest = Message<"webhookd.v1.GetSigningKeysRequest"> & {
    /**
     * Scope whose webhooks' keys to list; empty for the instance.
     *
     * @generated from field: webhookd.v1.Scope scope = 1;
     */
    scope?: Scope | undefined;
    /**
     * Also list the keys of webhooks on the companies and projects under the scope.
     *
     * @generated from field: bool include_descendants = 2;
     */
    includeDescendants: boolean;
    /**
     * Page size; 0 means 50, values above 500 are capped to 500.
     *
     * @generated from field: int32 page_size = 3;
     */
    pageSize: number;
    /**
     * Token from a previous response's `next_page_token`.
     *
     * @generated from field: string page_token = 4;
     */
    pageToken: string;
};
/**
 * Describes the message webhookd.v1.GetSigningKeysRequest.
 * Use `create(GetSigningKeysRequestSchema)` to create a new message.
 */
export declare const GetSigningKeysRequestSchema: GenMessage<GetSigningKeysRequest>;
/**
 * Response of GetSigningKeys.
 *
 * @generated from message webhookd.v1.GetSigningKeysResponse
 */
export type GetSigningKeysResponse = Message<"webhookd.v1.GetSigningKeysResponse"> & {
    /**
     * One entry per webhook with a signing key, oldest webhook first.
     *
     * @generated from field: repeated webhookd.v1.WebhookSigningKeys keys = 1;
     */
    keys: WebhookSigningKeys[];
    /**
     * Token for the next page; empty on the last.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken: string;
};
/**
 * Describes the message webhookd.v1.GetSigningKeysResponse.
 * Use `create(GetSigningKeysResponseSchema)` to create a new message.
 */
export declare const GetSigningKeysResponseSchema: GenMessage<GetSigningKeysResponse>;
/**
 * The public keys of one webhook's `v1a` signatures.
 *
 * @generated from message webhookd.v1.WebhookSigningKeys
 */
export type WebhookSigningKeys = Message<"webhookd.v1.WebhookSigningKeys"> & {
    /**
     * The webhook.
     *
     * @generated from field: string webhook_id = 1;
     */
    webhookId: string;
    /**
     * Where it is installed.
     *
     * @generated from field: webhookd.v1.Scope scope = 2;
     */
    scope?: Scope | undefined;
    /**
     * Whether its deliveries carry `v1a` signatures now (V1A or V1_AND_V1A).
     *
     * @generated from field: webhookd.v1.SignatureScheme signature_scheme = 3;
     */
    signatureScheme: SignatureScheme;
    /**
     * The current public key, `whpk_` + base64 of the 32-byte ed25519 key.
     *
     * @generated from field: string public_key = 4;
     */
    publicKey: string;
    /**
     * While a replaced key pair still signs: its public key; empty otherwise.
     *
     * @generated from field: string previous_public_key = 5;
     */
    previousPublicKey: string;
    /**
     * When the replaced key pair stops signing; absent when none does.
     *
     * @generated from field: google.protobuf.Timestamp previous_expire_time = 6;
     */
    previousExpireTime?: Timestamp | undefined;
};
/**
 * Describes the message webhookd.v1.WebhookSigningKeys.
 * Use `create(WebhookSigningKeysSchema)` to create a new message.
 */
export declare const WebhookSigningKeysSchema: GenMessage<WebhookSigningKeys>;
/**
 * Order of a history listing.
 *
 * @generated from enum webhookd.v1.HistoryOrder
 */
export declare enum HistoryOrder {
    /**
     * Newest first.
     *
     * @generated from enum value: HISTORY_ORDER_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Newest first by dispatch time (the latest attempt's), ties by id; deliveries not yet
     * attempted lead, newest first by creation (their ids are time-ordered, to the
     * millisecond).
     *
     * @generated from enum value: HISTORY_ORDER_NEWEST_FIRST = 1;
     */
    NEWEST_FIRST = 1,
    /**
     * The exact reverse: oldest first by dispatch time, ties by id; deliveries not yet
     * attempted last, oldest first by creation.
     *
     * @generated from enum value: HISTORY_ORDER_OLDEST_FIRST = 2;
     */
    OLDEST_FIRST = 2
}
/**
 * Describes the enum webhookd.v1.HistoryOrder.
 */
export declare const HistoryOrderSchema: GenEnum<HistoryOrder>;
/**
 * Where a recovery is.
 *
 * @generated from enum webhookd.v1.RecoveryState
 */
export declare enum RecoveryState {
    /**
     * Not set.
     *
     * @generated from enum value: RECOVERY_STATE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Sending.
     *
     * @generated from enum value: RECOVERY_STATE_RUNNING = 1;
     */
    RUNNING = 1,
    /**
     * Everything it covered was sent again.
     *
     * @generated from enum value: RECOVERY_STATE_DONE = 2;
     */
    DONE = 2,
    /**
     * Stopped by CancelRecovery.
     *
     * @generated from enum value: RECOVERY_STATE_CANCELLED = 3;
     */
    CANCELLED = 3
}
/**
 * Describes the enum webhookd.v1.RecoveryState.
 */
export declare const RecoveryStateSchema: GenEnum<RecoveryState>;
/**
 * Manages webhooks and reads their delivery history.
 * Every call needs `authorization: Bearer <token>` of an admin token whose scope reaches the resource.
 *
 * @generated from service webhookd.v1.WebhookAdmin
 */
export declare const WebhookAdmin: GenService<{
    /**
     * Installs a webhook on the instance, a company or a project. RESOURCE_EXHAUSTED (with a
     * google.rpc.QuotaFailure) when the company or project has as many webhooks as the server
     * allows (--max-webhooks-per-company, --max-webhooks-per-project).
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.CreateWebhook
     */
    createWebhook: {
        methodKind: "unary";
        input: typeof CreateWebhookRequestSchema;
        output: typeof WebhookSchema;
    };
    /**
     * Reads one webhook.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.GetWebhook
     */
    getWebhook: {
        methodKind: "unary";
        input: typeof GetWebhookRequestSchema;
        output: typeof WebhookSchema;
    };
    /**
     * Changes the fields named in `update_mask`.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.UpdateWebhook
     */
    updateWebhook: {
        methodKind: "unary";
        input: typeof UpdateWebhookRequestSchema;
        output: typeof WebhookSchema;
    };
    /**
     * Removes a webhook and its history.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.DeleteWebhook
     */
    deleteWebhook: {
        methodKind: "unary";
        input: typeof DeleteWebhookRequestSchema;
        output: typeof DeleteWebhookResponseSchema;
    };
    /**
     * Lists webhooks on a scope, optionally with those below it, filtered by events.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.ListWebhooks
     */
    listWebhooks: {
        methodKind: "unary";
        input: typeof ListWebhooksRequestSchema;
        output: typeof ListWebhooksResponseSchema;
    };
    /**
     * Streams a webhook's recent deliveries (at most 200), filtered and sorted by the server.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.ListEventHistory
     */
    listEventHistory: {
        methodKind: "server_streaming";
        input: typeof ListEventHistoryRequestSchema;
        output: typeof DeliveryRecordSchema;
    };
    /**
     * Reads one delivery with its exact request body, headers and attempts.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.GetDelivery
     */
    getDelivery: {
        methodKind: "unary";
        input: typeof GetDeliveryRequestSchema;
        output: typeof DeliveryDetailSchema;
    };
    /**
     * Sends a delivery's body again to its webhook, as a new delivery.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.RedeliverEvent
     */
    redeliverEvent: {
        methodKind: "unary";
        input: typeof RedeliverEventRequestSchema;
        output: typeof DeliveryRecordSchema;
    };
    /**
     * Sends a `webhook_test` ping to a webhook.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.TestWebhook
     */
    testWebhook: {
        methodKind: "unary";
        input: typeof TestWebhookRequestSchema;
        output: typeof DeliveryRecordSchema;
    };
    /**
     * Streams deliveries as their state changes: those committed after its response headers
     * were sent (to miss nothing, wait for them, then read ListEventHistory), or, resuming
     * with `resume_after`, those changed since that cursor, replayed first. It never ends
     * as if complete: it ends with UNAVAILABLE when the server shuts down or lost its
     * database connection, and with RESOURCE_EXHAUSTED when the watcher falls behind: watch
     * again with `resume_after` set to the last `watch_cursor` received, or catch up with
     * ListEventHistory. It ends with UNAUTHENTICATED once its token
     * is revoked or expires, as soon as a new call with that token is refused (at once by
     * notification; within a second if the notification was lost).
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.WatchDeliveries
     */
    watchDeliveries: {
        methodKind: "server_streaming";
        input: typeof WatchDeliveriesRequestSchema;
        output: typeof DeliveryRecordSchema;
    };
    /**
     * Lists the event names webhooks can subscribe to.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.ListEventTypes
     */
    listEventTypes: {
        methodKind: "unary";
        input: typeof ListEventTypesRequestSchema;
        output: typeof ListEventTypesResponseSchema;
    };
    /**
     * Streams the audit log, newest first: every change made through the admin API (webhooks
     * created, updated and deleted, redeliveries, test pings, tokens created and revoked) to a
     * resource within the caller's scope, with who made it and which fields it changed (never
     * a secret's value). Records are kept for --audit-retention.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.ListAuditEvents
     */
    listAuditEvents: {
        methodKind: "server_streaming";
        input: typeof ListAuditEventsRequestSchema;
        output: typeof AuditEventSchema;
    };
    /**
     * Sends again, in the background, every delivery of a webhook that failed for good in a
     * time window (after a receiver outage, say): each as a new delivery of the same body,
     * oldest first, at a bounded rate (--recovery-rate), each at most once however many
     * recoveries cover it. Answers at once with the recovery and how many it will send.
     * Failures are kept for this for --recovery-retention, beyond the 200-entry history;
     * deleting the webhook deletes them and its recoveries.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.RecoverDeliveries
     */
    recoverDeliveries: {
        methodKind: "unary";
        input: typeof RecoverDeliveriesRequestSchema;
        output: typeof RecoverySchema;
    };
    /**
     * Reads a recovery: its state and how far it got.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.GetRecovery
     */
    getRecovery: {
        methodKind: "unary";
        input: typeof GetRecoveryRequestSchema;
        output: typeof RecoverySchema;
    };
    /**
     * Stops a running recovery; what it sent stays sent, the rest stays recoverable. A
     * recovery that ended already is returned unchanged.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.CancelRecovery
     */
    cancelRecovery: {
        methodKind: "unary";
        input: typeof CancelRecoveryRequestSchema;
        output: typeof RecoverySchema;
    };
    /**
     * The public keys that verify the `v1a` (ed25519) signatures of the webhooks on a scope
     * (those that have a signing key), for receivers that fetch them rather than copy them
     * from each webhook. Public keys only: the private keys never leave webhookd.
     *
     * @generated from rpc webhookd.v1.WebhookAdmin.GetSigningKeys
     */
    getSigningKeys: {
        methodKind: "unary";
        input: typeof GetSigningKeysRequestSchema;
        output: typeof GetSigningKeysResponseSchema;
    };
}>;
