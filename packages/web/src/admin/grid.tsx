/**
 * /admin/:slug/grid: when, where and at what level the program's vehicles charge, for planners —
 * the mean load by hour of day, energy day by day by level, the share inside the territory, the
 * time-of-use split, and the vehicles behind the peak hour, with the demand-response events of the
 * range shaded on the load by hour; then the distribution grid (feeders, transformers and their
 * coincident peak). Exported as CSV, a row a day.
 */
import { useMemo, useState } from 'preact/hooks';
import { get, isoDay, type GridView } from '../api';
import { Chart, COLORS, daySeconds, type ChartSeries } from '../components/chart';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad } from '../session';
import { date, energy, f2, share } from '../units';
import { hourLabel, lastDays, rangeQuery, RangePicker, type DayRange } from './common';
import { Distribution, EventLegend, eventShades } from './grid-distribution';
import type { SectionProps } from './program';

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const TOU_COLORS = [COLORS.green, COLORS.blue, COLORS.amber, COLORS.red, COLORS.purple, COLORS.teal, COLORS.grey];
const TOP = 10;

/** Every calendar day of the range, with the view's row or zeros. */
function calendar(view: GridView) {
  const byDay = new Map(view.days.map((d) => [d.day, d]));
  const out = [];
  for (const d = new Date(`${view.from}T12:00:00`); isoDay(d) < view.to; d.setDate(d.getDate() + 1)) {
    const key = isoDay(d);
    const row = byDay.get(key);
    out.push({
      day: key,
      l1: (row?.l1Wh ?? 0) / 1000,
      l2: (row?.l2Wh ?? 0) / 1000,
      dcfc: (row?.dcfcWh ?? 0) / 1000,
      other: Math.max(0, ((row?.wallWh ?? 0) - (row?.l1Wh ?? 0) - (row?.l2Wh ?? 0) - (row?.dcfcWh ?? 0)) / 1000),
      inside: (row?.inTerritoryWh ?? 0) / 1000,
      outside: Math.max(0, (row?.wallWh ?? 0) - (row?.inTerritoryWh ?? 0)) / 1000,
    });
  }
  return out;
}

function nice(name: string): string {
  const text = name.replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function Grid({ program }: SectionProps) {
  const [range, setRange] = useState<DayRange>(() => lastDays(30));
  const query = rangeQuery(range);
  const load = useLoad(() => get<GridView>(`/programs/${program.slug}/grid?${query}`), [program.slug, query]);
  const view = load.data;
  const csv = `/api/v1/programs/${program.slug}/grid.csv?${query}`;
  return (
    <Page
      title="Grid view"
      actions={
        <a class="button secondary small" href={csv} download>
          Export CSV
        </a>
      }
    >
      <Card>
        <RangePicker value={range} onChange={setRange} />
        <p class="muted small adm-tight">
          Hours are local to the program ({program.timeZone}). Days without data count as no load.
          {view ? ` Figures as of ${new Date(view.computedAt).toLocaleTimeString([], { timeStyle: 'short' })}.` : ''}
        </p>
      </Card>
      {load.loading ? <Loading what="Reading the program’s charging" /> : null}
      <ErrorNote error={load.error} />
      {view && !load.loading ? <GridBody view={view} periods={program.tou?.periods ?? []} /> : null}
      <Distribution slug={program.slug} query={query} />
    </Page>
  );
}

function GridBody({ view, periods }: { view: GridView; periods: readonly string[] }) {
  const t = view.totals;
  const days = useMemo(() => calendar(view), [view]);
  const profile = useMemo(
    () =>
      [
        { label: 'All days', unit: 'kW', color: COLORS.green, values: view.profileKw.all },
        { label: 'Weekdays', unit: 'kW', color: COLORS.blue, values: view.profileKw.weekday, dash: [6, 4] },
        { label: 'Weekends', unit: 'kW', color: COLORS.amber, values: view.profileKw.weekend, dash: [2, 3] },
      ] satisfies ChartSeries[],
    [view],
  );
  const dayX = useMemo(() => days.map((d) => daySeconds(d.day)), [days]);
  const levels = useMemo(() => {
    const series: ChartSeries[] = [
      { label: 'Level 1', unit: 'kWh', kind: 'bar', color: COLORS.L1, values: days.map((d) => d.l1) },
      { label: 'Level 2', unit: 'kWh', kind: 'bar', color: COLORS.L2, values: days.map((d) => d.l2) },
      { label: 'DC fast', unit: 'kWh', kind: 'bar', color: COLORS.DCFC, values: days.map((d) => d.dcfc) },
    ];
    if (days.some((d) => d.other > 0.001)) {
      series.push({
        label: 'Level unknown',
        unit: 'kWh',
        kind: 'bar',
        color: COLORS.grey,
        values: days.map((d) => d.other),
      });
    }
    return series;
  }, [days]);
  const territory = useMemo(
    (): ChartSeries[] => [
      { label: 'Inside', unit: 'kWh', kind: 'bar', color: COLORS.green, values: days.map((d) => d.inside) },
      { label: 'Outside', unit: 'kWh', kind: 'bar', color: COLORS.red, values: days.map((d) => d.outside) },
    ],
    [days],
  );
  const events = view.events ?? [];
  const shade = useMemo(() => eventShades(events, view.program.timeZone), [events, view.program.timeZone]);
  const [allContributors, setAllContributors] = useState(false);
  if (t.wallWh <= 0) {
    return <Empty>No charging was recorded in this range.</Empty>;
  }
  const weekdayPeak = view.profileKw.weekday.reduce((best, kw, h, a) => (kw > a[best]! ? h : best), 0);
  const rank = (name: string) => (periods.includes(name) ? periods.indexOf(name) : periods.length);
  const tou = Object.entries(t.byTouWh).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  const touTotal = tou.reduce((a, [, wh]) => a + wh, 0);
  const contributors = allContributors ? view.contributors : view.contributors.slice(0, TOP);
  const l2 = t.byLevelWh.L2 / t.wallWh;
  return (
    <>
      <div class="stats">
        <Stat label="Charged" value={energy(t.wallWh, 0)} hint={`${t.vehicles} vehicles · at the wall`} />
        <Stat
          label="Peak hour"
          value={`${hourLabel(view.peakHour)}–${hourLabel(view.peakHour + 1)}`}
          hint={`${f2.format(view.peakKw)} kW mean load`}
        />
        <Stat label="Inside the territory" value={share(t.inTerritoryShare)} hint="of the energy" />
        <Stat
          label="Level 2 / DC fast"
          value={`${share(l2)} / ${share(t.byLevelWh.DCFC / t.wallWh)}`}
          hint={`Level 1 ${share(t.byLevelWh.L1 / t.wallWh)}`}
        />
      </div>
      <div class="two">
        <Card>
          <Chart
            caption="Mean load by hour of day (kW)"
            summary={`Mean charging load of the program by local hour. The highest is ${f2.format(view.peakKw)} kW at ${hourLabel(view.peakHour)}; on weekdays the peak is at ${hourLabel(weekdayPeak)}.${events.length > 0 ? ` The hours of ${events.length} demand-response event${events.length === 1 ? '' : 's'} are shaded; they are listed under the chart.` : ''}`}
            time={false}
            x={HOURS}
            series={profile}
            yLabel="kW"
            xFormat={(h) => hourLabel(h)}
            shade={shade}
          />
          <EventLegend events={events} timeZone={view.program.timeZone} />
        </Card>
        <Card>
          <Chart
            caption="Charging energy by day and level (kWh)"
            summary={`Daily charging energy, stacked by level: ${energy(t.byLevelWh.L1, 0)} Level 1, ${energy(t.byLevelWh.L2, 0)} Level 2, ${energy(t.byLevelWh.DCFC, 0)} DC fast over the range.`}
            stacked
            x={dayX}
            series={levels}
            yLabel="kWh"
          />
        </Card>
        <Card>
          <Chart
            caption="Charging inside and outside the territory by day (kWh)"
            summary={`Daily charging energy inside and outside the service territory; overall ${share(t.inTerritoryShare)} was inside.`}
            stacked
            x={dayX}
            series={territory}
            yLabel="kWh"
          />
        </Card>
        <Card title="Energy by time-of-use period">
          {tou.length === 0 ? (
            <Empty>The program has no time-of-use plan, or no energy was assigned to one.</Empty>
          ) : (
            <ul class="adm-bars">
              {tou.map(([name, wh], i) => (
                <li key={name}>
                  <span class="adm-bar-label">{nice(name)}</span>
                  <span class="adm-bar-track" aria-hidden="true">
                    <span
                      class="adm-bar-fill"
                      style={{ width: `${(wh / touTotal) * 100}%`, background: TOU_COLORS[i % TOU_COLORS.length] }}
                    />
                  </span>
                  <span class="adm-bar-value">
                    {energy(wh, 0)} · {share(wh / touTotal)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <Card title={`Who charges at the peak hour (${hourLabel(view.peakHour)}–${hourLabel(view.peakHour + 1)})`}>
        {view.contributors.length === 0 ? (
          <Empty>No vehicle charged in the peak hour.</Empty>
        ) : (
          <>
            <div class="table-wrap">
              <table>
                <caption class="adm-sr">Vehicles by their mean load in the peak hour, {date(view.from)} on</caption>
                <thead>
                  <tr>
                    <th scope="col">Vehicle</th>
                    <th scope="col">At the peak hour</th>
                    <th scope="col">Share of the peak</th>
                    <th scope="col" class="hide-narrow">
                      In on-peak periods
                    </th>
                    <th scope="col" class="hide-narrow">
                      Charged
                    </th>
                    <th scope="col" class="hide-narrow">
                      Days charging
                    </th>
                    <th scope="col" class="hide-narrow">
                      DC fast
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {contributors.map((c) => (
                    <tr key={c.vehicleId}>
                      <th scope="row">
                        {c.vehicle} <span class="muted small">#{c.vehicleId}</span>
                      </th>
                      <td>{f2.format(c.peakHourKw)} kW</td>
                      <td>{share(c.peakHourShare)}</td>
                      <td class="hide-narrow">{energy(c.peakPeriodWh, 1)}</td>
                      <td class="hide-narrow">{energy(c.wallWh, 0)}</td>
                      <td class="hide-narrow">{c.chargeDays}</td>
                      <td class="hide-narrow">{share(c.dcfcShare)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {view.contributors.length > TOP ? (
              <div class="buttons">
                <button type="button" class="secondary" onClick={() => setAllContributors(!allContributors)}>
                  {allContributors ? `Show the top ${TOP}` : `Show all ${view.contributors.length}`}
                </button>
              </div>
            ) : null}
            <p class="muted small">
              Mean kW over the range in that hour; “on-peak periods” is the energy in the time-of-use plan’s on_peak
              hours. {f2.format(view.peakKw)} kW is the whole program’s mean at the peak hour.
            </p>
          </>
        )}
      </Card>
    </>
  );
}
