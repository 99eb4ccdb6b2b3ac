/**
 * The `smartcharge` command as an operator uses it: on a free data folder (it opens the embedded
 * database itself), while a server holds the folder (it goes through the server), and on
 * PostgreSQL. Real processes, real output, real exit codes.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../src/db/migrate.js';
import { createPostgresDatabase, postgresAvailable } from './support/databases.js';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';

const dirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('smartcharge --help and settings', () => {
  it('explains every command', async () => {
    const root = await runCli(['--help']);
    expect(root.code).toBe(0);
    for (const command of ['serve', 'migrate', 'device', 'vehicle']) expect(root.stdout).toContain(command);
    const provision = await runCli(['device', 'provision', '--help']);
    expect(provision.code).toBe(0);
    expect(provision.stdout).toContain('--serial <serial>');
    expect(provision.stdout).toContain('--json');
    const serve = await runCli(['serve', '--help']);
    expect(serve.stdout).toContain('--database-url');
    expect(serve.stdout).toContain('DATABASE_URL');
  });

  it('stops the start on a wrong setting, naming it, with exit code 2', async () => {
    const result = await runCli(['serve'], { PORT: 'eighty', MQTT_PORT: '-1', SMARTCHARGE_DATA_DIR: await dataDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT="eighty": expected an integer from 0 to 65535');
    expect(result.stderr).toContain('MQTT_PORT="-1"');
  });

  it('says what is missing when a required option is not given', async () => {
    const result = await runCli(['device', 'provision']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--serial <serial>' not specified");
  });
});

describe('on a free data folder, the command opens the embedded database itself', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { SMARTCHARGE_DATA_DIR: await dataDir() };
  });

  it('migrates a new folder once', async () => {
    const first = await runCli(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Applied 0001_init.sql');
    expect(first.stdout).toContain('0003_programs_rewards.sql');
    const again = await runCli(['migrate', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({
      applied: [],
      // Every migration the package ships, in order.
      alreadyApplied: (await loadMigrations()).map((m) => m.name),
    });
  });

  it('adds a preset program, a vehicle in it matched to the catalog, and rebuilds derived data', async () => {
    const added = await runCli(['program', 'add', '--preset', 'alectra'], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/Program alectra \(id \d+\) is ready/);
    const listed = await runCli(['program', 'list'], env);
    expect(listed.stdout).toContain('America/Toronto');
    const vehicle = await runCli(
      [
        'vehicle',
        'add',
        '--make',
        'Nissan',
        '--model',
        'Leaf',
        '--year',
        '2019',
        '--variant',
        '62 kWh',
        '--program',
        'alectra',
      ],
      env,
    );
    expect(vehicle.code, vehicle.stderr).toBe(0);
    expect(vehicle.stdout).toContain('(catalog: nissan-leaf, ');
    const unknownProgram = await runCli(
      ['vehicle', 'add', '--make', 'Nissan', '--model', 'Leaf', '--year', '2019', '--program', 'nowhere'],
      env,
    );
    expect(unknownProgram.code).not.toBe(0);
    expect(unknownProgram.stderr).toContain('No program has slug nowhere');
    const rebuilt = await runCli(['rebuild', '--json'], env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ vehicles: 1, readings: 0 });
    const badDate = await runCli(['rebuild', '--from', 'yesterday-ish'], env);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('expected a date or time');
  });

  it('provisions a device, shows its secret once, and refuses the same serial twice', async () => {
    const created = await runCli(['device', 'provision', '--serial', 'C2-CLI-1', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const issued = JSON.parse(created.stdout) as { device: { serial: string; status: string }; secret: string };
    expect(issued.device).toMatchObject({ serial: 'C2-CLI-1', status: 'provisioned' });
    expect(issued.secret).toMatch(/^scd_[A-Za-z0-9_-]{43}$/);

    const shown = await runCli(['device', 'show', '--serial', 'C2-CLI-1', '--json'], env);
    expect(shown.stdout).not.toContain(issued.secret);

    const twice = await runCli(['device', 'provision', '--serial', 'C2-CLI-1'], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('A device with serial C2-CLI-1 already exists.');
  });

  it('walks a device through its life: vehicle, shipping, rotation, revocation, with history', async () => {
    const vehicle = await runCli(
      ['vehicle', 'add', '--make', 'Chevrolet', '--model', 'Bolt EV', '--year', '2020', '--json'],
      env,
    );
    expect(vehicle.code, vehicle.stderr).toBe(0);
    const vehicleId = String((JSON.parse(vehicle.stdout) as { id: number }).id);
    await runCli(['device', 'provision', '--serial', 'C2-CLI-2'], env);

    expect((await runCli(['device', 'assign', '--serial', 'C2-CLI-2', '--vehicle', vehicleId], env)).stdout).toContain(
      `C2-CLI-2 is now in vehicle ${vehicleId}.`,
    );
    expect(
      (await runCli(['device', 'status', '--serial', 'C2-CLI-2', '--set', 'shipped', '--note', 'UPS 1Z999'], env))
        .stdout,
    ).toContain('C2-CLI-2 is now shipped.');
    const wrongMove = await runCli(['device', 'status', '--serial', 'C2-CLI-2', '--set', 'active'], env);
    expect(wrongMove.code).toBe(1);
    expect(wrongMove.stderr).toContain('Device C2-CLI-2 is shipped; it can become installed or returned, not active.');

    const rotated = await runCli(['device', 'rotate', '--serial', 'C2-CLI-2', '--grace-hours', '24'], env);
    expect(rotated.stdout).toMatch(/secret: {2}scd_/);
    expect((await runCli(['device', 'revoke', '--serial', 'C2-CLI-2'], env)).stdout).toContain(
      'Revoked the credential of C2-CLI-2',
    );

    const shown = await runCli(['device', 'show', '--serial', 'C2-CLI-2'], env);
    expect(shown.stdout).toContain('status:       shipped');
    expect(shown.stdout).toContain('credential:   revoked');
    for (const event of [
      'provisioned',
      'assigned: vehicle',
      'status: shipped, UPS 1Z999',
      'credential_rotated',
      'credential_revoked',
    ]) {
      expect(shown.stdout).toContain(event);
    }
    const listed = await runCli(['device', 'list', '--status', 'shipped'], env);
    expect(listed.stdout).toContain('C2-CLI-2');
    expect(listed.stdout).not.toContain('C2-CLI-1');
  });

  it('leaves no lock behind when it is done', async () => {
    await runCli(['device', 'list'], env);
    await expect(stat(path.join(env.SMARTCHARGE_DATA_DIR!, 'server.lock'))).rejects.toThrow(/ENOENT/);
  });
});

describe('while a server holds the data folder, the command goes through it', () => {
  let env: Record<string, string>;
  let server: ServerProcess;
  beforeAll(async () => {
    env = { SMARTCHARGE_DATA_DIR: await dataDir() };
    server = await startServerProcess(env);
  });
  afterAll(async () => {
    await server.kill('SIGTERM');
  });

  it('provisions through the running server, which then accepts the device', async () => {
    const created = await runCli(['device', 'provision', '--serial', 'C2-CLI-LIVE', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const { secret } = JSON.parse(created.stdout) as { secret: string };
    const response = await fetch(`${server.url}/api/v1/uplink`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`C2-CLI-LIVE:${secret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        v: 1,
        device: 'C2-CLI-LIVE',
        boot: 1,
        records: [{ seq: 1, time_ms: Date.now() - 1000, soc_pct: 50 }],
      }),
    });
    expect(await response.json()).toMatchObject({ ok: true, accepted: 1 });
    const shown = await runCli(['device', 'show', '--serial', 'C2-CLI-LIVE', '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ serial: 'C2-CLI-LIVE', status: 'active' });
  });

  it('reports that the running server applied the migrations', async () => {
    const result = await runCli(['migrate'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('the running server applied them at start');
  });

  it('refuses to start a second server on the same folder, naming the first', async () => {
    const second = await runCli(['serve'], { ...env, PORT: '0', MQTT_PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is in use by process ${server.child.pid}`);
  });
});

describe.skipIf(!postgresAvailable())('with DATABASE_URL, the command works on PostgreSQL directly', () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createPostgresDatabase();
    drop = created.drop;
    env = { DATABASE_URL: created.url, SMARTCHARGE_DATA_DIR: await dataDir() };
  });
  afterAll(async () => {
    await drop();
  });

  it('provisions and lists devices', async () => {
    const created = await runCli(['device', 'provision', '--serial', 'C2-CLI-PG'], env);
    expect(created.code, created.stderr).toBe(0);
    const listed = await runCli(['device', 'list', '--json'], env);
    expect((JSON.parse(listed.stdout) as { serial: string }[]).map((d) => d.serial)).toEqual(['C2-CLI-PG']);
  });
});
