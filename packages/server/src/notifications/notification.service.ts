/**
 * Notifications: what the platform tells a participant (decisions, shipments, reminders,
 * payouts). Each is kept (the portal lists them) and mailed; a dedupe key makes a reminder job
 * that runs twice notify once. Mail that fails is retried by the `mail-retry` job.
 */
import { accountIdOf, type Actor } from '../actor.js';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import {
  findAccountEmail,
  insertNotification,
  listNotifications,
  listUnsent,
  markRead,
  markSent,
  type NotificationRow,
} from './notification.repository.js';

export type Notification = NotificationRow;

export interface NotifyInput {
  readonly accountId: number;
  readonly kind: string;
  readonly subject: string;
  readonly body: string;
  /** Same key, same notification: later calls do nothing. */
  readonly dedupeKey?: string;
  /** false: kept for the portal only (the participant asked for no mail); nothing is mailed, now or on retry. */
  readonly mail?: boolean;
}

export class NotificationService {
  constructor(
    private readonly db: Queryable,
    private readonly mailer: Mailer,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Records a notification (inside the caller's transaction when `tx` is given) and returns a
   * function that mails it: call that after the transaction commits.
   */
  async notify(input: NotifyInput, tx: Queryable = this.db): Promise<() => Promise<void>> {
    const row = await insertNotification(tx, {
      accountId: input.accountId,
      kind: input.kind,
      dedupeKey: input.dedupeKey ?? null,
      subject: input.subject,
      body: input.body,
      at: this.clock(),
    });
    if (!row) return async () => {};
    if (input.mail === false) {
      // No mail is owed: marked as done so that the mail-retry job leaves it alone.
      await markSent(tx, row.id, row.createdAt);
      return async () => {};
    }
    return async () => {
      const email = await findAccountEmail(this.db, row.accountId);
      if (email) await this.deliver(row, email);
    };
  }

  async listMine(actor: Actor, limit = 50): Promise<Notification[]> {
    const accountId = accountIdOf(actor);
    if (accountId === undefined) throw new AppError('unauthenticated', 'Sign in to see your notifications.');
    return listNotifications(this.db, accountId, Math.min(limit, 200));
  }

  async markRead(actor: Actor, id: number): Promise<void> {
    const accountId = accountIdOf(actor);
    if (accountId === undefined) throw new AppError('unauthenticated', 'Sign in to see your notifications.');
    if (!(await markRead(this.db, accountId, id, this.clock()))) {
      throw new AppError('not_found', `You have no notification with id ${id}.`);
    }
  }

  /** Mails what has not gone out yet (the mailer was down). */
  async retryUnsent(limit = 200): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    for (const row of await listUnsent(this.db, limit)) {
      if (await this.deliver(row, row.email)) sent += 1;
      else failed += 1;
    }
    return { sent, failed };
  }

  private async deliver(row: NotificationRow, email: string): Promise<boolean> {
    try {
      await this.mailer.send({ to: email, subject: row.subject, text: `${row.body}\n\n— SmartCharge\n` });
      await markSent(this.db, row.id, this.clock());
      return true;
    } catch (error) {
      this.log.warn({ err: error, notification: row.id }, 'could not mail a notification; it will be retried');
      return false;
    }
  }
}
