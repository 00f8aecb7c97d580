// Secret values never leave regctl except to the API server: a plan printed or rendered carries `<redacted>`
// in their place (unless --show-secrets writes them to files the user asked for).
import type { Json, Plan, Step } from './types.js';

export const REDACTED = '<redacted>';

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function redactMaps(o: Json): Json {
  const out = { ...o };
  for (const key of ['data', 'stringData']) {
    if (isObj(out[key])) out[key] = Object.fromEntries(Object.keys(out[key]).map((k) => [k, REDACTED]));
  }
  return out;
}

/** Whether a step writes a Secret (its values are secret). */
export function isSecretStep(s: Step): boolean {
  return s.target.ref.group === '' && s.target.ref.kind === 'Secret';
}

export function redactStep(s: Step): Step {
  if (!isSecretStep(s)) return s;
  if (s.action === 'create') return { ...s, object: redactMaps(s.object) };
  if (s.action === 'delete') return s;
  const patch = Array.isArray(s.patch)
    ? s.patch.map((op) => (typeof op.path === 'string' && /^\/(data|stringData)(\/|$)/.test(op.path) && 'value' in op ? { ...op, value: isObj(op.value) ? Object.fromEntries(Object.keys(op.value).map((k) => [k, REDACTED])) : REDACTED } : op))
    : redactMaps(s.patch);
  return { ...s, patch, ...(s.applyConfig ? { applyConfig: redactMaps(s.applyConfig) } : {}), ...(s.exactly ? { exactly: redactMaps(s.exactly) } : {}) };
}

export function redactPlan(p: Plan): Plan {
  return { ...p, steps: p.steps.map(redactStep) };
}

/**
 * The secret values a plan carries, as sent and decoded, for the last check before anything is printed or written.
 * Short values are left out: a 5-letter access key id may well be part of a bucket name that is printed anyway.
 */
export function secretValues(p: Plan): string[] {
  const out = new Set<string>();
  const add = (m: unknown, b64: boolean) => {
    if (!isObj(m)) return;
    for (const v of Object.values(m)) {
      if (typeof v !== 'string') continue;
      if (v.length >= (b64 ? 8 : 12)) out.add(v);
      const decoded = b64 ? Buffer.from(v, 'base64').toString('utf8') : '';
      if (decoded.length >= 12) out.add(decoded);
    }
  };
  for (const s of p.steps) {
    if (!isSecretStep(s) || s.action === 'delete') continue;
    const bodies: Json[] = s.action === 'create' ? [s.object] : Array.isArray(s.patch) ? s.patch.map((op) => (isObj(op.value) ? { data: op.value } : {})) : [s.patch];
    for (const b of bodies) {
      add(b.data, true);
      add(b.stringData, false);
    }
  }
  return [...out];
}
