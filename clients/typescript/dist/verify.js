// Receiver side: verify what webhookd signed, over the raw body bytes, in constant time.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
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
/**
 * True when the Standard Webhooks headers sign `body` with `secret` (raw, or `whsec_…`) and
 * `webhook-timestamp` is within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyStandardWebhook(body, headers, secret, toleranceSeconds = 300, nowSeconds = Date.now() / 1000) {
    const id = header(headers, "webhook-id");
    const ts = header(headers, "webhook-timestamp")?.trim();
    const signatures = header(headers, "webhook-signature");
    if (!id || !ts || !signatures || !/^\d+$/.test(ts))
        return false;
    if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds)
        return false;
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
            return true;
    }
    return false;
}
