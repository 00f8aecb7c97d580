// --render: a plan as what a GitOps or policy engine consumes instead of applying it. The same plan always
// renders to the same bytes (stable key order, file names from the objects, no timestamps).
//   manifests  — one server-side-apply-ready object per target, only the fields regctl sets
//   kustomize  — kustomization.yaml: new objects as resources, changed objects as a base plus a patch
//   acm-policy — Policy + ConfigurationPolicy object-templates (musthave; removals as mustnothave/mustonlyhave),
//                Placement, PlacementBinding;
//                secret values as hub templates so none is written
//   argocd     — the manifests plus an Application (server-side apply) pointing at --repo-url/--path
import { UsageError } from '../errors.js';
import { apiVersionOf } from '../cluster/resources.js';
import { rolloutFields, toApplyConfig } from './apply-config.js';
import { GITOPS_REMOVAL_HINT } from './mode.js';
import { REDACTED, isSecretStep } from './redact.js';
import { stableYAML } from './stable-yaml.js';
import { describeTarget, resourceName, sameTarget, type Json, type Plan, type RenderFormat, type Step, type Target } from './types.js';

export interface RenderOptions {
  format: RenderFormat;
  /** Real secret values in the files (only with --output-dir; checked by the option parser). */
  showSecrets?: boolean;
  remediation?: 'inform' | 'enforce';
  placementLabels?: Record<string, string>;
  /** Namespace of the Policy/Placement/PlacementBinding or of the Application. */
  namespace?: string;
  repoUrl?: string;
  path?: string;
}

export interface RenderedFile {
  path: string;
  content: string;
}

export interface Rendering {
  files: RenderedFile[];
  /** Messages for stderr (what to create on the hub, what rolls out). */
  notes: string[];
}

interface Desired {
  target: Target;
  /** Created by this plan (a new object) or changed (an existing one: a singleton or a patched object). */
  created: boolean;
  object: Json;
  rollout: string[];
  secret: boolean;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(dst: Json, src: Json): Json {
  for (const [k, v] of Object.entries(src)) dst[k] = isObj(v) && isObj(dst[k]) ? deepMerge(dst[k], v) : structuredClone(v);
  return dst;
}

/** A removal ACM can state exactly: a delete (mustnothave) or fields made exactly a value (mustonlyhave). */
type Removal = { step: Step; exactly?: Json };

/** One desired object per target, in the order the plan first touches them; removals apart. */
function collect(plan: Plan, format: RenderFormat): { desired: Desired[]; removals: Removal[] } {
  const desired: Desired[] = [];
  const removals: Removal[] = [];
  for (const s of plan.steps) {
    if (s.action === 'delete' || (s.action === 'patch' && s.exactly)) {
      if (format !== 'acm-policy') throw new UsageError(`cannot render "${s.summary}" as ${format}: it takes something away, and an apply can only add and change`, GITOPS_REMOVAL_HINT);
      removals.push({ step: s, ...(s.action === 'patch' ? { exactly: s.exactly } : {}) });
      continue;
    }
    const cfg = toApplyConfig(s)!;
    if (cfg.removes.length) {
      // mustonlyhave cannot say it either: it makes whole top-level fields (spec) exactly the template.
      const why = format === 'acm-policy'
        ? `a musthave template cannot take fields away, and a mustonlyhave template would make the whole ${cfg.removes[0]!.split('.')[0]} exactly what is rendered, dropping every setting it does not name`
        : 'which applied configuration cannot take away';
      throw new UsageError(`cannot render "${s.summary}" as ${format}: it removes ${cfg.removes.join(', ')}, ${why}`, 'run the command directly for this change (or remove those fields first), then render the rest');
    }
    const have = desired.find((d) => sameTarget(d.target, s.target));
    if (have) {
      deepMerge(have.object, cfg.object);
      have.rollout = [...new Set([...have.rollout, ...rolloutFields(s)])];
    } else {
      desired.push({ target: s.target, created: s.action === 'create', object: cfg.object, rollout: rolloutFields(s), secret: isSecretStep(s) });
    }
  }
  return { desired, removals };
}

/** Secret values as `<redacted>` (default), as they are (--show-secrets), or as ACM hub templates. */
function secretValues(d: Desired, how: 'redact' | 'show' | { hubNamespace: string }): Json {
  if (!d.secret || how === 'show') return d.object;
  const o = structuredClone(d.object);
  const keys = [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})].sort();
  if (how === 'redact') {
    for (const m of ['data', 'stringData']) if (isObj(o[m])) for (const k of Object.keys(o[m])) o[m][k] = REDACTED;
    return o;
  }
  delete o.stringData;
  if (keys.length) o.data = Object.fromEntries(keys.map((k) => [k, `{{hub fromSecret "${how.hubNamespace}" "${d.target.name}" "${k}" hub}}`]));
  return o;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');

function fileName(i: number, t: Target): string {
  return `${String(i + 1).padStart(2, '0')}-${slug(resourceName(t.ref))}-${t.namespace ? `${slug(t.namespace)}-` : ''}${slug(t.name)}.yaml`;
}

function header(plan: Plan, d?: Desired): string {
  const lines = [`# Rendered by regctl from plan ${plan.name}. Apply with: kubectl apply --server-side --force-conflicts -f <file>`];
  if (d?.rollout.length) lines.push(`# ROLLOUT: changes ${d.rollout.join(', ')} of the registry config: the operator rolls out new registry pods`);
  if (d && !d.created) lines.push(`# Changes the existing ${describeTarget(d.target)}: only the fields regctl sets are listed`);
  return lines.join('\n') + '\n';
}

function manifests(plan: Plan, desired: Desired[], o: RenderOptions, dir = ''): RenderedFile[] {
  return desired.map((d, i) => ({ path: dir + fileName(i, d.target), content: header(plan, d) + stableYAML(secretValues(d, o.showSecrets ? 'show' : 'redact')) }));
}

function kustomize(plan: Plan, desired: Desired[], o: RenderOptions): RenderedFile[] {
  const files: RenderedFile[] = [];
  const resources: string[] = [];
  const patches: Json[] = [];
  desired.forEach((d, i) => {
    const obj = secretValues(d, o.showSecrets ? 'show' : 'redact');
    const name = fileName(i, d.target);
    if (d.created) {
      resources.push(name);
      files.push({ path: name, content: header(plan, d) + stableYAML(obj) });
      return;
    }
    const base = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: d.target.name, ...(d.target.namespace ? { namespace: d.target.namespace } : {}) } };
    resources.push(`base/${name}`);
    files.push({ path: `base/${name}`, content: `# The existing ${describeTarget(d.target)} the patch below applies to (its other fields stay as they are)\n${stableYAML(base)}` });
    patches.push({ path: `patches/${name}`, target: { group: d.target.ref.group, version: d.target.ref.version, kind: d.target.ref.kind, name: d.target.name, ...(d.target.namespace ? { namespace: d.target.namespace } : {}) } });
    files.push({ path: `patches/${name}`, content: header(plan, d) + stableYAML(obj) });
  });
  const rollout = desired.flatMap((d) => d.rollout);
  const k = `# Rendered by regctl from plan ${plan.name}. Build with: kubectl kustomize DIR; apply with: kubectl apply --server-side --force-conflicts -k DIR\n${
    rollout.length ? `# ROLLOUT: changes ${[...new Set(rollout)].join(', ')} of the registry config: the operator rolls out new registry pods\n` : ''
  }${stableYAML({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources, ...(patches.length ? { patches } : {}) })}`;
  return [{ path: 'kustomization.yaml', content: k }, ...files];
}

const ROLLOUT_ANNOTATION = 'regctl.openshift.io/rolls-out-registry';

/**
 * Resources served without `watch` (openshift-apiserver's imagestreamtag REST has Get/List/Create/Update/Delete only):
 * config-policy-controller reads a template's object through a watch unless the ConfigurationPolicy sets
 * evaluationInterval, and reports such a kind "unwatchable" instead of evaluating it.
 */
const UNWATCHABLE = new Set(['image.openshift.io/imagestreamtags']);
const POLL_INTERVAL = { compliant: '10m', noncompliant: '30s' };

function removalTemplate(r: Removal): Json {
  const t = r.step.target;
  const head = { apiVersion: apiVersionOf(t.ref), kind: t.ref.kind, metadata: { name: t.name, ...(t.namespace ? { namespace: t.namespace } : {}) } };
  return r.exactly ? { complianceType: 'mustonlyhave', objectDefinition: { ...head, ...structuredClone(r.exactly) } } : { complianceType: 'mustnothave', objectDefinition: head };
}

function acmPolicy(plan: Plan, desired: Desired[], removals: Removal[], o: RenderOptions): Rendering {
  const ns = o.namespace ?? 'default';
  const name = `regctl-${plan.name}`.slice(0, 62 - ns.length).replace(/-+$/, '');
  const action = o.remediation ?? 'inform';
  const rollout = [...new Set(desired.flatMap((d) => d.rollout))];
  const templates: Json[] = [
    ...desired.map((d) => ({ complianceType: 'musthave', objectDefinition: secretValues(d, { hubNamespace: ns }) })),
    ...removals.map(removalTemplate),
  ];
  const policy = {
    apiVersion: 'policy.open-cluster-management.io/v1',
    kind: 'Policy',
    metadata: {
      name,
      namespace: ns,
      annotations: {
        'policy.open-cluster-management.io/categories': 'CM Configuration Management',
        'policy.open-cluster-management.io/controls': 'CM-2 Baseline Configuration',
        'policy.open-cluster-management.io/standards': 'NIST SP 800-53',
        ...(rollout.length ? { [ROLLOUT_ANNOTATION]: rollout.join(',') } : {}),
      },
    },
    spec: {
      disabled: false,
      remediationAction: action,
      'policy-templates': [
        {
          objectDefinition: {
            apiVersion: 'policy.open-cluster-management.io/v1',
            kind: 'ConfigurationPolicy',
            metadata: { name },
            spec: {
              remediationAction: action,
              severity: 'medium',
              ...(removals.some((r) => UNWATCHABLE.has(`${r.step.target.ref.group}/${r.step.target.ref.resource}`)) ? { evaluationInterval: POLL_INTERVAL } : {}),
              'object-templates': templates,
            },
          },
        },
      ],
    },
  };
  const labels = o.placementLabels ?? {};
  const placement = {
    apiVersion: 'cluster.open-cluster-management.io/v1beta1',
    kind: 'Placement',
    metadata: { name, namespace: ns },
    spec: Object.keys(labels).length ? { predicates: [{ requiredClusterSelector: { labelSelector: { matchLabels: labels } } }] } : {},
  };
  const binding = {
    apiVersion: 'policy.open-cluster-management.io/v1',
    kind: 'PlacementBinding',
    metadata: { name, namespace: ns },
    placementRef: { apiGroup: 'cluster.open-cluster-management.io', kind: 'Placement', name },
    subjects: [{ apiGroup: 'policy.open-cluster-management.io', kind: 'Policy', name }],
  };
  const head = `# Rendered by regctl from plan ${plan.name}. Apply on the ACM hub: kubectl apply -f <file>\n`;
  const roll = rollout.length ? `# ROLLOUT: changes ${rollout.join(', ')} of the registry config: the operator rolls out new registry pods on every placed cluster\n` : '';
  const notes: string[] = [];
  for (const d of desired.filter((x) => x.secret)) {
    const keys = [...Object.keys(d.object.data ?? {}), ...Object.keys(d.object.stringData ?? {})].sort();
    notes.push(`the policy reads the values of ${describeTarget(d.target)} from Secret ${ns}/${d.target.name} on the hub: create it there with the keys ${keys.join(', ')} (e.g. oc create secret generic ${d.target.name} -n ${ns} --from-file=KEY=FILE …)`);
  }
  notes.push(`the Placement selects clusters only from ManagedClusterSets bound to namespace ${ns} (a ManagedClusterSetBinding)`);
  return {
    files: [
      { path: 'policy.yaml', content: head + roll + stableYAML(policy) },
      { path: 'placement.yaml', content: head + stableYAML(placement) },
      { path: 'placementbinding.yaml', content: head + stableYAML(binding) },
    ],
    notes,
  };
}

function argocd(plan: Plan, desired: Desired[], o: RenderOptions): RenderedFile[] {
  if (!o.repoUrl || !o.path) throw new UsageError('--render argocd needs --repo-url and --path', 'give the Git repository URL and the path in it where the manifests/ directory will be committed');
  const rollout = [...new Set(desired.flatMap((d) => d.rollout))];
  const app = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: `regctl-${plan.name}`, namespace: o.namespace ?? 'openshift-gitops', ...(rollout.length ? { annotations: { [ROLLOUT_ANNOTATION]: rollout.join(',') } } : {}) },
    spec: {
      project: 'default',
      source: { repoURL: o.repoUrl, path: o.path, targetRevision: 'HEAD' },
      destination: { server: 'https://kubernetes.default.svc' },
      // Singletons are shared with the operator and the installer: apply only regctl's fields, never prune them.
      syncPolicy: { syncOptions: ['ServerSideApply=true', 'Prune=false'] },
    },
  };
  const head = `# Rendered by regctl from plan ${plan.name}. Apply where Argo CD runs: kubectl apply -f application.yaml; commit manifests/ to ${o.repoUrl} at ${o.path}\n`;
  const roll = rollout.length ? `# ROLLOUT: changes ${rollout.join(', ')} of the registry config: the operator rolls out new registry pods\n` : '';
  return [{ path: 'application.yaml', content: head + roll + stableYAML(app) }, ...manifests(plan, desired, o, 'manifests/')];
}

export function renderPlan(plan: Plan, o: RenderOptions): Rendering {
  const { desired, removals } = collect(plan, o.format);
  if (!desired.length && !removals.length) return { files: [], notes: ['nothing to change: nothing was rendered'] };
  const rollout = [...new Set(desired.flatMap((d) => d.rollout))];
  const notes = rollout.length ? [`this change rolls out the registry (${rollout.join(', ')})`] : [];
  const secrets = desired.filter((d) => d.secret);
  if (secrets.length && !o.showSecrets && o.format !== 'acm-policy') {
    notes.push(`secret values are written as ${REDACTED}: fill them in before applying (or --show-secrets with --output-dir)`);
  }
  switch (o.format) {
    case 'manifests':
      return { files: manifests(plan, desired, o), notes };
    case 'kustomize':
      return { files: kustomize(plan, desired, o), notes };
    case 'argocd':
      return { files: argocd(plan, desired, o), notes };
    case 'acm-policy': {
      const r = acmPolicy(plan, desired, removals, o);
      return { files: r.files, notes: [...notes, ...r.notes] };
    }
  }
}

/** Without --output-dir: every file on stdout, each after a `# Source: PATH` line, as one YAML stream. */
export function renderedStream(r: Rendering): string {
  return r.files.map((f) => `---\n# Source: ${f.path}\n${f.content}`).join('');
}
