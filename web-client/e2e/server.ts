// Global set-up of the browser tests: a throwaway database seeded with the
// demo world, and a `consilium serve` of our own on a free port serving the
// built client (dist/). Everything is removed again at teardown.
//
// Environment (scripts/test.sh sets these):
//   CONSILIUM_BIN      the server binary (default ../target/debug/consilium)
//   TEST_DATABASE_URL  a Postgres server where we may create databases
//                      (default postgres://postgres@127.0.0.1:5432/postgres)
//   TEST_REDIS_URL     optional Redis; a unique REDIS_PREFIX keeps runs apart
//   TURN_URLS, TURN_SECRET  passed on to the servers (coturn's TURN REST API
//                      scheme) for the calls suite's relay-only call

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Case materials of the browser tests' servers: content-addressed, so shared; never in the repository. */
const attachmentDir = path.join(os.tmpdir(), 'consilium-e2e-attachments');
const clientDir = path.resolve(here, '..');

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** The throwaway database, for a test that starts a second server on it (serverOnSameDatabase). */
    databaseUrl: string;
    /** The suite server's Redis (TEST_REDIS_URL and its run's REDIS_PREFIX), null without one: a second node sharing it joins the same cluster. */
    redis: SharedRedis | null;
  }
}

/** The Redis of a cluster of nodes: the same URL and prefix put nodes on one bus. */
export interface SharedRedis {
  url: string;
  prefix: string;
}

/** The server binary the suite runs (CONSILIUM_BIN, default ../target/debug/consilium). */
export function serverBinary(): string {
  return path.resolve(clientDir, process.env.CONSILIUM_BIN ?? '../target/debug/consilium');
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>`, which serves the built client and the API. */
  url: string;
  stop: () => Promise<void>;
}

/**
 * One more `consilium serve` on the suite's database (already migrated and
 * seeded), on a free port, serving dist/; `env` overrides its environment
 * (e.g. ALLOWED_ORIGINS). Without `redis` it is a single node of its own (no
 * Redis); with the suite server's (inject('redis')) it is a second node of
 * the same cluster: clients on either reach each other live.
 */
export async function serverOnSameDatabase(databaseUrl: string, env: NodeJS.ProcessEnv = {}, redis: SharedRedis | null = null): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const full: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    BIND_ADDR: `127.0.0.1:${port}`,
    STATIC_DIR: path.join(clientDir, 'dist'),
    STORAGE_DIR: attachmentDir,
    ALLOWED_ORIGINS: url,
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
    ...env,
  };
  delete full.REDIS_URL;
  delete full.REDIS_PREFIX;
  if (redis !== null) {
    full.REDIS_URL = redis.url;
    full.REDIS_PREFIX = redis.prefix;
  }
  const { server, log } = spawnServer(serverBinary(), full);
  const stop = () => stopServer(server);
  try {
    await waitReady(url, server, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

function spawnServer(bin: string, env: NodeJS.ProcessEnv): { server: ChildProcess; log: () => string } {
  let output = '';
  const server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  server.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  return { server, log: () => output };
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`consilium serve exited with ${server.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`consilium serve did not become ready:\n${log()}`);
}

/** Screenshots of Chinese screens show boxes without a CJK font; say so instead of failing. */
function warnWithoutCjkFont(): void {
  const fonts = spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8' });
  if (fonts.status === 0 && fonts.stdout.trim() === '') {
    console.warn('e2e: no Chinese font found; screenshots will show boxes (apt-get install fonts-noto-cjk)');
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  warnWithoutCjkFont();
  const bin = serverBinary();
  if (!existsSync(bin)) throw new Error(`server binary not found at ${bin}; build it or set CONSILIUM_BIN`);
  const dist = path.join(clientDir, 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error('dist/ is missing: run `npm run build` first');

  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `consilium_e2e_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    BIND_ADDR: `127.0.0.1:${port}`,
    STATIC_DIR: dist,
    STORAGE_DIR: attachmentDir,
    ALLOWED_ORIGINS: baseUrl,
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
  };
  if (process.env.TEST_REDIS_URL !== undefined && process.env.TEST_REDIS_URL !== '') {
    env.REDIS_URL = process.env.TEST_REDIS_URL;
    env.REDIS_PREFIX = `e2e-${dbName}`;
  } else {
    delete env.REDIS_URL;
  }

  let server: ChildProcess | null = null;
  const teardown = async () => {
    if (server !== null) await stopServer(server);
    try {
      await admin.query(`drop database if exists ${dbName} with (force)`);
    } finally {
      await admin.end();
    }
  };

  try {
    const seeded = spawnSync(bin, ['seed-demo'], { env, encoding: 'utf8', timeout: 60_000 });
    if (seeded.status !== 0) throw new Error(`seed-demo failed (${seeded.status}):\n${seeded.stdout}\n${seeded.stderr}`);

    const started = spawnServer(bin, env);
    server = started.server;
    await waitReady(baseUrl, server, started.log);
  } catch (error) {
    await teardown();
    throw error;
  }

  project.provide('baseUrl', baseUrl);
  project.provide('databaseUrl', dbUrl.toString());
  project.provide('redis', env.REDIS_URL === undefined || env.REDIS_PREFIX === undefined ? null : { url: env.REDIS_URL, prefix: env.REDIS_PREFIX });
  return teardown;
}
