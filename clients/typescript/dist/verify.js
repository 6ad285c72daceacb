// Receiver side: verify what webhookd signed, over the raw body bytes, in constant time.
import { createHash, createHmac, createPublicKey, timingSafeEqual, verify } from "node:crypto";
function secretBytes(secret) {
    return typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
}
function header(headers, name) {
    if (typeof headers.get === "function") {
        return headers.get(name) ?? undefined;
    }
    for (const [k, v] of Object.entries(headers)) {
        if (k.toLowerCase() === name)
            return Array.isArray(v) ? v[0] : v;
    }
    return undefined;
}
/** True when `signature` (the X-Mia-Signature value) is hex(sha256(body + secret)). */
export function verifyMiaSignature(body, signature, secret) {
    if (!signature)
        return false;
    const want = Buffer.from(createHash("sha256").update(body).update(secretBytes(secret)).digest("hex"));
    const got = Buffer.from(signature.trim().toLowerCase());
    return got.length === want.length && timingSafeEqual(got, want);
}
/** Why the Standard Webhooks headers do not sign `body` (a `VerificationError` reason), or null. */
function standardWebhookFailure(body, headers, secret, toleranceSeconds, nowSeconds) {
    const id = header(headers, "webhook-id");
    const ts = header(headers, "webhook-timestamp")?.trim();
    const signatures = header(headers, "webhook-signature");
    if (!id || !ts || !signatures)
        return "missing_header";
    if (!/^\d+$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > toleranceSeconds)
        return "stale";
    let key = secretBytes(secret);
    if (key.subarray(0, 6).toString() === "whsec_")
        key = Buffer.from(key.subarray(6).toString(), "base64");
    const want = createHmac("sha256", key).update(`${id}.${ts}.`).update(body).digest();
    for (const candidate of signatures.split(" ")) {
        const [version, b64] = candidate.split(",", 2);
        if (version !== "v1" || !b64)
            continue;
        const got = Buffer.from(b64, "base64");
        if (got.length === want.length && timingSafeEqual(got, want))
            return null;
    }
    return "mismatch";
}
/**
 * True when the Standard Webhooks headers sign `body` with `secret` (raw, or `whsec_…`) and
 * `webhook-timestamp` is within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyStandardWebhook(body, headers, secret, toleranceSeconds = 300, nowSeconds = Date.now() / 1000) {
    return standardWebhookFailure(body, headers, secret, toleranceSeconds, nowSeconds) === null;
}
/**
 * True when a `v1a,` (ed25519) entry of the Standard Webhooks headers signs `body` with one of
 * `publicKeys` (each `whpk_…`, as `Webhook.signingPublicKey` and `getSigningKeys` show them;
 * give the previous key too while a rotation runs) and `webhook-timestamp` is within
 * `toleranceSeconds` of `nowSeconds`. For webhooks with signature scheme V1A or V1_AND_V1A;
 * nothing secret is needed. Throws a `TypeError` for a key that is not `whpk_` + base64 of 32
 * bytes.
 */
export function verifyStandardWebhookV1a(body, headers, publicKeys, toleranceSeconds = 300, nowSeconds = Date.now() / 1000) {
    const keys = publicKeys.map((text) => {
        const raw = text.startsWith("whpk_") ? Buffer.from(text.slice(5), "base64") : Buffer.alloc(0);
        if (raw.length !== 32)
            throw new TypeError("a public key is whpk_ + base64 of 32 bytes");
        return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
    });
    const id = header(headers, "webhook-id");
    const ts = header(headers, "webhook-timestamp")?.trim();
    const signatures = header(headers, "webhook-signature");
    if (!id || !ts || !signatures)
        return false;
    if (!/^\d+$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > toleranceSeconds)
        return false;
    const message = Buffer.concat([Buffer.from(`${id}.${ts}.`), Buffer.from(body)]);
    for (const candidate of signatures.split(" ")) {
        const [version, b64] = candidate.split(",", 2);
        if (version !== "v1a" || !b64)
            continue;
        const signature = Buffer.from(b64, "base64");
        if (signature.length !== 64)
            continue;
        if (keys.some((key) => verify(null, message, key, signature)))
            return true;
    }
    return false;
}
const FAILURES = {
    missing_header: "webhook-id, webhook-timestamp and webhook-signature are needed",
    stale: "webhook-timestamp is outside the tolerance",
    mismatch: "no webhook-signature matches",
};
/** Why a delivery did not verify (`reason`), thrown by `verifyEvent`. */
export class VerificationError extends Error {
    reason;
    constructor(reason, message) {
        super(`${reason}: ${message}`);
        this.reason = reason;
        this.name = "VerificationError";
    }
}
/**
 * Verifies a delivery and returns its event: `X-Mia-Signature` over the raw `body`, the
 * Standard Webhooks signature and its timestamp, then the parsed body. Throws a
 * `VerificationError` saying why not. (`JSON.parse` reads numbers as doubles: parse `body`
 * yourself where integers beyond 2^53 matter.)
 */
export function verifyEvent(body, headers, secret, toleranceSeconds = 300, nowSeconds = Date.now() / 1000) {
    if (!verifyMiaSignature(body, header(headers, "x-mia-signature"), secret)) {
        throw new VerificationError("bad_signature", "X-Mia-Signature is missing or does not match");
    }
    const failure = standardWebhookFailure(body, headers, secret, toleranceSeconds, nowSeconds);
    if (failure)
        throw new VerificationError(failure, FAILURES[failure]);
    const id = header(headers, "webhook-id");
    let event;
    try {
        event = JSON.parse(Buffer.from(body).toString("utf8"));
    }
    catch (e) {
        throw new VerificationError("malformed", `not JSON: ${e.message}`);
    }
    const e = event;
    if (!e ||
        typeof e !== "object" ||
        typeof e.eventName !== "string" ||
        typeof e.eventTimestamp !== "number" ||
        !e.payload ||
        typeof e.payload !== "object" ||
        Array.isArray(e.payload)) {
        throw new VerificationError("malformed", "not a webhookd event (eventName, eventTimestamp, payload)");
    }
    return { eventName: e.eventName, eventTimestamp: e.eventTimestamp, payload: e.payload, deliveryId: id };
}
