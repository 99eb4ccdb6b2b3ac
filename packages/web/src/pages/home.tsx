/** The start page: signed in, the right home; otherwise the programs one can join. */
import { useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { get, type PublicProgram } from '../api';
import { Card, ErrorNote, Loading, Page } from '../components/ui';
import { useLoad, useSession } from '../session';

export function Home() {
  const { account, ready } = useSession();
  const { route } = useLocation();
  useEffect(() => {
    if (ready && account) route(account.role === 'driver' ? '/dashboard' : '/admin', true);
  }, [ready, account]);
  const programs = useLoad(() => get<{ programs: PublicProgram[] }>('/programs'), []);
  return (
    <Page title="Your EV can help plan the grid">
      <p class="lede">
        Utilities pay drivers to share how their electric vehicles drive and charge. A small device on the car’s OBD-II
        port records trips and charging; you get a portal with your trips, charging by level, battery health, climate
        costs and carbon footprint — and rewards for taking part.
      </p>
      <h2>Programs you can join</h2>
      {programs.loading ? <Loading /> : null}
      <ErrorNote error={programs.error} />
      <div class="grid-cards">
        {programs.data?.programs.map((p) => (
          <Card key={p.slug} title={p.name}>
            <p class="muted">
              {p.utility}
              {p.region ? ` · ${p.region}` : ''}
            </p>
            <p>{p.description}</p>
            <p>
              <a class="button" href={account ? `/apply/${p.slug}` : `/signup?program=${p.slug}`}>
                Apply
              </a>
            </p>
          </Card>
        ))}
      </div>
      <Card title="Property managers: a charging station for your building">
        <p>
          Own or manage a residential multi-unit building with a common area? You may be eligible for a subsidized Smart
          Charging Station, plus up to 50% off installation costs.
        </p>
        <p>
          <a class="button secondary" href="/property-managers">
            See the offer and ask
          </a>
        </p>
      </Card>
    </Page>
  );
}
