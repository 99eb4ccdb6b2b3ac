/** The SmartCharge web app: the driver portal and program administration, one single-page app. */
import { render } from 'preact';
import { ErrorBoundary, LocationProvider, Route, Router, lazy } from 'preact-iso';
import { Layout } from './components/layout';
import { SessionProvider } from './session';
import { Home } from './pages/home';
import { ResetPassword, SignIn, SignUp } from './pages/auth';
import { NotFound } from './pages/not-found';
import './styles.css';

// Every page past the first ones (home, sign-in, not found) loads on first visit, so the first page
// stays small; the dashboard too, since its charts (uPlot) are needed by no page before it.
const Dashboard = lazy(() => import('./pages/dashboard').then((m) => m.Dashboard));
const Trips = lazy(() => import('./pages/trips').then((m) => m.Trips));
const TripDetail = lazy(() => import('./pages/trips').then((m) => m.TripDetail));
const Charging = lazy(() => import('./pages/charging').then((m) => m.Charging));
const Battery = lazy(() => import('./pages/battery').then((m) => m.Battery));
const Climate = lazy(() => import('./pages/climate').then((m) => m.Climate));
const Rewards = lazy(() => import('./pages/rewards').then((m) => m.Rewards));
const MyProgram = lazy(() => import('./pages/program').then((m) => m.MyProgram));
const Apply = lazy(() => import('./pages/program').then((m) => m.Apply));
const ShareAndExport = lazy(() => import('./pages/share').then((m) => m.ShareAndExport));
const Shared = lazy(() => import('./pages/shared').then((m) => m.Shared));
const Settings = lazy(() => import('./pages/settings').then((m) => m.Settings));
const Admin = lazy(() => import('./admin/admin').then((m) => m.Admin));
const PropertyManagers = lazy(() => import('./pages/property-managers').then((m) => m.PropertyManagers));
const EventOptOut = lazy(() => import('./pages/event-opt-out').then((m) => m.EventOptOut));

function App() {
  return (
    <LocationProvider>
      <SessionProvider>
        <ErrorBoundary>
          <Layout>
            <Router>
              <Route path="/" component={Home} />
              <Route path="/dashboard" component={Dashboard} />
              <Route path="/signin" component={SignIn} />
              <Route path="/signup" component={SignUp} />
              <Route path="/reset-password" component={ResetPassword} />
              <Route path="/property-managers" component={PropertyManagers} />
              <Route path="/trips" component={Trips} />
              <Route path="/trips/:vehicle/:started" component={TripDetail} />
              <Route path="/charging" component={Charging} />
              <Route path="/battery" component={Battery} />
              <Route path="/climate" component={Climate} />
              <Route path="/rewards" component={Rewards} />
              <Route path="/program" component={MyProgram} />
              <Route path="/apply/:slug" component={Apply} />
              <Route path="/share" component={ShareAndExport} />
              <Route path="/shared/:token" component={Shared} />
              <Route path="/settings" component={Settings} />
              <Route path="/events/opt-out" component={EventOptOut} />
              <Route path="/admin/*" component={Admin} />
              <Route path="/admin" component={Admin} />
              <Route default component={NotFound} />
            </Router>
          </Layout>
        </ErrorBoundary>
      </SessionProvider>
    </LocationProvider>
  );
}

render(<App />, document.getElementById('app')!);
