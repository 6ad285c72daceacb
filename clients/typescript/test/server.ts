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
  admin: string;
  publisher: string;
  stop(): Promise<void>;
}

export async function startServer(): Promise<RunningServer> {
  const binary = process.env.WEBHOOKD_BIN ?? join(repo, "target", "debug", "webhookd");
  if (!existsSync(binary)) throw new Error(`${binary} not found: run cargo build first or set WEBHOOKD_BIN`);
  const tmp = mkdtempSync(join(tmpdir(), "webhookd-ts-"));
  chmodSync(tmp, 0o755); // the embedded PostgreSQL runs as an unprivileged user
  const data = join(tmp, "data");
  const db = process.env.WEBHOOKD_TEST_DATABASE_URL ? ["--database-url", process.env.WEBHOOKD_TEST_DATABASE_URL] : [];
  const address = `127.0.0.1:${await freePort()}`;
  const child: ChildProcess = spawn(
    binary,
    ["serve", "--listen", address, "--data-dir", data, "--allow-targets", "127.0.0.1/32", ...db],
    { env: { ...process.env, RUST_LOG: "warn" }, stdio: ["ignore", "inherit", "inherit"] },
  );
  const tokenFile = join(data, "admin.token");
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error("webhookd exited during start");
    if (existsSync(tokenFile)) {
      try {
        await new WebhookdClient(address, readFileSync(tokenFile, "utf8").trim()).admin.listEventTypes({});
        break;
      } catch {
        // not serving yet
      }
    }
    if (Date.now() > deadline) throw new Error("webhookd did not start within 60 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  const publisher = execFileSync(binary, ["token", "create", "--role", "publisher", "--data-dir", data, ...db], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
  return {
    address,
    admin: readFileSync(tokenFile, "utf8").trim(),
    publisher,
    stop: () =>
      new Promise((ok) => {
        child.once("exit", () => {
          rmSync(tmp, { recursive: true, force: true });
          ok();
        });
        child.kill("SIGTERM");
      }),
  };
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
