// The page's connection to webhookd: gRPC-Web to the origin that served it, with the signed-in
// token as bearer. The token lives in session storage (gone with the tab) or, when the user
// chose "Remember on this device", in local storage (kept across tabs and restarts, and
// readable by any script that ever runs on this origin); never in a URL.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { WebhookAdmin } from "./gen/webhookd/v1/admin_pb.js";
import { TokenAdmin } from "./gen/webhookd/v1/token_pb.js";

const TOKEN_KEY = "webhookd.token";

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string, remember = false): void {
  forgetToken();
  (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
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

/** A field the server refused, from the error's `google.rpc.BadRequest` details. */
export interface FieldViolation {
  field: string;
  description: string;
}

const BAD_REQUEST = "google.rpc.BadRequest";

// BadRequest { repeated FieldViolation field_violations = 1; }
// FieldViolation { string field = 1; string description = 2; }
function decodeBadRequest(bytes: Uint8Array): FieldViolation[] {
  const out: FieldViolation[] = [];
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no !== 1) {
      r.skip(wt);
      continue;
    }
    const v = new BinaryReader(r.bytes());
    const fv: FieldViolation = { field: "", description: "" };
    while (v.pos < v.len) {
      const [f, w] = v.tag();
      if (f === 1) fv.field = v.string();
      else if (f === 2) fv.description = v.string();
      else v.skip(w);
    }
    out.push(fv);
  }
  return out;
}

/** The fields an INVALID_ARGUMENT error names, each with what is wrong with it. */
export function fieldViolations(e: unknown): FieldViolation[] {
  if (!(e instanceof ConnectError) || e.code !== Code.InvalidArgument) return [];
  const out: FieldViolation[] = [];
  for (const d of e.details) {
    if ("type" in d && d.type === BAD_REQUEST) out.push(...decodeBadRequest(d.value));
  }
  return out;
}

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
