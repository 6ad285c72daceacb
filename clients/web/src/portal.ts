// "Portal link…": an admin makes a link that opens this page for one project or one webhook,
// for the people who own its endpoints (TokenAdmin.CreatePortalLink). The link carries a
// short-lived token in its fragment; it is shown once, in this dialog, to copy. The dialog
// also lists the links that still work for the same project or webhook, each revocable.
import type { Token } from "../../typescript/src/gen/webhookd/v1/token_pb.js";
import { fieldViolations, describe, tokens } from "./api.js";
import { clearFieldErrors, copy, field, h, modal, showFieldError, toast, when } from "./dom.js";
import { scopeText } from "./session.js";

/**
 * What a link shows: a project, or one webhook of a scope (with its address, for the
 * dialog's text).
 */
export type PortalTarget =
  | { company: string; project: string }
  | { company: string; project: string; webhookId: string; targetUrl: string };

/** The links that still work for `target`: its scope's portal tokens narrowed as it is. */
async function activeLinks(target: PortalTarget): Promise<Token[]> {
  const found: Token[] = [];
  let pageToken = "";
  do {
    const page = await tokens.listTokens({ scope: { companyId: target.company, projectId: target.project }, pageSize: 500, pageToken });
    const only = "webhookId" in target ? target.webhookId : "";
    found.push(...page.tokens.filter((t) => t.portal && t.webhookId === only));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return found;
}

/** The table of `target`'s working links, each with a Revoke button, filled into `into`. */
async function showLinks(target: PortalTarget, into: HTMLElement): Promise<void> {
  let links: Token[];
  try {
    links = await activeLinks(target);
  } catch (e) {
    into.replaceChildren(h("p", { class: "error", role: "alert" }, describe(e)));
    return;
  }
  if (links.length === 0) {
    into.replaceChildren(h("p", { class: "muted" }, "No link works for it now."));
    return;
  }
  const rows = links.map((t) => {
    const revoke = h("button", { type: "button", "data-action": "revoke", "aria-label": `Revoke the link ${t.description || t.id}` }, "Revoke");
    const row = h(
      "tr",
      { "data-token": t.id },
      h("td", {}, t.description || h("span", { class: "muted" }, "(no description)")),
      h("td", {}, when(t.expireTime)),
      h("td", {}, t.frameAncestors.length ? t.frameAncestors.join(" ") : h("span", { class: "muted" }, "none")),
      h("td", {}, revoke),
    );
    revoke.addEventListener("click", async () => {
      revoke.disabled = true;
      try {
        await tokens.revokeToken({ id: t.id });
        toast("Link revoked");
        await showLinks(target, into);
      } catch (e) {
        toast(describe(e));
        revoke.disabled = false;
      }
    });
    return row;
  });
  into.replaceChildren(
    h(
      "table",
      { class: "webhooks", id: "portal-links" },
      h("caption", { class: "sr-only" }, "Links that work now"),
      h("thead", {}, h("tr", {}, ["Description", "Ends", "Framed by"].map((c) => h("th", { scope: "col" }, c)), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))),
      h("tbody", {}, rows),
    ),
  );
}

const LIFETIMES: [string, number][] = [
  ["15 minutes", 900],
  ["1 hour", 3600],
  ["8 hours", 8 * 3600],
  ["24 hours", 24 * 3600],
];

export function portalLinkDialog(target: PortalTarget): void {
  const m = modal("Portal link", { wide: true });
  const what = "webhookId" in target ? `the webhook ${target.targetUrl} alone` : `the webhooks of ${scopeText(target.company, target.project)}`;
  const lifetime = h("select", {}, LIFETIMES.map(([label, secs]) => h("option", { value: String(secs), selected: secs === 3600 }, label)));
  const origins = h("textarea", { rows: 2, spellcheck: "false", placeholder: "https://app.example.com" });
  const description = h("input", { maxlength: 256, placeholder: "e.g. acme web team" });
  const form = h(
    "form",
    { id: "portal-form" },
    h("p", { class: "muted" }, `Whoever opens the link manages ${what} as an admin would, until it expires or you revoke its token; nothing wider, and no tokens.`),
    field("Works for", lifetime, { name: "lifetime" }),
    field("May be framed by", origins, {
      name: "frame_ancestors",
      hint: "Origins whose pages may show it in an iframe, one per line. Empty: none.",
    }),
    field("Description", description, { name: "description", hint: "Shown with the link's token in the token list." }),
  );
  const error = h("p", { class: "error", role: "alert" });
  const result = h("div", { id: "portal-result" });
  const links = h("div", { id: "portal-links-list" }, h("p", { class: "muted" }, "Loading…"));
  m.body.append(form, error, result, h("h3", {}, "Links that work now"), links);
  void showLinks(target, links);
  const make = h("button", { type: "button", class: "primary", id: "create-portal-link" }, "Create link");
  m.footer.append(make);
  make.addEventListener("click", async () => {
    clearFieldErrors(form);
    error.textContent = "";
    make.disabled = true;
    try {
      const link = await tokens.createPortalLink({
        scope: "webhookId" in target ? undefined : { companyId: target.company, projectId: target.project },
        webhookId: "webhookId" in target ? target.webhookId : "",
        lifetime: { seconds: BigInt(lifetime.value), nanos: 0 },
        frameAncestors: origins.value.split(/\s+/).filter((o) => o),
        description: description.value.trim(),
      });
      const url = h("input", { id: "portal-url", readonly: true, value: link.url, spellcheck: "false" });
      result.replaceChildren(
        field("Link", url, { name: "url", hint: `Shown only now. It ends ${when(link.token?.expireTime)}; revoking token ${link.token?.id} ends it sooner.` }),
        h("div", { class: "actions" }, h("button", { type: "button", class: "primary", id: "copy-portal-url", onclick: () => void copy(link.url, "Link") }, "Copy link")),
      );
      form.hidden = true;
      make.hidden = true;
      void showLinks(target, links);
      url.focus();
      url.select();
    } catch (e) {
      let shown = false;
      for (const v of fieldViolations(e)) shown = showFieldError(form, v.field.replace(/\[\d+\]$/, ""), v.description) || shown;
      if (!shown) error.textContent = describe(e);
      make.disabled = false;
    }
  });
}
