// Which commands run across contexts, and how: reads run everywhere at once; mutating commands need --yes and go
// canary first; the rest make no sense across clusters and are refused with the one-context form as the hint.
import { UsageError } from '../errors.js';
import { FAN_OUT_SELECTORS } from './options.js';

export type FanOutMode = 'read' | 'mutating';

type Opts = Record<string, unknown>;

interface Rule {
  mode: FanOutMode | 'refuse';
  /** For refuse: why it makes no sense across clusters, and what to run instead. */
  why?: string;
  hint?: string;
  /** An option that makes this use of the command refuse (a stream, a file written once). */
  refuseWith?: (o: Opts) => string | undefined;
}

const read: Rule = { mode: 'read' };
const mutating: Rule = { mode: 'mutating' };
const one = (what: string) => `run it on one context: \`regctl --context NAME ${what}\``;

/** By command path ("config set"); a group's entry covers its subcommands without their own. */
const RULES: Record<string, Rule> = {
  access: read,
  catalog: read,
  'config get': read,
  doctor: { ...read, refuseWith: (o) => (o.bundle !== undefined ? '--bundle' : undefined) },
  metrics: { ...read, refuseWith: (o) => (o.watch !== undefined ? '--watch' : o.raw ? '--raw' : undefined) },
  status: { ...read, refuseWith: (o) => (o.watch ? '--watch' : o.bundle !== undefined ? '--bundle' : undefined) },
  tags: read,
  'prune plan': read,
  'pruner show': read,
  'trust-ca list': read,
  usage: read,
  config: mutating,
  copy: mutating,
  delete: mutating,
  expose: mutating,
  grant: mutating,
  'import-image': mutating,
  prune: mutating,
  pruner: mutating,
  'pull-secret': mutating,
  revoke: mutating,
  'set-storage': mutating,
  tag: mutating,
  'trust-ca': mutating,
  completion: { mode: 'refuse', why: 'the completion script is the same for every cluster', hint: 'run `regctl completion SHELL` without --contexts' },
  inspect: { mode: 'refuse', why: 'an image reference names one registry', hint: one('inspect IMAGE') },
  login: { mode: 'refuse', why: "each cluster's registry needs its own login (its own host and token)", hint: one('login') },
  logout: { mode: 'refuse', why: "each cluster's registry has its own login", hint: one('logout') },
  logs: { mode: 'refuse', why: "logs stream one cluster's pods", hint: one('logs') },
  token: { mode: 'refuse', why: "a token belongs to one cluster and must not be mixed with another's", hint: one('token') },
};

/**
 * How `path` (e.g. ['trust-ca', 'add']) runs across contexts, or a usage error. A dry run of a mutating command is a
 * read: it changes nothing, so it needs neither --yes nor a canary.
 */
export function fanOutMode(path: string[], opts: Opts): { mode: FanOutMode; dryRun: boolean } {
  const name = path.join(' ');
  const rule = RULES[name] ?? RULES[path[0] ?? ''];
  if (!rule) {
    throw new UsageError(`regctl ${name} does not run across contexts (${FAN_OUT_SELECTORS})`, one(name));
  }
  if (rule.mode === 'refuse') {
    throw new UsageError(`regctl ${name} does not run across contexts: ${rule.why}`, rule.hint!);
  }
  const flag = rule.refuseWith?.(opts);
  if (flag) throw new UsageError(`regctl ${name} ${flag} does not run across contexts`, `${one(`${name} ${flag}`)}, or drop ${flag}`);
  if (opts.render !== undefined) {
    throw new UsageError('--render does not run across contexts: it writes one set of files', `render once: \`regctl --context NAME ${name} … --render FORMAT\``);
  }
  const dryRun = opts.dryRun !== undefined && opts.dryRun !== false;
  return { mode: rule.mode === 'mutating' && dryRun ? 'read' : rule.mode, dryRun };
}
