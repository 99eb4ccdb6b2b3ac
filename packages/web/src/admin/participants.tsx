/**
 * /admin/:slug/participants: approved participants, their vehicles and devices (status, last
 * data, history), shipping a device to a vehicle (picked from stock; a serial not in stock is
 * offered to be added, its label shown, then shipped), marking a device installed for a driver on
 * a support call (with a note, and who did it, in the device's history), the shipment queue
 * (devices, Y-cables, returns) and the device stock against what it has to cover.
 */
import { useMemo, useState } from 'preact/hooks';
import {
  ApiError,
  get,
  post,
  type AddedStock,
  type InventoryDevice,
  type StaffApplication,
  type StaffApplicationVehicle,
  type StaffProgram,
} from '../api';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad } from '../session';
import { dateTime } from '../units';
import {
  ago,
  fieldError,
  Input,
  onSubmitData,
  Problems,
  Select,
  StatusBadge,
  text,
  TextArea,
  useAction,
} from './common';
import { DeviceLabels } from './device-labels';
import type { SectionProps } from './program';
import { DeviceStock, ShipmentQueue, useInventory } from './shipments';
import { DeviceHistory } from './stock';

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
  const inventory = useInventory(tick);
  // Devices added while shipping (a serial that was not in stock): their secrets, shown once.
  const [added, setAdded] = useState<AddedStock | undefined>();
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
      {added ? <DeviceLabels added={added} onDone={() => setAdded(undefined)} /> : null}
      <DeviceStock waiting={summary ? waiting : undefined} load={inventory} />
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
                  <VehicleRow
                    key={r.vehicle.id}
                    row={r}
                    now={now}
                    program={program}
                    stock={inventory.data?.devices ?? []}
                    onChange={changed}
                    onAdded={setAdded}
                  />
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
  program,
  stock,
  onChange,
  onAdded,
}: {
  row: Row;
  now: number;
  program: StaffProgram;
  stock: readonly InventoryDevice[];
  onChange: () => void;
  onAdded: (added: AddedStock) => void;
}) {
  const [open, setOpen] = useState<'ship' | 'install' | 'history' | undefined>();
  const [historyTick, setHistoryTick] = useState(0);
  const shipping = open === 'ship';
  const toggle = (what: 'ship' | 'install' | 'history') => setOpen(open === what ? undefined : what);
  const d = v.device;
  const installable = d?.status === 'shipped' || d?.status === 'removed';
  const who = a.applicant?.name ?? `Application ${a.id}`;
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
              aria-controls={`more-${v.id}`}
              onClick={() => toggle('ship')}
            >
              {shipping ? 'Close' : 'Ship a device'}
            </button>
          ) : (
            <div class="adm-stack">
              {installable ? (
                <button
                  type="button"
                  class="small"
                  aria-expanded={open === 'install'}
                  aria-controls={`more-${v.id}`}
                  onClick={() => toggle('install')}
                >
                  {open === 'install' ? 'Close' : 'Mark installed…'}
                </button>
              ) : null}
              <button
                type="button"
                class="small secondary"
                aria-expanded={open === 'history'}
                aria-controls={`more-${v.id}`}
                onClick={() => toggle('history')}
              >
                {open === 'history' ? 'Close' : 'History'}
                <span class="adm-sr"> of device {d.serial}</span>
              </button>
              <a href={`/admin/${a.program.slug}/rewards?participant=${a.id}`} class="small">
                Rewards
              </a>
            </div>
          )}
        </td>
      </tr>
      {open ? (
        <tr id={`more-${v.id}`} class="adm-subrow">
          <td colSpan={5}>
            {open === 'ship' ? (
              <ShipForm
                vehicleId={v.id}
                label={`${v.modelYear} ${v.make} ${v.model}`}
                program={program}
                stock={stock}
                onAdded={onAdded}
                onShipped={() => {
                  setOpen(undefined);
                  onChange();
                }}
              />
            ) : null}
            {open === 'install' && d ? (
              <InstallForm
                vehicleId={v.id}
                serial={d.serial}
                who={who}
                onInstalled={() => {
                  setHistoryTick((t) => t + 1);
                  setOpen('history');
                  onChange();
                }}
              />
            ) : null}
            {open === 'history' && d ? <DeviceHistory serial={d.serial} refresh={historyTick} /> : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The choice in the ship form that shows a field to type a serial (one not listed, or not in stock). */
const OTHER = '__other';

function ShipForm({
  vehicleId,
  label,
  program,
  stock,
  onShipped,
  onAdded,
}: {
  vehicleId: number;
  label: string;
  program: StaffProgram;
  stock: readonly InventoryDevice[];
  onShipped: () => void;
  onAdded: (added: AddedStock) => void;
}) {
  const action = useAction();
  const [picked, setPicked] = useState<string | undefined>();
  // The first device in stock until staff choose (the stock may load after the form opened).
  const pick = picked ?? stock[0]?.serial ?? OTHER;
  const setPick = (serial: string) => setPicked(serial);
  // A serial the server does not know, with the rest of the shipment: offered to be added to stock.
  const [unknown, setUnknown] = useState<{ serial: string; carrier: string; trackingNumber: string } | undefined>();
  const ship = (value: { serial: string; carrier: string; trackingNumber: string }) =>
    post(`/enrolled-vehicles/${vehicleId}/ship`, value);
  const submit = onSubmitData((data) =>
    action.run(async () => {
      const value = {
        serial: pick === OTHER ? text(data, 'serial') : pick,
        carrier: text(data, 'carrier'),
        trackingNumber: text(data, 'trackingNumber'),
      };
      setUnknown(undefined);
      try {
        await ship(value);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404 && error.message.startsWith('No device has serial')) {
          setUnknown(value);
          return;
        }
        throw error;
      }
      onShipped();
    }),
  );
  const addAndShip = (value: { serial: string; carrier: string; trackingNumber: string }) =>
    action.run(async () => {
      // Shown at once (the secret is seen once), whatever the shipment then answers.
      onAdded(await post<AddedStock>('/device-stock', { program: program.slug, list: value.serial }));
      setUnknown(undefined);
      await ship(value);
      onShipped();
    });
  const options: (readonly [string, string])[] = [
    ...stock.map((device) => [device.serial, device.serial] as const),
    [OTHER, stock.length > 0 ? 'Another serial (type it)' : 'Type the serial'],
  ];
  return (
    <form class="form row-form" onSubmit={submit} noValidate aria-label={`Ship a device to the ${label}`}>
      <Select
        label="Device from stock"
        name="pick"
        options={options}
        value={pick}
        onChange={(e) => setPick(e.currentTarget.value)}
        hint={stock.length > 0 ? `${stock.length} in stock.` : 'None in stock: type the serial on the device.'}
      />
      {pick === OTHER ? (
        <Input
          label="Device serial"
          name="serial"
          required
          autocomplete="off"
          hint="Not in stock yet? You will be offered to add it."
          error={fieldError(action.error, 'serial')}
        />
      ) : null}
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
        {unknown ? (
          <div class="notice warn" role="alert">
            <p class="adm-tight">
              <code>{unknown.serial}</code> is not in stock: no device has this serial yet. Add it to {program.name}
              &apos;s stock and ship it? Its secret is shown once, with a label to print.
            </p>
            <div class="adm-toolbar">
              <button type="button" disabled={action.busy} onClick={() => void addAndShip(unknown)}>
                Add {unknown.serial} to stock and ship it
              </button>
              <button type="button" class="secondary" onClick={() => setUnknown(undefined)}>
                No, change the serial
              </button>
            </div>
          </div>
        ) : null}
        <Problems error={action.error} />
      </div>
    </form>
  );
}

/** A support call: the driver says the device is plugged in; staff record it for them, saying why. */
function InstallForm({
  vehicleId,
  serial,
  who,
  onInstalled,
}: {
  vehicleId: number;
  serial: string;
  who: string;
  onInstalled: () => void;
}) {
  const action = useAction();
  const submit = onSubmitData((data) =>
    action.run(async () => {
      await post(`/enrolled-vehicles/${vehicleId}/installed-for-driver`, { note: text(data, 'note') });
      onInstalled();
    }),
  );
  return (
    <form class="form" onSubmit={submit} noValidate aria-label={`Mark device ${serial} installed for ${who}`}>
      <TextArea
        label="What the driver told you"
        name="note"
        rows={2}
        required
        maxLength={1000}
        hint="Kept in the device's history with your name. Its first data makes it active."
        error={fieldError(action.error, 'note')}
      />
      <div>
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Recording…' : `Mark installed for ${who}`}
        </button>
      </div>
      <Problems error={action.error} />
    </form>
  );
}
