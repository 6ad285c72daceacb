// Deadlines, retries across a restart, watches that resume or end, TLS, and paging.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createNetServer, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  backoffMs,
  Code,
  ConnectError,
  DEFAULT_RETRY,
  DeliveryStatus,
  isRetryable,
  TokenRole,
  WebhookdClient,
  WebhookState,
} from "@webhookd/client";

import { PKI, Receiver, startServer, type RunningServer } from "./server.js";

let server: RunningServer;
// Companies of their own, so that the suite can run again on the same database.
const restartCompany = `restart-ts-${randomUUID()}`;
const pagesCompany = `pages-ts-${randomUUID()}`;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const code = (expected: Code) => (e: unknown) => {
  assert.equal(ConnectError.from(e).code, expected, String(e));
  return true;
};

test("backoff doubles to its cap with jitter", () => {
  assert.deepEqual([1, 2, 3, 7, 30].map((n) => backoffMs(DEFAULT_RETRY, n, 1)), [100, 200, 400, 5000, 5000]);
  assert.equal(backoffMs(DEFAULT_RETRY, 1, 0), 50);
});

test("retried: the server unavailable, or the connection gone under the call; never a status the server sent", () => {
  const transport = (code: Code) => {
    const e = new ConnectError("h2 stream error", code);
    e.cause = Object.assign(new Error("Stream closed with error code NGHTTP2_REFUSED_STREAM"), { code: "ERR_HTTP2_STREAM_ERROR" });
    return e;
  };
  assert.ok(isRetryable(new ConnectError("down", Code.Unavailable)));
  for (const c of [Code.Internal, Code.Unknown, Code.Aborted]) {
    assert.ok(isRetryable(transport(c)), Code[c]);
    assert.ok(!isRetryable(new ConnectError("the server's own", c)), Code[c]);
  }
  assert.ok(isRetryable(new ConnectError("http/2 stream closed with error code CANCEL", Code.Canceled)));
  assert.ok(!isRetryable(new ConnectError("aborted", Code.Canceled), true), "the caller cancelled");
  assert.ok(!isRetryable(transport(Code.InvalidArgument)));
});

test("reads and keyed publishes ride out three restarts and a kill", async () => {
  const other = await startServer({ tokens: { admin: server.admin, publisher: server.publisher }, extra: ["--lease", "3s"] });
  try {
    const admin = new WebhookdClient(other.address, other.admin, { timeoutMs: 60_000 });
    const publisher = new WebhookdClient(other.address, other.publisher, { timeoutMs: 60_000 });
    const company = `loops-ts-${randomUUID()}`;
    let stop = false;
    const acked: string[] = [];
    const failed: string[] = [];
    const loops = Array.from({ length: 8 }, async (_, l) => {
      for (let i = 0; !stop; i++) {
        await publisher.publishEvent("tag_created", { l, i }, { companyId: company }).then(
          (r) => acked.push(r.eventId),
          (e: unknown) => failed.push(`publish: ${ConnectError.from(e).message}`),
        );
        await admin.listEventTypes().catch((e: unknown) => failed.push(`read: ${ConnectError.from(e).message}`));
      }
    });
    const settle = () => new Promise((r) => setTimeout(r, 700));
    for (let r = 0; r < 3; r++) {
      await settle();
      await other.stop();
      await other.start();
    }
    await settle();
    await other.kill();
    await other.start();
    await settle();
    stop = true;
    await Promise.all(loops);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${acked.length * 2} calls failed`);
    assert.equal(new Set(acked).size, acked.length, "each publish is its own event");
    console.log(`# ${acked.length} publishes and as many reads through 3 restarts and a kill, none failed`);
  } finally {
    await other.stop();
  }
});

test("a call past its deadline rejects with DEADLINE_EXCEEDED", async () => {
  // Accepts connections and never answers.
  const held: Socket[] = [];
  const silent = createNetServer((s) => held.push(s));
  await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
  const address = `127.0.0.1:${(silent.address() as { port: number }).port}`;
  const client = new WebhookdClient(address, "whk_x", { timeoutMs: 300 });
  const started = Date.now();
  await assert.rejects(client.listEventTypes(), code(Code.DeadlineExceeded));
  await assert.rejects(client.publishEvent("tag_created", { i: 1 }, { timeoutMs: 200 }), code(Code.DeadlineExceeded));
  assert.ok(Date.now() - started < 10_000);
  held.forEach((s) => s.destroy());
  silent.close();
});

test("a call's own retry policy replaces the client's", async () => {
  // Nothing listens there: every attempt is UNAVAILABLE at once.
  const closed = createNetServer();
  await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
  const address = `127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise((ok) => closed.close(ok));
  // Retried, the call would run into its deadline: the backoff of the default policy sums
  // past 3 s well before its 10 attempts.
  const retrying = new WebhookdClient(address, "whk_x", { timeoutMs: 3000 });
  await assert.rejects(retrying.listEventTypes({ retry: false }), code(Code.Unavailable));
  const never = new WebhookdClient(address, "whk_x", { retry: false, timeoutMs: 1000 });
  await assert.rejects(never.listEventTypes(), code(Code.Unavailable));
  const policy = { maxAttempts: 100, initialBackoffMs: 100, maxBackoffMs: 100 };
  await assert.rejects(never.listEventTypes({ retry: policy }), code(Code.DeadlineExceeded));
});

test("an aborted call rejects with CANCELED", async () => {
  const client = new WebhookdClient(server.address, server.admin);
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(client.listEventTypes({ signal: abort.signal }), code(Code.Canceled));
});

test("a publish waits through a restart, and a watch resumes and says so", async () => {
  const other = await startServer({ tokens: { admin: server.admin, publisher: server.publisher } });
  const receiver = await Receiver.start();
  try {
    await restartAndResume(other, receiver);
  } finally {
    await other.stop();
    await receiver.close();
  }
});

async function restartAndResume(other: RunningServer, receiver: Receiver): Promise<void> {
  const admin = new WebhookdClient(other.address, other.admin);
  const publisher = new WebhookdClient(other.address, other.publisher);
  const hook = await admin.createWebhook(receiver.url, "ts-secret-value-1", ["tag_created"], { companyId: restartCompany });
  const stop = new AbortController();
  const seen: string[] = [];
  const resumed: Array<[ConnectError, boolean]> = [];
  const watching = (async () => {
    for await (const r of admin.watchDeliveries(
      { webhookId: hook.id },
      { status: DeliveryStatus.SUCCESS, signal: stop.signal, onResume: (e, complete) => resumed.push([e, complete]) },
    )) {
      seen.push(r.eventId);
    }
  })();
  // The watch is open once it reports a delivery (one published before it opened is not).
  const published: string[] = [];
  for (let i = 0; !seen.some((e) => published.includes(e)); i++) {
    assert.ok(i < 150, "the watch reported none of the deliveries");
    published.push((await publisher.publishEvent("tag_created", { i: 100 + i }, { companyId: restartCompany })).eventId);
    await new Promise((r) => setTimeout(r, 200));
  }

  await other.stop();
  await assert.rejects(
    new WebhookdClient(other.address, other.publisher, { retry: false }).publishEvent("tag_created", { i: 0 }),
    (e: ConnectError & { idempotencyKey?: string }) =>
      e.code === Code.Unavailable && typeof e.idempotencyKey === "string" && e.idempotencyKey.length > 0,
    "a failed publish says which idempotency key it went with",
  );
  const publishing = publisher.publishEvent("tag_created", { i: 2 }, { companyId: restartCompany });
  await other.start();
  const second = await publishing;
  assert.equal(second.duplicate, false, "the publish waited for the server");

  // Resumed from the last change it had seen, the watch misses nothing (the second
  // delivery, made while it was away or after) and sees nothing twice.
  await until(() => resumed.length > 0, "the watch to resume");
  assert.equal(resumed.length, 1);
  assert.equal(resumed[0][0].code, Code.Unavailable);
  assert.equal(resumed[0][1], true, "resumed from a cursor: complete");
  const third = await publisher.publishEvent("tag_created", { i: 3 }, { companyId: restartCompany });
  await until(() => seen.includes(third.eventId), "the delivery after the resume");
  const stored: string[] = [];
  for await (const r of admin.listEventHistory(hook.id)) stored.push(r.eventId);
  assert.deepEqual([...stored].sort(), [...published, second.eventId, third.eventId].sort(), "each event stored once");
  await until(() => stored.every((e) => seen.includes(e)), "every delivery on the watch");
  assert.equal(new Set(seen).size, seen.length, "each change once");
  stop.abort();
  await watching; // aborting ends the loop without an error

  // Without resume, the same break throws. The watch is open once it reports a delivery
  // (publish until it does: one published before it opened would not be reported).
  const once = admin.watchDeliveries({ webhookId: hook.id }, { resume: false });
  const first4 = once.next();
  let opened = false;
  first4.then(() => (opened = true), () => (opened = true));
  for (let i = 4; !opened; i++) {
    await publisher.publishEvent("tag_created", { i }, { companyId: restartCompany });
    await Promise.race([first4, new Promise((r) => setTimeout(r, 200))]);
  }
  assert.ok(!(await first4).done);
  await other.stop();
  await assert.rejects(
    (async () => {
      for await (const _ of once) {
        // deliveries until the server goes
      }
    })(),
    code(Code.Unavailable),
  );
}

test("TLS with a custom CA and a client certificate; https never falls back to plaintext", async () => {
  assert.ok(PKI, "the TLS test needs WEBHOOKD_TEST_PKI (cargo test sets it)");
  const pki = PKI;
  const tls = await startServer({
    tls: true,
    tokens: { admin: server.admin, publisher: server.publisher },
    extra: ["--tls-cert", join(pki, "server.pem"), "--tls-key", join(pki, "server.key"), "--tls-client-ca", join(pki, "ca.pem")],
  });
  try {
    await tlsChecks(tls, pki);
  } finally {
    await tls.stop();
  }
});

async function tlsChecks(tls: RunningServer, pki: string): Promise<void> {
  const ca = readFileSync(join(pki, "ca.pem"));
  const clientCertificate = { cert: readFileSync(join(pki, "client.pem")), key: readFileSync(join(pki, "client.key")) };
  const url = `https://localhost:${tls.port}`;
  const client = new WebhookdClient(url, server.admin, { caCertificate: ca, clientCertificate });
  assert.ok((await client.listEventTypes()).some((t) => t.name === "tag_created"));
  // Each way the TLS set-up can be wrong fails at once (retried, it would run into the
  // deadline and say DEADLINE_EXCEEDED) and says what to change.
  const opts = { timeoutMs: 20_000 };
  const cases: [string, WebhookdClient, Code][] = [
    ["unknown issuer", new WebhookdClient(url, server.admin, opts), Code.Unavailable],
    ["does not name the host", new WebhookdClient(`https://127.0.0.1:${tls.port}`, server.admin, { ...opts, caCertificate: ca }), Code.Unavailable],
    ["requires a client certificate", new WebhookdClient(url, server.admin, { ...opts, caCertificate: ca }), Code.Unavailable],
    ["address it as http://", new WebhookdClient(`https://${server.address}`, server.admin, { ...opts, caCertificate: ca }), Code.Unavailable],
    ["address the server as https://", new WebhookdClient(`localhost:${tls.port}`, server.admin, opts), Code.FailedPrecondition],
  ];
  for (const [says, badly, code] of cases) {
    await assert.rejects(badly.listEventTypes(), (e: unknown) => {
      const err = ConnectError.from(e);
      assert.equal(err.code, code, `${says}: ${err.message}`);
      assert.ok(err.rawMessage.includes(says), `${says}: ${err.message}`);
      return true;
    });
  }
  assert.throws(() => new WebhookdClient(`http://localhost:${tls.port}`, server.admin, { caCertificate: ca }), TypeError);
}

test("a portal link reaches its project alone and ends when revoked", async () => {
  const company = `portal-ts-${randomUUID()}`;
  const admin = new WebhookdClient(server.address, server.admin);
  const ours = await admin.createWebhook("https://example.com/ours", "12345678", ["tag_created"], { companyId: company, projectId: "web" });
  await admin.createWebhook("https://example.com/theirs", "12345678", ["tag_created"], { companyId: company, projectId: "other" });
  const link = await admin.createPortalLink({
    companyId: company,
    projectId: "web",
    lifetimeMs: 600_000,
    frameAncestors: ["https://App.example.com/"],
  });
  assert.equal(link.token?.portal, true);
  assert.deepEqual(link.token?.frameAncestors, ["https://app.example.com"]);
  const [, bearer] = link.url.split("#token=");
  assert.match(bearer ?? "", /^whk_/);
  assert.ok(link.url.includes(`/portal/${link.token?.id}#token=`), link.url);

  const portal = new WebhookdClient(server.address, bearer ?? "");
  const seen: string[] = [];
  for await (const w of portal.listWebhooks({ companyId: company, projectId: "web" })) seen.push(w.id);
  assert.deepEqual(seen, [ours.id]);
  await assert.rejects(async () => {
    for await (const _ of portal.listWebhooks({ companyId: company, projectId: "other" })) void _;
  }, code(Code.PermissionDenied));
  await assert.rejects(portal.createToken("admin", { companyId: company, projectId: "web" }), code(Code.PermissionDenied));
  await assert.rejects(admin.createPortalLink({ companyId: company }), code(Code.InvalidArgument));

  await admin.revokeToken(link.token?.id ?? "");
  const deadline = Date.now() + 10_000;
  await assert.rejects(async () => {
    while (Date.now() < deadline) {
      await portal.getWebhook(ours.id);
      await new Promise((r) => setTimeout(r, 20));
    }
  }, code(Code.Unauthenticated));
});

test("listWebhooks follows every page", async () => {
  const admin = new WebhookdClient(server.address, server.admin);
  const made = new Set<string>();
  for (let i = 0; i < 5; i++) {
    made.add((await admin.createWebhook(`https://example.com/h${i}`, "12345678", ["tag_created"], { companyId: pagesCompany })).id);
  }
  const listed = new Set<string>();
  for await (const h of admin.listWebhooks({ companyId: pagesCompany, pageSize: 2 })) listed.add(h.id);
  assert.deepEqual(listed, made);
});

test("tokens are created, listed and revoked", async () => {
  const company = `tokens-ts-${randomUUID()}`;
  const admin = new WebhookdClient(server.address, server.admin);
  const expires = new Date(Date.now() + 3_600_000);
  const made = await admin.createToken("publisher", { companyId: company, description: "ts", expireTime: expires });
  assert.match(made.bearerToken, /^whk_/);
  assert.equal(made.token?.role, TokenRole.PUBLISHER);
  assert.equal(Number(made.token?.expireTime?.seconds), Math.floor(expires.getTime() / 1000));
  const listed: string[] = [];
  for await (const t of admin.listTokens({ companyId: company })) listed.push(t.id);
  assert.deepEqual(listed, [made.token?.id]);
  await assert.rejects(admin.createToken("owner" as "admin"), TypeError);

  const publisher = new WebhookdClient(server.address, made.bearerToken);
  await publisher.publishEvent("tag_created", { by: "token" }, { companyId: company });
  const revoked = await admin.revokeToken(made.token?.id ?? "");
  assert.ok(revoked.revokeTime);
  const deadline = Date.now() + 10_000;
  await assert.rejects(async () => {
    while (Date.now() < deadline) {
      await publisher.publishEvent("tag_created", { by: "token" }, { companyId: company });
      await new Promise((r) => setTimeout(r, 20));
    }
  }, code(Code.Unauthenticated));
  const audit = await admin.listAuditEvents({ companyId: company, includeDescendants: true });
  assert.deepEqual(
    audit.map((e) => [e.action, e.resourceId]),
    [
      ["token.revoke", made.token?.id],
      ["token.create", made.token?.id],
    ],
  );
  assert.equal(audit[1]?.changes.role, "publisher");
  const active: string[] = [];
  for await (const t of admin.listTokens({ companyId: company })) active.push(t.id);
  assert.deepEqual(active, []);
  const all: string[] = [];
  for await (const t of admin.listTokens({ companyId: company, showInactive: true })) all.push(t.id);
  assert.deepEqual(all, [made.token?.id]);
});

test("a new secret with a grace period shows its rotation", async () => {
  const admin = new WebhookdClient(server.address, server.admin);
  const hook = await admin.createWebhook("https://example.com/rotate", "first-secret-1", ["tag_created"], {
    companyId: `rotate-ts-${randomUUID()}`,
  });
  assert.equal(hook.secretRotationEndTime, undefined);
  const rotated = await admin.updateWebhook(hook.id, { secret: "second-secret-2", secretGracePeriodMs: 7_200_000 });
  const end = Number(rotated.secretRotationEndTime?.seconds) * 1000;
  assert.ok(Math.abs(end - (Date.now() + 7_200_000)) < 60_000, String(end));
  const now = await admin.updateWebhook(hook.id, { secret: "third-secret-3", secretGracePeriodMs: 0 });
  assert.equal(now.secretRotationEndTime, undefined);
});

test("limits, pause and the state filter", async () => {
  const admin = new WebhookdClient(server.address, server.admin);
  const companyId = `states-ts-${randomUUID()}`;
  const hook = await admin.createWebhook("https://example.com/limits", "12345678", ["tag_created"], {
    companyId,
    maxInFlight: 5,
    rateLimitPerSecond: 20,
  });
  assert.deepEqual([hook.maxInFlight, hook.rateLimitPerSecond, hook.state], [5, 20, WebhookState.ACTIVE]);
  const other = await admin.createWebhook("https://example.com/other", "12345678", ["tag_created"], {
    companyId,
    state: "paused",
  });
  assert.equal(other.state, WebhookState.PAUSED);
  const paused = await admin.updateWebhook(hook.id, { state: "paused", rateLimitPerSecond: 0 });
  assert.deepEqual([paused.state, paused.maxInFlight, paused.rateLimitPerSecond], [WebhookState.PAUSED, 5, 0]);
  assert.ok(paused.stateReason.startsWith("paused by token "), paused.stateReason);
  const listed = async (states: ("active" | "paused" | "disabled")[]) => {
    const ids: string[] = [];
    for await (const w of admin.listWebhooks({ companyId, states })) ids.push(w.id);
    return ids.sort();
  };
  assert.deepEqual(await listed(["paused"]), [hook.id, other.id].sort());
  assert.deepEqual(await listed(["active", "disabled"]), []);
  await assert.rejects(admin.updateWebhook(hook.id, { state: "disabled" }), (e: unknown) => {
    assert.ok(e instanceof ConnectError && e.code === Code.InvalidArgument && e.rawMessage.startsWith("state:"));
    return true;
  });
  assert.equal((await admin.updateWebhook(hook.id, { state: "active" })).state, WebhookState.ACTIVE);
});
