/** Charging: sessions with level, energy at the wall and in the battery, where; the mix by level over time. */
import { useMemo } from 'preact/hooks';
import { daysAgo, get, type ChargeSession, type Day } from '../api';
import { Chart, COLORS, daySeconds } from '../components/chart';
import { ChargingMap, type MapPoint } from '../components/map';
import { Badge, Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad } from '../session';
import { dateTime, duration, energy, percent, power, share } from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';

const LEVEL_NAMES = { L1: 'Level 1', L2: 'Level 2', DCFC: 'DC fast' } as const;

function weekKey(day: string): string {
  const d = new Date(`${day}T12:00:00`);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

export function Charging() {
  const v = useMyVehicle();
  const id = v.vehicle?.vehicleId;
  const data = useLoad(async () => {
    if (!id) return { sessions: [] as ChargeSession[], days: [] as Day[] };
    const [s, d] = await Promise.all([
      get<{ sessions: ChargeSession[] }>(`/vehicles/${id}/sessions?limit=300`),
      get<{ days: Day[] }>(`/vehicles/${id}/days?from=${daysAgo(180)}&to=${daysAgo(-1)}`),
    ]);
    return { sessions: s.sessions, days: d.days };
  }, [id]);
  const sessions = data.data?.sessions ?? [];
  const days = data.data?.days ?? [];
  const weeks = useMemo(() => {
    const map = new Map<string, { l1: number; l2: number; dc: number }>();
    for (const d of days) {
      const k = weekKey(d.day);
      const w = map.get(k) ?? { l1: 0, l2: 0, dc: 0 };
      w.l1 += d.chargeL1Wh / 1000;
      w.l2 += d.chargeL2Wh / 1000;
      w.dc += d.chargeDcfcWh / 1000;
      map.set(k, w);
    }
    return [...map].sort(([a], [b]) => a.localeCompare(b));
  }, [days]);
  const points: MapPoint[] = sessions
    .filter((s) => s.latDeg !== null && s.lonDeg !== null)
    .map((s) => ({
      lat: s.latDeg!,
      lon: s.lonDeg!,
      label: `${dateTime(s.pluggedAt)} · ${energy(s.wallWh)} · ${s.level ?? '?'}`,
      tone: s.inTerritory === null ? 'unknown' : s.inTerritory ? 'in' : 'out',
    }));
  const total = days.reduce((a, d) => a + d.chargeWallWh, 0);
  const inside = days.reduce((a, d) => a + d.chargeInTerritoryWh, 0);
  const byLevel = {
    L1: days.reduce((a, d) => a + d.chargeL1Wh, 0),
    L2: days.reduce((a, d) => a + d.chargeL2Wh, 0),
    DCFC: days.reduce((a, d) => a + d.chargeDcfcWh, 0),
  };
  return (
    <Page title="Charging" actions={<VehiclePicker v={v} />}>
      <ErrorNote error={v.error ?? data.error} />
      {data.loading || v.loading ? <Loading /> : null}
      {!data.loading && sessions.length === 0 ? <Empty>No charging recorded yet.</Empty> : null}
      {sessions.length > 0 ? (
        <>
          <div class="stats">
            <Stat label="Charged (6 months)" value={energy(total, 0)} hint="at the wall" />
            <Stat label="Level 2" value={share(total > 0 ? byLevel.L2 / total : null)} hint={energy(byLevel.L2, 0)} />
            <Stat
              label="DC fast"
              value={share(total > 0 ? byLevel.DCFC / total : null)}
              hint={energy(byLevel.DCFC, 0)}
            />
            <Stat label="Inside the territory" value={share(total > 0 ? inside / total : null)} />
          </div>
          <div class="two">
            <Card>
              <Chart
                caption="Charging by level, week by week (kWh)"
                summary="Weekly charging energy split into Level 1, Level 2 and DC fast charging."
                stacked
                x={weeks.map(([k]) => daySeconds(k))}
                series={[
                  { label: 'Level 1', unit: 'kWh', kind: 'bar', color: COLORS.L1, values: weeks.map(([, w]) => w.l1) },
                  { label: 'Level 2', unit: 'kWh', kind: 'bar', color: COLORS.L2, values: weeks.map(([, w]) => w.l2) },
                  {
                    label: 'DC fast',
                    unit: 'kWh',
                    kind: 'bar',
                    color: COLORS.DCFC,
                    values: weeks.map(([, w]) => w.dc),
                  },
                ]}
              />
            </Card>
            <Card title="Where you charge">
              <ChargingMap points={points} />
            </Card>
          </div>
          <Card title="Sessions">
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Plugged in</th>
                    <th scope="col">Level</th>
                    <th scope="col">At the wall</th>
                    <th scope="col" class="hide-narrow">
                      Into the battery
                    </th>
                    <th scope="col" class="hide-narrow">
                      Charging
                    </th>
                    <th scope="col" class="hide-narrow">
                      Battery
                    </th>
                    <th scope="col">Territory</th>
                  </tr>
                </thead>
                <tbody>
                  {sessions.map((s) => (
                    <tr key={s.pluggedAt}>
                      <td>{dateTime(s.pluggedAt)}</td>
                      <td>{s.level ? LEVEL_NAMES[s.level] : '–'}</td>
                      <td>
                        {energy(s.wallWh)}
                        {s.belowMinimum ? <span class="muted"> (under 1 kWh)</span> : null}
                      </td>
                      <td class="hide-narrow">{energy(s.batteryWh)}</td>
                      <td class="hide-narrow">
                        {duration(s.chargingS)} · {power(s.peakW)} peak
                      </td>
                      <td class="hide-narrow">
                        {percent(s.socStartPct)} → {percent(s.socEndPct)}
                      </td>
                      <td>
                        {s.inTerritory === null ? (
                          <Badge>unknown</Badge>
                        ) : s.inTerritory ? (
                          <Badge tone="ok">inside</Badge>
                        ) : (
                          <Badge tone="warn">outside</Badge>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        </>
      ) : null}
    </Page>
  );
}
