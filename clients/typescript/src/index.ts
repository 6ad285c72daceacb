// Client for webhookd, generated from the same proto as the server (protoc-gen-es), over
// gRPC with Connect for Node, plus the receiver-side signature helpers.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

import { HistoryOrder, WebhookAdmin } from "./gen/webhookd/v1/admin_pb.js";
import { EventIngest, PublishEventRequestSchema, type PublishEventResponse } from "./gen/webhookd/v1/ingest_pb.js";
import { DeliveryStatus, type DeliveryRecord, type Webhook } from "./gen/webhookd/v1/webhook_pb.js";

export * from "./gen/webhookd/v1/webhook_pb.js";
export * from "./gen/webhookd/v1/admin_pb.js";
export * from "./gen/webhookd/v1/ingest_pb.js";
export { verifyMiaSignature, verifyStandardWebhook } from "./verify.js";

/** A publish request as plain fields. */
export type PublishEventInit = MessageInitShape<typeof PublishEventRequestSchema>;

/** Where a webhook is installed or an event happened; both empty means the instance. */
export interface ScopeIds {
  companyId?: string;
  projectId?: string;
}

/** History and watch filters. `status` is "pending", "success" or "error". */
export interface DeliveryFilter {
  eventTypes?: string[];
  status?: "pending" | "success" | "error";
  statusCodes?: number[];
}

const STATUS = {
  pending: DeliveryStatus.PENDING,
  success: DeliveryStatus.SUCCESS,
  error: DeliveryStatus.ERROR,
} as const;

/** Both webhookd services over one HTTP/2 connection, authenticated with one token. */
export class WebhookdClient {
  /** The generated `WebhookAdmin` client, for calls the wrapper does not cover. */
  readonly admin: Client<typeof WebhookAdmin>;
  /** The generated `EventIngest` client. */
  readonly ingest: Client<typeof EventIngest>;

  /** `address` is `host:port` or a full `http(s)://` URL. */
  constructor(address: string, token: string) {
    const auth: Interceptor = (next) => async (req) => {
      req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    };
    const baseUrl = /^https?:\/\//.test(address) ? address : `http://${address}`;
    const transport = createGrpcTransport({ baseUrl, interceptors: [auth] });
    this.admin = createClient(WebhookAdmin, transport);
    this.ingest = createClient(EventIngest, transport);
  }

  createWebhook(
    targetUrl: string,
    secret: string,
    events: string[],
    opts: ScopeIds & { caCertificate?: string; proxyUrl?: string } = {},
  ): Promise<Webhook> {
    return this.admin.createWebhook({
      scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
      targetUrl,
      secret,
      events,
      caCertificate: opts.caCertificate ?? "",
      proxyUrl: opts.proxyUrl ?? "",
    });
  }

  getWebhook(id: string): Promise<Webhook> {
    return this.admin.getWebhook({ id });
  }

  /** Changes the fields given; an empty `caCertificate` or `proxyUrl` removes it. */
  updateWebhook(
    id: string,
    change: { targetUrl?: string; secret?: string; events?: string[]; caCertificate?: string; proxyUrl?: string },
  ): Promise<Webhook> {
    const paths = Object.entries({
      target_url: change.targetUrl,
      secret: change.secret,
      events: change.events,
      ca_certificate: change.caCertificate,
      proxy_url: change.proxyUrl,
    })
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    return this.admin.updateWebhook({ id, ...change, updateMask: create(FieldMaskSchema, { paths }) });
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.admin.deleteWebhook({ id });
  }

  /** Every matching webhook, following page tokens. */
  async *listWebhooks(
    opts: ScopeIds & { includeDescendants?: boolean; events?: string[]; pageSize?: number } = {},
  ): AsyncGenerator<Webhook> {
    let pageToken = "";
    do {
      const page = await this.admin.listWebhooks({
        scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
        includeDescendants: opts.includeDescendants ?? false,
        events: opts.events ?? [],
        pageSize: opts.pageSize ?? 0,
        pageToken,
      });
      yield* page.webhooks;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** The webhook's recent deliveries (at most 200), filtered and sorted by the server. */
  listEventHistory(
    webhookId: string,
    opts: DeliveryFilter & { oldestFirst?: boolean; limit?: number } = {},
  ): AsyncIterable<DeliveryRecord> {
    return this.admin.listEventHistory({
      webhookId,
      eventTypes: opts.eventTypes ?? [],
      status: opts.status ? STATUS[opts.status] : DeliveryStatus.UNSPECIFIED,
      statusCodes: opts.statusCodes ?? [],
      order: opts.oldestFirst ? HistoryOrder.OLDEST_FIRST : HistoryOrder.NEWEST_FIRST,
      limit: opts.limit ?? 0,
    });
  }

  getDelivery(id: string) {
    return this.admin.getDelivery({ id });
  }

  redeliverEvent(deliveryId: string): Promise<DeliveryRecord> {
    return this.admin.redeliverEvent({ deliveryId });
  }

  testWebhook(webhookId: string): Promise<DeliveryRecord> {
    return this.admin.testWebhook({ webhookId });
  }

  /** Deliveries as their state changes, for one webhook or a scope; stop with `signal`. */
  watchDeliveries(
    target: { webhookId: string } | ScopeIds,
    opts: DeliveryFilter & { signal?: AbortSignal } = {},
  ): AsyncIterable<DeliveryRecord> {
    const t =
      "webhookId" in target
        ? { case: "webhookId" as const, value: target.webhookId }
        : { case: "scope" as const, value: { companyId: target.companyId ?? "", projectId: target.projectId ?? "" } };
    return this.admin.watchDeliveries(
      {
        target: t,
        eventTypes: opts.eventTypes ?? [],
        status: opts.status ? STATUS[opts.status] : DeliveryStatus.UNSPECIFIED,
        statusCodes: opts.statusCodes ?? [],
      },
      { signal: opts.signal },
    );
  }

  /** A publish request. `payload` is JSON text (sent byte for byte) or an object. */
  static event(
    eventName: string,
    payload: string | object,
    opts: ScopeIds & { eventTimestamp?: bigint; idempotencyKey?: string } = {},
  ): PublishEventInit {
    return {
      eventName,
      scope: { companyId: opts.companyId ?? "", projectId: opts.projectId ?? "" },
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      eventTimestamp: opts.eventTimestamp ?? 0n,
      idempotencyKey: opts.idempotencyKey ?? "",
    };
  }

  publishEvent(
    eventName: string,
    payload: string | object,
    opts: ScopeIds & { eventTimestamp?: bigint; idempotencyKey?: string } = {},
  ): Promise<PublishEventResponse> {
    return this.ingest.publishEvent(WebhookdClient.event(eventName, payload, opts));
  }

  /** Streams many events; answers come back in order, each once its event is durable. */
  publishEvents(events: AsyncIterable<PublishEventInit> | Iterable<PublishEventInit>) {
    async function* all() {
      yield* events;
    }
    return this.ingest.publishEvents(all());
  }
}
