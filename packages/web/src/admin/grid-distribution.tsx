/**
 * The grid page's distribution parts: the demand-response events shaded on the load-by-hour chart
 * (and named beside it), and the distribution grid — upload the program's feeders and transformers
 * (CSV or GeoJSON), then each group's coincident peak against its rating (docs/distribution.md).
 */
import { useState } from 'preact/hooks';
import { get, sendText, type DistributionView, type GridEvent, type GridUploadResult } from '../api';
import { Badge, Card, Empty, ErrorNote, Loading } from '../components/ui';
import { useLoad } from '../session';
import { f2 } from '../units';
import { int, onSubmitData, Problems, useAction } from './common';

/** Event windows: translucent, so overlapping events read darker and the lines stay visible. */
export const EVENT_SHADE = 'rgba(199, 125, 0, 0.16)';

/** Local hours since midnight (with minutes as a fraction) of an instant in the program's time zone. */
function localHours(iso: string, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') + part('minute') / 60;
}

function localTime(iso: string, timeZone: string, withDate = true): string {
  return new Date(iso).toLocaleString(undefined, {
    timeZone,
    ...(withDate ? { dateStyle: 'medium' } : {}),
    timeStyle: 'short',
  });
}

/**
 * Each event's window on the hour-of-day axis, where the point at x = h is the hour h:00–h+1:00:
 * a window 17:00–20:00 covers the points 17, 18 and 19. One past midnight is drawn in two parts.
 */
export function eventShades(events: readonly GridEvent[], timeZone: string) {
  const shades: { from: number; to: number; color: string }[] = [];
  for (const e of events) {
    if (e.status === 'cancelled') continue;
    const start = localHours(e.startsAt, timeZone);
    const end = start + (Date.parse(e.endsAt) - Date.parse(e.startsAt)) / 3_600_000;
    const span = (a: number, b: number) => shades.push({ from: a - 0.5, to: b - 0.5, color: EVENT_SHADE });
    if (end <= 24) span(start, end);
    else {
      span(start, 24);
      span(0, Math.min(end - 24, 24));
    }
  }
  return shades;
}

/** What the shaded windows are: each event, its local window, and the shed it measured. */
export function EventLegend({ events, timeZone }: { events: readonly GridEvent[]; timeZone: string }) {
  if (events.length === 0) return null;
  return (
    <div class="small">
      <p class="adm-tight">
        <span class="dot" style={{ background: EVENT_SHADE, outline: '1px solid #c77d00' }} aria-hidden="true" />{' '}
        Shaded: the hours of the demand-response events in this range ({timeZone} time).
      </p>
      <ul class="adm-tight" aria-label="Demand-response events in this range">
        {events.map((e) => {
          const shed =
            e.shedKwFleet === null
              ? e.status === 'completed'
                ? 'not measured yet'
                : e.status
              : `${f2.format(e.shedKwFleet)} kW shed (measured)`;
          return (
            <li key={e.id} title={`${e.name}: ${shed}`}>
              <strong>{e.name}</strong> · {localTime(e.startsAt, timeZone)}–{localTime(e.endsAt, timeZone, false)} ·{' '}
              {e.status === 'cancelled' ? <Badge tone="neutral">cancelled</Badge> : shed}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** CSV by its name or type; anything else is sent as GeoJSON (JSON). */
function contentTypeOf(file: File): string {
  return /\.csv$/i.test(file.name) || file.type === 'text/csv' ? 'text/csv' : 'application/json';
}

function UploadForm({ slug, onStored }: { slug: string; onStored: () => void }) {
  const upload = useAction();
  const [result, setResult] = useState<GridUploadResult | null>(null);
  const submit = onSubmitData((data, form) => {
    const file = data.get('file');
    setResult(null);
    void upload.run(async () => {
      if (!(file instanceof File) || file.size === 0) throw new Error('Choose a CSV or GeoJSON file first.');
      const stored = await sendText<GridUploadResult>(
        'PUT',
        `/programs/${slug}/grid/groups`,
        await file.text(),
        contentTypeOf(file),
      );
      setResult(stored);
      form.reset();
      onStored();
    });
  });
  const unmatched = result?.unmatchedServicePoints ?? [];
  return (
    <form class="form" onSubmit={submit} aria-label="Upload the distribution grid">
      <div class="field">
        <label for="grid-groups-file">Feeders and transformers (CSV or GeoJSON)</label>
        <input
          id="grid-groups-file"
          name="file"
          type="file"
          accept=".csv,.geojson,.json,text/csv,application/json,application/geo+json"
          aria-describedby="grid-groups-file-note"
          required
        />
        <small id="grid-groups-file-note" class="muted">
          CSV columns: service_point, transformer, transformer_kva, feeder, feeder_kva. GeoJSON: a Feature per group
          with kind, code, ratingKva, parent and servicePoints, and a transformer’s area. The upload replaces the
          program’s groups; a file with a mistake changes nothing and each mistake is named.
        </small>
      </div>
      <div>
        <button type="submit" disabled={upload.busy}>
          {upload.busy ? 'Uploading…' : 'Upload and replace'}
        </button>
      </div>
      <Problems error={upload.error} />
      {result ? (
        <div class="notice ok" role="status">
          Stored {int.format(result.groups.length)} groups and {int.format(result.servicePoints)} service points.
          {unmatched.length > 0 ? (
            <>
              {' '}
              {int.format(unmatched.length)} service point{unmatched.length === 1 ? ' matches' : 's match'} no
              participant’s utility account: {unmatched.slice(0, 10).join(', ')}
              {unmatched.length > 10 ? ` and ${int.format(unmatched.length - 10)} more` : ''}.
            </>
          ) : (
            ' Every service point matches a participant.'
          )}
        </div>
      ) : null}
    </form>
  );
}

type GroupLoad = DistributionView['groups'][number];

/** Feeders in code order, each followed by its transformers; transformers without a feeder last. */
function ordered(groups: readonly GroupLoad[]): { group: GroupLoad; nested: boolean }[] {
  const feeders = groups.filter((g) => g.kind === 'feeder');
  const codes = new Set(feeders.map((f) => f.code));
  const under = (code: string | null) => groups.filter((g) => g.kind === 'transformer' && g.parentCode === code);
  return [
    ...feeders.flatMap((f) => [{ group: f, nested: false }, ...under(f.code).map((t) => ({ group: t, nested: true }))]),
    ...groups
      .filter((g) => g.kind === 'transformer' && (g.parentCode === null || !codes.has(g.parentCode)))
      .map((t) => ({ group: t, nested: false })),
  ];
}

function GroupsTable({ view }: { view: DistributionView }) {
  const tz = view.program.timeZone;
  const over = view.groups.filter((g) => (g.hoursAboveRating ?? 0) > 0).length;
  const u = view.unassignedParticipants;
  return (
    <>
      {over > 0 ? (
        <p class="adm-warn" role="status">
          {over} group{over === 1 ? '' : 's'} ran above {over === 1 ? 'its' : 'their'} rating in this range.
        </p>
      ) : null}
      <div class="table-wrap">
        <table>
          <caption class="adm-sr">Feeders and transformers: rating, coincident peak and hours above rating</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Rating</th>
              <th scope="col">Participants</th>
              <th scope="col">Coincident peak</th>
              <th scope="col" class="hide-narrow">
                Peak hour
              </th>
              <th scope="col">Hours above rating</th>
            </tr>
          </thead>
          <tbody>
            {ordered(view.groups).map(({ group: g, nested }) => {
              const above = (g.hoursAboveRating ?? 0) > 0;
              return (
                <tr key={g.id} data-over-rating={above ? 'true' : undefined}>
                  <th scope="row">
                    {nested ? <span aria-hidden="true">↳ </span> : null}
                    {g.kind === 'feeder' ? 'Feeder' : 'Transformer'} <code>{g.code}</code>
                    {g.name ? <span class="muted small"> {g.name}</span> : null}
                  </th>
                  <td>{g.ratingKva === null ? '–' : `${int.format(g.ratingKva)} kVA`}</td>
                  <td>{int.format(g.participants)}</td>
                  <td class={above ? 'adm-warn' : undefined}>{f2.format(g.coincidentPeakKw)} kW</td>
                  <td class="hide-narrow">{g.peakAt ? localTime(g.peakAt, tz) : '–'}</td>
                  <td>
                    {g.hoursAboveRating === null ? (
                      <span class="muted">no rating</span>
                    ) : above ? (
                      <Badge tone="bad">{`${int.format(g.hoursAboveRating)} h over rating`}</Badge>
                    ) : (
                      '0'
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="muted small">
        {u.count > 0
          ? `${int.format(u.count)} participant${u.count === 1 ? ' is' : 's are'} on no group (no service point row, no home inside a transformer’s area)${u.peakAt ? `; together they peaked at ${f2.format(u.coincidentPeakKw)} kW on ${localTime(u.peakAt, tz)}` : ''}. `
          : 'Every participant is on a group. '}
        The coincident peak is the highest hourly mean of the group’s participants’ home charging together; hours above
        rating compare kW with kVA at a power factor of 1, and an hour’s mean can hide a shorter overload.
      </p>
    </>
  );
}

/** The distribution section of the grid page, for the same range. */
export function Distribution({ slug, query }: { slug: string; query: string }) {
  const load = useLoad(() => get<DistributionView>(`/programs/${slug}/grid/distribution?${query}`), [slug, query]);
  return (
    <Card title="Distribution">
      <UploadForm slug={slug} onStored={load.reload} />
      {load.loading ? <Loading what="Reading the feeders and transformers" /> : null}
      <ErrorNote error={load.error} />
      {load.data && !load.loading ? (
        load.data.groups.length === 0 ? (
          <Empty>No feeders or transformers yet: upload the program’s distribution grid above.</Empty>
        ) : (
          <GroupsTable view={load.data} />
        )
      ) : null}
    </Card>
  );
}
