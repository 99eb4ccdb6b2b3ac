/**
 * /admin/:slug/applications: the queue, with how many applications each status holds. Each
 * application with its applicant, home, account number and vehicles, each vehicle with the
 * eligibility check's reasons; approve (all or some vehicles, with an optional note) or decline with
 * a reason the applicant reads.
 */
import { useState } from 'preact/hooks';
import { get, post, type StaffApplication } from '../api';
import { Badge, Card, Empty, ErrorNote, Loading, Page } from '../components/ui';
import { useLoad } from '../session';
import { date, dateTime } from '../units';
import { fieldError, onSubmitData, Problems, Select, StatusBadge, TextArea, text, useAction } from './common';
import type { SectionProps } from './program';

const PAGE = 100;
const FILTERS = [
  ['applied', 'Waiting for a decision'],
  ['approved', 'Approved'],
  ['declined', 'Declined'],
  ['withdrawn', 'Withdrawn'],
  ['left', 'Left the program'],
] as const;

export function Applications({ program, summary, onSummary }: SectionProps) {
  const [status, setStatus] = useState('applied');
  const [after, setAfter] = useState<number[]>([]);
  const cursor = after.at(-1) ?? 0;
  const load = useLoad(
    () =>
      get<{ applications: StaffApplication[] }>(
        `/programs/${program.slug}/applications?status=${status}&limit=${PAGE}&after=${cursor}`,
      ),
    [program.slug, status, cursor],
  );
  const rows = load.data?.applications ?? [];
  const counts = summary?.applications;
  // Each choice says how many it holds, from the program's counts.
  const filters = FILTERS.map(([value, label]) => [value, counts ? `${label} (${counts[value]})` : label] as const);
  const reload = () => {
    load.reload();
    onSummary?.();
  };
  return (
    <Page title="Applications">
      <div class="adm-toolbar">
        <Select
          label="Show"
          name="status"
          options={filters}
          value={status}
          onChange={(e) => {
            setAfter([]);
            setStatus(e.currentTarget.value);
          }}
        />
        <p class="muted adm-tight">
          {counts === undefined ? '' : `${counts.approved} approved`}
          {program.participantTarget ? ` of a target of ${program.participantTarget}` : ''}
          {program.applicationsCloseOn ? ` · applications close ${date(program.applicationsCloseOn)}` : ''}
        </p>
      </div>
      {load.loading ? <Loading what="Loading the applications" /> : null}
      <ErrorNote error={load.error} />
      {!load.loading && rows.length === 0 && !load.error ? (
        <Empty>{status === 'applied' ? 'Nobody is waiting for a decision.' : 'No applications here.'}</Empty>
      ) : null}
      {rows.map((a) => (
        <ApplicationCard key={a.id} application={a} onDecided={reload} />
      ))}
      <div class="buttons">
        {after.length > 0 ? (
          <button type="button" class="secondary" onClick={() => setAfter(after.slice(0, -1))}>
            Previous page
          </button>
        ) : null}
        {rows.length === PAGE ? (
          <button type="button" class="secondary" onClick={() => setAfter([...after, rows.at(-1)!.id])}>
            Next page
          </button>
        ) : null}
      </div>
    </Page>
  );
}

function ApplicationCard({ application: a, onDecided }: { application: StaffApplication; onDecided: () => void }) {
  const pending = a.vehicles.filter((v) => v.status === 'pending');
  const [chosen, setChosen] = useState<number[]>(() => pending.filter((v) => v.eligibility.eligible).map((v) => v.id));
  const [declining, setDeclining] = useState(false);
  const action = useAction();
  const approve = onSubmitData((data) =>
    action.run(async () => {
      const note = text(data, 'note');
      await post(`/applications/${a.id}/approve`, { vehicles: chosen, ...(note ? { note } : {}) });
      onDecided();
    }),
  );
  const decline = onSubmitData((data) =>
    action.run(async () => {
      await post(`/applications/${a.id}/decline`, { reason: text(data, 'reason') });
      onDecided();
    }),
  );
  const who = a.applicant ? a.applicant.name : `Applicant ${a.id}`;
  return (
    <Card>
      <h2 class="adm-card-head">
        <span>{who}</span> <StatusBadge status={a.status} />
      </h2>
      <dl class="adm-kv">
        <div>
          <dt>Email</dt>
          <dd class="break">{a.applicant?.email ?? '–'}</dd>
        </div>
        <div>
          <dt>Applied</dt>
          <dd>{dateTime(a.appliedAt)}</dd>
        </div>
        <div>
          <dt>Home</dt>
          <dd>
            {a.homeAddress.line1}, {a.homeAddress.city}, {a.homeAddress.region} {a.homeAddress.postalCode}
          </dd>
        </div>
        <div>
          <dt>Utility account</dt>
          <dd>{a.utilityAccount || '–'}</dd>
        </div>
        <div>
          <dt>Paid by</dt>
          <dd class="break">{a.paypalEmail ? `PayPal (${a.paypalEmail})` : 'Gift card'}</dd>
        </div>
        {a.decidedAt ? (
          <div>
            <dt>Decided</dt>
            <dd>
              {dateTime(a.decidedAt)}
              {a.decisionNote ? ` — “${a.decisionNote}”` : ''}
            </dd>
          </div>
        ) : null}
        {a.leftAt ? (
          <div>
            <dt>Left</dt>
            <dd>
              {dateTime(a.leftAt)} ({a.leaveReason?.replace('_', ' ')}){a.leaveNote ? ` — “${a.leaveNote}”` : ''}
            </dd>
          </div>
        ) : null}
      </dl>
      {a.vehicles.map((v) => (
        <div key={v.id} class="vehicle">
          <h3>
            {v.modelYear} {v.make} {v.model} <StatusBadge status={v.status} />{' '}
            {v.eligibility.eligible ? (
              v.eligibility.needsReview ? (
                <Badge tone="warn">eligible, check it</Badge>
              ) : (
                <Badge tone="ok">eligible</Badge>
              )
            ) : (
              <Badge tone="bad">not eligible</Badge>
            )}
          </h3>
          <p class="muted small adm-tight">VIN {v.vin ?? '–'}</p>
          <ul class="reasons adm-reasons">
            {v.eligibility.reasons.map((r) => (
              <li key={r.message} class={r.ok ? 'ok' : 'bad'}>
                <span aria-hidden="true">{r.ok ? '✓ ' : '✗ '}</span>
                <span class="adm-sr">{r.ok ? 'Passes: ' : 'Fails: '}</span>
                {r.message}
              </li>
            ))}
          </ul>
          {a.status === 'applied' && v.status === 'pending' && pending.length > 1 ? (
            <label class="adm-check">
              <input
                type="checkbox"
                checked={chosen.includes(v.id)}
                onChange={(e) =>
                  setChosen(e.currentTarget.checked ? [...chosen, v.id] : chosen.filter((id) => id !== v.id))
                }
              />
              Approve this vehicle
            </label>
          ) : null}
        </div>
      ))}
      {a.status === 'applied' ? (
        <div class="adm-decide">
          {declining ? (
            <form class="form inline-form" onSubmit={decline} noValidate>
              <TextArea
                label="Why is the application declined?"
                name="reason"
                required
                rows={3}
                hint="The applicant reads this in their email and in the app."
                error={fieldError(action.error, 'reason')}
              />
              <Problems error={action.error} />
              <div class="buttons">
                <button type="submit" class="danger" disabled={action.busy}>
                  Decline the application
                </button>
                <button type="button" class="secondary" onClick={() => setDeclining(false)}>
                  Cancel
                </button>
              </div>
            </form>
          ) : (
            <form class="form inline-form" onSubmit={approve} noValidate>
              <TextArea label="Note to the applicant (optional)" name="note" rows={2} />
              {chosen.length === 0 ? (
                <p class="muted small">No vehicle is chosen for approval: decline the application, or choose one.</p>
              ) : null}
              <Problems error={action.error} />
              <div class="buttons">
                <button type="submit" disabled={action.busy || chosen.length === 0}>
                  {pending.length > 1 ? `Approve ${chosen.length} of ${pending.length} vehicles` : 'Approve'}
                </button>
                <button
                  type="button"
                  class="secondary danger"
                  onClick={() => {
                    action.clear();
                    setDeclining(true);
                  }}
                >
                  Decline…
                </button>
              </div>
            </form>
          )}
        </div>
      ) : null}
    </Card>
  );
}
