/**
 * The driver's dashboard: today and the last days at a glance, what charging cost at the
 * program's rates and what charging off-peak saved, and — while the device's history is still
 * arriving or being worked out — says so instead of "no data".
 */
import { useEffect } from 'preact/hooks';
import { daysAgo, get, type Day, type VehicleOverview } from '../api';
import { Chart, COLORS, daySeconds } from '../components/chart';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad, useSession } from '../session';
import { co2, date, distance, distanceValue, efficiency, energy } from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';
import { MyEvents } from './events';
import { costSentences, money, perKwh } from './insights';

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
  const { units, account, ready, config } = useSession();
  const v = useMyVehicle();
  const vehicleId = v.vehicle?.vehicleId;
  const days = useLoad(
    async () =>
      vehicleId
        ? (await get<{ days: Day[] }>(`/vehicles/${vehicleId}/days?from=${daysAgo(29)}&to=${daysAgo(-1)}`)).days
        : [],
    [vehicleId],
  );
  const overview = useLoad(
    async () => (vehicleId ? await get<VehicleOverview>(`/vehicles/${vehicleId}/overview`) : undefined),
    [vehicleId],
  );
  const progress = overview.data?.data;
  const demoFilling = config.demo?.state === 'filling' || config.demo?.state === 'preparing';
  // History still arriving or being derived: look again every few seconds until it is in.
  const filling = demoFilling || progress?.deriving === true || (!!progress?.receivedTo && progress.lastDay === null);
  useEffect(() => {
    if (!filling || !vehicleId) return;
    const timer = setInterval(() => {
      overview.reload();
      days.reload();
    }, 5000);
    return () => clearInterval(timer);
  }, [filling, vehicleId]);
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
  const rates = overview.data?.rates ?? null;
  const weekCost = rates ? costSentences(week, rates, 'in the last 7 days') : undefined;
  const monthCost = rates ? costSentences(list, rates, 'in the last 30 days') : undefined;
  return (
    <Page title="Dashboard" actions={<VehiclePicker v={v} />}>
      {account?.role === 'driver' ? <MyEvents current /> : null}
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
          {hasDays && rates && weekCost && monthCost ? (
            <>
              <h2 class="section">Charging cost</h2>
              <div class="stats">
                <Stat
                  label="Cost, last 7 days"
                  value={money(weekCost.amount, rates.currency)}
                  hint={`${energy(weekCost.wh)} charged`}
                />
                <Stat
                  label={rates.timeOfUse ? 'Saved off-peak, 7 days' : 'Price'}
                  value={
                    rates.timeOfUse
                      ? money(weekCost.savedAmount, rates.currency)
                      : perKwh(rates.periods[0]!.pricePerKwh, rates.currency)
                  }
                  hint={
                    rates.timeOfUse
                      ? `vs all at ${rates.comparison.label.toLowerCase()} (${perKwh(rates.comparison.pricePerKwh, rates.currency)})`
                      : 'at all hours'
                  }
                />
                <Stat
                  label="Cost, last 30 days"
                  value={money(monthCost.amount, rates.currency)}
                  hint={`${energy(monthCost.wh)} charged`}
                />
              </div>
              <Card>
                <p class="cost-words">
                  {monthCost.cost} {monthCost.saved}
                </p>
                <p class="muted small">
                  Prices: {rates.periods.map((p) => `${p.label} ${perKwh(p.pricePerKwh, rates.currency)}`).join(', ')}
                  {rates.note ? `. ${rates.note}` : '.'}
                  {rates.source ? ` Source: ${rates.source}.` : ''}
                </p>
              </Card>
            </>
          ) : null}
          {hasDays && filling ? (
            <p class="notice" role="status">
              {demoFilling
                ? 'The demo’s history is still arriving: these figures grow as it lands.'
                : 'Your latest data is being worked out: these figures will update in a moment.'}
            </p>
          ) : null}
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
          ) : days.loading || overview.loading ? null : progress?.lastDay && !progress.deriving ? (
            <Empty>
              Nothing in the last 30 days: the latest data from this vehicle is from {date(progress.lastDay)}.
            </Empty>
          ) : progress?.receivedTo ? (
            <p class="notice" role="status">
              Your first trips are being worked out: your device has sent data from{' '}
              {date(progress.receivedFrom ?? progress.receivedTo)} to {date(progress.receivedTo)}. Trips, charging and
              costs show here as soon as they are ready.
            </p>
          ) : demoFilling ? (
            <p class="notice" role="status">
              Your history is on its way: the demo is sending its days of driving (
              {Math.round((config.demo?.progress ?? 0) * 100)} % in). Trips and charging show here as they land.
            </p>
          ) : (
            <Empty>No data yet for this vehicle: it shows here after the device’s first upload.</Empty>
          )}
        </>
      ) : null}
    </Page>
  );
}
