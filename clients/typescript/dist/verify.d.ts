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
export {};
