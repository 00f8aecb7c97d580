// Hub templates (`{{hub … hub}}`) as the policy propagator resolves them when it replicates a Policy: lookups
// only in the root Policy's namespace (templates.ResolveOptions.LookupNamespace). The sandbox understands a
// subset: `fromSecret "NS" "NAME" "KEY"` (the base64 value as stored in `data`), `fromConfigMap "NS" "NAME" "KEY"`
// and `.ManagedClusterName`. Error texts follow stolostron/go-template-utils (`failed to get the secret NAME from
// NS: …`, `the namespace argument is restricted to NS`); behaviour read from open-cluster-management-io/
// governance-policy-propagator controllers/propagator/propagation.go (processTemplates) and template_utils.go
// (setTemplateError).
import type { Store } from '../types.ts';
import { tryGet } from './util.ts';

export const HUB_TEMPLATE_ERROR = 'policy.open-cluster-management.io/hub-templates-error';

const HUB = /\{\{hub\s*(.*?)\s*hub\}\}/g;

function lookup(store: Store, fn: string, args: string[], lookupNs: string): string {
  const [ns, name, key] = args;
  const what = fn === 'fromSecret' ? 'secret' : 'configmap';
  if (!ns || !name || !key) throw new Error('invalid input: namespace, name, and key must be specified');
  const fail = (why: string) => new Error(`failed to get the ${what} ${name} from ${ns}: ${why}`);
  if (ns !== lookupNs) throw fail(`the namespace argument is restricted to ${lookupNs}`);
  const obj = tryGet(store, fn === 'fromSecret' ? '/secrets' : '/configmaps', ns, name);
  if (!obj) throw fail(`${fn === 'fromSecret' ? 'secrets' : 'configmaps'} "${name}" not found`);
  return String(((obj as any).data ?? {})[key] ?? '');
}

function evalExpr(store: Store, expr: string, lookupNs: string, cluster: string): string {
  if (expr === '.ManagedClusterName') return cluster;
  const m = /^(fromSecret|fromConfigMap)((?:\s+"[^"]*")*)$/.exec(expr);
  if (!m) throw new Error(`the sandbox resolves only fromSecret, fromConfigMap and .ManagedClusterName hub templates: ${expr}`);
  const args = [...m[2]!.matchAll(/"([^"]*)"/g)].map((a) => a[1]!);
  return lookup(store, m[1]!, args, lookupNs);
}

/**
 * Resolves the hub templates in every string of a policy template's objectDefinition. Returns the resolved
 * copy, or the error the propagator puts into the hub-templates-error annotation.
 */
export function resolveHubTemplates(store: Store, def: unknown, lookupNs: string, cluster: string): { value: unknown } | { error: string } {
  try {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return v.includes('{{hub') ? v.replace(HUB, (_, e: string) => evalExpr(store, e.trim(), lookupNs, cluster)) : v;
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return { value: walk(def) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
