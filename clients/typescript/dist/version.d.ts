export declare const VERSION = "0.2.0";
/**
 * This client's name and version, sent as every call's user-agent header (instead of Connect's
 * own); the server's audit log records it with each change.
 */
export declare const USER_AGENT = "webhookd-client-typescript/0.2.0";
