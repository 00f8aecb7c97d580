import type { IO } from './output/io.js';
import type { Logger } from './output/logger.js';
import type { Cluster } from './cluster/cluster.js';
import type { OpenHow, RegistrySession } from './registry/session.js';
import type { RegistryAccessOptions } from './registry/access.js';
import { parseDuration } from './output/format.js';
import { UsageError, RegctlError } from './errors.js';
import { withSpinner, type Spinner } from './output/spinner.js';
import { readStreamCapped, type InputKind } from './input/read.js';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  requestTimeout?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  token?: string;
}

import { USER_AGENT } from './version.js';
export { VERSION, USER_AGENT } from './version.js';

/** What a command gets: streams, logger, environment and lazily created clients. */
export interface Context {
  io: IO;
  log: Logger;
  env: Record<string, string | undefined>;
  globals: GlobalOptions;
  signal: AbortSignal;
  now(): Date;
  /** The cluster client for the current kubeconfig context; loads @kubernetes/client-node on first use. */
  cluster(namespace?: string): Promise<Cluster>;
  /**
   * A registry client with host, trust and credentials chosen from the registry flags (src/registry/session.ts);
   * loads undici on first use. `how`: the host an image reference names, a host or credentials the command
   * already has, whether to check them (GET /v2/).
   */
  registry(options: RegistryAccessOptions, how?: OpenHow): Promise<RegistrySession>;
  /** Trace sink for -v / REGCTL_DEBUG=api (method, URL, status, time; never headers). */
  trace?: (line: string) => void;
  requestTimeoutMs: number;
  /** Reads stdin to its end, at most the cap of that kind of input (src/input/read.ts). */
  readStdin(kind: InputKind): Promise<string>;
  spin<T>(text: string, fn: (s: Spinner) => Promise<T>): Promise<T>;
  /** Asks y/N on a TTY; returns false when not interactive. */
  confirm(question: string): Promise<boolean>;
  interactive: boolean;
}

export interface ContextDeps {
  io: IO;
  log: Logger;
  env: Record<string, string | undefined>;
  globals: GlobalOptions;
  signal: AbortSignal;
}

export function createContext(d: ContextDeps): Context {
  const verboseApi = Boolean(d.globals.verbose) || (d.env.REGCTL_DEBUG ?? '').split(',').includes('api');
  const trace = verboseApi ? (line: string) => d.io.stderr.write(d.io.err.dim(`[api] ${line}`) + '\n') : undefined;
  let requestTimeoutMs = 30_000;
  if (d.globals.requestTimeout !== undefined && d.globals.requestTimeout !== '0') {
    const ms = parseDuration(d.globals.requestTimeout);
    if (ms === undefined) throw new UsageError(`invalid --request-timeout "${d.globals.requestTimeout}"`, 'use a duration such as 30s, 1m or 500ms');
    requestTimeoutMs = ms;
  } else if (d.globals.requestTimeout === '0') {
    requestTimeoutMs = 0;
  }
  const clusters = new Map<string, Promise<Cluster>>();
  const interactive = d.io.stdinTTY && d.io.stderrTTY && !d.env.CI;
  const ctx: Context = {
    ...d,
    trace,
    requestTimeoutMs,
    interactive,
    now: () => new Date(),
    cluster(namespace?: string) {
      if (namespace !== undefined) assertNamespaceName(namespace);
      const key = namespace ?? '';
      let c = clusters.get(key);
      if (!c) {
        c = import('./cluster/cluster.js').then((m) =>
          m.connect({
            kubeconfig: d.globals.kubeconfig,
            context: d.globals.context,
            namespace,
            token: d.globals.token,
            env: d.env,
            timeoutMs: requestTimeoutMs,
            trace,
            userAgent: USER_AGENT,
          }),
        );
        clusters.set(key, c);
      }
      return c;
    },
    registry(options, how) {
      return import('./registry/session.js').then((m) => m.openRegistry(ctx, options, how));
    },
    async readStdin(kind: InputKind) {
      if (d.io.stdinTTY) throw new UsageError('expected input on stdin, but stdin is a terminal', 'pipe the value in, e.g. `printf %s "$SECRET" | regctl …`');
      return (await readStreamCapped(d.io.stdin, kind, 'stdin', d.signal)).toString('utf8');
    },
    spin: (text, fn) => withSpinner(d.io, text, { quiet: Boolean(d.globals.quiet), env: d.env }, fn),
    async confirm(question: string) {
      if (!interactive) return false;
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: d.io.stdin, output: d.io.stderr as NodeJS.WritableStream });
      try {
        const a = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(a.trim());
      } finally {
        rl.close();
      }
    },
  };
  return ctx;
}

/** -n NAME: a namespace name is a DNS-1123 label (kube's ValidateNamespaceName); refuse others before any request. */
function assertNamespaceName(ns: string): void {
  if (ns.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) return;
  const shown = ns.length > 70 ? `${ns.slice(0, 60)}…` : ns;
  throw new UsageError(`invalid namespace "${shown}": ${ns.length > 63 ? `${ns.length} characters, at most 63` : 'not a DNS label'}`, 'a project name is at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit');
}

/** For commands that need a confirmation: --yes, or an interactive prompt, or a refusal naming --yes. */
export async function requireConfirmation(ctx: Context, yes: boolean | undefined, question: string, refusal: string): Promise<void> {
  if (yes) return;
  if (ctx.interactive && (await ctx.confirm(question))) return;
  throw new RegctlError(refusal, { hint: ctx.interactive ? 'answer y, or pass --yes' : 'pass --yes (required when not running interactively)', exitCode: 2 });
}
