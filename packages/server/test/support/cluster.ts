/**
 * A SmartCharge cluster of real processes on loopback, for the cluster test and the cluster
 * benchmark: a NATS cluster with JetStream (nats-cluster.ts), a PostgreSQL primary with a
 * streaming standby (pg-replica.ts), and any number of `smartcharge serve` processes, each with
 * its roles. Nodes start, die (SIGKILL), restart on the same port, and stop; every wait is
 * bounded, and stop() removes everything, whatever state the nodes are in.
 *
 * Usable outside vitest (the benchmark runs under tsx): nothing here reads vitest's context.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpUplinkTransport, MqttUplinkTransport, TransportError, type UplinkTransport } from '@smartcharge/device';
import type { DeviceCredential, TUplinkBatch, UplinkAck } from '@smartcharge/protocol';
import type { Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { INGEST_CONSUMER, UPLINK_STREAM } from '../../src/nats/index.js';
import { addNatsUser, natsUserEntry } from '../../src/nats/nats-users.js';
import { startNatsCluster, TEST_BCRYPT_COST, TEST_INGEST, type NatsCluster } from './nats-cluster.js';
import { startPgReplicaPair, type PgReplicaPair } from './pg-replica.js';
import { freePort, runCli, startServerProcess, type CliResult, type ServerProcess } from './processes.js';

export type Role = 'ingest' | 'api' | 'worker' | 'web';

export interface NodeSpec {
  /** Names the node in the cluster and in messages (e.g. "ingest-1"). */
  readonly name: string;
  readonly roles: readonly Role[];
  /** Settings of this node only, over the cluster's. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ClusterOptions {
  /** NATS servers (JetStream, MQTT listener each): 0 for none (HTTP uplinks only), 1 or 3. */
  readonly natsNodes: 0 | 1 | 3;
  /** Replicas of the uplink stream (NATS_STREAM_REPLICAS); default: the number of NATS servers. */
  readonly streamReplicas?: number;
  /** The operator token every node accepts. */
  readonly adminToken: string;
  /** Settings of every node. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long a node may take to start (default 60 s). */
  readonly startTimeoutMs?: number;
}

export interface ClusterNode {
  readonly name: string;
  readonly roles: readonly Role[];
  /** Its HTTP port, the same across restarts. */
  readonly port: number;
  readonly url: string;
  /** The running process; throws when the node is down. */
  readonly process: ServerProcess;
  readonly running: boolean;
  /** Process id of the running process. */
  readonly pid: number;
  /** utime + stime of the running process so far, in seconds (/proc). */
  cpuSeconds(): number;
  /** Everything every run of this node wrote. */
  output(): string;
  /** Signals the process and waits until it exited; resolves with its exit code (null when killed). */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * Starts it again (same port, same settings) and waits until it listens. A start that fails
   * (the process exits first) is tried again after a second, up to 3 times, as a supervisor such
   * as systemd (Restart=on-failure) would; the failures are kept in `failedStarts`.
   */
  restart(): Promise<void>;
  /** Why restarts failed before one succeeded (the process's words). */
  readonly failedStarts: readonly string[];
}

export interface Cluster {
  readonly adminToken: string;
  readonly pg: PgReplicaPair;
  /** The application's database on the primary, and the same on the standby. */
  readonly databaseUrl: string;
  readonly readUrl: string;
  readonly nats: NatsCluster | undefined;
  /** NATS_URL as the nodes get it (comma-separated), empty without NATS. */
  readonly natsUrl: string;
  /** The NATS servers' MQTT listeners, one URL per server (mqtt://127.0.0.1:port). */
  readonly mqttUrls: readonly string[];
  /** Gives devices their NATS accounts (as the operator does, docs/nats.md), then reloads every NATS server once. */
  addNatsDevices(credentials: readonly DeviceCredential[]): Promise<void>;
  /** Process ids of the running NATS servers (for their CPU time). */
  natsPids(): number[];
  /**
   * The ingest consumer of the uplink stream: messages not yet handed to an ingest node, and
   * handed out but not yet acknowledged (their batch not yet committed).
   */
  streamPending(): Promise<{ readonly pending: number; readonly ackPending: number }>;
  readonly nodes: readonly ClusterNode[];
  node(name: string): ClusterNode;
  /** Nodes with this role, running or not. */
  withRole(role: Role): ClusterNode[];
  /** Starts one more node. */
  addNode(spec: NodeSpec): Promise<ClusterNode>;
  /** Opens the primary's database from this process (closed by stop()). */
  primary(): Promise<Database>;
  /** A `smartcharge` command against the cluster's database (directly, as on a machine of the cluster). */
  cli(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  /** Stops every node (SIGTERM, then SIGKILL after a while), NATS and PostgreSQL, and removes their folders. */
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ
const STOP_GRACE_MS = 15_000;

/** utime + stime of a process, in seconds, from /proc/<pid>/stat; 0 when it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * SIGKILLs every process started with its data folder under `dir` (read from /proc/<pid>/environ):
 * what a start that timed out left running, or anything else of ours still there at the end.
 */
function killStrays(dir: string): void {
  const marker = `SMARTCHARGE_DATA_DIR=${dir}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.some((v) => v === marker || v.startsWith(`${marker}/`))) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

async function stopProcess(server: ServerProcess): Promise<void> {
  const timer = setTimeout(() => server.child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await server.kill('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts PostgreSQL (primary + standby, with the application's database migrated), then NATS,
 * and no nodes yet: add them with addNode().
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const work = await mkdtemp(path.join(tmpdir(), 'smartcharge-cluster-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(work, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const pg = await startPgReplicaPair();
    cleanups.push(() => pg.cleanup());
    const { primaryUrl, standbyUrl } = await pg.createDatabase(`smartcharge_${randomBytes(4).toString('hex')}`);
    {
      const db = await openPostgres(primaryUrl);
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
    }

    let nats: NatsCluster | undefined;
    if (options.natsNodes !== 0) {
      nats = await startNatsCluster({ size: options.natsNodes });
      const started = nats;
      cleanups.push(() => started.stop());
    }
    const natsUrl = nats?.natsUrl ?? '';
    const mqttUrls = nats ? nats.nodes.map((_, i) => nats.mqttUrl(i)) : [];

    const common: Record<string, string> = {
      DATABASE_URL: primaryUrl,
      DATABASE_READ_URL: standbyUrl,
      HOST: '127.0.0.1',
      MQTT_PORT: '0',
      SMARTCHARGE_ADMIN_TOKEN: options.adminToken,
      DEMO: 'false',
      LOG_LEVEL: 'warn',
      INGEST_RATE_LIMIT_PER_MIN: '1000000',
      ...(nats ? { NATS_URL: natsUrl, NATS_STREAM_REPLICAS: String(options.streamReplicas ?? options.natsNodes) } : {}),
      ...options.env,
    };

    let natsConnection: { connection: NatsConnection; jsm: JetStreamManager } | undefined;
    const nodes: ClusterNode[] = [];
    const live = new Set<ServerProcess>();
    cleanups.push(async () => {
      await Promise.all([...live].map((server) => stopProcess(server).catch(() => {})));
      killStrays(work);
    });
    const opened: Database[] = [];
    cleanups.push(async () => {
      for (const db of opened.splice(0)) await db.close().catch(() => {});
    });

    const addNode = async (spec: NodeSpec): Promise<ClusterNode> => {
      if (nodes.some((n) => n.name === spec.name)) throw new Error(`two cluster nodes are named ${spec.name}`);
      const port = await freePort();
      const dataDir = path.join(work, spec.name);
      const env: Record<string, string> = {
        ...common,
        SMARTCHARGE_DATA_DIR: dataDir,
        PORT: String(port),
        ROLES: spec.roles.join(','),
        // Scheduled work only where the worker role is (the server also reads ROLES for it).
        JOBS: spec.roles.includes('worker') ? 'true' : 'false',
        ...spec.env,
      };
      let current: ServerProcess | undefined;
      let past = '';
      const failedStarts: string[] = [];
      const start = async () => {
        current = await startServerProcess(env, { timeoutMs: options.startTimeoutMs ?? 60_000 });
        const started = current;
        live.add(started);
        void started.exited.then(() => live.delete(started));
      };
      await start();
      const node: ClusterNode = {
        name: spec.name,
        roles: spec.roles,
        port,
        url: `http://127.0.0.1:${port}`,
        get process() {
          if (!current) throw new Error(`cluster node ${spec.name} is down`);
          return current;
        },
        get running() {
          return current !== undefined && current.child.exitCode === null && current.child.signalCode === null;
        },
        get pid() {
          return node.process.child.pid!;
        },
        cpuSeconds: () => (current?.child.pid ? processCpuSeconds(current.child.pid) : 0),
        output: () => past + (current?.output() ?? ''),
        async kill(signal = 'SIGKILL') {
          if (!current) return null;
          const server = current;
          const code = signal === 'SIGTERM' ? (await stopProcess(server), server.exited) : server.kill(signal);
          past += server.output();
          current = undefined;
          return code;
        },
        async restart() {
          if (node.running) throw new Error(`cluster node ${spec.name} is still running`);
          for (let attempt = 1; ; attempt++) {
            try {
              await start();
              return;
            } catch (error) {
              const message = (error as Error).message;
              // A start that timed out leaves its process behind: end it before trying again.
              killStrays(dataDir);
              if (!/before it started|did not start/.test(message) || attempt >= 3) throw error;
              failedStarts.push(message);
              await sleep(1000);
            }
          }
        },
        failedStarts,
      };
      nodes.push(node);
      return node;
    };

    return {
      adminToken: options.adminToken,
      pg,
      databaseUrl: primaryUrl,
      readUrl: standbyUrl,
      nats,
      natsUrl,
      mqttUrls,
      nodes,
      async addNatsDevices(credentials) {
        if (!nats) throw new Error('this cluster has no NATS servers');
        for (const { serial, secret } of credentials) {
          await addNatsUser(nats.usersFile, await natsUserEntry({ kind: 'device', serial }, secret, TEST_BCRYPT_COST));
        }
        await nats.reload();
      },
      natsPids() {
        if (!nats) return [];
        const configs = nats.nodes.map((n) => n.configFile);
        const pids: number[] = [];
        for (const entry of readdirSync('/proc')) {
          if (!/^\d+$/.test(entry)) continue;
          try {
            const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
            if (configs.some((file) => cmdline.includes(file))) pids.push(Number(entry));
          } catch {
            // gone meanwhile
          }
        }
        return pids;
      },
      async streamPending() {
        if (!nats) throw new Error('this cluster has no NATS servers');
        if (!natsConnection) {
          const connection = await connect({
            servers: nats.nodes.map((n) => `127.0.0.1:${n.clientPort}`),
            user: TEST_INGEST.user,
            pass: TEST_INGEST.password,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 200,
            timeout: 2000,
          });
          natsConnection = { connection, jsm: await jetstreamManager(connection, { timeout: 2000 }) };
          cleanups.push(() => connection.close());
        }
        const info = await natsConnection.jsm.consumers.info(UPLINK_STREAM, INGEST_CONSUMER);
        return { pending: info.num_pending, ackPending: info.num_ack_pending };
      },
      node(name) {
        const found = nodes.find((n) => n.name === name);
        if (!found) throw new Error(`no cluster node is named ${name}: ${nodes.map((n) => n.name).join(', ')}`);
        return found;
      },
      withRole: (role) => nodes.filter((n) => n.roles.includes(role)),
      addNode,
      async primary() {
        const db = await openPostgres(primaryUrl);
        opened.push(db);
        return db;
      },
      cli: (args, env = {}) =>
        runCli(args, {
          ...common,
          SMARTCHARGE_DATA_DIR: path.join(work, 'cli'),
          ...env,
        }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Waits for `condition`, polling every `everyMs`, at most `timeoutMs`; throws naming `what`. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; everyMs?: number; state?: () => string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const everyMs = options.everyMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(
        `gave up waiting for ${what} after ${timeoutMs} ms${options.state ? `: ${options.state()}` : ''}`,
      );
    }
    await sleep(everyMs);
  }
}

/**
 * A device's uplink over several ways in, as a device with a list of brokers or a load balancer
 * in front of ingest nodes would: it sends through one, and after a failure (no answer) moves on
 * to the next for the following attempts. The UplinkClient re-sends what was not acknowledged.
 */
export class FailoverTransport implements UplinkTransport {
  readonly name: string;
  private index: number;
  private readonly transports: UplinkTransport[];
  /** Times it moved to another way in. */
  failovers = 0;

  /**
   * `sendTimeoutMs` bounds a whole send (connecting, subscribing, publishing, the ack): longer
   * than the transports' own ack timeout.
   */
  constructor(
    transports: readonly UplinkTransport[],
    start = 0,
    private readonly sendTimeoutMs = 15_000,
  ) {
    if (transports.length === 0) throw new Error('FailoverTransport needs at least one transport');
    this.transports = [...transports];
    if (!Number.isInteger(start) || start < 0) throw new Error(`start must be a whole number, not ${start}`);
    this.index = start % transports.length;
    this.name = transports[0]!.name;
  }

  /** MQTT 3.1.1 to each URL (username = serial, password = secret). */
  static mqtt(urls: readonly string[], credential: DeviceCredential, start = 0, timeoutMs = 5000): FailoverTransport {
    return new FailoverTransport(
      urls.map((url) => new MqttUplinkTransport({ url, credential, protocolVersion: 4, timeoutMs })),
      start,
      timeoutMs * 2,
    );
  }

  /** HTTP to each server URL. */
  static http(urls: readonly string[], credential: DeviceCredential, start = 0, timeoutMs = 5000): FailoverTransport {
    return new FailoverTransport(
      urls.map((url) => new HttpUplinkTransport({ url, credential, timeoutMs })),
      start,
      timeoutMs * 2,
    );
  }

  async send(batch: TUplinkBatch): Promise<UplinkAck> {
    const transport = this.transports[this.index]!;
    let timer: NodeJS.Timeout | undefined;
    // Bounded here too: a broker that accepts the connection but never acknowledges the
    // connect or the subscription (JetStream electing a leader) would hold a send forever.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransportError(`no answer from ${transport.name} within ${this.sendTimeoutMs} ms`)),
        this.sendTimeoutMs,
      );
    });
    try {
      return await Promise.race([transport.send(batch), deadline]);
    } catch (error) {
      if (error instanceof TransportError) {
        // Drop the connection to the way in that failed (a broker that died), and use the next one.
        await transport.close().catch(() => {});
        if (this.transports.length > 1) {
          this.index = (this.index + 1) % this.transports.length;
          this.failovers++;
        }
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close().catch(() => {})));
  }
}
