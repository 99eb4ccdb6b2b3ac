/** The driver's dashboard: today and the last days at a glance. */
import { daysAgo, get, type Day } from '../api';
import { Chart, COLORS, daySeconds } from '../components/chart';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad, useSession } from '../session';
import { co2, distance, distanceValue, efficiency, energy } from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';

const emptyDay = (day: string): Day => ({
  day,
  trips: 0,
  distanceM: 0,
  electricDistanceM: 0,
  driveWh: 0,
  driveHvacWh: 0,
  driveAuxWh: 0,
  sessions: 0,
  chargeWallWh: 0,
  chargeBatteryWh: 0,
  chargeL1Wh: 0,
  chargeL2Wh: 0,
  chargeDcfcWh: 0,
  chargeInTerritoryWh: 0,
  chargeAuxWh: 0,
  co2G: 0,
  fuelCo2G: 0,
  co2AvoidedG: 0,
  ambientMeanC: null,
  ambientMinC: null,
  ambientMaxC: null,
});

const sum = (days: readonly Day[], key: keyof Day) => days.reduce((a, d) => a + (Number(d[key]) || 0), 0);

export function Dashboard() {
  const { units, account, ready } = useSession();
  const v = useMyVehicle();
  const vehicleId = v.vehicle?.vehicleId;
  const days = useLoad(
    async () =>
      vehicleId
        ? (await get<{ days: Day[] }>(`/vehicles/${vehicleId}/days?from=${daysAgo(29)}&to=${daysAgo(-1)}`)).days
        : [],
    [vehicleId],
  );
  if (ready && !account) {
    return (
      <Page title="Dashboard">
        <p>
          <a href="/signin?next=/dashboard">Sign in</a> to see your vehicle.
        </p>
      </Page>
    );
  }
  const list = days.data ?? [];
  const today = list.find((d) => d.day === daysAgo(0));
  const week = list.filter((d) => d.day > daysAgo(7));
  // The last 14 calendar days, today last; a day without a record is a day without driving or charging.
  const byDay = new Map(list.map((d) => [d.day, d]));
  const shown = Array.from({ length: 14 }, (_, i) => byDay.get(daysAgo(13 - i)) ?? emptyDay(daysAgo(13 - i)));
  const hasDays = list.length > 0;
  return (
    <Page title="Dashboard" actions={<VehiclePicker v={v} />}>
      {v.loading ? <Loading /> : null}
      <ErrorNote error={v.error ?? days.error} />
      {!v.loading && !v.vehicle ? (
        <Empty>
          No vehicle yet. <a href="/program">Apply to a program</a> with your EV; once its device is installed, your
          trips and charging show here.
        </Empty>
      ) : null}
      {v.vehicle ? (
        <>
          <p class="muted">
            {v.vehicle.label} · {v.vehicle.program.name} · {v.vehicle.deviceText}
          </p>
          <h2 class="section">Today</h2>
          <div class="stats">
            <Stat label="Distance" value={distance(today?.distanceM ?? 0, units)} hint={`${today?.trips ?? 0} trips`} />
            <Stat label="Energy used" value={energy(today?.driveWh ?? 0)} />
            <Stat label="Charged" value={energy(today?.chargeWallWh ?? 0)} hint={`${today?.sessions ?? 0} sessions`} />
            <Stat label="CO₂ avoided" value={co2(today?.co2AvoidedG ?? 0)} />
          </div>
          <h2 class="section">Last 7 days</h2>
          <div class="stats">
            <Stat
              label="Distance"
              value={distance(sum(week, 'distanceM'), units, 0)}
              hint={`${distance(sum(week, 'electricDistanceM'), units, 0)} electric`}
            />
            <Stat
              label="Efficiency"
              value={efficiency(sum(week, 'driveWh'), sum(week, 'distanceM'), units)}
              hint={`${energy(sum(week, 'driveWh'))} used`}
            />
            <Stat
              label="Charging"
              value={energy(sum(week, 'chargeWallWh'))}
              hint={`${sum(week, 'sessions')} sessions at the wall`}
            />
            <Stat
              label="Carbon"
              value={co2(sum(week, 'co2G'))}
              hint={`${co2(sum(week, 'co2AvoidedG'))} avoided vs a gasoline car`}
            />
          </div>
          {days.loading ? <Loading /> : null}
          {hasDays ? (
            <div class="two">
              <Card>
                <Chart
                  caption={`Distance per day (${units.distance})`}
                  summary={`Distance driven on each of the last ${shown.length} days.`}
                  x={shown.map((d) => daySeconds(d.day))}
                  series={[
                    {
                      label: 'Distance',
                      unit: units.distance,
                      kind: 'bar',
                      color: COLORS.blue,
                      values: shown.map((d) => distanceValue(d.distanceM, units)),
                    },
                  ]}
                />
              </Card>
              <Card>
                <Chart
                  caption="Charging per day, by level (kWh at the wall)"
                  summary="Energy charged each day, split into Level 1, Level 2 and DC fast charging."
                  stacked
                  x={shown.map((d) => daySeconds(d.day))}
                  series={[
                    {
                      label: 'Level 1',
                      unit: 'kWh',
                      kind: 'bar',
                      color: COLORS.L1,
                      values: shown.map((d) => d.chargeL1Wh / 1000),
                    },
                    {
                      label: 'Level 2',
                      unit: 'kWh',
                      kind: 'bar',
                      color: COLORS.L2,
                      values: shown.map((d) => d.chargeL2Wh / 1000),
                    },
                    {
                      label: 'DC fast',
                      unit: 'kWh',
                      kind: 'bar',
                      color: COLORS.DCFC,
                      values: shown.map((d) => d.chargeDcfcWh / 1000),
                    },
                  ]}
                />
              </Card>
            </div>
          ) : days.loading ? null : (
            <Empty>No data yet for this vehicle: it shows here after the device’s first upload.</Empty>
          )}
        </>
      ) : null}
    </Page>
  );
}
