// A watch's memory across a break: where to resume from, and what it already yielded.
import { Code } from "@connectrpc/connect";
/**
 * How far back (in the server's change times, microseconds) changes already yielded are
 * remembered, so that a resumed watch's repeats are dropped: well past the 5 seconds before
 * its cursor that the server replays again.
 */
const REMEMBERED_MICROS = 30000000n;
/**
 * What a watch keeps to open itself again where it broke off: the last cursor received, and
 * the changes yielded lately, to drop what the replay repeats.
 */
export class WatchResume {
    cursor = "";
    order = [];
    keys = new Set();
    incomplete = false;
    /** Whether `record` is new (to be yielded); remembers it and its cursor. */
    firstTime(record) {
        if (record.watchCursor)
            this.cursor = record.watchCursor;
        const key = `${record.id} ${record.attempts} ${record.status}`;
        if (this.keys.has(key))
            return false;
        if (!/^[0-9]+$/.test(record.watchCursor))
            return true; // an older server: nothing is replayed
        const at = BigInt(record.watchCursor);
        while (this.order.length > 0 && this.order[0][0] + REMEMBERED_MICROS < at) {
            this.keys.delete(this.order.shift()[1]);
        }
        this.order.push([at, key]);
        this.keys.add(key);
        return true;
    }
    /** The watch broke: with nothing received yet there is nothing to resume from. */
    broke() {
        if (!this.cursor)
            this.incomplete = true;
    }
    /**
     * Whether opening again from the cursor was refused because what changed since is no
     * longer all kept; if so, the next attempt goes on from now.
     */
    refused(error) {
        if (error.code !== Code.FailedPrecondition || !this.cursor)
            return false;
        this.cursor = "";
        this.incomplete = true;
        return true;
    }
    /** Opened again: whether nothing was missed. */
    resumed() {
        const complete = !this.incomplete;
        this.incomplete = false;
        return complete;
    }
}
