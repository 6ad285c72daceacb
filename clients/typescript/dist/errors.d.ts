import { Code, ConnectError } from "@connectrpc/connect";
export { Code, ConnectError };
/** One field the server refused, from an error's `google.rpc.BadRequest` details. */
export interface FieldViolation {
    field: string;
    description: string;
}
/**
 * The fields an error names (INVALID_ARGUMENT, and RESOURCE_EXHAUSTED for a field too
 * large), decoded from its `google.rpc.BadRequest` details; empty for any other error.
 */
export declare function fieldViolations(error: unknown): FieldViolation[];
/**
 * Whether sending the same call again may succeed (for a call that is safe to repeat): the
 * server was unavailable, or the connection broke or went away under the call — a restart's
 * GOAWAY, a refused stream, a reset, a stream closed with CANCEL — which Node reports as
 * INTERNAL, UNKNOWN, ABORTED or CANCELED with the transport's error as its `cause`, or
 * CANCELED from the stream's reset code. A status the server itself sent has no cause and is
 * never retried; nor is a call the caller cancelled (`callerCancelled`).
 */
export declare function isRetryable(error: unknown, callerCancelled?: boolean): boolean;
