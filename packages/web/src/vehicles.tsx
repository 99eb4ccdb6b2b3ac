/** The signed-in driver's vehicles (from their applications) and which one the pages show. */
import { useEffect, useState } from 'preact/hooks';
import { get, type Application } from './api';
import { useLoad } from './session';

export interface MyVehicle {
  vehicleId: number;
  label: string;
  status: string;
  deviceStatus: string | null;
  program: Application['program'];
  applicationId: number;
}

export function vehiclesOf(applications: readonly Application[]): MyVehicle[] {
  return applications
    .filter((a) => a.status !== 'withdrawn' && a.status !== 'declined')
    .flatMap((a) =>
      a.vehicles
        .filter((v) => v.status !== 'declined')
        .map((v) => ({
          vehicleId: v.vehicleId,
          label: `${v.modelYear} ${v.make} ${v.model}`,
          status: v.status,
          deviceStatus: v.device?.status ?? null,
          program: a.program,
          applicationId: a.id,
        })),
    );
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
