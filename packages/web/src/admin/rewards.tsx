/**
 * /admin/:slug/rewards: every participant's balance, one participant's ledger with corrections
 * (adjustments with a reason the participant reads), running the reward rules now, and the
 * payout batches with their reconciliation (payouts.tsx).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { get, post, type Ledger, type ProgramBalances, type ProgramEvaluation, type StaffProgram } from '../api';
import { Card, Empty, ErrorNote, Loading, Page, Stat } from '../components/ui';
import { useLoad } from '../session';
import { date } from '../units';
import { fieldError, Input, int, money, onSubmitData, Problems, TextArea, text, useAction } from './common';
import { Payouts } from './payouts';
import type { SectionProps } from './program';

export function Rewards({ program }: SectionProps) {
  const { query } = useLocation();
  const balances = useLoad(() => get<ProgramBalances>(`/programs/${program.slug}/balances`), [program.slug]);
  const [selected, setSelected] = useState<number | null>(() => Number(query.participant) || null);
  const evaluate = useAction();
  const [evaluated, setEvaluated] = useState<ProgramEvaluation | undefined>();
  const b = balances.data;
  // Every participant who has or had a place has a balance row, with their name: payouts name them too.
  const names = new Map((b?.balances ?? []).map((row) => [row.enrollmentId, row.name]));
  const runRules = () =>
    void evaluate.run(async () => {
      setEvaluated(await post<ProgramEvaluation>(`/programs/${program.slug}/rewards/evaluate`, {}));
      balances.reload();
    });
  const chosen = selected === null ? undefined : names.get(selected);
  return (
    <Page
      title="Rewards"
      actions={
        <button type="button" class="secondary small" disabled={evaluate.busy} onClick={runRules}>
          {evaluate.busy ? 'Evaluating…' : 'Evaluate rewards now'}
        </button>
      }
    >
      <Problems error={evaluate.error} />
      {evaluated ? (
        <p class="notice ok" role="status">
          The rules ran over {evaluated.slots} participating vehicle{evaluated.slots === 1 ? '' : 's'}:{' '}
          {evaluated.added === 0
            ? 'nothing new was earned'
            : `${evaluated.added} new ledger entr${evaluated.added === 1 ? 'y' : 'ies'}, ${money(evaluated.points, program)}`}{' '}
          ({evaluated.entitlements} earned in all, the rest already in the ledger).
        </p>
      ) : null}
      {balances.loading && !b ? <Loading what="Loading the balances" /> : null}
      <ErrorNote error={balances.error} />
      {b ? (
        <>
          <div class="stats">
            <Stat
              label="Earned"
              value={money(b.totals.earned, program)}
              hint={`${int.format(b.totals.earned)} points`}
            />
            <Stat label="Adjusted" value={money(b.totals.adjusted, program)} />
            <Stat label="Paid out" value={money(b.totals.paidOut, program)} />
            <Stat
              label="Owed now"
              value={money(b.totals.balance, program)}
              hint={`${b.balances.length} participants`}
            />
          </div>
          <Card title="Balances">
            {b.balances.length === 0 ? (
              <Empty>No participant has a ledger yet.</Empty>
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Participant</th>
                      <th scope="col">Balance</th>
                      <th scope="col" class="hide-narrow">
                        Earned
                      </th>
                      <th scope="col" class="hide-narrow">
                        Adjusted
                      </th>
                      <th scope="col" class="hide-narrow">
                        Paid out
                      </th>
                      <th scope="col">
                        <span class="adm-sr">Ledger</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {b.balances.map((row) => (
                      <tr key={row.enrollmentId} class={selected === row.enrollmentId ? 'adm-selected' : ''}>
                        <th scope="row">
                          {row.name}
                          <div class="muted small break hide-narrow">
                            {row.email} {row.status === 'left' ? '(left the program)' : ''}
                          </div>
                        </th>
                        <td>{money(row.balance, program)}</td>
                        <td class="hide-narrow">{money(row.earned, program)}</td>
                        <td class="hide-narrow">{money(row.adjusted, program)}</td>
                        <td class="hide-narrow">{money(row.paidOut, program)}</td>
                        <td>
                          <button
                            type="button"
                            class="small secondary"
                            aria-pressed={selected === row.enrollmentId}
                            onClick={() => setSelected(selected === row.enrollmentId ? null : row.enrollmentId)}
                          >
                            Ledger
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </>
      ) : null}
      {selected !== null ? (
        <LedgerCard
          key={selected}
          id={selected}
          name={chosen ?? `Participant ${selected}`}
          program={program}
          onChange={balances.reload}
          onClose={() => setSelected(null)}
        />
      ) : null}
      <Payouts program={program} names={names} onChange={balances.reload} />
    </Page>
  );
}

function LedgerCard({
  id,
  name,
  program,
  onChange,
  onClose,
}: {
  id: number;
  name: string;
  program: StaffProgram;
  onChange: () => void;
  onClose: () => void;
}) {
  const ledger = useLoad(() => get<Ledger>(`/applications/${id}/ledger?limit=200`), [id]);
  const anchor = useRef<HTMLDivElement>(null);
  // Opened from the balances above: bring it into view and put the focus there.
  useEffect(() => {
    anchor.current?.scrollIntoView({ block: 'start' });
    anchor.current?.focus({ preventScroll: true });
  }, [id]);
  const adjust = useAction();
  const submit = onSubmitData(async (data, form) => {
    const points = Number(text(data, 'points'));
    const ok = await adjust.run(async () => {
      await post(`/applications/${id}/adjustments`, { points, reason: text(data, 'reason') });
      ledger.reload();
      onChange();
    });
    if (ok) form.reset();
  });
  const l = ledger.data;
  return (
    <div ref={anchor} tabIndex={-1} class="adm-anchor">
      <Card title={`Ledger: ${name}`}>
        {ledger.loading && !l ? <Loading /> : null}
        <ErrorNote error={ledger.error} />
        {l ? (
          <>
            <p>
              Balance <strong>{money(l.balance, program)}</strong>{' '}
              <span class="muted">({int.format(l.balance)} points)</span>
            </p>
            {l.entries.length === 0 ? <Empty>Nothing in the ledger yet.</Empty> : null}
            <ul class="ledger">
              {l.entries.map((e) => (
                <li key={e.id} class={e.points < 0 ? 'debit' : 'credit'}>
                  <div class="ledger-head">
                    <strong>{e.explanation.rule ?? e.kind}</strong>
                    <span class="amount">
                      {e.points > 0 ? '+' : ''}
                      {money(e.points, program)}
                    </span>
                  </div>
                  <div class="muted small">
                    {e.kind}
                    {e.period && e.period !== 'start' ? ` · ${e.period}` : ''} · {date(e.createdAt)}
                    {e.vehicleId ? ` · vehicle ${e.vehicleId}` : ''}
                  </div>
                  <p>{e.explanation.summary}</p>
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <h3 class="section">Adjust the balance</h3>
        <form class="form" onSubmit={submit} noValidate>
          <Input
            label="Points"
            name="points"
            type="number"
            step={1}
            required
            hint={`Negative to take points back. ${int.format(program.pointsPerUnit)} points = 1 ${program.currency}.`}
            error={fieldError(adjust.error, 'points')}
          />
          <TextArea
            label="Reason"
            name="reason"
            required
            rows={2}
            hint="The participant reads it in their ledger."
            error={fieldError(adjust.error, 'reason')}
          />
          <Problems error={adjust.error} />
          <div class="buttons">
            <button type="submit" disabled={adjust.busy}>
              Record the adjustment
            </button>
            <button type="button" class="secondary" onClick={onClose}>
              Close the ledger
            </button>
          </div>
        </form>
      </Card>
    </div>
  );
}
