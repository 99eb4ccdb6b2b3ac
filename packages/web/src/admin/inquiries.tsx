/**
 * /admin/:slug/inquiries: property managers asking for a shared charging station. The queue by
 * status (new → contacted → qualified → installed, or declined), each inquiry with the building,
 * the contact, the form's first check, and a note for the team. Each status change may carry a
 * note for the property manager, who is e-mailed at every change.
 */
import { useState } from 'preact/hooks';
import { get, type InquiryStatus, type PropertyInquiry } from '../api';
import { Badge, Card, Empty, ErrorNote, Loading, Page } from '../components/ui';
import { useLoad } from '../session';
import { dateTime } from '../units';
import { fieldError, onSubmitData, patch, Problems, StatusBadge, TextArea, text, useAction } from './common';
import type { SectionProps } from './program';

const STATUSES: readonly InquiryStatus[] = ['new', 'contacted', 'qualified', 'declined', 'installed'];
const NEXT: Record<InquiryStatus, readonly InquiryStatus[]> = {
  new: ['contacted', 'declined'],
  contacted: ['qualified', 'declined'],
  qualified: ['installed', 'declined'],
  declined: [],
  installed: [],
};
const VERB: Record<InquiryStatus, string> = {
  new: 'New',
  contacted: 'Mark contacted',
  qualified: 'Mark qualified',
  declined: 'Decline',
  installed: 'Mark installed',
};
const PAGE = 50;

export function Inquiries({ program, onSummary }: SectionProps) {
  const [status, setStatus] = useState<InquiryStatus | ''>('new');
  const [cursors, setCursors] = useState<number[]>([]);
  const after = cursors.at(-1) ?? 0;
  const counts = useLoad(
    () => get<{ counts: Record<InquiryStatus, number> }>(`/property-inquiries/counts?program=${program.slug}`),
    [program.slug],
  );
  const list = useLoad(
    () =>
      get<{ inquiries: PropertyInquiry[]; next: number | null }>(
        `/property-inquiries?program=${program.slug}&limit=${PAGE}&after=${after}${status ? `&status=${status}` : ''}`,
      ),
    [program.slug, status, after],
  );
  const choose = (s: InquiryStatus | '') => {
    setCursors([]);
    setStatus(s);
  };
  // Said above the list: the card itself may move to another status's tab.
  const [notice, setNotice] = useState<string | undefined>();
  const changed = (said?: string) => {
    setNotice(said);
    list.reload();
    counts.reload();
    // The section tab counts the new ones too.
    onSummary?.();
  };
  const c = counts.data?.counts;
  const all = c ? STATUSES.reduce((a, s) => a + c[s], 0) : undefined;
  const rows = list.data?.inquiries ?? [];
  return (
    <Page title="Property inquiries">
      <div class="adm-filter" role="group" aria-label="Show inquiries by status">
        {[...STATUSES, ''].map((s) => (
          <button
            key={s || 'all'}
            type="button"
            class="small secondary"
            aria-pressed={status === s}
            onClick={() => choose(s as InquiryStatus | '')}
          >
            {s ? s.replace('_', ' ') : 'all'}{' '}
            {c ? <span class="adm-count">{s ? c[s as InquiryStatus] : all}</span> : null}
          </button>
        ))}
      </div>
      <ErrorNote error={counts.error} />
      {notice ? (
        <p class="notice ok" role="status">
          {notice}
        </p>
      ) : null}
      {list.loading && !list.data ? <Loading what="Loading the inquiries" /> : null}
      <ErrorNote error={list.error} />
      {!list.loading && rows.length === 0 && !list.error ? <Empty>No inquiries here.</Empty> : null}
      {rows.map((q) => (
        <InquiryCard key={q.id} inquiry={q} onChange={changed} />
      ))}
      <div class="buttons">
        {cursors.length > 0 ? (
          <button type="button" class="secondary" onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </button>
        ) : null}
        {list.data?.next ? (
          <button type="button" class="secondary" onClick={() => setCursors([...cursors, list.data!.next!])}>
            Next page
          </button>
        ) : null}
      </div>
    </Page>
  );
}

function InquiryCard({ inquiry: q, onChange }: { inquiry: PropertyInquiry; onChange: (said?: string) => void }) {
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const [toContact, setToContact] = useState('');
  const move = (status: InquiryStatus) =>
    void action.run(async () => {
      const note = toContact.trim();
      const updated = await patch<{ mail: 'sent' | 'failed' | 'none' }>(`/property-inquiries/${q.id}`, {
        status,
        ...(note ? { note } : {}),
      });
      setToContact('');
      onChange(
        updated.mail === 'sent'
          ? `${q.buildingName} is now ${status}; ${q.contactName} was e-mailed at ${q.contactEmail}.`
          : updated.mail === 'failed'
            ? `${q.buildingName} is now ${status}, but the e-mail to ${q.contactEmail} could not be sent: write to them yourself.`
            : undefined,
      );
    });
  const saveNote = onSubmitData((data) =>
    action.run(async () => {
      await patch(`/property-inquiries/${q.id}`, { adminNote: text(data, 'adminNote') || null });
      setEditing(false);
      onChange();
    }),
  );
  const a = q.address;
  return (
    <Card>
      <h2 class="adm-card-head">
        <span>{q.buildingName}</span> <StatusBadge status={q.status} />{' '}
        {q.prequalification.likelyToQualify ? (
          <Badge tone="ok">likely to qualify</Badge>
        ) : (
          <Badge tone="warn">unlikely to qualify</Badge>
        )}
      </h2>
      <dl class="adm-kv">
        <div>
          <dt>Address</dt>
          <dd>
            {a.line1}
            {a.line2 ? `, ${a.line2}` : ''}, {a.city}, {a.region} {a.postalCode}, {a.country}
          </dd>
        </div>
        <div>
          <dt>Building</dt>
          <dd>
            {q.units} units · {q.hasCommonArea ? 'common area' : 'no common area'}
            {q.commonAreaNote ? ` (${q.commonAreaNote})` : ''} ·{' '}
            {q.parkingSpaces === null ? 'parking not given' : `${q.parkingSpaces} parking spaces`}
          </dd>
        </div>
        <div>
          <dt>Contact</dt>
          <dd class="break">
            {q.contactName} · <a href={`mailto:${q.contactEmail}`}>{q.contactEmail}</a>
            {q.contactPhone ? (
              <>
                {' '}
                · <a href={`tel:${q.contactPhone.replace(/[^0-9+]/g, '')}`}>{q.contactPhone}</a>
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Received</dt>
          <dd>
            {dateTime(q.createdAt)}
            {q.updatedAt !== q.createdAt ? ` · changed ${dateTime(q.updatedAt)}` : ''}
          </dd>
        </div>
      </dl>
      {q.message ? <blockquote class="adm-quote">{q.message}</blockquote> : null}
      <details>
        <summary>The form’s first check</summary>
        <ul>
          {q.prequalification.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </details>
      {editing ? (
        <form class="form inline-form" onSubmit={saveNote} noValidate>
          <TextArea
            label="Team note"
            name="adminNote"
            rows={3}
            defaultValue={q.adminNote ?? ''}
            hint="Seen by staff only. Empty to remove it."
            error={fieldError(action.error, 'adminNote')}
          />
          <div class="buttons">
            <button type="submit" disabled={action.busy}>
              Save the note
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : q.adminNote ? (
        <p class="adm-note">
          <strong>Team note:</strong> {q.adminNote}
        </p>
      ) : null}
      <Problems error={action.error} />
      {NEXT[q.status].length > 0 ? (
        <TextArea
          label={`Note to ${q.contactName} (optional, sent with the status change)`}
          name={`note-${q.id}`}
          rows={2}
          value={toContact}
          onInput={(event: Event) => setToContact((event.currentTarget as HTMLTextAreaElement).value)}
          error={fieldError(action.error, 'note')}
        />
      ) : null}
      <div class="buttons">
        {NEXT[q.status].map((s) => (
          <button
            key={s}
            type="button"
            class={`small ${s === 'declined' ? 'secondary' : ''}`}
            disabled={action.busy}
            onClick={() => move(s)}
          >
            {VERB[s]}
          </button>
        ))}
        {!editing ? (
          <button type="button" class="small secondary" onClick={() => setEditing(true)}>
            {q.adminNote ? 'Edit the note' : 'Add a note'}
          </button>
        ) : null}
      </div>
    </Card>
  );
}
