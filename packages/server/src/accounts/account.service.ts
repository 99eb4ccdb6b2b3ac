/**
 * Accounts: sign-up, sign-in with sessions kept in the database, password reset by a one-time
 * token, and staff accounts made by operators. Answers never tell whether an address has an
 * account (sign-up, sign-in and reset answer alike, and take alike long: a reset does its work
 * after the answer); password checks are throttled per (address, client), per client and per
 * address across every server process (sign-in-throttle.ts), each counted before it is made.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { requireOperator, type Actor } from '../actor.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import { displayUnitsOf, programCountryOf } from '../programs/index.js';
import { parseInput } from '../validation.js';
import {
  ACCOUNT_ROLES,
  consumePasswordReset,
  countRecentFailures,
  countRecentResets,
  deleteAccountSessions,
  deleteOtherSessions,
  deleteExpiredSessions,
  deleteLoginAttemptsBefore,
  deleteSession,
  expirePasswordResets,
  findAccountByEmailKey,
  findAccountById,
  findSessionAccount,
  insertAccount,
  insertLoginAttempt,
  insertPasswordReset,
  insertSession,
  listAccounts,
  lockSignInKeys,
  markLoginAttemptOk,
  replacePasswordHash,
  updatePasswordHash,
  updatePreferences,
  DISTANCE_UNITS,
  TEMPERATURE_UNITS,
  type AccountRole,
  type DistanceUnit,
  type TemperatureUnit,
  type AccountRow,
} from './account.repository.js';
import { AfterAnswerQueue } from './after-answer.js';
import { clientKeyOf } from './client-key.js';
import {
  decoyHash,
  DEFAULT_PASSWORD_COST,
  hashPassword,
  needsRehash,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
  type PasswordCost,
} from './password.js';
import { KNOWN_CLIENT_MS, LOGIN_WINDOW_MS, signInRefusal } from './sign-in-throttle.js';

export const RESET_TOKEN_TTL_MS = 60 * 60_000;
export const RESETS_PER_HOUR = 3;
/** Invitations (staff accounts made by an operator) give longer to set a password. */
const INVITE_TOKEN_TTL_MS = 7 * 86_400_000;

export interface Account {
  readonly id: number;
  readonly email: string;
  readonly name: string;
  readonly role: AccountRole;
  readonly utility: string | null;
  readonly createdAt: Date;
  /** Display units the person chose, or else their program's (storage is always metric). */
  readonly preferences: { readonly distanceUnit: DistanceUnit; readonly temperatureUnit: TemperatureUnit };
}

export interface SignedIn {
  /** The session token: send it as "Authorization: Bearer <token>" (the web app gets it as a cookie). */
  readonly token: string;
  readonly expiresAt: Date;
  readonly account: Account;
}

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'expected an email address, like name@example.com' }));
const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `a password has at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `a password has at most ${PASSWORD_MAX_LENGTH} characters`);
const name = z.string().trim().min(1, 'a name is needed').max(120);

export const ZSignUpSchema = z.strictObject({ email, name, password });
export const ZSignInSchema = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().max(PASSWORD_MAX_LENGTH),
});
export const ZResetRequestSchema = z.strictObject({ email: z.string().trim().min(1).max(254) });
export const ZResetPasswordSchema = z.strictObject({ token: z.string().trim().min(10).max(200), password });
export const ZPreferencesSchema = z.strictObject({
  distanceUnit: z.enum(DISTANCE_UNITS).optional(),
  temperatureUnit: z.enum(TEMPERATURE_UNITS).optional(),
});
export const ZChangePasswordSchema = z.strictObject({ currentPassword: z.string().max(PASSWORD_MAX_LENGTH), password });
export const ZCreateAccountSchema = z
  .strictObject({
    email,
    name,
    role: z.enum(ACCOUNT_ROLES),
    utility: z.string().trim().min(1).max(120).optional(),
    /** Unset: the account is sent an invitation to choose its own password. */
    password: password.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.role === 'program_admin' && !value.utility) {
      ctx.addIssue({
        code: 'custom',
        path: ['utility'],
        message: 'a program administrator belongs to a utility: name it',
      });
    }
    if (value.role !== 'program_admin' && value.utility) {
      ctx.addIssue({ code: 'custom', path: ['utility'], message: 'only program administrators belong to a utility' });
    }
  });

export function emailKeyOf(address: string): string {
  return address.trim().toLowerCase();
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    utility: row.utility,
    createdAt: row.createdAt,
    preferences: unitsOf(row),
  };
}

/** The units chosen, or else those of the program's country (metric when there is no program yet). */
function unitsOf(row: AccountRow): Account['preferences'] {
  const fallback = displayUnitsOf(
    programCountryOf({
      eligibility: { ...(row.programHomeCountry ? { homeCountry: row.programHomeCountry } : {}) },
      ...(row.programCurrency ? { currency: row.programCurrency } : {}),
    }),
  );
  return {
    distanceUnit: row.distanceUnit ?? fallback.distanceUnit,
    temperatureUnit: row.temperatureUnit ?? fallback.temperatureUnit,
  };
}

export function actorOf(row: AccountRow): Actor {
  switch (row.role) {
    case 'driver':
      return { kind: 'driver', accountId: row.id };
    case 'program_admin':
      return { kind: 'program_admin', accountId: row.id, utility: row.utility! };
    case 'operator':
      return { kind: 'operator', via: 'session', accountId: row.id };
  }
}

function tokenHash(token: string): Uint8Array {
  return createHash('sha256').update(token).digest();
}

export interface AccountSettings {
  readonly sessionTtlDays: number;
  /** Base URL of the web app, for links in mail. */
  readonly publicUrl: string;
  /** scrypt cost for new hashes (default OWASP's minimum; tests pass a lower one to stay quick). */
  readonly passwordCost?: PasswordCost;
}

/** Who changes a password: from which client, and through which session (kept signed in). */
export interface PasswordChangeContext {
  readonly clientIp: string;
  readonly sessionToken?: string;
}

export class AccountService {
  private readonly cost: PasswordCost;
  private readonly afterAnswer: AfterAnswerQueue;

  constructor(
    private readonly db: Database,
    private readonly mailer: Mailer,
    private readonly settings: AccountSettings,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.cost = settings.passwordCost ?? DEFAULT_PASSWORD_COST;
    this.afterAnswer = new AfterAnswerQueue(log);
  }

  /** Resolves when the work queued after earlier answers (reset mail) is done. */
  settled(): Promise<void> {
    return this.afterAnswer.settled();
  }

  /** Refuses new reset requests and waits for the queued ones: their mail goes out before the database closes. */
  close(): Promise<void> {
    return this.afterAnswer.close();
  }

  /**
   * Makes a driver account. The answer is the same whether or not the address had one: the
   * owner of an existing account is told by mail instead (and keeps their password).
   */
  async signUp(input: z.input<typeof ZSignUpSchema>): Promise<{ readonly message: string }> {
    const value = parseInput(ZSignUpSchema, input);
    const passwordHash = await hashPassword(value.password, this.cost);
    const created = await insertAccount(this.db, {
      email: value.email,
      emailKey: emailKeyOf(value.email),
      name: value.name,
      role: 'driver',
      utility: null,
      passwordHash,
    });
    if (created) {
      this.log.info({ account: created.id }, 'account created');
      await this.mail(value.email, 'Welcome to SmartCharge', [
        `Hello ${value.name},`,
        '',
        'Your SmartCharge account is ready. Sign in to apply to your utility’s program:',
        `${this.settings.publicUrl}/`,
      ]);
    } else {
      const existing = await findAccountByEmailKey(this.db, emailKeyOf(value.email));
      await this.mail(existing?.email ?? value.email, 'Someone tried to sign up with your address', [
        'Someone (perhaps you) tried to create a SmartCharge account with this address, which already has one.',
        'If it was you, sign in, or choose a new password here:',
        `${this.settings.publicUrl}/forgot-password`,
        'If it was not you, you can ignore this message.',
      ]);
    }
    return {
      message: 'If this address could be used, the account is ready: sign in with it. We have sent a message to it.',
    };
  }

  async signIn(input: z.input<typeof ZSignInSchema>, clientIp: string): Promise<SignedIn> {
    const value = parseInput(ZSignInSchema, input);
    const key = emailKeyOf(value.email);
    const now = this.clock();
    const attempt = await this.countPasswordCheck(key, clientIp, now);
    const account = await findAccountByEmailKey(this.db, key);
    // Unknown addresses are checked against a decoy, so both answers take as long.
    const ok = await verifyPassword(value.password, account?.passwordHash ?? (await decoyHash(this.cost)));
    const usable = ok && account !== undefined && account.disabledAt === null;
    if (!usable) throw new AppError('unauthenticated', 'The email or password is not right.');
    await markLoginAttemptOk(this.db, attempt);
    if (needsRehash(account.passwordHash, this.cost)) await this.rehash(account, value.password);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.settings.sessionTtlDays * 86_400_000);
    await insertSession(this.db, { tokenHash: tokenHash(token), accountId: account.id, createdAt: now, expiresAt });
    return { token, expiresAt, account: toAccount(account) };
  }

  async signOut(token: string): Promise<void> {
    await deleteSession(this.db, tokenHash(token));
  }

  /** The actor behind a session token, or undefined when the token is unknown, expired or its account disabled. */
  async authenticate(token: string): Promise<{ actor: Actor; account: Account } | undefined> {
    const row = await findSessionAccount(this.db, tokenHash(token), this.clock());
    return row ? { actor: actorOf(row), account: toAccount(row) } : undefined;
  }

  /**
   * Mails a one-time reset link if the address has an account; answers alike either way, and
   * before looking the address up: the lookup, the token and the mail happen after the answer, so
   * its timing says nothing about the address.
   */
  async requestPasswordReset(input: z.input<typeof ZResetRequestSchema>): Promise<{ readonly message: string }> {
    const value = parseInput(ZResetRequestSchema, input);
    this.afterAnswer.enqueue('password reset', () => this.sendResetLink(value.email));
    return { message: 'If the address has an account, a link to reset its password is on its way.' };
  }

  private async sendResetLink(address: string): Promise<void> {
    const account = await findAccountByEmailKey(this.db, emailKeyOf(address));
    if (!account || account.disabledAt !== null) return;
    const now = this.clock();
    const recent = await countRecentResets(this.db, account.id, new Date(now.getTime() - 3_600_000));
    if (recent >= RESETS_PER_HOUR) return;
    const token = await this.issueResetToken(account.id, RESET_TOKEN_TTL_MS);
    await this.mail(account.email, 'Reset your SmartCharge password', [
      'To choose a new password, open this link within the hour (it works once):',
      `${this.settings.publicUrl}/reset-password?token=${token}`,
      'If you did not ask for this, ignore this message: your password has not changed.',
    ]);
  }

  async resetPassword(input: z.input<typeof ZResetPasswordSchema>): Promise<{ readonly message: string }> {
    const value = parseInput(ZResetPasswordSchema, input);
    const passwordHash = await hashPassword(value.password, this.cost);
    await this.db.transaction(async (tx) => {
      const accountId = await consumePasswordReset(tx, tokenHash(value.token), this.clock());
      if (accountId === undefined) {
        throw new AppError(
          'invalid_input',
          'This reset link is not valid, has been used or has expired: ask for a new one.',
          {
            details: [{ field: 'token', message: 'not valid, used or expired' }],
          },
        );
      }
      await updatePasswordHash(tx, accountId, passwordHash);
      // A reset signs out everywhere: whoever knew the old password loses their session too.
      await deleteAccountSessions(tx, accountId);
      // And the other reset links mailed meanwhile stop working: whoever can read that mailbox
      // must not be able to undo the new password with an older link.
      await expirePasswordResets(tx, accountId, this.clock());
    });
    return { message: 'Your password has been changed. Sign in with the new one.' };
  }

  /**
   * Changes the password after checking the current one (a check counted like a sign-in), and
   * signs out every other session of the account: whoever knew the old password loses their way
   * in. The session that made the change stays signed in; older reset links stop working.
   */
  async changePassword(
    actor: Actor,
    input: z.input<typeof ZChangePasswordSchema>,
    context: PasswordChangeContext,
  ): Promise<void> {
    const account = await this.getAccountOf(actor);
    const value = parseInput(ZChangePasswordSchema, input);
    const key = emailKeyOf(account.email);
    const attempt = await this.countPasswordCheck(key, context.clientIp, this.clock());
    if (!(await verifyPassword(value.currentPassword, account.passwordHash))) {
      throw new AppError('invalid_input', 'The current password is not right.', {
        details: [{ field: 'currentPassword', message: 'not right' }],
      });
    }
    await markLoginAttemptOk(this.db, attempt);
    const passwordHash = await hashPassword(value.password, this.cost);
    const keep = context.sessionToken === undefined ? null : tokenHash(context.sessionToken);
    const ended = await this.db.transaction(async (tx) => {
      await updatePasswordHash(tx, account.id, passwordHash);
      const count = await deleteOtherSessions(tx, account.id, keep);
      await expirePasswordResets(tx, account.id, this.clock());
      return count;
    });
    this.log.info({ account: account.id, sessionsEnded: ended }, 'password changed');
  }

  async getMe(actor: Actor): Promise<Account> {
    return toAccount(await this.getAccountOf(actor));
  }

  /** Display units: kilometres or miles, °C or °F. */
  async setPreferences(actor: Actor, input: z.input<typeof ZPreferencesSchema>): Promise<Account> {
    const account = await this.getAccountOf(actor);
    const updated = await updatePreferences(this.db, account.id, parseInput(ZPreferencesSchema, input));
    if (!updated) throw new AppError('unauthenticated', 'Sign in first.');
    return toAccount(updated);
  }

  /** Operators make staff (and driver) accounts; without a password the account gets an invitation by mail. */
  async createAccount(actor: Actor, input: z.input<typeof ZCreateAccountSchema>): Promise<Account> {
    requireOperator(actor);
    const value = parseInput(ZCreateAccountSchema, input);
    const passwordHash = await hashPassword(value.password ?? randomBytes(24).toString('base64url'), this.cost);
    const created = await insertAccount(this.db, {
      email: value.email,
      emailKey: emailKeyOf(value.email),
      name: value.name,
      role: value.role,
      utility: value.utility ?? null,
      passwordHash,
    });
    // Operators may learn that an address is taken: they manage every account.
    if (!created) throw new AppError('conflict', `An account with the address ${value.email} already exists.`);
    if (!value.password) {
      const token = await this.issueResetToken(created.id, INVITE_TOKEN_TTL_MS);
      await this.mail(created.email, 'You have a SmartCharge account', [
        `Hello ${created.name},`,
        '',
        `A SmartCharge ${value.role === 'program_admin' ? `administrator account for ${value.utility}` : 'account'} has been made for you.`,
        'Choose your password here (the link works once, for seven days):',
        `${this.settings.publicUrl}/reset-password?token=${token}`,
      ]);
    }
    this.log.info({ account: created.id, role: created.role }, 'account created by an operator');
    return toAccount(created);
  }

  async getAccount(actor: Actor, id: number): Promise<Account> {
    if (actor.kind !== 'operator' && !('accountId' in actor && actor.accountId === id)) requireOperator(actor);
    const row = await findAccountById(this.db, id);
    if (!row) throw new AppError('not_found', `No account has id ${id}.`);
    return toAccount(row);
  }

  async listAccounts(
    actor: Actor,
    filter: { role?: AccountRole; utility?: string; afterId?: number; limit?: number } = {},
  ): Promise<Account[]> {
    requireOperator(actor);
    const rows = await listAccounts(this.db, { ...filter, limit: Math.min(filter.limit ?? 100, 1000) });
    return rows.map(toAccount);
  }

  /** Housekeeping for the scheduler: expired sessions and old sign-in attempts. */
  async purgeExpired(): Promise<{ sessions: number; attempts: number }> {
    const now = this.clock();
    const sessions = await deleteExpiredSessions(this.db, now);
    const attempts = await deleteLoginAttemptsBefore(this.db, new Date(now.getTime() - 30 * 86_400_000));
    return { sessions, attempts };
  }

  private async getAccountOf(actor: Actor): Promise<AccountRow> {
    const id =
      actor.kind === 'driver' || actor.kind === 'program_admin' || actor.kind === 'operator'
        ? actor.accountId
        : undefined;
    if (id === undefined) throw new AppError('unauthenticated', 'Sign in first.');
    const row = await findAccountById(this.db, id);
    if (!row) throw new AppError('unauthenticated', 'Sign in first.');
    return row;
  }

  /**
   * Counts a password check before it is made, in one step with the count it is allowed by
   * (lockSignInKeys): of 40 guesses sent at once, only the allowed number get checked. The check
   * counts as failed until markLoginAttemptOk; refused checks are not counted, so hammering a
   * throttled client does not spend the address's ceiling.
   */
  private async countPasswordCheck(emailKey: string, clientIp: string, now: Date): Promise<number> {
    const client = clientKeyOf(clientIp);
    return this.db.transaction(async (tx) => {
      await lockSignInKeys(tx, emailKey, client);
      const failures = await countRecentFailures(
        tx,
        emailKey,
        client,
        new Date(now.getTime() - LOGIN_WINDOW_MS),
        new Date(now.getTime() - KNOWN_CLIENT_MS),
      );
      const refusal = signInRefusal(failures, now);
      if (refusal) {
        this.log.warn({ client, failures }, 'password check throttled');
        throw new AppError('rate_limited', refusal.message, { retryAfterS: refusal.retryAfterS });
      }
      return insertLoginAttempt(tx, { emailKey, ip: client, at: now, ok: false });
    });
  }

  /** Hashes a password that just verified again at the current cost (an older, cheaper hash). */
  private async rehash(account: AccountRow, password: string): Promise<void> {
    const upgraded = await hashPassword(password, this.cost);
    if (await replacePasswordHash(this.db, account.id, account.passwordHash, upgraded)) {
      this.log.info({ account: account.id }, 'password hash upgraded to the current cost');
    }
  }

  private async issueResetToken(accountId: number, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock();
    await insertPasswordReset(this.db, {
      tokenHash: tokenHash(token),
      accountId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlMs),
    });
    return token;
  }

  private async mail(to: string, subject: string, lines: readonly string[]): Promise<void> {
    try {
      await this.mailer.send({ to, subject, text: `${lines.join('\n')}\n\n— SmartCharge\n` });
    } catch (error) {
      // Mail trouble must not undo an account change; the log says so (without the body).
      this.log.error({ err: error, to, subject }, 'could not send mail');
    }
  }
}
