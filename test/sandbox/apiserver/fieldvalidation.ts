// fieldValidation=Strict|Warn|Ignore (kube-apiserver handlers create.go/update.go/patch.go): unknown fields are found
// by walking the object against its OpenAPI schema, as the strict JSON decoder (built-in kinds) and structural pruning
// (custom resources) report them: `unknown field "spec.foo"`, `spec.list[0].x` for list items.
import type { ResourceType } from '../types.ts';
import type { RequestCtx } from './context.ts';
import { debugLog } from './context.ts';
import { ApiError } from './errors.ts';
import { kindSchema, resolveSchema } from './openapi.ts';

export type Directive = 'Strict' | 'Warn' | 'Ignore';
type Json = Record<string, any>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request's directive; kube-apiserver's default (no parameter) is Warn. */
export function directiveOf(ctx: RequestCtx, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): Directive {
  const v = ctx.url.searchParams.get('fieldValidation') ?? '';
  if (v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  const cause = { reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(v)}: supported values: "", "Ignore", "Strict", "Warn"`, field: 'fieldValidation' };
  throw new ApiError(422, 'Invalid', `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: ${cause.message}`, { group: 'meta.k8s.io', kind: optionsKind, causes: [cause] });
}

function walk(defs: Json, value: unknown, node: unknown, path: string, out: string[]): void {
  const s = resolveSchema(defs, node);
  if (!s) return;
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => walk(defs, v, s.items, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(value)) return;
  if (s.properties) {
    for (const [k, v] of Object.entries(value)) {
      const sub = s.properties[k];
      if (sub) walk(defs, v, sub, path ? `${path}.${k}` : k, out);
      else if (isObj(s.additionalProperties)) walk(defs, v, s.additionalProperties, path ? `${path}.${k}` : k, out);
      else if (!s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties !== true) out.push(path ? `${path}.${k}` : k);
    }
  } else if (isObj(s.additionalProperties)) {
    for (const [k, v] of Object.entries(value)) walk(defs, v, s.additionalProperties, path ? `${path}.${k}` : k, out);
  }
  // No properties and no additionalProperties (RawExtension, preserve-unknown-fields objects): anything goes.
}

/** Unknown field paths of an object of kind t, in document order. */
export function unknownFields(types: ResourceType[], t: ResourceType, obj: unknown): string[] {
  const { schema, defs } = kindSchema(types, t);
  const out: string[] = [];
  walk(defs, obj, schema, '', out);
  return out;
}

/** Adds `Warning: 299 - "…"` response headers (client-go prints them as `Warning: …`). */
export function addWarnings(ctx: RequestCtx, messages: string[]): void {
  if (!messages.length) return;
  const prev = ctx.res.getHeader('Warning');
  const list = [...(Array.isArray(prev) ? prev : prev ? [String(prev)] : []), ...messages.map((m) => `299 - ${JSON.stringify(m)}`)];
  ctx.res.setHeader('Warning', list);
  debugLog(`${ctx.req.method} ${ctx.url.pathname}: ${messages.join('; ')}`);
}

/**
 * Removes field paths (`spec.foo`, `spec.list[0].x`) from an object, deepest first: what decoding into the Go type does
 * to unknown fields of built-in and openshift-apiserver kinds (custom resources are pruned by validate.ts).
 */
export function dropFields<T>(obj: T, paths: Iterable<string>): T {
  const list = [...paths].map((f) => f.replace(/\[(\d+)\]/g, '.$1').split('.')).sort((a, b) => b.length - a.length);
  for (const parts of list) {
    const last = parts[parts.length - 1]!;
    const parent = parts.slice(0, -1).reduce<any>((acc, k) => (acc == null ? undefined : acc[k]), obj);
    if (parent && typeof parent === 'object' && !Array.isArray(parent)) delete parent[last];
  }
  return obj;
}

const strictText = (fields: string[]) => `strict decoding error: ${fields.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`;

/** create/update: Strict → 400 `Kind in version "v" cannot be handled as a Kind: strict decoding error: …`; Warn → warnings. */
export function checkBody(ctx: RequestCtx, types: ResourceType[], t: ResourceType, obj: unknown, directive: Directive): string[] {
  if (String(ctx.req.headers['content-type'] ?? '').includes('protobuf')) return [];
  const fields = unknownFields(types, t, obj);
  if (!fields.length || directive === 'Ignore') return fields;
  if (directive === 'Warn') {
    addWarnings(ctx, fields.map((f) => `unknown field ${JSON.stringify(f)}`));
    return fields;
  }
  throw new ApiError(400, 'BadRequest', `${t.kind} in version ${JSON.stringify(t.version)} cannot be handled as a ${t.kind}: ${strictText(fields)}`);
}

/** json/merge/strategic patch: Strict → 422 ` "" is invalid: patch: Invalid value: "<patched object>": strict decoding error: …`. */
export function checkPatched(ctx: RequestCtx, types: ResourceType[], t: ResourceType, patched: unknown, directive: Directive): void {
  if (directive === 'Ignore') return;
  const fields = unknownFields(types, t, patched);
  if (!fields.length) return;
  if (directive === 'Warn') return addWarnings(ctx, fields.map((f) => `unknown field ${JSON.stringify(f)}`));
  const message = `Invalid value: ${JSON.stringify(JSON.stringify(patched))}: ${strictText(fields)}`;
  throw new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] });
}
