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
 * never retried; nor is a call the caller cancelled (`callerCancelled`), nor a failure of the
 * client's TLS set-up (see `tlsProblem`).
 */
export declare function isRetryable(error: unknown, callerCancelled?: boolean): boolean;
/**
 * The TLS problem behind a failed call, in words that say what to change (e.g. "TLS: the
 * server's certificate is not issued by a CA this client trusts …"); `undefined` when the
 * call failed for another reason. Node reports these as the `code` of the error's cause;
 * they are settled by configuration, not by waiting, so calls are not retried on them.
 */
export declare function tlsProblem(error: unknown): string | undefined;
