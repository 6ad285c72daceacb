// What every view shares: the signed-in session, how a scope reads, and what a failed call
// shows (a refused token signs the page out, through the handler main.ts registers).

import type { Token } from "../../typescript/src/gen/webhookd/v1/token_pb.js";
import { describe, isUnauthenticated } from "./api.js";
import { h } from "./dom.js";

export interface Session {
  token: Token;
  /** Stops what the current view runs in the background (history streams, live updates). */
  signal: AbortSignal;
}

export function scopeText(company: string, project: string): string {
  if (!company) return "the whole instance";
  return project ? `project ${project} of company ${company}` : `company ${company}`;
}

let signedOut: (message: string) => void = () => {};

/** What happens when the server no longer accepts the token (main.ts: the sign-in form). */
export function whenSignedOut(handler: (message: string) => void): void {
  signedOut = handler;
}

/** Shows why a call failed in `root`; a refused token signs the page out instead. */
export function failed(root: HTMLElement, e: unknown): void {
  if (isUnauthenticated(e)) {
    signedOut("Your token is no longer accepted (revoked or expired). Sign in again.");
    return;
  }
  root.append(h("p", { class: "error", role: "alert" }, describe(e)));
}
