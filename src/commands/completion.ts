import type { Command } from 'commander';
import type { Context } from '../context.js';
import { examples, type Runtime } from './common.js';
import { UsageError } from '../errors.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];
/** What the scripts run when TAB needs data from outside the CLI; not listed in help. */
const HELPERS = ['__contexts', '__namespaces'] as const;

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('completion')
    .argument('<shell>', `${SHELLS.join('|')}`)
    .summary('print a shell completion script (bash, zsh, fish)')
    .description(
      [
        'Print a completion script for SHELL on stdout: commands, subcommands, flags, the values of -o and other flags with a fixed set, --context from the kubeconfig and -n from the cluster (projects you may list, looked up when you press TAB, at most 1.5 s; nothing when the cluster is unreachable).',
        'Load it in the current shell:',
        '  bash  source <(regctl completion bash)',
        '  zsh   source <(regctl completion zsh)      (after compinit)',
        '  fish  regctl completion fish | source',
        'Load it in every new shell:',
        '  bash  regctl completion bash > ~/.local/share/bash-completion/completions/regctl',
        '  zsh   regctl completion zsh > "${fpath[1]}/_regctl"',
        '  fish  regctl completion fish > ~/.config/fish/completions/regctl.fish',
      ].join('\n'),
    );
  examples(cmd, ['source <(regctl completion bash)', "echo 'source <(regctl completion bash)' >> ~/.bashrc", 'regctl completion fish > ~/.config/fish/completions/regctl.fish']);
  cmd.action(rt.action(run));
}

async function run(ctx: Context, args: string[]): Promise<void> {
  const shell = args[0] ?? '';
  if ((HELPERS as readonly string[]).includes(shell)) return lookup(ctx, shell as (typeof HELPERS)[number]);
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`unsupported shell "${shell}"`, `use one of ${SHELLS.join('|')}, e.g. \`source <(regctl completion bash)\``);
  }
  // A run registers only the command it runs (src/cli.ts): the script needs them all, on a program of their own.
  const [{ buildProgram }, { commands }, { completionTree }, { VERSION }] = await Promise.all([
    import('../cli.js'),
    import('./index.js'),
    import('../completion/tree.js'),
    import('../context.js'),
  ]);
  const program = buildProgram();
  const noop: Runtime = { action: () => async () => {} };
  for (const c of commands) c.register(program, noop);
  const tree = completionTree(program);
  const script = await scriptFor(shell as Shell);
  ctx.io.stdout.write(script(tree, VERSION));
}

async function scriptFor(shell: Shell) {
  if (shell === 'bash') return (await import('../completion/bash.js')).bashScript;
  if (shell === 'zsh') return (await import('../completion/zsh.js')).zshScript;
  return (await import('../completion/fish.js')).fishScript;
}

/** Words the scripts complete from: one per line, nothing (and exit 0) on any failure. */
async function lookup(ctx: Context, what: (typeof HELPERS)[number]): Promise<void> {
  try {
    const d = await import('../completion/dynamic.js');
    const words = what === '__contexts' ? d.contextNames(ctx) : await d.namespaceNames(ctx);
    if (words.length) ctx.io.stdout.write(`${words.join('\n')}\n`);
  } catch {
    // completion never prints errors
  }
}
