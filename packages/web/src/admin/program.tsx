/** One program's administration: its name, the section tabs, and the section's page. */
import { useEffect, useState } from 'preact/hooks';
import { Route, Router, lazy, useLocation } from 'preact-iso';
import { get, type StaffProgram } from '../api';
import { ErrorNote, Loading, Page } from '../components/ui';
import { useLoad } from '../session';

const Setup = lazy(() => import('./setup').then((m) => m.Setup));
const Applications = lazy(() => import('./applications').then((m) => m.Applications));
const Participants = lazy(() => import('./participants').then((m) => m.Participants));
const Grid = lazy(() => import('./grid').then((m) => m.Grid));
const Rewards = lazy(() => import('./rewards').then((m) => m.Rewards));
const Inquiries = lazy(() => import('./inquiries').then((m) => m.Inquiries));

/** What every section page receives. */
export interface SectionProps {
  program: StaffProgram;
  /** The program as the server answered a change (PATCH), or a request to load it again. */
  onProgram: (program?: StaffProgram) => void;
}

export const SECTIONS = [
  ['applications', 'Applications'],
  ['participants', 'Participants'],
  ['grid', 'Grid view'],
  ['rewards', 'Rewards'],
  ['inquiries', 'Inquiries'],
  ['setup', 'Setup'],
] as const;

export function ProgramArea({ slug }: { slug: string }) {
  const load = useLoad(() => get<StaffProgram>(`/programs/${encodeURIComponent(slug)}`), [slug]);
  const [program, setProgram] = useState<StaffProgram | undefined>();
  const { path } = useLocation();
  useEffect(() => setProgram(load.data), [load.data]);

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
  return (
    <div class="adm-program">
      <p class="adm-crumbs">
        <a href="/admin">Programs</a> <span aria-hidden="true">›</span> <span>{program.name}</span>{' '}
        <span class="muted">· {program.utility}</span>
      </p>
      <nav class="adm-tabs" aria-label={`${program.name}: sections`}>
        {SECTIONS.map(([key, label]) => (
          <a key={key} href={`${base}/${key}`} aria-current={path.startsWith(`${base}/${key}`) ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <Router>
        <Route path="/setup" component={Setup} program={program} onProgram={onProgram} />
        <Route path="/applications" component={Applications} program={program} onProgram={onProgram} />
        <Route path="/participants" component={Participants} program={program} onProgram={onProgram} />
        <Route path="/grid" component={Grid} program={program} onProgram={onProgram} />
        <Route path="/rewards" component={Rewards} program={program} onProgram={onProgram} />
        <Route path="/inquiries" component={Inquiries} program={program} onProgram={onProgram} />
        <Route default component={ToFirstSection} program={program} onProgram={onProgram} />
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
