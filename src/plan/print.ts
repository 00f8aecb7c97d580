// A plan for people (numbered steps with each object or patch, then the checks) and as data (kind Plan: the
// objects and patches exactly as they would be sent). Both are printed redacted unless the caller decides otherwise.
import { REGCTL_API_VERSION } from '../output/printer.js';
import { rolloutFields } from './apply-config.js';
import { stableYAML } from './stable-yaml.js';
import { describeTarget, targetData, type DryRunMode, type Json, type Plan, type Step } from './types.js';

const CONTENT_TYPE: Record<string, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

function body(s: Step): unknown {
  return s.action === 'create' ? s.object : s.action === 'patch' ? s.patch : s.preconditions;
}

/** A JSON patch one operation a line: the order of the operations is what matters to a reader. */
function jsonPatchText(ops: Json[]): string {
  return `[\n${ops.map((op) => `  ${JSON.stringify(op)}`).join(',\n')}\n]`;
}

/** The plan for a terminal: `# dry run: nothing was changed`, each step, the checks, and what rolls out. */
export function planText(p: Plan, mode: DryRunMode): string {
  const lines: string[] = [`# dry run${mode === 'server' ? ' (checked by the API server)' : ''}: nothing was changed`];
  if (!p.steps.length) lines.push('# nothing to change');
  p.steps.forEach((s, i) => {
    const how = s.action === 'patch' ? ` (${CONTENT_TYPE[s.patchType]})` : s.action === 'create' && s.put ? ' (PUT)' : '';
    lines.push('---', `# ${i + 1}. ${s.summary}${how}`);
    const roll = rolloutFields(s);
    if (roll.length) lines.push(`# rolls out the registry: changes ${roll.join(', ')}`);
    const b = body(s);
    if (s.action === 'patch' && Array.isArray(s.patch)) lines.push(jsonPatchText(s.patch));
    else if (b !== undefined) lines.push(stableYAML(b).trimEnd());
    // A delete without preconditions has no body: its numbered summary already names what goes.
    else if (s.action !== 'delete') lines.push(`# ${s.action} ${describeTarget(s.target)}`);
  });
  if (p.checks.length) {
    lines.push('---', '# then waits for:');
    for (const c of p.checks) lines.push(`#   ${c.name}: ${c.how}`);
  }
  return lines.join('\n') + '\n';
}

function stepData(s: Step): Json {
  const base: Json = { action: s.action, target: targetData(s.target), summary: s.summary };
  const roll = rolloutFields(s);
  if (roll.length) base.rollout = roll;
  if (s.action === 'create') return { ...base, ...(s.put ? { method: 'PUT' } : {}), object: s.object };
  if (s.action === 'patch') return { ...base, patchType: s.patchType, contentType: CONTENT_TYPE[s.patchType], patch: s.patch };
  return { ...base, ...(s.preconditions ? { preconditions: s.preconditions } : {}) };
}

/** `--dry-run -o json|yaml`: apiVersion regctl.openshift.io/v1, kind Plan. */
export function planData(p: Plan, mode: DryRunMode): Json {
  return {
    apiVersion: REGCTL_API_VERSION,
    kind: 'Plan',
    name: p.name,
    command: p.command,
    dryRun: mode === 'none' ? 'client' : mode,
    steps: p.steps.map(stepData),
    checks: p.checks,
    warnings: p.warnings,
  };
}
