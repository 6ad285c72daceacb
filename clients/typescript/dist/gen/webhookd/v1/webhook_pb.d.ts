import type { GenEnum, GenFile, GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file webhookd/v1/webhook.proto.
 */
export declare const file_webhookd_v1_webhook: GenFile;
/**
 * Where a webhook is installed, where an event happened, or what a token reaches.
 * Both empty: the whole instance. Company only: that company.
 * Both set: that project of that company. A project without a company is invalid.
 *
 * @generated from message webhookd.v1.Scope
 */
export type Scope = Message<"webhookd.v1.Scope"> & {
    /**
     * Company identifier: 1 to 128 characters of letters, digits, '.', '_', '-'.
     *
     * @generated from field: string company_id = 1;
     */
    companyId: string;
    /**
     * Project identifier within the company, same alphabet.
     *
     * @generated from field: string project_id = 2;
     */
    projectId: string;
};
/**
 * Describes the message webhookd.v1.Scope.
 * Use `create(ScopeSchema)` to create a new message.
 */
export declare const ScopeSchema: GenMessage<Scope>;
/**
 * A webhook: where events are POSTed and which events it listens to.
 * The shared secret is write-only and never appears here.
 *
 * @generated from message webhookd.v1.Webhook
 */
export type Webhook = Message<"webhookd.v1.Webhook"> & {
    /**
     * Server-assigned identifier (a UUID).
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * Where the webhook is installed.
     *
     * @generated from field: webhookd.v1.Scope scope = 2;
     */
    scope?: Scope | undefined;
    /**
     * Absolute http or https URL that receives the POSTs.
     *
     * @generated from field: string target_url = 3;
     */
    targetUrl: string;
    /**
     * Event names the webhook listens to.
     *
     * @generated from field: repeated string events = 4;
     */
    events: string[];
    /**
     * PEM certificate(s), at most 64 KiB, the target's TLS chain must verify against (or that
     * the target presents exactly, as a pin); empty for the public web roots.
     *
     * @generated from field: string ca_certificate = 5;
     */
    caCertificate: string;
    /**
     * http:// URL of the forward proxy deliveries go through; empty for a direct connection.
     *
     * @generated from field: string proxy_url = 6;
     */
    proxyUrl: string;
    /**
     * The latest completed delivery; absent until one completes.
     *
     * @generated from field: webhookd.v1.LastEvent last_event = 7;
     */
    lastEvent?: LastEvent | undefined;
    /**
     * When the webhook was created.
     *
     * @generated from field: google.protobuf.Timestamp create_time = 8;
     */
    createTime?: Timestamp | undefined;
    /**
     * When the webhook was last changed.
     *
     * @generated from field: google.protobuf.Timestamp update_time = 9;
     */
    updateTime?: Timestamp | undefined;
    /**
     * While the secret replaced by the latest change still signs deliveries too (see
     * UpdateWebhookRequest.secret_grace_period): when it stops. Absent otherwise. The secrets
     * themselves are never shown.
     *
     * @generated from field: google.protobuf.Timestamp secret_rotation_end_time = 10;
     */
    secretRotationEndTime?: Timestamp | undefined;
    /**
     * Whether deliveries are sent: ACTIVE, PAUSED by an admin, or DISABLED by webhookd.
     *
     * @generated from field: webhookd.v1.WebhookState state = 11;
     */
    state: WebhookState;
    /**
     * Why the state was last changed (e.g. "the target answered 410 Gone"); empty while the
     * webhook has always been ACTIVE.
     *
     * @generated from field: string state_reason = 12;
     */
    stateReason: string;
    /**
     * When the state was last changed; absent while the webhook has always been ACTIVE.
     *
     * @generated from field: google.protobuf.Timestamp state_change_time = 13;
     */
    stateChangeTime?: Timestamp | undefined;
    /**
     * Most deliveries to this webhook in flight at once, over all replicas; 0: the server's
     * --webhook-concurrency.
     *
     * @generated from field: uint32 max_in_flight = 14;
     */
    maxInFlight: number;
    /**
     * Most deliveries per second to this webhook (bursts of up to one second's worth); 0: no limit.
     *
     * @generated from field: uint32 rate_limit_per_second = 15;
     */
    rateLimitPerSecond: number;
    /**
     * How the target has been answering lately: failures in a row and the circuit breaker.
     *
     * @generated from field: webhookd.v1.DeliveryHealth health = 16;
     */
    health?: DeliveryHealth | undefined;
    /**
     * Headers sent with every delivery, in this order; a sensitive header's value is never
     * returned (empty here).
     *
     * @generated from field: repeated webhookd.v1.CustomHeader custom_headers = 17;
     */
    customHeaders: CustomHeader[];
    /**
     * The latest attempt of any of its deliveries, completed or not; absent before the first.
     * Unlike last_event, it shows a webhook whose deliveries are failing and being retried.
     *
     * @generated from field: webhookd.v1.LatestAttempt latest_attempt = 18;
     */
    latestAttempt?: LatestAttempt | undefined;
    /**
     * The payload filter events must match to fan out to it, as stored (PostgreSQL's jsonb
     * text: keys sorted by length then bytes, one space after ':' and ','); empty for none.
     *
     * @generated from field: string filter = 19;
     */
    filter: string;
    /**
     * Labels an event must carry, each with the same value, to fan out to it; none: every event.
     *
     * @generated from field: map<string, string> labels = 20;
     */
    labels: {
        [key: string]: string;
    };
    /**
     * PEM client certificate presented to the target for mutual TLS; empty for none. Its
     * private key is write-only and never appears here.
     *
     * @generated from field: string client_certificate = 21;
     */
    clientCertificate: string;
    /**
     * Which signatures `webhook-signature` carries (`v1,` HMAC entries, `v1a,` ed25519 entries
     * or both); `X-Mia-Signature` is always sent.
     *
     * @generated from field: webhookd.v1.SignatureScheme signature_scheme = 22;
     */
    signatureScheme: SignatureScheme;
    /**
     * The public key that verifies its `v1a,` signatures: `whpk_` + base64 of the 32-byte
     * ed25519 key (Standard Webhooks' form); empty while it has no key pair. The private key is
     * never returned.
     *
     * @generated from field: string signing_public_key = 23;
     */
    signingPublicKey: string;
    /**
     * While the key pair replaced by a rotation still signs (see
     * UpdateWebhookRequest.signing_key_grace_period): its public key; empty otherwise.
     *
     * @generated from field: string previous_signing_public_key = 24;
     */
    previousSigningPublicKey: string;
    /**
     * When the replaced key pair stops signing; absent while none does.
     *
     * @generated from field: google.protobuf.Timestamp signing_key_rotation_end_time = 25;
     */
    signingKeyRotationEndTime?: Timestamp | undefined;
    /**
     * Whether its deliveries are sent in publish order, one at a time (FIFO), or as fast as
     * its limits let them (UNORDERED).
     *
     * @generated from field: webhookd.v1.DeliveryOrdering ordering = 26;
     */
    ordering: DeliveryOrdering;
};
/**
 * Describes the message webhookd.v1.Webhook.
 * Use `create(WebhookSchema)` to create a new message.
 */
export declare const WebhookSchema: GenMessage<Webhook>;
/**
 * A webhook's latest delivery attempt.
 *
 * @generated from message webhookd.v1.LatestAttempt
 */
export type LatestAttempt = Message<"webhookd.v1.LatestAttempt"> & {
    /**
     * The delivery attempted (GetDelivery shows its attempts).
     *
     * @generated from field: string delivery_id = 1;
     */
    deliveryId: string;
    /**
     * The delivery's status now: PENDING while a retry is due (at next_attempt_time), else
     * SUCCESS or ERROR.
     *
     * @generated from field: webhookd.v1.DeliveryStatus status = 2;
     */
    status: DeliveryStatus;
    /**
     * When the attempt was sent.
     *
     * @generated from field: google.protobuf.Timestamp dispatch_time = 3;
     */
    dispatchTime?: Timestamp | undefined;
    /**
     * The event's name.
     *
     * @generated from field: string event_type = 4;
     */
    eventType: string;
    /**
     * HTTP status code of the response; 0 when no response was received.
     *
     * @generated from field: int32 status_code = 5;
     */
    statusCode: number;
    /**
     * Why the attempt failed (e.g. "HTTP 500", a connection error); empty after a success.
     *
     * @generated from field: string error = 6;
     */
    error: string;
    /**
     * While the delivery is pending: when it is tried again.
     *
     * @generated from field: google.protobuf.Timestamp next_attempt_time = 7;
     */
    nextAttemptTime?: Timestamp | undefined;
};
/**
 * Describes the message webhookd.v1.LatestAttempt.
 * Use `create(LatestAttemptSchema)` to create a new message.
 */
export declare const LatestAttemptSchema: GenMessage<LatestAttempt>;
/**
 * A static header sent with every delivery of a webhook (an API key or a routing header that
 * a gateway in front of the receiver needs).
 *
 * @generated from message webhookd.v1.CustomHeader
 */
export type CustomHeader = Message<"webhookd.v1.CustomHeader"> & {
    /**
     * Header name: an HTTP token (letters, digits and ``!#$%&'*+-.^_`|~``), at most 256 bytes,
     * compared without case. Not one webhookd sets or HTTP reserves: Host, Content-Length,
     * Content-Type, Transfer-Encoding, Connection, Keep-Alive, Upgrade, TE, Trailer,
     * Proxy-Authorization, Proxy-Connection, User-Agent, X-Mia-Signature, traceparent,
     * tracestate, nor any `webhook-*`.
     *
     * @generated from field: string name = 1;
     */
    name: string;
    /**
     * Value: visible ASCII, spaces and tabs (no CR, LF or NUL), at most 4 KiB. Write-only when
     * `sensitive`: responses and delivery records show it empty or masked, and it is sealed at
     * rest like the secret. In an update, a sensitive header given with an empty value keeps
     * the value the webhook's sensitive header of that name has.
     *
     * @generated from field: string value = 2;
     */
    value: string;
    /**
     * Whether the value is a credential: never returned, masked in logs and delivery records.
     *
     * @generated from field: bool sensitive = 3;
     */
    sensitive: boolean;
};
/**
 * Describes the message webhookd.v1.CustomHeader.
 * Use `create(CustomHeaderSchema)` to create a new message.
 */
export declare const CustomHeaderSchema: GenMessage<CustomHeader>;
/**
 * How a webhook's target has been answering.
 *
 * @generated from message webhookd.v1.DeliveryHealth
 */
export type DeliveryHealth = Message<"webhookd.v1.DeliveryHealth"> & {
    /**
     * Attempts that failed since the last success (test pings aside).
     *
     * @generated from field: int32 consecutive_failures = 1;
     */
    consecutiveFailures: number;
    /**
     * When the first of those failures was sent; absent after a success.
     *
     * @generated from field: google.protobuf.Timestamp failing_since = 2;
     */
    failingSince?: Timestamp | undefined;
    /**
     * While the circuit breaker is open (after --breaker-threshold failures in a row): when
     * the next probe may go. Until one probe succeeds, deliveries are sent one at a time, each
     * failure holding the rest for another --breaker-cooldown. Absent while closed.
     *
     * @generated from field: google.protobuf.Timestamp circuit_open_until = 3;
     */
    circuitOpenUntil?: Timestamp | undefined;
};
/**
 * Describes the message webhookd.v1.DeliveryHealth.
 * Use `create(DeliveryHealthSchema)` to create a new message.
 */
export declare const DeliveryHealthSchema: GenMessage<DeliveryHealth>;
/**
 * Summary of a webhook's latest completed delivery.
 *
 * @generated from message webhookd.v1.LastEvent
 */
export type LastEvent = Message<"webhookd.v1.LastEvent"> & {
    /**
     * SUCCESS or ERROR.
     *
     * @generated from field: webhookd.v1.DeliveryStatus status = 1;
     */
    status: DeliveryStatus;
    /**
     * When the deciding attempt was sent.
     *
     * @generated from field: google.protobuf.Timestamp dispatch_time = 2;
     */
    dispatchTime?: Timestamp | undefined;
    /**
     * The event's name.
     *
     * @generated from field: string event_type = 3;
     */
    eventType: string;
    /**
     * HTTP status code of the response; 0 when no response was received.
     *
     * @generated from field: int32 status_code = 4;
     */
    statusCode: number;
};
/**
 * Describes the message webhookd.v1.LastEvent.
 * Use `create(LastEventSchema)` to create a new message.
 */
export declare const LastEventSchema: GenMessage<LastEvent>;
/**
 * One event sent (or to be sent) to one webhook.
 *
 * @generated from message webhookd.v1.DeliveryRecord
 */
export type DeliveryRecord = Message<"webhookd.v1.DeliveryRecord"> & {
    /**
     * Delivery identifier (a UUID); also the `webhook-id` header of every attempt.
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * The webhook it goes to.
     *
     * @generated from field: string webhook_id = 2;
     */
    webhookId: string;
    /**
     * The published event it carries.
     *
     * @generated from field: string event_id = 3;
     */
    eventId: string;
    /**
     * The event's name.
     *
     * @generated from field: string event_type = 4;
     */
    eventType: string;
    /**
     * Current state.
     *
     * @generated from field: webhookd.v1.DeliveryStatus status = 5;
     */
    status: DeliveryStatus;
    /**
     * HTTP status of the latest attempt; 0 when none answered.
     *
     * @generated from field: int32 status_code = 6;
     */
    statusCode: number;
    /**
     * When the latest attempt was sent; absent before the first attempt.
     *
     * @generated from field: google.protobuf.Timestamp dispatch_time = 7;
     */
    dispatchTime?: Timestamp | undefined;
    /**
     * Attempts made so far.
     *
     * @generated from field: int32 attempts = 8;
     */
    attempts: number;
    /**
     * Duration of the latest attempt in milliseconds.
     *
     * @generated from field: int64 duration_ms = 9;
     */
    durationMs: bigint;
    /**
     * Why the latest attempt failed; empty on success.
     *
     * @generated from field: string error = 10;
     */
    error: string;
    /**
     * When the delivery was created (the event was accepted).
     *
     * @generated from field: google.protobuf.Timestamp create_time = 11;
     */
    createTime?: Timestamp | undefined;
    /**
     * When the next attempt is due, while PENDING.
     *
     * @generated from field: google.protobuf.Timestamp next_attempt_time = 12;
     */
    nextAttemptTime?: Timestamp | undefined;
    /**
     * Only on records streamed by WatchDeliveries: where this change is in the stream. Pass
     * the last one received as `resume_after` to watch again without missing a change.
     * Opaque; empty elsewhere.
     *
     * @generated from field: string watch_cursor = 13;
     */
    watchCursor: string;
};
/**
 * Describes the message webhookd.v1.DeliveryRecord.
 * Use `create(DeliveryRecordSchema)` to create a new message.
 */
export declare const DeliveryRecordSchema: GenMessage<DeliveryRecord>;
/**
 * One HTTP attempt of a delivery.
 *
 * @generated from message webhookd.v1.DeliveryAttempt
 */
export type DeliveryAttempt = Message<"webhookd.v1.DeliveryAttempt"> & {
    /**
     * 1 for the first attempt.
     *
     * @generated from field: int32 attempt = 1;
     */
    attempt: number;
    /**
     * When the request was sent.
     *
     * @generated from field: google.protobuf.Timestamp dispatch_time = 2;
     */
    dispatchTime?: Timestamp | undefined;
    /**
     * HTTP status of the response; 0 when none was received.
     *
     * @generated from field: int32 status_code = 3;
     */
    statusCode: number;
    /**
     * Transport or policy error; empty when a response was received.
     *
     * @generated from field: string error = 4;
     */
    error: string;
    /**
     * Time to the response (or failure) in milliseconds.
     *
     * @generated from field: int64 duration_ms = 5;
     */
    durationMs: bigint;
    /**
     * First 1 KiB of the response body.
     *
     * @generated from field: bytes response_body = 6;
     */
    responseBody: Uint8Array;
    /**
     * The response's headers when it was not a success (2xx): at most 32, each value cut
     * to 256 bytes. A success keeps none.
     *
     * @generated from field: repeated webhookd.v1.Header response_headers = 7;
     */
    responseHeaders: Header[];
};
/**
 * Describes the message webhookd.v1.DeliveryAttempt.
 * Use `create(DeliveryAttemptSchema)` to create a new message.
 */
export declare const DeliveryAttemptSchema: GenMessage<DeliveryAttempt>;
/**
 * An HTTP header.
 *
 * @generated from message webhookd.v1.Header
 */
export type Header = Message<"webhookd.v1.Header"> & {
    /**
     * Header name, lower case.
     *
     * @generated from field: string name = 1;
     */
    name: string;
    /**
     * Header value.
     *
     * @generated from field: string value = 2;
     */
    value: string;
};
/**
 * Describes the message webhookd.v1.Header.
 * Use `create(HeaderSchema)` to create a new message.
 */
export declare const HeaderSchema: GenMessage<Header>;
/**
 * A delivery with what was sent and what came back.
 *
 * @generated from message webhookd.v1.DeliveryDetail
 */
export type DeliveryDetail = Message<"webhookd.v1.DeliveryDetail"> & {
    /**
     * The delivery's summary.
     *
     * @generated from field: webhookd.v1.DeliveryRecord delivery = 1;
     */
    delivery?: DeliveryRecord | undefined;
    /**
     * The exact request body bytes sent (the same on every attempt).
     *
     * @generated from field: bytes request_body = 2;
     */
    requestBody: Uint8Array;
    /**
     * Headers of the latest attempt, signatures included.
     *
     * @generated from field: repeated webhookd.v1.Header request_headers = 3;
     */
    requestHeaders: Header[];
    /**
     * HTTP status of the latest response; 0 when none.
     *
     * @generated from field: int32 response_status = 4;
     */
    responseStatus: number;
    /**
     * First 1 KiB of the latest response body.
     *
     * @generated from field: bytes response_body = 5;
     */
    responseBody: Uint8Array;
    /**
     * Every attempt, oldest first.
     *
     * @generated from field: repeated webhookd.v1.DeliveryAttempt attempts = 6;
     */
    attempts: DeliveryAttempt[];
};
/**
 * Describes the message webhookd.v1.DeliveryDetail.
 * Use `create(DeliveryDetailSchema)` to create a new message.
 */
export declare const DeliveryDetailSchema: GenMessage<DeliveryDetail>;
/**
 * The order in which a webhook's deliveries are sent.
 *
 * @generated from enum webhookd.v1.DeliveryOrdering
 */
export declare enum DeliveryOrdering {
    /**
     * Not set: UNORDERED when creating a webhook.
     *
     * @generated from enum value: DELIVERY_ORDERING_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Deliveries go as fast as the webhook's in-flight and rate limits let them, several at
     * once, each retried on its own schedule: a retried delivery arrives after newer ones.
     *
     * @generated from enum value: DELIVERY_ORDERING_UNORDERED = 1;
     */
    UNORDERED = 1,
    /**
     * Deliveries are sent one at a time in publish order (the order in which PublishEvent calls
     * that do not overlap were answered; within a PublishEvents stream, stream order): the next
     * is sent only once the one before it has a final outcome, success or failure after its
     * retries. A delivery that fails for good does not block the rest: it is recorded as ERROR
     * (RedeliverEvent or RecoverDeliveries send it again, as the newest) and the next one goes.
     * While the webhook is paused, disabled or its circuit breaker holds it, nothing goes.
     * Order holds across replicas and restarts; a delivery in flight when its replica dies is
     * sent again before the next (at least once). Test pings do not wait their turn.
     *
     * @generated from enum value: DELIVERY_ORDERING_FIFO = 2;
     */
    FIFO = 2
}
/**
 * Describes the enum webhookd.v1.DeliveryOrdering.
 */
export declare const DeliveryOrderingSchema: GenEnum<DeliveryOrdering>;
/**
 * The signatures a webhook's deliveries carry in `webhook-signature`, as Standard Webhooks
 * names them. Each entry signs `{webhook-id}.{webhook-timestamp}.{body}`.
 *
 * @generated from enum webhookd.v1.SignatureScheme
 */
export declare enum SignatureScheme {
    /**
     * Not set: V1 when creating a webhook.
     *
     * @generated from enum value: SIGNATURE_SCHEME_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * `v1,` + base64(HMAC-SHA256(secret, ...)), one entry per secret in use.
     *
     * @generated from enum value: SIGNATURE_SCHEME_V1 = 1;
     */
    V1 = 1,
    /**
     * `v1a,` + base64(ed25519 signature), one entry per key pair in use: receivers verify with
     * the public key and hold nothing that could sign.
     *
     * @generated from enum value: SIGNATURE_SCHEME_V1A = 2;
     */
    V1A = 2,
    /**
     * Both kinds of entries, for receivers moving from one to the other.
     *
     * @generated from enum value: SIGNATURE_SCHEME_V1_AND_V1A = 3;
     */
    V1_AND_V1A = 3
}
/**
 * Describes the enum webhookd.v1.SignatureScheme.
 */
export declare const SignatureSchemeSchema: GenEnum<SignatureScheme>;
/**
 * Whether a webhook's deliveries are sent.
 *
 * @generated from enum webhookd.v1.WebhookState
 */
export declare enum WebhookState {
    /**
     * Not set; as a filter or in an update, no state is asked for.
     *
     * @generated from enum value: WEBHOOK_STATE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Events fan out to it and its deliveries are sent.
     *
     * @generated from enum value: WEBHOOK_STATE_ACTIVE = 1;
     */
    ACTIVE = 1,
    /**
     * Set by an admin: events still fan out to it, but nothing is sent until it is made ACTIVE
     * again; then the deliveries held are sent, oldest first.
     *
     * @generated from enum value: WEBHOOK_STATE_PAUSED = 2;
     */
    PAUSED = 2,
    /**
     * Set by webhookd when the target answered 410 Gone or kept failing with no success for
     * --disable-after: new events no longer fan out to it and the deliveries it had pending are
     * held. Made ACTIVE again by UpdateWebhook or by a successful TestWebhook.
     *
     * @generated from enum value: WEBHOOK_STATE_DISABLED = 3;
     */
    DISABLED = 3
}
/**
 * Describes the enum webhookd.v1.WebhookState.
 */
export declare const WebhookStateSchema: GenEnum<WebhookState>;
/**
 * State of a delivery.
 *
 * @generated from enum webhookd.v1.DeliveryStatus
 */
export declare enum DeliveryStatus {
    /**
     * Not set; as a filter, matches every status.
     *
     * @generated from enum value: DELIVERY_STATUS_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Not yet sent, or failed and scheduled for a retry.
     *
     * @generated from enum value: DELIVERY_STATUS_PENDING = 1;
     */
    PENDING = 1,
    /**
     * The receiver answered 2xx.
     *
     * @generated from enum value: DELIVERY_STATUS_SUCCESS = 2;
     */
    SUCCESS = 2,
    /**
     * Failed for good: a final status, a refused target, or retries exhausted.
     *
     * @generated from enum value: DELIVERY_STATUS_ERROR = 3;
     */
    ERROR = 3
}
/**
 * Describes the enum webhookd.v1.DeliveryStatus.
 */
export declare const DeliveryStatusSchema: GenEnum<DeliveryStatus>;
