// Minimal decoder for `application/vnd.kubernetes.protobuf` request bodies. kubectl's typed clients send
// built-in kinds as protobuf (e.g. `kubectl auth can-i` → SelfSubjectAccessReview, `kubectl create configmap`).
// Only the kinds below are known; field numbers are those of k8s.io/api's generated.proto files.

type FieldSpec =
  | { n: string; t: 'string' | 'bytes' | 'bool' | 'int' | 'time' }
  | { n: string; t: 'msg'; m: string }
  | { n: string; t: 'map'; v: 'string' | 'bytes' | 'extra' };

type Schema = Record<number, FieldSpec & { rep?: boolean }>;

const S = (n: string, rep = false) => ({ n, t: 'string' as const, rep });
const M = (n: string, m: string, rep = false) => ({ n, t: 'msg' as const, m, rep });

const SCHEMAS: Record<string, Schema> = {
  ObjectMeta: {
    1: S('name'), 2: S('generateName'), 3: S('namespace'), 5: S('uid'), 6: S('resourceVersion'),
    7: { n: 'generation', t: 'int' }, 11: { n: 'labels', t: 'map', v: 'string' }, 12: { n: 'annotations', t: 'map', v: 'string' },
    13: M('ownerReferences', 'OwnerReference', true), 14: S('finalizers', true),
  },
  OwnerReference: { 1: S('kind'), 3: S('name'), 4: S('uid'), 5: S('apiVersion'), 6: { n: 'controller', t: 'bool' }, 7: { n: 'blockOwnerDeletion', t: 'bool' } },
  ResourceAttributes: { 1: S('namespace'), 2: S('verb'), 3: S('group'), 4: S('version'), 5: S('resource'), 6: S('subresource'), 7: S('name') },
  NonResourceAttributes: { 1: S('path'), 2: S('verb') },
  SelfSubjectAccessReviewSpec: { 1: M('resourceAttributes', 'ResourceAttributes'), 2: M('nonResourceAttributes', 'NonResourceAttributes') },
  SubjectAccessReviewSpec: {
    1: M('resourceAttributes', 'ResourceAttributes'), 2: M('nonResourceAttributes', 'NonResourceAttributes'),
    3: S('user'), 4: S('groups', true), 5: { n: 'extra', t: 'map', v: 'extra' }, 6: S('uid'),
  },
  SelfSubjectAccessReview: { 1: M('metadata', 'ObjectMeta'), 2: M('spec', 'SelfSubjectAccessReviewSpec') },
  SubjectAccessReview: { 1: M('metadata', 'ObjectMeta'), 2: M('spec', 'SubjectAccessReviewSpec') },
  LocalSubjectAccessReview: { 1: M('metadata', 'ObjectMeta'), 2: M('spec', 'SubjectAccessReviewSpec') },
  SelfSubjectReview: { 1: M('metadata', 'ObjectMeta') },
  TokenReviewSpec: { 1: S('token'), 2: S('audiences', true) },
  TokenReview: { 1: M('metadata', 'ObjectMeta'), 2: M('spec', 'TokenReviewSpec') },
  BoundObjectReference: { 1: S('kind'), 2: S('apiVersion'), 3: S('name'), 4: S('uid') },
  TokenRequestSpec: { 1: S('audiences', true), 3: M('boundObjectRef', 'BoundObjectReference'), 4: { n: 'expirationSeconds', t: 'int' } },
  TokenRequest: { 1: M('metadata', 'ObjectMeta'), 2: M('spec', 'TokenRequestSpec') },
  Preconditions: { 1: S('uid'), 2: S('resourceVersion') },
  DeleteOptions: {
    1: { n: 'gracePeriodSeconds', t: 'int' }, 2: M('preconditions', 'Preconditions'), 3: { n: 'orphanDependents', t: 'bool' },
    4: S('propagationPolicy'), 5: S('dryRun', true),
  },
  ConfigMap: { 1: M('metadata', 'ObjectMeta'), 2: { n: 'data', t: 'map', v: 'string' }, 3: { n: 'binaryData', t: 'map', v: 'bytes' }, 4: { n: 'immutable', t: 'bool' } },
  Secret: { 1: M('metadata', 'ObjectMeta'), 2: { n: 'data', t: 'map', v: 'bytes' }, 3: S('type'), 4: { n: 'stringData', t: 'map', v: 'string' }, 5: { n: 'immutable', t: 'bool' } },
  NamespaceSpec: { 1: S('finalizers', true) },
  Namespace: { 1: M('metadata', 'ObjectMeta'), 2: M('spec', 'NamespaceSpec') },
  ObjectReference: { 1: S('kind'), 2: S('namespace'), 3: S('name'), 4: S('uid'), 5: S('apiVersion'), 6: S('resourceVersion'), 7: S('fieldPath') },
  LocalObjectReference: { 1: S('name') },
  ServiceAccount: { 1: M('metadata', 'ObjectMeta'), 2: M('secrets', 'ObjectReference', true), 3: { n: 'automountServiceAccountToken', t: 'bool' }, 4: M('imagePullSecrets', 'LocalObjectReference', true) },
  Subject: { 1: S('kind'), 2: S('apiGroup'), 3: S('name'), 4: S('namespace') },
  RoleRef: { 1: S('apiGroup'), 2: S('kind'), 3: S('name') },
  RoleBinding: { 1: M('metadata', 'ObjectMeta'), 2: M('subjects', 'Subject', true), 3: M('roleRef', 'RoleRef') },
  ClusterRoleBinding: { 1: M('metadata', 'ObjectMeta'), 2: M('subjects', 'Subject', true), 3: M('roleRef', 'RoleRef') },
  PolicyRule: { 1: S('verbs', true), 2: S('apiGroups', true), 3: S('resources', true), 4: S('resourceNames', true), 5: S('nonResourceURLs', true) },
  Role: { 1: M('metadata', 'ObjectMeta'), 2: M('rules', 'PolicyRule', true) },
  ClusterRole: { 1: M('metadata', 'ObjectMeta'), 2: M('rules', 'PolicyRule', true) },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  eof() {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function fields(buf: Buffer): Array<{ no: number; wire: number; val: bigint | Buffer }> {
  const r = new Reader(buf);
  const out: Array<{ no: number; wire: number; val: bigint | Buffer }> = [];
  while (!r.eof()) {
    const tag = Number(r.varint());
    const no = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, val: r.varint() });
    else if (wire === 2) out.push({ no, wire, val: r.bytes() });
    else r.skip(wire);
  }
  return out;
}

function decodeMessage(buf: Buffer, schemaName: string): Record<string, unknown> {
  const schema = SCHEMAS[schemaName];
  if (!schema) throw new Error(`no protobuf schema for ${schemaName}`);
  const obj: Record<string, any> = {};
  for (const f of fields(buf)) {
    const spec = schema[f.no];
    if (!spec) continue;
    let v: unknown;
    switch (spec.t) {
      case 'string':
        v = (f.val as Buffer).toString('utf8');
        break;
      case 'bytes':
        v = (f.val as Buffer).toString('base64');
        break;
      case 'bool':
        v = f.val !== 0n;
        break;
      case 'int':
        v = Number(BigInt.asIntN(64, f.val as bigint));
        break;
      case 'time': {
        const t = Object.fromEntries(fields(f.val as Buffer).map((x) => [x.no, x.val]));
        v = new Date(Number(t[1] ?? 0n) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        break;
      }
      case 'msg':
        v = decodeMessage(f.val as Buffer, spec.m);
        break;
      case 'map': {
        const entry = Object.fromEntries(fields(f.val as Buffer).map((x) => [x.no, x.val as Buffer]));
        const key = entry[1]?.toString('utf8') ?? '';
        const raw = entry[2] ?? Buffer.alloc(0);
        const mv = spec.v === 'string' ? raw.toString('utf8') : spec.v === 'bytes' ? raw.toString('base64') : fields(raw).map((x) => (x.val as Buffer).toString('utf8'));
        (obj[spec.n] ??= {})[key] = mv;
        continue;
      }
    }
    // gogo-protobuf writes empty strings and zero values; JSON (omitempty) would not carry them.
    if (!spec.rep && (v === '' || v === 0 || v === false)) continue;
    if (spec.rep) (obj[spec.n] ??= []).push(v);
    else obj[spec.n] = v;
  }
  return obj;
}

/** Decodes a `k8s\0` protobuf envelope to the JSON form; throws when the kind is not known here. */
export function decodeProtobuf(buf: Buffer): Record<string, unknown> {
  if (buf.length < 4 || buf.subarray(0, 4).toString('latin1') !== 'k8s\u0000') throw new Error('missing protobuf envelope');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(buf.subarray(4))) {
    if (f.no === 1) {
      for (const tm of fields(f.val as Buffer)) {
        if (tm.no === 1) apiVersion = (tm.val as Buffer).toString('utf8');
        if (tm.no === 2) kind = (tm.val as Buffer).toString('utf8');
      }
    } else if (f.no === 2) raw = f.val as Buffer;
  }
  if (!SCHEMAS[kind]) throw new Error(`protobuf body of kind ${kind || '<none>'} is not supported by the sandbox; send JSON`);
  const obj = decodeMessage(raw, kind);
  const out: Record<string, unknown> = { apiVersion, kind, ...obj };
  if (kind !== 'DeleteOptions') out.metadata ??= {};
  return out;
}
