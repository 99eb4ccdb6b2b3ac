/**
 * nats-server processes for tests: one node or a three-node cluster, each from the shipped
 * deploy/nats config (only its ports, names, paths and routes changed), in its own temporary
 * folder, on free ports of 127.0.0.1 for clients, routes and MQTT. Ready when JetStream answers
 * (on a cluster: a meta leader is elected). A node can be SIGKILLed and restarted on its own
 * store; stop() ends them all and removes the folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { addNatsUser, natsUserEntry } from '../../src/nats/nats-users.js';
import { freePort } from './processes.js';

const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
export const DEPLOY_NATS = new URL('../../../../deploy/nats/', import.meta.url);
/** The platform's account in the test clusters (a test-only password). */
export const TEST_INGEST = { user: 'smartcharge-ingest', password: 'ingest-password-for-tests-only' };
/** bcrypt cost for test accounts: the broker checks one per connection, and tests connect a lot. */
export const TEST_BCRYPT_COST = 4;
const READY_TRIES = 150;

export interface NatsNode {
  readonly name: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly mqttPort: number;
  readonly dir: string;
  readonly configFile: string;
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** NATS_URL for the ingest account: every node, credentials in the URL. */
  readonly natsUrl: string;
  /** mqtt://127.0.0.1:port of node i. */
  mqttUrl(i: number): string;
  /** The users file every node includes. */
  readonly usersFile: string;
  /** Adds (or replaces) a device account, as docs/nats.md has the operator do, and reloads every node. */
  addDevice(serial: string, secret: string): Promise<void>;
  /** The same for many devices, with one reload. */
  addDevices(devices: readonly { readonly serial: string; readonly secret: string }[]): Promise<void>;
  /** Signals every running node to read its config again (users added or removed). */
  reload(): Promise<void>;
  /** What node i printed (its log). */
  output(i: number): string;
  running(i: number): boolean;
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts node i again on its store and waits until JetStream answers. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** The shipped config with this node's names, ports and paths; throws when a directive moved. */
function nodeConfig(shipped: string, node: NatsNode, routes: readonly number[], storeDir: string): string {
  const replacements: [RegExp, string][] = [
    [/^server_name: .*$/m, `server_name: ${node.name}`],
    [/^listen: .*$/m, `listen: 127.0.0.1:${node.clientPort}`],
    [/^(\s*)store_dir: .*$/m, `$1store_dir: "${storeDir}"`],
    [/^(mqtt \{\n(?:.*\n)*?\s*)listen: .*$/m, `$1listen: 127.0.0.1:${node.mqttPort}`],
  ];
  if (routes.length > 0) {
    replacements.push(
      [/^(cluster \{\n(?:.*\n)*?\s*)listen: .*$/m, `$1listen: 127.0.0.1:${node.clusterPort}`],
      [/^(\s*)routes: \[.*\]$/m, `$1routes: [${routes.map((port) => `nats-route://127.0.0.1:${port}`).join(', ')}]`],
    );
  }
  let config = shipped;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(config)) throw new Error(`deploy/nats config no longer has a line matching ${pattern}`);
    config = config.replace(pattern, replacement);
  }
  return config;
}

async function waitForJetStream(url: string, describe: () => string, alive: () => boolean): Promise<void> {
  let lastError: unknown;
  for (let i = 0; i < READY_TRIES && alive(); i++) {
    try {
      const nc = await connect({
        servers: url,
        user: TEST_INGEST.user,
        pass: TEST_INGEST.password,
        reconnect: false,
        timeout: 1000,
      });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1000 });
        await jsm.getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (error) {
      lastError = error;
      await sleep(100);
    }
  }
  throw new Error(`nats-server at ${url} did not get JetStream ready: ${(lastError as Error)?.message}\n${describe()}`);
}

export async function startNatsCluster(options: { size: 1 | 3 }): Promise<NatsCluster> {
  if (!NATS_SERVER) throw new Error('these tests need nats-server 2.9 (apt-get install nats-server)');
  const root = await mkdtemp(path.join(tmpdir(), 'smartcharge-nats-'));
  const shippedName = options.size === 1 ? 'nats-server.conf' : 'nats-cluster.conf';
  const shipped = await readFile(new URL(shippedName, DEPLOY_NATS), 'utf8');
  const accounts = new URL('smartcharge-accounts.conf', DEPLOY_NATS);
  const usersFile = path.join(root, 'smartcharge-users.conf');
  await copyFile(new URL('smartcharge-users.conf', DEPLOY_NATS), usersFile);
  // The platform's account with the test's password, written as an operator would.
  await addNatsUser(
    usersFile,
    await natsUserEntry({ kind: 'ingest', name: TEST_INGEST.user }, TEST_INGEST.password, TEST_BCRYPT_COST),
  );

  const nodes: NatsNode[] = [];
  for (let i = 0; i < options.size; i++) {
    const dir = path.join(root, `node-${i + 1}`);
    await mkdir(dir);
    nodes.push({
      name: `test-nats-${i + 1}`,
      clientPort: await freePort(),
      clusterPort: await freePort(),
      mqttPort: await freePort(),
      dir,
      configFile: path.join(dir, 'nats-server.conf'),
    });
  }
  const routes = options.size === 1 ? [] : nodes.map((node) => node.clusterPort);
  for (const node of nodes) {
    await writeFile(node.configFile, nodeConfig(shipped, node, routes, path.join(node.dir, 'jetstream')));
    // The includes resolve beside the config: the accounts file as shipped, the users file shared by all nodes.
    await copyFile(accounts, path.join(node.dir, 'smartcharge-accounts.conf'));
    // (nats-server resolves an include against the main config's folder, and takes no absolute path.)
    await writeFile(path.join(node.dir, 'smartcharge-users.conf'), `include ../${path.basename(usersFile)}\n`);
  }

  const children: (ChildProcess | undefined)[] = nodes.map(() => undefined);
  const outputs: string[] = nodes.map(() => '');
  const exits: Promise<void>[] = nodes.map(() => Promise.resolve());

  const launch = (i: number) => {
    const node = nodes[i]!;
    const child = spawn(NATS_SERVER, ['-c', node.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (chunk: Buffer) => {
      // Bounded: a long test keeps the last 200 kB of each node's log.
      outputs[i] = (outputs[i]! + chunk.toString()).slice(-200_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    exits[i] = new Promise((resolve) => child.once('exit', () => resolve()));
    children[i] = child;
  };
  const running = (i: number) => {
    const child = children[i];
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const clientUrl = (i: number) => `nats://127.0.0.1:${nodes[i]!.clientPort}`;
  const describe = (i: number) => `--- ${nodes[i]!.name} log ---\n${outputs[i]!.slice(-4000)}`;

  const cluster: NatsCluster = {
    nodes,
    natsUrl: nodes
      .map((node) => `nats://${TEST_INGEST.user}:${TEST_INGEST.password}@127.0.0.1:${node.clientPort}`)
      .join(','),
    mqttUrl: (i) => `mqtt://127.0.0.1:${nodes[i]!.mqttPort}`,
    usersFile,
    async addDevice(serial, secret) {
      await cluster.addDevices([{ serial, secret }]);
    },
    async addDevices(devices) {
      for (const { serial, secret } of devices) {
        await addNatsUser(usersFile, await natsUserEntry({ kind: 'device', serial }, secret, TEST_BCRYPT_COST));
      }
      await cluster.reload();
    },
    async reload() {
      for (let i = 0; i < nodes.length; i++) {
        if (!running(i)) continue;
        const before = (outputs[i]!.match(/Reloaded server configuration/g) ?? []).length;
        children[i]!.kill('SIGHUP');
        for (let tries = 0; ; tries++) {
          if ((outputs[i]!.match(/Reloaded server configuration/g) ?? []).length > before) break;
          if (tries >= READY_TRIES) throw new Error(`${nodes[i]!.name} did not reload\n${describe(i)}`);
          await sleep(20);
        }
      }
    },
    output: (i) => outputs[i]!,
    running,
    async kill(i, signal = 'SIGKILL') {
      if (running(i)) children[i]!.kill(signal);
      await exits[i];
    },
    async restart(i) {
      await cluster.kill(i, 'SIGTERM');
      launch(i);
      await waitForJetStream(
        clientUrl(i),
        () => describe(i),
        () => running(i),
      );
    },
    async stop() {
      for (let i = 0; i < nodes.length; i++) if (running(i)) children[i]!.kill('SIGTERM');
      await Promise.all(exits);
      await rm(root, { recursive: true, force: true });
    },
  };

  try {
    for (let i = 0; i < nodes.length; i++) launch(i);
    for (let i = 0; i < nodes.length; i++)
      await waitForJetStream(
        clientUrl(i),
        () => describe(i),
        () => running(i),
      );
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
