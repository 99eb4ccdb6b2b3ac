/** Battery health: storage capacity and power capacity over time, with their confidence band, in plain words. */
import { get, type HealthWeek } from '../api';
import { Chart, COLORS, daySeconds } from '../components/chart';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad } from '../session';
import { percent } from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';

export function Battery() {
  const v = useMyVehicle();
  const id = v.vehicle?.vehicleId;
  const health = useLoad(
    async () => (id ? (await get<{ weeks: HealthWeek[] }>(`/vehicles/${id}/battery-health`)).weeks : []),
    [id],
  );
  const weeks = [...(health.data ?? [])].sort((a, b) => a.weekStart.localeCompare(b.weekStart));
  const latest = [...weeks].reverse().find((w) => w.sohPct !== null);
  const latestPower = [...weeks].reverse().find((w) => w.powerCapacityPct !== null);
  return (
    <Page title="Battery health" actions={<VehiclePicker v={v} />}>
      <ErrorNote error={v.error ?? health.error} />
      {health.loading || v.loading ? <Loading /> : null}
      <Card>
        <p>
          <strong>Storage capacity</strong> is how much energy the battery holds now, compared with when it was new: it
          decides your range. We measure it from charging sessions that fill a good part of the battery in mild weather.{' '}
          <strong>Power capacity</strong> is how readily the battery delivers power — it falls as the battery’s internal
          resistance rises, which we measure from how its voltage dips when you accelerate. Each estimate comes with a
          range: the fewer sessions and trips behind it, the wider.
        </p>
      </Card>
      {weeks.length === 0 && !health.loading ? (
        <Empty>Not enough data yet: health estimates need a few weeks of charging and driving.</Empty>
      ) : null}
      {weeks.length > 0 ? (
        <>
          <div class="stats">
            <Stat
              label="Storage capacity"
              value={percent(latest?.sohPct ?? null, 1)}
              hint={
                latest && latest.sohLowPct !== null && latest.sohHighPct !== null
                  ? `likely ${percent(latest.sohLowPct, 1)} – ${percent(latest.sohHighPct, 1)} of new`
                  : 'needs more charging sessions'
              }
            />
            <Stat
              label="Power capacity"
              value={percent(latestPower?.powerCapacityPct ?? null, 1)}
              hint={latestPower ? `from ${latestPower.resistanceTrips} trips` : 'needs more trips'}
            />
            <Stat
              label="The car’s own figure"
              value={percent(latest?.bmsSohPct ?? null, 1)}
              hint="where the car reports one"
            />
          </div>
          <div class="two">
            <Card>
              <Chart
                caption="Storage capacity, % of new (with its likely range)"
                summary={`Storage capacity over ${weeks.length} weeks; latest ${percent(latest?.sohPct ?? null, 1)}.`}
                x={weeks.map((w) => daySeconds(w.weekStart))}
                band={[1, 2]}
                series={[
                  { label: 'Capacity', unit: '%', color: COLORS.green, values: weeks.map((w) => w.sohPct) },
                  { label: 'Low', unit: '%', color: 'rgba(11,110,79,0.35)', values: weeks.map((w) => w.sohLowPct) },
                  { label: 'High', unit: '%', color: 'rgba(11,110,79,0.35)', values: weeks.map((w) => w.sohHighPct) },
                ]}
              />
            </Card>
            <Card>
              <Chart
                caption="Power capacity, % of new (with its likely range)"
                summary={`Power capacity over ${weeks.length} weeks; latest ${percent(latestPower?.powerCapacityPct ?? null, 1)}.`}
                x={weeks.map((w) => daySeconds(w.weekStart))}
                band={[1, 2]}
                series={[
                  { label: 'Power', unit: '%', color: COLORS.blue, values: weeks.map((w) => w.powerCapacityPct) },
                  {
                    label: 'Low',
                    unit: '%',
                    color: 'rgba(43,108,176,0.35)',
                    values: weeks.map((w) => w.powerCapacityLowPct),
                  },
                  {
                    label: 'High',
                    unit: '%',
                    color: 'rgba(43,108,176,0.35)',
                    values: weeks.map((w) => w.powerCapacityHighPct),
                  },
                ]}
              />
            </Card>
          </div>
        </>
      ) : null}
    </Page>
  );
}
