/**
 * Program administration: the programs a staff member manages, each program's set-up, queues,
 * grid view and rewards, and (operators) accounts. Loaded on first visit to /admin; each page is
 * its own chunk.
 */
import { ErrorBoundary, Route, Router, lazy, useLocation } from 'preact-iso';
import { Empty, Loading, Page } from '../components/ui';
import { useSession } from '../session';

const Overview = lazy(() => import('./overview').then((m) => m.Overview));
const Catalog = lazy(() => import('./catalog').then((m) => m.Catalog));
const Stock = lazy(() => import('./stock').then((m) => m.Stock));
const ProgramArea = lazy(() => import('./program').then((m) => m.ProgramArea));

export function Admin() {
  const { account, ready } = useSession();
  if (!ready) return <Loading />;
  if (!account) {
    return (
      <Page title="Programs">
        <p>
          <a href="/signin">Sign in</a> with your staff account to manage programs.
        </p>
      </Page>
    );
  }
  if (account.role !== 'program_admin' && account.role !== 'operator') {
    return (
      <Page title="Programs">
        <Empty>
          Program administration is for program staff. Your own participation is under <a href="/program">My program</a>
          .
        </Empty>
      </Page>
    );
  }
  return (
    <div class="adm">
      <AdminNav />
      <ErrorBoundary>
        <Router>
          <Route path="/" component={Overview} />
          <Route path="/catalog" component={Catalog} />
          <Route path="/stock" component={Stock} />
          <Route path="/:slug/*" component={ProgramArea} />
          <Route path="/:slug" component={ProgramArea} />
          <Route default component={AdminNotFound} />
        </Router>
      </ErrorBoundary>
    </div>
  );
}

/** The places of administration that are not one program's: every program, and the device stock. */
function AdminNav() {
  const { path } = useLocation();
  const stock = path.startsWith('/admin/stock');
  return (
    <nav class="adm-places no-print" aria-label="Administration">
      <a href="/admin" aria-current={path === '/admin' || path === '/admin/' ? 'page' : undefined}>
        Programs
      </a>
      <a href="/admin/stock" aria-current={stock ? 'page' : undefined}>
        Device stock
      </a>
    </nav>
  );
}

function AdminNotFound() {
  return (
    <Page title="Not found">
      <p>
        There is no such administration page. <a href="/admin">Back to the programs</a>.
      </p>
    </Page>
  );
}
