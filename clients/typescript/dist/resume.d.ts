import { type ConnectError } from "@connectrpc/connect";
import type { DeliveryRecord } from "./gen/webhookd/v1/webhook_pb.js";
/**
 * What a watch keeps to open itself again where it broke off: the last cursor received, and
 * the changes yielded lately, to drop what the replay repeats.
 */
export declare class WatchResume {
    cursor: string;
    private readonly order;
    private readonly keys;
    private incomplete;
    /** Whether `record` is new (to be yielded); remembers it and its cursor. */
    firstTime(record: DeliveryRecord): boolean;
    /** The watch broke: with nothing received yet there is nothing to resume from. */
    broke(): void;
    /**
     * Whether opening again from the cursor was refused because what changed since is no
     * longer all kept; if so, the next attempt goes on from now.
     */
    refused(error: ConnectError): boolean;
    /** Opened again: whether nothing was missed. */
    resumed(): boolean;
}
