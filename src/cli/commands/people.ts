import type { Config } from '../../config.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { PersonReport } from '../../model/person.js';
import { withStore } from '../open-store.js';
import type { Output } from '../output.js';

/** `funnelscope people show ID`: the person behind any of its distinct ids. */
export async function peopleShowCommand(
  config: Config,
  id: string,
  options: { json?: boolean },
  output: Output,
): Promise<number> {
  const person = await withStore(config, (store) => store.getPerson(config.project, id));
  if (!person) {
    throw new FunnelscopeError('not_found', `no person with the id "${id}" in project ${config.project}`, {
      field: 'id',
      value: id,
    });
  }
  output.out(options.json ? JSON.stringify(person, null, 2) : formatPerson(person));
  return 0;
}

/** `funnelscope people delete ID`: erases the person behind the id from every table (docs/privacy.md). */
export async function peopleDeleteCommand(
  config: Config,
  id: string,
  options: { json?: boolean },
  output: Output,
): Promise<number> {
  const { erasePerson } = await import('../../privacy/erase-person.js');
  const { cliActor } = await import('./access.js');
  const erased = await withStore(config, (store) => erasePerson(store, config.project, id, cliActor()));
  if (options.json) {
    output.out(JSON.stringify(erased));
    return 0;
  }
  output.out(
    `erased the person of "${id}" from project ${config.project}: ${erased.distinctIds} ids, ${erased.events} events, ` +
      `${erased.identityLinks} identity links, ${erased.personMap} person-map rows, ${erased.dealsUnlinked} deals unlinked ` +
      `(audit log: ${erased.id})`,
  );
  return 0;
}

export function formatPerson(person: PersonReport): string {
  const lines = [
    `person      ${person.personId}`,
    `ids         ${person.distinctIds.join(', ')}`,
    `seen        ${person.firstSeen ?? '–'} → ${person.lastSeen ?? '–'} (${person.eventCount} events)`,
  ];
  const traits = Object.entries(person.traits);
  lines.push(`traits      ${traits.length === 0 ? '–' : ''}`);
  for (const [key, value] of traits)
    lines.push(`  ${key.padEnd(18)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const groups = Object.entries(person.groups);
  if (groups.length > 0) lines.push(`groups      ${groups.map(([t, keys]) => `${t}: ${keys.join(', ')}`).join('; ')}`);
  if (person.deals.length > 0) {
    lines.push('deals');
    for (const d of person.deals) {
      lines.push(
        `  ${d.dealId.padEnd(14)} ${(d.status).padEnd(5)} ${(d.stage ?? '').padEnd(12)} ${d.amount ?? ''}  ${d.name ?? ''}`,
      );
    }
  }
  lines.push('recent events');
  for (const e of person.recentEvents) lines.push(`  ${e.ts}  ${e.event.padEnd(24)} ${e.distinctId}`);
  return lines.join('\n');
}
