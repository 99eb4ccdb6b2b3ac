/**
 * `smartcharge account …` and `smartcharge job …` as an operator uses them: on a free data folder
 * (the command opens the embedded database itself), then with a server holding that folder (the
 * command goes through it, and the passwords the command printed sign in), and on PostgreSQL.
 * Real processes, real output, real exit codes: run `npm run build` first (npm test does).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../src/jobs/index.js';
import { createPostgresDatabase, postgresAvailable } from './support/databases.js';
import { readTestMail } from './support/mail.js';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The password `account add` printed for people. */
function printedPassword(stdout: string): string {
  const password = /^ {2}password: {2}(\S+)$/m.exec(stdout)?.[1];
  if (!password) throw new Error(`no password in:\n${stdout}`);
  return password;
}

/** Each command is a process opening the embedded database: give a test of several of them room on a busy machine. */
const SEVERAL_COMMANDS = { timeout: 120_000 };

async function signIn(url: string, email: string, password: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return response.status;
}

describe(
  'smartcharge account and job, on a data folder and then through the server holding it',
  SEVERAL_COMMANDS,
  () => {
    let env: Record<string, string>;
    let mailDir: string;
    const passwords = new Map<string, string>();

    beforeAll(async () => {
      mailDir = await tempDir('smartcharge-cli-mail-');
      env = { SMARTCHARGE_DATA_DIR: await tempDir('smartcharge-cli-accounts-'), MAIL_DIR: mailDir };
    });

    it('explains the commands', async () => {
      const root = await runCli(['--help']);
      expect(root.stdout).toContain('account');
      expect(root.stdout).toContain('job');
      const add = await runCli(['account', 'add', '--help']);
      for (const option of ['--email <address>', '--role <role>', '--utility <name>', '--password-stdin', '--invite']) {
        expect(add.stdout).toContain(option);
      }
      expect(add.stdout).toMatch(/choices: "driver", "program_admin",\s+"operator"/);
    });

    it('makes an operator with a generated password, printed once', async () => {
      const added = await runCli(['account', 'add', '--email', 'olive@example.com', '--role', 'operator'], env);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toMatch(/^Account \d+: olive@example\.com, operator\.$/m);
      expect(added.stdout).toContain('shown only this once');
      const password = printedPassword(added.stdout);
      expect(password.length).toBeGreaterThanOrEqual(20);
      passwords.set('olive@example.com', password);
    });

    it('makes a program administrator with a password piped in, and prints none', async () => {
      const added = await runCli(
        [
          'account',
          'add',
          '--email',
          'pat@alectra.example',
          '--role',
          'program_admin',
          '--utility',
          'Alectra Utilities',
          '--name',
          'Pat Admin',
          '--password-stdin',
          '--json',
        ],
        env,
        { input: 'a long piped password\n' },
      );
      expect(added.code, added.stderr).toBe(0);
      const shown = JSON.parse(added.stdout) as { account: Record<string, unknown>; password?: string };
      expect(shown.account).toMatchObject({
        email: 'pat@alectra.example',
        name: 'Pat Admin',
        role: 'program_admin',
        utility: 'Alectra Utilities',
      });
      expect(shown.password).toBeUndefined();
      expect(added.stdout).not.toContain('a long piped password');
      passwords.set('pat@alectra.example', 'a long piped password');
    });

    it('invites by mail instead, with a link to choose a password', async () => {
      const added = await runCli(['account', 'add', '--email', 'ivy@example.com', '--role', 'driver', '--invite'], env);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toContain('An invitation to choose a password is on its way to ivy@example.com.');
      expect(added.stdout).not.toContain('password: ');
      const [invitation] = (await readTestMail(mailDir)).filter((m) => m.to.includes('ivy@example.com'));
      expect(invitation?.subject).toBe('You have a SmartCharge account');
      expect(invitation?.text).toMatch(/\/reset-password\?token=[A-Za-z0-9_-]{20,}/);
    });

    it('refuses what cannot be, saying why, with exit code 2 for usage and 1 for a taken address', async () => {
      const noUtility = await runCli(['account', 'add', '--email', 'sam@example.com', '--role', 'program_admin'], env);
      expect(noUtility.code).toBe(2);
      expect(noUtility.stderr).toContain('utility: a program administrator belongs to a utility: name it');
      const wrongRole = await runCli(['account', 'add', '--email', 'sam@example.com', '--role', 'pilot'], env);
      expect(wrongRole.code).toBe(2);
      expect(wrongRole.stderr).toContain('Allowed choices are driver, program_admin, operator');
      const taken = await runCli(['account', 'add', '--email', 'OLIVE@example.com', '--role', 'driver'], env);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain('An account with the address OLIVE@example.com already exists.');
      const both = await runCli(
        ['account', 'add', '--email', 'sam@example.com', '--role', 'driver', '--invite', '--password-stdin'],
        env,
        { input: 'whatever password\n' },
      );
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('Give either --password-stdin or --invite, not both.');
      const emptyStdin = await runCli(
        ['account', 'add', '--email', 'sam@example.com', '--role', 'driver', '--password-stdin'],
        env,
        { input: '' },
      );
      expect(emptyStdin.code).toBe(2);
      expect(emptyStdin.stderr).toContain('No password arrived on standard input.');
    });

    it('lists accounts, all or by role', async () => {
      const all = await runCli(['account', 'list'], env);
      expect(all.code, all.stderr).toBe(0);
      const lines = all.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('id\temail\tname\trole\tutility\tcreated');
      expect(lines.slice(1).map((line) => line.split('\t')[1])).toEqual([
        'olive@example.com',
        'pat@alectra.example',
        'ivy@example.com',
      ]);
      const admins = await runCli(['account', 'list', '--role', 'program_admin', '--json'], env);
      expect((JSON.parse(admins.stdout) as { email: string }[]).map((a) => a.email)).toEqual(['pat@alectra.example']);
    });

    it('lists the scheduled jobs and runs one now, which then shows in the list', async () => {
      const listed = await runCli(['job', 'list', '--json'], env);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { name: string }[]).map((j) => j.name).sort()).toEqual(
        [...JOB_NAMES].sort(),
      );

      const ran = await runCli(['job', 'run', 'housekeeping'], env);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/^Ran housekeeping on PGlite at .+: \{"sessions":0,"attempts":0\}$/m);
      const after = JSON.parse((await runCli(['job', 'list', '--json'], env)).stdout) as {
        name: string;
        runs: number;
        lastStatus: string | null;
      }[];
      expect(after.find((j) => j.name === 'housekeeping')).toMatchObject({ runs: 1, lastStatus: 'ok' });
      expect(after.find((j) => j.name === 'gift-cards')).toMatchObject({ runs: 0, lastStatus: null });
      const human = await runCli(['job', 'list'], env);
      expect(human.stdout.split('\n')[0]).toBe('job\tnext run\tlast run\tresult\truns');
      expect(human.stdout).toMatch(/^housekeeping\t\S+ \S+Z\t\S+ \S+Z\tok\t1$/m);

      const unknown = await runCli(['job', 'run', 'nightly-magic'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No job is named "nightly-magic"');
      expect(unknown.stderr).toContain('housekeeping');
    });

    describe('once a server holds the folder', () => {
      let server: ServerProcess;
      beforeAll(async () => {
        server = await startServerProcess(env);
      });
      afterAll(async () => {
        await server?.kill('SIGTERM');
      });

      it('signs in with the passwords the command printed and was given', async () => {
        for (const [email, password] of passwords) expect(await signIn(server.url, email, password), email).toBe(200);
      });

      it('makes and lists accounts through the running server', async () => {
        const added = await runCli(['account', 'add', '--email', 'lee@example.com', '--role', 'driver', '--json'], env);
        expect(added.code, added.stderr).toBe(0);
        const { account, password } = JSON.parse(added.stdout) as { account: { role: string }; password: string };
        expect(account.role).toBe('driver');
        expect(await signIn(server.url, 'lee@example.com', password)).toBe(200);
        const listed = await runCli(['account', 'list', '--role', 'driver', '--json'], env);
        expect((JSON.parse(listed.stdout) as { email: string }[]).map((a) => a.email)).toEqual([
          'ivy@example.com',
          'lee@example.com',
        ]);
      });

      it('lists and runs jobs through the running server', async () => {
        const listed = await runCli(['job', 'list'], env);
        expect(listed.code, listed.stderr).toBe(0);
        for (const name of JOB_NAMES) expect(listed.stdout).toContain(name);
        const ran = await runCli(['job', 'run', 'mail-retry', '--json'], env);
        expect(ran.code, ran.stderr).toBe(0);
        expect(JSON.parse(ran.stdout)).toMatchObject({ name: 'mail-retry', status: 'ok', summary: { failed: 0 } });
      });
    });
  },
);

describe.skipIf(!postgresAvailable())(
  'smartcharge account and job with DATABASE_URL, on PostgreSQL directly',
  SEVERAL_COMMANDS,
  () => {
    let env: Record<string, string>;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const created = await createPostgresDatabase();
      drop = created.drop;
      env = {
        DATABASE_URL: created.url,
        SMARTCHARGE_DATA_DIR: await tempDir('smartcharge-cli-accounts-pg-'),
        MAIL_DIR: await tempDir('smartcharge-cli-mail-pg-'),
      };
    });
    afterAll(async () => {
      await drop?.();
    });

    it('makes and lists an account, and runs a job', async () => {
      const added = await runCli(['account', 'add', '--email', 'pg@example.com', '--role', 'operator'], env);
      expect(added.code, added.stderr).toBe(0);
      printedPassword(added.stdout);
      const listed = await runCli(['account', 'list', '--json'], env);
      expect((JSON.parse(listed.stdout) as { email: string }[]).map((a) => a.email)).toEqual(['pg@example.com']);
      const ran = await runCli(['job', 'run', 'housekeeping', '--json'], env);
      expect(ran.code, ran.stderr).toBe(0);
      expect(JSON.parse(ran.stdout)).toMatchObject({ name: 'housekeeping', status: 'ok' });
    });
  },
);
