// The OpenAPI v2 document in protobuf (gnostic openapi_v2.Document, google/gnostic openapiv2/OpenAPIv2.proto field
// numbers), which kube-apiserver serves for Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf and
// kubectl asks for when it validates on the client (kinds whose v3 PATCH operation lacks fieldValidation, e.g. kinds
// that only support create). Only what kubectl reads is encoded: definitions and the paths' operations.
import yaml from 'js-yaml';

type Json = Record<string, any>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class W {
  private parts: Buffer[] = [];
  private varint(n: number): void {
    const out: number[] = [];
    let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
    this.parts.push(Buffer.from(out));
  }
  private tag(no: number, wire: number): void {
    this.varint((no << 3) | wire);
  }
  str(no: number, s: unknown): this {
    if (typeof s !== 'string' || s === '') return this;
    const b = Buffer.from(s, 'utf8');
    this.tag(no, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  strs(no: number, a: unknown): this {
    if (Array.isArray(a)) for (const s of a) this.str(no, String(s));
    return this;
  }
  bool(no: number, v: unknown): this {
    if (v === true) {
      this.tag(no, 0);
      this.varint(1);
    }
    return this;
  }
  int(no: number, v: unknown): this {
    if (typeof v === 'number' && v !== 0) {
      this.tag(no, 0);
      this.varint(v);
    }
    return this;
  }
  double(no: number, v: unknown): this {
    if (typeof v === 'number' && v !== 0) {
      this.tag(no, 1);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v);
      this.parts.push(b);
    }
    return this;
  }
  msg(no: number, m: Buffer | undefined): this {
    if (!m) return this;
    this.tag(no, 2);
    this.varint(m.length);
    this.parts.push(m);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const anyYaml = (v: unknown) => new W().str(2, yaml.dump(v, { lineWidth: -1, noRefs: true })).done();
const namedAny = (name: string, v: unknown) => new W().str(1, name).msg(2, anyYaml(v)).done();

function vendor(w: W, no: number, o: Json): void {
  for (const [k, v] of Object.entries(o)) if (k.startsWith('x-')) w.msg(no, namedAny(k, v));
}

function schema(s: Json): Buffer {
  const w = new W();
  w.str(1, s.$ref).str(2, s.format).str(3, s.title).str(4, s.description);
  if (s.default !== undefined) w.msg(5, anyYaml(s.default));
  w.double(6, s.multipleOf).double(7, s.maximum).bool(8, s.exclusiveMaximum).double(9, s.minimum).bool(10, s.exclusiveMinimum);
  w.int(11, s.maxLength).int(12, s.minLength).str(13, s.pattern).int(14, s.maxItems).int(15, s.minItems).bool(16, s.uniqueItems);
  w.int(17, s.maxProperties).int(18, s.minProperties).strs(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) w.msg(20, anyYaml(e));
  if (isObj(s.additionalProperties)) w.msg(21, new W().msg(1, schema(s.additionalProperties)).done());
  else if (typeof s.additionalProperties === 'boolean') w.msg(21, s.additionalProperties ? new W().bool(2, true).done() : Buffer.from([0x10, 0]));
  if (s.type !== undefined) w.msg(22, new W().strs(1, Array.isArray(s.type) ? s.type : [s.type]).done());
  if (isObj(s.items)) w.msg(23, new W().msg(1, schema(s.items)).done());
  if (Array.isArray(s.allOf)) for (const a of s.allOf) if (isObj(a)) w.msg(24, schema(a));
  if (isObj(s.properties)) {
    const p = new W();
    for (const [k, v] of Object.entries(s.properties)) if (isObj(v)) p.msg(1, new W().str(1, k).msg(2, schema(v)).done());
    w.msg(25, p.done());
  }
  vendor(w, 31, s);
  return w.done();
}

function parameter(p: Json): Buffer {
  if (typeof p.$ref === 'string') return new W().msg(2, new W().str(1, p.$ref).done()).done();
  if (p.in === 'body') {
    const b = new W().str(1, p.description).str(2, p.name).str(3, p.in).bool(4, p.required);
    if (isObj(p.schema)) b.msg(5, schema(p.schema));
    return new W().msg(1, new W().msg(1, b.done()).done()).done();
  }
  // Query (3) and path (4) sub-schemas: required, in, description, name, then type at 6 (query) or 5 (path).
  const q = p.in === 'path';
  const sub = new W().bool(1, p.required).str(2, p.in).str(3, p.description).str(4, p.name).str(q ? 5 : 6, p.type).bool(q ? 19 : 20, p.uniqueItems).done();
  return new W().msg(1, new W().msg(2, new W().msg(q ? 4 : 3, sub).done()).done()).done();
}

function operation(op: Json): Buffer {
  const w = new W().strs(1, op.tags).str(3, op.description).str(5, op.operationId).strs(6, op.produces).strs(7, op.consumes);
  for (const p of (op.parameters as Json[] | undefined) ?? []) w.msg(8, parameter(p));
  const rs = new W();
  for (const [code, r] of Object.entries<Json>(op.responses ?? {})) {
    const resp = new W().str(1, r.description);
    if (isObj(r.schema)) resp.msg(2, new W().msg(1, schema(r.schema)).done());
    rs.msg(1, new W().str(1, code).msg(2, new W().msg(1, resp.done()).done()).done());
  }
  w.msg(9, rs.done()).strs(10, op.schemes);
  vendor(w, 13, op);
  return w.done();
}

const OPS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

export function encodeOpenApiV2(doc: Json): Buffer {
  const paths = new W();
  for (const [p, item] of Object.entries<Json>(doc.paths ?? {})) {
    const pi = new W();
    for (const [k, no] of Object.entries(OPS)) if (isObj(item[k])) pi.msg(no, operation(item[k]));
    for (const prm of (item.parameters as Json[] | undefined) ?? []) pi.msg(9, parameter(prm));
    paths.msg(2, new W().str(1, p).msg(2, pi.done()).done());
  }
  const defs = new W();
  for (const [name, d] of Object.entries<Json>(doc.definitions ?? {})) defs.msg(1, new W().str(1, name).msg(2, schema(d)).done());
  const info = new W().str(1, doc.info?.title).str(2, doc.info?.version).done();
  return new W().str(1, doc.swagger).msg(2, info).msg(8, paths.done()).msg(9, defs.done()).done();
}
