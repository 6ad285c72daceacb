type Secret = string | Uint8Array;
type Headers = Record<string, string | string[] | undefined> | {
    get(name: string): string | null;
};
/** True when `signature` (the X-Mia-Signature value) is hex(sha256(body + secret)). */
export declare function verifyMiaSignature(body: Uint8Array, signature: string | undefined | null, secret: Secret): boolean;
/**
 * True when the Standard Webhooks headers sign `body` with `secret` (raw, or `whsec_…`) and
 * `webhook-timestamp` is within `toleranceSeconds` of `nowSeconds`.
 */
export declare function verifyStandardWebhook(body: Uint8Array, headers: Headers, secret: Secret, toleranceSeconds?: number, nowSeconds?: number): boolean;
/**
 * True when a `v1a,` (ed25519) entry of the Standard Webhooks headers signs `body` with one of
 * `publicKeys` (each `whpk_…`, as `Webhook.signingPublicKey` and `getSigningKeys` show them;
 * give the previous key too while a rotation runs) and `webhook-timestamp` is within
 * `toleranceSeconds` of `nowSeconds`. For webhooks with signature scheme V1A or V1_AND_V1A;
 * nothing secret is needed. Throws a `TypeError` for a key that is not `whpk_` + base64 of 32
 * bytes.
 */
export declare function verifyStandardWebhookV1a(body: Uint8Array, headers: Headers, publicKeys: readonly string[], toleranceSeconds?: number, nowSeconds?: number): boolean;
/** Why a delivery did not verify (`reason`), thrown by `verifyEvent`. */
export declare class VerificationError extends Error {
    readonly reason: "bad_signature" | "missing_header" | "stale" | "mismatch" | "malformed";
    constructor(reason: "bad_signature" | "missing_header" | "stale" | "mismatch" | "malformed", message: string);
}
/** A delivery's event, verified. */
export interface VerifiedEvent {
    eventName: string;
    eventTimestamp: number;
    payload: Record<string, unknown>;
    /** `webhook-id`: the delivery's id, to drop a delivery received twice. */
    deliveryId: string;
}
/**
 * Verifies a delivery and returns its event: `X-Mia-Signature` over the raw `body`, the
 * Standard Webhooks signature and its timestamp, then the parsed body. Throws a
 * `VerificationError` saying why not. (`JSON.parse` reads numbers as doubles: parse `body`
 * yourself where integers beyond 2^53 matter.)
 */
export declare function verifyEvent(body: Uint8Array, headers: Headers, secret: Secret, toleranceSeconds?: number, nowSeconds?: number): VerifiedEvent;
export {};
