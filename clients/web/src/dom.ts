// Small DOM helpers: element building (text always set as text, never parsed as HTML), modal
// dialogs that keep the focus inside and give it back, and a polite status line.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

type Attrs = Record<string, string | number | boolean | ((ev: Event) => void) | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

let uid = 0;
/** An id unique in the page, for label/field and aria pairs. */
export function nextId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Shows `text` in the status line for a few seconds. */
export function toast(text: string): void {
  const el = document.getElementById("toast")!;
  el.textContent = text;
  el.classList.add("shown");
  window.clearTimeout(Number(el.dataset.timer));
  el.dataset.timer = String(window.setTimeout(() => el.classList.remove("shown"), 4000));
}

export interface Modal {
  body: HTMLElement;
  footer: HTMLElement;
  close(): void;
}

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select, textarea, summary, [tabindex='0']";

/**
 * Opens a modal dialog titled `title`. Tab stays inside it, Escape closes it, and the focus
 * goes back where it was when it closes.
 */
export function modal(title: string, opts: { wide?: boolean; onClose?: () => void } = {}): Modal {
  const before = document.activeElement as HTMLElement | null;
  const titleId = nextId("modal-title");
  const body = h("div", { class: "modal-body" });
  const footer = h("div", { class: "modal-footer" });
  const closeButton = h("button", { type: "button", class: "icon", "aria-label": "Close" }, "×");
  const dialog = h(
    "div",
    { class: opts.wide ? "modal wide" : "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
    h("div", { class: "modal-head" }, h("h2", { id: titleId }, title), closeButton),
    body,
    footer,
  );
  const backdrop = h("div", { class: "backdrop" }, dialog);
  const close = () => {
    backdrop.remove();
    document.removeEventListener("keydown", onKey, true);
    opts.onClose?.();
    before?.focus();
  };
  const onKey = (ev: KeyboardEvent) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    } else if (ev.key === "Tab") {
      const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => e.offsetParent !== null);
      if (items.length === 0) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      if (ev.shiftKey && document.activeElement === first) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && document.activeElement === last) {
        ev.preventDefault();
        first.focus();
      }
    }
  };
  closeButton.addEventListener("click", close);
  backdrop.addEventListener("mousedown", (ev) => {
    if (ev.target === backdrop) close();
  });
  document.addEventListener("keydown", onKey, true);
  document.body.append(backdrop);
  queueMicrotask(() => {
    const first = body.querySelector<HTMLElement>(FOCUSABLE) ?? closeButton;
    first.focus();
  });
  return { body, footer, close };
}

/** A labelled form field with a place for its error, tied together for screen readers. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | HTMLElement,
  opts: { name: string; hint?: string; required?: boolean },
): HTMLElement {
  const id = control.id || nextId(opts.name);
  control.id = id;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  control.setAttribute("aria-describedby", opts.hint ? `${hintId} ${errorId}` : errorId);
  return h(
    "div",
    { class: "field", "data-field": opts.name },
    h("label", { for: id }, label, opts.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    control,
    opts.hint ? h("div", { class: "hint", id: hintId }, opts.hint) : null,
    h("div", { class: "field-error", id: errorId, role: "alert" }),
  );
}

/** Shows `message` under the field named `name` inside `root`; returns whether there was one. */
export function showFieldError(root: HTMLElement, name: string, message: string): boolean {
  const f = root.querySelector<HTMLElement>(`[data-field="${CSS.escape(name)}"]`);
  if (!f) return false;
  f.classList.add("invalid");
  f.querySelector(".field-error")!.textContent = message;
  f.querySelector<HTMLElement>("input, textarea, select")?.setAttribute("aria-invalid", "true");
  return true;
}

export function clearFieldErrors(root: HTMLElement): void {
  for (const f of root.querySelectorAll<HTMLElement>(".field.invalid")) {
    f.classList.remove("invalid");
    f.querySelector(".field-error")!.textContent = "";
    f.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
  }
}

/** A timestamp as the browser's local date and time, to the second, with its zone (UTC±h). */
export function when(ts: Timestamp | undefined): string {
  if (!ts) return "—";
  const d = timestampDate(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  const zone =
    offset === 0
      ? "UTC"
      : `UTC${offset > 0 ? "+" : "-"}${Math.floor(Math.abs(offset) / 60)}${Math.abs(offset) % 60 ? `:${pad(Math.abs(offset) % 60)}` : ""}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
}

/** `text` with each time `when` wrote in it inside a `<time>` (never broken across lines). */
export function withTimes(text: string): Node[] {
  return text
    .split(/(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC(?:[+-]\d{1,2}(?::\d{2})?)?)/)
    .filter((part) => part !== "")
    .map((part) =>
      /^\d{4}-\d{2}-\d{2} /.test(part) ? h("time", {}, part) : document.createTextNode(part),
    );
}

/**
 * A URL's text with a line-break opportunity after each "/" of its path (the scheme and
 * host stay whole; nowhere mid-word).
 */
export function urlText(url: string): Node[] {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(url)?.[0] ?? "";
  const out: Node[] = [document.createTextNode(origin)];
  for (const part of url.slice(origin.length).split(/(?<=\/)/)) {
    if (!part) continue;
    out.push(document.createElement("wbr"), document.createTextNode(part));
  }
  return out;
}

export async function copy(text: string, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied to the clipboard`);
  } catch {
    toast(`the browser did not allow copying; select the text instead`);
  }
}

/** A definition list of label/value rows. */
export function dl(rows: [string, Node | string][]): HTMLElement {
  return h("dl", { class: "fields" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]).flat());
}
