/**
 * Accounts under attack, on PGlite and on PostgreSQL, through the account service: parallel
 * guesses are counted before any is verified, a throttled client does not lock the owner out from
 * elsewhere, a password change or reset ends the other sessions, a password reset answers before
 * any work is done (for every address alike) and its mail still goes out, and hashes made with a
 * lower scrypt cost are upgraded on the next sign-in.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AccountService, type AccountSettings } from '../src/accounts/index.js';
import { DEFAULT_PASSWORD_COST, hashPassword } from '../src/accounts/password.js';
import type { Database, Queryable } from '../src/db/database.js';
import { AppError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import type { Mailer, MailMessage } from '../src/mail/mailer.js';
import { TEST_PASSWORD_COST } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';

const NOW = new Date(Date.UTC(2026, 2, 2, 15));
const SETTINGS: AccountSettings = {
  sessionTtlDays: 30,
  publicUrl: 'http://localhost:8080',
  passwordCost: TEST_PASSWORD_COST,
};
const PASSWORD = 'the owner long password';

/** A mailer that keeps what it sends, and holds each send until `release()` when gated. */
function recordingMailer(gated = false) {
  const sent: MailMessage[] = [];
  let open: () => void = () => {};
  const gate = gated ? new Promise<void>((resolve) => (open = resolve)) : Promise.resolve();
  let calls = 0;
  const mailer: Mailer = {
    description: 'test mailer',
    async send(message) {
      calls += 1;
      await gate;
      sent.push(message);
    },
  };
  return { mailer, sent, release: () => open(), calls: () => calls };
}

/** The database, counting the statements sent through it (inside transactions too). */
function countingDatabase(db: Database) {
  let count = 0;
  const wrap = (q: Queryable): Queryable => ({
    query: (text, params) => {
      count += 1;
      return q.query(text, params);
    },
    exec: (text) => {
      count += 1;
      return q.exec(text);
    },
  });
  const counted: Database = {
    ...wrap(db),
    kind: db.kind,
    description: db.description,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
  return { db: counted, count: () => count };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describeEachDatabase('accounts under attack', (setup) => {
  let accounts: AccountService;
  let mail: ReturnType<typeof recordingMailer>;
  let counter = 0;
  /** A fresh driver account (unique address) with PASSWORD. */
  const newAccount = async (service = accounts) => {
    counter += 1;
    const email = `owner-${counter}-${Date.now()}@example.com`;
    await service.signUp({ email, name: 'Owner', password: PASSWORD });
    return email;
  };

  beforeAll(() => {
    mail = recordingMailer();
    accounts = new AccountService(setup().db, mail.mailer, SETTINGS, createLogger('silent'), () => NOW);
  });

  describe('sign-in throttling', () => {
    it('verifies at most five of 40 parallel wrong passwords for one address from one client', async () => {
      const email = await newAccount();
      const codes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          codeOf(accounts.signIn({ email, password: `wrong guess ${i}` }, '198.51.100.7')),
        ),
      );
      const verified = codes.filter((code) => code === 'unauthenticated').length;
      expect(verified).toBeGreaterThanOrEqual(1);
      expect(verified).toBeLessThanOrEqual(5);
      expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(40 - verified);
      // Even the right password is not tried from that client now.
      expect(await codeOf(accounts.signIn({ email, password: PASSWORD }, '198.51.100.7'))).toBe('rate_limited');
    });

    it('throttles the failing client with a retry-after, and lets the owner in from another', async () => {
      const email = await newAccount();
      for (let i = 0; i < 5; i++) {
        expect(await codeOf(accounts.signIn({ email, password: `guess ${i}` }, '203.0.113.10'))).toBe(
          'unauthenticated',
        );
      }
      const refused = await appErrorOf(accounts.signIn({ email, password: 'guess 6' }, '203.0.113.10'));
      expect(refused.code).toBe('rate_limited');
      expect(refused.message).toMatch(/Too many failed sign-ins/);
      expect(refused.retryAfterS).toBeGreaterThan(0);
      expect(refused.retryAfterS).toBeLessThanOrEqual(15 * 60);

      const owner = await accounts.signIn({ email, password: PASSWORD }, '192.0.2.44');
      expect(owner.account.email).toBe(email);
    });

    it('counts an IPv6 client by its /64, so a new address in the same network is the same client', async () => {
      const email = await newAccount();
      for (let i = 0; i < 5; i++) {
        expect(await codeOf(accounts.signIn({ email, password: `guess ${i}` }, `2001:db8:1:2::${i + 1}`))).toBe(
          'unauthenticated',
        );
      }
      expect(await codeOf(accounts.signIn({ email, password: 'guess' }, '2001:db8:1:2:ffff::9'))).toBe('rate_limited');
      expect(await codeOf(accounts.signIn({ email, password: PASSWORD }, '2001:db8:1:3::1'))).toBe('ok');
    });

    it('caps guesses spread over many clients per address, yet lets in a client that signed in there before', async () => {
      const email = await newAccount();
      await accounts.signIn({ email, password: PASSWORD }, '192.0.2.200');
      // 20 networks, five guesses each: 100, the per-address ceiling.
      for (let net = 0; net < 20; net++) {
        const codes = await Promise.all(
          Array.from({ length: 5 }, (_, i) => codeOf(accounts.signIn({ email, password: `g${i}` }, `10.9.${net}.1`))),
        );
        expect(codes).toEqual(Array(5).fill('unauthenticated'));
      }
      const fresh = await appErrorOf(accounts.signIn({ email, password: PASSWORD }, '10.200.0.1'));
      expect(fresh.message).toMatch(/^Too many failed sign-ins for this address;/);
      expect(await codeOf(accounts.signIn({ email, password: PASSWORD }, '192.0.2.200'))).toBe('ok');
    });

    it('throttles guesses at the current password of a password change like sign-ins', async () => {
      const email = await newAccount();
      const { token } = await accounts.signIn({ email, password: PASSWORD }, '198.51.100.20');
      const found = await accounts.authenticate(token);
      const change = (currentPassword: string) =>
        accounts.changePassword(
          found!.actor,
          { currentPassword, password: 'a new long password' },
          {
            clientIp: '198.51.100.20',
            sessionToken: token,
          },
        );
      for (let i = 0; i < 5; i++) expect(await codeOf(change(`guess ${i}`))).toBe('invalid_input');
      expect(await codeOf(change(PASSWORD))).toBe('rate_limited');
    });
  });

  describe('sessions', () => {
    it('a password change ends every other session of the account and keeps the one that made it', async () => {
      const email = await newAccount();
      const other = await newAccount();
      const sessions = await Promise.all(
        ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((ip) => accounts.signIn({ email, password: PASSWORD }, ip)),
      );
      const someoneElse = await accounts.signIn({ email: other, password: PASSWORD }, '192.0.2.4');
      const [current, ...rest] = sessions.map((s) => s.token);
      const actor = (await accounts.authenticate(current!))!.actor;

      await accounts.changePassword(
        actor,
        { currentPassword: PASSWORD, password: 'a brand new long password' },
        { clientIp: '192.0.2.1', sessionToken: current! },
      );

      expect(await accounts.authenticate(current!)).toBeDefined();
      for (const token of rest) expect(await accounts.authenticate(token)).toBeUndefined();
      expect(await accounts.authenticate(someoneElse.token)).toBeDefined();
      expect(await codeOf(accounts.signIn({ email, password: 'a brand new long password' }, '192.0.2.5'))).toBe('ok');
    });

    it('a password reset ends every session of the account', async () => {
      const email = await newAccount();
      const sessions = await Promise.all(
        ['192.0.2.11', '192.0.2.12'].map((ip) => accounts.signIn({ email, password: PASSWORD }, ip)),
      );
      await accounts.requestPasswordReset({ email });
      await accounts.settled();
      const link = mail.sent.filter((m) => m.to === email).at(-1)?.text;
      const token = /\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(link ?? '')?.[1];
      expect(token).toBeDefined();
      await accounts.resetPassword({ token: token!, password: 'a reset long password' });
      for (const session of sessions) expect(await accounts.authenticate(session.token)).toBeUndefined();
    });
  });

  describe('password reset requests', () => {
    it('answers before the mail is sent, and sends it afterwards', async () => {
      const email = await newAccount();
      const gated = recordingMailer(true);
      const service = new AccountService(setup().db, gated.mailer, SETTINGS, createLogger('silent'), () => NOW);
      const answer = await within(service.requestPasswordReset({ email }), 5_000);
      expect(answer).toEqual({ message: 'If the address has an account, a link to reset its password is on its way.' });
      expect(gated.sent).toEqual([]);

      gated.release();
      await service.settled();
      expect(gated.sent.map((m) => [m.to, m.subject])).toEqual([[email, 'Reset your SmartCharge password']]);
    });

    it('runs the same awaited code for a known and an unknown address: no statement before the answer', async () => {
      const email = await newAccount();
      const counted = countingDatabase(setup().db);
      const service = new AccountService(counted.db, mail.mailer, SETTINGS, createLogger('silent'), () => NOW);
      const statementsAwaited = async (address: string) => {
        await service.settled();
        const before = counted.count();
        await service.requestPasswordReset({ email: address });
        const during = counted.count() - before;
        await service.settled();
        return { during, after: counted.count() - before };
      };
      const known = await statementsAwaited(email);
      const unknown = await statementsAwaited(`nobody-${Date.now()}@example.com`);
      expect(known.during).toBe(0);
      expect(unknown.during).toBe(0);
      // The work itself was done, after the answer: more of it for the address with an account.
      expect(known.after).toBeGreaterThan(unknown.after);
      expect(unknown.after).toBeGreaterThan(0);
    });

    it('does not lose a queued reset mail when the service closes', async () => {
      const email = await newAccount();
      const gated = recordingMailer(true);
      const service = new AccountService(setup().db, gated.mailer, SETTINGS, createLogger('silent'), () => NOW);
      await service.requestPasswordReset({ email });
      const closed = service.close();
      setTimeout(gated.release, 50);
      await closed;
      expect(gated.sent.map((m) => m.to)).toEqual([email]);
      expect(await codeOf(service.requestPasswordReset({ email }))).toBe('unavailable');
    });
  });

  describe('password hashing cost', () => {
    it('defaults to OWASP scrypt (N=2^17, r=8, p=1) and upgrades a 2^15 hash on the next sign-in', async () => {
      expect(DEFAULT_PASSWORD_COST).toEqual({ costLog2: 17, blockSize: 8, parallelism: 1 });
      const { db } = setup();
      const old = { costLog2: 15, blockSize: 8, parallelism: 1 };
      const before = new AccountService(db, mail.mailer, { ...SETTINGS, passwordCost: old }, createLogger('silent'));
      const email = await newAccount(before);
      const storedHash = async () =>
        (await db.query<{ h: string }>(`SELECT password_hash AS h FROM account WHERE email = $1`, [email])).rows[0]!.h;
      expect(await storedHash()).toMatch(/^scrypt\$15\$8\$1\$/);
      expect(await hashPassword('x', old)).toMatch(/^scrypt\$15\$8\$1\$/);

      const { passwordCost: _fast, ...production } = SETTINGS;
      const current = new AccountService(db, mail.mailer, production, createLogger('silent'));
      await current.signIn({ email, password: PASSWORD }, '192.0.2.50');
      expect(await storedHash()).toMatch(/^scrypt\$17\$8\$1\$/);
      // The upgraded hash still takes the same password, and only it.
      expect(await codeOf(current.signIn({ email, password: PASSWORD }, '192.0.2.50'))).toBe('ok');
      expect(await codeOf(current.signIn({ email, password: 'not the password' }, '192.0.2.50'))).toBe(
        'unauthenticated',
      );
    });
  });
});
