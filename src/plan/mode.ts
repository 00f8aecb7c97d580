// The plan options of a command (planOptions in src/commands/common.ts), checked before anything is read or sent.
import { UsageError } from '../errors.js';
import type { RenderOptions } from './render.js';
import { DRY_RUN_MODES, type DryRunMode, type RenderFormat } from './types.js';

export interface PlanFlags {
  dryRun?: string | boolean;
  render?: RenderFormat;
  outputDir?: string;
  remediation?: 'inform' | 'enforce';
  placementLabel?: string[];
  renderNamespace?: string;
  repoUrl?: string;
  path?: string;
  showSecrets?: boolean;
}

export interface PlanMode {
  /** none: apply; client: print only; server: also send each write with dryRun=All. */
  dryRun: DryRunMode;
  render?: RenderOptions & { outputDir?: string };
}

const LABEL = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?=([a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?)?$/;
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `output`: the command's -o, which --render does not take (it writes YAML files or one YAML stream). */
export function planMode(o: PlanFlags, output?: string): PlanMode {
  const raw = o.dryRun === true ? 'client' : o.dryRun === false || o.dryRun === undefined ? 'none' : o.dryRun;
  if (!(DRY_RUN_MODES as readonly string[]).includes(raw)) {
    throw new UsageError(`invalid --dry-run value "${raw}"`, 'use --dry-run, --dry-run=client or --dry-run=server');
  }
  const dryRun = raw as DryRunMode;
  const renderOnly: Array<[unknown, string]> = [
    [o.outputDir, '--output-dir'],
    [o.remediation, '--remediation'],
    [o.placementLabel?.length ? o.placementLabel : undefined, '--placement-label'],
    [o.renderNamespace, '--render-namespace'],
    [o.repoUrl, '--repo-url'],
    [o.path, '--path'],
    [o.showSecrets || undefined, '--show-secrets'],
  ];
  if (!o.render) {
    const given = renderOnly.find(([v]) => v !== undefined);
    if (given) throw new UsageError(`${given[1]} only applies with --render`, `add --render manifests|kustomize|acm-policy|argocd, or drop ${given[1]}`);
    return { dryRun };
  }
  if (dryRun !== 'none') throw new UsageError('--render and --dry-run do not go together', '--render changes nothing already: drop --dry-run');
  if (output !== undefined && output !== 'table') throw new UsageError(`-o ${output} does not apply to --render`, 'drop -o: --render writes YAML files (or, without --output-dir, one YAML stream on stdout)');
  const f = o.render;
  const only = (flag: string, v: unknown, formats: RenderFormat[]) => {
    if (v !== undefined && !formats.includes(f)) throw new UsageError(`${flag} does not apply to --render ${f}`, `drop ${flag} (it is for --render ${formats.join('|')})`);
  };
  only('--remediation', o.remediation, ['acm-policy']);
  only('--placement-label', o.placementLabel?.length ? o.placementLabel : undefined, ['acm-policy']);
  only('--render-namespace', o.renderNamespace, ['acm-policy', 'argocd']);
  only('--repo-url', o.repoUrl, ['argocd']);
  only('--path', o.path, ['argocd']);
  if (o.showSecrets && !o.outputDir) throw new UsageError('--show-secrets writes secret values only into files', 'add --output-dir DIR (the values never go to stdout)');
  if (o.showSecrets && f === 'acm-policy') throw new UsageError('--render acm-policy never writes secret values', 'drop --show-secrets: the policy reads them from a hub secret ({{hub fromSecret … hub}})');
  if (f === 'kustomize' && !o.outputDir) throw new UsageError('--render kustomize writes a directory', 'add --output-dir DIR');
  if (f === 'argocd' && (!o.repoUrl || !o.path)) throw new UsageError('--render argocd needs --repo-url and --path', 'give the Git repository URL and the path in it where manifests/ will be committed');
  if (o.renderNamespace !== undefined && !DNS1123.test(o.renderNamespace)) throw new UsageError(`invalid --render-namespace "${o.renderNamespace}"`, 'a namespace is lower-case letters, digits and -');
  const labels: Record<string, string> = {};
  for (const l of o.placementLabel ?? []) {
    if (!LABEL.test(l)) throw new UsageError(`invalid --placement-label "${l}"`, 'use key=value, e.g. --placement-label environment=prod');
    const i = l.indexOf('=');
    labels[l.slice(0, i)] = l.slice(i + 1);
  }
  if (o.repoUrl !== undefined && !/^(https?|ssh|git):\/\/|^[\w.-]+@[\w.-]+:/.test(o.repoUrl)) throw new UsageError(`invalid --repo-url "${o.repoUrl}"`, 'give the repository URL, e.g. https://git.example.com/org/cluster-config.git');
  return {
    dryRun,
    render: { format: f, outputDir: o.outputDir, showSecrets: o.showSecrets, remediation: o.remediation, placementLabels: labels, namespace: o.renderNamespace, repoUrl: o.repoUrl, path: o.path },
  };
}

/** In GitOps a removal is a commit that takes the object (or the entry) out of Git, not a rendered file. */
export const GITOPS_REMOVAL_HINT =
  'in GitOps a removal is taking the object (or the entry) out of Git: Argo CD deletes an object that left Git only when the Application prunes (syncPolicy.automated.prune: true, or argocd app sync --prune); for ACM use --render acm-policy (mustnothave/mustonlyhave), or run the command directly';

/**
 * A removal renders only as acm-policy (mustnothave / mustonlyhave): the formats that apply objects are refused
 * before anything is read. `what`: `revoke`, `trust-ca remove` ….
 */
export function acmOnlyRemoval(render: RenderFormat | undefined, what: string): void {
  if (render && render !== 'acm-policy') throw new UsageError(`${what} cannot be rendered as ${render}: it takes something away, and an apply can only add and change`, GITOPS_REMOVAL_HINT);
}
