// The global flags that run one command across several kubeconfig contexts. Light: src/cli.ts imports this to declare
// them; the runner itself (src/multi/run.ts) is loaded only when one of them is given.
import type { Command } from 'commander';
import { collect } from '../commands/spec.js';
import { UsageError } from '../errors.js';

export interface FanOutGlobals {
  contexts?: string[];
  allContexts?: boolean;
  contextsFrom?: string;
  maxConcurrency?: string;
  yes?: boolean;
  canary?: string;
  continueOnError?: boolean;
}

export const FAN_OUT_SELECTORS = '--contexts, --all-contexts or --contexts-from';

export function addFanOutOptions(program: Command): Command {
  return program
    .option('--contexts <names>', 'run the command on each of these kubeconfig contexts (comma-separated or repeated)', collect)
    .option('--all-contexts', 'run the command on every context of the kubeconfig')
    .option('--contexts-from <file>', 'run the command on the contexts listed in FILE (one a line, # comments)')
    .option('--max-concurrency <n>', 'with --contexts…: at most N contexts at once (default 10)')
    .option('--yes', "with --contexts…: run a mutating command (required, never prompts); also answers the command's own confirmation")
    .option('--canary <n>', 'with --contexts… and a mutating command: change N contexts first, which must succeed (default 1, 0 = none)')
    .option('--continue-on-error', 'with --contexts… and a mutating command: go on after a context fails');
}

/** True when the command is to run across contexts. */
export function fanOutRequested(g: FanOutGlobals): boolean {
  return g.contexts !== undefined || Boolean(g.allContexts) || g.contextsFrom !== undefined;
}

/** --max-concurrency, --canary and --continue-on-error mean nothing without a selector: refuse them before anything runs. */
export function assertNoStrayFanOutFlags(g: FanOutGlobals): void {
  const stray = [g.maxConcurrency !== undefined && '--max-concurrency', g.canary !== undefined && '--canary', g.continueOnError && '--continue-on-error'].filter(Boolean);
  if (stray.length) throw new UsageError(`${stray.join(', ')} only applies with ${FAN_OUT_SELECTORS}`, `name the contexts, e.g. --contexts prod-east,prod-west, or drop ${stray.join(', ')}`);
}

/** A command's path below the program, e.g. ['trust-ca', 'add']. */
export function commandPath(command: Command): string[] {
  const path: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) path.unshift(c.name());
  return path;
}
