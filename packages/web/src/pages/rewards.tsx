/**
 * Rewards: what was earned (and when), what is still owed with the next payout's date and method,
 * what was paid (when, how, to whom), and what can still be earned. Amounts are in money, with the
 * points beside when the program counts in points. After leaving: what is owed and when it is
 * paid, and no promise or choice that no longer applies.
 */
import { useState } from 'preact/hooks';
import { api, get, type Application, type RewardAmount, type RewardsView } from '../api';
import { Card, Empty, ErrorNote, Field, Loading, Page, Stat, text, useForm } from '../components/ui';
import { useLoad } from '../session';
import { date, f0 } from '../units';

type Terms = Pick<RewardsView, 'display' | 'currency'>;

/** "$25.00": the money an amount is worth. */
function money(a: RewardAmount, terms: Terms): string {
  // "$25.00", not "US$25.00" outside the United States: the program names its currency already.
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency: terms.currency,
    currencyDisplay: 'narrowSymbol',
  }).format(a.cents / 100);
}

/** "25,000 points" in a points program; nothing in a money one. */
function pointsOf(a: RewardAmount, terms: Terms): string | undefined {
  return terms.display === 'points' ? `${f0.format(a.points)} points` : undefined;
}

/** "$25.00 (25,000 points)" in a points program, "$50.00" in a money one. */
export function moneyAndPoints(a: RewardAmount, terms: Terms): string {
  const points = pointsOf(a, terms);
  return points ? `${money(a, terms)} (${points})` : money(a, terms);
}

/** A stat's hint: the points (in a points program), then what else is said. */
function hintOf(...parts: (string | undefined | false)[]): string | undefined {
  const said = parts.filter((p): p is string => Boolean(p));
  return said.length > 0 ? said.join(' · ') : undefined;
}

export function Rewards() {
  const apps = useLoad(() => get<{ applications: Application[] }>('/me/applications'), []);
  const joined = (apps.data?.applications ?? []).filter((a) => a.status === 'approved' || a.status === 'left');
  return (
    <Page title="Rewards">
      {apps.loading ? <Loading /> : null}
      <ErrorNote error={apps.error} />
      {!apps.loading && joined.length === 0 ? <Empty>Rewards start once you take part in a program.</Empty> : null}
      {/* Newest first: a driver who left and joined again sees the current participation on top. */}
      {[...joined].reverse().map((a) => (
        <ProgramRewards key={a.id} application={a} onChange={apps.reload} />
      ))}
    </Page>
  );
}

/** When and how the next payout comes, in words. */
function nextPayoutText(r: RewardsView): string | null {
  const next = r.nextPayout;
  if (!next) return null;
  const to = next.to ? ` to ${next.to}` : '';
  const when = next.waitingForSetup
    ? 'once the program has connected its PayPal account (what you earn is kept until then)'
    : next.on
      ? `on ${date(next.on)}`
      : 'when the program ends (the program has not set that date yet)';
  return `${next.how}${to}, ${when}`;
}

function ProgramRewards({ application, onChange }: { application: Application; onChange: () => void }) {
  const rewards = useLoad(() => get<RewardsView>(`/applications/${application.id}/rewards`), [application.id]);
  const [editing, setEditing] = useState(false);
  const form = useForm(async (data) => {
    const email = text(data, 'paypalEmail');
    await api('PUT', `/applications/${application.id}/paypal`, { paypalEmail: email === '' ? null : email });
    setEditing(false);
    rewards.reload();
    onChange();
  });
  const r = rewards.data;
  const next = r ? nextPayoutText(r) : null;
  const minimum =
    r?.nextPayout && r.nextPayout.minimumPoints > 1 && r.owed.points < r.nextPayout.minimumPoints
      ? moneyAndPoints(
          {
            points: r.nextPayout.minimumPoints,
            cents: Math.floor((r.nextPayout.minimumPoints * 100) / r.pointsPerUnit),
          },
          r,
        )
      : null;
  return (
    <Card title={application.program.name}>
      <ErrorNote error={rewards.error} />
      {r ? (
        <>
          {r.status === 'left' && r.leftAt ? (
            <p class="notice">
              You left this program on {date(r.leftAt)}. What you earned stays yours
              {r.owed.points > 0 ? ' and is paid as below.' : '.'}
            </p>
          ) : null}
          <div class="stats">
            <Stat label="Earned" value={money(r.earned, r)} hint={hintOf(pointsOf(r.earned, r), 'since you joined')} />
            <Stat
              label={r.status === 'left' ? 'Still owed to you' : 'To be paid'}
              value={money(r.owed, r)}
              hint={hintOf(pointsOf(r.owed, r), r.owed.points > 0 && next ? `paid by ${next}` : false)}
            />
            <Stat
              label="Paid"
              value={money(r.paid, r)}
              hint={hintOf(pointsOf(r.paid, r), r.onItsWay.points > 0 && `${moneyAndPoints(r.onItsWay, r)} on its way`)}
            />
          </div>
          {next ? (
            <p class="next-payout">
              <strong>Next payout:</strong> {next}.
              {minimum ? ` It is paid once what you are owed reaches ${minimum}.` : ''}
            </p>
          ) : (
            <p class="muted">This program has not said how it pays rewards yet; ask its support team.</p>
          )}
          {r.canChangePayment ? (
            editing ? (
              <form class="form" onSubmit={form.onSubmit} noValidate>
                <Field
                  label="PayPal address (empty for a gift card instead)"
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
            )
          ) : null}
          {r.stillToEarn.length > 0 ? (
            <ul class="still-to-earn">
              {r.stillToEarn.map((s) => (
                <li key={s.key}>
                  <strong>{s.label}:</strong> {moneyAndPoints(s.amount, r)} with your first charge after the device is
                  installed.
                </li>
              ))}
            </ul>
          ) : null}
          {r.startBonusEarnedBefore && r.status === 'approved' ? (
            <p class="still-to-earn">
              You earned the start bonus when you first took part in this program: it is paid once, so this
              participation earns the program's other rewards.
            </p>
          ) : null}
          <h3>Earned</h3>
          {r.earnings.length === 0 ? (
            <Empty>{r.status === 'left' ? 'Nothing was earned before you left.' : 'Nothing earned yet.'}</Empty>
          ) : null}
          <ul class="ledger">
            {r.earnings.map((e) => (
              <li key={e.id} class={e.amount.points < 0 ? 'debit' : 'credit'}>
                <div class="ledger-head">
                  <strong>{e.rule}</strong>
                  <span class="amount">
                    {e.amount.points > 0 ? '+' : ''}
                    {moneyAndPoints(e.amount, r)}
                  </span>
                </div>
                <div class="muted small">
                  Earned {date(e.earnedAt)}
                  {e.period && /^\d{4}-\d{2}$/.test(e.period) ? ` · for ${e.period}` : ''}
                </div>
                <p>{e.summary}</p>
              </li>
            ))}
          </ul>
          <h3>Payments</h3>
          {r.payments.length === 0 ? <Empty>Nothing paid yet.</Empty> : null}
          <ul class="payments">
            {r.payments.map((p) => (
              <li key={p.id}>
                <div class="ledger-head">
                  <strong>{p.how}</strong>
                  <span class="amount">{moneyAndPoints(p.amount, r)}</span>
                </div>
                <div class="muted small">{paymentText(p)}</div>
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

function paymentText(p: RewardsView['payments'][number]): string {
  const to = p.method === 'paypal' ? ` to ${p.to}` : '';
  switch (p.state) {
    case 'paid':
      return `Paid ${date(p.settledAt ?? p.sentAt)} by ${p.how}${to}`;
    case 'waiting_for_claim':
      return `Sent ${date(p.sentAt)}${to}: claim it in PayPal with that address`;
    case 'not_paid':
      return `Could not be paid${p.settledAt ? ` (${date(p.settledAt)})` : ''}: it is back in what you are owed`;
    default:
      return p.method === 'paypal' ? `Sent ${date(p.sentAt)}${to}, on its way` : `Card ordered ${date(p.sentAt)}`;
  }
}
