// Against a real webhookd: publish, receive, verify, read history and the delivery body.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  Code,
  ConnectError,
  DeliveryOrdering,
  DeliveryStatus,
  fieldViolations,
  verifyMiaSignature,
  verifyStandardWebhook,
  verifyStandardWebhookV1a,
  VERSION,
  WebhookdClient,
} from "@webhookd/client";

import { PKI, Receiver, startServer, type RunningServer } from "./server.js";

const SECRET = "ts-secret-value-1";
let server: RunningServer;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

test("publish, receive, verify and read back", async () => {
  const receiver = await Receiver.start();
  const admin = new WebhookdClient(server.address, server.admin);
  const publisher = new WebhookdClient(server.address, server.publisher);
  // Its own company: the README example below uses acme.
  const hook = await admin.createWebhook(receiver.url, SECRET, ["tag_created"], { companyId: "globex" });
  assert.equal(hook.scope?.companyId, "globex");
  const payload = '{"tag":"v1.2.3","big":12345678901234567890,"nested":{"list":[1,2.50]}}';
  const sent = await publisher.publishEvent("tag_created", payload, { companyId: "globex", projectId: "web" });
  assert.equal(sent.deliveries, 1);
  assert.equal(sent.duplicate, false);

  const got = await receiver.next();
  assert.equal(got.path, "/hook");
  assert.ok(verifyMiaSignature(got.body, got.headers["x-mia-signature"] as string, SECRET));
  assert.ok(verifyStandardWebhook(got.body, got.headers, SECRET));
  assert.equal(verifyStandardWebhook(got.body, got.headers, "another-secret"), false);
  assert.ok(got.body.toString().endsWith(`"payload":${payload}}`), "payload sent byte for byte");

  const deadline = Date.now() + 20_000;
  let records: any[] = [];
  for (;;) {
    records = [];
    for await (const d of admin.listEventHistory(hook.id)) records.push(d);
    if (records.length && records[0].status === DeliveryStatus.SUCCESS) break;
    assert.ok(Date.now() < deadline, "delivery not recorded as successful in time");
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(records.map((r) => r.eventType), ["tag_created"]);
  assert.equal(records[0].statusCode, 200);
  const errors = [];
  for await (const d of admin.listEventHistory(hook.id, { status: "error" })) errors.push(d);
  assert.equal(errors.length, 0);
  const detail = await admin.getDelivery(records[0].id);
  assert.deepEqual(Buffer.from(detail.requestBody), got.body);

  // Per-call metadata: a traceparent given to the helper reaches the receiver's request.
  try {
    const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await publisher.publishEvent("tag_created", "{}", { companyId: "globex", headers: { traceparent: parent } });
    const traced = await receiver.next();
    assert.equal((traced.headers["traceparent"] as string).split("-")[1], "4bf92f3577b34da6a3ce929d0e0e4736");
  } finally {
    await receiver.close();
  }
});

test("filters and labels route events", async () => {
  const receiver = await Receiver.start();
  const admin = new WebhookdClient(server.address, server.admin);
  const publisher = new WebhookdClient(server.address, server.publisher);
  const hook = await admin.createWebhook(receiver.url, SECRET, ["tag_created"], {
    companyId: "initech",
    filter: '{"tier":"gold"}',
    labels: { region: "eu" },
  });
  assert.equal(hook.filter, '{"tier": "gold"}');
  assert.deepEqual(hook.labels, { region: "eu" });
  const fanned = async (payload: string, labels: Record<string, string> = {}) =>
    (await publisher.publishEvent("tag_created", payload, { companyId: "initech", labels })).deliveries;
  assert.equal(await fanned('{"tier":"gold"}', { region: "eu" }), 1);
  assert.equal(await fanned('{"tier":"silver"}', { region: "eu" }), 0);
  assert.equal(await fanned('{"tier":"gold"}'), 0);
  const got = await receiver.next();
  assert.deepEqual(JSON.parse(got.body.toString()).payload, { tier: "gold" });
  const changed = await admin.updateWebhook(hook.id, { filter: "", labels: {} });
  assert.equal(changed.filter, "");
  assert.deepEqual(changed.labels, {});
  assert.equal(await fanned('{"tier":"silver"}'), 1);
  await receiver.next();
  await receiver.close();
});

test("a client certificate is set, shown without its key, and removed", async () => {
  assert.ok(PKI, "cargo test sets WEBHOOKD_TEST_PKI");
  const cert = readFileSync(resolve(PKI, "client.pem"), "utf8");
  const key = readFileSync(resolve(PKI, "client.key"), "utf8");
  const admin = new WebhookdClient(server.address, server.admin);
  const hook = await admin.createWebhook("https://example.com/mtls", SECRET, ["tag_created"], {
    companyId: "initech",
    clientCertificate: cert,
    clientKey: key,
  });
  assert.equal(hook.clientCertificate, cert);
  assert.ok(!JSON.stringify(await admin.getWebhook(hook.id), (_, v) => (typeof v === "bigint" ? String(v) : v)).includes("PRIVATE KEY"));
  await assert.rejects(admin.updateWebhook(hook.id, { clientCertificate: cert }), (e: unknown) => {
    assert.equal(fieldViolations(e)[0]?.field, "client_key");
    return true;
  });
  const removed = await admin.updateWebhook(hook.id, { clientCertificate: "", clientKey: "" });
  assert.equal(removed.clientCertificate, "");
});

test("v1a signatures verify with the public key through a rotation", async () => {
  const receiver = await Receiver.start();
  try {
    const admin = new WebhookdClient(server.address, server.admin);
    const publisher = new WebhookdClient(server.address, server.publisher);
    const hook = await admin.createWebhook(receiver.url, SECRET, ["tag_created"], {
      companyId: "hooli",
      signatureScheme: "v1a",
    });
    const first = hook.signingPublicKey;
    assert.match(first, /^whpk_/);
    await publisher.publishEvent("tag_created", '{"n":1}', { companyId: "hooli" });
    let got = await receiver.next();
    assert.ok(verifyStandardWebhookV1a(got.body, got.headers, [first]));
    assert.equal(verifyStandardWebhook(got.body, got.headers, SECRET), false, "V1A carries no v1 entry");
    assert.ok(verifyMiaSignature(got.body, got.headers["x-mia-signature"] as string, SECRET));
    const rotated = await admin.updateWebhook(hook.id, {
      rotateSigningKey: true,
      signingKeyGracePeriodMs: 3_600_000,
      signatureScheme: "v1_and_v1a",
    });
    const second = rotated.signingPublicKey;
    assert.notEqual(second, first);
    assert.equal(rotated.previousSigningPublicKey, first);
    const keys = await admin.getSigningKeys({ companyId: "hooli" });
    assert.deepEqual(keys.map((k) => [k.publicKey, k.previousPublicKey]), [[second, first]]);
    await publisher.publishEvent("tag_created", '{"n":2}', { companyId: "hooli" });
    got = await receiver.next();
    assert.ok(verifyStandardWebhookV1a(got.body, got.headers, [second]));
    assert.ok(verifyStandardWebhookV1a(got.body, got.headers, [first]), "the replaced key signs during the overlap");
    assert.ok(verifyStandardWebhook(got.body, got.headers, SECRET));
    assert.equal(verifyStandardWebhookV1a(Buffer.from("{}"), got.headers, [second]), false);
    assert.equal((await admin.updateWebhook(hook.id, { ordering: "fifo" })).ordering, DeliveryOrdering.FIFO);
  } finally {
    await receiver.close();
  }
});

test("an invalid request rejects with INVALID_ARGUMENT naming the field", async () => {
  const admin = new WebhookdClient(server.address, server.admin);
  await assert.rejects(admin.createWebhook("ftp://example.com/hook", "12345678", ["tag_created"]), (e: unknown) => {
    const err = ConnectError.from(e);
    assert.equal(err.code, Code.InvalidArgument);
    assert.match(err.rawMessage, /^target_url:/);
    assert.deepEqual(fieldViolations(e).map((v) => v.field), ["target_url"]);
    return true;
  });
  const nobody = new WebhookdClient(server.address, "not-a-token");
  await assert.rejects(nobody.listEventTypes(), (e: unknown) => {
    assert.equal(ConnectError.from(e).code, Code.Unauthenticated);
    assert.deepEqual(fieldViolations(e), [], "an error without BadRequest details names no field");
    return true;
  });
});

test("the README examples run", async () => {
  const receiver = await Receiver.start();
  const here = fileURLToPath(new URL(".", import.meta.url));
  const out = execFileSync(process.execPath, [resolve(here, "../examples/quickstart.js")], {
    encoding: "utf8",
    env: {
      ...process.env,
      WEBHOOKD_ADDRESS: server.address,
      WEBHOOKD_ADMIN_TOKEN: server.admin,
      WEBHOOKD_PUBLISHER_TOKEN: server.publisher,
      RECEIVER_URL: receiver.url,
    },
  });
  assert.match(out, /published .* to 1 webhook\(s\)/);
  assert.match(out, /refused: 3 \[\s+\{ field: 'target_url'/);
  const { handle } = await import("../examples/receiver.js");
  const got = await receiver.next();
  const event = handle(got.body, got.headers);
  assert.equal(event.eventName, "project_created");
  assert.equal(event.payload.createdAt, 1700000000123);
  assert.throws(() => handle(Buffer.from(got.body.toString().replace("web", "bew")), got.headers));
  await receiver.close();
});

test("a stream of 100000 events is fully acknowledged", async () => {
  const publisher = new WebhookdClient(server.address, server.publisher);
  const n = 100_000;
  function* events() {
    for (let i = 0; i < n; i++) {
      yield WebhookdClient.event("tag_created", `{"i":${i}}`, { companyId: "stream-ts", idempotencyKey: `ts-${i}` });
    }
  }
  let acked = 0;
  for await (const ack of publisher.publishEvents(events())) {
    assert.equal(ack.duplicate, false);
    acked++;
  }
  assert.equal(acked, n);
});

test("the audit log names this client and its version", async () => {
  const pkg = JSON.parse(readFileSync(resolve(fileURLToPath(import.meta.url), "../../../package.json"), "utf8"));
  assert.equal(VERSION, pkg.version, "one version, written twice");
  const admin = new WebhookdClient(server.address, server.admin);
  const hook = await admin.createWebhook("https://example.com/ua", SECRET, ["tag_created"], { companyId: "ua-ts" });
  const [made, ...more] = await admin.listAuditEvents({ companyId: "ua-ts", resourceId: hook.id });
  assert.equal(more.length, 0);
  assert.equal(made.action, "webhook.create");
  assert.equal(made.userAgent, `webhookd-client-typescript/${VERSION}`);
});
