/**
 * Password reset end to end, over HTTP, on PGlite and on PostgreSQL: the link arrives by mail
 * (read from MAIL_DIR as the .eml a mail client would get), works once and for an hour, ends every
 * session and every older link, and asking for one tells nothing about whether an address has an
 * account. The platform's clock is moved by the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachKind } from './support/databases.js';
import { apiCaller } from './support/http.js';
import { mailTo, readTestMail } from './support/mail.js';
import { startTestServer, type TestServer } from './support/servers.js';

const T0 = Date.UTC(2026, 2, 2, 15);
const MINUTE = 60_000;

describeEachKind('password reset over HTTP', (kind) => {
  let nowMs = T0;
  let server: TestServer;
  let mailDir: string;

  beforeAll(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-reset-mail-'));
    server = await startTestServer({
      database: kind,
      mqtt: 'off',
      clock: () => new Date(nowMs),
      env: { MAIL_DIR: mailDir, JOBS: 'false', LOG_LEVEL: process.env.E2E_LOG ?? 'silent' },
    });
  });
  afterAll(async () => {
    await server?.stop();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  const call = apiCaller(() => server.url);
  const signIn = (email: string, password: string) => call('POST', '/auth/signin', undefined, { email, password });
  /** Asks for a link; the server mails it after answering, so this waits for that work too. */
  const requestReset = async (email: string) => {
    const answer = await call('POST', '/auth/password-reset', undefined, { email });
    await server.services.accounts.settled();
    return answer;
  };
  const complete = (token: string, password: string) =>
    call('POST', '/auth/password-reset/complete', undefined, { token, password });
  /** Reset mails to the address, oldest first, with the token of the link each carries. */
  const resetMails = async (email: string) =>
    (await mailTo(mailDir, email))
      .filter((mail) => mail.subject === 'Reset your SmartCharge password')
      .map((mail) => {
        const token = /\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
        if (!token) throw new Error(`no reset link in ${mail.file}:\n${mail.text}`);
        return { ...mail, token };
      });

  const email = 'robin@example.com';
  let password = 'the first long password';
  let sessions: string[] = [];

  it('answers an address without an account exactly as one with an account, and mails only the account', async () => {
    const signedUp = await call('POST', '/auth/signup', undefined, { email, name: 'Robin', password });
    expect(signedUp.status).toBe(202);
    for (let i = 0; i < 2; i++) {
      const answer = await signIn(email, password);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      sessions.push(answer.body.token as string);
    }
    expect((await call('GET', '/auth/me', sessions[0])).body.email).toBe(email);

    const known = await requestReset('  Robin@Example.com ');
    const unknown = await requestReset('nobody-here@example.com');
    expect(known.status).toBe(202);
    expect(unknown).toEqual(known);
    expect(JSON.stringify(known.body)).not.toMatch(/token/i);

    expect(await resetMails(email)).toHaveLength(1);
    expect(await mailTo(mailDir, 'nobody-here@example.com')).toEqual([]);
  });

  it('sets the new password with the token from the mail: the new one works, the old one and every session do not', async () => {
    const [mail] = await resetMails(email);
    // The link names the port the server really listens on (the tests bind a free one).
    expect(mail!.text).toContain(`http://localhost:${new URL(server.url).port}/reset-password?token=`);
    expect(mail!.text).toMatch(/within the hour/);

    const done = await complete(mail!.token, 'a brand new long password');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.message).toMatch(/password has been changed/);

    for (const session of sessions) {
      const me = await call('GET', '/auth/me', session);
      expect(me.status).toBe(401);
      expect(me.body.error?.message).toMatch(/session has ended/);
    }
    const old = await signIn(email, password);
    expect(old.status).toBe(401);
    password = 'a brand new long password';
    const fresh = await signIn(email, password);
    expect(fresh.status).toBe(200);
    sessions = [fresh.body.token as string];
    expect((await call('GET', '/auth/me', sessions[0])).status).toBe(200);
  });

  it('refuses a token a second time, and older links once a newer one was used', async () => {
    const [used] = await resetMails(email);
    const again = await complete(used!.token, 'yet another long password');
    expect(again.status).toBe(400);
    expect(again.body.error?.message).toMatch(/not valid, has been used or has expired/);
    expect(again.body.error?.details).toEqual([{ field: 'token', message: 'not valid, used or expired' }]);

    // Beyond the hour of the first request, so the rate limit (3 an hour) has room for two more.
    nowMs += 61 * MINUTE;
    await requestReset(email);
    nowMs += MINUTE;
    await requestReset(email);
    const [, older, newer] = await resetMails(email);
    expect(older!.token).not.toBe(newer!.token);
    expect((await complete(newer!.token, 'the third long password')).status).toBe(200);
    expect((await complete(older!.token, 'an attacker password here')).status).toBe(400);
    expect((await signIn(email, 'an attacker password here')).status).toBe(401);
    password = 'the third long password';
    expect((await signIn(email, password)).status).toBe(200);
  });

  it('lets a link lapse after an hour', async () => {
    nowMs += 2 * 60 * MINUTE;
    await requestReset(email);
    const latest = (await resetMails(email)).at(-1)!;
    nowMs += 61 * MINUTE;
    const late = await complete(latest.token, 'too late a password');
    expect(late.status).toBe(400);
    expect((await signIn(email, password)).status).toBe(200);
  });

  it('mails at most three links an hour, answering every request alike', async () => {
    nowMs += 2 * 60 * MINUTE;
    const before = (await resetMails(email)).length;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await requestReset(email));
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toHaveProperty('size', 1);
    expect((await resetMails(email)).length - before).toBe(3);
    // Every message went to the one account: nothing was written for the unknown address.
    expect((await readTestMail(mailDir)).every((mail) => mail.to.includes(email))).toBe(true);
  });
});
