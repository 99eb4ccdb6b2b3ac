/**
 * Rewards: evaluates each program's reward rules over the facts (installs, first data, charging
 * sessions) and appends what was earned to the ledger; administrators' adjustments; balances.
 * Evaluation is idempotent: the ledger's unique keys make a run that repeats, or two at once,
 * pay once. Nothing earned is taken back when facts change later; corrections are adjustments.
 */
import { z } from 'zod';
import { requireStaff, type Actor } from '../actor.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { compileProgram, programSettings, type Program, type ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import type { EnrollmentService } from '../enrollment/index.js';
import { listBatchPeriods, listItemsOfEnrollment, nextPayoutOf } from '../payouts/index.js';
import { buildRewardsView, type RewardsView } from './rewards-view.js';
import { evaluateRewards, type EventFact, type SessionFact, type SlotFacts } from './evaluate.js';
import {
  findRecordedStart,
  insertEntry,
  insertReward,
  listBalances,
  listChargingStretches,
  listDeviceMilestones,
  listEntries,
  listEventFacts,
  listProgramSlotRows,
  listStartBonusEnrollments,
  listSessionFacts,
  lockEnrollment,
  sumBalance,
  type BalanceRow,
  type LedgerEntryRow,
  type SlotRow,
} from './ledger.repository.js';

export const ZAdjustmentSchema = z.strictObject({
  points: z
    .number()
    .int('points are whole numbers')
    .refine((n) => n !== 0, 'an adjustment of 0 points changes nothing')
    .refine((n) => Math.abs(n) <= 100_000_000, 'at most 100,000,000 points at once'),
  reason: z.string().trim().min(3, 'say why: the participant sees the reason').max(500),
});

export interface ProgramEvaluation {
  readonly program: string;
  readonly slots: number;
  readonly entitlements: number;
  /** New ledger entries: entitlements already in the ledger are not added again. */
  readonly added: number;
  readonly points: number;
}

export interface Balance extends BalanceRow {
  /** The balance in the program's currency, rounded down to the cent. */
  readonly balanceMoney: string;
}

export function moneyOf(points: number, program: Pick<Program, 'pointsPerUnit' | 'currency'>): string {
  const cents = Math.floor((points * 100) / program.pointsPerUnit);
  return `${(cents / 100).toFixed(2)} ${program.currency}`;
}

export class RewardService {
  constructor(
    private readonly db: Database,
    private readonly programs: ProgramService,
    private readonly enrollment: EnrollmentService,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
    /** Whether this server can pay by PayPal (PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are set). */
    private readonly payments: { readonly paypalReady: boolean } = { paypalReady: true },
  ) {}

  /** Evaluates every program's rules as of now (the scheduled job). */
  async evaluateAll(asOf: Date = this.clock()): Promise<ProgramEvaluation[]> {
    this.refuseFuture(asOf);
    const out: ProgramEvaluation[] = [];
    for (const program of await this.programs.listProgramsInternal()) {
      if (program.rewardRules.length === 0) continue;
      out.push(await this.evaluateProgramInternal(program, asOf));
    }
    return out;
  }

  async evaluateProgram(actor: Actor, programSlug: string, asOf: Date = this.clock()): Promise<ProgramEvaluation> {
    const program = await this.programs.getProgram(actor, programSlug);
    this.refuseFuture(asOf);
    return this.evaluateProgramInternal(program, asOf);
  }

  /**
   * The ledger is append-only: an evaluation as of a moment still to come would pay for good what
   * is not earned yet (a month not over, a year-end bonus months early). Only the past is evaluated.
   */
  private refuseFuture(asOf: Date): void {
    const now = this.clock();
    if (Number.isNaN(asOf.getTime())) {
      throw new AppError(
        'invalid_input',
        'asOf is not a valid date; send an ISO 8601 time such as 2026-05-01T00:00:00Z.',
      );
    }
    if (asOf.getTime() > now.getTime()) {
      throw new AppError(
        'invalid_input',
        `asOf ${asOf.toISOString()} is after the current time ${now.toISOString()}: ` +
          'rewards are evaluated only up to now, because what the ledger records cannot be taken back. Omit asOf to evaluate as of now.',
        { details: [{ field: 'asOf', message: `must not be after ${now.toISOString()}` }] },
      );
    }
  }

  private async evaluateProgramInternal(program: Program, asOf: Date): Promise<ProgramEvaluation> {
    const rows = await listProgramSlotRows(this.db, program.id);
    const slots = groupSlots(rows);
    const rules = compileProgram(programSettings(program));
    const startRule = program.rewardRules.find((r) => r.type === 'start_bonus');
    // Facts only some rules read: loaded only for programs that have such a rule.
    const readsEvents = program.rewardRules.some(
      (r) => r.type === 'event_participation' || r.type === 'event_kwh_shifted' || r.type === 'opt_out_budget',
    );
    const readsChargingTime = program.rewardRules.some((r) => r.type === 'off_peak_share');
    let entitlements = 0;
    let added = 0;
    let points = 0;
    // The start bonus is for joining, once: not again for a driver who left and joined again.
    const startsByAccount = new Map<number, Set<number>>();
    for (const s of await listStartBonusEnrollments(this.db, program.id)) {
      startsByAccount.set(s.accountId, (startsByAccount.get(s.accountId) ?? new Set()).add(s.enrollmentId));
    }
    for (const slot of slots) {
      const vehicleIds = [...new Set(slot.map((r) => r.vehicleId))];
      const milestones = await listDeviceMilestones(this.db, vehicleIds);
      const firstJoined = slot[0]!.joinedAt;
      const sessions = await listSessionFacts(this.db, vehicleIds, firstJoined);
      const stretches = new Map<string, [number, number][]>();
      if (readsChargingTime) {
        for (const g of await listChargingStretches(this.db, vehicleIds, firstJoined)) {
          const key = `${g.vehicleId}:${g.sessionPluggedAt.getTime()}`;
          const list = stretches.get(key) ?? [];
          list.push([g.startedAt.getTime(), g.endedAt.getTime()]);
          stretches.set(key, list);
        }
      }
      const events: EventFact[] = readsEvents ? await listEventFacts(this.db, program.id, slot[0]!.slotId) : [];
      const last = slot.at(-1)!;
      const endedAt = last.status === 'left' ? (last.endedAt ?? last.enrollmentLeftAt) : last.enrollmentLeftAt;
      const earliest = (values: (Date | null)[]) =>
        values.filter((v): v is Date => v !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
      // A device is active from its first record (devices context), not from when that record arrived.
      const installedAt = earliest(milestones.map((m) => m.installedAt));
      const activatedAt = earliest(milestones.map((m) => m.activatedAt));
      const facts: SlotFacts = {
        enrollmentId: last.enrollmentId,
        slotId: last.slotId,
        vehicles: slot.map((r, i) => ({
          vehicleId: r.vehicleId,
          from: r.joinedAt,
          to: i < slot.length - 1 ? (r.endedAt ?? slot[i + 1]!.joinedAt) : r.status === 'left' ? r.endedAt : null,
        })),
        installedAt,
        activatedAt,
        endedAt,
        sessions: sessions.map((s): SessionFact => ({
          vehicleId: s.vehicleId,
          pluggedAt: s.pluggedAt,
          unpluggedAt: s.unpluggedAt,
          wallWh: s.wallWh,
          inTerritory: s.inTerritory,
          hourly: s.hourly,
          // Charging time is the segments; a session that drew energy without any stored falls back to the time plugged in.
          ...chargingOf(stretches.get(`${s.vehicleId}:${s.pluggedAt.getTime()}`), readsChargingTime, s.wallWh),
        })),
        events,
      };
      const startedAt = startRule
        ? await findRecordedStart(this.db, last.enrollmentId, last.slotId, startRule.key)
        : null;
      const earned = evaluateRewards({
        rules: program.rewardRules,
        timeZone: program.timeZone,
        periodAt: (ms) => rules.periodAt(ms),
        asOf,
        slot: facts,
        startedAt,
      });
      const earlierStart = [...(startsByAccount.get(last.accountId) ?? [])].some((id) => id !== last.enrollmentId);
      const due = earlierStart ? earned.filter((e) => e.period !== 'start') : earned;
      entitlements += due.length;
      for (const e of due) {
        const inserted = await insertReward(this.db, {
          programId: program.id,
          enrollmentId: last.enrollmentId,
          vehicleId: e.vehicleId,
          slotId: e.slotId,
          ruleKey: e.ruleKey,
          period: e.period,
          points: e.points,
          explanation: { ...e.explanation, earnedAt: e.earnedAt.toISOString() },
          at: this.clock(),
        });
        if (inserted) {
          added += 1;
          points += e.points;
        }
        if (e.period === 'start') {
          startsByAccount.set(
            last.accountId,
            (startsByAccount.get(last.accountId) ?? new Set()).add(last.enrollmentId),
          );
        }
      }
    }
    if (added > 0) this.log.info({ program: program.slug, added, points }, 'rewards added to the ledger');
    return { program: program.slug, slots: slots.length, entitlements, added, points };
  }

  /** An administrator's correction, with a reason the participant sees. The balance cannot go below zero. */
  async adjust(actor: Actor, enrollmentId: number, input: z.input<typeof ZAdjustmentSchema>): Promise<LedgerEntryRow> {
    requireStaff(actor);
    const value = parseInput(ZAdjustmentSchema, input);
    const { program } = await this.enrollment.loadFor(actor, enrollmentId);
    if (actor.accountId === undefined) {
      throw new AppError(
        'forbidden',
        'Adjustments are made by a signed-in administrator or operator account, so the ledger says who.',
      );
    }
    const createdBy = actor.accountId;
    return this.db.transaction(async (tx) => {
      await lockEnrollment(tx, enrollmentId);
      const balance = await sumBalance(tx, enrollmentId);
      if (balance + value.points < 0) {
        throw new AppError(
          'invalid_input',
          `The balance is ${balance} points; an adjustment of ${value.points} would take it below zero.`,
          { details: [{ field: 'points', message: `at least ${-balance}` }] },
        );
      }
      return (await insertEntry(tx, {
        programId: program.id,
        enrollmentId,
        kind: 'adjustment',
        points: value.points,
        explanation: { rule: 'Adjustment', summary: value.reason },
        reason: value.reason,
        createdBy,
        payoutItemId: null,
        at: this.clock(),
      }))!;
    });
  }

  /** A participant's ledger (newest first) and balance: the driver's own, or staff's of their utility. */
  async getLedger(actor: Actor, enrollmentId: number, page: { beforeId?: number; limit?: number } = {}) {
    const { program } = await this.enrollment.loadFor(actor, enrollmentId);
    const entries = await listEntries(this.db, {
      enrollmentId,
      ...(page.beforeId ? { beforeId: page.beforeId } : {}),
      limit: Math.min(page.limit ?? 100, 500),
    });
    const balance = await sumBalance(this.db, enrollmentId);
    return {
      enrollmentId,
      program: program.slug,
      display: program.rewardDisplay,
      pointsPerUnit: program.pointsPerUnit,
      currency: program.currency,
      balance,
      balanceMoney: moneyOf(balance, program),
      entries,
    };
  }

  /**
   * A participant's rewards as the rewards page shows them: earned (when), owed and when and how
   * it will be paid, paid (when, how), and what can still be earned. The driver's own, or staff's.
   */
  async getRewards(actor: Actor, enrollmentId: number): Promise<RewardsView> {
    const { enrollment, program } = await this.enrollment.loadFor(actor, enrollmentId);
    const entries = await listEntries(this.db, { enrollmentId, limit: 10_000 });
    const items = await listItemsOfEnrollment(this.db, enrollmentId);
    const periods = new Set((await listBatchPeriods(this.db, program.id)).map((b) => `${b.provider}:${b.period}`));
    const paying = enrollment.status === 'approved' || enrollment.status === 'left';
    const next = paying
      ? nextPayoutOf(program, enrollment, (provider, period) => periods.has(`${provider}:${period}`), this.clock())
      : null;
    const starts = await listStartBonusEnrollments(this.db, program.id);
    return buildRewardsView({
      program,
      enrollment,
      entries,
      items,
      startBonusEarnedBefore: starts.some(
        (s) => s.accountId === enrollment.accountId && s.enrollmentId !== enrollment.id,
      ),
      nextPayout:
        next?.method === 'paypal' && !this.payments.paypalReady ? { ...next, on: null, waitingForSetup: true } : next,
    });
  }

  /** Balances of every participant of a program, and the program's totals. */
  async getProgramBalances(actor: Actor, programSlug: string) {
    const program = await this.programs.getProgram(actor, programSlug);
    const rows = await listBalances(this.db, program.id);
    const balances: Balance[] = rows.map((r) => ({ ...r, balanceMoney: moneyOf(r.balance, program) }));
    const sum = (f: (b: Balance) => number) => balances.reduce((a, b) => a + f(b), 0);
    return {
      program: program.slug,
      currency: program.currency,
      pointsPerUnit: program.pointsPerUnit,
      totals: {
        earned: sum((b) => b.earned),
        adjusted: sum((b) => b.adjusted),
        paidOut: sum((b) => b.paidOut),
        balance: sum((b) => b.balance),
        balanceMoney: moneyOf(
          sum((b) => b.balance),
          program,
        ),
      },
      balances,
    };
  }
}

function chargingOf(
  stretches: [number, number][] | undefined,
  loaded: boolean,
  wallWh: number,
): Pick<SessionFact, 'charging'> {
  if (!loaded || (!stretches && wallWh > 0)) return {};
  return { charging: stretches ?? [] };
}

/** Slot rows grouped by slot, each group ordered by when its vehicle joined. */
function groupSlots(rows: readonly SlotRow[]): SlotRow[][] {
  const bySlot = new Map<number, SlotRow[]>();
  for (const row of rows) {
    const group = bySlot.get(row.slotId) ?? [];
    group.push(row);
    bySlot.set(row.slotId, group);
  }
  return [...bySlot.values()].map((g) => g.sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime()));
}
