/**
 * Work done after the answer: one task at a time, in order, at most `maxPending` waiting. A
 * caller's answer then costs the same whatever the work turns out to be (a password reset for an
 * address with an account mails a link, one without does nothing, and neither may be told apart by
 * how long the answer took). close() refuses new work and waits for what was accepted, so stopping
 * the server does not drop a queued mail.
 */
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

export class AfterAnswerQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly maxPending = 1000,
  ) {}

  /** Queues `task`; throws (the same for every caller) when the queue is full or closed. */
  enqueue(what: string, task: () => Promise<void>): void {
    if (this.closed) throw new AppError('unavailable', 'The server is shutting down; try again in a minute.');
    if (this.pending >= this.maxPending) {
      throw new AppError('rate_limited', 'Too many requests are waiting; try again in a minute.', { retryAfterS: 60 });
    }
    this.pending += 1;
    this.tail = this.tail
      // Not before the caller's answer is on its way: the reply is written in the microtasks after
      // the handler returns, setImmediate runs after them.
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(task)
      .catch((error: unknown) => this.log.error({ err: error, task: what }, 'work after the answer failed'))
      .finally(() => {
        this.pending -= 1;
      });
  }

  /** Resolves when every task queued so far has run. */
  settled(): Promise<void> {
    return this.tail;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }
}
