/**
 * One program's administration: its name, the section tabs (with how many applications wait for a
 * decision, how many participants there are, how many inquiries are new), and the section's page.
 */
import { useEffect, useState } from 'preact/hooks';
import { Route, Router, lazy, useLocation } from 'preact-iso';
import { get, type InquiryStatus, type ProgramSummary, type StaffProgram } from '../api';
import { Badge, ErrorNote, Loading, Page } from '../components/ui';
import { useLoad } from '../session';
import { int } from './common';

const Setup = lazy(() => import('./setup').then((m) => m.Setup));
const Applications = lazy(() => import('./applications').then((m) => m.Applications));
const Participants = lazy(() => import('./participants').then((m) => m.Participants));
const Grid = lazy(() => import('./grid').then((m) => m.Grid));
const Rewards = lazy(() => import('./rewards').then((m) => m.Rewards));
const Inquiries = lazy(() => import('./inquiries').then((m) => m.Inquiries));
const Rates = lazy(() => import('./rates').then((m) => m.Rates));
const Events = lazy(() => import('./events').then((m) => m.Events));
const EventDetail = lazy(() => import('./events').then((m) => m.EventDetail));

/** What every section page receives. */
export interface SectionProps {
  program: StaffProgram;
  /** The program as the server answered a change (PATCH), or a request to load it again. */
  onProgram: (program?: StaffProgram) => void;
  /** The program's counts by status (GET /programs/:slug/summary), once loaded. */
  summary?: ProgramSummary | undefined;
  /** Counts again, after a change that moves them (a decision, a shipment). */
  onSummary?: () => void;
}

export const SECTIONS = [
  ['applications', 'Applications'],
  ['participants', 'Participants'],
  ['grid', 'Grid view'],
  ['events', 'Events'],
  ['rewards', 'Rewards'],
  ['inquiries', 'Inquiries'],
  ['rates', 'Rates'],
  ['setup', 'Setup'],
] as const;

export function ProgramArea({ slug }: { slug: string }) {
  const load = useLoad(() => get<StaffProgram>(`/programs/${encodeURIComponent(slug)}`), [slug]);
  const [program, setProgram] = useState<StaffProgram | undefined>();
  const { path } = useLocation();
  useEffect(() => setProgram(load.data), [load.data]);
  const summary = useLoad(() => get<ProgramSummary>(`/programs/${encodeURIComponent(slug)}/summary`), [slug]);
  const inquiries = useLoad(
    () =>
      get<{ counts: Record<InquiryStatus, number> }>(
        `/property-inquiries/counts?program=${encodeURIComponent(slug)}`,
      ).catch(() => null),
    [slug],
  );

  if (!program) {
    return (
      <Page title="Program">
        {load.loading ? <Loading what="Loading the program" /> : null}
        <ErrorNote error={load.error} />
        <p>
          <a href="/admin">Back to the programs</a>
        </p>
      </Page>
    );
  }
  const base = `/admin/${program.slug}`;
  const onProgram = (next?: StaffProgram) => (next ? setProgram(next) : load.reload());
  const counts = summary.data;
  const onSummary = () => {
    summary.reload();
    inquiries.reload();
  };
  const sectionProps = { program, onProgram, summary: counts, onSummary };
  const badges: Partial<Record<(typeof SECTIONS)[number][0], { n: number; tone: 'warn' | 'neutral'; what: string }>> = {
    ...(counts
      ? {
          applications: { n: counts.applications.applied, tone: 'warn', what: 'waiting for a decision' },
          participants: { n: counts.applications.approved, tone: 'neutral', what: 'participants' },
        }
      : {}),
    ...(inquiries.data ? { inquiries: { n: inquiries.data.counts.new, tone: 'warn', what: 'new' } } : {}),
  };
  return (
    <div class="adm-program">
      <p class="adm-crumbs">
        <a href="/admin">Programs</a> <span aria-hidden="true">›</span> <span>{program.name}</span>{' '}
        <span class="muted">· {program.utility}</span>
      </p>
      <nav class="adm-tabs" aria-label={`${program.name}: sections`}>
        {SECTIONS.map(([key, label]) => {
          const badge = badges[key];
          return (
            <a key={key} href={`${base}/${key}`} aria-current={path.startsWith(`${base}/${key}`) ? 'page' : undefined}>
              {label}
              {/* A quiet tab has no badge: only a count worth looking at, or the participants. */}
              {badge && (badge.n > 0 || badge.tone === 'neutral') ? (
                <>
                  {' '}
                  <Badge tone={badge.n > 0 ? badge.tone : 'neutral'}>
                    {int.format(badge.n)}
                    <span class="adm-sr"> {badge.what}</span>
                  </Badge>
                </>
              ) : null}
            </a>
          );
        })}
      </nav>
      <Router>
        <Route path="/setup" component={Setup} {...sectionProps} />
        <Route path="/applications" component={Applications} {...sectionProps} />
        <Route path="/participants" component={Participants} {...sectionProps} />
        <Route path="/grid" component={Grid} {...sectionProps} />
        <Route path="/rewards" component={Rewards} {...sectionProps} />
        <Route path="/inquiries" component={Inquiries} {...sectionProps} />
        <Route path="/rates" component={Rates} {...sectionProps} />
        <Route path="/events" component={Events} {...sectionProps} />
        <Route path="/events/:id" component={EventDetail} {...sectionProps} />
        <Route default component={ToFirstSection} {...sectionProps} />
      </Router>
    </div>
  );
}

/** /admin/:slug on its own (or an unknown section): the applications queue. */
function ToFirstSection({ program }: SectionProps) {
  const { route } = useLocation();
  useEffect(() => route(`/admin/${program.slug}/applications`, true), [program.slug]);
  return <Loading />;
}
