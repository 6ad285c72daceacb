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
/** Whether sending the same call again may succeed: the server was unavailable. */
export declare function isRetryable(error: unknown): boolean;
