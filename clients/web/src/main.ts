// The page: sign in with a token, then the webhooks of a scope (#/webhooks) and one webhook's
// detail page with its event history (#/webhooks/<id>). Routes live in the URL's fragment, so
// the server serves one HTML file; the token never does.
import type { Token } from "../../typescript/src/gen/webhookd/v1/token_pb.js";
import { TokenRole } from "../../typescript/src/gen/webhookd/v1/token_pb.js";
import { describe, forgetToken, isUnauthenticated, portalLink, savedToken, saveToken, tokens } from "./api.js";
import { field, h } from "./dom.js";
import { showWebhooks } from "./webhooks.js";
import { showDetail } from "./detail.js";
import { failed, scopeText, whenSignedOut } from "./session.js";

/** Who is signed in, known once the token was checked. */

const main = document.getElementById("main")!;
let current: AbortController | null = null;
let session: Token | null = null;

function renderWho(): void {
  const who = document.getElementById("who")!;
  who.replaceChildren();
  if (!session) return;
  const s = session.scope;
  const role = session.role === TokenRole.ADMIN ? "admin" : "publisher";
  // A portal link's page stays on its scope: no way to sign in with a wider token from it.
  if (portalLink) {
    const where = scopeText(s?.companyId ?? "", s?.projectId ?? "");
    who.append(h("span", { id: "who-scope" }, session.webhookId ? `One webhook of ${where}` : where));
    return;
  }
  who.append(
    h("span", { class: "role", "data-role": role }, role),
    h("span", { id: "who-scope" }, ` for ${scopeText(s?.companyId ?? "", s?.projectId ?? "")}`),
    h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
  );
}

/** A portal link that no longer works (expired or revoked): there is nothing else to show. */
function showLinkEnded(): void {
  const { root } = view("Link ended");
  root.append(
    h(
      "div",
      { class: "card narrow", id: "portal-ended" },
      h("h1", {}, "This link has ended"),
      h("p", { role: "alert" }, "It expired or was revoked. Ask whoever gave it to you for a new one."),
    ),
  );
}

function signOut(): void {
  forgetToken();
  session = null;
  renderWho();
  location.hash = "#/";
  void route();
}

/** Starts a view: stops the previous one's streams and clears the page. */
export function view(title: string): { root: HTMLElement; signal: AbortSignal } {
  current?.abort();
  current = new AbortController();
  document.title = `${title} · webhookd`;
  main.replaceChildren();
  return { root: main, signal: current.signal };
}

/** Shows an error from a call; an expired or revoked token sends the user to sign in. */
// A token refused while the page is in use leads back to the sign-in form.
whenSignedOut((message) => {
  forgetToken();
  session = null;
  renderWho();
  if (portalLink) showLinkEnded();
  else showSignIn(message);
});

function showSignIn(message?: string): void {
  const { root } = view("Sign in");
  const input = h("input", { type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const error = h("p", { class: "error", role: "alert", id: "sign-in-error" }, message ?? "");
  const remember = h("input", { type: "checkbox", id: "remember" });
  const form = h(
    "form",
    { class: "card narrow", id: "sign-in" },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, "Paste an API token. It is kept in this tab only (unless you choose to remember it) and sent to this server alone."),
    field("API token", input, { name: "token", required: true }),
    h("label", { class: "check" }, remember, " Remember on this device"),
    h("p", { class: "hint" }, "Kept until you sign out, in every tab of this browser. Only on a device that is yours alone."),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Sign in")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    saveToken(value, remember.checked);
    try {
      session = await tokens.getCurrentToken({});
      renderWho();
      // A new fragment routes through `hashchange`; the same one is routed here.
      if (!location.hash.startsWith("#/webhooks")) location.hash = "#/webhooks";
      else await route();
    } catch (e) {
      forgetToken();
      error.textContent = isUnauthenticated(e) ? "This token is not accepted (unknown, revoked or expired)." : describe(e);
      input.focus();
    }
  });
  root.append(form);
  input.focus();
}

async function route(): Promise<void> {
  if (!savedToken()) {
    if (portalLink) showLinkEnded();
    else showSignIn();
    return;
  }
  if (!session) {
    try {
      session = await tokens.getCurrentToken({});
      renderWho();
    } catch (e) {
      if (isUnauthenticated(e)) {
        forgetToken();
        if (portalLink) showLinkEnded();
        else showSignIn("Your token is no longer accepted (revoked or expired). Sign in again.");
      } else {
        const { root } = view("Error");
        failed(root, e);
      }
      return;
    }
  }
  if (session.role !== TokenRole.ADMIN) {
    const { root } = view("Publisher token");
    root.append(
      h(
        "div",
        { class: "card narrow" },
        h("h1", {}, "This token publishes events"),
        h("p", {}, "Managing webhooks and reading their history needs an admin token. Sign out and sign in with one."),
      ),
    );
    return;
  }
  const hash = location.hash.replace(/^#/, "");
  const [path, query] = hash.split("?", 2);
  const params = new URLSearchParams(query ?? "");
  const detail = /^\/webhooks\/([0-9a-fA-F-]{36})$/.exec(path ?? "");
  // A link to one webhook shows that webhook's page alone.
  const only = session.webhookId;
  if (only && detail?.[1] !== only) {
    location.replace(`#/webhooks/${only}`);
    return;
  }
  if (detail) {
    const { root, signal } = view("Webhook");
    await showDetail(root, { token: session, signal }, detail[1]!, params);
  } else {
    const { root, signal } = view("Webhooks");
    await showWebhooks(root, { token: session, signal }, params);
  }
  document.getElementById("main")?.focus({ preventScroll: true });
}

window.addEventListener("hashchange", () => void route());
renderWho();
void route();
