// `regctl pruner` for humans: the settings as the operator applies them, health, whether blobs are pruned, the
// pruner's conditions, its Jobs and the last one's log tail.
import type { IO } from './io.js';
import type { PrunerStatus } from '../cluster/pruner.js';
import { renderTable } from './table.js';
import { age } from './format.js';

const utc = (iso: string) => iso.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1 UTC');

function quantities(r: any): string {
  const part = (name: string) => {
    const m = r?.[name];
    return m && Object.keys(m).length ? `${name} ${Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
  };
  return [part('requests'), part('limits')].filter(Boolean).join(', ') || 'none';
}

export function renderPruner(io: IO, s: PrunerStatus, now: Date = new Date()): string {
  const c = io.out;
  const lines: string[] = [];
  const kv = (k: string, v: string) => lines.push(`${c.bold(k.padEnd(16))}${v}`);
  const st = s.settings;
  const schedule = `"${st.schedule}" (UTC)${s.spec.schedule ? '' : ', the default'}`;
  const cj = s.cronJob;
  if (cj && (cj.schedule !== st.schedule || cj.suspend !== st.suspend)) {
    // The operator has not applied the spec (yet, or it cannot: Health says): the CronJob is what runs.
    const runs = cj.suspend ? 'suspended' : `scheduled "${cj.schedule}" (UTC)${cj.nextRun ? `, next run ${utc(cj.nextRun)}` : ''}`;
    kv('Pruner', `${runs} — the CronJob; the ImagePruner asks for ${st.suspend ? 'suspend' : `"${st.schedule}"`}, ${c.yellow('not applied')}`);
  } else if (st.suspend) kv('Pruner', `${c.yellow('suspended')}: no scheduled runs (schedule ${schedule}); \`regctl pruner resume\` resumes`);
  else kv('Pruner', `scheduled ${schedule}${cj?.nextRun ? `, next run ${utc(cj.nextRun)}` : ''}`);
  const last = s.jobs.find((j) => j.outcome === 'Succeeded' || j.outcome === 'Failed');
  const lastText = last ? `last run ${last.outcome === 'Failed' ? c.red('Failed') : c.green('Succeeded')} (${last.name}${last.completionTime || last.createdAt ? `, ${age(last.completionTime ?? last.createdAt, now)} ago` : ''})` : 'no finished run yet';
  kv('Health', s.health.degraded ? `${c.red('Degraded')} (${s.health.reason}${s.health.message ? `: ${s.health.message.split('\n')[0]}` : ''}); ${lastText}` : `OK; ${lastText}`);
  const rp = s.registryPruning;
  kv('Registry blobs', rp.blobs === null ? c.yellow(rp.reason) : rp.blobs ? `${c.green('pruned')} — ${rp.reason.replace(/^yes: /, '')}` : `${c.yellow('not pruned')} — ${rp.reason.replace(/^no, /, '')}`);
  if (rp.managementState) kv('Management', `${rp.managementState}${rp.internalRegistryHostname ? `, internal host ${rp.internalRegistryHostname}` : rp.internalRegistryHostname === '' ? ', no internal host' : ''}`);
  kv('Keep', `${st.keepTagRevisions} revision${st.keepTagRevisions === 1 ? '' : 's'} per tag, images younger than ${st.keepYoungerThan}`);
  kv('Invalid refs', st.ignoreInvalidImageReferences ? 'ignored (ignoreInvalidImageReferences)' : 'stop the run (ignoreInvalidImageReferences false)');
  kv('Resources', `${quantities(st.resources)}${s.spec.resources ? '' : ' (the default)'}`);
  kv('History', `${st.successfulJobsHistoryLimit} successful, ${st.failedJobsHistoryLimit} failed jobs kept`);
  kv('Log level', st.logLevel);
  const placement = [
    Object.keys(st.nodeSelector).length ? `nodeSelector ${Object.entries(st.nodeSelector).map(([k, v]) => `${k}=${v}`).join(',')}` : '',
    st.tolerations.length ? `${st.tolerations.length} toleration${st.tolerations.length === 1 ? '' : 's'}` : '',
    Object.keys(st.affinity ?? {}).length ? 'affinity set' : '',
  ].filter(Boolean);
  kv('Placement', placement.length ? placement.join(', ') : 'any node (no nodeSelector, tolerations or affinity)');
  if (s.cronJob?.image) kv('Image', s.cronJob.image);
  if (!s.cronJob) kv('CronJob', s.unavailable.cronJob ? `(${s.unavailable.cronJob.reason === 'Forbidden' ? 'forbidden' : 'not found'})` : '-');
  lines.push('');
  if (s.conditions.length) {
    lines.push(c.bold('Conditions'));
    lines.push(
      renderTable(io, s.conditions, [
        { header: 'type', value: (x) => x.type },
        { header: 'status', value: (x) => x.status },
        { header: 'reason', value: (x) => x.reason ?? '' },
        { header: 'message', value: (x) => (x.message ?? '').split('\n')[0] },
      ]).trimEnd(),
      '',
    );
  }
  if (s.jobs.length) {
    lines.push(c.bold(`Jobs (${s.jobs.length}, newest first)`));
    lines.push(
      renderTable(io, s.jobs, [
        { header: 'name', value: (j) => j.name + (j.manual ? ' (manual)' : '') },
        { header: 'outcome', value: (j) => (j.outcome === 'Failed' ? c.red(j.outcome) : j.outcome) },
        { header: 'age', value: (j) => age(j.createdAt, now) },
        { header: 'duration', value: (j) => (j.startTime && j.completionTime ? age(j.startTime, new Date(j.completionTime)) : '') },
        { header: 'reason', value: (j) => j.reason ?? '' },
      ]).trimEnd(),
      '',
    );
  } else if (s.unavailable.jobs) {
    lines.push(`Jobs: (${s.unavailable.jobs.reason === 'Forbidden' ? 'forbidden' : 'not found'})`, '');
  } else {
    lines.push('Jobs: none yet (the first run is at the next scheduled time)', '');
  }
  const lj = s.lastJob;
  if (lj) {
    const head = `Log of ${lj.outcome === 'Failed' ? 'failed ' : ''}job ${lj.name}${lj.pod ? ` (pod ${lj.pod}${lj.terminationReason ? `, ${lj.terminationReason}` : ''})` : ''}`;
    if (lj.log.length) {
      lines.push(c.bold(`${head}, last ${lj.log.length} line${lj.log.length === 1 ? '' : 's'}:`));
      for (const l of lj.log) lines.push(`  ${l}`);
    } else if (lj.logNote) {
      lines.push(`${c.bold(head)}: ${lj.logNote}`);
      if (lj.terminationMessage) for (const l of lj.terminationMessage.trimEnd().split('\n').slice(-10)) lines.push(`  ${l}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
