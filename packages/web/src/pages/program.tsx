/**
 * The driver's programs: applying (with one or more vehicles), following the application and each
 * device (shipped with tracking, installed, live), installation help, a Y-cable, a change of
 * vehicle, and leaving.
 */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { get, post, type Application, type ApplicationVehicle, type PublicProgram } from '../api';
import { Badge, Card, Empty, ErrorNote, Field, Loading, Page, text, useForm } from '../components/ui';
import { useLoad } from '../session';
import { date, dateTime } from '../units';
import { EventPreferencesForm, MyEvents } from './events';

const STATUS_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'neutral' | 'info'> = {
  applied: 'info',
  pending: 'info',
  approved: 'ok',
  declined: 'bad',
  withdrawn: 'neutral',
  left: 'neutral',
  replaced: 'neutral',
  active: 'ok',
  installed: 'info',
  shipped: 'info',
  removed: 'warn',
};

export function MyProgram() {
  const apps = useLoad(() => get<{ applications: Application[] }>('/me/applications'), []);
  const programs = useLoad(() => get<{ programs: PublicProgram[] }>('/programs'), []);
  const mine = apps.data?.applications ?? [];
  // Only an open application or a place hides a program: one left (or declined, withdrawn) is offered again.
  const openSlugs = new Set(
    mine.filter((a) => a.status === 'applied' || a.status === 'approved').map((a) => a.program.slug),
  );
  const before = new Set(mine.map((a) => a.program.slug));
  return (
    <Page title="My program">
      {apps.loading ? <Loading /> : null}
      <ErrorNote error={apps.error} />
      {mine.some((a) => a.status === 'approved' || a.status === 'left') ? <MyEvents /> : null}
      {mine.map((a) => (
        <ApplicationCard key={a.id} application={a} onChange={apps.reload} />
      ))}
      <h2 class="section">Programs</h2>
      <div class="grid-cards">
        {(programs.data?.programs ?? [])
          .filter((p) => !openSlugs.has(p.slug))
          .map((p) => (
            <Card key={p.slug} title={p.name}>
              <p class="muted">{p.utility}</p>
              <p>{p.description}</p>
              <a class="button" href={`/apply/${p.slug}`}>
                {before.has(p.slug) ? 'Apply again' : 'Apply'}
              </a>
            </Card>
          ))}
      </div>
    </Page>
  );
}

function ApplicationCard({ application: a, onChange }: { application: Application; onChange: () => void }) {
  const [error, setError] = useState<string | undefined>();
  const act = async (path: string, body: unknown = {}) => {
    setError(undefined);
    try {
      await post(path, body);
      onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Card title={a.program.name}>
      <p>
        Application <Badge tone={STATUS_TONE[a.status] ?? 'neutral'}>{a.status}</Badge>{' '}
        <span class="muted">
          sent {date(a.appliedAt)}
          {a.decidedAt ? `, decided ${date(a.decidedAt)}` : ''}
        </span>
      </p>
      {a.decisionNote ? <p class="muted">“{a.decisionNote}”</p> : null}
      {a.status === 'left' ? <LeftNotice application={a} /> : null}
      <ErrorNote error={error} />
      {a.vehicles.map((v) => (
        <VehicleCard key={v.id} vehicle={v} application={a} act={act} />
      ))}
      {a.status === 'approved' ? <EventPreferencesForm applicationId={a.id} /> : null}
      <div class="buttons">
        {a.status === 'applied' ? (
          <button type="button" class="secondary" onClick={() => act(`/applications/${a.id}/withdraw`)}>
            Withdraw the application
          </button>
        ) : null}
        {a.status === 'approved' ? <LeaveForm application={a} act={act} /> : null}
      </div>
    </Card>
  );
}

/** After leaving: when, and for each device what to do with it (send it back, or keep it). */
function LeftNotice({ application: a }: { application: Application }) {
  const devices = a.vehicles.flatMap((v) =>
    v.deviceReturn ? [{ vehicle: `${v.modelYear} ${v.make} ${v.model}`, ...v.deviceReturn }] : [],
  );
  return (
    <div class="left-program">
      <p>
        You left this program{a.leftAt ? ` on ${date(a.leftAt)}` : ''}. Rewards you earned are still paid: see{' '}
        <a href="/rewards">Rewards</a>.
      </p>
      {devices.length > 0 ? (
        <>
          <h3>Your device{devices.length > 1 ? 's' : ''}</h3>
          <ul class="returns">
            {devices.map((d) => (
              <li key={d.serial}>
                <strong>
                  Device {d.serial} ({d.vehicle}):{' '}
                  {d.returnStatus === 'received'
                    ? 'received back, thank you'
                    : d.mustReturn
                      ? 'please send it back'
                      : 'no need to send it back'}
                </strong>
                {d.returnStatus === 'received' ? (
                  <p class="muted">We received it{d.returnReceivedAt ? ` on ${date(d.returnReceivedAt)}` : ''}.</p>
                ) : (
                  <p>{d.instructions}</p>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function VehicleCard({
  vehicle: v,
  application: a,
  act,
}: {
  vehicle: ApplicationVehicle;
  application: Application;
  act: (path: string, body?: unknown) => Promise<void>;
}) {
  const [changing, setChanging] = useState(false);
  const device = v.device;
  const shipment = v.shipments.filter((s) => s.kind === 'device').at(-1);
  const cable = v.shipments.filter((s) => s.kind === 'y_cable').at(-1);
  const steps = [
    { label: 'Approved', done: v.status === 'approved' || v.status === 'left' },
    {
      label: shipment
        ? `Shipped${shipment.trackingNumber ? ` · ${shipment.carrier ?? ''} ${shipment.trackingNumber}` : ''}`
        : 'Shipped',
      done: Boolean(shipment),
    },
    { label: 'Installed', done: device ? ['installed', 'active', 'removed'].includes(device.status) : false },
    {
      label: device?.firstSeenAt ? `Live since ${dateTime(device.firstSeenAt)}` : 'Live (first data)',
      done: device?.status === 'active',
    },
  ];
  return (
    <div class="vehicle">
      <h3>
        {v.modelYear} {v.make} {v.model} <Badge tone={STATUS_TONE[v.status] ?? 'neutral'}>{v.status}</Badge>
      </h3>
      {v.status === 'declined' || !v.eligibility.eligible ? (
        <ul class="reasons">
          {v.eligibility.reasons.map((r) => (
            <li key={r.message} class={r.ok ? 'ok' : 'bad'}>
              {r.message}
            </li>
          ))}
        </ul>
      ) : null}
      {v.status === 'approved' ? (
        <>
          <ol class="steps" aria-label="Device progress">
            {steps.map((s) => (
              <li key={s.label} class={s.done ? 'done' : ''}>
                {s.label}
              </li>
            ))}
          </ol>
          {device?.status === 'shipped' ? (
            <details class="install" open>
              <summary>How to install your C2</summary>
              <ol>
                <li>Find the OBD-II port: under the dashboard on the driver’s side, near the steering column.</li>
                <li>With the car off, push the C2 firmly into the port until it sits flat. No tools needed.</li>
                <li>Drive as usual. The C2 wakes with the car and sends its first data within a few minutes.</li>
                <li>Another device already in the port (insurance, fleet)? Ask for a free Y-cable below.</li>
              </ol>
              <button type="button" onClick={() => act(`/enrolled-vehicles/${v.id}/installed`)}>
                I have installed it
              </button>
            </details>
          ) : null}
          {device?.status === 'removed' ? (
            <p class="notice">The device is marked as removed: no penalty. Plug it back in when the car is back.</p>
          ) : null}
          <div class="buttons">
            {device && ['installed', 'active'].includes(device.status) ? (
              <button
                type="button"
                class="secondary"
                onClick={() => act(`/enrolled-vehicles/${v.id}/removed`, { note: 'Removed by the driver' })}
              >
                I unplugged it for now (auto shop…)
              </button>
            ) : null}
            {cable ? (
              <span class="muted">
                Y-cable: {cable.status}
                {cable.trackingNumber ? ` · ${cable.trackingNumber}` : ''}
              </span>
            ) : (
              <button type="button" class="secondary" onClick={() => act(`/enrolled-vehicles/${v.id}/y-cable`, {})}>
                Ask for a free Y-cable
              </button>
            )}
            <button type="button" class="secondary" onClick={() => setChanging(!changing)}>
              I changed my vehicle
            </button>
          </div>
          {changing ? <ChangeVehicle id={v.id} slug={a.program.slug} act={act} /> : null}
        </>
      ) : null}
    </div>
  );
}

function ChangeVehicle({
  id,
  act,
}: {
  id: number;
  slug: string;
  act: (path: string, body?: unknown) => Promise<void>;
}) {
  const form = useForm(async (data) => {
    await act(`/enrolled-vehicles/${id}/change`, {
      make: data.get('make'),
      model: data.get('model'),
      modelYear: Number(data.get('modelYear')),
      vin: data.get('vin'),
    });
  });
  return (
    <form class="form inline-form" onSubmit={form.onSubmit} noValidate>
      <p class="muted">
        The new vehicle is checked against the program’s list first; your device and rewards move with you.
      </p>
      <Field label="Make" name="make" required />
      <Field label="Model" name="model" required />
      <Field label="Model year" name="modelYear" type="number" required />
      <Field label="VIN" name="vin" required />
      <ErrorNote error={form.error} />
      <button type="submit" disabled={form.busy}>
        Change vehicle
      </button>
    </form>
  );
}

function LeaveForm({
  application,
  act,
}: {
  application: Application;
  act: (path: string, body?: unknown) => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const form = useForm(async (data) => {
    await act(`/applications/${application.id}/leave`, {
      reason: data.get('reason'),
      note: data.get('note') || undefined,
    });
  });
  if (!open) {
    return (
      <button type="button" class="secondary danger" onClick={() => setOpen(true)}>
        Leave the program
      </button>
    );
  }
  return (
    <form class="form inline-form" onSubmit={form.onSubmit}>
      <label for="leave-reason">Why are you leaving?</label>
      <select id="leave-reason" name="reason" required>
        <option value="moved">I moved</option>
        <option value="sold_vehicle">I sold the car</option>
        <option value="done">I am done</option>
        <option value="other">Something else</option>
      </select>
      <Field label="Anything to add (optional)" name="note" />
      <p class="muted">
        A device that never sent data is to be sent back: the instructions show here and come by mail. What you have
        earned is still paid out.
      </p>
      <ErrorNote error={form.error} />
      <button type="submit" class="danger" disabled={form.busy}>
        Leave the program
      </button>
    </form>
  );
}

interface VehicleRow {
  key: number;
}

/** What the apply form calls each field the server names, so a message reads in words. */
const ADDRESS_LABELS: Readonly<Record<string, string>> = {
  line1: 'Street address',
  city: 'City',
  region: 'State or province',
  postalCode: 'Postal or ZIP code',
  country: 'Country',
};
const VEHICLE_LABELS: Readonly<Record<string, string>> = {
  make: 'make',
  model: 'model',
  modelYear: 'model year',
  vin: 'VIN',
};

export function applyFieldLabel(field: string): string | undefined {
  const vehicle = /^vehicles\[(\d+)\](?:\.(\w+))?$/.exec(field);
  if (vehicle) {
    const which = `Vehicle ${Number(vehicle[1]) + 1}`;
    return vehicle[2] ? `${which}, ${VEHICLE_LABELS[vehicle[2]] ?? vehicle[2]}` : which;
  }
  if (field.startsWith('homeAddress.')) return ADDRESS_LABELS[field.slice('homeAddress.'.length)];
  if (field === 'utilityAccount') return 'Account number';
  if (field === 'paypalEmail') return 'PayPal address';
  return undefined;
}

/** The program's country (its terms, or else its currency) and what its addresses call things. */
function homeOf(p: PublicProgram) {
  const country = p.eligibility.homeCountry ?? ({ USD: 'US', CAD: 'CA' } as Record<string, string>)[p.currency];
  const regions = p.eligibility.homeRegions ?? [];
  if (country === 'US')
    return {
      country,
      region: regions.length === 1 ? regions[0] : '',
      regionLabel: 'State',
      postalLabel: 'ZIP code',
      postalHint: 'Like 39501 or 39501-1234',
    };
  if (country === 'CA')
    return {
      country,
      region: regions.length === 1 ? regions[0] : '',
      regionLabel: 'Province',
      postalLabel: 'Postal code',
      postalHint: 'Like L5B 3C3',
    };
  return {
    country: country ?? '',
    region: '',
    regionLabel: 'Province or state',
    postalLabel: 'Postal code',
    postalHint: undefined,
  };
}

/** How the program pays, for the PayPal field's hint: monthly by PayPal, or else a gift card at the year's or the program's end. */
function payByHint(p: PublicProgram): string {
  const card = p.payoutOptions?.giftCard;
  const without = card
    ? `without one, you get ${/^[aeiou]/i.test(card.brand) ? 'an' : 'a'} ${card.brand} gift card for your balance ${card.when === 'year_end' ? 'at each year end' : 'when the program ends'}.`
    : 'without one, ask the program team how you are paid.';
  return p.payoutOptions?.paypal === undefined && card
    ? `This program pays by gift card: ${without.replace(/^without one, you get /, '')}`
    : `Paid monthly by PayPal; ${without}`;
}

export function Apply({ slug }: { slug: string }) {
  const { route } = useLocation();
  const program = useLoad(() => get<PublicProgram>(`/programs/${slug}`), [slug]);
  const [rows, setRows] = useState<VehicleRow[]>([{ key: 1 }]);
  const form = useForm(async (data) => {
    const vehicles = rows.map((r) => ({
      make: data.get(`make-${r.key}`),
      model: data.get(`model-${r.key}`),
      modelYear: Number(data.get(`year-${r.key}`)),
      vin: data.get(`vin-${r.key}`),
    }));
    const paypal = text(data, 'paypalEmail');
    await post(`/programs/${slug}/applications`, {
      vehicles,
      homeAddress: {
        line1: data.get('line1'),
        city: data.get('city'),
        region: data.get('region'),
        postalCode: data.get('postalCode'),
        country: data.get('country'),
      },
      utilityAccount: data.get('utilityAccount'),
      ...(paypal ? { paypalEmail: paypal } : {}),
    });
    route('/program');
  }, applyFieldLabel);
  const p = program.data;
  const home = p ? homeOf(p) : undefined;
  return (
    <Page title={p ? `Apply: ${p.name}` : 'Apply'}>
      {program.loading ? <Loading /> : null}
      <ErrorNote error={program.error} />
      {p ? (
        <>
          <Card title="The terms">
            <p>{p.description}</p>
            {p.eligibility.note ? <p>{p.eligibility.note}</p> : null}
            <ul>
              {p.rewardRuleSentences.map((r) => (
                <li key={r.key}>
                  <strong>{r.label}:</strong> {r.sentence}
                </li>
              ))}
            </ul>
            {p.vehicleList.length > 0 ? (
              <details>
                <summary>Supported vehicles ({p.vehicleList.length})</summary>
                <ul class="columns">
                  {p.vehicleList.map((v) => (
                    <li key={`${v.make} ${v.model}`}>
                      {v.make} {v.model}
                      {v.yearFrom ? ` (${v.yearFrom}–${v.yearTo ?? ''})` : ''}
                    </li>
                  ))}
                </ul>
                {p.unlistedVehiclesMayApply ? <p>Not on the list? You may still apply.</p> : null}
              </details>
            ) : null}
            {p.supportEmail || p.supportPhone ? (
              <p class="muted">
                Questions: {[p.supportEmail, p.supportPhone].filter(Boolean).join(' · ')}
                {p.supportHours ? ` (${p.supportHours})` : ''}
              </p>
            ) : null}
          </Card>
          <form class="card form" onSubmit={form.onSubmit} noValidate>
            <h2>Your vehicles</h2>
            {rows.map((r, i) => (
              <fieldset key={r.key} class="vehicle-fields">
                <legend>Vehicle {i + 1}</legend>
                <Field
                  label="Make"
                  name={`make-${r.key}`}
                  required
                  placeholder="Hyundai"
                  error={form.fields[`vehicles[${i}].make`]}
                />
                <Field
                  label="Model"
                  name={`model-${r.key}`}
                  required
                  placeholder="Kona Electric"
                  error={form.fields[`vehicles[${i}].model`]}
                />
                <Field
                  label="Model year"
                  name={`year-${r.key}`}
                  type="number"
                  required
                  placeholder="2021"
                  error={form.fields[`vehicles[${i}].modelYear`]}
                />
                <Field
                  label="VIN"
                  name={`vin-${r.key}`}
                  required
                  hint="17 characters, on the windshield or your registration"
                  error={form.fields[`vehicles[${i}].vin`]}
                />
                {rows.length > 1 ? (
                  <button type="button" class="link" onClick={() => setRows(rows.filter((x) => x.key !== r.key))}>
                    Remove this vehicle
                  </button>
                ) : null}
              </fieldset>
            ))}
            <button
              type="button"
              class="secondary"
              onClick={() => setRows([...rows, { key: Math.max(...rows.map((x) => x.key)) + 1 }])}
            >
              Add another vehicle
            </button>
            <h2>Home</h2>
            <Field
              label="Street address"
              name="line1"
              autocomplete="address-line1"
              required
              error={form.fields.line1}
            />
            <Field label="City" name="city" autocomplete="address-level2" required error={form.fields.city} />
            <Field
              label={home!.regionLabel}
              name="region"
              autocomplete="address-level1"
              required
              value={home!.region}
              error={form.fields.region}
            />
            <Field
              label={home!.postalLabel}
              name="postalCode"
              autocomplete="postal-code"
              required
              {...(home!.postalHint ? { hint: home!.postalHint } : {})}
              error={form.fields.postalCode}
            />
            <Field
              label="Country (two letters)"
              name="country"
              autocomplete="country"
              required
              value={home!.country}
              error={form.fields.country}
            />
            <Field
              label={`${p.utility} account number`}
              name="utilityAccount"
              required
              error={form.fields.utilityAccount}
            />
            <Field
              label="PayPal address (optional)"
              name="paypalEmail"
              type="email"
              hint={payByHint(p)}
              error={form.fields.paypalEmail}
            />
            <ErrorNote error={form.error} />
            <button type="submit" disabled={form.busy}>
              {form.busy ? 'Sending…' : 'Send my application'}
            </button>
          </form>
        </>
      ) : null}
      {!program.loading && !p && !program.error ? <Empty>No such program.</Empty> : null}
    </Page>
  );
}
