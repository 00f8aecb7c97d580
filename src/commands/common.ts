// Option specs shared by several commands (spec fragments for src/commands/spec.ts).
import type { OutputFormat } from '../output/printer.js';
import { parseOutput } from '../output/formats.js';
import { parseDuration } from '../output/format.js';
import { UsageError } from '../errors.js';
import { collect } from './spec.js';

/**
 * The one -o spec of every command: the formats it accepts, its default (null: none, the command then prints its own
 * non-structured output without -o) and an optional note for the help. Parse the value with outputFormat().
 */
export function outputOption(formats: readonly OutputFormat[], def: OutputFormat | null = 'table', note?: string) {
  const description = `output format: ${formats.join('|')}${note ? ` (${note})` : ''}`;
  return def === null ? ({ flags: '-o, --output <format>', description } as const) : ({ flags: '-o, --output <format>', description, default: def } as const);
}

export function namespaceOption(what = "the project (namespace); defaults to the kubeconfig context's") {
  return { flags: '-n, --namespace <name>', description: what } as const;
}

export const dryRunOption = { flags: '--dry-run', description: 'print what would change and change nothing' } as const;

/**
 * The options of every command that applies a plan (src/plan): --dry-run[=client|server] (bare = client, as kubectl),
 * -o json|yaml with --dry-run prints the plan as data, --render FORMAT writes what GitOps/ACM consume instead.
 * Parse them with planMode() from src/plan/mode.ts.
 */
export const planOptions = {
  dryRun: { flags: '--dry-run [mode]', valueOnlyAfterEquals: true, description: 'client (the default): print the plan and change nothing; --dry-run=server: also have the API server check each write (dryRun=All)' },
  render: { flags: '--render <format>', description: 'write the change for GitOps/ACM instead of applying it: manifests, kustomize, acm-policy or argocd', choices: ['manifests', 'kustomize', 'acm-policy', 'argocd'] },
  outputDir: { flags: '--output-dir <dir>', description: 'with --render: write the files into this directory (default: stdout)' },
  remediation: { flags: '--remediation <action>', description: 'with --render acm-policy: inform (report, the default) or enforce (make it so)', choices: ['inform', 'enforce'] },
  placementLabel: { flags: '--placement-label <label>', description: 'with --render acm-policy: place the policy on clusters with this label, key=value (repeatable)', parse: (v: string, prev: string[] = []) => [...prev, v] },
  renderNamespace: { flags: '--render-namespace <ns>', description: 'with --render acm-policy|argocd: namespace of the Policy (default: default) or Application (default: openshift-gitops)' },
  repoUrl: { flags: '--repo-url <url>', description: 'with --render argocd: the Git repository the Application syncs from' },
  path: { flags: '--path <path>', description: 'with --render argocd: the path in the repository that holds manifests/' },
  showSecrets: { flags: '--show-secrets', description: 'with --render and --output-dir: write secret values into the files (default: <redacted>)' },
} as const;

/**
 * The plan options of a removal (delete, revoke, trust-ca remove): --render takes acm-policy only, whose
 * mustnothave/mustonlyhave templates can take things away; refused for the other formats (acmOnlyRemoval).
 */
export const removalRenderOptions = {
  render: { ...planOptions.render, description: 'write the removal as an ACM policy instead of applying it: acm-policy (mustnothave/mustonlyhave templates); manifests, kustomize and argocd cannot take things away (exit 2)' },
  outputDir: planOptions.outputDir,
  remediation: planOptions.remediation,
  placementLabel: planOptions.placementLabel,
  renderNamespace: { ...planOptions.renderNamespace, description: 'with --render acm-policy: namespace of the Policy, Placement and PlacementBinding (default: default)' },
} as const;

export function outputFormat(opts: { output?: string }, formats: readonly OutputFormat[], def: OutputFormat = 'table'): OutputFormat {
  return parseOutput(opts.output, formats, def);
}

/** --duration of a service-account token (TokenRequest): at least 10 minutes, default 1h. */
export function tokenDurationSeconds(duration: string | undefined): number {
  const ms = parseDuration(duration ?? '1h');
  if (ms === undefined) throw new UsageError(`invalid --duration "${duration}"`, 'use a duration such as 30m, 1h or 24h');
  if (ms < 600_000) throw new UsageError(`--duration ${duration} is too short`, 'the API server issues tokens for 10m or longer');
  return Math.round(ms / 1000);
}

/** A whole number flag value in [1, max], or a usage error naming the flag. */
export function positiveInt(value: string | undefined, flag: string, def: number, max = 1_000_000): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`invalid ${flag} "${value}"`, `give a whole number between 1 and ${max}`);
  }
  return n;
}

export const INTERNAL_REGISTRY_HOST = 'image-registry.openshift-image-registry.svc:5000';

/** The registry flags of the content commands (src/registry/session.ts RegistryAccessOptions). */
export const registryOptions = {
  registry: { flags: '--registry <host>', description: 'registry host[:port] (default: discovered from the cluster, like `regctl login`)' },
  internal: { flags: '--internal', description: `use the in-cluster host ${INTERNAL_REGISTRY_HOST}` },
  authfile: { flags: '--authfile <file>', description: 'auth file with the credentials (default: as podman, e.g. ${XDG_RUNTIME_DIR}/containers/auth.json; else the kubeconfig token)' },
  caFile: { flags: '--ca-file <file>', description: "CA bundle (PEM) to verify the registry with (default: certs.d, else the cluster's ingress CA)" },
  certsDir: { flags: '--certs-dir <dir>', description: 'certs.d directory to look up the registry CA in (default: as podman)' },
  insecureSkipTlsVerify: { flags: '--insecure-skip-tls-verify', description: 'do not verify the registry certificate (not recommended)' },
} as const;

/** The options of grant and revoke (oc policy flags plus regctl's --group/--cluster-wide). */
export function roleOptions(verb: 'grant' | 'revoke') {
  return {
    namespace: namespaceOption("the project (namespace) of the RoleBinding and of -z service accounts; defaults to the kubeconfig context's"),
    group: { flags: '--group <group>', description: `${verb === 'grant' ? 'grant to' : 'revoke from'} this group (repeatable, comma-separated)`, parse: collect },
    serviceAccount: { flags: '-z, --service-account <name>', description: 'a service account of the project (repeatable, comma-separated)', parse: collect },
    serviceaccount: { flags: '--serviceaccount <name>', description: 'alias of --service-account (oc spelling)', parse: collect, hidden: true },
    clusterWide: { flags: '--cluster-wide', description: `${verb === 'grant' ? 'create a ClusterRoleBinding' : 'revoke from ClusterRoleBindings'} (all projects) instead of a RoleBinding` },
    rolebindingName: { flags: '--rolebinding-name <name>', description: verb === 'grant' ? 'create or extend this binding instead of a new one named ROLE, ROLE-0, …' : 'only revoke from this binding' },
    clusterRole: { flags: '--cluster-role <name>', description: `${verb === 'grant' ? 'bind' : 'unbind'} this ClusterRole instead of an intent (every argument is then a subject)${verb === 'grant' ? '; it must exist' : ''}` },
    roleNamespace: {
      flags: '--role-namespace <ns>',
      description:
        verb === 'grant'
          ? 'ROLE is a namespaced Role of this project (must equal -n): bind it instead of a ClusterRole'
          : 'ROLE is a namespaced Role of this project (must equal -n): only bindings of that Role',
    },
    dryRun: dryRunOption,
    output: outputOption(['json', 'yaml'], null, 'without -o: the oc-style line'),
  } as const;
}

export const roleArguments = [
  { name: 'role', description: 'intent (a Role name with --role-namespace; none with --cluster-role)' },
  { name: 'subjects', description: 'user names', variadic: true },
] as const;

/** The doctor checks, for `regctl doctor --help` (src/doctor/model.ts is pure data). */
export { CHECK_IDS, CHECKS } from '../doctor/model.js';
