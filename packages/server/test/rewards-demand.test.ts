/**
 * Demand-response rewards on PGlite and on PostgreSQL: events and their participants are inserted
 * as SQL fixtures (as the demand service and measurement leave them), charging sessions as
 * derivation stores them, and the rewards service pays each told, measured event without an
 * opt-out, the energy it moved, a month within the opt-out budget and a month charged mostly
 * off-peak (Alectra's on-peak 16–21 on weekdays), each with its explanation; the control group,
 * an opt-out, a cancelled and an unmeasured event earn nothing; evaluating twice adds nothing.
 */
import { createLocalClock, HOUR_MS } from '@smartcharge/protocol';
import { beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { PRESETS } from '../src/programs/index.js';
import type { LedgerEntryRow } from '../src/rewards/index.js';
import type { Services } from '../src/services.js';
import { testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import {
  addChargeSessions,
  chargeSession,
  enrollDriver,
  equipDevice,
  type Participant,
} from './support/program-fixtures.js';

const clock = createLocalClock(PRESETS.alectra.timeZone);
const JOINED = Date.UTC(2026, 5, 1, 14);
const NOW = Date.UTC(2026, 7, 10, 12);

describeEachDatabase('demand-response rewards', (setup) => {
  let nowMs = JOINED;
  let services: Services;
  let programId: number;
  const slug = 'alectra-dr-rewards';
  let told: Participant;
  let optedOut: Participant;
  let control: Participant;
  const events: Record<'peak' | 'cancelled' | 'august', string> = { peak: '', cancelled: '', august: '' };

  async function insertEvent(name: string, day: string, status: string, measured: boolean): Promise<string> {
    const startsAt = clock.utcMsAt(day, 17, 0);
    const endsAt = clock.utcMsAt(day, 20, 0);
    const { rows } = await services.db.query<{ id: string }>(
      `INSERT INTO dr_event (program_id, source, name, status, target, starts_at, ends_at, notice_at, scope, control_share,
         assignment_seed, assigned_at, notified_at, cancelled_at, measured_at)
       VALUES ($1, 'admin', $2, $3, 'shift', $4, $5, $6, '{"kind":"all"}', 0.3, 'seed', $6, $6, $7, $8) RETURNING id::text AS id`,
      [
        programId,
        name,
        status,
        new Date(startsAt),
        new Date(endsAt),
        new Date(startsAt - 2 * HOUR_MS),
        status === 'cancelled' ? new Date(startsAt - HOUR_MS) : null,
        measured ? new Date(endsAt + 3 * HOUR_MS) : null,
      ],
    );
    return rows[0]!.id;
  }

  async function insertParticipant(
    eventId: string,
    p: Participant,
    grp: 'treatment' | 'control',
    options: { optOut?: 'explicit'; shiftedWh?: number } = {},
  ): Promise<void> {
    const { rows } = await services.db.query<{ starts_at: Date }>(`SELECT starts_at FROM dr_event WHERE id = $1`, [
      eventId,
    ]);
    const startsAt = rows[0]!.starts_at.getTime();
    await services.db.query(
      `INSERT INTO dr_participant (event_id, vehicle_id, enrollment_id, slot_id, account_id, grp, notified_at, opt_out,
         opted_out_at, shifted_wh)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        eventId,
        p.vehicleId,
        p.enrollmentId,
        p.enrollmentVehicleId,
        p.accountId,
        grp,
        grp === 'treatment' ? new Date(startsAt - 2 * HOUR_MS) : null,
        options.optOut ?? null,
        options.optOut ? new Date(startsAt - HOUR_MS) : null,
        options.shiftedWh ?? null,
      ],
    );
  }

  beforeAll(async () => {
    services = await testServices(setup().db, {}, () => new Date(nowMs));
    programId = (
      await services.programs.createProgram(CLI_OPERATOR, {
        ...PRESETS.alectra,
        slug,
        rewardRules: [
          ...PRESETS.alectra.rewardRules!,
          { type: 'event_participation', key: 'dr_event', label: 'Peak event', points: 200 },
          {
            type: 'event_kwh_shifted',
            key: 'dr_shifted',
            label: 'Energy shifted',
            pointsPerKwh: 10,
            maxKwhPerEvent: 5,
          },
          { type: 'opt_out_budget', key: 'dr_month', label: 'Event month', points: 300, maxOptOuts: 0 },
          {
            type: 'off_peak_share',
            key: 'off_peak',
            label: 'Off-peak month',
            points: 400,
            minSharePct: 75,
            peakTouPeriods: ['on_peak'],
          },
        ],
      })
    ).id;
    [told, optedOut, control] = [
      await enrollDriver(services, slug),
      await enrollDriver(services, slug),
      await enrollDriver(services, slug),
    ];
    for (const p of [told, optedOut, control]) {
      await equipDevice(services, p, { activate: true });
      // The start: 10 kWh overnight on 5 June (23:00–03:00 local, off-peak).
      await addChargeSessions(services, p.vehicleId, [
        chargeSession({ pluggedAtMs: clock.utcMsAt('2026-06-04', 23, 0), hours: 4, wallKwh: 10 }),
      ]);
    }
    // Friday 10 July, plugged in 17:00–07:00. The told driver's car charges 17:00–18:00 (on-peak) and
    // 23:00–03:00: 80% of 300 minutes off-peak. The other's has no segments: 14 hours plugged in, 4 on-peak.
    const july = () => chargeSession({ pluggedAtMs: clock.utcMsAt('2026-07-10', 17, 0), hours: 14, wallKwh: 30 });
    await addChargeSessions(services, told.vehicleId, [july()]);
    await addChargeSessions(services, optedOut.vehicleId, [july()]);
    for (const [from, to] of [
      [clock.utcMsAt('2026-07-10', 17, 0), clock.utcMsAt('2026-07-10', 18, 0)],
      [clock.utcMsAt('2026-07-10', 23, 0), clock.utcMsAt('2026-07-11', 3, 0)],
    ]) {
      await services.db.query(
        `INSERT INTO charge_segment (vehicle_id, started_at, ended_at, session_plugged_at, kind, battery_wh, wall_wh)
         VALUES ($1, $2, $3, $4, 'ac', 1000, 1100)`,
        [told.vehicleId, new Date(from!), new Date(to!), new Date(clock.utcMsAt('2026-07-10', 17, 0))],
      );
    }

    events.peak = await insertEvent('Evening peak', '2026-07-14', 'completed', true);
    await insertParticipant(events.peak, told, 'treatment', { shiftedWh: 2500 });
    await insertParticipant(events.peak, optedOut, 'treatment', { optOut: 'explicit', shiftedWh: 3000 });
    await insertParticipant(events.peak, control, 'control');
    events.cancelled = await insertEvent('Called off', '2026-07-21', 'cancelled', false);
    await insertParticipant(events.cancelled, told, 'treatment');
    await insertParticipant(events.cancelled, optedOut, 'treatment');
    events.august = await insertEvent('August peak', '2026-08-05', 'completed', false);
    await insertParticipant(events.august, told, 'treatment', { shiftedWh: 7000 });
    nowMs = NOW;
  });

  const rewardsOf = async (p: Participant): Promise<LedgerEntryRow[]> =>
    (await services.rewards.getLedger(p.actor, p.enrollmentId)).entries
      .filter((e) => e.kind === 'reward')
      .sort((a, b) => (a.ruleKey! + a.period! < b.ruleKey! + b.period! ? -1 : 1));
  const keysOf = async (p: Participant) =>
    (await rewardsOf(p)).map((e) => `${e.ruleKey} ${e.period} ${e.points}`).sort();

  it('pays the told driver for the measured event, its energy, the month’s budget and the off-peak month', async () => {
    await services.rewards.evaluateProgram(CLI_OPERATOR, slug);
    expect(await keysOf(told)).toEqual(
      [
        `dr_event event-${events.peak} 200`,
        `dr_month 2026-07 300`,
        `dr_shifted event-${events.peak} 25`,
        'monthly 2026-07 500',
        'off_peak 2026-06 400',
        'off_peak 2026-07 400',
        'start start 5000',
      ].sort(),
    );
    const byKey = new Map((await rewardsOf(told)).map((e) => [`${e.ruleKey} ${e.period}`, e]));
    const participation = byKey.get(`dr_event event-${events.peak}`)!;
    expect(participation.vehicleId).toBe(told.vehicleId);
    expect(participation.slotId).toBe(told.enrollmentVehicleId);
    expect(participation.explanation).toMatchObject({
      rule: 'Peak event',
      summary:
        'Took part in the charging event “Evening peak” on 2026-07-14, 17:00–20:00: told about it and did not opt out.',
      earnedAt: new Date(clock.utcMsAt('2026-07-14', 23, 0)).toISOString(),
      facts: { eventId: Number(events.peak), eventName: 'Evening peak' },
    });
    expect(byKey.get(`dr_shifted event-${events.peak}`)!.explanation).toMatchObject({
      rule: 'Energy shifted',
      summary:
        'Moved 2.5 kWh of charging out of the charging event “Evening peak” on 2026-07-14, 17:00–20:00 ' +
        '(against your usual charging), at 10 points per kWh.',
      facts: { shiftedKwh: 2.5, capped: false },
    });
    // The cancelled event neither counts as told nor against the budget.
    expect(byKey.get('dr_month 2026-07')!.explanation).toMatchObject({
      summary: 'Told about 1 charging event in 2026-07 and opted out of 0, within the 0 allowed.',
      facts: { eventsTold: 1, optOuts: 0, maxOptOuts: 0 },
    });
    expect(byKey.get('off_peak 2026-07')!.explanation).toMatchObject({
      summary:
        'Charged for 300 minutes at home in 2026-07, 80% of it outside peak hours (on peak); at least 75% was asked.',
      facts: { chargingMinutes: 300, offPeakMinutes: 240 },
    });
  });

  it('pays nothing for events to the driver who opted out, nor to the control group', async () => {
    // Opted out of the July event: no event rewards, the budget of 0 is spent; 4 of 14 hours plugged in on-peak is 71%.
    expect(await keysOf(optedOut)).toEqual(['monthly 2026-07 500', 'off_peak 2026-06 400', 'start start 5000']);
    expect(await keysOf(control)).toEqual(['off_peak 2026-06 400', 'start start 5000']);
  });

  it('adds nothing when evaluated again, and pays the August event once it is measured, capped at 5 kWh', async () => {
    const again = await services.rewards.evaluateProgram(CLI_OPERATOR, slug);
    expect(again).toMatchObject({ added: 0, points: 0 });

    await services.db.query(`UPDATE dr_event SET measured_at = $2 WHERE id = $1`, [
      events.august,
      new Date(clock.utcMsAt('2026-08-05', 23, 0)),
    ]);
    const measured = await services.rewards.evaluateProgram(CLI_OPERATOR, slug);
    expect(measured).toMatchObject({ added: 2, points: 250 });
    const byKey = new Map((await rewardsOf(told)).map((e) => [`${e.ruleKey} ${e.period}`, e]));
    expect(byKey.get(`dr_shifted event-${events.august}`)).toMatchObject({
      points: 50,
      explanation: { facts: { shiftedKwh: 7, countedKwh: 5, capped: true } },
    });
    // August has not ended: its budget month waits.
    expect(byKey.has('dr_month 2026-08')).toBe(false);
    expect(await services.rewards.evaluateProgram(CLI_OPERATOR, slug)).toMatchObject({ added: 0 });
  });

  it('shows the entries on the driver’s rewards page with their rule and explanation', async () => {
    const view = await services.rewards.getRewards(told.actor, told.enrollmentId);
    const shifted = view.earnings.find((e) => e.period === `event-${events.peak}` && e.rule === 'Energy shifted');
    expect(shifted).toMatchObject({ amount: { points: 25, cents: 25 } });
    expect(shifted!.summary).toContain('Moved 2.5 kWh of charging out of the charging event “Evening peak”');
    expect(shifted!.earnedAt.toISOString()).toBe(new Date(clock.utcMsAt('2026-07-14', 23, 0)).toISOString());
    expect(view.earnings.find((e) => e.rule === 'Event month')!.summary).toBe(
      'Told about 1 charging event in 2026-07 and opted out of 0, within the 0 allowed.',
    );
  });
});
