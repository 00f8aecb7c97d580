// Regenerates kube-1.30-swagger.json from the upstream Kubernetes OpenAPI v2 document, keeping only what the
// sandbox serves: the built-in resources' paths, the definitions they reach, and the shared parameters.
// With a second argument (openshift/api openapi/openapi.json) also writes openshift-4.17-openapi.json: the definitions
// of the openshift-apiserver kinds the sandbox serves without a CRD, and what they reach.
// Usage: npx tsx test/sandbox/data/openapi/trim.ts /path/to/swagger.json [/path/to/openshift/api/openapi/openapi.json]
// Sources: kubernetes/kubernetes api/openapi-spec/swagger.json at v1.30.1; openshift/api release-4.17 (see NOTICE).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultResourceTypes, VIRTUAL_RESOURCES, keyOf } from '../../resources.ts';

const src = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const builtin = defaultResourceTypes().filter((t) => !t.schema && (t.group === '' || t.group.endsWith('k8s.io') || t.group === 'apps' || t.group === 'batch'));
const keep: Record<string, unknown> = {};
for (const [p, item] of Object.entries<any>(src.paths)) {
  for (const t of builtin) {
    const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
    const subs = (t.subresources ?? []).join('|');
    const re = new RegExp(`^${base.replace(/\./g, '\\.')}/(namespaces/\\{namespace\\}/)?${t.resource}(/\\{name\\}(/(${subs || '-'}))?)?$`);
    if (re.test(p) && !(VIRTUAL_RESOURCES.has(keyOf(t)) && /\{name\}/.test(p))) keep[p] = item;
  }
}
const defs: Record<string, unknown> = {};
const params: Record<string, unknown> = {};
const walk = (node: unknown): void => {
  if (Array.isArray(node)) return node.forEach(walk);
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') {
      const [, kind, name] = v.split('/');
      const bucket = kind === 'definitions' ? defs : params;
      if (!(name! in bucket)) {
        bucket[name!] = src[kind!][name!];
        walk(src[kind!][name!]);
      }
    } else walk(v);
  }
};
walk(keep);
// The objects kubectl and the sandbox exchange besides the kinds (Status, Scale, lists, watch events).
for (const d of ['io.k8s.apimachinery.pkg.apis.meta.v1.Status', 'io.k8s.api.autoscaling.v1.Scale', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']) {
  if (!(d in defs)) {
    defs[d] = src.definitions[d];
    walk(src.definitions[d]);
  }
}
const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
const out = { swagger: src.swagger, info: { title: 'Kubernetes', version: 'v1.30.1' }, paths: sorted(keep), definitions: sorted(defs), parameters: sorted(params), securityDefinitions: src.securityDefinitions, security: src.security };
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'kube-1.30-swagger.json'), JSON.stringify(out) + '\n');
console.log(`${Object.keys(keep).length} paths, ${Object.keys(defs).length} definitions`);

if (process.argv[3]) {
  const os = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  const kinds = defaultResourceTypes().filter((t) => !t.schema && t.group.endsWith('.openshift.io'));
  const out: Record<string, unknown> = {};
  const add = (name: string): void => {
    if (name in out || name in defs) return;
    const d = os.definitions[name] ?? src.definitions[name];
    if (!d) return;
    out[name] = d;
    JSON.stringify(d).replace(/"\$ref":"#\/definitions\/([^"]+)"/g, (_m, n: string) => (add(n), ''));
  };
  for (const t of kinds) {
    const name = `com.github.openshift.api.${t.group.split('.')[0]}.${t.version}.${t.kind}`;
    if (os.definitions[name]) {
      add(name);
      add(`${name}List`);
    }
  }
  writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'openshift-4.17-openapi.json'), JSON.stringify({ swagger: os.swagger, info: { title: 'OpenShift', version: 'v4.17' }, definitions: sorted(out) }) + '\n');
  console.log(`openshift: ${Object.keys(out).length} definitions`);
}
