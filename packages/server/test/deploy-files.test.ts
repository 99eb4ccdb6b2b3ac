/**
 * The three-node deployment files in deploy/cluster/ are valid for the tools that read them, and
 * agree with each other and with the code: HAProxy's configuration passes `haproxy -c` and sends
 * uplinks to the ingest nodes; the NATS cluster configuration the install shares with deploy/nats/
 * passes `nats-server -t` as each of the three servers; the systemd unit passes `systemd-analyze
 * verify`; the compose file parses, has the expected services with the expected roles, and gives
 * SmartCharge only real settings, with values its configuration accepts (read from config.ts, not
 * from a copy). Docker is not available here, so the compose file is checked, not run. A missing
 * tool (haproxy) fails the test, naming the package to install.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UPLINK_HTTP_PATH } from '@smartcharge/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig, SETTINGS } from '../src/config.js';
import { parseRoles } from '../src/roles.js';

const CLUSTER_DIR = fileURLToPath(new URL('../../../deploy/cluster/', import.meta.url));
const file = (name: string) => path.join(CLUSTER_DIR, name);
/** The NATS cluster's configuration is the broker's own (deploy/nats/), shared with this install. */
const NATS_DIR = fileURLToPath(new URL('../../../deploy/nats/', import.meta.url));
const NATS_FILES = ['nats-cluster.conf', 'smartcharge-accounts.conf', 'smartcharge-users.conf'];
const NATS_NAMES = ['nats-1', 'nats-2', 'nats-3'];
const SETTING_NAMES: ReadonlySet<string> = new Set(Object.values(SETTINGS).map((spec) => spec.env));

interface ToolResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a tool (bounded in time); a tool that is not installed fails the test, naming the package. */
function runTool(
  command: string,
  args: readonly string[],
  install: string,
  env: Record<string, string> = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${command} is not installed: ${install} (.ci/run installs it for CI)`));
        return;
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const haproxyCheck = (cfg: string) => runTool('haproxy', ['-c', '-f', cfg], 'apt-get install -y haproxy');
const natsCheck = (conf: string, serverName: string) =>
  runTool('nats-server', ['-t', '-c', conf], 'apt-get install -y nats-server', { NATS_SERVER_NAME: serverName });

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'smartcharge-deploy-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of a deploy file with one change, in the scratch folder (relative includes keep working). */
async function brokenCopy(name: string, from: string | RegExp, to: string): Promise<string> {
  const text = await readFile(file(name), 'utf8');
  const changed = text.replace(from, to);
  expect(changed, `the change to ${name} applies`).not.toBe(text);
  const target = path.join(scratch, 'broken', name);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, changed);
  return target;
}

/** KEY=value lines of an env file (comments and blank lines skipped). */
async function readEnvFile(name: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await readFile(file(name), 'utf8')).split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    expect(at, `${name}: "${trimmed}" is KEY=value`).toBeGreaterThan(0);
    env[trimmed.slice(0, at)] = trimmed.slice(at + 1);
  }
  return env;
}

function expectRealSettings(where: string, env: Record<string, string>): void {
  const unknown = Object.keys(env).filter((name) => !SETTING_NAMES.has(name));
  expect(unknown, `${where} sets variables that are not settings of packages/server/src/config.ts`).toEqual([]);
  // The values must be ones the server accepts (loadConfig throws a ConfigError naming the variable).
  expect(() => loadConfig(env), `${where}: its settings load`).not.toThrow();
}

describe('haproxy.cfg', () => {
  it('passes haproxy -c, with no warning but the names it resolves at run time', async () => {
    const result = await haproxyCheck(file('haproxy.cfg'));
    expect(result.output).toContain('Configuration file is valid');
    expect(result.code).toBe(0);
    const warnings = result.output.split('\n').filter((line) => line.includes('[WARNING]'));
    expect(warnings.filter((line) => !line.includes('could not resolve address'))).toEqual([]);
  });

  it('is refused by haproxy -c when a backend it uses does not exist (the check can fail)', async () => {
    const broken = await brokenCopy('haproxy.cfg', 'use_backend ingest if uplink', 'use_backend nowhere if uplink');
    const result = await haproxyCheck(broken);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('nowhere');
  });

  it('sends the uplink path to the ingest nodes and everything else to api+web, checking /readyz by role', async () => {
    const cfg = await readFile(file('haproxy.cfg'), 'utf8');
    expect(cfg).toMatch(new RegExp(`^\\s*acl uplink path ${UPLINK_HTTP_PATH.replace(/\//g, '\\/')}$`, 'm'));
    const backend = (name: string) => {
      const match = new RegExp(`^backend ${name}\\n((?:[ \\t].*\\n?)*)`, 'm').exec(cfg);
      expect(match, `backend ${name}`).not.toBeNull();
      return match![1]!;
    };
    const servers = (body: string) => [...body.matchAll(/^\s*server (\S+) (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(servers(backend('ingest'))).toEqual(['ingest-1 ingest-1:8080', 'ingest-2 ingest-2:8080']);
    expect(servers(backend('api_web'))).toEqual(['api-1 api-1:8080']);
    expect(servers(backend('nats_mqtt'))).toEqual(NATS_NAMES.map((name) => `${name} ${name}:1883`));
    // Each backend checks that its nodes are ready and have the backend's roles.
    expect(backend('ingest')).toContain('option httpchk GET /readyz?role=ingest');
    expect(backend('api_web')).toContain('option httpchk GET /readyz?role=api,web');
    expect(cfg).toMatch(/^frontend mqtt\n(?:[ \t].*\n)*?\s*bind :1883\n(?:[ \t].*\n)*?\s*mode tcp/m);
  });
});

describe('the NATS cluster configuration (deploy/nats/nats-cluster.conf)', () => {
  it.each(NATS_NAMES)('passes nats-server -t as %s', async (name) => {
    const result = await natsCheck(path.join(NATS_DIR, 'nats-cluster.conf'), name);
    expect(result.output).toContain('is valid');
    expect(result.code).toBe(0);
  });

  it('a configuration nats-server cannot read is refused (the check can fail)', async () => {
    const dir = path.join(scratch, 'nats');
    await mkdir(dir, { recursive: true });
    for (const name of NATS_FILES) await copyFile(path.join(NATS_DIR, name), path.join(dir, name));
    const conf = path.join(dir, 'nats-cluster.conf');
    const text = await readFile(conf, 'utf8');
    await writeFile(conf, text.replace('listen: 0.0.0.0:6222', 'listen: 0.0.0.0:not-a-port'));
    expect(await readFile(conf, 'utf8')).not.toBe(text);
    const result = await natsCheck(conf, 'nats-1');
    expect(result.code).not.toBe(0);
  });

  it('routes to the three servers the compose file and HAProxy name, with JetStream and MQTT on 1883', async () => {
    const conf = await readFile(path.join(NATS_DIR, 'nats-cluster.conf'), 'utf8');
    expect(conf).toMatch(/^server_name: \$NATS_SERVER_NAME$/m);
    expect(conf).toMatch(/^jetstream \{/m);
    expect(conf).toMatch(/^mqtt \{\n(?:\s*#.*\n)*\s*listen: 0\.0\.0\.0:1883$/m);
    for (const peer of NATS_NAMES) expect(conf).toContain(`nats-route://${peer}:6222`);
  });
});

describe('compose.yaml', () => {
  // YAML merge keys (<<) are how the nodes share their settings; compose reads them too.
  const load = async () =>
    parseYaml(await readFile(file('compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<
        string,
        { image?: string; command?: string[]; environment?: Record<string, string>; volumes?: string[] }
      >;
    };
  /** Compose's ${VAR:?message} and ${VAR:-default}, filled from example.env. */
  const interpolate = async (value: string) => {
    const example = await readEnvFile('example.env');
    return value.replace(/\$\{([A-Z_]+)(?::[?-][^}]*)?\}/g, (_, name: string) => {
      expect(example[name], `example.env sets ${name}`).toBeDefined();
      return example[name]!;
    });
  };

  it('has the broker cluster, the database pair, the SmartCharge nodes by role and the load balancer', async () => {
    const { services } = await load();
    expect(Object.keys(services).sort()).toEqual(
      [
        'nats-1',
        'nats-2',
        'nats-3',
        'postgres-primary',
        'postgres-replica',
        'ingest-1',
        'ingest-2',
        'api-1',
        'worker-1',
        'haproxy',
      ].sort(),
    );
    const roles = (name: string) => parseRoles(services[name]!.environment!.ROLES!).join(',');
    expect(roles('ingest-1')).toBe('ingest');
    expect(roles('ingest-2')).toBe('ingest');
    expect(roles('api-1')).toBe('api,web');
    expect(roles('worker-1')).toBe('worker');
    expect(services['api-1']!.environment!.DATABASE_READ_URL).toContain('@postgres-replica:5432/');
    for (const name of NATS_NAMES) {
      const nats = services[name]!;
      expect(nats.environment).toEqual({ NATS_SERVER_NAME: name });
      expect(nats.command).toEqual(['-c', '/etc/nats/nats-cluster.conf']);
      // Beside each other in the container, so the configuration's relative includes resolve.
      for (const conf of NATS_FILES) expect(nats.volumes).toContain(`../nats/${conf}:/etc/nats/${conf}:ro`);
    }
  });

  it('gives every SmartCharge node only real settings, with values the server accepts', async () => {
    const { services } = await load();
    const nodes = Object.entries(services).filter(([, s]) => s.image === 'smartcharge:local');
    expect(nodes.map(([name]) => name).sort()).toEqual(['api-1', 'ingest-1', 'ingest-2', 'worker-1']);
    for (const [name, service] of nodes) {
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = await interpolate(String(value));
      expectRealSettings(`compose.yaml service ${name}`, env);
    }
  });

  it('mounts only files that exist here', async () => {
    const { services } = await load();
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('./') && !source.startsWith('../')) continue; // a named volume
        expect(existsSync(file(source)), `${name} mounts ${source}`).toBe(true);
      }
    }
    expect(existsSync(file('Dockerfile'))).toBe(true);
  });
});

describe('systemd units', () => {
  it('smartcharge@.service passes systemd-analyze verify without a complaint', async () => {
    // verify reads the unit from the folder it is in: a copy on its own keeps the check to it.
    const target = path.join(scratch, 'smartcharge@.service');
    await copyFile(file('systemd/smartcharge@.service'), target);
    const result = await runTool('systemd-analyze', ['verify', target], 'apt-get install -y systemd');
    expect(result.output.trim()).toBe('');
    expect(result.code).toBe(0);
    const unit = await readFile(target, 'utf8');
    expect(unit).toContain('EnvironmentFile=/etc/smartcharge/common.env');
    expect(unit).toContain('EnvironmentFile=/etc/smartcharge/%i.env');
  });

  it("the nats-server drop-in passes systemd-analyze verify on Debian's nats-server.service", async () => {
    const debianUnit = '/lib/systemd/system/nats-server.service';
    expect(existsSync(debianUnit), `${debianUnit} (apt-get install -y nats-server)`).toBe(true);
    const dir = path.join(scratch, 'units');
    await mkdir(path.join(dir, 'nats-server.service.d'), { recursive: true });
    await copyFile(debianUnit, path.join(dir, 'nats-server.service'));
    const dropIn = file('systemd/nats-server.service.d/smartcharge.conf');
    await copyFile(dropIn, path.join(dir, 'nats-server.service.d', 'smartcharge.conf'));
    const result = await runTool(
      'systemd-analyze',
      ['verify', path.join(dir, 'nats-server.service')],
      'apt-get install -y systemd',
      { SYSTEMD_UNIT_PATH: `${dir}:` },
    );
    expect(result.output.trim()).toBe('');
    expect(result.code).toBe(0);
    // It runs the cluster configuration the compose file mounts, named by its environment file.
    const text = await readFile(dropIn, 'utf8');
    expect(text).toContain('ExecStart=\nExecStart=/usr/sbin/nats-server -c /etc/nats/nats-cluster.conf');
    expect(text).toContain('EnvironmentFile=/etc/nats/server.env');
  });

  it('a unit with a key systemd does not know is reported (the check can fail)', async () => {
    const broken = await brokenCopy('systemd/smartcharge@.service', 'Restart=always', 'Restart=sometimes');
    const result = await runTool('systemd-analyze', ['verify', broken], 'apt-get install -y systemd');
    expect(result.output).toMatch(/restart specifier/i);
  });

  it.each(['ingest', 'api', 'worker'])('common.env with %s.env sets only real settings, which load', async (role) => {
    const env = { ...(await readEnvFile('systemd/common.env')), ...(await readEnvFile(`systemd/${role}.env`)) };
    expectRealSettings(`systemd/common.env + systemd/${role}.env`, env);
    expect(parseRoles(env.ROLES ?? '')).toEqual(role === 'api' ? ['api', 'web'] : [role]);
  });
});
