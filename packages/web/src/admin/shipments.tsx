/**
 * The shipment queue of a program: devices, Y-cables participants asked for, and returns. Staff
 * move each along (requested → shipped → delivered; a return is received; any open one cancelled).
 */
import { useEffect, useState } from 'preact/hooks';
import { get, type StaffShipment } from '../api';
import { Card, Empty, ErrorNote, Loading } from '../components/ui';
import { useLoad } from '../session';
import { dateTime } from '../units';
import { ago, fieldError, Input, onSubmitData, patch, Problems, Select, StatusBadge, text, useAction } from './common';
import type { Row } from './participants';

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

export function ShipmentQueue({
  slug,
  rows,
  refresh,
  onChange,
}: {
  slug: string;
  rows: readonly Row[];
  refresh: number;
  onChange: () => void;
}) {
  const load = useLoad(() => get<{ shipments: StaffShipment[] }>(`/programs/${slug}/shipments`), [slug]);
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
  const byVehicle = new Map(rows.map((r) => [r.vehicle.id, r]));
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
                <ShipmentRow key={s.id} shipment={s} row={byVehicle.get(s.enrollmentVehicleId)} onChange={changed} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}

function ShipmentRow({
  shipment: s,
  row,
  onChange,
}: {
  shipment: StaffShipment;
  row: Row | undefined;
  onChange: () => void;
}) {
  const action = useAction();
  const [sending, setSending] = useState(false);
  const move = (status: StaffShipment['status'], extra: Record<string, string> = {}) =>
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
  const arrived = s.kind === 'device' && row?.vehicle.device && row.vehicle.device.status !== 'shipped';
  const cancellable = s.status === 'requested' || (s.status === 'shipped' && !arrived);
  const who = row
    ? `${row.application.applicant?.name ?? `Application ${row.application.id}`} · ${row.vehicle.modelYear} ${row.vehicle.make} ${row.vehicle.model}`
    : `Enrolled vehicle ${s.enrollmentVehicleId}`;
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
          {who}
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
