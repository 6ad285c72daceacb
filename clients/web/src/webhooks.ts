// The webhooks of a scope: the table (Target URL, Events, Last Event, state) with its events
// filter and pages, and the Add, Edit and Delete dialogs.
import type { EventType } from "../../typescript/src/gen/webhookd/v1/admin_pb.js";
import {
  DeliveryOrdering,
  DeliveryStatus,
  SignatureScheme,
  WebhookState,
  type Webhook,
} from "../../typescript/src/gen/webhookd/v1/webhook_pb.js";
import { admin, describe, fieldViolations } from "./api.js";
import { clearFieldErrors, field, h, modal, showFieldError, toast, urlText, when, withTimes } from "./dom.js";
import { portalLinkDialog } from "./portal.js";
import { failed, scopeText, type Session } from "./session.js";

let eventTypes: EventType[] | null = null;

/** Where the list last shown is kept (its hash), for "← Webhooks" to return to it. */
export const LIST_KEY = "webhookd.list";

export async function catalog(): Promise<EventType[]> {
  eventTypes ??= (await admin.listEventTypes({})).eventTypes;
  return eventTypes;
}

/**
 * Whether events reach the webhook's target, in words (never colour alone) and as a class:
 * disabled (with why), paused, breaker open, failing (how many in a row, since when), or
 * healthy. A webhook whose deliveries fail and are being retried is failing, though no
 * delivery completed yet.
 */
export function health(w: Webhook): { text: string; cls: string } {
  if (w.state === WebhookState.DISABLED) return { text: `disabled${w.stateReason ? ` — ${w.stateReason}` : ""}`, cls: "disabled" };
  if (w.state === WebhookState.PAUSED) return { text: "paused", cls: "paused" };
  const hl = w.health;
  const failures = hl?.consecutiveFailures ?? 0;
  if (hl?.circuitOpenUntil) {
    return { text: `breaker open until ${when(hl.circuitOpenUntil)} (${failures} failures in a row)`, cls: "breaker" };
  }
  if (failures > 0) return { text: `failing: ${failures} in a row since ${when(hl?.failingSince)}`, cls: "failing" };
  return { text: "healthy", cls: "healthy" };
}

/** A webhook's health as shown in the list and on its page. */
export function healthBadge(w: Webhook): HTMLElement {
  const { text, cls } = health(w);
  return h("span", { class: `state ${cls}`, "data-health": cls }, withTimes(text));
}

/** Status (success or error) with its code, as a badge. */
export function statusBadge(status: DeliveryStatus, code: number): HTMLElement {
  const name = status === DeliveryStatus.SUCCESS ? "success" : status === DeliveryStatus.ERROR ? "error" : "pending";
  return h("span", { class: `badge ${name}` }, code ? `${name} ${code}` : name);
}

function lastEvent(w: Webhook): HTMLElement {
  const l = w.lastEvent;
  if (!l) return h("span", { class: "muted" }, "no event yet");
  const name = l.status === DeliveryStatus.SUCCESS ? "success" : "error";
  const info = `event type ${l.eventType}, status code ${l.statusCode || "none"}`;
  return h(
    "span",
    { class: "last-event" },
    h("span", { class: `badge ${name}` }, name),
    " ",
    h("time", {}, when(l.dispatchTime)),
    " ",
    h("span", { class: "info", "data-tip": info, "aria-label": info, role: "img", tabindex: 0 }, "i"),
  );
}

interface Listing {
  company: string;
  project: string;
  descendants: boolean;
  events: string[];
  /** Text the target URL contains (the server's search); empty for any. */
  url: string;
  pages: string[];
}

function listingFrom(params: URLSearchParams, s: Session): Listing {
  const own = s.token.scope;
  const company = own?.companyId || params.get("company") || "";
  const project = own?.projectId || (company ? params.get("project") || "" : "");
  return {
    company,
    project,
    descendants: params.get("all") === "1",
    events: params.getAll("event"),
    url: params.get("url") ?? "",
    pages: [params.get("page") ?? ""],
  };
}

function hashOf(l: Listing, page = ""): string {
  const p = new URLSearchParams();
  if (l.company) p.set("company", l.company);
  if (l.project) p.set("project", l.project);
  if (l.descendants) p.set("all", "1");
  for (const e of l.events) p.append("event", e);
  if (l.url) p.set("url", l.url);
  if (page) p.set("page", page);
  const q = p.toString();
  return q ? `#/webhooks?${q}` : "#/webhooks";
}

export async function showWebhooks(root: HTMLElement, s: Session, params: URLSearchParams): Promise<void> {
  const l = listingFrom(params, s);
  const types = await catalog().catch((e) => {
    failed(root, e);
    return null;
  });
  if (!types || s.signal.aborted) return;

  // Scope picker: within the token's reach (its own company and project are fixed).
  const own = s.token.scope;
  const company = h("input", { value: l.company, disabled: !!own?.companyId, placeholder: "(instance)", size: 16 });
  const project = h("input", { value: l.project, disabled: !!own?.projectId, placeholder: "(company)", size: 16 });
  const descendants = h("input", { type: "checkbox", checked: l.descendants });
  const scopeForm = h(
    "form",
    { class: "scope", id: "scope-picker", "aria-label": "Scope" },
    field("Company", company, { name: "company" }),
    field("Project", project, { name: "project" }),
    h("label", { class: "check" }, descendants, " with companies and projects below"),
    h("button", { type: "submit" }, "Show"),
  );
  scopeForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const c = company.value.trim();
    location.hash = hashOf({ ...l, company: c, project: c ? project.value.trim() : "", descendants: descendants.checked });
  });

  // Search by target URL, done by the server over the whole scope (not just this page).
  const url = h("input", { type: "search", value: l.url, placeholder: "e.g. example.com/hooks", size: 22, maxlength: 2048 });
  const search = h(
    "form",
    { class: "scope", id: "url-search", role: "search", "aria-label": "Search by target URL" },
    field("Target URL contains", url, { name: "url_search" }),
    h("button", { type: "submit" }, "Search"),
  );
  search.addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = hashOf({ ...l, url: url.value.trim() });
  });

  const filter = h(
    "details",
    { class: "filter", id: "events-filter" },
    h("summary", {}, l.events.length ? `Events: ${l.events.length} selected` : "Filter by events"),
    h(
      "fieldset",
      {},
      h("legend", { class: "sr-only" }, "Events"),
      types.map((t) =>
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "event", value: t.name, checked: l.events.includes(t.name) }), ` ${t.name}`),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", {
          type: "button",
          onclick: () => {
            const chosen = [...filter.querySelectorAll<HTMLInputElement>("input[name=event]:checked")].map((i) => i.value);
            location.hash = hashOf({ ...l, events: chosen });
          },
        }, "Apply"),
      ),
    ),
  );

  // The events popover closes on Escape (focus back on its summary) and on a click outside.
  filter.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && filter.open) {
      filter.open = false;
      filter.querySelector("summary")?.focus();
    }
  });
  const outside = (ev: MouseEvent) => {
    if (filter.open && !filter.contains(ev.target as Node)) filter.open = false;
  };
  document.addEventListener("click", outside);
  s.signal.addEventListener("abort", () => document.removeEventListener("click", outside));

  const addButton = h("button", { type: "button", class: "primary", id: "add-webhook", onclick: () => void webhookForm(l, null) }, "Add webhook");
  // A portal link's page stays on its project: no scope picker.
  const portal = s.token.portal;
  const refresh = h("button", { type: "button", id: "refresh", onclick: reload }, "Refresh");
  // A project's page can be handed over as a portal link (not from a portal link's page).
  const share =
    l.company && l.project && !portal
      ? h("button", { type: "button", id: "portal-link", onclick: () => portalLinkDialog({ company: l.company, project: l.project }) }, "Portal link…")
      : [];
  // "← Webhooks" on a webhook's page returns to this very list (scope, filters, page).
  sessionStorage.setItem(LIST_KEY, location.hash || "#/webhooks");
  root.append(
    h("div", { class: "title-row" }, h("h1", {}, "Webhooks"), h("div", { class: "actions" }, refresh, share, addButton)),
    h("p", { class: "muted", id: "scope-shown" }, `Installed on ${scopeText(l.company, l.project)}${l.descendants ? " and below" : ""}.`),
    h("div", { class: "toolbar" }, portal ? [] : scopeForm, search, filter),
  );

  const page = params.get("page") ?? "";
  let response;
  try {
    response = await admin.listWebhooks(
      {
        scope: { companyId: l.company, projectId: l.project },
        includeDescendants: l.descendants,
        events: l.events,
        targetUrlContains: l.url,
        pageSize: 20,
        pageToken: page,
      },
      { signal: s.signal },
    );
  } catch (e) {
    if (!s.signal.aborted) failed(root, e);
    return;
  }
  if (s.signal.aborted) return;
  if (response.webhooks.length === 0) {
    const empty = page
      ? "No more webhooks."
      : l.url
        ? `No webhook here has a target URL containing “${l.url}”.`
        : l.events.length
        ? "No webhook here listens to the events chosen in the filter."
        : "No webhook here yet. Add one with “Add webhook”.";
    root.append(h("p", { class: "empty card" }, empty));
  } else {
    // With companies and projects below, each row says where its webhook is installed.
    const columns = ["Target URL", ...(l.descendants ? ["Scope"] : []), "Events", "Last Event", "State"];
    root.append(
      h(
        "table",
        { class: "webhooks", id: "webhooks" },
        h("caption", { class: "sr-only" }, "Webhooks"),
        h(
          "thead",
          {},
          h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions"))),
        ),
        h(
          "tbody",
          {},
          response.webhooks.map((w) =>
            h(
              "tr",
              { "data-webhook": w.id },
              h("td", { class: "url", "data-label": "Target URL" }, urlText(w.targetUrl)),
              l.descendants
                ? h("td", { class: "scope", "data-label": "Scope" }, scopeText(w.scope?.companyId ?? "", w.scope?.projectId ?? ""))
                : [],
              h("td", { "data-label": "Events" }, h("ul", { class: "chips" }, w.events.map((e) => h("li", {}, e)))),
              h("td", { class: "last", "data-label": "Last Event" }, lastEvent(w)),
              h("td", { "data-label": "State" }, healthBadge(w)),
              h(
                "td",
                { class: "row-actions" },
                h("button", { type: "button", "data-action": "edit", "aria-label": `Edit ${w.targetUrl}`, onclick: () => void webhookForm(l, w) }, "Edit"),
                h("button", { type: "button", "data-action": "delete", "aria-label": `Delete ${w.targetUrl}`, onclick: () => deleteWebhook(w) }, "Delete"),
                h("a", { class: "button", href: `#/webhooks/${w.id}`, "data-action": "open", "aria-label": `Open ${w.targetUrl}` }, "Open →"),
              ),
            ),
          ),
        ),
      ),
    );
  }
  const nav = h("nav", { class: "pager", "aria-label": "Pages" });
  if (page) nav.append(h("button", { type: "button", onclick: () => history.back() }, "← Previous"));
  if (response.nextPageToken) {
    nav.append(h("a", { class: "button", href: hashOf(l, response.nextPageToken), id: "next-page" }, "Next →"));
  }
  root.append(nav);
}

/** Reloads the current view (after a change made in a dialog). */
function reload(): void {
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** The field a server's violation is about: `events[2]` is about `events`. */
function fieldName(path: string): string {
  return path.replace(/\[.*$/, "").split(".")[0] ?? path;
}

const STEP_ONE = ["target_url", "secret", "events"];

/**
 * The Add (existing = null) or Edit dialog, in two steps: 1. Details (Target URL, Secret,
 * Events); 2. Advanced (Certificate authority, Client certificate, Proxy, Custom headers, Routing),
 * each expandable.
 */
export async function webhookForm(l: { company: string; project: string }, existing: Webhook | null): Promise<void> {
  const types = await catalog();
  const editing = existing !== null;
  const m = modal(editing ? "Edit webhook" : "Add webhook", { wide: true });
  const url = h("input", { type: "url", value: existing?.targetUrl ?? "", placeholder: "https://example.com/hooks", required: true, autocomplete: "off" });
  const secret = h("input", { type: "password", autocomplete: "new-password", required: !editing });
  const events = h(
    "fieldset",
    { class: "events", id: "events-field" },
    h("legend", { class: "sr-only" }, "Events"),
    types.map((t) =>
      h(
        "label",
        { class: "check", title: t.description },
        h("input", { type: "checkbox", name: "events", value: t.name, checked: existing?.events.includes(t.name) ?? false }),
        ` ${t.name}`,
      ),
    ),
  );
  const ca = h("textarea", { rows: 6, spellcheck: "false", placeholder: "-----BEGIN CERTIFICATE-----" });
  ca.value = existing?.caCertificate ?? "";
  const upload = h("input", { type: "file", accept: ".pem,.crt,.cer,application/x-pem-file", "aria-label": "Upload a PEM file" });
  upload.addEventListener("change", async () => {
    const f = upload.files?.[0];
    if (f) ca.value = await f.text();
  });
  const clientCert = h("textarea", { rows: 6, spellcheck: "false", placeholder: "-----BEGIN CERTIFICATE-----" });
  clientCert.value = existing?.clientCertificate ?? "";
  const clientKey = h("textarea", {
    rows: 4,
    spellcheck: "false",
    autocomplete: "off",
    placeholder: existing?.clientCertificate ? "unchanged (write-only)" : "-----BEGIN PRIVATE KEY-----",
  });
  const proxy = h("input", { type: "url", value: existing?.proxyUrl ?? "", placeholder: "http://proxy.internal:3128", autocomplete: "off" });
  const headerRows = h("div", { class: "header-rows" });
  const addHeaderRow = (name = "", value = "", sensitive = false, kept = false) => {
    const n = h("input", { value: name, placeholder: "X-Api-Key", "aria-label": "Header name", autocomplete: "off", "data-part": "name" });
    const v = h("input", {
      type: sensitive ? "password" : "text",
      value,
      placeholder: kept ? "unchanged (write-only)" : "value",
      "aria-label": "Header value",
      autocomplete: "off",
      "data-part": "value",
    });
    const sens = h("input", { type: "checkbox", checked: sensitive, "data-part": "sensitive" });
    sens.addEventListener("change", () => (v.type = sens.checked ? "password" : "text"));
    const row = h(
      "div",
      { class: "header-row" },
      n,
      v,
      h("label", { class: "check" }, sens, " sensitive"),
      h("button", { type: "button", "aria-label": "Remove header", onclick: () => row.remove() }, "Remove"),
    );
    headerRows.append(row);
    return n;
  };
  for (const c of existing?.customHeaders ?? []) addHeaderRow(c.name, c.value, c.sensitive, c.sensitive);
  const headersField = h(
    "div",
    { id: "custom-headers-field" },
    headerRows,
    h("button", { type: "button", id: "add-header", onclick: () => addHeaderRow().focus() }, "Add header"),
  );
  const headersOf = () =>
    [...headerRows.querySelectorAll<HTMLElement>(".header-row")].map((r) => ({
      name: r.querySelector<HTMLInputElement>("[data-part=name]")!.value.trim(),
      value: r.querySelector<HTMLInputElement>("[data-part=value]")!.value,
      sensitive: r.querySelector<HTMLInputElement>("[data-part=sensitive]")!.checked,
    }));

  const scheme = h(
    "select",
    {},
    h("option", { value: String(SignatureScheme.V1) }, "v1: HMAC with the secret"),
    h("option", { value: String(SignatureScheme.V1A) }, "v1a: ed25519 public key"),
    h("option", { value: String(SignatureScheme.V1_AND_V1A) }, "v1 and v1a, while receivers move over"),
  );
  const existingScheme = existing?.signatureScheme || SignatureScheme.V1;
  scheme.value = String(existingScheme);
  const rotate = h("input", { type: "checkbox" });
  const ordering = h(
    "select",
    {},
    h("option", { value: String(DeliveryOrdering.UNORDERED) }, "Unordered: as fast as the limits allow"),
    h("option", { value: String(DeliveryOrdering.FIFO) }, "FIFO: one at a time, in publish order"),
  );
  const existingOrdering = existing?.ordering || DeliveryOrdering.UNORDERED;
  ordering.value = String(existingOrdering);

  const filter = h("textarea", { rows: 3, spellcheck: "false", placeholder: '{"customer": {"tier": "gold"}}' });
  filter.value = existing?.filter ?? "";
  const labels = h("textarea", { rows: 3, spellcheck: "false", placeholder: "region=eu" });
  labels.value = Object.entries(existing?.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  // One `key=value` per line; the server checks keys and values.
  const labelsOf = (): Record<string, string> =>
    Object.fromEntries(
      labels.value
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line)
        .map((line) => {
          const at = line.indexOf("=");
          return at < 0 ? [line, ""] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
        }),
    );

  const stepOne = h(
    "section",
    { class: "step", "data-step": "1", "aria-label": "Step 1: Webhook details" },
    field("Target URL", url, { name: "target_url", required: true, hint: "The HTTP URL called when a subscribed event happens." }),
    field("Secret", secret, {
      name: "secret",
      required: !editing,
      hint: editing
        ? "Leave empty to keep the current secret. It is never shown again once saved."
        : "Signs every delivery. For security it is never shown again once saved.",
    }),
    field("Events", events, { name: "events", required: true }),
  );
  const stepTwo = h(
    "section",
    { class: "step", "data-step": "2", "aria-label": "Step 2: Advanced", hidden: true },
    h(
      "details",
      { open: !!existing?.caCertificate, id: "ca-section" },
      h("summary", {}, "Certificate authority"),
      field("Certificate authority", ca, { name: "ca_certificate", hint: "PEM of the CA the target's TLS certificate must chain to." }),
      upload,
    ),
    h(
      "details",
      { open: !!existing?.clientCertificate, id: "client-cert-section" },
      h("summary", {}, "Client certificate"),
      field("Client certificate", clientCert, {
        name: "client_certificate",
        hint: "PEM presented to a target that asks for a client certificate (mutual TLS), the webhook's own first.",
      }),
      field("Private key", clientKey, {
        name: "client_key",
        hint: editing
          ? "Write-only: leave empty to keep the current key; a new certificate needs its key. Never shown again once saved."
          : "The certificate's private key, PEM. Write-only: never shown again once saved.",
      }),
    ),
    h(
      "details",
      { open: !!existing?.proxyUrl, id: "proxy-section" },
      h("summary", {}, "Proxy"),
      field("URL", proxy, { name: "proxy_url", hint: "Deliveries go through this proxy." }),
    ),
    h(
      "details",
      { open: (existing?.customHeaders.length ?? 0) > 0, id: "headers-section" },
      h("summary", {}, "Custom headers"),
      field("Headers sent with every delivery", headersField, {
        name: "custom_headers",
        hint: "An API key or routing header a gateway needs. A sensitive value is write-only: never shown again, masked in the history.",
      }),
    ),
    h(
      "details",
      { open: existingOrdering === DeliveryOrdering.FIFO, id: "ordering-section" },
      h("summary", {}, "Delivery order"),
      field("Order", ordering, {
        name: "ordering",
        hint: "FIFO sends the next delivery only once the one before it has succeeded or failed for good (a failure for good is skipped).",
      }),
    ),
    h(
      "details",
      { open: existingScheme !== SignatureScheme.V1, id: "signatures-section" },
      h("summary", {}, "Signatures"),
      field("Signature scheme", scheme, {
        name: "signature_scheme",
        hint:
          "What webhook-signature carries. v1a: receivers verify with a public key webhookd generates (the private key never leaves it). X-Mia-Signature is always sent.",
      }),
      existing?.signingPublicKey
        ? h(
            "div",
            { class: "field", "data-field": "signing_key" },
            h("label", { class: "check" }, rotate, " Generate a new key pair"),
            h("div", { class: "hint" }, "The current key pair keeps signing for 24 hours, so receivers can take the new public key."),
            h("div", { class: "field-error", role: "alert" }),
          )
        : null,
    ),
    h(
      "details",
      { open: !!existing?.filter || Object.keys(existing?.labels ?? {}).length > 0, id: "routing-section" },
      h("summary", {}, "Routing"),
      field("Payload filter", filter, {
        name: "filter",
        hint: "A JSON object the event's payload must contain for this webhook to receive it. Empty: every payload.",
      }),
      field("Required labels", labels, {
        name: "labels",
        hint: "One key=value per line: only events published with all of them are sent here.",
      }),
    ),
  );
  const steps = h("ol", { class: "steps" }, h("li", { class: "current" }, "Details"), h("li", {}, "Advanced"));
  const formError = h("p", { class: "error", role: "alert" });
  const form = h("form", { novalidate: true }, steps, stepOne, stepTwo, formError);
  m.body.append(form);

  const back = h("button", { type: "button", hidden: true }, "Back");
  const next = h("button", { type: "button", class: "primary" }, "Next");
  const submit = h("button", { type: "submit", class: "primary", hidden: true, form: "" }, editing ? "Save webhook" : "Add webhook");
  m.footer.append(back, next, submit);

  const go = (step: 1 | 2) => {
    stepOne.hidden = step !== 1;
    stepTwo.hidden = step !== 2;
    back.hidden = step !== 2;
    next.hidden = step !== 1;
    submit.hidden = step !== 2;
    steps.children[0]!.classList.toggle("current", step === 1);
    steps.children[1]!.classList.toggle("current", step === 2);
    (step === 1 ? url : stepTwo.querySelector("summary")!).focus();
  };
  const chosen = () => [...events.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
  const checkStepOne = (): boolean => {
    clearFieldErrors(form);
    let ok = true;
    const missing = (name: string, message: string) => {
      showFieldError(form, name, message);
      ok = false;
    };
    if (!url.value.trim()) missing("target_url", "Enter the target URL.");
    if (!editing && !secret.value) missing("secret", "Enter a secret.");
    if (chosen().length === 0) missing("events", "Choose at least one event.");
    if (!ok) focusFirstInvalid();
    return ok;
  };
  // After errors the first bad field (in the step shown) has the focus, not the button.
  const focusFirstInvalid = () => {
    const step = stepOne.hidden ? stepTwo : stepOne;
    step.querySelector<HTMLElement>(".field.invalid input, .field.invalid textarea, .field.invalid select")?.focus();
  };
  next.addEventListener("click", () => {
    if (checkStepOne()) go(2);
  });
  back.addEventListener("click", () => go(1));
  const save = async () => {
    clearFieldErrors(form);
    formError.textContent = "";
    submit.disabled = true;
    try {
      // What the form sets, on a new webhook or an edited one.
      const fields = {
        targetUrl: url.value.trim(),
        secret: secret.value,
        events: chosen(),
        caCertificate: ca.value.trim() ? ca.value : "",
        proxyUrl: proxy.value.trim(),
        customHeaders: headersOf(),
        filter: filter.value.trim(),
        labels: labelsOf(),
        clientCertificate: clientCert.value.trim() ? clientCert.value : "",
        clientKey: clientKey.value.trim() ? clientKey.value : "",
        signatureScheme: Number(scheme.value) as SignatureScheme,
        rotateSigningKey: rotate.checked,
        ordering: Number(ordering.value) as DeliveryOrdering,
      };
      if (existing) {
        const paths = ["target_url", "events", "ca_certificate", "proxy_url", "custom_headers", "filter", "labels"];
        // The certificate and its key change together, only when either was touched.
        if (fields.clientKey || fields.clientCertificate !== (existing.clientCertificate ?? "")) paths.push("client_certificate");
        if (secret.value) paths.push("secret");
        if (fields.signatureScheme !== existingScheme) paths.push("signature_scheme");
        if (fields.rotateSigningKey) paths.push("signing_key");
        if (fields.ordering !== existingOrdering) paths.push("ordering");
        await admin.updateWebhook({ id: existing.id, ...fields, updateMask: { paths } });
        toast("Webhook saved");
      } else {
        await admin.createWebhook({ scope: { companyId: l.company, projectId: l.project }, ...fields });
        toast("Webhook added");
      }
      m.close();
      reload();
    } catch (e) {
      const violations = fieldViolations(e);
      let shown = false;
      let first: 1 | 2 | null = null;
      for (const v of violations) {
        const name = fieldName(v.field);
        if (showFieldError(form, name, v.description)) {
          shown = true;
          first ??= STEP_ONE.includes(name) ? 1 : 2;
          if (name === "ca_certificate") (form.querySelector("#ca-section") as HTMLDetailsElement).open = true;
          if (name === "proxy_url") (form.querySelector("#proxy-section") as HTMLDetailsElement).open = true;
          if (name === "custom_headers") (form.querySelector("#headers-section") as HTMLDetailsElement).open = true;
          if (name === "filter" || name === "labels") (form.querySelector("#routing-section") as HTMLDetailsElement).open = true;
          if (name === "client_certificate" || name === "client_key") (form.querySelector("#client-cert-section") as HTMLDetailsElement).open = true;
          if (name === "signature_scheme" || name.startsWith("signing_key")) (form.querySelector("#signatures-section") as HTMLDetailsElement).open = true;
          if (name === "ordering") (form.querySelector("#ordering-section") as HTMLDetailsElement).open = true;
        }
      }
      if (first === 1) go(1);
      if (shown) focusFirstInvalid();
      else formError.textContent = describe(e);
    } finally {
      submit.disabled = false;
    }
  };
  submit.addEventListener("click", (ev) => {
    ev.preventDefault();
    void save();
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!stepOne.hidden) next.click();
    else void save();
  });
  // Enter in a one-line field goes on (Next, then Add), as a form's own button would.
  form.addEventListener("keydown", (ev) => {
    const t = ev.target as HTMLElement;
    if (ev.key !== "Enter" || !(t instanceof HTMLInputElement) || ["checkbox", "radio", "button"].includes(t.type)) return;
    ev.preventDefault();
    if (!stepOne.hidden) next.click();
    else void save();
  });
}

/** The Delete dialog: the webhook goes once "Delete webhook" is pressed. */
export function deleteWebhook(w: Webhook, after?: () => void): void {
  const m = modal("Delete webhook");
  m.body.append(
    h("p", {}, "Delete the webhook for ", h("strong", {}, w.targetUrl), "?"),
    h("p", { class: "muted" }, "Its pending deliveries are dropped and its event history is deleted with it. This cannot be undone."),
  );
  const error = h("p", { class: "error", role: "alert" });
  m.body.append(error);
  const cancel = h("button", { type: "button", onclick: () => m.close() }, "Cancel");
  const confirm = h("button", { type: "button", class: "danger", id: "confirm-delete" }, "Delete webhook");
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    try {
      await admin.deleteWebhook({ id: w.id });
      m.close();
      toast("Webhook deleted");
      if (after) after();
      else reload();
    } catch (e) {
      error.textContent = describe(e);
      confirm.disabled = false;
    }
  });
  m.footer.append(cancel, confirm);
  cancel.focus();
}
