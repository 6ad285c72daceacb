import { verifyMiaSignature, verifyStandardWebhook } from "@webhookd/client";
import type { IncomingHttpHeaders } from "node:http";

const SECRET = "change-me-please";

/** Verify the raw body first, then parse it. Throws on a forged or stale request. */
export function handle(body: Buffer, headers: IncomingHttpHeaders): { eventName: string; payload: any } {
  if (!verifyMiaSignature(body, headers["x-mia-signature"] as string, SECRET)) throw new Error("bad X-Mia-Signature");
  if (!verifyStandardWebhook(body, headers, SECRET, 300)) throw new Error("bad or stale webhook-signature");
  return JSON.parse(body.toString("utf8"));
}
