// This package's version, written here and in package.json (a test checks they agree).
export const VERSION = "0.2.0";

/**
 * This client's name and version, sent as every call's user-agent header (instead of Connect's
 * own); the server's audit log records it with each change.
 */
export const USER_AGENT = `webhookd-client-typescript/${VERSION}`;
