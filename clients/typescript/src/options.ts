// What the client's helpers accept: scopes, filters, per-call options, the retry policy.
import type { ConnectError } from "@connectrpc/connect";

import type { DeliveryOrdering, DeliveryStatus, SignatureScheme, WebhookState } from "./gen/webhookd/v1/webhook_pb.js";

/** A webhook state by name (or its enum value). */
export type StateName = WebhookState | "active" | "paused" | "disabled";

/** A delivery ordering by name (`"fifo"`: one at a time, in publish order), or its enum value. */
export type OrderingName = "unordered" | "fifo" | DeliveryOrdering;

/** A signature scheme by name (`"v1"`: HMAC with the secret; `"v1a"`: ed25519; or both), or its enum value. */
export type SchemeName = "v1" | "v1a" | "v1_and_v1a" | SignatureScheme;

/** Where a webhook is installed or an event happened; both empty means the instance. */
export interface ScopeIds {
  companyId?: string;
  projectId?: string;
}

/** A status filter: a `DeliveryStatus`, or its lower-case name. */
export type StatusFilter = DeliveryStatus | "pending" | "success" | "error";

/** History and watch filters. */
export interface DeliveryFilter {
  eventTypes?: string[];
  status?: StatusFilter;
  statusCodes?: number[];
}

/** Per-call options of every method. */
export interface CallOptions {
  /** Deadline of the call, retries included (the client's `timeoutMs` by default). */
  timeoutMs?: number;
  /** Cancels the call (it rejects with `Code.Canceled`; a watch just ends). */
  signal?: AbortSignal;
  /**
   * Metadata sent with the call (every attempt of it), e.g. a W3C `traceparent`, which the
   * server continues in the deliveries it makes.
   */
  headers?: Record<string, string>;
  /** How this call is retried, if it is safe to repeat (the client's policy by default); `false` never retries. */
  retry?: RetryPolicy | false;
}

/** How calls that are safe to repeat are retried when the server is unavailable. */
export interface RetryPolicy {
  /** Attempts in all, the first included (10); the deadline bounds them too. */
  maxAttempts: number;
  /** Wait before the first retry in ms (100); each later wait doubles. */
  initialBackoffMs: number;
  /** Longest wait in ms (5000). */
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 5000 });

/** The wait after failed attempt `attempt` (1 for the first); `unit` in [0, 1) is the jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number, unit: number): number {
  const doubled = policy.initialBackoffMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20);
  return Math.min(doubled, policy.maxBackoffMs) * (0.5 + 0.5 * Math.min(Math.max(unit, 0), 1));
}

/** How to reach webhookd and how calls behave. */
export interface ClientOptions {
  /** Default deadline of each call in ms (30 000). Watches and streams have none. */
  timeoutMs?: number;
  /** Retries of calls that are safe to repeat; `false` never retries. */
  retry?: RetryPolicy | false;
  /** PEM CA certificate(s) to trust instead of Node's roots (https:// only). */
  caCertificate?: string | Uint8Array;
  /** PEM certificate chain and key to present for mutual TLS (https:// only). */
  clientCertificate?: { cert: string | Uint8Array; key: string | Uint8Array };
  /** Interval of HTTP/2 pings that find a dead connection in ms (30 000); 0 sends none. */
  keepaliveMs?: number;
}

/** What `watchDeliveries` accepts beyond its filters. */
export interface WatchOptions extends DeliveryFilter {
  /** Ends the watch (the loop finishes without an error). */
  signal?: AbortSignal;
  /** Metadata sent with the watch (and each time it opens again). */
  headers?: Record<string, string>;
  /** Open the watch again after the server restarts (true); `false` throws instead. */
  resume?: boolean;
  /**
   * Called once the watch is open again after a break (`error` says why: the server shut
   * down, the connection was lost, the watcher fell behind). It opens from the last change
   * received: what changed in between is replayed first, each change once. `complete` is
   * false when changes may have been missed (none had been received yet, or the server no
   * longer keeps all that changed since): catch up with `listEventHistory` if they matter.
   */
  onResume?: (error: ConnectError, complete: boolean) => void;
}

