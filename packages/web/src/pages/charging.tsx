/**
 * Charging: sessions with level, energy at the wall and in the battery, how long, the state of
 * charge from start to end, the outside temperature and where; the mix by level over time; the
 * charging places on a map of the program's territory. Labels say the span the data really covers
 * ("since 1 Dec", not "6 months" when there are five days). Sessions under 1 kWh (a car topping up
 * its 12 V battery, a plug tried and pulled) are folded away until asked for. On a phone each
 * session is a card: nothing is hidden, nothing scrolls sideways.
 */
import { useMemo, useState } from 'preact/hooks';
import { daysAgo, get, isoDay, type ChargeSession, type Day, type PublicProgram } from '../api';
import { Chart, COLORS, daySeconds } from '../components/chart';
import { ChargingMap, type MapPoint } from '../components/map';
import { Badge, Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad, useSession } from '../session';
import { date, dateTime, duration, energy, percent, power, share, temperature, type Units } from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';

const LEVEL_NAMES = { L1: 'Level 1', L2: 'Level 2', DCFC: 'DC fast' } as const;
const SESSION_LIMIT = 300;
const DAY_MS = 86_400_000;

function weekKey(day: string): string {
  const d = new Date(`${day}T12:00:00`);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return isoDay(d);
}

/** Every local day from `first` to `last` (YYYY-MM-DD), both included. */
function daysFrom(first: string, last: string): string[] {
  const out: string[] = [];
  for (const d = new Date(`${first}T12:00:00`); isoDay(d) <= last; d.setDate(d.getDate() + 1)) out.push(isoDay(d));
  return out;
}

const spanDays = (first: string, last: string) =>
  Math.round((Date.parse(`${last}T12:00:00`) - Date.parse(`${first}T12:00:00`)) / DAY_MS) + 1;

function SessionRow({ s, units }: { s: ChargeSession; units: Units }) {
  const pluggedS = (Date.parse(s.unpluggedAt) - Date.parse(s.pluggedAt)) / 1000;
  const cellLabel = (text: string) => (
    <span class="cell-label" aria-hidden="true">
      {text}
    </span>
  );
  return (
    <tr role="row" class={s.belowMinimum ? 'small-session' : undefined}>
      <th scope="row" role="rowheader" class="session-when">
        {dateTime(s.pluggedAt)}
      </th>
      <td role="cell">
        {cellLabel('Level')}
        {s.level ? LEVEL_NAMES[s.level] : '–'}
      </td>
      <td role="cell">
        {cellLabel('At the wall')}
        {energy(s.wallWh)}
        {s.belowMinimum ? <span class="muted"> (under 1 kWh)</span> : null}
      </td>
      <td role="cell">
        {cellLabel('Into the battery')}
        {energy(s.batteryWh)}
      </td>
      <td role="cell">
        {cellLabel('Charging')}
        {duration(s.chargingS)}
        <span class="muted small">
          {' '}
          of {duration(pluggedS)} plugged in{s.peakW ? ` · ${power(s.peakW)} peak` : ''}
        </span>
      </td>
      <td role="cell">
        {cellLabel('Battery')}
        {percent(s.socStartPct)} → {percent(s.socEndPct)}
      </td>
      <td role="cell">
        {cellLabel('Outside')}
        {temperature(s.ambientMeanC, units)}
      </td>
      <td role="cell">
        {cellLabel('Territory')}
        {s.inTerritory === null ? (
          <Badge>unknown</Badge>
        ) : s.inTerritory ? (
          <Badge tone="ok">inside</Badge>
        ) : (
          <Badge tone="warn">outside</Badge>
        )}
      </td>
    </tr>
  );
}

export function Charging() {
  const v = useMyVehicle();
  const { units } = useSession();
  const id = v.vehicle?.vehicleId;
  const slug = v.vehicle?.program.slug;
  const data = useLoad(async () => {
    if (!id) return { sessions: [] as ChargeSession[], days: [] as Day[] };
    const [s, d] = await Promise.all([
      get<{ sessions: ChargeSession[] }>(`/vehicles/${id}/sessions?limit=${SESSION_LIMIT}`),
      get<{ days: Day[] }>(`/vehicles/${id}/days?from=${daysAgo(180)}&to=${daysAgo(-1)}`),
    ]);
    return { sessions: s.sessions, days: d.days };
  }, [id]);
  // The territory is the program's; a page without it still shows the places.
  const program = useLoad(async () => (slug ? await get<PublicProgram>(`/programs/${slug}`) : null), [slug]);
  const territory = program.data?.territory ?? undefined;
  const [showSmall, setShowSmall] = useState(false);
  const sessions = data.data?.sessions ?? [];
  const days = data.data?.days ?? [];
  const today = daysAgo(0);

  // The span the data covers: from the first day with a charge (or any reading) to today.
  const firstDay = useMemo(() => {
    const candidates = [
      ...days.filter((d) => d.sessions > 0 || d.chargeWallWh > 0).map((d) => d.day),
      ...sessions.map((s) => s.localDate),
    ].filter((d) => d >= daysAgo(180));
    return candidates.length > 0 ? candidates.reduce((a, b) => (a < b ? a : b)) : today;
  }, [days, sessions, today]);
  const span = spanDays(firstDay, today);
  const spanLabel = span >= 180 ? 'last 6 months' : `since ${date(firstDay)}`;
  const daily = span <= 31;

  const bars = useMemo(() => {
    const map = new Map<string, { l1: number; l2: number; dc: number }>();
    // Every day (or week) of the span has its bar, empty ones too: gaps are part of the story.
    for (const d of daysFrom(firstDay, today)) map.set(daily ? d : weekKey(d), { l1: 0, l2: 0, dc: 0 });
    for (const d of days) {
      if (d.day < firstDay) continue;
      const k = daily ? d.day : weekKey(d.day);
      const w = map.get(k) ?? { l1: 0, l2: 0, dc: 0 };
      w.l1 += d.chargeL1Wh / 1000;
      w.l2 += d.chargeL2Wh / 1000;
      w.dc += d.chargeDcfcWh / 1000;
      map.set(k, w);
    }
    return [...map].sort(([a], [b]) => a.localeCompare(b));
  }, [days, firstDay, today, daily]);
  const points: MapPoint[] = useMemo(
    () =>
      sessions
        .filter((s) => s.latDeg !== null && s.lonDeg !== null)
        .map((s) => ({
          lat: s.latDeg!,
          lon: s.lonDeg!,
          label: `${dateTime(s.pluggedAt)} · ${energy(s.wallWh)} · ${s.level ? LEVEL_NAMES[s.level] : 'level unknown'}`,
          tone: s.inTerritory === null ? 'unknown' : s.inTerritory ? 'in' : 'out',
        })),
    [sessions],
  );
  const counted = days.filter((d) => d.day >= firstDay);
  const total = counted.reduce((a, d) => a + d.chargeWallWh, 0);
  const inside = counted.reduce((a, d) => a + d.chargeInTerritoryWh, 0);
  const byLevel = {
    L2: counted.reduce((a, d) => a + d.chargeL2Wh, 0),
    DCFC: counted.reduce((a, d) => a + d.chargeDcfcWh, 0),
  };
  const small = sessions.filter((s) => s.belowMinimum);
  const shown = showSmall ? sessions : sessions.filter((s) => !s.belowMinimum);
  const oldest = sessions.at(-1);
  const sessionsTitle =
    sessions.length >= SESSION_LIMIT && oldest
      ? `The latest ${sessions.length} sessions, since ${date(oldest.localDate)}`
      : oldest
        ? `${sessions.length === 1 ? 'The one session' : `All ${sessions.length} sessions`} since ${date(oldest.localDate)}`
        : 'Sessions';
  return (
    <Page title="Charging" actions={<VehiclePicker v={v} />}>
      <ErrorNote error={v.error ?? data.error} />
      {data.loading || v.loading ? <Loading /> : null}
      {!data.loading && sessions.length === 0 ? <Empty>No charging recorded yet.</Empty> : null}
      {sessions.length > 0 ? (
        <>
          <p class="muted" data-testid="charging-span">
            {span >= 180
              ? 'The last 6 months.'
              : `Since ${date(firstDay)}, the first charge recorded (${span === 1 ? 'today' : `${span} days`}).`}
          </p>
          <div class="stats">
            <Stat label={`Charged, ${spanLabel}`} value={energy(total, 1)} hint="at the wall" />
            <Stat label="Level 2" value={share(total > 0 ? byLevel.L2 / total : null)} hint={energy(byLevel.L2, 1)} />
            <Stat
              label="DC fast"
              value={share(total > 0 ? byLevel.DCFC / total : null)}
              hint={energy(byLevel.DCFC, 1)}
            />
            <Stat label="Inside the territory" value={share(total > 0 ? inside / total : null)} />
          </div>
          <div class="two">
            <Card>
              <Chart
                caption={`Charging by level, ${daily ? 'day by day' : 'week by week'}, ${spanLabel} (kWh at the wall)`}
                summary={`${daily ? 'Daily' : 'Weekly'} charging energy ${spanLabel}, split into Level 1, Level 2 and DC fast charging: ${energy(total, 1)} in all.`}
                stacked
                yLabel="Energy at the wall"
                x={bars.map(([k]) => daySeconds(k))}
                xLabel={daily ? 'Day' : 'Week of'}
                series={[
                  { label: 'Level 1', unit: 'kWh', kind: 'bar', color: COLORS.L1, values: bars.map(([, w]) => w.l1) },
                  { label: 'Level 2', unit: 'kWh', kind: 'bar', color: COLORS.L2, values: bars.map(([, w]) => w.l2) },
                  {
                    label: 'DC fast',
                    unit: 'kWh',
                    kind: 'bar',
                    color: COLORS.DCFC,
                    values: bars.map(([, w]) => w.dc),
                  },
                ]}
              />
            </Card>
            <Card title="Where you charge">
              <ChargingMap points={points} territory={territory} />
            </Card>
          </div>
          <Card title={sessionsTitle}>
            {small.length > 0 ? (
              <p class="fold-note">
                <button
                  type="button"
                  class="link"
                  aria-expanded={showSmall}
                  aria-controls="session-table"
                  onClick={() => setShowSmall(!showSmall)}
                >
                  {showSmall
                    ? `Hide the ${small.length === 1 ? 'short session' : `${small.length} short sessions`} under 1 kWh`
                    : `Show ${small.length === 1 ? 'the short session' : `the ${small.length} short sessions`} under 1 kWh`}
                </button>{' '}
                <span class="muted small">(a top-up of the small battery, or a plug tried and pulled)</span>
              </p>
            ) : null}
            {/* Explicit roles: a phone shows the rows as cards (CSS), and the table stays a table to screen readers. */}
            <table id="session-table" class="session-table" role="table">
              <thead role="rowgroup">
                <tr role="row">
                  <th scope="col" role="columnheader">
                    Plugged in
                  </th>
                  <th scope="col" role="columnheader">
                    Level
                  </th>
                  <th scope="col" role="columnheader">
                    At the wall
                  </th>
                  <th scope="col" role="columnheader">
                    Into the battery
                  </th>
                  <th scope="col" role="columnheader">
                    Charging
                  </th>
                  <th scope="col" role="columnheader">
                    Battery
                  </th>
                  <th scope="col" role="columnheader">
                    Outside
                  </th>
                  <th scope="col" role="columnheader">
                    Territory
                  </th>
                </tr>
              </thead>
              <tbody role="rowgroup">
                {shown.map((s) => (
                  <SessionRow key={s.pluggedAt} s={s} units={units} />
                ))}
              </tbody>
            </table>
          </Card>
        </>
      ) : null}
    </Page>
  );
}
