/** Download stats (CSV or JSON, any date range) and read-only share links with an expiry, revocable. */
import { useState } from 'preact/hooks';
import { daysAgo, get, post, type Share } from '../api';
import { Badge, Card, Empty, ErrorNote, Field, Loading, Page, text, useForm } from '../components/ui';
import { useLoad } from '../session';
import { date, dateTime } from '../units';
import { useMyVehicle, VehiclePicker } from '../vehicles';

export function ShareAndExport() {
  const v = useMyVehicle();
  const id = v.vehicle?.vehicleId;
  const [from, setFrom] = useState(daysAgo(30));
  const [to, setTo] = useState(daysAgo(0));
  const shares = useLoad(() => get<{ shares: Share[] }>('/me/shares'), []);
  const [created, setCreated] = useState<Share | undefined>();
  const form = useForm(async (data) => {
    if (!id) return;
    const share = await post<Share>('/shares', {
      vehicleId: id,
      days: Number(data.get('days')),
      ...(text(data, 'label') ? { label: text(data, 'label') } : {}),
    });
    setCreated(share);
    shares.reload();
  });
  const [revokeError, setRevokeError] = useState<string | undefined>();
  const revoke = async (shareId: number) => {
    try {
      await post(`/shares/${shareId}/revoke`);
      shares.reload();
    } catch (e) {
      setRevokeError((e as Error).message);
    }
  };
  // The day after "to": the API's ranges end before their last day.
  const toExclusive = (() => {
    const d = new Date(`${to}T12:00:00`);
    d.setDate(d.getDate() + 1);
    return d.toISOString().slice(0, 10);
  })();
  const link = (kind: string, format: string) =>
    id ? `/api/v1/vehicles/${id}/export?kind=${kind}&format=${format}&from=${from}&to=${toExclusive}` : '#';
  return (
    <Page title="Share and export" actions={<VehiclePicker v={v} />}>
      {v.loading ? <Loading /> : null}
      <ErrorNote error={v.error} />
      {!v.loading && !id ? <Empty>No vehicle yet.</Empty> : null}
      {id ? (
        <>
          <Card title="Download your stats">
            <div class="form row-form">
              <Field
                label="From"
                name="from"
                type="date"
                value={from}
                onInput={(e: Event) => setFrom((e.target as HTMLInputElement).value)}
              />
              <Field
                label="To"
                name="to"
                type="date"
                value={to}
                onInput={(e: Event) => setTo((e.target as HTMLInputElement).value)}
              />
            </div>
            <ul class="downloads">
              {(['days', 'trips', 'sessions'] as const).map((kind) => (
                <li key={kind}>
                  <span>{kind === 'days' ? 'Daily summary' : kind === 'trips' ? 'Trips' : 'Charging sessions'}</span>
                  <a class="button small" href={link(kind, 'csv')} download>
                    CSV
                  </a>
                  <a class="button small secondary" href={link(kind, 'json')} download>
                    JSON
                  </a>
                </li>
              ))}
            </ul>
          </Card>
          <Card title="Share with friends and family">
            <p>
              A share link shows this vehicle’s trips, charging and battery health, read-only, to anyone who has it —
              until it expires or you revoke it. Your name, address and rewards are never shown.
            </p>
            <form class="form row-form" onSubmit={form.onSubmit} noValidate>
              <Field label="For (optional)" name="label" placeholder="Mum" maxLength={80} />
              <div class="field">
                <label for="share-days">Works for</label>
                <select id="share-days" name="days">
                  <option value="1">1 day</option>
                  <option value="7">7 days</option>
                  <option value="30" selected>
                    30 days
                  </option>
                  <option value="365">a year</option>
                </select>
              </div>
              <button type="submit" disabled={form.busy}>
                Make a link
              </button>
            </form>
            <ErrorNote error={form.error ?? revokeError} />
            {created?.url ? (
              <p class="notice ok" role="status">
                Your link (shown once — copy it now):{' '}
                <a href={created.url} class="break" data-testid="share-url">
                  {created.url}
                </a>
              </p>
            ) : null}
            <h3>Your links</h3>
            {(shares.data?.shares ?? []).length === 0 ? <Empty>No links yet.</Empty> : null}
            <ul class="rows">
              {(shares.data?.shares ?? []).map((s) => (
                <li key={s.id} class="row">
                  <span class="row-main">
                    {s.label ?? `Link ${s.id}`}{' '}
                    {s.active ? <Badge tone="ok">active</Badge> : <Badge>{s.revokedAt ? 'revoked' : 'expired'}</Badge>}
                  </span>
                  <span class="muted small">
                    until {date(s.expiresAt)}
                    {s.lastUsedAt ? ` · opened ${dateTime(s.lastUsedAt)}` : ''}
                  </span>
                  {s.active ? (
                    <button type="button" class="link danger" onClick={() => revoke(s.id)}>
                      Revoke
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          </Card>
        </>
      ) : null}
    </Page>
  );
}
