/**
 * Input schemas for demand response: events, standing schedules, opt-outs and driver preferences.
 * Checks that need only the input live here (each issue names its field); checks against the clock
 * (a window in the past) and the database (unknown enrollment ids) are the service's.
 */
import { z } from 'zod';

export const DR_TARGETS = ['curtail', 'shift', 'cap'] as const;
export const MAX_EVENT_HOURS = 12;

const isoInstant = z.iso.datetime({
  offset: true,
  message: 'expected an ISO 8601 date-time with a time zone, e.g. 2026-07-14T17:00:00-04:00',
});

const position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
const ring = z
  .array(position)
  .min(4, 'a polygon ring needs at least 4 positions (the first repeated at the end)')
  .refine(
    (r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1],
    'a polygon ring must end where it starts',
  );
export const ZAreaGeometry = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) }),
  z.strictObject({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring).min(1)).min(1) }),
]);

export const ZEventScope = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all') }),
  z.strictObject({
    kind: z.literal('enrollments'),
    ids: z.array(z.number().int().positive()).min(1, 'name at least one enrollment'),
  }),
  z.strictObject({ kind: z.literal('area'), geometry: ZAreaGeometry }),
  z.strictObject({
    kind: z.literal('groups'),
    ids: z.array(z.number().int().positive()).min(1, 'name at least one group'),
  }),
]);
export type TEventScope = z.output<typeof ZEventScope>;

export const ZNewEventSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'give the event a name').max(120, 'shorten the name to at most 120 characters'),
    target: z.enum(DR_TARGETS, 'expected curtail, shift or cap'),
    capKw: z.number().min(0, 'the cap cannot be negative').max(1000).optional(),
    startsAt: isoInstant,
    endsAt: isoInstant,
    noticeMinutes: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60)
      .optional(),
    noticeAt: isoInstant.optional(),
    randomizeMinutes: z.number().int().min(0).max(60, 'randomise by at most 60 minutes').default(15),
    scope: ZEventScope.default({ kind: 'all' }),
    controlShare: z.number().min(0).max(0.5, 'hold back at most half the participants as control').default(0.2),
  })
  .superRefine((v, ctx) => {
    const starts = Date.parse(v.startsAt);
    const ends = Date.parse(v.endsAt);
    if (ends <= starts)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'the event must end after it starts' });
    else if (ends - starts > MAX_EVENT_HOURS * 3_600_000) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: `an event lasts at most ${MAX_EVENT_HOURS} hours` });
    }
    if (v.noticeAt !== undefined && v.noticeMinutes !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['noticeAt'], message: 'give noticeAt or noticeMinutes, not both' });
    }
    if (v.noticeAt !== undefined && Date.parse(v.noticeAt) > starts) {
      ctx.addIssue({
        code: 'custom',
        path: ['noticeAt'],
        message: 'participants must be told before the event starts',
      });
    }
    if (v.target === 'cap' && v.capKw === undefined)
      ctx.addIssue({ code: 'custom', path: ['capKw'], message: 'a cap event needs capKw' });
    if (v.target !== 'cap' && v.capKw !== undefined)
      ctx.addIssue({ code: 'custom', path: ['capKw'], message: 'capKw applies to cap events only' });
  });
export type TNewEventInput = z.input<typeof ZNewEventSchema>;
export type TNewEvent = z.output<typeof ZNewEventSchema>;

/** The notice time an event input asks for (default: 60 minutes before the start). */
export function noticeAtOf(input: TNewEvent): Date {
  if (input.noticeAt !== undefined) return new Date(input.noticeAt);
  return new Date(Date.parse(input.startsAt) - (input.noticeMinutes ?? 60) * 60_000);
}

export const ZCancelEventSchema = z.strictObject({
  reason: z.string().trim().max(500, 'shorten the reason to at most 500 characters').optional(),
});

export const ZOptOutSchema = z.strictObject({ vehicleId: z.number().int().positive().optional() });
export const ZOptOutTokenSchema = z.strictObject({
  token: z.string().trim().min(16, 'the opt-out link is incomplete: open it from the mail again').max(200),
});

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const ZPreferencesSchema = z.strictObject({
  readyBy: z.string().regex(HHMM, 'expected a local time as HH:MM, e.g. 07:30').nullable(),
  minSocPct: z
    .number()
    .min(0, 'expected a charge between 0 and 100 %')
    .max(100, 'expected a charge between 0 and 100 %')
    .nullable(),
  notifyMail: z.boolean(),
});
export type TPreferences = z.output<typeof ZPreferencesSchema>;

export function readyByToMinute(readyBy: string | null): number | null {
  if (readyBy === null) return null;
  const [h, m] = readyBy.split(':').map(Number);
  return h! * 60 + m!;
}
export function minuteToReadyBy(minute: number | null): string | null {
  if (minute === null) return null;
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export const ZNewScheduleSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'give the schedule a name').max(120),
    target: z.enum(DR_TARGETS, 'expected curtail, shift or cap'),
    capKw: z.number().min(0).max(1000).optional(),
    days: z.enum(['all', 'weekdays', 'weekends'], 'expected all, weekdays or weekends'),
    from: z.string().regex(HHMM, 'expected a local time as HH:MM'),
    to: z.string().regex(/^(([01]\d|2[0-3]):([0-5]\d)|24:00)$/, 'expected a local time as HH:MM (24:00 for midnight)'),
    activeFrom: z.iso.date('expected a date as YYYY-MM-DD'),
    activeTo: z.iso.date('expected a date as YYYY-MM-DD').optional(),
    months: z.array(z.number().int().min(1).max(12)).min(1).optional(),
    noticeMinutes: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60)
      .default(60),
    randomizeMinutes: z.number().int().min(0).max(60).default(15),
    controlShare: z.number().min(0).max(0.5).default(0.2),
    maxPerYear: z.number().int().positive().optional(),
  })
  .superRefine((v, ctx) => {
    const from = readyByToMinute(v.from)!;
    const to = v.to === '24:00' ? 1440 : readyByToMinute(v.to)!;
    if (to <= from)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'the window must end after it starts (no wrap past midnight)',
      });
    if (to - from > MAX_EVENT_HOURS * 60)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `an event lasts at most ${MAX_EVENT_HOURS} hours` });
    if (v.activeTo !== undefined && v.activeTo < v.activeFrom)
      ctx.addIssue({ code: 'custom', path: ['activeTo'], message: 'must not be before activeFrom' });
    if (v.target === 'cap' && v.capKw === undefined)
      ctx.addIssue({ code: 'custom', path: ['capKw'], message: 'a cap schedule needs capKw' });
    if (v.target !== 'cap' && v.capKw !== undefined)
      ctx.addIssue({ code: 'custom', path: ['capKw'], message: 'capKw applies to cap schedules only' });
  });
export type TNewScheduleInput = z.input<typeof ZNewScheduleSchema>;
