// webhookd's errors are Connect errors; these helpers read what the server put in them.
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";

export { Code, ConnectError };

/** One field the server refused, from an error's `google.rpc.BadRequest` details. */
export interface FieldViolation {
  field: string;
  description: string;
}

const BAD_REQUEST = "google.rpc.BadRequest";

/**
 * The fields an error names (INVALID_ARGUMENT, and RESOURCE_EXHAUSTED for a field too
 * large), decoded from its `google.rpc.BadRequest` details; empty for any other error.
 */
export function fieldViolations(error: unknown): FieldViolation[] {
  const err = ConnectError.from(error);
  const out: FieldViolation[] = [];
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
 * never retried; nor is a call the caller cancelled (`callerCancelled`), nor a failure of the
 * client's TLS set-up (see `tlsProblem`).
 */
export function isRetryable(error: unknown, callerCancelled = false): boolean {
  const err = ConnectError.from(error);
  if (tlsProblem(err) !== undefined) return false;
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

/**
 * The TLS problem behind a failed call, in words that say what to change (e.g. "TLS: the
 * server's certificate is not issued by a CA this client trusts …"); `undefined` when the
 * call failed for another reason. Node reports these as the `code` of the error's cause;
 * they are settled by configuration, not by waiting, so calls are not retried on them.
 */
export function tlsProblem(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    const found = typeof code === "string" ? describeTls(code, String(message ?? "")) : undefined;
    if (found !== undefined) return `TLS: ${found}`;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeTls(code: string, message: string): string | undefined {
  switch (code) {
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
      return `the server's certificate is not issued by a CA this client trusts (unknown issuer, ${code}): pass its CA as caCertificate`;
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `the server's certificate does not name the host of the address (${message})`;
    case "CERT_HAS_EXPIRED":
      return "the server's certificate has expired";
    case "ERR_SSL_WRONG_VERSION_NUMBER":
    case "ERR_SSL_PACKET_LENGTH_TOO_LONG":
      return "the server did not answer in TLS: if it listens in plaintext, address it as http://host:port";
    case "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED":
      return "the server requires a client certificate: pass one as clientCertificate";
    case "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE":
    case "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA":
    case "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN":
    case "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED":
      return `the server refused the client certificate (${code})`;
    default:
      return undefined;
  }
}

// google.rpc.BadRequest { repeated FieldViolation field_violations = 1; }
// FieldViolation { string field = 1; string description = 2; ... }
// Decoded with the protobuf runtime's wire reader: no generated googleapis package is
// published for @bufbuild/protobuf v2 on npm.
function decodeBadRequest(bytes: Uint8Array): FieldViolation[] {
  const reader = new BinaryReader(bytes);
  const out: FieldViolation[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field !== 1) {
      reader.skip(wireType);
      continue;
    }
    const inner = new BinaryReader(reader.bytes());
    const violation: FieldViolation = { field: "", description: "" };
    while (inner.pos < inner.len) {
      const [f, w] = inner.tag();
      if (f === 1) violation.field = inner.string();
      else if (f === 2) violation.description = inner.string();
      else inner.skip(w);
    }
    out.push(violation);
  }
  return out;
}
