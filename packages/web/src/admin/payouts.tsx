/**
 * A program's payout batches (PayPal each month, gift cards at year or program end): recording a
 * batch, its items, the gift-card order file and confirming the cards went out, and the check of
 * every payout against the ledger.
 */
import { useState } from 'preact/hooks';
import { get, post, type PayoutBatch, type Reconciliation, type StaffProgram } from '../api';
import { Badge, Card, Empty, ErrorNote, Loading } from '../components/ui';
import { useLoad } from '../session';
import { dateTime } from '../units';
import { fieldError, Input, int, money, onSubmitData, Problems, Select, StatusBadge, text, useAction } from './common';

const PROVIDERS = { paypal: 'PayPal', gift_card: 'Gift cards' } as const;

function lastMonth(): string {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export function Payouts({
  program,
  names,
  onChange,
}: {
  program: StaffProgram;
  /** Participants' names by application id. */
  names: ReadonlyMap<number, string>;
  onChange: () => void;
}) {
  const batches = useLoad(() => get<{ batches: PayoutBatch[] }>(`/programs/${program.slug}/payouts`), [program.slug]);
  const recon = useLoad(() => get<Reconciliation>(`/programs/${program.slug}/reconciliation`), [program.slug]);
  const [open, setOpen] = useState<number | null>(null);
  const create = useAction();
  const [created, setCreated] = useState<PayoutBatch | undefined>();
  const o = program.payoutOptions;
  const providers = (['paypal', 'gift_card'] as const)
    .filter((p) => (p === 'paypal' ? o.paypal : o.giftCard))
    .map((p) => [p, PROVIDERS[p]] as const);
  const changed = () => {
    batches.reload();
    recon.reload();
    onChange();
  };
  const submit = onSubmitData((data) =>
    create.run(async () => {
      setCreated(undefined);
      const batch = await post<PayoutBatch>(`/programs/${program.slug}/payouts`, {
        provider: text(data, 'provider'),
        period: text(data, 'period'),
      });
      setCreated(batch);
      setOpen(batch.id);
      changed();
    }),
  );
  const list = batches.data?.batches ?? [];
  return (
    <>
      <Card title="Payout batches">
        {providers.length === 0 ? (
          <p class="muted">The program has no payout options: set PayPal or gift cards up under Setup.</p>
        ) : (
          <form class="form row-form" onSubmit={submit} noValidate aria-label="Record a payout batch">
            <Select label="Pay by" name="provider" options={providers} />
            <Input
              label="Period"
              name="period"
              defaultValue={lastMonth()}
              required
              aria-describedby="adm-period-help"
              error={fieldError(create.error, 'period')}
            />
            <div>
              <button type="submit" disabled={create.busy}>
                {create.busy ? 'Recording…' : 'Record the batch'}
              </button>
            </div>
          </form>
        )}
        <p class="muted small" id="adm-period-help">
          The period is YYYY-MM (a month), YYYY (a year) or program-end. Recording pays every participant owed
          something: their points are debited at once. PayPal batches are sent by the server’s scheduled work; gift
          cards are ordered from the CSV.
        </p>
        <Problems error={create.error} />
        {created ? (
          <p class="notice ok" role="status">
            Batch {created.id} recorded: {created.items?.length ?? 0} payments,{' '}
            {money(
              (created.items ?? []).reduce((a, i) => a + i.points, 0),
              program,
            )}
            .
          </p>
        ) : null}
        {batches.loading && !batches.data ? <Loading /> : null}
        <ErrorNote error={batches.error} />
        {!batches.loading && list.length === 0 ? <Empty>No payout batch yet.</Empty> : null}
        {list.length > 0 ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Batch</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="hide-narrow">
                    Recorded
                  </th>
                  <th scope="col">
                    <span class="adm-sr">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((b) => (
                  <tr key={b.id} class={open === b.id ? 'adm-selected' : ''}>
                    <th scope="row">
                      {PROVIDERS[b.provider]} {b.period} <span class="muted small">#{b.id}</span>
                    </th>
                    <td>
                      <StatusBadge status={b.status} />
                      {b.lastError ? <div class="small adm-warn">{b.lastError}</div> : null}
                    </td>
                    <td class="hide-narrow">
                      {dateTime(b.createdAt)}
                      {b.attempts > 1 ? <div class="muted small">{b.attempts} attempts</div> : null}
                    </td>
                    <td class="adm-actions">
                      <button
                        type="button"
                        class="small secondary"
                        aria-pressed={open === b.id}
                        onClick={() => setOpen(open === b.id ? null : b.id)}
                      >
                        Items
                      </button>
                      {b.provider === 'gift_card' ? (
                        <a class="button small secondary" href={`/api/v1/payouts/${b.id}/gift-cards.csv`} download>
                          Gift-card CSV
                        </a>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
      {open !== null ? <BatchItems key={open} id={open} names={names} onChange={changed} /> : null}
      <Card title="Reconciliation">
        {recon.loading && !recon.data ? <Loading what="Checking every payout against the ledger" /> : null}
        <ErrorNote error={recon.error} />
        {recon.data ? <ReconciliationView r={recon.data} program={program} /> : null}
        <div class="buttons">
          <button type="button" class="secondary small" disabled={recon.loading} onClick={recon.reload}>
            Check again
          </button>
        </div>
      </Card>
    </>
  );
}

function ReconciliationView({ r, program }: { r: Reconciliation; program: StaffProgram }) {
  const t = r.totals;
  return (
    <>
      <p>
        {r.ok ? <Badge tone="ok">balanced</Badge> : <Badge tone="bad">{r.problems.length} problems</Badge>} {t.items}{' '}
        payout item{t.items === 1 ? '' : 's'}: {money(t.paidPoints, program)} paid, {money(t.inFlightPoints, program)}{' '}
        in flight, {money(t.reversedPoints, program)} credited back.
        {t.paypalBatchesChecked > 0 ? ` ${t.paypalBatchesChecked} PayPal batches compared with PayPal.` : ''}
      </p>
      <p class="muted small">
        Ledger: {int.format(t.ledgerDebits)} points debited, {int.format(t.ledgerReversals)} credited back.
      </p>
      {r.problems.length > 0 ? (
        <ul class="adm-problems">
          {r.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function BatchItems({ id, names, onChange }: { id: number; names: ReadonlyMap<number, string>; onChange: () => void }) {
  const batch = useLoad(() => get<PayoutBatch>(`/payouts/${id}`), [id]);
  const [failed, setFailed] = useState<number[]>([]);
  const fulfil = useAction();
  const b = batch.data;
  const submit = onSubmitData((data) =>
    fulfil.run(async () => {
      const note = text(data, 'note');
      await post(`/payouts/${id}/fulfil`, { failedItems: failed, ...(note ? { note } : {}) });
      batch.reload();
      onChange();
    }),
  );
  const canFulfil = b?.provider === 'gift_card' && b.status === 'exported';
  return (
    <Card title={`Batch ${id}: items`}>
      {batch.loading && !b ? <Loading /> : null}
      <ErrorNote error={batch.error} />
      {b && (b.items ?? []).length === 0 ? <Empty>The batch has no items.</Empty> : null}
      {b && (b.items ?? []).length > 0 ? (
        <form onSubmit={submit} noValidate>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  {canFulfil ? <th scope="col">Not delivered</th> : null}
                  <th scope="col">To</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {(b.items ?? []).map((i) => (
                  <tr key={i.id}>
                    {canFulfil ? (
                      <td>
                        <input
                          type="checkbox"
                          class="adm-box"
                          aria-label={`Card for ${i.receiver} was not delivered`}
                          checked={failed.includes(i.id)}
                          onChange={(e) =>
                            setFailed(e.currentTarget.checked ? [...failed, i.id] : failed.filter((x) => x !== i.id))
                          }
                        />
                      </td>
                    ) : null}
                    <td class="break">
                      {i.receiver}
                      <div class="muted small">{names.get(i.enrollmentId) ?? `participant ${i.enrollmentId}`}</div>
                    </td>
                    <td>
                      {new Intl.NumberFormat(undefined, {
                        style: 'currency',
                        currency: i.currency,
                        currencyDisplay: 'narrowSymbol',
                      }).format(i.amountCents / 100)}
                      <div class="muted small">{int.format(i.points)} points</div>
                    </td>
                    <td>
                      <StatusBadge status={i.status} />
                      {i.statusDetail ? <div class="muted small">{i.statusDetail}</div> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canFulfil ? (
            <div class="form inline-form">
              <p class="adm-tight">
                When the cards are ordered and sent, confirm it here. Tick the cards that could not be delivered: their
                points go back to the participant.
              </p>
              <Input label="Note for the cards not delivered (optional)" name="note" />
              <Problems error={fulfil.error} />
              <div>
                <button type="submit" disabled={fulfil.busy}>
                  {failed.length > 0
                    ? `Confirm: ${(b.items ?? []).length - failed.length} sent, ${failed.length} not delivered`
                    : 'Confirm: every card sent'}
                </button>
              </div>
            </div>
          ) : null}
        </form>
      ) : null}
    </Card>
  );
}
