import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { createHash, createHmac } from "node:crypto";

import {
  VerificationError,
  verifyEvent,
  verifyMiaSignature,
  verifyStandardWebhook,
  verifyStandardWebhookV1a,
} from "@webhookd/client";

const here = fileURLToPath(new URL(".", import.meta.url));
const file = resolve(here, "../../../testdata/signature_vectors.json");
const vectors: any[] = JSON.parse(readFileSync(file, "utf8")).vectors;

const headersOf = (v: any) => ({
  "webhook-id": v.webhook_id,
  "webhook-timestamp": String(v.webhook_timestamp),
  "webhook-signature": v.webhook_signature,
});

test("vectors from the Rust side verify", () => {
  assert.ok(vectors.length >= 4);
  for (const v of vectors) {
    const body = Buffer.from(v.body, "utf8");
    const now = v.webhook_timestamp + 10;
    assert.ok(verifyMiaSignature(body, v.x_mia_signature, v.secret), v.name);
    assert.ok(verifyStandardWebhook(body, headersOf(v), v.secret, 300, now), v.name);
    assert.ok(verifyStandardWebhook(body, headersOf(v), v.standard_webhooks_secret, 300, now), v.name);
    const upper = Object.fromEntries(Object.entries(headersOf(v)).map(([k, x]) => [k.toUpperCase(), x]));
    assert.ok(verifyStandardWebhook(body, upper, v.secret, 300, now), "header names are case-insensitive");
  }
});

test("tampering, staleness and missing headers fail", () => {
  const v = vectors[0];
  const body = Buffer.from(v.body, "utf8");
  const now = v.webhook_timestamp;
  assert.equal(verifyMiaSignature(Buffer.concat([body, Buffer.from(" ")]), v.x_mia_signature, v.secret), false);
  assert.equal(verifyMiaSignature(body, v.x_mia_signature, v.secret + "x"), false);
  assert.equal(verifyMiaSignature(body, undefined, v.secret), false);
  assert.equal(verifyStandardWebhook(Buffer.from(v.body.replace("1", "2")), headersOf(v), v.secret, 300, now), false);
  assert.equal(verifyStandardWebhook(body, headersOf(v), "wrong-secret", 300, now), false);
  assert.equal(verifyStandardWebhook(body, headersOf(v), v.secret, 300, now + 301), false);
  assert.equal(verifyStandardWebhook(body, headersOf(v), v.secret, 300, now - 301), false);
  assert.ok(verifyStandardWebhook(body, headersOf(v), v.secret, 300, now + 299));
  for (const missing of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const h: Record<string, string> = headersOf(v);
    delete h[missing];
    assert.equal(verifyStandardWebhook(body, h, v.secret, 300, now), false, missing);
  }
  const several = { ...headersOf(v), "webhook-signature": `v1,bm9wZQ== ${v.webhook_signature}` };
  assert.ok(verifyStandardWebhook(body, several, v.secret, 300, now));
});

test("verifyEvent returns the event, or says why not", () => {
  for (const v of vectors) {
    const body = Buffer.from(v.body, "utf8");
    const headers = { ...headersOf(v), "X-Mia-Signature": v.x_mia_signature };
    const event = verifyEvent(body, headers, v.secret, 300, v.webhook_timestamp + 10);
    const parsed = JSON.parse(v.body);
    assert.equal(event.eventName, parsed.eventName);
    assert.deepEqual(event.payload, parsed.payload);
    assert.equal(event.deliveryId, v.webhook_id);
  }
  const v = vectors[0];
  const body = Buffer.from(v.body, "utf8");
  const headers = { ...headersOf(v), "X-Mia-Signature": v.x_mia_signature };
  const reason = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof VerificationError);
      return e.reason;
    }
    return "verified";
  };
  assert.equal(reason(() => verifyEvent(Buffer.concat([body, Buffer.from(" ")]), headers, v.secret, 300, v.webhook_timestamp)), "bad_signature");
  assert.equal(reason(() => verifyEvent(body, headersOf(v), v.secret, 300, v.webhook_timestamp)), "bad_signature");
  assert.equal(reason(() => verifyEvent(body, headers, v.secret, 300, v.webhook_timestamp + 301)), "stale");
  const { "webhook-id": _, ...noId } = headers;
  assert.equal(reason(() => verifyEvent(body, noId, v.secret, 300, v.webhook_timestamp)), "missing_header");
  // Signed by the rules, yet not an event.
  const raw = Buffer.from("[1]");
  const mia = createHash("sha256").update(raw).update("k").digest("hex");
  const sig = "v1," + createHmac("sha256", "k").update("id.5.").update(raw).digest("base64");
  const h = { "x-mia-signature": mia, "webhook-id": "id", "webhook-timestamp": "5", "webhook-signature": sig };
  assert.equal(reason(() => verifyEvent(raw, h, "k", 300, 5)), "malformed");
});

test("v1a vectors verify with their public key only", () => {
  for (const v of vectors) {
    const body = Buffer.from(v.body, "utf8");
    const now = v.webhook_timestamp + 10;
    const key = v.signing_public_key;
    const h = { ...headersOf(v), "webhook-signature": `${v.webhook_signature} ${v.webhook_signature_v1a}` };
    assert.ok(verifyStandardWebhookV1a(body, h, [key], 300, now), v.name);
    assert.ok(!verifyStandardWebhookV1a(body, headersOf(v), [key], 300, now), "a v1 entry is no v1a signature");
    assert.ok(!verifyStandardWebhookV1a(Buffer.concat([body, Buffer.from(" ")]), h, [key], 300, now));
    assert.ok(!verifyStandardWebhookV1a(body, h, [key], 300, now + 301));
    const others = vectors.filter((w) => w !== v).map((w) => w.signing_public_key);
    assert.ok(!verifyStandardWebhookV1a(body, h, others, 300, now), "another key pair's key");
    assert.ok(verifyStandardWebhookV1a(body, h, [...others, key], 300, now), "any of the keys given may match");
  }
  assert.throws(() => verifyStandardWebhookV1a(Buffer.from("{}"), headersOf(vectors[0]), ["whpk_AAAA"]), TypeError);
});
