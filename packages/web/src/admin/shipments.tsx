/**
 * The shipment queue of a program: devices, Y-cables participants asked for, and returns, each
 * with the participant (name, email, application), their vehicle and the device it carries. Staff
 * move each along (requested → shipped → delivered; a return is received; any open one cancelled).
 * Also the device stock staff ship from (GET /device-inventory), with a link to add to it.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, type DeviceInventory, type DeviceStatus, type ProgramShipment } from '../api';
import { Card, Empty, ErrorNote, Loading } from '../components/ui';
import { useLoad } from '../session';
import { dateTime } from '../units';
import { ago, fieldError, Input, onSubmitData, patch, Problems, Select, StatusBadge, text, useAction } from './common';

const KIND = { device: 'Device', y_cable: 'Y-cable', return: 'Return' } as const;
const SHOW = [
  ['open', 'Open'],
  ['requested', 'Requested'],
  ['shipped', 'Shipped'],
  ['all', 'All'],
] as const;
const KINDS = [
  ['', 'Every kind'],
  ['y_cable', 'Y-cables'],
  ['device', 'Devices'],
  ['return', 'Returns'],
] as const;
/** The most serials in stock listed (the count above them is exact). */
const STOCK_LISTED = 200;
const DEVICE_STATUS_ORDER: readonly DeviceStatus[] = [
  'provisioned',
  'shipped',
  'installed',
  'active',
  'removed',
  'returned',
];

/** The device inventory staff ship from: loaded once per page, reloaded when a shipment takes a device. */
export function useInventory(refresh: number) {
  const load = useLoad(() => get<DeviceInventory>(`/device-inventory?stock=true&limit=${STOCK_LISTED}`), []);
  useEffect(() => {
    if (refresh > 0) load.reload();
    // Shipping a device takes it out of stock; adding one puts it in.
  }, [refresh]);
  return load;
}

/**
 * How many devices are in stock against how many vehicles wait for one, the devices staff can see
 * by status, and the serials in stock (offered in the ship form). An operator sees every device; a
 * program administrator the shared stock, their programs' stock and their utility's devices.
 */
export function DeviceStock({ waiting, load }: { waiting: number | undefined; load: ReturnType<typeof useInventory> }) {
  const inventory = load.data;
  const short = inventory && waiting !== undefined ? waiting - inventory.inStock : 0;
  return (
    <Card title="Device stock">
      {load.loading && !inventory ? <Loading what="Counting the devices" /> : null}
      <ErrorNote error={load.error} />
      {inventory ? (
        <>
          <p class="adm-tight">
            <strong>{inventory.inStock}</strong> device{inventory.inStock === 1 ? '' : 's'} in stock (provisioned, in no
            vehicle)
            {waiting !== undefined ? (
              <>
                {' '}
                for <strong>{waiting}</strong> vehicle{waiting === 1 ? '' : 's'} waiting for one.
              </>
            ) : (
              '.'
            )}{' '}
            {short > 0 ? <strong class="adm-warn">{short} short.</strong> : null}{' '}
            <a href="/admin/stock">Add devices to stock</a>
          </p>
          <p class="muted small adm-tight">
            {inventory.scope === 'all'
              ? 'Every device'
              : `The stock and the devices in ${inventory.utility ?? 'your utility'} programs`}{' '}
            by status:{' '}
            {DEVICE_STATUS_ORDER.map((status, i) => (
              <span key={status}>
                {i > 0 ? ' · ' : ''}
                {status} {inventory.counts[status]}
              </span>
            ))}
          </p>
          {inventory.devices.length > 0 ? (
            <details>
              <summary>
                Serials in stock
                {inventory.inStock > inventory.devices.length ? ` (the first ${inventory.devices.length})` : ''}
              </summary>
              <p class="small">
                {inventory.devices.map((d, i) => (
                  <span key={d.id}>
                    {i > 0 ? ', ' : ''}
                    <code>{d.serial}</code>
                  </span>
                ))}
              </p>
            </details>
          ) : (
            <Empty>
              No device is in stock. <a href="/admin/stock">Add devices</a>, or type a new serial when you record a
              shipment: it is offered to be added then.
            </Empty>
          )}
        </>
      ) : null}
    </Card>
  );
}

export function ShipmentQueue({ slug, refresh, onChange }: { slug: string; refresh: number; onChange: () => void }) {
  const load = useLoad(() => get<{ shipments: ProgramShipment[] }>(`/programs/${slug}/shipments`), [slug]);
  useEffect(() => {
    if (refresh > 0) load.reload();
    // Reload when the participants' page changes something (a device shipped).
  }, [refresh]);
  const [show, setShow] = useState('open');
  const [kind, setKind] = useState('');
  const all = load.data?.shipments ?? [];
  const shown = all
    .filter((s) =>
      show === 'all' ? true : show === 'open' ? s.status === 'requested' || s.status === 'shipped' : s.status === show,
    )
    .filter((s) => !kind || s.kind === kind)
    .sort((a, b) => (a.status === 'requested' ? 0 : 1) - (b.status === 'requested' ? 0 : 1) || a.id - b.id);
  const cables = all.filter((s) => s.kind === 'y_cable' && s.status === 'requested').length;
  const changed = () => {
    load.reload();
    onChange();
  };
  return (
    <Card title="Shipments">
      <p class="adm-tight">
        {cables > 0 ? (
          <strong>
            {cables} Y-cable request{cables === 1 ? '' : 's'} to send.{' '}
          </strong>
        ) : null}
        <span class="muted">Requested parcels first.</span>
      </p>
      <div class="adm-toolbar">
        <Select label="Show" name="show" options={SHOW} value={show} onChange={(e) => setShow(e.currentTarget.value)} />
        <Select
          label="Kind"
          name="kind"
          options={KINDS}
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value)}
        />
      </div>
      {load.loading && !load.data ? <Loading /> : null}
      <ErrorNote error={load.error} />
      {!load.loading && shown.length === 0 ? <Empty>No shipments here.</Empty> : null}
      {shown.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Parcel</th>
                <th scope="col">For</th>
                <th scope="col">Status</th>
                <th scope="col">Carrier</th>
                <th scope="col">
                  <span class="adm-sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <ShipmentRow key={s.id} shipment={s} onChange={changed} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}

function ShipmentRow({ shipment: s, onChange }: { shipment: ProgramShipment; onChange: () => void }) {
  const action = useAction();
  const [sending, setSending] = useState(false);
  const move = (status: ProgramShipment['status'], extra: Record<string, string> = {}) =>
    action.run(async () => {
      await patch(`/shipments/${s.id}`, { status, ...extra });
      setSending(false);
      onChange();
    });
  const send = onSubmitData((data) => {
    const carrier = text(data, 'carrier');
    const trackingNumber = text(data, 'trackingNumber');
    // Empty fields are left out: the server then says what a shipped parcel still needs.
    return move('shipped', { ...(trackingNumber ? { trackingNumber } : {}), ...(carrier ? { carrier } : {}) });
  });
  const open = s.status === 'requested' || s.status === 'shipped';
  // A device that reached the car (installed, live) is not cancelled from here.
  const arrived = s.kind === 'device' && s.device !== null && s.device.status !== 'shipped';
  const cancellable = s.status === 'requested' || (s.status === 'shipped' && !arrived);
  const { participant: who, vehicle: v } = s;
  return (
    <>
      <tr>
        <td>
          {KIND[s.kind]} <span class="muted small">#{s.id}</span>
          <div class="muted small" title={dateTime(s.requestedAt)}>
            asked {ago(s.requestedAt)}
          </div>
        </td>
        <td>
          {who.name}{' '}
          <span class="muted small">
            (application {who.applicationId}
            {who.applicationStatus === 'approved' ? '' : `, ${who.applicationStatus.replaceAll('_', ' ')}`})
          </span>
          <div class="muted small break">{who.email}</div>
          <div class="small">
            {v.modelYear} {v.make} {v.model}
            {v.vin ? <span class="muted hide-narrow"> · VIN {v.vin}</span> : null}
          </div>
          {s.device ? (
            <div class="small">
              Device <code>{s.device.serial}</code> <StatusBadge status={s.device.status} />
            </div>
          ) : null}
          {s.note ? <div class="muted small">“{s.note}”</div> : null}
        </td>
        <td>
          <StatusBadge status={s.status} />
        </td>
        <td>
          {s.carrier ?? '–'}
          {s.trackingNumber ? <div class="small break">{s.trackingNumber}</div> : null}
        </td>
        <td class="adm-actions">
          {s.status === 'requested' && s.kind !== 'return' ? (
            <button type="button" class="small" aria-expanded={sending} onClick={() => setSending(!sending)}>
              {sending ? 'Close' : 'Mark shipped…'}
            </button>
          ) : null}
          {s.status === 'shipped' && s.kind !== 'return' ? (
            <button type="button" class="small secondary" disabled={action.busy} onClick={() => void move('delivered')}>
              Delivered
            </button>
          ) : null}
          {open && s.kind === 'return' ? (
            <button type="button" class="small secondary" disabled={action.busy} onClick={() => void move('received')}>
              Received
            </button>
          ) : null}
          {cancellable ? (
            <button
              type="button"
              class="small secondary danger"
              disabled={action.busy}
              onClick={() => void move('cancelled')}
            >
              Cancel
            </button>
          ) : null}
        </td>
      </tr>
      {sending || (action.error && !sending) ? (
        <tr class="adm-subrow">
          <td colSpan={5}>
            {sending ? (
              <form class="form row-form" onSubmit={send} noValidate aria-label={`Ship parcel ${s.id}`}>
                <Input label="Carrier" name="carrier" list="adm-carriers" defaultValue={s.carrier ?? ''} />
                <Input
                  label="Tracking number"
                  name="trackingNumber"
                  required
                  defaultValue={s.trackingNumber ?? ''}
                  error={fieldError(action.error, 'trackingNumber')}
                />
                <div>
                  <button type="submit" disabled={action.busy}>
                    Mark shipped
                  </button>
                </div>
              </form>
            ) : null}
            <Problems error={action.error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
