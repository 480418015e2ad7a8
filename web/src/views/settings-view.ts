import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { type ApiKeyInfo, type AuditEntry, api, type UserRecord } from '../api-client.js';

/**
 * Settings of the project (docs/access.md, docs/privacy.md), for its admins: API keys (a new key is shown once),
 * how long events are kept, the audit log; and, for admins over every project, the users. `?view=settings`.
 * What the caller may not see says so (the API's 403 in words).
 */
export function SettingsView(props: { project: string }) {
  const [keys, setKeys] = useState<ApiKeyInfo[] | null>(null);
  const [made, setMade] = useState<(ApiKeyInfo & { key: string }) | null>(null);
  const [role, setRole] = useState('write');
  const [label, setLabel] = useState('');
  const [days, setDays] = useState<number | null | undefined>(undefined);
  const [daysText, setDaysText] = useState('');
  const [audit, setAudit] = useState<AuditEntry[] | null>(null);
  const [users, setUsers] = useState<UserRecord[] | null>(null);
  const [usersError, setUsersError] = useState<string | null>(null);
  const [user, setUser] = useState({ email: '', role: 'viewer', password: '' });
  const [error, setError] = useState<string | null>(null);

  const load = () => {
    setError(null);
    return Promise.all([
      api.keys(props.project).then((r) => setKeys(r.keys)),
      api.retention(props.project).then((r) => {
        setDays(r.days);
        setDaysText(r.days === null ? '' : String(r.days));
      }),
      api.audit(props.project).then((r) => setAudit(r.entries)),
    ]).catch((e: Error) => setError(e.message));
  };
  const loadUsers = () =>
    api
      .users()
      .then((r) => setUsers(r.users))
      .catch((e: Error) => setUsersError(e.message));
  useEffect(() => {
    void load();
    void loadUsers();
  }, []);
  const fail = (e: Error) => setError(e.message);
  const create = () =>
    api
      .createKey(props.project, role, label)
      .then((key) => {
        setMade(key);
        setLabel('');
        return load();
      })
      .catch(fail);
  const revoke = (id: string) => api.revokeKey(props.project, id).then(load).catch(fail);
  const saveDays = (value: number | null) => api.setRetention(props.project, value).then(load).catch(fail);
  const addUser = () =>
    api
      .addUser(user)
      .then(() => {
        setUser({ email: '', role: 'viewer', password: '' });
        return loadUsers();
      })
      .catch((e: Error) => setUsersError(e.message));
  const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

  return html`${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <h2>API keys of ${props.project}</h2>
    <section class="builder" aria-label="Make an API key">
      <div class="row">
        <label for="key-role">Role</label>
        <select id="key-role" value=${role} onChange=${input(setRole)}>
          <option value="write">write (send events)</option>
          <option value="read">read (reports)</option>
          <option value="admin">admin (everything in the project)</option>
        </select>
        <label for="key-label">Label</label>
        <input id="key-label" placeholder="e.g. website" value=${label} onChange=${input(setLabel)} />
        <button type="button" class="primary" onClick=${create}>Make key</button>
      </div>
    </section>
    ${
      made
        ? html`<p class="new-key" role="status">
            New ${made.role} key, shown only now: <code data-new-key>${made.key}</code>
          </p>`
        : null
    }
    ${
      keys
        ? html`<div class="scroll">
            <table aria-label="API keys">
              <thead><tr><th class="text">Id</th><th class="text">Role</th><th class="text">Key</th><th class="text">Label</th><th class="text">Made</th><th class="text">State</th><th></th></tr></thead>
              <tbody>
                ${keys.map(
                  (k) => html`<tr data-key=${k.id}>
                    <td class="text"><code>${k.id}</code></td>
                    <td class="text">${k.role}</td>
                    <td class="text"><code>${k.prefix}…</code></td>
                    <td class="text">${k.label ?? ''}</td>
                    <td class="text">${k.createdAt.slice(0, 10)}</td>
                    <td class="text">${k.revokedAt ? `revoked ${k.revokedAt.slice(0, 10)}` : 'live'}</td>
                    <td>${
                      k.revokedAt
                        ? null
                        : html`<button type="button" class="link" aria-label=${`Revoke ${k.id}`} onClick=${() => revoke(k.id)}>revoke</button>`
                    }</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : null
    }

    <h2>Retention</h2>
    <section class="builder" aria-label="Retention">
      <div class="row">
        <span data-retention>${days === undefined ? '' : days === null ? 'Events are kept.' : `Events older than ${days} days are removed.`}</span>
        <label for="retention-days">Keep events for</label>
        <input id="retention-days" class="narrow" placeholder="days" value=${daysText} onChange=${input(setDaysText)} />
        <button type="button" onClick=${() => saveDays(Number(daysText))}>Save</button>
        <button type="button" class="link" onClick=${() => saveDays(null)}>keep all</button>
      </div>
    </section>

    <h2>Audit log</h2>
    ${
      audit
        ? html`<div class="scroll">
            <table aria-label="Audit log">
              <thead><tr><th class="text">When</th><th class="text">Who</th><th class="text">What</th><th class="text">Of</th></tr></thead>
              <tbody>
                ${audit.map(
                  (e) => html`<tr data-action=${e.action}>
                    <td class="text">${e.at.slice(0, 19).replace('T', ' ')}</td>
                    <td class="text">${e.actor}</td>
                    <td class="text">${e.action}</td>
                    <td class="text"><code>${e.target}</code></td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : null
    }

    <h2>Users</h2>
    ${usersError ? html`<p class="muted" data-users-error>${usersError}</p>` : null}
    ${
      users
        ? html`<section class="builder" aria-label="Add a user">
              <div class="row">
                <label for="user-email">Email</label>
                <input id="user-email" type="email" value=${user.email} onChange=${input((v) => setUser({ ...user, email: v }))} />
                <label for="user-role">Role</label>
                <select id="user-role" value=${user.role} onChange=${input((v) => setUser({ ...user, role: v }))}>
                  <option value="viewer">viewer</option><option value="analyst">analyst</option><option value="admin">admin</option>
                </select>
                <label for="user-password">Password</label>
                <input id="user-password" type="password" autocomplete="new-password" value=${user.password} onChange=${input((v) => setUser({ ...user, password: v }))} />
                <button type="button" class="primary" onClick=${addUser}>Add user</button>
              </div>
            </section>
            <div class="scroll">
              <table aria-label="Users">
                <thead><tr><th class="text">Email</th><th class="text">Role</th><th class="text">Projects</th></tr></thead>
                <tbody>
                  ${users.map(
                    (u) => html`<tr data-user=${u.email}>
                      <td class="text">${u.email}</td><td class="text">${u.role}</td>
                      <td class="text">${u.projects === null ? 'every project' : u.projects.join(', ')}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
        : null
    }`;
}
