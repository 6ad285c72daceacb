// Client for webhookd, generated from the same proto as the server (protoc-gen-es), over
// gRPC with Connect for Node, plus the receiver-side signature helpers.
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { isRetryable, tlsProblem } from "./errors.js";
import { backoffMs, DEFAULT_RETRY, } from "./options.js";
import { WatchResume } from "./resume.js";
import { USER_AGENT } from "./version.js";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { HistoryOrder, WebhookAdmin, } from "./gen/webhookd/v1/admin_pb.js";
import { EventIngest } from "./gen/webhookd/v1/ingest_pb.js";
import { TokenAdmin, TokenRole } from "./gen/webhookd/v1/token_pb.js";
import { DeliveryOrdering, DeliveryStatus, SignatureScheme, WebhookState, } from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/admin_pb.js";
export * from "./gen/webhookd/v1/ingest_pb.js";
export * from "./gen/webhookd/v1/token_pb.js";
export { VerificationError, verifyEvent, verifyMiaSignature, verifyStandardWebhook, verifyStandardWebhookV1a, } from "./verify.js";
export { USER_AGENT, VERSION } from "./version.js";
export * from "./options.js";
export { Code, ConnectError, fieldViolations, isRetryable, tlsProblem } from "./errors.js";
function deliveryOrdering(o) {
    switch (o) {
        case "unordered":
            return DeliveryOrdering.UNORDERED;
        case "fifo":
            return DeliveryOrdering.FIFO;
        default:
            return o;
    }
}
function signatureScheme(s) {
    switch (s) {
        case "v1":
            return SignatureScheme.V1;
        case "v1a":
            return SignatureScheme.V1A;
        case "v1_and_v1a":
            return SignatureScheme.V1_AND_V1A;
        default:
            return s;
    }
}
function webhookState(s) {
    switch (s) {
        case "active":
            return WebhookState.ACTIVE;
        case "paused":
            return WebhookState.PAUSED;
        case "disabled":
            return WebhookState.DISABLED;
        default:
            return s;
    }
}
function statusValue(status) {
    if (status === undefined)
        return DeliveryStatus.UNSPECIFIED;
    if (typeof status === "number")
        return status;
    const value = { pending: DeliveryStatus.PENDING, success: DeliveryStatus.SUCCESS, error: DeliveryStatus.ERROR }[status];
    if (value === undefined)
        throw new TypeError(`status must be a DeliveryStatus or pending, success, error; got ${status}`);
    return value;
}
/** `host:port` and `http://host:port` are plaintext; `https://host:port` is TLS, never plaintext. */
function baseUrl(address, options) {
    const tls = address.startsWith("https://");
    if (!tls && (options.caCertificate !== undefined || options.clientCertificate !== undefined)) {
        throw new TypeError("caCertificate and clientCertificate need an https:// address");
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address) && !tls && !address.startsWith("http://")) {
        throw new TypeError(`address must be host:port, http://host:port or https://host:port; got ${address}`);
    }
    return { url: /^https?:\/\//.test(address) ? address : `http://${address}`, tls };
}
function sleep(ms, signal) {
    return new Promise((resolve) => {
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, { once: true });
    });
}
/**
 * Both webhookd services over one HTTP/2 connection, authenticated with one token.
 *
 * Every call has a deadline (`timeoutMs`, 30 s by default, per call too), calls that are
 * safe to repeat are retried on UNAVAILABLE with exponential backoff and jitter, and
 * failures reject with a `ConnectError` (`fieldViolations(error)` reads the fields it
 * names). `admin`, `ingest` and `tokens` are the generated clients, for what the methods do
 * not cover.
 */
/**
 * connect-node's HTTP/2 session manager, with every session it hands out given an `error`
 * listener of its own: a server's graceful GOAWAY on a connection without open streams makes
 * the manager destroy it with an error that Node raises later, after the manager may have
 * dropped its own listeners, which would crash the process as an uncaught exception
 * (connectrpc/connect-es#1768). The manager has already dealt with the connection by then.
 */
class GuardedSessionManager extends Http2SessionManager {
    guarded = new WeakSet();
    async request(method, path, headers, options) {
        const stream = await super.request(method, path, headers, options);
        const session = stream.session;
        if (session && !this.guarded.has(session)) {
            this.guarded.add(session);
            session.on("error", () => {
                // Handled by the manager (the next call opens a new connection).
            });
        }
        return stream;
    }
}
export class WebhookdClient {
    /** The generated `WebhookAdmin` client, for calls the wrapper does not cover. */
    admin;
    /** The generated `EventIngest` client. */
    ingest;
    /** The generated `TokenAdmin` client. */
    tokens;
    timeoutMs;
    retry;
    /** `address` is `host:port`, `http://host:port` or `https://host:port` (TLS). */
    constructor(address, token, options = {}) {
        const auth = (next) => async (req) => {
            req.header.set("authorization", `Bearer ${token}`);
            req.header.set("user-agent", USER_AGENT);
            return next(req);
        };
        const { url, tls } = baseUrl(address, options);
        const keepaliveMs = options.keepaliveMs ?? 30_000;
        const nodeOptions = tls
            ? {
                ...(options.caCertificate !== undefined ? { ca: Buffer.from(options.caCertificate) } : {}),
                ...(options.clientCertificate
                    ? { cert: Buffer.from(options.clientCertificate.cert), key: Buffer.from(options.clientCertificate.key) }
                    : {}),
            }
            : {};
        const transport = createGrpcTransport({
            baseUrl: url,
            interceptors: [auth],
            sessionManager: new GuardedSessionManager(url, keepaliveMs > 0 ? { pingIntervalMs: keepaliveMs, pingTimeoutMs: 10_000 } : {}, nodeOptions),
        });
        this.admin = createClient(WebhookAdmin, transport);
        this.ingest = createClient(EventIngest, transport);
        this.tokens = createClient(TokenAdmin, transport);
        this.timeoutMs = options.timeoutMs ?? 30_000;
        this.retry = options.retry === false ? { ...DEFAULT_RETRY, maxAttempts: 1 } : (options.retry ?? DEFAULT_RETRY);
    }
    /** Runs `attempt` within the deadline, retrying UNAVAILABLE when `retry`. */
    async call(attempt, opts, retry) {
        const budget = opts.timeoutMs ?? this.timeoutMs;
        const deadline = Date.now() + budget;
        const chosen = opts.retry === false ? { ...this.retry, maxAttempts: 1 } : (opts.retry ?? this.retry);
        const policy = retry ? chosen : { ...chosen, maxAttempts: 1 };
        for (let n = 1;; n++) {
            const left = deadline - Date.now();
            if (left <= 0)
                throw new ConnectError(`the call's deadline of ${budget} ms passed`, Code.DeadlineExceeded);
            let error;
            try {
                return await attempt({ timeoutMs: left, signal: opts.signal, headers: opts.headers });
            }
            catch (e) {
                error = ConnectError.from(e);
            }
            const tls = tlsProblem(error);
            if (tls !== undefined)
                throw new ConnectError(tls, Code.Unavailable, undefined, undefined, error);
            const wait = backoffMs(policy, n, Math.random());
            const cancelled = opts.signal?.aborted ?? false;
            if (!isRetryable(error, cancelled) || n >= policy.maxAttempts || cancelled)
                throw error;
            if (Date.now() + wait >= deadline) {
                // Retrying was stopped by the deadline, not by the error.
                throw new ConnectError(`the call's deadline of ${budget} ms passed; last error: ${error.message}`, Code.DeadlineExceeded, undefined, undefined, error);
            }
            await sleep(wait, opts.signal);
        }
    }
    /**
     * Installs a webhook. `maxInFlight` and `rateLimitPerSecond` limit its deliveries (0: the
     * server's default, no rate limit); `state: "paused"` creates it paused. `filter` (JSON
     * object text the payload must contain) and `labels` (that an event must carry) narrow the
     * events it receives. `clientCertificate` and `clientKey` (PEM) are presented to a target
     * that asks for a client certificate; the key is write-only. `signatureScheme` is "v1"
     * (the default: HMAC with the secret), "v1a" (ed25519: webhookd makes a key pair and returns
     * its public key in `signingPublicKey`) or "v1_and_v1a". `ordering: "fifo"` sends its
     * deliveries one at a time in publish order. Not retried: a retry could create a second one.
     */
    createWebhook(targetUrl, secret, events, opts = {}) {
        const req = {
            scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
            targetUrl,
            secret,
            events,
            caCertificate: opts.caCertificate ?? "",
            proxyUrl: opts.proxyUrl ?? "",
            maxInFlight: opts.maxInFlight ?? 0,
            rateLimitPerSecond: opts.rateLimitPerSecond ?? 0,
            state: opts.state === undefined ? WebhookState.UNSPECIFIED : webhookState(opts.state),
            filter: opts.filter ?? "",
            labels: opts.labels ?? {},
            clientCertificate: opts.clientCertificate ?? "",
            clientKey: opts.clientKey ?? "",
            signatureScheme: opts.signatureScheme === undefined ? SignatureScheme.UNSPECIFIED : signatureScheme(opts.signatureScheme),
            ordering: opts.ordering === undefined ? DeliveryOrdering.UNSPECIFIED : deliveryOrdering(opts.ordering),
        };
        return this.call((o) => this.admin.createWebhook(req, o), opts, false);
    }
    /** One webhook, with its last event. */
    getWebhook(id, opts = {}) {
        return this.call((o) => this.admin.getWebhook({ id }, o), opts, true);
    }
    /**
     * Changes the fields given (the secret only when given); an empty `caCertificate`,
     * `proxyUrl`, `filter` or `labels` removes it; a new `clientCertificate` comes with its
     * `clientKey` (an empty one removes both). A new secret keeps the old one valid (a second `webhook-signature`
     * entry) for `secretGracePeriodMs`: 24 hours if not given, 0 for none. `state` is
     * "active" or "paused" (making a paused or disabled webhook active sends what it holds).
     * `rotateSigningKey` makes a new ed25519 key pair; the one it replaces keeps signing for
     * `signingKeyGracePeriodMs` (24 hours if not given, 0 for none). `ordering` is "unordered"
     * or "fifo". Not retried.
     */
    updateWebhook(id, change, opts = {}) {
        const paths = Object.entries({
            target_url: change.targetUrl,
            secret: change.secret,
            events: change.events,
            ca_certificate: change.caCertificate,
            proxy_url: change.proxyUrl,
            state: change.state,
            max_in_flight: change.maxInFlight,
            rate_limit_per_second: change.rateLimitPerSecond,
            filter: change.filter,
            labels: change.labels,
            // One mask path for the pair: the key belongs to the certificate.
            client_certificate: change.clientCertificate,
            signature_scheme: change.signatureScheme,
            signing_key: change.rotateSigningKey ? true : undefined,
            ordering: change.ordering,
        })
            .filter(([, v]) => v !== undefined)
            .map(([k]) => k);
        const { secretGracePeriodMs, signingKeyGracePeriodMs, state, signatureScheme: scheme, ordering, ...rest } = change;
        const duration = (ms) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
        const req = {
            id,
            ...rest,
            ...(state === undefined ? {} : { state: webhookState(state) }),
            ...(scheme === undefined ? {} : { signatureScheme: signatureScheme(scheme) }),
            ...(ordering === undefined ? {} : { ordering: deliveryOrdering(ordering) }),
            ...(secretGracePeriodMs === undefined ? {} : { secretGracePeriod: duration(secretGracePeriodMs) }),
            ...(signingKeyGracePeriodMs === undefined ? {} : { signingKeyGracePeriod: duration(signingKeyGracePeriodMs) }),
            updateMask: create(FieldMaskSchema, { paths }),
        };
        return this.call((o) => this.admin.updateWebhook(req, o), opts, false);
    }
    /** Deletes a webhook and its history. Not retried. */
    async deleteWebhook(id, opts = {}) {
        await this.call((o) => this.admin.deleteWebhook({ id }, o), opts, false);
    }
    /** Every matching webhook, following page tokens (each page within its own deadline). */
    async *listWebhooks(opts = {}) {
        let pageToken = "";
        do {
            const req = {
                scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
                includeDescendants: opts.includeDescendants ?? false,
                events: opts.events ?? [],
                states: (opts.states ?? []).map(webhookState),
                pageSize: opts.pageSize ?? 0,
                pageToken,
            };
            const page = await this.call((o) => this.admin.listWebhooks(req, o), opts, true);
            yield* page.webhooks;
            pageToken = page.nextPageToken;
        } while (pageToken);
    }
    /**
     * The public keys (`whpk_…`) of the `v1a` signatures of the scope's webhooks that have a
     * key pair, with the previous key while a rotation runs: every page, each within its own
     * deadline. Retried.
     */
    async getSigningKeys(opts = {}) {
        const keys = [];
        let pageToken = "";
        do {
            const req = {
                scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
                includeDescendants: opts.includeDescendants ?? false,
                pageToken,
            };
            const page = await this.call((o) => this.admin.getSigningKeys(req, o), opts, true);
            keys.push(...page.keys);
            pageToken = page.nextPageToken;
        } while (pageToken);
        return keys;
    }
    /**
     * The audit log of changes made through the admin API within this token's reach, newest
     * first: at most `limit` records (100 by default, 1000 at most); read further back by
     * passing the oldest `createTime` as `endTime`. Retried.
     */
    async listAuditEvents(opts = {}) {
        const req = {
            scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
            includeDescendants: opts.includeDescendants ?? false,
            resourceId: opts.resourceId ?? "",
            tokenId: opts.tokenId ?? "",
            limit: opts.limit ?? 0,
            ...(opts.startTime ? { startTime: timestampFromDate(opts.startTime) } : {}),
            ...(opts.endTime ? { endTime: timestampFromDate(opts.endTime) } : {}),
        };
        return this.call(async (o) => {
            const events = [];
            for await (const e of this.admin.listAuditEvents(req, o))
                events.push(e);
            return events;
        }, opts, true);
    }
    /**
     * Creates an `admin` or `publisher` token on a scope within this client's token's reach;
     * `bearerToken` of the result is shown only now. Not retried: a lost answer would leave a
     * token nobody knows (list the tokens and revoke what you cannot account for).
     */
    async createToken(role, opts = {}) {
        const roles = { admin: TokenRole.ADMIN, publisher: TokenRole.PUBLISHER };
        if (!(role in roles))
            throw new TypeError(`role must be "admin" or "publisher", not ${JSON.stringify(role)}`);
        const req = {
            role: roles[role],
            scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
            description: opts.description ?? "",
            ...(opts.expireTime ? { expireTime: timestampFromDate(opts.expireTime) } : {}),
        };
        return this.call((o) => this.tokens.createToken(req, o), opts, false);
    }
    /**
     * Creates a portal link: a short-lived admin token narrowed to one project (`companyId` and
     * `projectId`) or to one webhook (`webhookId`), and the admin page's `url` carrying it in
     * its fragment, shown only now. `lifetimeMs` from 1 s to 24 h (default 1 h);
     * `frameAncestors`: origins whose pages may frame the page (default none). Not retried, as
     * `createToken`; `revokeToken(link.token.id)` ends it.
     */
    async createPortalLink(opts = {}) {
        const req = {
            scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
            webhookId: opts.webhookId ?? "",
            frameAncestors: opts.frameAncestors ?? [],
            description: opts.description ?? "",
            ...(opts.lifetimeMs !== undefined
                ? { lifetime: { seconds: BigInt(Math.floor(opts.lifetimeMs / 1000)), nanos: (opts.lifetimeMs % 1000) * 1_000_000 } }
                : {}),
        };
        return this.call((o) => this.tokens.createPortalLink(req, o), opts, false);
    }
    /** Every matching token (never its value), newest first, following page tokens. */
    async *listTokens(opts = {}) {
        let pageToken = "";
        do {
            const req = {
                scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
                includeDescendants: opts.includeDescendants ?? false,
                showInactive: opts.showInactive ?? false,
                pageSize: opts.pageSize ?? 0,
                pageToken,
            };
            const page = await this.call((o) => this.tokens.listTokens(req, o), opts, true);
            yield* page.tokens;
            pageToken = page.nextPageToken;
        } while (pageToken);
    }
    /** Revokes a token by id: every replica refuses it from its next call on. Retried (revoking twice changes nothing). */
    async revokeToken(id, opts = {}) {
        return this.call((o) => this.tokens.revokeToken({ id }, o), opts, true);
    }
    /** The event catalog. */
    async listEventTypes(opts = {}) {
        return (await this.call((o) => this.admin.listEventTypes({}, o), opts, true)).eventTypes;
    }
    /**
     * The webhook's recent deliveries (at most 200), filtered and sorted by the server; read
     * whole within the deadline and retried like any read.
     */
    async *listEventHistory(webhookId, opts = {}) {
        const req = {
            webhookId,
            eventTypes: opts.eventTypes ?? [],
            status: statusValue(opts.status),
            statusCodes: opts.statusCodes ?? [],
            order: opts.oldestFirst ? HistoryOrder.OLDEST_FIRST : HistoryOrder.NEWEST_FIRST,
            limit: opts.limit ?? 0,
        };
        const all = await this.call(async (o) => {
            const records = [];
            for await (const r of this.admin.listEventHistory(req, o))
                records.push(r);
            return records;
        }, opts, true);
        yield* all;
    }
    /** One delivery with its request body and headers and every attempt. */
    getDelivery(id, opts = {}) {
        return this.call((o) => this.admin.getDelivery({ id }, o), opts, true);
    }
    /** Sends a delivery's event again, as a new delivery with the same body bytes. Not retried. */
    redeliverEvent(deliveryId, opts = {}) {
        return this.call((o) => this.admin.redeliverEvent({ deliveryId }, o), opts, false);
    }
    /** Sends the webhook a test event. Not retried. */
    testWebhook(webhookId, opts = {}) {
        return this.call((o) => this.admin.testWebhook({ webhookId }, o), opts, false);
    }
    /**
     * Deliveries as they are created and change state, for one webhook or a scope. The watch
     * never ends as if complete: after a server restart, a lost connection or falling behind
     * it opens itself again with backoff, from the last change received (what changed in
     * between is replayed first, each change once), and calls `onResume` (or throws with
     * `resume: false`).
     * Other errors (the webhook was deleted, the token refused) throw. Abort `signal` to end
     * the loop; it has no deadline.
     */
    async *watchDeliveries(target, opts = {}) {
        const t = "webhookId" in target
            ? { case: "webhookId", value: target.webhookId }
            : { case: "scope", value: { companyId: target.companyId ?? "", projectId: target.projectId ?? "" } };
        const req = {
            target: t,
            eventTypes: opts.eventTypes ?? [],
            status: statusValue(opts.status),
            statusCodes: opts.statusCodes ?? [],
        };
        const state = new WatchResume();
        let failures = 0;
        let broken;
        for (;;) {
            let error;
            try {
                const onHeader = (headers) => {
                    // An error answered at once comes as headers holding its status: not open.
                    if (headers.has("grpc-status"))
                        return;
                    // The server answers a watch's headers at once: the watch is open.
                    if (broken)
                        opts.onResume?.(broken, state.resumed());
                    broken = undefined;
                    failures = 0;
                };
                const call = this.admin.watchDeliveries({ ...req, resumeAfter: state.cursor }, { signal: opts.signal, timeoutMs: 0, onHeader, headers: opts.headers });
                for await (const record of call) {
                    if (state.firstTime(record))
                        yield record;
                }
                // The server never ends a watch as complete: an end is a break.
                error = new ConnectError("the watch ended", Code.Unavailable);
            }
            catch (e) {
                error = ConnectError.from(e);
            }
            if (opts.signal?.aborted)
                return;
            // What changed since the cursor is gone: go on from now.
            if (broken && state.refused(error))
                continue;
            if (opts.resume === false || (error.code !== Code.Unavailable && error.code !== Code.ResourceExhausted)) {
                throw error;
            }
            broken ??= error;
            state.broke();
            failures++;
            await sleep(backoffMs(this.retry, failures, Math.random()), opts.signal);
            if (opts.signal?.aborted)
                return;
        }
    }
    /** A publish request. `payload` is JSON text (sent byte for byte) or an object. */
    static event(eventName, payload, opts = {}) {
        return {
            eventName,
            scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
            payload: typeof payload === "string" ? payload : JSON.stringify(payload),
            eventTimestamp: opts.eventTimestamp ?? 0n,
            idempotencyKey: opts.idempotencyKey ?? "",
            labels: opts.labels ?? {},
        };
    }
    /**
     * Publishes one event; it is durable when the promise resolves. Without an
     * `idempotencyKey` one is generated, so the retries made on UNAVAILABLE never store the
     * event twice: a retry whose first attempt was stored answers with `duplicate` set and
     * the same `eventId`.
     */
    publishEvent(eventName, payload, opts = {}) {
        const req = WebhookdClient.event(eventName, payload, { ...opts, idempotencyKey: opts.idempotencyKey || randomUUID() });
        // A publish that fails for good says which key it went with, so that the caller can send
        // it again safely (the same key is stored once).
        return this.call((o) => this.ingest.publishEvent(req, o), opts, true).catch((e) => {
            const error = ConnectError.from(e);
            error.idempotencyKey = req.idempotencyKey;
            throw error;
        });
    }
    /**
     * Streams many events; answers come back in order, each once its event is durable. Not
     * retried: if the stream breaks, send the unanswered events again with the same
     * idempotency keys. No deadline unless `timeoutMs` is given.
     */
    publishEvents(events, opts = {}) {
        async function* all() {
            yield* events;
        }
        return this.ingest.publishEvents(all(), { signal: opts.signal, timeoutMs: opts.timeoutMs ?? 0, headers: opts.headers });
    }
}
