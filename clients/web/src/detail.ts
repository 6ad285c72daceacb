// One webhook's detail page: its fields, Send test event, the receiver's verification snippet,
// and the Event history card (up to 200 most recent, filtered and sorted by the server, live on
// request), each delivery's request body, headers and attempts, and Redeliver.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { HistoryOrder, RecoveryState, type Recovery } from "../../typescript/src/gen/webhookd/v1/admin_pb.js";
import {
  DeliveryOrdering,
  DeliveryStatus,
  SignatureScheme,
  WebhookState,
  type DeliveryRecord,
  type Webhook,
} from "../../typescript/src/gen/webhookd/v1/webhook_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { admin, describe, fieldViolations, isUnauthenticated, transient } from "./api.js";
import { clearFieldErrors, copy, dl, field, h, modal, showFieldError, toast, urlText, when } from "./dom.js";
import { failed, scopeText, type Session } from "./session.js";
import { LIST_KEY, catalog, deleteWebhook, healthBadge, statusBadge, webhookForm } from "./webhooks.js";
import { resend, showBody } from "./body.js";
import { portalLinkDialog } from "./portal.js";

const HISTORY_LIMIT = 200;

const MIA_SNIPPET = `// Node.js: verify X-Mia-Signature over the raw request body, as received.
const crypto = require("node:crypto");
const secret = process.env.WEBHOOK_SECRET; // <your webhook secret>
function verifyMia(rawBody /* Buffer */, header /* req.headers["x-mia-signature"] */) {
  const expected = crypto.createHash("sha256")
    .update(Buffer.concat([rawBody, Buffer.from(secret, "utf8")]))
    .digest("hex");
  return typeof header === "string" && header.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}`;

const STANDARD_SNIPPET = `// Node.js with the standardwebhooks package: verify webhook-id, webhook-timestamp and
// webhook-signature over the raw request body (it also refuses stale timestamps).
const { Webhook } = require("standardwebhooks");
const secret = process.env.WEBHOOK_SECRET; // <your webhook secret>
const wh = new Webhook("whsec_" + Buffer.from(secret, "utf8").toString("base64"));
function verifyStandard(rawBody /* Buffer */, headers /* req.headers */) {
  return wh.verify(rawBody, headers); // throws when the signature does not match
}`;

/** The latest attempt of any delivery: when, which event, its code or error, the next try. */
function latestAttempt(w: Webhook): Node | string {
  const a = w.latestAttempt;
  if (!a) return "none yet";
  // The error names the status code when there was one ("HTTP 500"); a success has none.
  const outcome = a.error || `HTTP ${a.statusCode}`;
  return h(
    "span",
    { id: "latest-attempt" },
    h("time", {}, when(a.dispatchTime)),
    ` · ${a.eventType} · `,
    statusBadge(a.status, 0),
    ` ${outcome}`,
    a.nextAttemptTime ? [" · next attempt ", h("time", {}, when(a.nextAttemptTime))] : "",
  );
}

/** Pause an active webhook (asked first), resume a paused one, or enable a disabled one. */
function stateButton(w: Webhook): HTMLElement {
  const set = async (state: WebhookState, done: string) => {
    await admin.updateWebhook({ id: w.id, state, updateMask: { paths: ["state"] } });
    toast(done);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  };
  const run = (button: HTMLButtonElement, state: WebhookState, done: string) => async () => {
    button.disabled = true;
    try {
      await set(state, done);
    } catch (e) {
      toast(describe(e));
      button.disabled = false;
    }
  };
  if (w.state === WebhookState.ACTIVE) {
    const pause = h("button", { type: "button", id: "pause-webhook" }, "Pause") as HTMLButtonElement;
    pause.addEventListener("click", () => {
      const m = modal("Pause webhook");
      m.body.append(h("p", {}, "Nothing is sent to ", h("strong", {}, w.targetUrl), " until it is resumed; its events are kept and sent then, oldest first."));
      const cancel = h("button", { type: "button", onclick: () => m.close() }, "Cancel");
      const confirm = h("button", { type: "button", id: "confirm-pause" }, "Pause webhook") as HTMLButtonElement;
      confirm.addEventListener("click", async () => {
        confirm.disabled = true;
        try {
          m.close();
          await set(WebhookState.PAUSED, "Webhook paused");
        } catch (e) {
          toast(describe(e));
        }
      });
      m.footer.append(cancel, confirm);
      cancel.focus();
    });
    return pause;
  }
  const resume = h("button", { type: "button", id: "resume-webhook" }, w.state === WebhookState.PAUSED ? "Resume" : "Enable") as HTMLButtonElement;
  resume.addEventListener("click", run(resume, WebhookState.ACTIVE, w.state === WebhookState.PAUSED ? "Webhook resumed" : "Webhook enabled"));
  return resume;
}

export async function showDetail(root: HTMLElement, s: Session, id: string, params: URLSearchParams): Promise<void> {
  let w: Webhook;
  try {
    w = await admin.getWebhook({ id }, { signal: s.signal });
  } catch (e) {
    if (!s.token.webhookId) root.append(h("p", {}, h("a", { href: "#/webhooks" }, "← Webhooks")));
    failed(root, e);
    return;
  }
  if (s.signal.aborted) return;
  const scope = { company: w.scope?.companyId ?? "", project: w.scope?.projectId ?? "" };
  const back = new URLSearchParams();
  if (scope.company) back.set("company", scope.company);
  if (scope.project) back.set("project", scope.project);
  // Back to the list this page was opened from, else to the webhook's own scope.
  const listHash = sessionStorage.getItem(LIST_KEY) ?? (back.toString() ? `#/webhooks?${back}` : "#/webhooks");

  const test = h("button", { type: "button", id: "send-test" }, "Send test event");
  test.addEventListener("click", async () => {
    test.disabled = true;
    try {
      await admin.testWebhook({ webhookId: w.id });
      toast("Test event queued");
    } catch (e) {
      toast(describe(e));
    } finally {
      test.disabled = false;
    }
  });
  // A portal link to this one webhook has no list to go back to, nor a webhook to go to once
  // this one is deleted.
  const alone = !!s.token.webhookId;
  root.append(
    ...(alone ? [] : [h("p", {}, h("a", { href: listHash }, "← Webhooks"))]),
    h(
      "div",
      { class: "title-row" },
      h("h1", { class: "url" }, urlText(w.targetUrl)),
      h(
        "div",
        { class: "actions" },
        test,
        h("button", { type: "button", id: "recover", onclick: () => void recover(s, w) }, "Recover failed deliveries"),
        h("button", { type: "button", id: "edit-webhook", onclick: () => void webhookForm(scope, w) }, "Edit"),
        s.token.portal
          ? []
          : h("button", { type: "button", id: "portal-link", onclick: () => portalLinkDialog({ ...scope, webhookId: w.id, targetUrl: w.targetUrl }) }, "Portal link…"),
        alone ? [] : h("button", { type: "button", id: "delete-webhook", class: "danger", onclick: () => deleteWebhook(w, () => (location.hash = listHash)) }, "Delete"),
      ),
    ),
    h(
      "section",
      { class: "card", "aria-label": "Webhook" },
      dl([
        ["Installed on", scopeText(scope.company, scope.project)],
        ["Events", h("ul", { class: "chips" }, w.events.map((e) => h("li", {}, e)))],
        ["State", h("span", { class: "state-row" }, healthBadge(w), " ", stateButton(w))],
        ["Latest attempt", latestAttempt(w)],
        ["Certificate authority", w.caCertificate ? h("details", {}, h("summary", {}, "PEM set"), h("pre", { class: "pem" }, w.caCertificate)) : "public web roots"],
        ["Proxy", w.proxyUrl || "direct"],
        [
          "Client certificate",
          w.clientCertificate ? h("details", {}, h("summary", {}, "PEM set (its key is write-only)"), h("pre", { class: "pem" }, w.clientCertificate)) : "none",
        ],
        [
          "Custom headers",
          w.customHeaders.length
            ? h("ul", { class: "plain" }, w.customHeaders.map((c) => h("li", {}, h("code", {}, c.name), ": ", c.sensitive ? h("em", {}, "sensitive (write-only)") : c.value)))
            : "none",
        ],
        ["Payload filter", w.filter ? h("code", {}, w.filter) : "none: every payload"],
        [
          "Required labels",
          Object.keys(w.labels).length
            ? h("ul", { class: "chips" }, Object.entries(w.labels).map(([k, v]) => h("li", {}, `${k}=${v}`)))
            : "none",
        ],
        ["Delivery order", w.ordering === DeliveryOrdering.FIFO ? "FIFO: one at a time, in publish order" : "unordered"],
        ["Signatures", signatures(w)],
        ["Secret", "set (write-only: replace it with Edit)"],
        ["Created", when(w.createTime)],
        ["Updated", when(w.updateTime)],
        ["Id", h("code", {}, w.id)],
      ]),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: () => void copy(MIA_SNIPPET, "X-Mia-Signature check") }, "Copy X-Mia-Signature check"),
        h("button", { type: "button", onclick: () => void copy(STANDARD_SNIPPET, "Standard Webhooks check") }, "Copy Standard Webhooks check"),
      ),
    ),
  );
  await history(root, s, w, params);
}

interface Filters {
  type: string;
  status: DeliveryStatus;
  codes: number[];
  order: HistoryOrder;
}

async function history(root: HTMLElement, s: Session, w: Webhook, params: URLSearchParams): Promise<void> {
  const types = await catalog().catch(() => []);
  if (s.signal.aborted) return;
  const type = h("select", {}, h("option", { value: "" }, "Any type"), types.map((t) => h("option", { value: t.name }, t.name)));
  const status = h(
    "select",
    {},
    h("option", { value: String(DeliveryStatus.UNSPECIFIED) }, "Any status"),
    h("option", { value: String(DeliveryStatus.SUCCESS) }, "success"),
    h("option", { value: String(DeliveryStatus.ERROR) }, "error"),
    h("option", { value: String(DeliveryStatus.PENDING) }, "pending"),
  );
  const codes = h("input", { inputmode: "numeric", placeholder: "e.g. 500, 503", size: 10 });
  const order = h(
    "select",
    {},
    h("option", { value: String(HistoryOrder.NEWEST_FIRST) }, "Newest first"),
    h("option", { value: String(HistoryOrder.OLDEST_FIRST) }, "Oldest first"),
  );
  const live = h("input", { type: "checkbox", id: "live" });
  const count = h("span", { class: "muted", id: "history-count", "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert" });
  // While Live is on and the server is away: what is shown stays, and this says so.
  const connection = h("p", { class: "banner", id: "connection", role: "status", hidden: true });
  const body = h("tbody", {});
  const table = h(
    "table",
    { class: "history", id: "history" },
    h("caption", { class: "sr-only" }, "Event history"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Date and time", "Type", "Status", "Attempts"].map((c) => h("th", { scope: "col" }, c)),
        h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")),
      ),
    ),
    body,
  );
  const controls = h(
    "form",
    { class: "toolbar", id: "history-filters", "aria-label": "Filter the event history" },
    field("Event type", type, { name: "history_type" }),
    field("Status", status, { name: "history_status" }),
    field("Status code", codes, { name: "history_codes" }),
    field("Sort", order, { name: "history_order" }),
    h("label", { class: "check" }, live, " Live"),
  );
  root.append(
    h("section", { class: "card", "aria-labelledby": "history-title" },
      h("div", { class: "title-row" }, h("h2", { id: "history-title" }, "Event history"), count),
      controls, connection, error, table),
  );

  // The filters and sort live in the URL (`#/webhooks/<id>?type=…&status=error&codes=500,503&order=oldest`),
  // so that a reload or a shared link shows the same history.
  const STATUS_NAMES: [string, DeliveryStatus][] = [
    ["success", DeliveryStatus.SUCCESS],
    ["error", DeliveryStatus.ERROR],
    ["pending", DeliveryStatus.PENDING],
  ];
  type.value = types.some((t) => t.name === params.get("type")) ? params.get("type")! : "";
  status.value = String(STATUS_NAMES.find(([n]) => n === params.get("status"))?.[1] ?? DeliveryStatus.UNSPECIFIED);
  codes.value = params.get("codes") ?? "";
  order.value = String(params.get("order") === "oldest" ? HistoryOrder.OLDEST_FIRST : HistoryOrder.NEWEST_FIRST);
  const keepInUrl = (f: Filters) => {
    const p = new URLSearchParams();
    if (f.type) p.set("type", f.type);
    const name = STATUS_NAMES.find(([, v]) => v === f.status)?.[0];
    if (name) p.set("status", name);
    if (f.codes.length) p.set("codes", f.codes.join(","));
    if (f.order === HistoryOrder.OLDEST_FIRST) p.set("order", "oldest");
    const q = p.toString();
    window.history.replaceState(null, "", `#/webhooks/${w.id}${q ? `?${q}` : ""}`);
  };

  let watching: AbortController | null = null;
  s.signal.addEventListener("abort", () => watching?.abort());
  // Status codes as typed: each a number from 100 to 599, or the field says what is wrong.
  const parsedCodes = (): number[] | string => {
    const parts = codes.value.split(/[\s,]+/).filter(Boolean);
    const bad = parts.find((p) => !/^\d{3}$/.test(p) || Number(p) < 100 || Number(p) > 599);
    return bad === undefined ? parts.map(Number) : `“${bad}” is not a status code (100 to 599)`;
  };
  const filters = (): Filters => {
    const c = parsedCodes();
    return {
      type: type.value,
      status: Number(status.value) as DeliveryStatus,
      codes: typeof c === "string" ? [] : c,
      order: Number(order.value) as HistoryOrder,
    };
  };
  const rows = new Map<string, HTMLTableRowElement>();
  const render = (d: DeliveryRecord) => {
    const redeliver = h("button", { type: "button", "data-action": "redeliver", "aria-label": `Redeliver ${d.eventType} of ${when(d.dispatchTime ?? d.createTime)}` }, "Redeliver");
    redeliver.addEventListener("click", () => void resend(d.id, redeliver, shown));
    return h(
      "tr",
      { "data-delivery": d.id, "data-status": DeliveryStatus[d.status].toLowerCase(), "data-type": d.eventType },
      h("td", { "data-label": "Date and time" }, h("time", {}, when(d.dispatchTime ?? d.createTime))),
      h("td", { "data-label": "Type" }, d.eventType),
      h("td", { "data-label": "Status" }, statusBadge(d.status, d.statusCode)),
      h("td", { class: "num", "data-label": "Attempts" }, String(d.attempts)),
      h(
        "td",
        { class: "row-actions" },
        h("button", { type: "button", "data-action": "body", "aria-label": `Request body of ${d.eventType}`, onclick: () => void showBody(d.id, shown) }, "Body"),
        redeliver,
      ),
    );
  };
  const place = (d: DeliveryRecord, f: Filters) => {
    const row = render(d);
    const old = rows.get(d.id);
    if (old) old.replaceWith(row);
    else if (f.order === HistoryOrder.OLDEST_FIRST) body.append(row);
    else body.prepend(row);
    rows.set(d.id, row);
    while (rows.size > HISTORY_LIMIT) {
      const drop = f.order === HistoryOrder.OLDEST_FIRST ? body.firstElementChild : body.lastElementChild;
      if (!drop) break;
      rows.delete((drop as HTMLElement).dataset.delivery!);
      drop.remove();
    }
    count.textContent = `${rows.size} shown`;
  };
  // A delivery this page made (a redelivery): shown at once where it belongs, when the
  // filters let it in.
  function shown(d: DeliveryRecord): void {
    const f = filters();
    if (rows.has(d.id) || matches(d, f)) place(d, f);
  }
  const matches = (d: DeliveryRecord, f: Filters) =>
    (!f.type || d.eventType === f.type) &&
    (f.status === DeliveryStatus.UNSPECIFIED || d.status === f.status) &&
    (f.codes.length === 0 || f.codes.includes(d.statusCode));

  // Live updates survive the server going away: the rows stay, the banner says so, the
  // watch is opened again with a growing delay (0.5 s doubling to 10 s), and once it is open
  // the list is read again, so that what happened meanwhile shows.
  let retry: ReturnType<typeof setTimeout> | undefined;
  s.signal.addEventListener("abort", () => clearTimeout(retry));
  const watch = async (attempt = 0) => {
    watching?.abort();
    watching = null;
    clearTimeout(retry);
    delete table.dataset.live;
    if (!live.checked) {
      connection.hidden = true;
      return;
    }
    const ctl = new AbortController();
    watching = ctl;
    table.dataset.live = attempt ? "retrying" : "opening";
    let opened = false;
    try {
      const changes = admin.watchDeliveries(
        { target: { case: "webhookId", value: w.id } },
        // The server answers with headers once it is watching: from then on nothing is missed.
        {
          signal: ctl.signal,
          onHeader: () => {
            opened = true;
            table.dataset.live = "open";
            if (attempt) {
              connection.hidden = true;
              connection.textContent = "";
              void load();
            }
          },
        },
      );
      for await (const d of changes) {
        const f = filters();
        // A change to a shown delivery replaces its row, even when it no longer matches (the
        // server filtered the list when it was read; live rows show what happens next).
        if (rows.has(d.id) || matches(d, f)) place(d, f);
      }
      throw new ConnectError("the server ended the watch", Code.Unavailable);
    } catch (e) {
      if (ctl.signal.aborted) return;
      delete table.dataset.live;
      if (isUnauthenticated(e)) {
        failed(root, e);
        return;
      }
      if (!transient(e)) {
        error.textContent = `Live updates stopped (${describe(e)}); the list is reloaded.`;
        live.checked = false;
        connection.hidden = true;
        void load();
        return;
      }
      const next = opened ? 0 : attempt + 1;
      const delay = Math.min(10_000, 500 * 2 ** Math.max(0, next - 1));
      table.dataset.live = "retrying";
      connection.hidden = false;
      connection.textContent = `Disconnected from the server (${describe(e)}) — retrying in ${Math.round(delay / 100) / 10} s. What is shown stays until then.`;
      retry = setTimeout(() => void watch(Math.max(1, next)), delay);
    }
  };
  let loading: AbortController | null = null;
  const load = async () => {
    clearFieldErrors(controls);
    const c = parsedCodes();
    if (typeof c === "string") {
      showFieldError(controls, "history_codes", c);
      codes.focus();
      return;
    }
    keepInUrl(filters());
    loading?.abort();
    const ctl = new AbortController();
    loading = ctl;
    s.signal.addEventListener("abort", () => ctl.abort());
    const f = filters();
    if (!rows.size) count.textContent = "Loading…";
    table.setAttribute("aria-busy", "true");
    // Read whole before it replaces what is shown: a failed read leaves the rows as they were.
    const read: DeliveryRecord[] = [];
    try {
      for await (const d of admin.listEventHistory(
        { webhookId: w.id, eventTypes: f.type ? [f.type] : [], status: f.status, statusCodes: f.codes, order: f.order, limit: HISTORY_LIMIT },
        { signal: ctl.signal },
      )) {
        if (ctl.signal.aborted) return;
        read.push(d);
      }
      body.replaceChildren();
      rows.clear();
      for (const d of read) {
        const row = render(d);
        body.append(row);
        rows.set(d.id, row);
      }
      count.textContent = rows.size ? `${rows.size} shown` : "No events match.";
      error.textContent = "";
    } catch (e) {
      if (ctl.signal.aborted) return;
      if (isUnauthenticated(e)) failed(root, e);
      else error.textContent = rows.size ? `Could not refresh (${describe(e)}); showing the rows read before.` : describe(e);
      if (count.textContent === "Loading…") count.textContent = "";
    } finally {
      if (loading === ctl) table.removeAttribute("aria-busy");
    }
  };
  for (const c of [type, status, order]) c.addEventListener("change", () => void load());
  codes.addEventListener("change", () => void load());
  controls.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void load();
  });
  live.addEventListener("change", () => void watch());
  await load();
}

/** A `datetime-local` value for `d`, in local time. */
function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The Recover dialog: sends again what failed for good in a window, showing its progress. */
async function recover(s: Session, w: Webhook): Promise<void> {
  const types = await catalog().catch(() => []);
  const m = modal("Recover failed deliveries", { wide: true });
  const since = h("input", { type: "datetime-local", value: localInput(new Date(Date.now() - 24 * 3600 * 1000)), required: true });
  const until = h("input", { type: "datetime-local" });
  const type = h("select", {}, h("option", { value: "" }, "Any type"), types.map((t) => h("option", { value: t.name }, t.name)));
  const form = h(
    "form",
    { id: "recover-form" },
    h("p", { class: "muted" }, "Every delivery of this webhook that failed for good in the window is sent again, oldest first, as a new delivery of the same body; each at most once, however many recoveries cover it."),
    field("Failed since", since, { name: "start_time", required: true }),
    field("Until", until, { name: "end_time", hint: "Empty: until now." }),
    field("Event type", type, { name: "event_types" }),
  );
  const status = h("p", { id: "recovery-status", role: "status" });
  const error = h("p", { class: "error", role: "alert" });
  m.body.append(form, status, error);
  const start = h("button", { type: "button", class: "primary", id: "start-recovery" }, "Recover");
  const cancel = h("button", { type: "button", id: "cancel-recovery", hidden: true }, "Cancel recovery");
  m.footer.append(cancel, start);
  let current: Recovery | null = null;
  const show = (r: Recovery) => {
    current = r;
    const state = r.state === RecoveryState.RUNNING ? "running" : r.state === RecoveryState.DONE ? "done" : "cancelled";
    status.dataset.state = state;
    status.textContent = `Recovery ${state}: ${r.sent} of ${r.total} sent again.`;
    cancel.hidden = r.state !== RecoveryState.RUNNING;
  };
  const follow = async (id: string) => {
    while (!s.signal.aborted && document.body.contains(status)) {
      const r = await admin.getRecovery({ id });
      show(r);
      if (r.state !== RecoveryState.RUNNING) return;
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  };
  start.addEventListener("click", async () => {
    clearFieldErrors(form);
    error.textContent = "";
    if (!since.value) {
      showFieldError(form, "start_time", "Enter when the failures started.");
      return;
    }
    start.disabled = true;
    try {
      const r = await admin.recoverDeliveries({
        webhookId: w.id,
        startTime: timestampFromDate(new Date(since.value)),
        endTime: until.value ? timestampFromDate(new Date(until.value)) : undefined,
        eventTypes: type.value ? [type.value] : [],
      });
      show(r);
      start.hidden = true;
      await follow(r.id);
    } catch (e) {
      let shown = false;
      for (const v of fieldViolations(e)) shown = showFieldError(form, v.field, v.description) || shown;
      if (!shown) error.textContent = describe(e);
      start.disabled = false;
    }
  });
  cancel.addEventListener("click", async () => {
    if (!current) return;
    try {
      show(await admin.cancelRecovery({ id: current.id }));
    } catch (e) {
      error.textContent = describe(e);
    }
  });
}

/** The detail's Signatures row: the scheme, and the public keys receivers verify `v1a` with. */
function signatures(w: Webhook): HTMLElement {
  const scheme =
    w.signatureScheme === SignatureScheme.V1A
      ? "v1a (ed25519)"
      : w.signatureScheme === SignatureScheme.V1_AND_V1A
        ? "v1 (HMAC) and v1a (ed25519)"
        : "v1 (HMAC with the secret)";
  return h(
    "div",
    { id: "signatures" },
    h("div", {}, scheme),
    w.signingPublicKey ? h("div", {}, "Public key: ", h("code", { class: "key" }, w.signingPublicKey)) : null,
    w.previousSigningPublicKey
      ? h("div", {}, "Previous key, signing until ", when(w.signingKeyRotationEndTime), ": ", h("code", { class: "key" }, w.previousSigningPublicKey))
      : null,
  );
}
