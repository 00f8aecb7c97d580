// What the completion scripts look up when TAB is pressed: kubeconfig contexts (files only, no network) and
// projects (one list call under a short deadline). Both are silent: no output at all on any failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import type { Context } from '../context.js';
import { USER_AGENT } from '../context.js';
import { readTextFileCapped } from '../input/read.js';
import type { ResourceRef } from '../cluster/resources.js';

/** A namespace list must not hold up the shell: the whole lookup (kubeconfig, credentials, request) gets this long. */
export const NAMESPACE_DEADLINE_MS = 1500;

/** Context names of the kubeconfig regctl would use (--kubeconfig, else each file of $KUBECONFIG, else ~/.kube/config). */
export function contextNames(ctx: Pick<Context, 'globals' | 'env'>): string[] {
  const files = ctx.globals.kubeconfig
    ? [ctx.globals.kubeconfig]
    : ctx.env.KUBECONFIG
      ? ctx.env.KUBECONFIG.split(path.delimiter).filter(Boolean)
      : [path.join(ctx.env.HOME ?? os.homedir(), '.kube', 'config')];
  const names = new Set<string>();
  for (const file of files) {
    try {
      if (!fs.existsSync(file)) continue;
      const doc = yaml.load(readTextFileCapped(file, 'kubeconfig')) as { contexts?: Array<{ name?: unknown }> } | undefined;
      for (const c of Array.isArray(doc?.contexts) ? doc.contexts : []) if (typeof c?.name === 'string' && c.name) names.add(c.name);
    } catch {
      // an unreadable or invalid file completes nothing
    }
  }
  return [...names];
}

const PROJECTS: ResourceRef = { group: 'project.openshift.io', version: 'v1', resource: 'projects', kind: 'Project', namespaced: false };
const NAMESPACES: ResourceRef = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false };

/**
 * The projects the user may see (as `oc projects`; plain Kubernetes: namespaces), sorted; [] on any failure or
 * when the deadline passes.
 */
export async function namespaceNames(ctx: Pick<Context, 'globals' | 'env'>): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), NAMESPACE_DEADLINE_MS);
    timer.unref();
  });
  const lookup = (async () => {
    const { connect } = await import('../cluster/cluster.js');
    const { isApiError } = await import('../cluster/api-error.js');
    const cluster = connect({
      kubeconfig: ctx.globals.kubeconfig,
      context: ctx.globals.context,
      token: ctx.globals.token,
      env: ctx.env,
      timeoutMs: NAMESPACE_DEADLINE_MS,
      userAgent: USER_AGENT,
    });
    let list: { items: Array<{ metadata?: { name?: string } }> };
    try {
      list = await cluster.list(PROJECTS, { namespace: null });
    } catch (e) {
      if (!isApiError(e, 404)) throw e;
      list = await cluster.list(NAMESPACES, { namespace: null });
    }
    return list.items.map((i) => i.metadata?.name ?? '').filter(Boolean).sort();
  })().catch(() => [] as string[]);
  try {
    return await Promise.race([lookup, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
