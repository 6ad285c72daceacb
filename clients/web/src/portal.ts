// "Portal link…": an admin makes a link that opens this page for one project or one webhook,
// for the people who own its endpoints (TokenAdmin.CreatePortalLink). The link carries a
// short-lived token in its fragment; it is shown once, in this dialog, to copy.
import { fieldViolations, describe, tokens } from "./api.js";
import { clearFieldErrors, copy, field, h, modal, showFieldError, when } from "./dom.js";
import { scopeText } from "./session.js";

/** What a link shows: a project, or one webhook (with its address, for the dialog's text). */
export type PortalTarget = { company: string; project: string } | { webhookId: string; targetUrl: string };

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
  m.body.append(form, error, result);
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
