// Option specs shared by several commands (spec fragments for src/commands/spec.ts).
import { parseOutput, type OutputFormat } from '../output/printer.js';
import { parseDuration } from '../output/format.js';
import { UsageError } from '../errors.js';

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
