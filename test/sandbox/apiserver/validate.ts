// CustomResource validation like the apiextensions apiserver: prune unknown fields, apply defaults,
// validate against openAPIV3Schema with ajv and phrase errors like kube-apiserver field errors.
import { createHash } from 'node:crypto';
import { Ajv } from 'ajv';
import type { ValidateFunction, ErrorObject } from 'ajv';
import type { KubeObject, ResourceType } from '../types.ts';

export interface FieldCause {
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueTypeInvalid';
  message: string;
  field: string;
}

const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, validateFormats: true, logger: false });
ajv.addKeyword({
  keyword: 'x-kubernetes-int-or-string',
  schemaType: 'boolean',
  validate: (on: boolean, data: unknown) => !on || typeof data === 'string' || Number.isInteger(data),
});
for (const k of ['x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations', 'x-kubernetes-embedded-resource']) {
  ajv.addKeyword({ keyword: k });
}
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
for (const f of ['date-time', 'duration', 'hostname', 'byte', 'uri', 'uuid', 'email', 'ipv4', 'ipv6', 'cidr', 'password']) {
  ajv.addFormat(f, { type: 'string', validate: () => true });
}

// Keyed by group/resource and schema: store.types() hands out fresh copies, and compiling the Config schema is slow.
const compiled = new Map<string, ValidateFunction>();

/** Upstream CRDs sometimes carry `anyOf: null`; ajv rejects null keyword values. */
function dropNulls(node: unknown): unknown {
  if (Array.isArray(node)) node.forEach(dropNulls);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (v === null && k !== 'default') delete (node as Record<string, unknown>)[k];
      else if (k !== 'default' && k !== 'enum') dropNulls(v);
    }
  }
  return node;
}

// Clusters of different versions serve different schemas for the same resource: the key includes a digest of it.
const digests = new WeakMap<object, string>();
function schemaDigest(schema: Record<string, unknown>): string {
  let d = digests.get(schema);
  if (!d) digests.set(schema, (d = createHash('sha256').update(JSON.stringify(schema)).digest('hex')));
  return d;
}

function validatorFor(t: ResourceType, schema: Record<string, unknown>): ValidateFunction {
  const cacheKey = `${t.group}/${t.resource}@${schemaDigest(schema)}`;
  const known = compiled.get(cacheKey);
  if (known) return known;
  {
    // metadata is validated by the generic code, not the CRD schema.
    const s = dropNulls(structuredClone(schema)) as any;
    if (s.properties?.metadata) s.properties.metadata = { type: 'object' };
    const v = ajv.compile(s);
    compiled.set(cacheKey, v);
    return v;
  }
}

/** Drops fields the structural schema does not know (x-kubernetes-preserve-unknown-fields keeps them). */
export function prune(value: unknown, schema: any, isRoot = true): void {
  if (!schema || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) prune(v, schema.items, false);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties) return;
  if (schema.properties) {
    for (const k of Object.keys(obj)) {
      if (isRoot && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const sub = schema.properties[k];
      if (sub) prune(obj[k], sub, false);
      else if (!schema['x-kubernetes-preserve-unknown-fields'] && !schema.additionalProperties) delete obj[k];
    }
  } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const k of Object.keys(obj)) prune(obj[k], schema.additionalProperties, false);
  }
}

/** Structural defaulting: fills `default`s of missing properties (before validation, like the apiextensions server). */
export function applyDefaults(value: unknown, schema: any): void {
  if (!schema || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) applyDefaults(v, schema.items);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (schema.properties) {
    for (const [k, sub] of Object.entries<any>(schema.properties)) {
      if (obj[k] === undefined && sub && sub.default !== undefined) obj[k] = structuredClone(sub.default);
      if (obj[k] !== undefined) applyDefaults(obj[k], sub);
    }
  } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const k of Object.keys(obj)) applyDefaults(obj[k], schema.additionalProperties);
  }
}

function fieldPath(instancePath: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(typeof v);
  return String(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function valueAt(root: unknown, instancePath: string): unknown {
  return instancePath.split('/').slice(1).reduce<any>((acc, k) => (acc == null ? undefined : acc[k.replace(/~1/g, '/').replace(/~0/g, '~')]), root);
}

function toCause(e: ErrorObject, root: unknown): FieldCause | undefined {
  const field = fieldPath(e.instancePath);
  const v = valueAt(root, e.instancePath);
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'required': {
      const f = field ? `${field}.${p.missingProperty}` : String(p.missingProperty);
      return { reason: 'FieldValueRequired', field: f, message: 'Required value' };
    }
    case 'type':
      return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${JSON.stringify(typeName(v))}: ${field} in body must be of type ${Array.isArray(p.type) ? p.type.join(',') : p.type}: ${JSON.stringify(typeName(v))}` };
    case 'enum':
      return { reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${goValue(v)}: supported values: ${(p.allowedValues as unknown[]).map((a) => JSON.stringify(a)).join(', ')}` };
    case 'pattern':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(v)}: ${field} in body should match '${p.pattern}'` };
    case 'minimum':
    case 'exclusiveMinimum':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(v)}: ${field} in body should be greater than${e.keyword === 'minimum' ? ' or equal to' : ''} ${p.limit}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(v)}: ${field} in body should be less than${e.keyword === 'maximum' ? ' or equal to' : ''} ${p.limit}` };
    case 'maxLength':
      return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${p.limit} bytes` };
    case 'minLength':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(v)}: ${field} in body should be at least ${p.limit} chars long` };
    case 'maxItems':
      return { reason: 'FieldValueTooMany', field, message: `Too many: ${Array.isArray(v) ? v.length : '?'}: must have at most ${p.limit} items` };
    case 'minItems':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${Array.isArray(v) ? v.length : '?'}: ${field} in body should have at least ${p.limit} items` };
    case 'format':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(v)}: ${field} in body must be of type ${p.format}: ${goValue(v)}` };
    case 'x-kubernetes-int-or-string':
      return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${JSON.stringify(typeName(v))}: ${field} in body must be of type integer,string: ${JSON.stringify(typeName(v))}` };
    case 'anyOf':
    case 'oneOf':
    case 'if':
      return undefined; // the branch errors say more
    default:
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(v)}: ${e.message ?? 'invalid'}` };
  }
}

/**
 * Prunes, defaults (mutating obj) and validates a custom resource. Returns the causes (empty = valid).
 * Only types with a schema are checked.
 */
export function validateCustomResource(t: ResourceType, obj: KubeObject): FieldCause[] {
  if (!t.schema) return [];
  prune(obj, t.schema);
  applyDefaults(obj, t.schema);
  const v = validatorFor(t, t.schema);
  if (v(obj)) return [];
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  for (const e of v.errors ?? []) {
    const c = toCause(e, obj);
    if (!c) continue;
    const k = `${c.field}|${c.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      causes.push(c);
    }
  }
  if (!causes.length) causes.push({ reason: 'FieldValueInvalid', field: '', message: 'Invalid value: the object does not match its schema' });
  return causes;
}

/** `Kind.group "name" is invalid: field: msg` or `... is invalid: [a: x, b: y]` like kube-apiserver. */
export function invalidMessage(qualifiedKind: string, name: string, causes: FieldCause[]): string {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  return `${qualifiedKind} "${name}" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
}
