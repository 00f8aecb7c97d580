// Redaction for the support bundle, in two layers: by structure (Secret data, spec.httpSecret, route keys,
// env values whose names say secret, last-applied annotations) and by value (every known secret value,
// private-key PEM blocks and token-shaped strings are replaced wherever they appear in the text).

export const REDACTED = 'REDACTED';

/** Env var names whose values are secret (REGISTRY_HTTP_SECRET, …_ACCESSKEY, …_PASSWORD, tokens, keys). */
export const SECRET_ENV = /(SECRET|PASSWORD|PASSWD|TOKEN|ACCESSKEY|ACCOUNTKEY|APIKEY|API_KEY|CREDENTIAL|PRIVATE|_KEY$|KEYID$)/i;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function redactEnv(containers: unknown): void {
  if (!Array.isArray(containers)) return;
  for (const c of containers) {
    for (const e of (isObj(c) && Array.isArray(c.env) ? c.env : []) as Obj[]) {
      // A file path (…_CREDENTIALSCONFIGPATH, REGISTRY_HTTP_TLS_KEY) says where the secret is, not what it is.
      if (typeof e.value === 'string' && e.value && !/^\/[^\s]*$/.test(e.value) && SECRET_ENV.test(String(e.name ?? ''))) e.value = REDACTED;
    }
  }
}

function redactPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  redactEnv(spec.containers);
  redactEnv(spec.initContainers);
}

/** A redacted deep copy of one Kubernetes object (unknown kinds: only the generic rules). */
export function redactObject(input: unknown): unknown {
  if (Array.isArray(input)) return input.map(redactObject);
  if (!isObj(input)) return input;
  const o = structuredClone(input) as Obj;
  if (isObj(o.metadata)) {
    delete o.metadata.managedFields;
    if (isObj(o.metadata.annotations) && LAST_APPLIED in o.metadata.annotations) o.metadata.annotations[LAST_APPLIED] = REDACTED;
  }
  if (Array.isArray(o.items)) o.items = o.items.map(redactObject);
  switch (o.kind) {
    case 'Secret':
      for (const k of ['data', 'stringData', 'binaryData']) {
        if (isObj(o[k])) for (const key of Object.keys(o[k])) o[k][key] = REDACTED;
      }
      break;
    case 'Config':
      if (isObj(o.spec) && o.spec.httpSecret) o.spec.httpSecret = REDACTED;
      break;
    case 'Route':
      if (isObj(o.spec?.tls) && o.spec.tls.key) o.spec.tls.key = REDACTED;
      break;
    case 'Pod':
      redactPodSpec(o.spec);
      break;
    case 'Deployment':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'Job':
      redactPodSpec(o.spec?.template?.spec);
      break;
    case 'CronJob':
      redactPodSpec(o.spec?.jobTemplate?.spec?.template?.spec);
      break;
  }
  return o;
}

/** Lists as served say `kind: XList` and leave the items without kind: give them one first. */
export function withItemKind(list: unknown[], kind: string): unknown[] {
  return list.map((i) => (isObj(i) && !i.kind ? { kind, ...i } : i));
}

const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g;
const OPENSHIFT_TOKEN = /sha256~[A-Za-z0-9_-]{20,}/g;
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

/** Secret keys whose values are public (CA and serving certificates, the service-account namespace). */
const PUBLIC_KEYS = new Set(['ca.crt', 'service-ca.crt', 'tls.crt', 'ca-bundle.crt', 'namespace']);
const CERTS_ONLY = /^(\s*-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\s*)+$/;
const SECRETISH_FIELD = /^(auth|password|token|identitytoken|secret|.*key.*|.*secret.*|.*password.*|.*token.*)$/i;

export interface SecretValue {
  key: string;
  value: string;
}

function jsonTerms(v: unknown, field: string, add: (s: string) => void): void {
  if (typeof v === 'string') {
    if (!SECRETISH_FIELD.test(field)) return;
    add(v);
    if (field === 'auth') {
      const d = Buffer.from(v, 'base64').toString('utf8');
      const i = d.indexOf(':');
      if (i >= 0) add(d.slice(i + 1));
    }
  } else if (Array.isArray(v)) v.forEach((x) => jsonTerms(x, field, add));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) jsonTerms(x, k, add);
}

/**
 * The strings to scrub for each secret value: the value itself (and its base64), the values of `key = value`
 * lines (ini and env files) and the secret-looking fields of JSON (docker config, service-account keys).
 * Certificates and the other public keys are left alone, or the bundle would lose every CA.
 */
export function scrubTerms(values: SecretValue[]): string[] {
  const terms = new Set<string>();
  const add = (s: string) => {
    const t = s.trim();
    if (t.length >= 6) terms.add(t);
  };
  for (const { key, value } of values) {
    if (PUBLIC_KEYS.has(key) || CERTS_ONLY.test(value)) continue;
    add(value);
    if (value.length >= 9) terms.add(Buffer.from(value, 'utf8').toString('base64'));
    for (const m of value.matchAll(/^\s*[\w.-]+\s*[=:]\s*(\S.*?)\s*$/gm)) if (m[1]!.length >= 8) add(m[1]!.replace(/^["']|["']$/g, ''));
    if (/^\s*[{[]/.test(value)) {
      try {
        jsonTerms(JSON.parse(value), '', add);
      } catch {
        /* not JSON */
      }
    }
  }
  // Longest first, so a value is replaced before any part of it.
  return [...terms].sort((a, b) => b.length - a.length);
}

export class Scrubber {
  private readonly terms: string[];

  constructor(secretValues: SecretValue[] = []) {
    this.terms = scrubTerms(secretValues);
  }

  /** Adds secret values (of secrets, or bare values such as the user's token). */
  add(values: SecretValue[]): void {
    for (const t of scrubTerms(values)) if (!this.terms.includes(t)) this.terms.push(t);
    this.terms.sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text.replace(PRIVATE_KEY, REDACTED).replace(OPENSHIFT_TOKEN, REDACTED).replace(JWT, REDACTED);
    for (const t of this.terms) if (out.includes(t)) out = out.split(t).join(REDACTED);
    return out;
  }
}
