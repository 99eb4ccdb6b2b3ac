/**
 * Share links and mail links reach the server people use, over real HTTP: unset, PUBLIC_URL
 * follows the server (the address a driver's request came in at for share links, X-Forwarded-*
 * only from a trusted proxy; the port actually bound for mail, PORT=0 too); set, it wins.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { readTestMail } from './support/mail.js';
import { enrollDriver, type Participant } from './support/program-fixtures.js';
import { startTestServer, type TestServer } from './support/servers.js';

/** POST /api/v1/shares with exactly these headers (node:http, so Host is ours to set). */
function makeShare(server: TestServer, token: string, vehicleId: number, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ vehicleId, days: 7 });
  return new Promise<{ status: number; json: { url?: string } }>((resolve, reject) => {
    const req = request(
      `${server.url}/api/v1/shares`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          authorization: `Bearer ${token}`,
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as { url?: string } }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function driverOf(server: TestServer): Promise<{ participant: Participant; token: string }> {
  await server.services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
  const participant = await enrollDriver(server.services, 'alectra');
  const signedIn = await server.services.accounts.signIn(
    { email: participant.email, password: 'fixture password 123' },
    '127.0.0.1',
  );
  return { participant, token: signedIn.token };
}

describe('share links and mail links without PUBLIC_URL (PORT=0, as tests start)', () => {
  let server: TestServer;
  let mailDir: string;
  let driver: Awaited<ReturnType<typeof driverOf>>;

  beforeAll(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-share-mail-'));
    server = await startTestServer({ database: 'pglite', mqtt: 'off', env: { JOBS: 'false', MAIL_DIR: mailDir } });
    driver = await driverOf(server);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it('starts a share link with the address the driver reached the server at', async () => {
    const reached = await makeShare(server, driver.token, driver.participant.vehicleId);
    expect(reached.status).toBe(201);
    expect(reached.json.url).toMatch(new RegExp(`^${server.url.replace(/\./g, '\\.')}/shared/[\\w-]{16,}$`));
    // It opens there, as copied.
    const opened = await fetch(reached.json.url!.replace('/shared/', '/api/v1/shared/'));
    expect(opened.status).toBe(200);

    const renamed = await makeShare(server, driver.token, driver.participant.vehicleId, { host: 'car.home.arpa:8443' });
    expect(renamed.json.url).toMatch(/^http:\/\/car\.home\.arpa:8443\/shared\//);
  });

  it('ignores X-Forwarded-Host and -Proto from a proxy it does not trust', async () => {
    const forged = await makeShare(server, driver.token, driver.participant.vehicleId, {
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    });
    expect(forged.json.url?.startsWith(`${server.url}/shared/`)).toBe(true);
  });

  it('falls back to the bound address when the Host is not a plain host', async () => {
    const odd = await makeShare(server, driver.token, driver.participant.vehicleId, { host: 'evil.example@x' });
    expect(odd.json.url?.startsWith(`http://localhost:${server.port}/shared/`)).toBe(true);
  });

  it('writes mail links with the port the server actually bound, not 8080', async () => {
    const answer = await fetch(`${server.url}/api/v1/auth/password-reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: driver.participant.email }),
    });
    expect(answer.status).toBe(202);
    await expect
      .poll(async () =>
        (await readTestMail(mailDir))
          .filter((m) => m.to.includes(driver.participant.email))
          .map((m) => m.text)
          .join('\n'),
      )
      .toContain(`http://localhost:${server.port}/reset-password?token=`);
    expect(server.port).not.toBe(8080);
  });
});

describe('share links behind a trusted proxy, and with PUBLIC_URL set', () => {
  let proxied: TestServer;
  let fixed: TestServer;

  beforeAll(async () => {
    [proxied, fixed] = await Promise.all([
      startTestServer({ database: 'pglite', mqtt: 'off', env: { JOBS: 'false', TRUST_PROXY: '127.0.0.1' } }),
      startTestServer({
        database: 'pglite',
        mqtt: 'off',
        env: { JOBS: 'false', PUBLIC_URL: 'https://ev.example.com' },
      }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await proxied?.stop();
    await fixed?.stop();
  });

  it('follows X-Forwarded-Host and -Proto from the trusted proxy', async () => {
    const driver = await driverOf(proxied);
    const made = await makeShare(proxied, driver.token, driver.participant.vehicleId, {
      'x-forwarded-host': 'ev.utility.example',
      'x-forwarded-proto': 'https',
    });
    expect(made.json.url).toMatch(/^https:\/\/ev\.utility\.example\/shared\/[\w-]{16,}$/);
  });

  it('uses PUBLIC_URL, when set, whatever address the request came in at', async () => {
    const driver = await driverOf(fixed);
    const made = await makeShare(fixed, driver.token, driver.participant.vehicleId);
    expect(made.json.url).toMatch(/^https:\/\/ev\.example\.com\/shared\/[\w-]{16,}$/);
  });
});
