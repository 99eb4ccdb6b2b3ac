/**
 * /admin/:slug/events: the program's demand-response events — the list (status, the window in the
 * program's time zone, what was asked, how many were told and opted out), creating one, and
 * cancelling one after a confirmation. /admin/:slug/events/:id: one event and, once measured, its
 * result: kW shed against the control group with the interval, the fleet's shed, opt-outs,
 * rebound, shifted energy and the 15-minute profile; "Measure now" after it ended; the evaluators'
 * participants.csv.
 */
import { useMemo, useState } from 'preact/hooks';
import { get, post } from '../api';
import { Chart, COLORS, type ChartSeries } from '../components/chart';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import {
  TARGET_WORDS,
  clock,
  day,
  targetShort,
  windowText,
  zonedInstant,
  zonedToday,
  type DrEvent,
  type DrEventResult,
  type DrInterval,
  type DrTarget,
} from '../demand';
import { useLoad } from '../session';
import { dateTime } from '../units';
import { fieldError, Input, int, onSubmitData, Problems, Select, StatusBadge, text, useAction } from './common';
import type { SectionProps } from './program';

const NOT_ENOUGH = 'not enough data';
const kwFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const kwhFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const pct = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });

const vehicles = (n: number) => `${int.format(n)} ${n === 1 ? 'vehicle' : 'vehicles'}`;
const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const kwText = (v: number | null | undefined) => (finite(v) ? `${kwFormat.format(v)} kW` : NOT_ENOUGH);

const eventsPath = (slug: string) => `/programs/${encodeURIComponent(slug)}/events`;

/** Whether an event's result can be measured now: the server completed it, or its end has passed here. */
const measurable = (e: DrEvent, now = Date.now()) =>
  e.status === 'completed' || (e.status !== 'cancelled' && Date.parse(e.endsAt) <= now);

export function Events({ program }: SectionProps) {
  const load = useLoad(() => get<{ events: DrEvent[] }>(eventsPath(program.slug)), [program.slug]);
  const [created, setCreated] = useState<DrEvent | undefined>();
  const events = [...(load.data?.events ?? [])].sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt));
  return (
    <Page title="Events">
      <p class="muted">
        Demand-response events ask participants to hold or limit home charging in a window. A random share is held back
        as the control group (never told), so the effect is measured against drivers who charged as usual. Times are in
        the program’s time zone, {program.timeZone}.
      </p>
      <Card title="Events">
        {load.loading && !load.data ? <Loading what="Loading the events" /> : null}
        <ErrorNote error={load.error} />
        {!load.loading && !load.error && events.length === 0 ? <Empty>No event yet.</Empty> : null}
        {events.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="adm-sr">The program’s events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Window ({program.timeZone})</th>
                  <th scope="col" class="hide-narrow">
                    Asked
                  </th>
                  <th scope="col">Told</th>
                  <th scope="col">Opted out</th>
                  <th scope="col">
                    <span class="adm-sr">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id} class={created?.id === e.id ? 'adm-selected' : ''}>
                    <th scope="row">
                      <a href={`/admin/${program.slug}/events/${e.id}`}>{e.name}</a>{' '}
                      <span class="muted small">#{e.id}</span>
                    </th>
                    <td>
                      <StatusBadge status={e.status} />
                      {e.measuredAt ? <span class="muted small"> measured</span> : null}
                    </td>
                    <td>{windowText(e.startsAt, e.endsAt, program.timeZone)}</td>
                    <td class="hide-narrow">{targetShort(e.target, e.capKw)}</td>
                    <td>{int.format(e.counts.told)}</td>
                    <td>{int.format(e.counts.optedOut)}</td>
                    <td>
                      {e.status === 'scheduled' || e.status === 'active' ? (
                        <CancelEvent slug={program.slug} event={e} onCancelled={load.reload} compact />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
      <CreateEvent
        slug={program.slug}
        timeZone={program.timeZone}
        onCreated={(e) => {
          setCreated(e);
          load.reload();
        }}
      />
      {created ? (
        <p class="notice ok" role="status">
          Event “{created.name}” created: {windowText(created.startsAt, created.endsAt, program.timeZone)}.{' '}
          {created.notifiedAt
            ? `${int.format(created.counts.told)} participants were told.`
            : `Participants are told at ${clock(created.noticeAt, program.timeZone)}.`}{' '}
          <a href={`/admin/${program.slug}/events/${created.id}`}>Open the event</a>
        </p>
      ) : null}
    </Page>
  );
}

const TARGETS: readonly (readonly [DrTarget, string])[] = [
  ['curtail', TARGET_WORDS.curtail],
  ['shift', TARGET_WORDS.shift],
  ['cap', TARGET_WORDS.cap],
];
const NOTICE_WHEN = [
  ['before', 'Some minutes before the start'],
  ['now', 'At once, when the event is created'],
] as const;
const SCOPES = [
  ['all', 'Every participant'],
  ['enrollments', 'Chosen applications (by id)'],
  ['groups', 'Grid groups (feeders, transformers, by id)'],
] as const;

/** "12, 15 31" → [12, 15, 31]; anything else left for the server to name. */
const ids = (value: string) =>
  value
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((v) => (/^\d+$/.test(v) ? Number(v) : v));

const num = (data: FormData, name: string): number | undefined => {
  const v = text(data, name).replace(',', '.');
  return v === '' ? undefined : Number(v);
};

function CreateEvent({
  slug,
  timeZone,
  onCreated,
}: {
  slug: string;
  timeZone: string;
  onCreated: (event: DrEvent) => void;
}) {
  const create = useAction();
  const [target, setTarget] = useState<DrTarget>('curtail');
  const [scope, setScope] = useState<(typeof SCOPES)[number][0]>('all');
  const [noticeWhen, setNoticeWhen] = useState<'before' | 'now'>('before');
  const [formKey, setFormKey] = useState(0);
  const [local, setLocal] = useState<Record<string, string>>({});
  const err = (name: string) => local[name] ?? fieldError(create.error, name);
  const submit = onSubmitData((data) => {
    const day = text(data, 'day');
    const from = text(data, 'from');
    const to = text(data, 'to');
    const problems: Record<string, string> = {};
    if (!day) problems.day = 'Choose the day.';
    if (!from) problems.from = 'Give the start time.';
    if (!to) problems.to = 'Give the end time.';
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    // An end at or before the start is the next day's (an evening into the night).
    const startsAt = zonedInstant(day, from, timeZone);
    const endsAt = zonedInstant(day, to, timeZone, to <= from ? 1 : 0);
    const share = num(data, 'controlPct');
    const capKw = num(data, 'capKw');
    const body = {
      name: text(data, 'name'),
      target,
      ...(target === 'cap' && capKw !== undefined ? { capKw } : {}),
      startsAt,
      endsAt,
      // At once: a notice time a minute ago, so the server (whose clock may trail this one) tells them now.
      ...(noticeWhen === 'now'
        ? { noticeAt: new Date(Date.now() - 60_000).toISOString() }
        : { noticeMinutes: num(data, 'noticeMinutes') ?? 60 }),
      randomizeMinutes: num(data, 'randomizeMinutes') ?? 15,
      controlShare: share === undefined ? 0.2 : share / 100,
      scope: scope === 'all' ? { kind: 'all' } : { kind: scope, ids: ids(text(data, 'scopeIds')) },
    };
    void create.run(async () => {
      const event = await post<DrEvent>(eventsPath(slug), body);
      setFormKey((k) => k + 1);
      setTarget('curtail');
      setScope('all');
      setNoticeWhen('before');
      onCreated(event);
    });
  });
  const today = zonedToday(timeZone);
  return (
    <Card title="Create an event">
      <form key={formKey} class="form" onSubmit={submit} noValidate aria-label="Create an event">
        <Input label="Name" name="name" required placeholder="Evening peak" error={err('name')} />
        <div class="adm-pair">
          <Input
            label="Day"
            name="day"
            type="date"
            required
            defaultValue={today}
            min={today}
            error={err('day') ?? err('startsAt')}
          />
          <Input label="From" name="from" type="time" required defaultValue="17:00" error={err('from')} />
          <Input
            label="To"
            name="to"
            type="time"
            required
            defaultValue="20:00"
            hint="At or before the start: the next day."
            error={err('to') ?? err('endsAt')}
          />
        </div>
        <Select
          label="What participants are asked"
          name="target"
          value={target}
          options={TARGETS}
          onChange={(e) => setTarget(e.currentTarget.value as DrTarget)}
        />
        {target === 'cap' ? (
          <Input
            label="Cap (kW)"
            name="capKw"
            type="number"
            min={0}
            step="0.1"
            inputMode="decimal"
            defaultValue="3.3"
            hint="The most a vehicle charges at home during the window."
            error={err('capKw')}
          />
        ) : null}
        <div class="adm-pair">
          <Select
            label="When participants are told"
            name="noticeWhen"
            value={noticeWhen}
            options={NOTICE_WHEN}
            onChange={(e) => setNoticeWhen(e.currentTarget.value as 'before' | 'now')}
          />
          {noticeWhen === 'before' ? (
            <Input
              label="Notice (minutes before the start)"
              name="noticeMinutes"
              type="number"
              min={0}
              step="1"
              defaultValue="60"
              hint="0: at the start."
              error={err('noticeMinutes') ?? err('noticeAt')}
            />
          ) : null}
          <Input
            label="Randomise start and end (up to minutes)"
            name="randomizeMinutes"
            type="number"
            min={0}
            max={60}
            step="1"
            defaultValue="15"
            hint="Each vehicle’s window moves by up to this much, so the load does not jump back at once."
            error={err('randomizeMinutes')}
          />
          <Input
            label="Control group (% of participants)"
            name="controlPct"
            type="number"
            min={0}
            max={50}
            step="1"
            defaultValue="20"
            hint="Never told; at most 50 %."
            error={err('controlShare')}
          />
        </div>
        <Select
          label="Who takes part"
          name="scopeKind"
          value={scope}
          options={SCOPES}
          onChange={(e) => setScope(e.currentTarget.value as (typeof SCOPES)[number][0])}
        />
        {scope !== 'all' ? (
          <Input
            label={scope === 'groups' ? 'Group ids' : 'Application ids'}
            name="scopeIds"
            required
            hint="Separated by commas or spaces."
            error={err('ids') ?? err('scope')}
          />
        ) : null}
        <Problems error={create.error} />
        <div class="buttons">
          <button type="submit" disabled={create.busy}>
            {create.busy ? 'Creating…' : 'Create the event'}
          </button>
        </div>
      </form>
    </Card>
  );
}

/** Cancel, after a confirmation naming what happens: told participants hear it is off. */
function CancelEvent({
  slug,
  event,
  onCancelled,
  compact = false,
}: {
  slug: string;
  event: DrEvent;
  onCancelled: (event: DrEvent) => void;
  compact?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const action = useAction();
  const submit = onSubmitData((data) =>
    action.run(async () => {
      const reason = text(data, 'reason');
      const next = await post<DrEvent>(`${eventsPath(slug)}/${event.id}/cancel`, reason ? { reason } : {});
      setAsking(false);
      onCancelled(next);
    }),
  );
  if (!asking) {
    return (
      <button
        type="button"
        class={`secondary danger ${compact ? 'small' : ''}`}
        onClick={() => setAsking(true)}
        aria-label={`Cancel the event ${event.name}…`}
      >
        Cancel…
      </button>
    );
  }
  return (
    <form class="form inline-form" onSubmit={submit} aria-label={`Cancel the event ${event.name}`}>
      <p class="adm-tight">
        Cancel “{event.name}”?{' '}
        {event.counts.told > 0
          ? `The ${int.format(event.counts.told)} participants who were told get a notice that it is off.`
          : 'Nobody was told yet.'}
      </p>
      <Input label="Reason (optional)" name="reason" />
      <Problems error={action.error} />
      <div class="buttons">
        <button type="submit" class="danger" disabled={action.busy}>
          {action.busy ? 'Cancelling…' : 'Yes, cancel the event'}
        </button>
        <button type="button" class="secondary" onClick={() => setAsking(false)}>
          Keep it
        </button>
      </div>
    </form>
  );
}

export function EventDetail({ program, id }: SectionProps & { id: string }) {
  const path = `${eventsPath(program.slug)}/${encodeURIComponent(id)}`;
  const load = useLoad(() => get<DrEvent>(path), [path]);
  const [event, setEvent] = useState<DrEvent | undefined>();
  const measure = useAction();
  const e = event ?? load.data;
  const back = `/admin/${program.slug}/events`;
  if (!e) {
    return (
      <Page title="Event">
        {load.loading ? <Loading what="Loading the event" /> : null}
        <ErrorNote error={load.error} />
        <p>
          <a href={back}>Back to the events</a>
        </p>
      </Page>
    );
  }
  const tz = program.timeZone;
  const ended = measurable(e);
  return (
    <Page
      title={e.name}
      actions={
        <a class="button secondary small" href={`/api/v1${path}/participants.csv`} download>
          participants.csv
        </a>
      }
    >
      <p class="adm-crumbs">
        <a href={back}>Events</a> <span aria-hidden="true">›</span> <span>#{e.id}</span>
      </p>
      <Card>
        <dl class="adm-kv">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={e.status} />
            {e.cancelledAt ? <span class="muted small"> on {dateTime(e.cancelledAt)}</span> : null}
          </dd>
          <dt>Window</dt>
          <dd>
            {windowText(e.startsAt, e.endsAt, tz)} <span class="muted small">({tz})</span>
          </dd>
          <dt>Asked</dt>
          <dd>
            {targetShort(e.target, e.capKw)}
            {e.randomizeMinutes > 0 ? ` · each vehicle’s window moved by up to ${e.randomizeMinutes} min` : ''}
          </dd>
          <dt>Notice</dt>
          <dd>
            {e.notifiedAt
              ? `Told ${day(e.notifiedAt, tz)}, ${clock(e.notifiedAt, tz)}`
              : `Told at ${day(e.noticeAt, tz)}, ${clock(e.noticeAt, tz)}`}
          </dd>
          <dt>Participants</dt>
          <dd>
            {int.format(e.counts.treatment)} asked ({int.format(e.counts.told)} told, {int.format(e.counts.optedOut)}{' '}
            opted out) · {int.format(e.counts.control)} in the control group ({pct.format(e.controlShare)} held back)
          </dd>
          <dt>Evaluators</dt>
          <dd>
            <a href={`/api/v1${path}/participants.csv`} download>
              participants.csv
            </a>{' '}
            <span class="muted small">one pseudonymous row per participant: group, offsets, opt-out, measured Wh</span>
          </dd>
        </dl>
        {e.status === 'scheduled' || e.status === 'active' ? (
          <CancelEvent slug={program.slug} event={e} onCancelled={setEvent} />
        ) : null}
        {ended ? (
          <div class="buttons">
            <button
              type="button"
              disabled={measure.busy}
              onClick={() => void measure.run(async () => setEvent(await post<DrEvent>(`${path}/measure`, {})))}
            >
              {measure.busy ? 'Measuring…' : e.measuredAt ? 'Measure again' : 'Measure now'}
            </button>
            {e.measuredAt ? <span class="muted small">Measured {dateTime(e.measuredAt)}</span> : null}
          </div>
        ) : null}
        <Problems error={measure.error} />
      </Card>
      {e.result ? (
        <EventResult result={e.result} timeZone={tz} />
      ) : e.status === 'cancelled' ? null : (
        <Empty>
          {ended
            ? 'Not measured yet: the result is measured 3 hours after the end, or now with “Measure now”.'
            : 'The result shows here once the event has ended and been measured.'}
        </Empty>
      )}
    </Page>
  );
}

/** "90 % interval 0.40 to 1.10 kW". */
function rangeText(i: DrInterval, confidence: number): string {
  if (!finite(i.low) || !finite(i.high)) return 'no interval';
  return `${pct.format(confidence)} interval ${kwFormat.format(i.low)} to ${kwFormat.format(i.high)} kW`;
}

function intervalText(i: DrInterval | null | undefined, confidence: number): string {
  if (!i || !finite(i.estimate)) return NOT_ENOUGH;
  if (!finite(i.low) || !finite(i.high) || (i.low === i.estimate && i.high === i.estimate)) return kwText(i.estimate);
  return `${kwText(i.estimate)} (${pct.format(confidence)} interval ${kwFormat.format(i.low)} to ${kwFormat.format(i.high)})`;
}

function EventResult({ result: r, timeZone }: { result: DrEventResult; timeZone: string }) {
  // Nothing to compare: no participant had a baseline and the groups are too small for a contrast.
  const shedKnown = r.treatment.n > 0 && (r.method === 'randomized-control' || r.baselineShedKw !== null);
  const profile = useMemo(() => {
    const x = r.profile.map((p) => Date.parse(p.at) / 1000);
    const series: ChartSeries[] = [
      {
        label: 'Asked (treatment)',
        unit: 'kW',
        color: COLORS.green,
        values: r.profile.map((p) => (finite(p.treatmentKw) ? p.treatmentKw : null)),
      },
      {
        label: 'Control',
        unit: 'kW',
        color: COLORS.blue,
        values: r.profile.map((p) => (finite(p.controlKw) ? p.controlKw : null)),
        dash: [6, 4],
      },
      {
        label: 'Baseline',
        unit: 'kW',
        color: COLORS.grey,
        values: r.profile.map((p) => (finite(p.baselineKw) ? p.baselineKw : null)),
        dash: [2, 3],
      },
    ];
    return { x, series, any: series.some((s) => s.values.some((v) => v !== null)) };
  }, [r]);
  return (
    <section aria-labelledby="event-result">
      <h2 class="section" id="event-result">
        Result
      </h2>
      <div class="stats">
        <Stat
          label="Shed per vehicle"
          value={shedKnown ? kwText(r.shedKw.estimate) : NOT_ENOUGH}
          hint={
            shedKnown
              ? r.method === 'randomized-control'
                ? `vs the control group${r.adjustment === 'baseline' ? ', each against its own baseline' : ''}; ${rangeText(r.shedKw, r.confidence)}`
                : 'vs each vehicle’s own baseline (too few in the control group)'
              : 'too few vehicles measured'
          }
        />
        <Stat
          label="Fleet shed"
          value={shedKnown ? kwText(r.shedKwFleet.estimate) : NOT_ENOUGH}
          hint={`${vehicles(r.treatment.n)} asked`}
        />
        <Stat
          label="Opted out"
          value={r.treatment.n > 0 ? pct.format(r.optOuts.share) : NOT_ENOUGH}
          hint={`${int.format(r.optOuts.explicit)} explicitly, ${int.format(r.optOuts.charging)} by charging`}
        />
        <Stat
          label="Rebound after"
          value={r.reboundKw ? kwText(r.reboundKw.estimate) : NOT_ENOUGH}
          hint={`${clock(r.reboundWindow.from, timeZone)}–${clock(r.reboundWindow.to, timeZone)}, vs control`}
        />
        <Stat
          label="Energy shifted"
          value={finite(r.shiftedKwh) ? `${kwhFormat.format(r.shiftedKwh)} kWh` : NOT_ENOUGH}
        />
      </div>
      <Card>
        <dl class="adm-kv" aria-label="The measured effect">
          <dt>Shed per vehicle, vs control</dt>
          <dd data-testid="shed-kw">
            {r.method === 'randomized-control' ? intervalText(r.shedKw, r.confidence) : NOT_ENOUGH}
          </dd>
          {r.adjustment === 'baseline' ? (
            <>
              <dt>Plain difference of the groups’ load</dt>
              <dd>{intervalText(r.unadjustedShedKw, r.confidence)}</dd>
            </>
          ) : null}
          <dt>Asked group vs its own baseline</dt>
          <dd>{kwText(r.baselineShedKw)}</dd>
          <dt>Fleet shed</dt>
          <dd data-testid="fleet-shed-kw">{shedKnown ? intervalText(r.shedKwFleet, r.confidence) : NOT_ENOUGH}</dd>
          <dt>Mean load in the window</dt>
          <dd>
            {`asked ${kwText(r.treatment.meanKw)} (${vehicles(r.treatment.n)}) · control ${kwText(r.control.meanKw)} (${vehicles(r.control.n)})`}
          </dd>
          <dt>Opt-outs</dt>
          <dd>
            {int.format(r.optOuts.explicit)} explicit, {int.format(r.optOuts.charging)} charged anyway ·{' '}
            {r.treatment.n > 0 ? pct.format(r.optOuts.share) : NOT_ENOUGH} of those asked
          </dd>
          <dt>Rebound</dt>
          <dd>{intervalText(r.reboundKw, r.confidence)}</dd>
          <dt>Energy shifted</dt>
          <dd>{finite(r.shiftedKwh) ? `${kwhFormat.format(r.shiftedKwh)} kWh` : NOT_ENOUGH}</dd>
        </dl>
        <p class="muted small">
          Shed is the control group’s mean load minus the asked group’s, in the window (each vehicle’s own, offsets
          applied)
          {r.adjustment === 'baseline'
            ? ', each vehicle’s load first taken from its own baseline, which removes the differences between cars'
            : ''}
          . The interval is Welch’s at {pct.format(r.confidence)}; an interval that includes 0 kW means no effect is
          shown.
        </p>
      </Card>
      <Card>
        {profile.any ? (
          <Chart
            caption={`Mean load per vehicle, 15-minute steps (${timeZone})`}
            summary={`Mean charging load per vehicle of the asked group, the control group and the asked group’s baseline, in 15-minute steps from ${clock(r.profile[0]!.at, timeZone)} to ${clock(r.profile.at(-1)!.at, timeZone)}.`}
            x={profile.x}
            series={profile.series}
            yLabel="kW"
            xLabel="Time"
            digits={2}
            xFormat={(s) => clock(new Date(s * 1000).toISOString(), timeZone)}
          />
        ) : (
          <Empty>Load profile: {NOT_ENOUGH} (no charging measured around the window).</Empty>
        )}
      </Card>
    </section>
  );
}
