import type { GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Scope } from "./webhook_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file webhookd/v1/ingest.proto.
 */
export declare const file_webhookd_v1_ingest: GenFile;
/**
 * An event to publish.
 *
 * @generated from message webhookd.v1.PublishEventRequest
 */
export type PublishEventRequest = Message<"webhookd.v1.PublishEventRequest"> & {
    /**
     * Event name from the catalog.
     *
     * @generated from field: string event_name = 1;
     */
    eventName: string;
    /**
     * Where the event happened.
     *
     * @generated from field: webhookd.v1.Scope scope = 2;
     */
    scope?: Scope | undefined;
    /**
     * The payload: the text of a JSON object, at most --max-payload-bytes (256 KiB by
     * default). It is sent byte for byte as given, so numbers keep their exact form (a Struct
     * would turn integers into doubles).
     *
     * @generated from field: string payload = 3;
     */
    payload: string;
    /**
     * Milliseconds since the Unix epoch; 0 means now.
     *
     * @generated from field: int64 event_timestamp = 4;
     */
    eventTimestamp: bigint;
    /**
     * Optional, at most 256 bytes: a second publish with the same key in the same scope within
     * 24 h returns the first event and creates nothing.
     *
     * @generated from field: string idempotency_key = 5;
     */
    idempotencyKey: string;
    /**
     * Optional labels, for routing: a webhook that requires labels receives the event only if
     * it carries each of them with the same value; webhooks that require none receive it
     * anyway. At most 16; keys 1 to 64 bytes of letters, digits, '.', '_', '-', '/'; values at
     * most 256 bytes without control characters. Not part of the delivered body.
     *
     * @generated from field: map<string, string> labels = 6;
     */
    labels: {
        [key: string]: string;
    };
};
/**
 * Describes the message webhookd.v1.PublishEventRequest.
 * Use `create(PublishEventRequestSchema)` to create a new message.
 */
export declare const PublishEventRequestSchema: GenMessage<PublishEventRequest>;
/**
 * The outcome of a publish.
 *
 * @generated from message webhookd.v1.PublishEventResponse
 */
export type PublishEventResponse = Message<"webhookd.v1.PublishEventResponse"> & {
    /**
     * The event's identifier.
     *
     * @generated from field: string event_id = 1;
     */
    eventId: string;
    /**
     * Deliveries created, one per subscribed webhook.
     *
     * @generated from field: int32 deliveries = 2;
     */
    deliveries: number;
    /**
     * True when the idempotency key matched an earlier event.
     *
     * @generated from field: bool duplicate = 3;
     */
    duplicate: boolean;
};
/**
 * Describes the message webhookd.v1.PublishEventResponse.
 * Use `create(PublishEventResponseSchema)` to create a new message.
 */
export declare const PublishEventResponseSchema: GenMessage<PublishEventResponse>;
/**
 * Takes in events and fans them out to the subscribed webhooks.
 * Every call needs `authorization: Bearer <token>` of a publisher token whose scope reaches the event's scope.
 * A call may carry W3C trace context (`traceparent`, `tracestate` metadata): it is stored with
 * each event and sent on every delivery attempt, the attempt a child span of the caller's.
 *
 * @generated from service webhookd.v1.EventIngest
 */
export declare const EventIngest: GenService<{
    /**
     * Publishes one event; answered once it and its deliveries are durable.
     *
     * @generated from rpc webhookd.v1.EventIngest.PublishEvent
     */
    publishEvent: {
        methodKind: "unary";
        input: typeof PublishEventRequestSchema;
        output: typeof PublishEventResponseSchema;
    };
    /**
     * Publishes a stream of events; each is answered, in order, once durable. An invalid
     * event ends the stream with its error after the events before it are stored and answered.
     *
     * When a stream breaks (a network error, a restart, UNAVAILABLE), the events sent but not
     * yet answered may or may not have been stored. Resend each of them, on a new stream or
     * with PublishEvent, with the same idempotency_key: those already stored come back with
     * `duplicate` set and are not delivered twice. Give every event an idempotency_key to make
     * such a resend safe. The stream ends with UNAUTHENTICATED once its token is revoked or
     * expires, as soon as a new call with that token is refused (at once by notification;
     * within a second if the notification was lost).
     *
     * @generated from rpc webhookd.v1.EventIngest.PublishEvents
     */
    publishEvents: {
        methodKind: "bidi_streaming";
        input: typeof PublishEventRequestSchema;
        output: typeof PublishEventResponseSchema;
    };
}>;
