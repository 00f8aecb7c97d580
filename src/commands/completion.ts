import { defineCommand } from './spec.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export const spec = defineCommand({
  name: 'completion',
  summary: 'print a shell completion script (bash, zsh, fish)',
  description: [
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
  arguments: [{ name: 'shell', description: `${SHELLS.join('|')}`, required: true }],
  examples: ['source <(regctl completion bash)', "echo 'source <(regctl completion bash)' >> ~/.bashrc", 'regctl completion fish > ~/.config/fish/completions/regctl.fish'],
});

export const load = async () => (await import('./completion.run.js')).run;
