/**
 * What a share link shows, as the share page promises: one vehicle's recent days, trips, charging
 * and battery health, read-only, no sign-in. Never a location: the server leaves where the car
 * charged out of what a link reads, and this page draws no map.
 */
import { daysAgo, get, type ChargeSession, type Day, type HealthWeek, type Trip } from '../api';
import { Chart, COLORS, daySeconds } from '../components/chart';
import { Card, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad, useSession } from '../session';
import { co2, date, dateTime, distance, distanceValue, efficiency, energy } from '../units';
import { BatteryHealth } from './battery';

export function Shared({ token }: { token: string }) {
  const { units } = useSession();
  const base = `/shared/${encodeURIComponent(token)}`;
  const data = useLoad(async () => {
    const info = await get<{
      vehicle: { make: string; model: string; modelYear: number };
      expiresAt: string;
      label: string | null;
    }>(base);
    const [days, trips, sessions, health] = await Promise.all([
      get<{ days: Day[] }>(`${base}/days?from=${daysAgo(29)}&to=${daysAgo(-1)}`),
      get<{ trips: Trip[] }>(`${base}/trips?limit=10`),
      get<{ sessions: ChargeSession[] }>(`${base}/sessions?limit=10`),
      get<{ weeks: HealthWeek[] }>(`${base}/battery-health`),
    ]);
    return { info, days: days.days, trips: trips.trips, sessions: sessions.sessions, health: health.weeks };
  }, [token]);
  const d = data.data;
  const sum = (key: keyof Day) => (d?.days ?? []).reduce((a, x) => a + (Number(x[key]) || 0), 0);
  return (
    <Page title={d ? `${d.info.vehicle.modelYear} ${d.info.vehicle.make} ${d.info.vehicle.model}` : 'Shared stats'}>
      {data.loading ? <Loading /> : null}
      <ErrorNote error={data.error} />
      {d ? (
        <>
          <p class="muted">Shared read-only until {date(d.info.expiresAt)}. Last 30 days:</p>
          <div class="stats">
            <Stat label="Distance" value={distance(sum('distanceM'), units, 0)} />
            <Stat label="Efficiency" value={efficiency(sum('driveWh'), sum('distanceM'), units)} />
            <Stat label="Charged" value={energy(sum('chargeWallWh'), 0)} />
            <Stat label="CO₂ avoided" value={co2(sum('co2AvoidedG'))} />
          </div>
          <Card>
            <Chart
              caption={`Distance per day (${units.distance})`}
              summary="Distance driven per day over the last 30 days."
              x={d.days.map((x) => daySeconds(x.day))}
              series={[
                {
                  label: 'Distance',
                  unit: units.distance,
                  kind: 'bar',
                  color: COLORS.blue,
                  values: d.days.map((x) => distanceValue(x.distanceM, units)),
                },
              ]}
            />
          </Card>
          <div class="two">
            <Card title="Latest trips">
              <ul class="rows">
                {d.trips.map((t) => (
                  <li key={t.startedAt} class="row">
                    <span class="row-main">{dateTime(t.startedAt)}</span>
                    <span>{distance(t.distanceM, units)}</span>
                  </li>
                ))}
              </ul>
            </Card>
            <Card title="Latest charging">
              <ul class="rows">
                {d.sessions.map((s) => (
                  <li key={s.pluggedAt} class="row">
                    <span class="row-main">{dateTime(s.pluggedAt)}</span>
                    <span>
                      {energy(s.wallWh)} · {s.level ?? '–'}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          </div>
          <h2>Battery health</h2>
          {d.health.length > 0 ? (
            <BatteryHealth weeks={d.health} />
          ) : (
            <p class="muted">Not measured yet: battery health needs a few weeks of charging and driving.</p>
          )}
        </>
      ) : null}
    </Page>
  );
}
