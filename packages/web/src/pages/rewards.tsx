/** Rewards: the balance, every ledger entry with why it was earned, the payout method. */
import { useState } from 'preact/hooks';
import { api, get, type Application, type Ledger } from '../api';
import { Card, Empty, ErrorNote, Field, Loading, Page, Stat, text, useForm } from '../components/ui';
import { useLoad } from '../session';
import { date, reward } from '../units';

export function Rewards() {
  const apps = useLoad(() => get<{ applications: Application[] }>('/me/applications'), []);
  const joined = (apps.data?.applications ?? []).filter((a) => a.status === 'approved' || a.status === 'left');
  return (
    <Page title="Rewards">
      {apps.loading ? <Loading /> : null}
      <ErrorNote error={apps.error} />
      {!apps.loading && joined.length === 0 ? <Empty>Rewards start once you take part in a program.</Empty> : null}
      {joined.map((a) => (
        <ProgramRewards key={a.id} application={a} onChange={apps.reload} />
      ))}
    </Page>
  );
}

function ProgramRewards({ application, onChange }: { application: Application; onChange: () => void }) {
  const ledger = useLoad(() => get<Ledger>(`/applications/${application.id}/ledger?limit=200`), [application.id]);
  const [editing, setEditing] = useState(false);
  const form = useForm(async (data) => {
    const email = text(data, 'paypalEmail');
    await api('PUT', `/applications/${application.id}/paypal`, { paypalEmail: email === '' ? null : email });
    setEditing(false);
    onChange();
  });
  const l = ledger.data;
  return (
    <Card title={application.program.name}>
      <ErrorNote error={ledger.error} />
      {l ? (
        <>
          <div class="stats">
            <Stat
              label="Balance"
              value={reward(l.balance, l)}
              hint={l.display === 'points' ? `${l.pointsPerUnit.toLocaleString()} points = 1 ${l.currency}` : undefined}
            />
            <Stat
              label="Paid by"
              value={application.paypalEmail ? 'PayPal' : 'Gift card'}
              hint={application.paypalEmail ? `monthly, to ${application.paypalEmail}` : 'the full balance at year end'}
            />
          </div>
          {editing ? (
            <form class="form" onSubmit={form.onSubmit} noValidate>
              <Field
                label="PayPal address (empty for a gift card at year end)"
                name="paypalEmail"
                type="email"
                value={application.paypalEmail ?? ''}
                error={form.fields.paypalEmail}
              />
              <ErrorNote error={form.error} />
              <div class="buttons">
                <button type="submit" disabled={form.busy}>
                  Save
                </button>
                <button type="button" class="secondary" onClick={() => setEditing(false)}>
                  Cancel
                </button>
              </div>
            </form>
          ) : (
            <button type="button" class="secondary" onClick={() => setEditing(true)}>
              Change how I am paid
            </button>
          )}
          <h3>Ledger</h3>
          {l.entries.length === 0 ? (
            <Empty>
              Nothing earned yet: the start bonus comes with your first charge after the device is installed.
            </Empty>
          ) : null}
          <ul class="ledger">
            {l.entries.map((e) => (
              <li key={e.id} class={e.points < 0 ? 'debit' : 'credit'}>
                <div class="ledger-head">
                  <strong>{e.explanation.rule}</strong>
                  <span class="amount">
                    {e.points > 0 ? '+' : ''}
                    {reward(e.points, l)}
                  </span>
                </div>
                <div class="muted small">
                  {e.period && e.period !== 'start' ? `${e.period} · ` : ''}
                  {date(e.createdAt)}
                </div>
                <p>{e.explanation.summary}</p>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <Loading />
      )}
    </Card>
  );
}
