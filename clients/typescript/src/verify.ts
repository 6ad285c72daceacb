// Receiver side: verify what webhookd signed, over the raw body bytes, in constant time.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

type Secret = string | Uint8Array;
type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function secretBytes(secret: Secret): Buffer {
  return typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
}

function header(headers: Headers, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** True when `signature` (the X-Mia-Signature value) is hex(sha256(body + secret)). */
export function verifyMiaSignature(body: Uint8Array, signature: string | undefined | null, secret: Secret): boolean {
  if (!signature) return false;
  const want = Buffer.from(createHash("sha256").update(body).update(secretBytes(secret)).digest("hex"));
  const got = Buffer.from(signature.trim().toLowerCase());
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * True when the Standard Webhooks headers sign `body` with `secret` (raw, or `whsec_…`) and
 * `webhook-timestamp` is within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyStandardWebhook(
  body: Uint8Array,
  headers: Headers,
  secret: Secret,
  toleranceSeconds = 300,
  nowSeconds = Date.now() / 1000,
): boolean {
  const id = header(headers, "webhook-id");
  const ts = header(headers, "webhook-timestamp")?.trim();
  const signatures = header(headers, "webhook-signature");
  if (!id || !ts || !signatures || !/^\d+$/.test(ts)) return false;
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return false;
  let key = secretBytes(secret);
  if (key.subarray(0, 6).toString() === "whsec_") key = Buffer.from(key.subarray(6).toString(), "base64");
  const want = createHmac("sha256", key).update(`${id}.${ts}.`).update(body).digest();
  for (const candidate of signatures.split(" ")) {
    const [version, b64] = candidate.split(",", 2);
    if (version !== "v1" || !b64) continue;
    const got = Buffer.from(b64, "base64");
    if (got.length === want.length && timingSafeEqual(got, want)) return true;
  }
  return false;
}
