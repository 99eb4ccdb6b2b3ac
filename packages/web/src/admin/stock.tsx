/**
 * /admin/stock: the devices staff handle, and adding them without a terminal. Add one serial or a
 * list (pasted, or a CSV file's first column) to a program's stock (operators: or the shared
 * stock); each secret is shown once with a printable label. The list shows every device by state
 * (in stock, shipped, installed, active, removed, returned, revoked), whose stock it is, and its
 * history (who did what); operators move shared stock to a program.
 */
import { useState } from 'preact/hooks';
import {
  api,
  ApiError,
  get,
  post,
  type AddedStock,
  type StockDevice,
  type StockDeviceHistory,
  type StockState,
  type StockView,
} from '../api';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad } from '../session';
import { dateTime } from '../units';
import { DeviceLabels } from './device-labels';
import { ago, Input, int, onSubmitData, Select, StatusBadge, text, TextArea, useAction } from './common';

export const STATE_LABEL: Record<StockState, string> = {
  in_stock: 'In stock',
  shipped: 'Shipped',
  installed: 'Installed',
  active: 'Active',
  removed: 'Unplugged',
  returned: 'Returned',
  revoked: 'Revoked',
};
const STATES = Object.keys(STATE_LABEL) as StockState[];
const SHARED = '';

/** The messages of a refused list, each naming its line ("Line 3: … is not a serial"). */
export function ListProblems({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  // A list's refusal names its lines; one serial's is a sentence on its own.
  const lines =
    error instanceof ApiError && error.details.some((d) => d.message.startsWith('Line '))
      ? error.details.map((d) => d.message)
      : [];
  return (
    <div class="notice error" role="alert">
      {lines.length > 0 ? (
        <>
          <p class="adm-tight">
            {message.split('. ')[0]}. Fix {lines.length === 1 ? 'it' : 'them'} and add the list again:
          </p>
          <ul class="adm-tight">
            {lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      ) : (
        message
      )}
    </div>
  );
}

export function Stock() {
  const load = useLoad(() => get<StockView>('/device-stock'), []);
  const [added, setAdded] = useState<AddedStock | undefined>();
  const [show, setShow] = useState<StockState | ''>('');
  const view = load.data;
  const onAdded = (result: AddedStock) => {
    setAdded(result);
    load.reload();
  };
  const shown = (view?.devices ?? []).filter((d) => !show || d.state === show);
  return (
    <Page title="Device stock">
      {load.loading && !view ? <Loading what="Counting the devices" /> : null}
      <ErrorNote error={load.error} />
      {added ? <DeviceLabels added={added} onDone={() => setAdded(undefined)} /> : null}
      {view ? (
        <>
          <div class="stats no-print">
            {(['in_stock', 'shipped', 'installed', 'active', 'revoked'] as const).map((state) => (
              <Stat key={state} label={STATE_LABEL[state]} value={int.format(view.counts[state])} />
            ))}
          </div>
          <AddDevices view={view} onAdded={onAdded} />
          <Card title="Devices" class="no-print">
            <p class="muted small adm-tight">
              {view.scope === 'all'
                ? 'Every device, newest first.'
                : `Your programs' stock, the shared stock and the devices in ${view.utility ?? 'your'} programs' vehicles, newest first.`}
              {view.more ? ' Only the first 1,000 are listed.' : ''}
            </p>
            <div class="adm-toolbar">
              <Select
                label="Show"
                name="state"
                value={show}
                options={[['', 'Every state'], ...STATES.map((s) => [s, STATE_LABEL[s]] as const)]}
                onChange={(e) => setShow(e.currentTarget.value as StockState | '')}
              />
            </div>
            {shown.length === 0 ? <Empty>No device here yet.</Empty> : null}
            {shown.length > 0 ? (
              <div class="table-wrap">
                <table>
                  <caption class="adm-sr">Devices and where they are</caption>
                  <thead>
                    <tr>
                      <th scope="col">Device</th>
                      <th scope="col">Whose stock</th>
                      <th scope="col" class="hide-narrow">
                        Added
                      </th>
                      <th scope="col">
                        <span class="adm-sr">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((device) => (
                      <StockRow key={device.id} device={device} view={view} onChange={load.reload} />
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </Card>
        </>
      ) : null}
    </Page>
  );
}

/** Whose stock new devices go to: the caller's programs, and (operators) the shared stock. */
function ownerOptions(view: StockView): (readonly [string, string])[] {
  return [
    ...(view.sharedStock ? [[SHARED, 'The shared stock (any program ships it)'] as const] : []),
    ...view.programs.map((p) => [p.slug, `${p.name}'s stock`] as const),
  ];
}

function AddDevices({ view, onAdded }: { view: StockView; onAdded: (added: AddedStock) => void }) {
  const one = useAction();
  const many = useAction();
  const [list, setList] = useState('');
  const owners = ownerOptions(view);
  const [owner, setOwner] = useState(owners[0]?.[0] ?? SHARED);
  const add = (serials: string) =>
    post<AddedStock>('/device-stock', { program: owner === SHARED ? null : owner, list: serials });
  const addOne = onSubmitData((data, form) =>
    one.run(async () => {
      onAdded(await add(text(data, 'serial')));
      form.reset();
    }),
  );
  const addList = onSubmitData(() =>
    many.run(async () => {
      onAdded(await add(list));
      // Added: the list is done. Refused: it stays as it was, to be fixed.
      setList('');
    }),
  );
  const readFile = (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (file) void file.text().then(setList);
  };
  if (owners.length === 0) {
    return (
      <Card title="Add devices" class="no-print">
        <Empty>You manage no program yet, so there is no stock to add to.</Empty>
      </Card>
    );
  }
  return (
    <Card title="Add devices" class="no-print">
      <Select
        label="Add to"
        name="owner"
        options={owners}
        value={owner}
        onChange={(e) => setOwner(e.currentTarget.value)}
      />
      <form class="form row-form" onSubmit={addOne} noValidate aria-label="Add one device">
        <Input
          label="One serial"
          name="serial"
          required
          autocomplete="off"
          hint="As printed on the device, like C2-0001234."
        />
        <div>
          <button type="submit" disabled={one.busy}>
            {one.busy ? 'Adding…' : 'Add this device'}
          </button>
        </div>
        <div class="adm-wide">
          <ListProblems error={one.error} />
        </div>
      </form>
      <form class="form" onSubmit={addList} noValidate aria-label="Add a list of devices">
        <TextArea
          label="A list of serials"
          name="list"
          rows={5}
          value={list}
          onInput={(e) => setList(e.currentTarget.value)}
          hint="One serial a line, or a CSV whose first column is the serial (a header line is fine). If a line is wrong, nothing is added and each wrong line is named: fix it here and add the list again."
        />
        <Input
          label="Or a CSV file"
          name="file"
          type="file"
          accept=".csv,.txt,text/csv,text/plain"
          onChange={readFile}
        />
        <div>
          <button type="submit" disabled={many.busy || list.trim() === ''}>
            {many.busy ? 'Adding…' : 'Add the list'}
          </button>
        </div>
        <ListProblems error={many.error} />
      </form>
    </Card>
  );
}

function StockRow({ device: d, view, onChange }: { device: StockDevice; view: StockView; onChange: () => void }) {
  const [open, setOpen] = useState(false);
  const move = useAction();
  const whose = d.stockProgram ? d.stockProgram.name : 'Shared';
  const moveTo = (slug: string) =>
    move.run(async () => {
      await api('PUT', `/device-stock/${encodeURIComponent(d.serial)}/program`, {
        program: slug === SHARED ? null : slug,
      });
      onChange();
    });
  return (
    <>
      <tr>
        <td>
          <code>{d.serial}</code>
          <div>
            <StatusBadge status={d.state} />
            {d.lastSeenAt ? <span class="muted small"> data {ago(d.lastSeenAt)}</span> : null}
          </div>
        </td>
        <td>
          {view.sharedStock && d.state === 'in_stock' ? (
            <Select
              class="stock-owner"
              label={<span class="adm-sr">Whose stock is {d.serial}</span>}
              name={`owner-${d.id}`}
              value={d.stockProgram?.slug ?? SHARED}
              options={[[SHARED, 'Shared'], ...view.programs.map((p) => [p.slug, p.name] as const)]}
              disabled={move.busy}
              onChange={(e) => void moveTo(e.currentTarget.value)}
            />
          ) : (
            whose
          )}
        </td>
        <td class="hide-narrow" title={dateTime(d.createdAt)}>
          {ago(d.createdAt)}
        </td>
        <td>
          <button
            type="button"
            class="small secondary"
            aria-expanded={open}
            aria-controls={`history-${d.id}`}
            onClick={() => setOpen(!open)}
          >
            {open ? 'Close' : 'History'}
          </button>
        </td>
      </tr>
      {open || move.error ? (
        <tr id={`history-${d.id}`} class="adm-subrow">
          <td colSpan={4}>
            {move.error ? <ListProblems error={move.error} /> : null}
            {open ? <DeviceHistory serial={d.serial} /> : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

const EVENT_WORDS: Record<string, string> = {
  provisioned: 'Added to stock',
  credential_rotated: 'New secret issued',
  credential_revoked: 'Secret revoked',
  assigned: 'Put in a vehicle',
  unassigned: 'Taken out of its vehicle',
  stock_assigned: 'Moved',
};

/** What happened to a device, oldest first: when, what, the note, and who did it. */
export function DeviceHistory({ serial, refresh = 0 }: { serial: string; refresh?: number }) {
  const load = useLoad(() => get<StockDeviceHistory>(`/device-stock/${encodeURIComponent(serial)}`), [serial, refresh]);
  if (load.loading && !load.data) return <Loading what="Reading its history" />;
  if (load.error) return <ErrorNote error={load.error} />;
  const events = load.data?.events ?? [];
  return (
    <ol class="device-history" aria-label={`History of device ${serial}`}>
      {events.map((e, i) => (
        <li key={i}>
          <span class="muted small">{dateTime(e.at)}</span>{' '}
          <strong>{e.kind === 'status' && e.status ? `Now ${e.status}` : (EVENT_WORDS[e.kind] ?? e.kind)}</strong>
          {e.vehicleId ? ` (vehicle ${e.vehicleId})` : ''}
          {e.note ? <> · {e.note}</> : null}
          {e.by ? (
            <span class="small">
              {' '}
              · by {e.by.name} <span class="muted">({e.by.email})</span>
            </span>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
