/**
 * Trips: a list by day (each link one sentence, as a screen reader reads it), and one trip's
 * state-of-charge curve, energy, efficiency, climate (heating and cooling apart from lights,
 * radio and USB, in words) and carbon.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, type TracePoint, type Trip } from '../api';
import { Chart, COLORS } from '../components/chart';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad, useSession } from '../session';
import {
  co2,
  dateTime,
  distance,
  duration,
  efficiency,
  energy,
  percent,
  temperature,
  temperatureValue,
} from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';
import { auxSentence, dayName, tripDetails, tripHeadline } from './insights';

const tripHref = (t: Trip) => `/trips/${t.vehicleId}/${encodeURIComponent(t.startedAt)}`;
/** Trips per page: a few weeks of driving; older ones on request. */
const PAGE = 50;

export function Trips() {
  const { units } = useSession();
  const v = useMyVehicle();
  const id = v.vehicle?.vehicleId;
  const trips = useLoad(
    async () => (id ? (await get<{ trips: Trip[] }>(`/vehicles/${id}/trips?limit=${PAGE}`)).trips : []),
    [id],
  );
  const [older, setOlder] = useState<{ trips: Trip[]; more: boolean; loading: boolean; error?: string }>({
    trips: [],
    more: true,
    loading: false,
  });
  useEffect(() => setOlder({ trips: [], more: true, loading: false }), [id]);
  const shown = [...(trips.data ?? []), ...older.trips];
  const more = (trips.data?.length ?? 0) === PAGE && older.more;
  const loadOlder = async () => {
    const last = shown.at(-1);
    if (!id || !last) return;
    setOlder({ ...older, loading: true });
    try {
      const page = (
        await get<{ trips: Trip[] }>(`/vehicles/${id}/trips?limit=${PAGE}&to=${encodeURIComponent(last.startedAt)}`)
      ).trips;
      setOlder({ trips: [...older.trips, ...page], more: page.length === PAGE, loading: false });
    } catch (error) {
      setOlder({ ...older, loading: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  const byDay = new Map<string, Trip[]>();
  for (const t of shown) byDay.set(t.localDate, [...(byDay.get(t.localDate) ?? []), t]);
  return (
    <Page title="Trips" actions={<VehiclePicker v={v} />}>
      <ErrorNote error={v.error ?? trips.error} />
      {trips.loading || v.loading ? <Loading /> : null}
      {!trips.loading && (trips.data?.length ?? 0) === 0 ? <Empty>No trips recorded yet.</Empty> : null}
      {[...byDay].map(([day, list]) => (
        <section key={day} class="day-group">
          <h2 class="day-head">
            {new Date(`${day}T12:00:00`).toLocaleDateString(undefined, {
              weekday: 'long',
              month: 'long',
              day: 'numeric',
            })}
            <span class="muted">
              {' '}
              ·{' '}
              {distance(
                list.reduce((a, t) => a + t.distanceM, 0),
                units,
              )}
            </span>
          </h2>
          <ul class="rows">
            {list.map((t) => (
              <li key={t.startedAt}>
                {/* The link's name is one sentence (the day said, since only the heading shows it); its visible text is part of it. */}
                <a
                  class="row"
                  href={tripHref(t)}
                  aria-label={`${dayName(t.startedAt)}, ${tripHeadline(t, units)}${tripDetails(t, units)}.`}
                >
                  <span class="row-main">{tripHeadline(t, units)}</span>
                  {tripDetails(t, units) ? <span class="muted">{tripDetails(t, units).replace(/^, /, '')}</span> : null}
                </a>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <ErrorNote error={older.error} />
      {more ? (
        <p>
          <button type="button" class="secondary" disabled={older.loading} onClick={() => void loadOlder()}>
            {older.loading ? 'Loading…' : 'Show older trips'}
          </button>
        </p>
      ) : null}
    </Page>
  );
}

export function TripDetail({ vehicle, started }: { vehicle: string; started: string }) {
  const { units } = useSession();
  const startedAt = decodeURIComponent(started);
  const trip = useLoad(async () => {
    const from = new Date(Date.parse(startedAt) - 1000).toISOString();
    const to = new Date(Date.parse(startedAt) + 1000).toISOString();
    const [found] = (await get<{ trips: Trip[] }>(`/vehicles/${vehicle}/trips?from=${from}&to=${to}&limit=1`)).trips;
    if (!found) throw new Error('This trip is not there (any more): it may have been re-derived from late data.');
    const trace = await get<{ points: TracePoint[] }>(
      `/vehicles/${vehicle}/trace?from=${encodeURIComponent(found.startedAt)}&to=${encodeURIComponent(found.endedAt)}&points=300`,
    );
    return { trip: found, points: trace.points };
  }, [vehicle, startedAt]);
  const t = trip.data?.trip;
  const points = trip.data?.points ?? [];
  return (
    <Page title={t ? `Trip on ${dateTime(t.startedAt)}` : 'Trip'} actions={<a href="/trips">All trips</a>}>
      {trip.loading ? <Loading /> : null}
      <ErrorNote error={trip.error} />
      {t ? (
        <>
          <div class="stats">
            <Stat
              label="Distance"
              value={distance(t.distanceM, units, 2)}
              hint={duration((Date.parse(t.endedAt) - Date.parse(t.startedAt)) / 1000)}
            />
            <Stat label="Energy" value={energy(t.energyWh, 2)} hint={efficiency(t.energyWh, t.distanceM, units)} />
            <Stat label="Battery" value={`${percent(t.socStartPct)} → ${percent(t.socEndPct)}`} />
            <Stat label="Outside" value={temperature(t.ambientMeanC, units)} />
            <Stat
              label="Heating & cooling"
              value={energy(t.hvacWh, 2)}
              hint={`lights, radio, USB ${energy(t.auxWh, 2)}`}
            />
            <Stat label="CO₂" value={co2(t.co2G)} hint={`${co2(t.co2AvoidedG)} avoided`} />
          </div>
          <Card>
            <p class="aux-words">{auxSentence(t.hvacWh, t.auxWh, Math.max(0, t.energyWh), 'this trip’s')}</p>
          </Card>
          {points.length > 1 ? (
            <div class="two">
              <Card>
                <Chart
                  caption="State of charge (%)"
                  summary={`State of charge went from ${percent(t.socStartPct)} to ${percent(t.socEndPct)}.`}
                  x={points.map((p) => p.t / 1000)}
                  series={[
                    { label: 'State of charge', unit: '%', color: COLORS.green, values: points.map((p) => p.socPct) },
                  ]}
                />
              </Card>
              <Card>
                <Chart
                  caption="Speed and battery power"
                  summary="Speed and power drawn from the battery over the trip; negative power is regeneration."
                  x={points.map((p) => p.t / 1000)}
                  series={[
                    {
                      label: 'Speed',
                      unit: units.distance === 'mi' ? 'mph' : 'km/h',
                      color: COLORS.blue,
                      values: points.map((p) =>
                        p.speedMps === null ? null : p.speedMps * (units.distance === 'mi' ? 2.23694 : 3.6),
                      ),
                    },
                    {
                      label: 'Power',
                      unit: 'kW',
                      color: COLORS.amber,
                      values: points.map((p) => (p.powerW === null ? null : p.powerW / 1000)),
                    },
                  ]}
                />
              </Card>
              <Card>
                <Chart
                  caption="Climate and accessories (kW), outside temperature"
                  summary="Heating or cooling power and accessory load over the trip."
                  x={points.map((p) => p.t / 1000)}
                  series={[
                    {
                      label: 'Heating/cooling',
                      unit: 'kW',
                      color: COLORS.red,
                      values: points.map((p) => (p.hvacW === null ? null : p.hvacW / 1000)),
                    },
                    {
                      label: 'Lights, radio, USB',
                      unit: 'kW',
                      color: COLORS.purple,
                      values: points.map((p) => (p.auxW === null ? null : p.auxW / 1000)),
                    },
                    {
                      label: 'Outside',
                      unit: `°${units.temperature}`,
                      color: COLORS.grey,
                      dash: [4, 4],
                      values: points.map((p) => (p.ambientC === null ? null : temperatureValue(p.ambientC, units))),
                    },
                  ]}
                />
              </Card>
            </div>
          ) : (
            <Empty>No readings to draw for this trip.</Empty>
          )}
        </>
      ) : null}
    </Page>
  );
}
