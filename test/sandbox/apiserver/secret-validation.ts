// kube-apiserver's validation of v1 Secrets on create, update, patch and apply (kubernetes
// pkg/apis/core/validation/validation.go `ValidateSecret`, `ValidateSecretUpdate`), after the Secret's defaulting and
// the stringData → data conversion (store.ts `admit`), as the registry strategy (pkg/registry/core/secret/strategy.go)
// runs them. Rejected writes are 422 Invalid with one cause per field error (apimachinery api/errors `NewInvalid`), the
// message `Secret "NAME" is invalid: FIELD: BODY` or `[…, …]` for several; bodies as field/errors.go `ErrorBody` prints them.
// Checked: data key names (validation.IsConfigMapKey), the 1 MiB total of data (core.MaxSecretSize), the keys each
// built-in type requires, and on update: type immutable, and for `immutable: true` secrets data and immutable itself.
// Not imitated: ObjectMeta validation (names, labels) and the exact Go wording of JSON syntax errors in docker configs.
import type { KubeObject, ResourceType } from '../types.ts';
import { qualifiedKind } from '../resources.ts';
import { ApiError } from './errors.ts';

export interface SecretCause {
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueTooLong';
  message: string;
  field: string;
}

/** core.MaxSecretSize: the decoded bytes of all data values together. */
export const MAX_SECRET_SIZE = 1024 * 1024;

const IMMUTABLE_SET = 'field is immutable when `immutable` is set';
const KEY_RE = /^[-._a-zA-Z0-9]+$/;
const KEY_REGEX_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

type Data = Record<string, string>;
const dataOf = (o: KubeObject | undefined): Data | undefined => {
  const d = (o as any)?.data;
  return d && typeof d === 'object' && !Array.isArray(d) ? (d as Data) : undefined;
};
const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0));

const required = (field: string): SecretCause => ({ reason: 'FieldValueRequired', field, message: 'Required value' });
const forbidden = (field: string, detail: string): SecretCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
const invalid = (field: string, value: string, detail: string): SecretCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` });

/** validation.IsConfigMapKey. */
function keyProblems(key: string): string[] {
  const out: string[] = [];
  if (key.length > 253) out.push('must be no more than 253 characters');
  if (!KEY_RE.test(key)) out.push(KEY_REGEX_MSG);
  if (key === '.') out.push("must not be '.'");
  else if (key === '..') out.push("must not be '..'");
  else if (key.startsWith('..')) out.push("must not start with '..'");
  return out;
}

/** What Go's json.Unmarshal into map[string]interface{} says of the bytes, or undefined when it decodes. */
function jsonMapProblem(raw: Buffer): string | undefined {
  const text = raw.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    const first = text.trimStart()[0];
    if (first === undefined) return 'unexpected end of JSON input';
    if (!'{["-0123456789tfn'.includes(first)) return `invalid character '${first}' looking for beginning of value`;
    return 'unexpected end of JSON input'; // (Go names the first bad character; the sandbox does not locate it)
  }
  if (v === null || (typeof v === 'object' && !Array.isArray(v))) return undefined;
  const kind = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

/** ValidateSecret (without ObjectMeta): data keys, total size, the keys of the built-in types. */
export function secretCauses(obj: KubeObject): SecretCause[] {
  const out: SecretCause[] = [];
  const data = dataOf(obj) ?? {};
  let total = 0;
  for (const key of Object.keys(data).sort()) {
    for (const msg of keyProblems(key)) out.push(invalid(`data[${key}]`, key, msg));
    total += bytes(data[key]).length;
  }
  if (total > MAX_SECRET_SIZE) out.push({ reason: 'FieldValueTooLong', field: 'data', message: `Too long: may not be more than ${MAX_SECRET_SIZE} bytes` });
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const dockerJSON = (k: string) => {
    if (!has(k)) return void out.push(required(`data[${k}]`));
    const p = jsonMapProblem(bytes(data[k]));
    if (p) out.push(invalid(`data[${k}]`, '<secret contents redacted>', p));
  };
  switch (String((obj as any).type ?? '')) {
    case 'kubernetes.io/service-account-token':
      if (!(obj.metadata?.annotations as Record<string, string> | undefined)?.['kubernetes.io/service-account.name']) {
        out.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      dockerJSON('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      dockerJSON('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) out.push(required('data[username]'), required('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!bytes(data['ssh-privatekey']).length) out.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) out.push(required('data[tls.crt]'));
      if (!has('tls.key')) out.push(required('data[tls.key]'));
      break;
  }
  return out;
}

function sameData(a: Data | undefined, b: Data | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && bytes(a![k]).equals(bytes(b![k])));
}

/** ValidateSecretUpdate (without ObjectMeta): type immutable; an immutable secret keeps its data and stays immutable. */
export function secretUpdateCauses(next: KubeObject, old: KubeObject): SecretCause[] {
  const out: SecretCause[] = [];
  const type = String((next as any).type ?? '');
  if (type !== String((old as any).type ?? '')) out.push(invalid('type', type, 'field is immutable'));
  if ((old as any).immutable === true) {
    if ((next as any).immutable !== true) out.push(forbidden('immutable', IMMUTABLE_SET));
    if (!sameData(dataOf(next), dataOf(old))) out.push(forbidden('data', IMMUTABLE_SET));
  }
  return [...out, ...secretCauses(next)];
}

/** `Kind "name" is invalid: …` with the field errors deduplicated as ErrorList.ToAggregate does. */
function invalidError(t: ResourceType, name: string, causes: SecretCause[]): ApiError {
  const parts = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
  const msg = `${qualifiedKind(t)} "${name}" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
  const details: Record<string, unknown> = { name, kind: t.kind, causes };
  if (t.group) details.group = t.group;
  return new ApiError(422, 'Invalid', msg, details);
}

export const validatesBuiltIn = (key: string) => key === '/secrets';

/**
 * The validation the registry strategy of a built-in kind runs before storage (only v1 Secrets so far). `old`: the
 * stored object on update. Call after admission/defaulting, before the write; throws the 422.
 */
export function validateBuiltIn(key: string, t: ResourceType, obj: KubeObject, old?: KubeObject): void {
  if (!validatesBuiltIn(key)) return;
  const causes = old ? secretUpdateCauses(obj, old) : secretCauses(obj);
  if (causes.length) throw invalidError(t, obj.metadata?.name ?? '', causes);
}
