/** The signed-in driver's vehicles (from their applications) and which one the pages show. */
import { useEffect, useState } from 'preact/hooks';
import { get, type Application } from './api';
import { useLoad } from './session';

export interface MyVehicle {
  vehicleId: number;
  label: string;
  status: string;
  deviceStatus: string | null;
  /** The device in words as the driver reads it ("device live", "you left the program"). */
  deviceText: string;
  program: Application['program'];
  applicationId: number;
}

/** What a vehicle's device is, in words; a vehicle no longer in the program has none installed. */
function deviceTextOf(vehicleStatus: string, deviceStatus: string | null): string {
  if (vehicleStatus === 'left') return 'you left the program: no device in use';
  if (vehicleStatus === 'replaced') return 'replaced by your new vehicle';
  if (vehicleStatus === 'pending') return 'application under review';
  switch (deviceStatus) {
    case null:
      return 'device not shipped yet';
    case 'provisioned':
      return 'device being prepared';
    case 'shipped':
      return 'device on its way';
    case 'installed':
      return 'device installed, waiting for its first data';
    case 'active':
      return 'device live';
    case 'removed':
      return 'device unplugged for now';
    default:
      return `device ${deviceStatus}`;
  }
}

/** How current a vehicle's row is: a place now, then an open application, then the past. */
const CURRENT: Readonly<Record<string, number>> = { approved: 3, pending: 2 };

/**
 * The driver's vehicles, one row each: a car that left a program and came back with a new
 * application appears once, as it is now.
 */
export function vehiclesOf(applications: readonly Application[]): MyVehicle[] {
  const rows = applications
    .filter((a) => a.status !== 'withdrawn' && a.status !== 'declined')
    .flatMap((a) =>
      a.vehicles
        .filter((v) => v.status !== 'declined')
        .map((v) => ({
          vehicleId: v.vehicleId,
          label: `${v.modelYear} ${v.make} ${v.model}`,
          status: v.status,
          deviceStatus: v.status === 'left' ? null : (v.device?.status ?? null),
          deviceText: deviceTextOf(v.status, v.device?.status ?? null),
          program: a.program,
          applicationId: a.id,
        })),
    );
  const best = new Map<number, MyVehicle>();
  for (const row of rows) {
    const seen = best.get(row.vehicleId);
    // Later applications come later: on a tie the newer row wins.
    if (!seen || (CURRENT[row.status] ?? 0) >= (CURRENT[seen.status] ?? 0)) best.set(row.vehicleId, row);
  }
  return rows.filter((row) => best.get(row.vehicleId) === row);
}

const KEY = 'smartcharge.vehicle';

/** { vehicles, vehicle (the chosen one), choose, loading, error, applications }. */
export function useMyVehicle() {
  const load = useLoad(() => get<{ applications: Application[] }>('/me/applications'), []);
  const vehicles = load.data ? vehiclesOf(load.data.applications) : [];
  const [chosen, setChosen] = useState<number | null>(() => Number(localStorage.getItem(KEY)) || null);
  useEffect(() => {
    if (chosen !== null) localStorage.setItem(KEY, String(chosen));
  }, [chosen]);
  const vehicle = vehicles.find((v) => v.vehicleId === chosen) ?? vehicles[0];
  return {
    vehicles,
    vehicle,
    choose: setChosen,
    loading: load.loading,
    error: load.error,
    applications: load.data?.applications ?? [],
    reload: load.reload,
  };
}

export function VehiclePicker({ v }: { v: ReturnType<typeof useMyVehicle> }) {
  if (v.vehicles.length < 2 || !v.vehicle) return null;
  return (
    <label class="picker">
      <span>Vehicle</span>
      <select value={v.vehicle.vehicleId} onChange={(e) => v.choose(Number((e.target as HTMLSelectElement).value))}>
        {v.vehicles.map((x) => (
          <option key={x.vehicleId} value={x.vehicleId}>
            {x.label}
          </option>
        ))}
      </select>
    </label>
  );
}
