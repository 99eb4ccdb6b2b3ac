/**
 * DemandMeasurement: measures one event from the database (its participants' charge segments from
 * 30 days before to 3 h after) and writes each participant's measured columns and the event's
 * result in one transaction. Recomputing gives the same answer: the inputs are derived rows.
 * The clock is passed in (measured_at); the arithmetic is in measure.ts.
 */
import { createLocalClock, DAY_MS, HOUR_MS } from '@smartcharge/protocol';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { BASELINE_LOOKBACK_DAYS, measureEventData, type DrEventResult } from './measure.js';
import {
  findEventForMeasurement,
  listOtherEventWindows,
  listParticipants,
  listSegments,
  updateEventResult,
  updateParticipantMeasurement,
} from './measure.repository.js';

export class DemandMeasurement {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Measure (or re-measure) an event; returns its result. Throws not_found for an unknown event. */
  async measureEvent(eventId: string): Promise<DrEventResult> {
    return this.db.transaction(async (tx) => {
      const event = await findEventForMeasurement(tx, eventId);
      if (!event) throw new AppError('not_found', `no demand-response event ${eventId}`);
      if (event.status === 'cancelled')
        throw new AppError('invalid_transition', `event ${eventId} was cancelled: there is nothing to measure`);
      const startsAtMs = new Date(event.startsAt).getTime();
      const endsAtMs = new Date(event.endsAt).getTime();
      const from = new Date(startsAtMs - (BASELINE_LOOKBACK_DAYS + 1) * DAY_MS);
      const to = new Date(endsAtMs + event.randomizeS * 1000 + 3 * HOUR_MS);
      const participants = await listParticipants(tx, eventId);
      const ids = participants.map((p) => p.vehicleId);
      const segments = await listSegments(tx, ids, from, to);
      const others = await listOtherEventWindows(tx, eventId, ids, from, to);
      const input = {
        startsAtMs,
        endsAtMs,
        target: event.target,
        capKw: event.capKw === null ? null : Number(event.capKw),
        randomizeS: event.randomizeS,
      };
      const measured = measureEventData(
        createLocalClock(event.timeZone),
        input,
        participants.map((p) => ({
          vehicleId: p.vehicleId,
          group: p.group,
          startOffsetS: p.startOffsetS,
          endOffsetS: p.endOffsetS,
          notified: p.notifiedAt !== null,
          optOut: p.optOut,
          segments: segments.get(p.vehicleId) ?? [],
          otherEventWindows: others.get(p.vehicleId) ?? [],
        })),
      );
      const at = this.now();
      for (const m of measured.participants) await updateParticipantMeasurement(tx, eventId, m, at);
      await updateEventResult(tx, eventId, measured.result, at);
      return measured.result;
    });
  }
}
