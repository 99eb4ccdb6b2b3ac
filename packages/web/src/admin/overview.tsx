/**
 * /admin: the programs the caller manages, each with its queues' counts and links; operators see
 * every utility's programs, and (with more than one program) the regions side by side.
 */
import { useState } from 'preact/hooks';
import { get, type InquiryStatus, type ProgramSummary, type RegionsView, type StaffProgram } from '../api';
import { Badge, Card, Empty, ErrorNote, Loading, Page } from '../components/ui';
import { useLoad, useSession } from '../session';
import { co2, date, distance, energy, share } from '../units';
import { int, lastDays, rangeQuery, RangePicker, type DayRange } from './common';

export function Overview() {
  const { account } = useSession();
  const programs = useLoad(() => get<{ programs: StaffProgram[] }>('/programs'), []);
  const list = programs.data?.programs ?? [];
  const operator = account?.role === 'operator';
  const byUtility = new Map<string, StaffProgram[]>();
  for (const p of list) byUtility.set(p.utility, [...(byUtility.get(p.utility) ?? []), p]);
  return (
    <Page
      title={operator ? 'Programs of every utility' : 'Programs'}
      actions={
        operator ? (
          <a class="button secondary small" href="/admin/catalog">
            Accounts and catalog
          </a>
        ) : null
      }
    >
      {programs.loading ? <Loading what="Loading the programs" /> : null}
      <ErrorNote error={programs.error} />
      {!programs.loading && !programs.error && list.length === 0 ? (
        <Empty>
          No programs yet. An operator creates a program (from a preset or as data) before it can be managed here.
        </Empty>
      ) : null}
      {[...byUtility].map(([utility, items]) => (
        <section key={utility} class="section" aria-labelledby={`u-${slugId(utility)}`}>
          <h2 id={`u-${slugId(utility)}`}>{utility}</h2>
          <div class="grid-cards">
            {items.map((p) => (
              <ProgramCard key={p.slug} program={p} />
            ))}
          </div>
        </section>
      ))}
      {operator || list.length > 1 ? <Regions /> : null}
    </Page>
  );
}

function slugId(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function ProgramCard({ program: p }: { program: StaffProgram }) {
  const counts = useLoad(async () => {
    const [summary, inquiries] = await Promise.all([
      get<ProgramSummary>(`/programs/${p.slug}/summary`),
      get<{ counts: Record<InquiryStatus, number> }>(`/property-inquiries/counts?program=${p.slug}`).catch(() => null),
    ]);
    const devices = summary.devices;
    return {
      applied: summary.applications.applied,
      approved: summary.applications.approved,
      vehicles: Object.values(devices).reduce((a, b) => a + b, 0),
      live: devices.active,
      awaitingDevice: devices.none,
      toShip: summary.shipments.requested.y_cable + summary.shipments.requested.device,
      inquiries: inquiries ? inquiries.counts.new : null,
    };
  }, [p.slug]);
  const c = counts.data;
  const base = `/admin/${p.slug}`;
  return (
    <section class="card" aria-labelledby={`p-${p.slug}`}>
      <h3 id={`p-${p.slug}`}>{p.name}</h3>
      <p class="muted small adm-tight">
        {p.region ?? p.utility} · <code>{p.slug}</code>
        {p.applicationsCloseOn ? ` · applications close ${date(p.applicationsCloseOn)}` : ''}
      </p>
      {counts.loading ? <Loading what="Counting" /> : null}
      <ErrorNote error={counts.error} />
      {c ? (
        <ul class="adm-counts">
          <li>
            <a href={`${base}/applications`}>
              <strong>{int.format(c.applied)}</strong> waiting for a decision
            </a>{' '}
            {c.applied > 0 ? <Badge tone="warn">to do</Badge> : null}
          </li>
          <li>
            <a href={`${base}/participants`}>
              <strong>{int.format(c.approved)}</strong> participants
              {p.participantTarget ? ` of ${int.format(p.participantTarget)}` : ''}
            </a>
            <span class="muted">
              {' '}
              · {c.live} of {c.vehicles} vehicles live
            </span>
          </li>
          <li>
            <a href={`${base}/participants`}>
              <strong>{c.awaitingDevice}</strong> vehicles waiting for a device
            </a>
            {c.toShip > 0 ? <span class="muted"> · {c.toShip} parcels requested</span> : null}
          </li>
          {c.inquiries !== null ? (
            <li>
              <a href={`${base}/inquiries`}>
                <strong>{c.inquiries}</strong> new property inquiries
              </a>
            </li>
          ) : null}
        </ul>
      ) : null}
      <div class="buttons">
        <a class="button small" href={`${base}/grid`}>
          Grid view
        </a>
        <a class="button secondary small" href={`${base}/rewards`}>
          Rewards
        </a>
        <a class="button secondary small" href={`${base}/setup`}>
          Setup
        </a>
      </div>
    </section>
  );
}

function Regions() {
  const { units } = useSession();
  const [range, setRange] = useState<DayRange>(() => lastDays(30));
  const load = useLoad(() => get<RegionsView>(`/grid/regions?${rangeQuery(range)}`), [range.from, range.through]);
  const rows = load.data?.regions ?? [];
  return (
    <Card title="Regions side by side" class="section">
      <RangePicker value={range} onChange={setRange} />
      {load.loading ? <Loading /> : null}
      <ErrorNote error={load.error} />
      {rows.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="adm-sr">
              Each program’s charging from {date(range.from)} through {date(range.through)}
            </caption>
            <thead>
              <tr>
                <th scope="col">Program</th>
                <th scope="col">Vehicles</th>
                <th scope="col">Charged</th>
                <th scope="col">Per vehicle</th>
                <th scope="col">L2 / DC fast</th>
                <th scope="col">In territory</th>
                <th scope="col" class="hide-narrow">
                  Driven
                </th>
                <th scope="col" class="hide-narrow">
                  CO₂ avoided
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.slug}>
                  <th scope="row">
                    <a href={`/admin/${r.slug}/grid`}>{r.name}</a>
                    <div class="muted small">{r.region ?? r.utility}</div>
                  </th>
                  <td>{r.vehicles}</td>
                  <td>{energy(r.wallWh, 0)}</td>
                  <td>{r.vehicles > 0 ? energy(r.wallWh / r.vehicles, 0) : '–'}</td>
                  <td>
                    {share(r.wallWh > 0 ? r.byLevelWh.L2 / r.wallWh : null)} /{' '}
                    {share(r.wallWh > 0 ? r.byLevelWh.DCFC / r.wallWh : null)}
                  </td>
                  <td>{share(r.inTerritoryShare)}</td>
                  <td class="hide-narrow">{distance(r.distanceM, units, 0)}</td>
                  <td class="hide-narrow">{co2(r.co2AvoidedG)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}
