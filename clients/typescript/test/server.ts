// Starts a real webhookd server and a real HTTP receiver for the client tests.
// WEBHOOKD_BIN names the binary (default: the workspace's target/debug/webhookd);
// WEBHOOKD_TEST_DATABASE_URL makes it use that database instead of its embedded PostgreSQL.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { WebhookdClient } from "@webhookd/client";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../../../..");

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createNetServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface RunningServer {
  address: string;
  port: number;
  admin: string;
  publisher: string;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the process at once (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same address, database and data directory. */
  start(): Promise<void>;
}

const binary = process.env.WEBHOOKD_BIN ?? join(repo, "target", "debug", "webhookd");
export const PKI = process.env.WEBHOOKD_TEST_PKI;

/**
 * A webhookd process. Servers after the first share its database (WEBHOOKD_TEST_DATABASE_URL)
 * and its tokens; `extra` adds `serve` flags; `tls` makes the readiness probe speak TLS
 * with the test PKI's CA and client certificate.
 */
export async function startServer(opts: { extra?: string[]; tls?: boolean; tokens?: { admin: string; publisher: string } } = {}): Promise<RunningServer> {
  if (!existsSync(binary)) throw new Error(`${binary} not found: run cargo build first or set WEBHOOKD_BIN`);
  if (opts.tokens && !process.env.WEBHOOKD_TEST_DATABASE_URL) {
    throw new Error("a second server needs WEBHOOKD_TEST_DATABASE_URL (cargo test sets it)");
  }
  const tmp = mkdtempSync(join(tmpdir(), "webhookd-ts-"));
  chmodSync(tmp, 0o755); // the embedded PostgreSQL runs as an unprivileged user
  const data = join(tmp, "data");
  const db = process.env.WEBHOOKD_TEST_DATABASE_URL ? ["--database-url", process.env.WEBHOOKD_TEST_DATABASE_URL] : [];
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const tokenFile = join(data, "admin.token");
  const cli = (...args: string[]) =>
    execFileSync(binary, [...args, "--data-dir", data, ...db], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  // On a shared database only the first server writes the bootstrap token: others get their own.
  const admin = opts.tokens?.admin ?? (db.length ? cli("token", "create", "--role", "admin") : "");
  let child: ChildProcess | undefined;
  const signal = (sig: NodeJS.Signals) =>
    new Promise<void>((ok) => {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return ok();
      proc.once("exit", () => ok());
      proc.kill(sig);
    });
  const server: RunningServer = {
    address,
    port,
    admin,
    publisher: opts.tokens?.publisher ?? "",
    async start() {
      const proc = spawn(
        binary,
        ["serve", "--listen", address, "--data-dir", data, "--allow-targets", "127.0.0.1/32", ...db, ...(opts.extra ?? [])],
        { env: { ...process.env, RUST_LOG: "warn" }, stdio: ["ignore", "inherit", "inherit"] },
      );
      child = proc;
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error("webhookd exited during start");
        const token = server.admin || (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : "");
        if (token) {
          const tls = opts.tls && PKI
            ? {
                caCertificate: readFileSync(join(PKI, "ca.pem")),
                clientCertificate: { cert: readFileSync(join(PKI, "client.pem")), key: readFileSync(join(PKI, "client.key")) },
              }
            : {};
          const url = opts.tls ? `https://localhost:${port}` : address;
          try {
            await new WebhookdClient(url, token, { retry: false, timeoutMs: 2000, ...tls }).listEventTypes();
            server.admin = token;
            return;
          } catch {
            // not serving yet
          }
        }
        if (Date.now() > deadline) throw new Error("webhookd did not start within 60 s");
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
  };
  await server.start();
  if (!server.publisher) server.publisher = cli("token", "create", "--role", "publisher");
  process.once("exit", () => rmSync(tmp, { recursive: true, force: true }));
  return server;
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An HTTP receiver that queues every request it gets. */
export class Receiver {
  private queue: Received[] = [];
  private waiters: ((r: Received) => void)[] = [];
  readonly server: Server;
  url = "";

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const got = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
        const w = this.waiters.shift();
        if (w) w(got);
        else this.queue.push(got);
        res.writeHead(200).end("ok");
      });
    });
  }

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    await new Promise<void>((ok) => r.server.listen(0, "127.0.0.1", ok));
    r.url = `http://127.0.0.1:${(r.server.address() as { port: number }).port}/hook`;
    return r;
  }

  next(timeoutMs = 20_000): Promise<Received> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error("no request within the timeout")), timeoutMs);
      this.waiters.push((r) => {
        clearTimeout(timer);
        ok(r);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}
