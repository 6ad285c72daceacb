// A delivery's request body dialog (pretty and exact bytes, headers, each attempt with what
// the receiver answered) and its redelivery.
import type { DeliveryRecord } from "../../typescript/src/gen/webhookd/v1/webhook_pb.js";
import { admin, describe } from "./api.js";
import { copy, dl, h, modal, toast, when } from "./dom.js";
import { statusBadge } from "./webhooks.js";

export async function resend(id: string, button: HTMLButtonElement, queued: (d: DeliveryRecord) => void): Promise<void> {
  button.disabled = true;
  try {
    const d = await admin.redeliverEvent({ deliveryId: id });
    queued(d);
    toast(`Redelivery queued (${d.id.slice(0, 8)}…)`);
  } catch (e) {
    toast(describe(e));
  } finally {
    button.disabled = false;
  }
}

function pretty(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export async function showBody(id: string, queued: (d: DeliveryRecord) => void): Promise<void> {
  const m = modal("Request body", { wide: true });
  m.body.append(h("p", { class: "muted" }, "Loading…"));
  try {
    const d = await admin.getDelivery({ id });
    const raw = new TextDecoder().decode(d.requestBody);
    const prettyView = h("pre", { class: "body", id: "body-pretty", tabindex: 0 }, pretty(d.requestBody));
    const rawView = h("pre", { class: "body", id: "body-raw", tabindex: 0, hidden: true }, raw);
    const toggle = h("button", { type: "button" }, "Show exact bytes");
    toggle.addEventListener("click", () => {
      rawView.hidden = !rawView.hidden;
      prettyView.hidden = !rawView.hidden;
      toggle.textContent = rawView.hidden ? "Show exact bytes" : "Show formatted";
    });
    m.body.replaceChildren(
      dl([
        ["Event", `${d.delivery?.eventType ?? ""} (${d.delivery?.eventId ?? ""})`],
        ["Status", d.delivery ? statusBadge(d.delivery.status, d.delivery.statusCode) : ""],
        ["Size", `${d.requestBody.length} bytes`],
      ]),
      h("div", { class: "actions" }, toggle, h("button", { type: "button", onclick: () => void copy(raw, "Body") }, "Copy body")),
      prettyView,
      rawView,
      h("h3", {}, "Request headers"),
      h("table", { class: "headers" }, h("tbody", {}, d.requestHeaders.map((x) => h("tr", {}, h("th", { scope: "row" }, x.name), h("td", {}, x.value))))),
      h("h3", {}, "Attempts"),
      d.attempts.length
        ? h(
            "table",
            { class: "attempts" },
            h("thead", {}, h("tr", {}, ["#", "Dispatched", "Status code", "Duration", "Error", "Response (first KiB)"].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              d.attempts.map((a) =>
                h("tr", {}, h("td", { "data-label": "#" }, String(a.attempt)), h("td", { "data-label": "Dispatched" }, when(a.dispatchTime)),
                  h("td", { "data-label": "Status code" }, a.statusCode ? String(a.statusCode) : "—"),
                  h("td", { "data-label": "Duration" }, `${a.durationMs} ms`), h("td", { "data-label": "Error" }, a.error || "—"),
                  h(
                    "td",
                    { class: "response", "data-label": "Response" },
                    a.responseHeaders.length
                      ? h(
                          "details",
                          { class: "response-headers" },
                          h("summary", {}, `${a.responseHeaders.length} headers`),
                          h("table", { class: "headers" }, h("tbody", {}, a.responseHeaders.map((x) => h("tr", {}, h("th", { scope: "row" }, x.name), h("td", {}, x.value))))),
                        )
                      : null,
                    a.responseBody.length ? h("pre", { class: "body" }, new TextDecoder().decode(a.responseBody)) : a.responseHeaders.length ? null : "—",
                  )),
              ),
            ),
          )
        : h("p", { class: "muted" }, "Not attempted yet."),
    );
    const redeliver = h("button", { type: "button", class: "primary" }, "Redeliver");
    redeliver.addEventListener("click", () => void resend(id, redeliver, queued));
    m.footer.append(redeliver);
  } catch (e) {
    m.body.replaceChildren(h("p", { class: "error", role: "alert" }, describe(e)));
  }
}
