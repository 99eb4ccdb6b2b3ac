/**
 * Auxiliary load and outside temperature: what heating and cooling, and apart from them the
 * low-voltage loads (lights, radio, USB), cost in range — in words per week and per day, and by
 * outside temperature.
 */
import { useMemo } from 'preact/hooks';
import { daysAgo, get, type Day } from '../api';
import { Chart, COLORS } from '../components/chart';
import { Card, Empty, ErrorNote, Loading, Page } from '../components/ui';
import { useLoad, useSession } from '../session';
import { distanceValue, energy, f0, temperatureValue } from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';
import { auxSentence, dayName } from './insights';

/** 5 °C bands from −30 to +40. */
const BANDS = Array.from({ length: 14 }, (_, i) => -30 + i * 5);

export function Climate() {
  const { units } = useSession();
  const v = useMyVehicle();
  const id = v.vehicle?.vehicleId;
  const days = useLoad(
    async () =>
      id ? (await get<{ days: Day[] }>(`/vehicles/${id}/days?from=${daysAgo(365)}&to=${daysAgo(-1)}`)).days : [],
    [id],
  );
  const bands = useMemo(() => {
    const rows = BANDS.map((from) => ({ from, distanceM: 0, driveWh: 0, hvacWh: 0, auxWh: 0, days: 0 }));
    for (const d of days.data ?? []) {
      if (d.ambientMeanC === null || d.distanceM < 1000) continue;
      const band = rows.find((r) => d.ambientMeanC! >= r.from && d.ambientMeanC! < r.from + 5);
      if (!band) continue;
      band.distanceM += d.distanceM;
      band.driveWh += d.driveWh;
      band.hvacWh += d.driveHvacWh;
      band.auxWh += d.driveAuxWh;
      band.days += 1;
    }
    return rows.filter((r) => r.days > 0);
  }, [days.data]);
  const per = (wh: number, m: number) => wh / distanceValue(m, units);
  const label = (c: number) =>
    `${f0.format(temperatureValue(c, units))}–${f0.format(temperatureValue(c + 5, units))} °${units.temperature}`;
  const all = days.data ?? [];
  const lastWeek = all.filter((d) => d.day > daysAgo(7));
  const total = (list: readonly Day[], key: keyof Day) => list.reduce((a, d) => a + (Number(d[key]) || 0), 0);
  const weekHvac = total(lastWeek, 'driveHvacWh');
  const weekAux = total(lastWeek, 'driveAuxWh');
  const weekDrive = total(lastWeek, 'driveWh');
  const plugHvac = total(lastWeek, 'chargeHvacWh');
  const plugAux = total(lastWeek, 'chargeAuxWh');
  const drivenDays = lastWeek.filter((d) => d.trips > 0).reverse();
  const mild = bands.find((b) => b.from === 15) ?? bands.find((b) => b.from === 20);
  const coldest = bands[0];
  return (
    <Page title="Climate and accessories" actions={<VehiclePicker v={v} />}>
      <ErrorNote error={v.error ?? days.error} />
      {days.loading || v.loading ? <Loading /> : null}
      <Card>
        <p>
          Heating the cabin and the battery in winter, cooling in summer, and the car’s accessories all draw from the
          battery, so they cost range. Here is your energy per {units.distance} by outside temperature, split into
          driving, heating and cooling, and the other loads (lights, radio, USB).
          {mild && coldest && coldest !== mild
            ? ` At ${label(coldest.from)} you used ${f0.format(per(coldest.driveWh, coldest.distanceM))} Wh/${units.distance}, against ${f0.format(per(mild.driveWh, mild.distanceM))} at ${label(mild.from)}.`
            : ''}
        </p>
      </Card>
      {lastWeek.some((d) => d.trips > 0) ? (
        <Card title="Heating, cooling and the car’s other loads, last 7 days">
          <p>{auxSentence(weekHvac, weekAux, Math.max(0, weekDrive), 'your driving')}</p>
          {plugHvac + plugAux >= 50 ? (
            <p>
              While plugged in, warming or cooling the car took {energy(plugHvac, 2)} and its other loads{' '}
              {energy(plugAux, 2)}: from the charger, not from your range.
            </p>
          ) : null}
          <ul class="aux-days">
            {drivenDays.map((d) => (
              <li key={d.day}>
                <strong>{dayName(d.day)}:</strong>{' '}
                {auxSentence(d.driveHvacWh, d.driveAuxWh, Math.max(0, d.driveWh), 'the day’s driving')}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      {bands.length === 0 && !days.loading ? <Empty>Not enough driving yet.</Empty> : null}
      {bands.length > 0 ? (
        <Card>
          <Chart
            caption={`Energy per ${units.distance} by outside temperature (Wh/${units.distance})`}
            summary="Bars of driving energy, climate and accessory energy per distance for each 5-degree temperature band."
            time={false}
            xLabel="Outside"
            stacked
            x={bands.map((_, i) => i)}
            xFormat={(i) => (bands[Math.round(i)] ? label(bands[Math.round(i)]!.from) : '')}
            series={[
              {
                label: 'Driving',
                unit: `Wh/${units.distance}`,
                kind: 'bar',
                color: COLORS.blue,
                values: bands.map((b) => per(b.driveWh - b.hvacWh - b.auxWh, b.distanceM)),
              },
              {
                label: 'Heating/cooling',
                unit: `Wh/${units.distance}`,
                kind: 'bar',
                color: COLORS.red,
                values: bands.map((b) => per(b.hvacWh, b.distanceM)),
              },
              {
                label: 'Lights, radio, USB',
                unit: `Wh/${units.distance}`,
                kind: 'bar',
                color: COLORS.purple,
                values: bands.map((b) => per(b.auxWh, b.distanceM)),
              },
            ]}
          />
        </Card>
      ) : null}
    </Page>
  );
}
