// Validates values for configs.imageregistry.operator.openshift.io/cluster against the CRD's structural
// schema before anything is sent, so bad input fails with one clear line instead of a 422 (or worse, a
// value the API server silently prunes). Covers the OpenAPI subset the CRD uses.
import { CONFIG_SPEC_SCHEMA } from './config-schema-data.js';

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
  default?: unknown;
  anyOf?: Schema[];
  not?: Schema;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string }>;
}

/** Go time.ParseDuration syntax, which is what format "duration" means for the API server. */
const GO_DURATION = /^[-+]?(0|(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/;

/** The CEL rules of this CRD, evaluated by hand (the schema has one). */
const CEL: Record<string, (v: any) => boolean> = {
  "has(self.type) && self.type == 'Internal' ?  true : !has(self.internal)": (v) => (v?.type === 'Internal' ? true : v?.internal === undefined),
};

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** Returns field errors ("spec.replicas: …"); empty when valid. */
export function validate(value: unknown, schema: Schema, path: string): string[] {
  const errs: string[] = [];
  check(value, schema, path, errs);
  return errs;
}

function typeOk(value: unknown, schema: Schema): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === schema.type;
  }
}

function check(value: unknown, schema: Schema, path: string, errs: string[]): void {
  if (value === null) {
    if (!schema.nullable) errs.push(`${path}: must not be null`);
    return;
  }
  if (!typeOk(value, schema)) {
    errs.push(`${path}: ${show(value)} is not ${schema['x-kubernetes-int-or-string'] ? 'an integer or a string' : `of type ${schema.type}`}`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    errs.push(`${path}: ${show(value)} is not one of ${schema.enum.filter((e) => e !== '').join(', ')}`);
  }
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) errs.push(`${path}: ${show(value)} does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && [...value].length < schema.minLength) errs.push(`${path}: must be at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) errs.push(`${path}: must be at most ${schema.maxLength} characters`);
    if (schema.format === 'duration' && !GO_DURATION.test(value)) errs.push(`${path}: ${show(value)} is not a duration such as 30s, 1m or 1h30m`);
  }
  if (typeof value === 'number') {
    if (schema.format === 'int32' && (value < -2147483648 || value > 2147483647)) errs.push(`${path}: ${value} is out of the int32 range`);
    if (schema.format === 'int64' && !Number.isSafeInteger(value)) errs.push(`${path}: ${value} is out of range`);
    if (schema.minimum !== undefined && value < schema.minimum) errs.push(`${path}: must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errs.push(`${path}: must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => check(v, schema.items!, `${path}[${i}]`, errs));
  if (typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (obj[r] === undefined) errs.push(`${path}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const sub = schema.properties?.[k];
      if (sub) check(v, sub, `${path}.${k}`, errs);
      else if (typeof schema.additionalProperties === 'object') check(v, schema.additionalProperties, `${path}.${k}`, errs);
      // A schema without a type (an anyOf/not branch) constrains only what it names.
      else if (schema.type === 'object' && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties !== true) {
        const known = Object.keys(schema.properties ?? {});
        errs.push(`${path}.${k}: unknown field${known.length ? ` (known: ${known.join(', ')})` : ''}`);
      }
    }
  }
  if (schema.anyOf && !schema.anyOf.some((s) => validate(value, s, path).length === 0)) errs.push(`${path}: ${show(value)} does not satisfy the schema's alternatives`);
  if (schema.not && validate(value, schema.not, path).length === 0) errs.push(`${path}: ${show(value)} is not allowed here`);
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const fn = CEL[rule.rule];
    if (fn && !fn(value)) errs.push(`${path}: ${rule.message ?? `failed rule ${rule.rule}`}`);
  }
}

/** The schema of a field of spec, e.g. ['requests', 'read', 'maxRunning']; undefined when the CRD has no such field. */
export function specSchemaAt(path: string[]): Schema | undefined {
  let s: Schema | undefined = CONFIG_SPEC_SCHEMA;
  for (const p of path) {
    if (!s) return undefined;
    s = s.properties?.[p] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
  }
  return s;
}

/** Validates the value meant for spec.<path...>; errors name the field as `spec.a.b`. */
export function validateSpecField(path: string[], value: unknown): string[] {
  const s = specSchemaAt(path);
  if (!s) return [`spec.${path.join('.')}: not a field of the registry configuration`];
  return validate(value, s, `spec.${path.join('.')}`);
}
