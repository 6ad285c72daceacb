// The page's connection to webhookd: gRPC-Web to the origin that served it, with the signed-in
// token as bearer. The token lives in session storage (gone with the tab) or, when the user
// chose "Remember on this device", in local storage (kept across tabs and restarts, and
// readable by any script that ever runs on this origin); never in a URL.
//
// A portal link opens the page at /portal/<link id>#token=<token>: the fragment never reaches
// a server or a referrer, and the page moves the token from it to this tab's session storage
// (under the link's own key) before anything else runs, so the address bar, the history and
// any copy of the address no longer carry it.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { WebhookAdmin } from "../../typescript/src/gen/webhookd/v1/admin_pb.js";
import { TokenAdmin } from "../../typescript/src/gen/webhookd/v1/token_pb.js";

/** The portal link this page was opened with, if any: its id (the path's last part). */
export const portalLink: string | null = /^\/portal\/([0-9a-fA-F-]{36})$/.exec(location.pathname)?.[1] ?? null;

const TOKEN_KEY = portalLink ? `webhookd.portal.${portalLink}` : "webhookd.token";

/**
 * A portal link's token, held in memory too: a page framed by another site may be denied its
 * storage (a browser blocking third-party storage), and then works until it is reloaded.
 */
let portalToken: string | null = null;

/** Session storage, or nothing where the browser denies it (it throws on access). */
function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

if (portalLink) {
  const carried = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
  if (carried) {
    portalToken = carried;
    try {
      session()?.setItem(TOKEN_KEY, carried);
    } catch {
      // Storage full or denied: the token stays in memory only.
    }
    history.replaceState(null, "", `${location.pathname}#/webhooks`);
  }
}

export function savedToken(): string | null {
  if (portalLink) return portalToken ?? session()?.getItem(TOKEN_KEY) ?? null;
  return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string, remember = false): void {
  forgetToken();
  (remember && !portalLink ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  if (portalLink) {
    portalToken = null;
    session()?.removeItem(TOKEN_KEY);
    return;
  }
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

const bearer: Interceptor = (next) => async (req) => {
  const token = savedToken();
  if (token) req.header.set("authorization", `Bearer ${token}`);
  return next(req);
};

const transport = createGrpcWebTransport({ baseUrl: location.origin, interceptors: [bearer] });

export const admin = createClient(WebhookAdmin, transport);
export const tokens = createClient(TokenAdmin, transport);

// The fields a refused call names, decoded as the TypeScript client decodes them (one
// generated copy and one error helper for both; see build.mjs).
export { fieldViolations, type FieldViolation } from "../../typescript/src/errors.js";

/** One line for a person: the server's message (it names the field), or what went wrong. */
export function describe(e: unknown): string {
  if (e instanceof ConnectError) {
    const what = Code[e.code].replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    return `${what}: ${e.rawMessage}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Whether a failed call may work if tried again later: the server is away or restarting
 * (the browser's "Failed to fetch" arrives as UNKNOWN), overloaded, or ended a stream.
 */
export function transient(e: unknown): boolean {
  if (!(e instanceof ConnectError)) return true;
  return [
    Code.Unavailable,
    Code.Unknown,
    Code.Internal,
    Code.DeadlineExceeded,
    Code.ResourceExhausted,
    Code.Aborted,
    Code.Canceled,
  ].includes(e.code);
}

export function isUnauthenticated(e: unknown): boolean {
  return e instanceof ConnectError && e.code === Code.Unauthenticated;
}
