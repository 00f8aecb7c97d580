import type { Context } from '../context.js';
import { buildProgram } from '../cli.js';
import { VERSION } from '../version.js';
import { completionTree } from '../completion/tree.js';
import { UsageError } from '../errors.js';
import * as d from '../completion/dynamic.js';
import { bashScript } from '../completion/bash.js';
import { zshScript } from '../completion/zsh.js';
import { fishScript } from '../completion/fish.js';
import { SHELLS } from './completion.js';

type Shell = (typeof SHELLS)[number];
/** What the scripts run when TAB needs data from outside the CLI; not listed in help. */
const HELPERS = ['__contexts', '__namespaces'] as const;

export async function run(ctx: Context, args: string[]): Promise<void> {
  const shell = args[0] ?? '';
  if ((HELPERS as readonly string[]).includes(shell)) return lookup(ctx, shell as (typeof HELPERS)[number]);
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`unsupported shell "${shell}"`, `use one of ${SHELLS.join('|')}, e.g. \`source <(regctl completion bash)\``);
  }
  const program = buildProgram();
  const tree = completionTree(program);
  const script = scriptFor(shell as Shell);
  ctx.io.stdout.write(script(tree, VERSION));
}

function scriptFor(shell: Shell) {
  return shell === 'bash' ? bashScript : shell === 'zsh' ? zshScript : fishScript;
}

/** Words the scripts complete from: one per line, nothing (and exit 0) on any failure. */
async function lookup(ctx: Context, what: (typeof HELPERS)[number]): Promise<void> {
  try {
    const words = what === '__contexts' ? d.contextNames(ctx) : await d.namespaceNames(ctx);
    if (words.length) ctx.io.stdout.write(`${words.join('\n')}\n`);
  } catch {
    // completion never prints errors
  }
}
