/**
 * Battery health: storage capacity and power capacity over time, each with the range it likely lies
 * in and how many measurements it rests on, in plain words. The charts start at a floor that keeps
 * a few points of change the size they are (50 %, lower only when the data goes lower).
 */
import { get, type HealthWeek } from '../api';
import { Chart, COLORS, daySeconds } from '../components/chart';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad } from '../session';
import { date, percent } from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';

/** The axis range for percentages of new: 50–100 %, wider only when the values go beyond. */
export function healthAxis(values: readonly (number | null)[]): [number, number] {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const low = Math.min(50, ...present.map((v) => Math.floor((v - 5) / 10) * 10));
  const high = Math.max(100, ...present.map((v) => Math.ceil(v + 1)));
  return [Math.max(0, low), high];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "3 charges in the 8 weeks before 7 Dec 2026": what the week's storage capacity rests on. */
export function storageBasis(w: HealthWeek): string {
  const n = w.sohBasis === 'dc' ? w.capacityDcEstimates : w.capacityAcEstimates;
  const kind = w.sohBasis === 'dc' ? 'DC fast charge' : 'charge';
  const weeks = Math.round((w.windowDays ?? 56) / 7);
  // The window ends with the week (its Monday + 7 days).
  const end = new Date(`${w.weekStart}T12:00:00`);
  end.setDate(end.getDate() + 7);
  return `${plural(n, kind)} in the ${plural(weeks, 'week')} before ${date(end.toISOString())}`;
}

/** The latest health in words, with its charts: shared by the driver's page and a share link. */
export function BatteryHealth({ weeks: unsorted }: { weeks: readonly HealthWeek[] }) {
  const weeks = [...unsorted].sort((a, b) => a.weekStart.localeCompare(b.weekStart));
  const latest = [...weeks].reverse().find((w) => w.sohPct !== null);
  const latestPower = [...weeks].reverse().find((w) => w.powerCapacityPct !== null);
  const x = weeks.map((w) => daySeconds(w.weekStart));
  const storageRange = healthAxis(weeks.flatMap((w) => [w.sohPct, w.sohLowPct, w.sohHighPct]));
  const powerRange = healthAxis(
    weeks.flatMap((w) => [w.powerCapacityPct, w.powerCapacityLowPct, w.powerCapacityHighPct]),
  );
  const storageWidth = latest ? (latest.sohHighPct ?? latest.sohPct!) - (latest.sohLowPct ?? latest.sohPct!) : 0;
  return (
    <>
      <div class="stats">
        <Stat
          label="Storage capacity"
          value={percent(latest?.sohPct ?? null, 0)}
          hint={
            latest && latest.sohLowPct !== null && latest.sohHighPct !== null
              ? `likely ${percent(latest.sohLowPct, 0)} – ${percent(latest.sohHighPct, 0)} of new`
              : 'needs more charging sessions'
          }
        />
        <Stat
          label="Power capacity"
          value={percent(latestPower?.powerCapacityPct ?? null, 0)}
          hint={latestPower ? `from ${plural(latestPower.resistanceTrips, 'trip')}` : 'needs more trips'}
        />
        <Stat
          label="The car’s own figure"
          value={percent(latest?.bmsSohPct ?? null, 0)}
          hint="where the car reports one"
        />
      </div>
      <Card title="What the figures rest on">
        {latest ? (
          <p data-testid="storage-basis">
            Storage capacity: about {percent(latest.sohPct, 0)} of new, likely between {percent(latest.sohLowPct, 0)}{' '}
            and {percent(latest.sohHighPct, 0)}. It rests on {storageBasis(latest)}
            {storageWidth > 6
              ? ': few measurements, so the range is wide; each charge that fills a good part of the battery in mild weather narrows it.'
              : '.'}
          </p>
        ) : (
          <p>
            Storage capacity: not measured yet. It needs at least three charges that fill a good part of the battery in
            mild weather.
          </p>
        )}
        {latestPower ? (
          <p data-testid="power-basis">
            Power capacity: about {percent(latestPower.powerCapacityPct, 0)} of a typical new battery of this size, from{' '}
            {plural(latestPower.resistanceTrips, 'trip')} with a firm press on the accelerator.{' '}
            {latest && latest.sohPct !== null && (latestPower.powerCapacityPct ?? 100) < latest.sohPct
              ? 'A lower figure than storage capacity is normal: a battery’s power usually falls faster than the energy it holds as it ages. '
              : ''}
            It does not decide your range; you would notice a low one, if at all, as gentler acceleration or slower fast
            charging on a cold day with the battery low. It compares with a typical battery, not with yours when new, so
            read it as a rough guide: what matters is whether it keeps falling month after month.
          </p>
        ) : (
          <p>
            Power capacity: not measured yet. It needs a few trips with a firm press on the accelerator in mild weather.
          </p>
        )}
      </Card>
      <div class="two">
        <Card>
          <Chart
            caption="Storage capacity, % of new (the band: where it likely is)"
            summary={`Storage capacity over ${plural(weeks.length, 'week')}; latest ${percent(latest?.sohPct ?? null, 0)}, likely ${percent(latest?.sohLowPct ?? null, 0)} to ${percent(latest?.sohHighPct ?? null, 0)}.`}
            x={x}
            band={[1, 2]}
            yLabel="Storage capacity"
            yRange={storageRange}
            series={[
              { label: 'Capacity', unit: '%', color: COLORS.green, values: weeks.map((w) => w.sohPct) },
              { label: 'Likely low', unit: '%', color: 'rgba(11,110,79,0.35)', values: weeks.map((w) => w.sohLowPct) },
              {
                label: 'Likely high',
                unit: '%',
                color: 'rgba(11,110,79,0.35)',
                values: weeks.map((w) => w.sohHighPct),
              },
            ]}
          />
        </Card>
        <Card>
          <Chart
            caption="Power capacity, % of a typical new battery (the band: where it likely is)"
            summary={`Power capacity over ${plural(weeks.length, 'week')}; latest ${percent(latestPower?.powerCapacityPct ?? null, 0)}.`}
            x={x}
            band={[1, 2]}
            yLabel="Power capacity"
            yRange={powerRange}
            series={[
              { label: 'Power', unit: '%', color: COLORS.blue, values: weeks.map((w) => w.powerCapacityPct) },
              {
                label: 'Likely low',
                unit: '%',
                color: 'rgba(43,108,176,0.35)',
                values: weeks.map((w) => w.powerCapacityLowPct),
              },
              {
                label: 'Likely high',
                unit: '%',
                color: 'rgba(43,108,176,0.35)',
                values: weeks.map((w) => w.powerCapacityHighPct),
              },
            ]}
          />
        </Card>
      </div>
    </>
  );
}

export function Battery() {
  const v = useMyVehicle();
  const id = v.vehicle?.vehicleId;
  const health = useLoad(
    async () => (id ? (await get<{ weeks: HealthWeek[] }>(`/vehicles/${id}/battery-health`)).weeks : []),
    [id],
  );
  const weeks = health.data ?? [];
  return (
    <Page title="Battery health" actions={<VehiclePicker v={v} />}>
      <ErrorNote error={v.error ?? health.error} />
      {health.loading || v.loading ? <Loading /> : null}
      <Card>
        <p>
          <strong>Storage capacity</strong> is how much energy the battery holds now, compared with when it was new: it
          decides your range. We measure it from charging sessions that fill a good part of the battery in mild weather.{' '}
          <strong>Power capacity</strong> is how readily the battery delivers power — it falls as the battery’s internal
          resistance rises, which we measure from how its voltage dips when you accelerate. Each figure comes with the
          range it likely lies in: the fewer sessions and trips behind it, the wider.
        </p>
      </Card>
      {weeks.length === 0 && !health.loading ? (
        <Empty>Not enough data yet: health estimates need a few weeks of charging and driving.</Empty>
      ) : null}
      {weeks.length > 0 ? <BatteryHealth weeks={weeks} /> : null}
    </Page>
  );
}
