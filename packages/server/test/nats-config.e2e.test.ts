/**
 * The shipped deploy/nats configs are valid for nats-server 2.9 (`nats-server -t`), before and
 * after `smartcharge broker nats-user` wrote device lines into the users file; the command hashes
 * the secret (bcrypt, never the plain text), limits a device to its own subjects, replaces and
 * removes a line, and refuses a serial NATS MQTT cannot carry.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_NATS } from './support/nats-cluster.js';
import { runCli } from './support/processes.js';

const exec = promisify(execFile);
const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';
const FILES = ['nats-server.conf', 'nats-cluster.conf', 'smartcharge-accounts.conf', 'smartcharge-users.conf'];

async function check(dir: string, file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await exec(NATS_SERVER, ['-t', '-c', path.join(dir, file)], {
      env: { ...process.env, NATS_SERVER_NAME: 'nats-1' },
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the shipped NATS configs (deploy/nats) and smartcharge broker nats-user', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-nats-config-'));
    for (const file of FILES) await copyFile(new URL(file, DEPLOY_NATS), path.join(dir, file));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are valid for nats-server as shipped: one node and a cluster member', async () => {
    for (const file of ['nats-server.conf', 'nats-cluster.conf']) {
      const result = await check(dir, file);
      expect(result, file).toMatchObject({ ok: true });
      expect(result.output).toContain('is valid');
    }
  });

  it('prints a device line with a bcrypt hash of the secret and the device’s own subjects only', async () => {
    const result = await runCli([
      'broker',
      'nats-user',
      '--serial',
      'C2-0042',
      '--secret',
      'the-secret-0042',
      '--cost',
      '10',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const line = result.stdout.trim();
    expect(line).not.toContain('the-secret-0042');
    const hash = /password: "([^"]+)"/.exec(line)?.[1] ?? '';
    expect(hash).toMatch(/^\$2a\$10\$/);
    expect(await bcrypt.compare('the-secret-0042', hash)).toBe(true);
    expect(line).toContain('allowed_connection_types: ["MQTT"]');
    expect(line).toContain('publish: { allow: ["smartcharge.v1.devices.C2-0042.uplink"] }');
    expect(line).toContain('subscribe: { allow: ["smartcharge.v1.devices.C2-0042.ack", "$MQTT.sub.>"] }');
  });

  it('adds, replaces and removes lines in the users file, which stays valid', async () => {
    const users = path.join(dir, 'smartcharge-users.conf');
    const add = (serial: string, secret: string) =>
      runCli(['broker', 'nats-user', '--serial', serial, '--secret', secret, '--cost', '10', '--file', users]);
    expect((await add('C2-0001', 'first-secret')).stdout).toMatch(/^Added C2-0001 in .*nats-server --signal reload/);
    expect((await add('C2-0002', 'second-secret')).stdout).toMatch(/^Added C2-0002/);
    expect((await add('C2-0001', 'rotated-secret')).stdout).toMatch(/^Replaced C2-0001/);
    let text = await readFile(users, 'utf8');
    expect(text.match(/user: "C2-0001"/g)).toHaveLength(1);
    const hash = new RegExp('user: "C2-0001", password: "([^"]+)"').exec(text)?.[1] ?? '';
    expect(await bcrypt.compare('rotated-secret', hash)).toBe(true);
    for (const file of ['nats-server.conf', 'nats-cluster.conf'])
      expect(await check(dir, file), file).toMatchObject({ ok: true });

    const revoked = await runCli(['broker', 'nats-user', '--serial', 'C2-0001', '--revoke', '--file', users]);
    expect(revoked.stdout).toMatch(/^Removed C2-0001/);
    text = await readFile(users, 'utf8');
    expect(text).not.toContain('"C2-0001"');
    expect(text).toContain('"C2-0002"');
    expect(await check(dir, 'nats-server.conf')).toMatchObject({ ok: true });
  });

  it('refuses a serial with a dot (NATS 2.9 MQTT cannot carry it) and the platform’s own names', async () => {
    const dotted = await runCli(['broker', 'nats-user', '--serial', 'C2.0001', '--secret', 'x-secret']);
    expect(dotted.code).toBe(2);
    expect(dotted.stderr).toMatch(/serial C2\.0001 has a '\.', which nats-server 2\.9 refuses in MQTT topics/);
    const platform = await runCli(['broker', 'nats-user', '--serial', 'smartcharge-ingest-9', '--secret', 'x-secret']);
    expect(platform.code).toBe(2);
    expect(platform.stderr).toMatch(/platform's accounts/);
  });
});
