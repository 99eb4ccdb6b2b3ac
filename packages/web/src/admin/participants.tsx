/**
 * /admin/:slug/participants: approved participants, their vehicles and devices (status, last
 * data), shipping a device to a vehicle (serials in stock offered), the shipment queue (devices,
 * Y-cables, returns) and the device stock against what it has to cover.
 */
import { useMemo, useState } from 'preact/hooks';
import { get, post, type StaffApplication, type StaffApplicationVehicle } from '../api';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad } from '../session';
import { dateTime } from '../units';
import { ago, fieldError, Input, onSubmitData, Problems, Select, StatusBadge, text, useAction } from './common';
import type { SectionProps } from './program';
import { DeviceStock, ShipmentQueue, STOCK_LIST_ID } from './shipments';

const LIMIT = 500;
export const CARRIERS = ['Canada Post', 'Purolator', 'UPS', 'FedEx', 'USPS', 'DHL'] as const;
const SILENT_DAYS = 3;
const DEVICE_FILTERS = [
  ['', 'Every vehicle'],
  ['none', 'Waiting for a device'],
  ['shipped', 'Shipped, not installed'],
  ['installed', 'Installed, no data yet'],
  ['active', 'Live'],
  ['silent', `Silent for ${SILENT_DAYS}+ days`],
  ['removed', 'Unplugged (removed)'],
] as const;

export interface Row {
  application: StaffApplication;
  vehicle: StaffApplicationVehicle;
}

function isSilent(v: StaffApplicationVehicle, now: number): boolean {
  const d = v.device;
  if (!d || d.status !== 'active') return false;
  return !d.lastSeenAt || now - Date.parse(d.lastSeenAt) > SILENT_DAYS * 86_400_000;
}

export function Participants({ program, summary, onSummary }: SectionProps) {
  const load = useLoad(
    () =>
      get<{ applications: StaffApplication[] }>(
        `/programs/${program.slug}/applications?status=approved&limit=${LIMIT}`,
      ),
    [program.slug],
  );
  const [query, setQuery] = useState('');
  const [device, setDevice] = useState('');
  const [tick, setTick] = useState(0);
  const apps = load.data?.applications ?? [];
  const rows: Row[] = useMemo(
    () =>
      apps.flatMap((application) =>
        application.vehicles.filter((v) => v.status === 'approved').map((vehicle) => ({ application, vehicle })),
      ),
    [apps],
  );
  const now = Date.now();
  // The program's counts when they are in (they are not limited to the first page of participants).
  const devices = summary?.devices;
  const participants = summary
    ? String(summary.applications.approved)
    : `${apps.length}${apps.length >= LIMIT ? '+' : ''}`;
  const vehicles = devices ? Object.values(devices).reduce((a, b) => a + b, 0) : rows.length;
  const waiting = devices?.none ?? rows.filter((r) => !r.vehicle.device).length;
  const shipped = devices?.shipped ?? rows.filter((r) => r.vehicle.device?.status === 'shipped').length;
  const live = devices?.active ?? rows.filter((r) => r.vehicle.device?.status === 'active').length;
  const silent = rows.filter((r) => isSilent(r.vehicle, now)).length;
  const q = query.trim().toLowerCase();
  const shown = rows.filter((r) => {
    const d = r.vehicle.device;
    if (device === 'none' && d) return false;
    if (device === 'silent' && !isSilent(r.vehicle, now)) return false;
    if (device && device !== 'none' && device !== 'silent' && d?.status !== device) return false;
    if (!q) return true;
    const hay = [
      r.application.applicant?.name,
      r.application.applicant?.email,
      r.vehicle.make,
      r.vehicle.model,
      r.vehicle.vin,
      d?.serial,
    ]
      .join(' ')
      .toLowerCase();
    return hay.includes(q);
  });
  const changed = () => {
    load.reload();
    setTick((t) => t + 1);
    onSummary?.();
  };
  return (
    <Page title="Participants">
      {load.loading && !load.data ? <Loading what="Loading the participants" /> : null}
      <ErrorNote error={load.error} />
      <div class="stats">
        <Stat label="Participants" value={participants} hint={`${vehicles} vehicles`} />
        <Stat label="Waiting for a device" value={String(waiting)} hint="approved, nothing shipped" />
        <Stat label="Shipped, not installed" value={String(shipped)} />
        <Stat
          label="Live"
          value={String(live)}
          hint={silent ? `${silent} silent for ${SILENT_DAYS}+ days` : 'all reporting'}
        />
      </div>
      <DeviceStock waiting={summary ? waiting : undefined} refresh={tick} />
      <Card title="Vehicles">
        <div class="adm-toolbar">
          <Input
            label="Find"
            name="q"
            type="search"
            placeholder="Name, email, VIN or serial"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
          <Select
            label="Device"
            name="device"
            options={DEVICE_FILTERS}
            value={device}
            onChange={(e) => setDevice(e.currentTarget.value)}
          />
        </div>
        {rows.length === 0 && !load.loading ? <Empty>No approved participants yet.</Empty> : null}
        {rows.length > 0 && shown.length === 0 ? <Empty>No vehicle matches.</Empty> : null}
        {shown.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="adm-sr">Approved vehicles and their devices</caption>
              <thead>
                <tr>
                  <th scope="col">Participant</th>
                  <th scope="col">Vehicle</th>
                  <th scope="col">Device</th>
                  <th scope="col">Last data</th>
                  <th scope="col">
                    <span class="adm-sr">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <VehicleRow key={r.vehicle.id} row={r} now={now} onChange={changed} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
      <ShipmentQueue slug={program.slug} refresh={tick} onChange={changed} />
      <datalist id="adm-carriers">
        {CARRIERS.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
    </Page>
  );
}

function VehicleRow({
  row: { application: a, vehicle: v },
  now,
  onChange,
}: {
  row: Row;
  now: number;
  onChange: () => void;
}) {
  const [shipping, setShipping] = useState(false);
  const d = v.device;
  const cable = v.shipments.filter((s) => s.kind === 'y_cable').at(-1);
  return (
    <>
      <tr>
        <td>
          {a.applicant?.name ?? `Application ${a.id}`}
          <div class="muted small break hide-narrow">{a.applicant?.email}</div>
        </td>
        <td>
          {v.modelYear} {v.make} {v.model}
          <div class="muted small hide-narrow">{v.vin ?? ''}</div>
        </td>
        <td>
          {d ? (
            <>
              <code>{d.serial}</code> <StatusBadge status={d.status} />
            </>
          ) : (
            <span class="muted">none yet</span>
          )}
          {cable ? <div class="small">Y-cable {cable.status}</div> : null}
        </td>
        <td>
          {d?.lastSeenAt ? (
            <span title={dateTime(d.lastSeenAt)} class={isSilent(v, now) ? 'adm-warn' : ''}>
              {ago(d.lastSeenAt, now)}
            </span>
          ) : (
            <span class="muted">never</span>
          )}
        </td>
        <td>
          {!d ? (
            <button
              type="button"
              class="small"
              aria-expanded={shipping}
              aria-controls={`ship-${v.id}`}
              onClick={() => setShipping(!shipping)}
            >
              {shipping ? 'Close' : 'Ship a device'}
            </button>
          ) : (
            <a href={`/admin/${a.program.slug}/rewards?participant=${a.id}`} class="small">
              Rewards
            </a>
          )}
        </td>
      </tr>
      {shipping ? (
        <tr id={`ship-${v.id}`} class="adm-subrow">
          <td colSpan={5}>
            <ShipForm
              vehicleId={v.id}
              label={`${v.modelYear} ${v.make} ${v.model}`}
              onShipped={() => {
                setShipping(false);
                onChange();
              }}
            />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function ShipForm({ vehicleId, label, onShipped }: { vehicleId: number; label: string; onShipped: () => void }) {
  const action = useAction();
  const submit = onSubmitData((data) =>
    action.run(async () => {
      await post(`/enrolled-vehicles/${vehicleId}/ship`, {
        serial: text(data, 'serial'),
        carrier: text(data, 'carrier'),
        trackingNumber: text(data, 'trackingNumber'),
      });
      onShipped();
    }),
  );
  return (
    <form class="form row-form" onSubmit={submit} noValidate aria-label={`Ship a device to the ${label}`}>
      <Input
        label="Device serial"
        name="serial"
        required
        autocomplete="off"
        list={STOCK_LIST_ID}
        hint="A device in stock (see Device stock)."
        error={fieldError(action.error, 'serial')}
      />
      <Input label="Carrier" name="carrier" required list="adm-carriers" error={fieldError(action.error, 'carrier')} />
      <Input
        label="Tracking number"
        name="trackingNumber"
        required
        autocomplete="off"
        error={fieldError(action.error, 'trackingNumber')}
      />
      <div>
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Recording…' : 'Record the shipment'}
        </button>
      </div>
      <div class="adm-wide">
        <Problems error={action.error} />
      </div>
    </form>
  );
}
