/**
 * DemandMeasurement on PGlite and PostgreSQL: an event's participants and their charge segments are
 * inserted as SQL fixtures (derived rows), measureEvent writes each participant's measured columns and
 * the event's result, and measuring again gives the same answer.
 */
import { createLocalClock, HOUR_MS } from '@smartcharge/protocol';
import { beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { DemandMeasurement } from '../src/demand/measurement.service.js';
import { PRESETS } from '../src/programs/index.js';
import type { Services } from '../src/services.js';
import { testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { enrollDriver, type Participant } from './support/program-fixtures.js';

const NOW = Date.UTC(2026, 6, 15, 12);

describeEachDatabase('demand-response measurement', (setup) => {
  let services: Services;
  let eventId: string;
  let people: Participant[];
  const slug = 'alectra-dr-measure';
  const clock = createLocalClock(PRESETS.alectra.timeZone);
  const startsAt = clock.utcMsAt('2026-07-14', 17, 0);
  const endsAt = clock.utcMsAt('2026-07-14', 20, 0);

  beforeAll(async () => {
    services = await testServices(setup().db, {}, () => new Date(NOW));
    const program = await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug });
    people = [];
    for (let i = 0; i < 6; i++) people.push(await enrollDriver(services, slug));
    const { rows } = await services.db.query<{ id: string }>(
      `INSERT INTO dr_event (program_id, source, name, status, target, starts_at, ends_at, notice_at, scope, control_share, assignment_seed)
       VALUES ($1, 'admin', 'Peak', 'completed', 'shift', $2, $3, $4, '{"kind":"all"}', 0.5, 'seed') RETURNING id::text AS id`,
      [program.id, new Date(startsAt), new Date(endsAt), new Date(startsAt - HOUR_MS)],
    );
    eventId = rows[0]!.id;
    const eventDay = clock.localDayNumber(startsAt);
    for (const [i, p] of people.entries()) {
      const treated = i % 2 === 0;
      await services.db.query(
        `INSERT INTO dr_participant (event_id, vehicle_id, enrollment_id, slot_id, account_id, grp, notified_at, opt_out, opted_out_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          eventId,
          p.vehicleId,
          p.enrollmentId,
          p.enrollmentVehicleId,
          p.accountId,
          treated ? 'treatment' : 'control',
          treated ? new Date(startsAt - HOUR_MS) : null,
          i === 4 ? 'explicit' : null,
          i === 4 ? new Date(startsAt - 1000) : null,
        ],
      );
      // Every evening 17:00–20:00 at (4 + i) kW; on the event day the treatment group charges 3 kW less.
      const rateKw = 4 + i;
      for (let day = eventDay - 30; day <= eventDay; day++) {
        const from = clock.utcMsAtLocalDay(day, 17, 0);
        const to = clock.utcMsAtLocalDay(day, 20, 0);
        const kw = day === eventDay && treated ? rateKw - 3 : rateKw;
        await services.db.query(
          `INSERT INTO charge_segment (vehicle_id, started_at, ended_at, session_plugged_at, kind, battery_wh, wall_wh)
           VALUES ($1, $2, $3, $2, 'ac', $4, $5)`,
          [p.vehicleId, new Date(from), new Date(to), kw * 3000 * 0.9, kw * 3000],
        );
      }
    }
  });

  it('writes each participant’s measurement and the event result, and measuring twice gives the same', async () => {
    const measurement = new DemandMeasurement(services.db, () => new Date(NOW));
    const first = await measurement.measureEvent(eventId);
    const rows = (
      await services.db.query<Record<string, unknown>>(
        `SELECT grp, baseline_wh, baseline_days, actual_wh, shifted_wh, rebound_wh, opt_out, measured_at
         FROM dr_participant WHERE event_id = $1 ORDER BY vehicle_id`,
        [eventId],
      )
    ).rows;
    expect(rows).toHaveLength(6);
    for (const [i, r] of rows.entries()) {
      const rateKw = 4 + i;
      expect(r.baseline_days).toBe(10);
      expect(Number(r.baseline_wh)).toBeCloseTo(rateKw * 3000, 6);
      expect(Number(r.actual_wh)).toBeCloseTo((i % 2 === 0 ? rateKw - 3 : rateKw) * 3000, 6);
      expect(Number(r.shifted_wh)).toBeCloseTo(i % 2 === 0 ? 9000 : 0, 6);
      expect(Number(r.rebound_wh)).toBeCloseTo(0, 6);
      expect(new Date(r.measured_at as string).getTime()).toBe(NOW);
    }
    // Treated 0 and 2 charged 3 and 5 kW in the window (opt-out by charging); 4 had opted out and stays explicit.
    expect(rows.map((r) => r.opt_out)).toEqual(['charging', null, 'charging', null, 'explicit', null]);
    expect(first.method).toBe('randomized-control');
    // Control charged 5, 7, 9 kW and treatment 1, 3, 5 kW in the window: 7 − 3 = 4 kW, of which 1 kW is this tiny
    // fleet's imbalance (control cars charge 1 kW faster every day). Taken from their own baselines (treatment
    // 3 kW below, control 0) the imbalance goes: the headline is the true 3 kW.
    expect(first.adjustment).toBe('baseline');
    expect(first.shedKw.estimate).toBeCloseTo(3, 6);
    expect(first.unadjustedShedKw!.estimate).toBeCloseTo(4, 6);
    expect(first.baselineShedKw).toBeCloseTo(3, 6);
    expect(first.shiftedKwh).toBeCloseTo(27, 6);
    expect(first.optOuts).toEqual({ explicit: 1, charging: 2, share: 1 });
    const event = (
      await services.db.query<{ result: unknown; measured_at: unknown }>(
        'SELECT result, measured_at FROM dr_event WHERE id = $1',
        [eventId],
      )
    ).rows[0]!;
    expect(event.result).toEqual(JSON.parse(JSON.stringify(first)));
    const second = await measurement.measureEvent(eventId);
    expect(second).toEqual(first);
  });
});
