// webhookd's errors are Connect errors; these helpers read what the server put in them.
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
export { Code, ConnectError };
const BAD_REQUEST = "google.rpc.BadRequest";
/**
 * The fields an error names (INVALID_ARGUMENT, and RESOURCE_EXHAUSTED for a field too
 * large), decoded from its `google.rpc.BadRequest` details; empty for any other error.
 */
export function fieldViolations(error) {
    const err = ConnectError.from(error);
    const out = [];
    for (const detail of err.details) {
        if ("type" in detail && detail.type === BAD_REQUEST && detail.value instanceof Uint8Array) {
            out.push(...decodeBadRequest(detail.value));
        }
    }
    return out;
}
/**
 * Whether sending the same call again may succeed (for a call that is safe to repeat): the
 * server was unavailable, or the connection broke or went away under the call — a restart's
 * GOAWAY, a refused stream, a reset, a stream closed with CANCEL — which Node reports as
 * INTERNAL, UNKNOWN, ABORTED or CANCELED with the transport's error as its `cause`, or
 * CANCELED from the stream's reset code. A status the server itself sent has no cause and is
 * never retried; nor is a call the caller cancelled (`callerCancelled`).
 */
export function isRetryable(error, callerCancelled = false) {
    const err = ConnectError.from(error);
    switch (err.code) {
        case Code.Unavailable:
            return true;
        case Code.Canceled:
            return !callerCancelled;
        case Code.Internal:
        case Code.Unknown:
        case Code.Aborted:
            return err.cause !== undefined && !(err.cause instanceof ConnectError);
        default:
            return false;
    }
}
// google.rpc.BadRequest { repeated FieldViolation field_violations = 1; }
// FieldViolation { string field = 1; string description = 2; ... }
// Decoded with the protobuf runtime's wire reader: no generated googleapis package is
// published for @bufbuild/protobuf v2 on npm.
function decodeBadRequest(bytes) {
    const reader = new BinaryReader(bytes);
    const out = [];
    while (reader.pos < reader.len) {
        const [field, wireType] = reader.tag();
        if (field !== 1) {
            reader.skip(wireType);
            continue;
        }
        const inner = new BinaryReader(reader.bytes());
        const violation = { field: "", description: "" };
        while (inner.pos < inner.len) {
            const [f, w] = inner.tag();
            if (f === 1)
                violation.field = inner.string();
            else if (f === 2)
                violation.description = inner.string();
            else
                inner.skip(w);
        }
        out.push(violation);
    }
    return out;
}
