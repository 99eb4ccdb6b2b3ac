/**
 * /admin/catalog (operators): every utility's programs, the accounts, and a form to make a
 * program administrator (who is sent an invitation to choose a password). Devices and the
 * vehicle catalog stay in the operator-token API and the CLI.
 */
import { useState } from 'preact/hooks';
import { get, post, type StaffAccount, type StaffProgram } from '../api';
import { Card, Empty, ErrorNote, Loading, Page } from '../components/ui';
import { useLoad, useSession } from '../session';
import { date } from '../units';
import { fieldError, Input, onSubmitData, Problems, Select, text, useAction } from './common';

const ROLES = [
  ['', 'Every role'],
  ['program_admin', 'Program administrators'],
  ['operator', 'Operators'],
  ['driver', 'Drivers'],
] as const;
const PAGE = 100;

export function Catalog() {
  const { account } = useSession();
  const programs = useLoad(() => get<{ programs: StaffProgram[] }>('/programs'), []);
  if (account?.role !== 'operator') {
    return (
      <Page title="Accounts and catalog">
        <Empty>Only platform operators manage accounts.</Empty>
      </Page>
    );
  }
  const list = programs.data?.programs ?? [];
  const utilities = [...new Set(list.map((p) => p.utility))].sort();
  return (
    <Page title="Accounts and catalog">
      <p class="adm-crumbs">
        <a href="/admin">Programs</a> <span aria-hidden="true">›</span> Accounts and catalog
      </p>
      <Card title="Programs of every utility">
        {programs.loading ? <Loading /> : null}
        <ErrorNote error={programs.error} />
        {list.length > 0 ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Program</th>
                  <th scope="col">Utility</th>
                  <th scope="col" class="hide-narrow">
                    Region
                  </th>
                  <th scope="col" class="hide-narrow">
                    Time zone
                  </th>
                  <th scope="col" class="hide-narrow">
                    Created
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.slug}>
                    <th scope="row">
                      <a href={`/admin/${p.slug}/applications`}>{p.name}</a>
                      <div class="muted small">
                        <code>{p.slug}</code>
                      </div>
                    </th>
                    <td>{p.utility}</td>
                    <td class="hide-narrow">{p.region ?? '–'}</td>
                    <td class="hide-narrow">{p.timeZone}</td>
                    <td class="hide-narrow">{date(p.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <p class="muted small">
          Devices, vehicles and new programs are managed with the operator token, e.g.{' '}
          <code>npx smartcharge device list --status provisioned</code>,{' '}
          <code>npx smartcharge program add --preset …</code>.
        </p>
      </Card>
      <div class="two">
        <NewAdministrator utilities={utilities} />
        <Accounts />
      </div>
    </Page>
  );
}

function NewAdministrator({ utilities }: { utilities: readonly string[] }) {
  const action = useAction();
  const [made, setMade] = useState<StaffAccount | undefined>();
  const submit = onSubmitData(async (data, form) => {
    setMade(undefined);
    const ok = await action.run(async () => {
      const utility = text(data, 'utility');
      const created = await post<StaffAccount>('/accounts', {
        email: text(data, 'email'),
        name: text(data, 'name'),
        role: 'program_admin',
        // Left out when empty: the server then says an administrator needs one.
        ...(utility ? { utility } : {}),
      });
      setMade(created);
    });
    if (ok) form.reset();
  });
  return (
    <Card title="New program administrator">
      <form class="form" onSubmit={submit} noValidate>
        <Input label="Name" name="name" autocomplete="off" required error={fieldError(action.error, 'name')} />
        <Input
          label="Email"
          name="email"
          type="email"
          autocomplete="off"
          required
          error={fieldError(action.error, 'email')}
        />
        <Input
          label="Utility"
          name="utility"
          list="adm-utilities"
          required
          hint="The administrator manages this utility’s programs only."
          error={fieldError(action.error, 'utility')}
        />
        <datalist id="adm-utilities">
          {utilities.map((u) => (
            <option key={u} value={u} />
          ))}
        </datalist>
        <Problems error={action.error} />
        {made ? (
          <p class="notice ok" role="status">
            {made.name} ({made.email}) is an administrator of {made.utility}. An invitation to choose a password is on
            its way.
          </p>
        ) : null}
        <div>
          <button type="submit" disabled={action.busy}>
            {action.busy ? 'Creating…' : 'Create and invite'}
          </button>
        </div>
      </form>
    </Card>
  );
}

function Accounts() {
  const [role, setRole] = useState('');
  const [pages, setPages] = useState<StaffAccount[][]>([]);
  const first = useLoad(async () => {
    const answer = await get<{ accounts: StaffAccount[] }>(`/accounts?limit=${PAGE}${role ? `&role=${role}` : ''}`);
    setPages([]);
    return answer.accounts;
  }, [role]);
  const more = useAction();
  const rows = [...(first.data ?? []), ...pages.flat()];
  const last = pages.at(-1) ?? first.data ?? [];
  const loadMore = () =>
    void more.run(async () => {
      const after = rows.at(-1)?.id ?? 0;
      const answer = await get<{ accounts: StaffAccount[] }>(
        `/accounts?limit=${PAGE}&after=${after}${role ? `&role=${role}` : ''}`,
      );
      setPages((p) => [...p, answer.accounts]);
    });
  return (
    <Card title="Accounts">
      <Select label="Show" name="role" options={ROLES} value={role} onChange={(e) => setRole(e.currentTarget.value)} />
      {first.loading ? <Loading /> : null}
      <ErrorNote error={first.error} />
      {rows.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col" class="hide-narrow">
                  Since
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id}>
                  <td>
                    {a.name}
                    <div class="muted small break">{a.email}</div>
                  </td>
                  <td>
                    {a.role.replace('_', ' ')}
                    {a.utility ? <div class="muted small">{a.utility}</div> : null}
                  </td>
                  <td class="hide-narrow">{date(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : !first.loading ? (
        <Empty>No accounts.</Empty>
      ) : null}
      <Problems error={more.error} />
      {last.length === PAGE ? (
        <div class="buttons">
          <button type="button" class="secondary" disabled={more.busy} onClick={loadMore}>
            Show more
          </button>
        </div>
      ) : null}
    </Card>
  );
}
