// `regctl completion bash|zsh|fish`: the scripts the built CLI prints, exercised in the real shells (all three are
// installed by scripts/ensure-system-packages.sh).
// bash: the completion function is called as bash calls it on TAB (COMP_LINE/COMP_POINT/COMP_WORDS/COMP_CWORD set),
// and COMPREPLY is read back. fish: `complete -C LINE` asks fish for the candidates as TAB would. zsh: `_regctl` runs
// with `words`/`CURRENT` set as the completion system sets them, and zsh's completion builtins (compadd, _describe,
// _files, compset) replaced by ones that print what they were given.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';

const CONTEXTS = ['dev', 'default/api-sandbox-example-com:6443/kube:admin'];

let dir: string;
let kubeconfig: string;
const scripts: Record<string, string> = {};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-completion-'));
  // The scripts run `regctl` (the word typed) for contexts and namespaces: put the built CLI on PATH under that name.
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'regctl'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
  kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c1, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u1, user: {token: not-a-real-token}}]',
      'contexts:',
      ...CONTEXTS.map((c) => `- {name: "${c}", context: {cluster: c1, user: u1}}`),
      'current-context: dev',
      '',
    ].join('\n'),
  );
  for (const sh of ['bash', 'zsh', 'fish']) {
    const r = await runCli(['completion', sh]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    scripts[sh] = path.join(dir, `regctl.${sh}`);
    fs.writeFileSync(scripts[sh]!, r.stdout);
  }
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** COMPREPLY after TAB at the end of `line` (a `regctl …` command line), as bash sets the COMP_* variables. */
function complete(line: string, env: Record<string, string> = {}, withLine = true): Promise<{ words: string[]; stderr: string }> {
  const program = `
source "$SCRIPT"
${withLine ? 'COMP_LINE=$LINE; COMP_POINT=${#LINE}' : 'unset COMP_LINE COMP_POINT'}
read -r -a COMP_WORDS <<< "$LINE"
[[ $LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_regctl
(( \${#COMPREPLY[@]} )) && printf '%s\\n' "\${COMPREPLY[@]}"
exit 0
`;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['--norc', '--noprofile', '-c', program],
      { env: baseEnv({ PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, SCRIPT: scripts.bash!, LINE: line, ...env }), timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve({ words: stdout.split('\n').filter(Boolean), stderr })),
    );
  });
}

async function words(line: string, env: Record<string, string> = {}): Promise<string[]> {
  const r = await complete(line, env);
  expect(r.stderr).toBe('');
  return r.words;
}

describe('regctl completion bash', () => {
  it('completes command names, and lists exactly the commands `regctl --help` lists', async () => {
    expect(await words('regctl sta')).toEqual(['status']);
    const help = await runCli(['--help']);
    const listed = help.stdout
      .split('Commands:\n')[1]!
      .split('\n\n')[0]!
      .split('\n')
      .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
      .filter(Boolean);
    expect(listed).toContain('completion');
    expect(await words('regctl ')).toEqual(listed);
  });

  it('completes subcommands (set-storage types, aliases of trust-ca)', async () => {
    const types = await words('regctl set-storage ');
    expect(types).toEqual(expect.arrayContaining(['pvc', 's3', 'gcs', 'azure', 'swift', 'ibmcos', 'emptydir']));
    expect(types.some((t) => t.startsWith('-'))).toBe(false);
    expect(await words('regctl trust-ca r')).toEqual(['remove']);
    // `ls` is an alias of `trust-ca list`: its flags follow.
    expect(await words('regctl trust-ca ls --o')).toEqual(['--output']);
  });

  it('completes -o values, also as --output=VALUE and after global flags', async () => {
    expect(await words('regctl tags -o ')).toEqual(['table', 'wide', 'json', 'yaml', 'name']);
    expect(await words('regctl -q tags --output ')).toEqual(['table', 'wide', 'json', 'yaml', 'name']);
    expect(await words('regctl tags --output=y')).toEqual(['yaml']);
    expect(await words('regctl status -o j')).toEqual(['json']);
    expect(await words('regctl set-storage pvc --access-mode ')).toEqual(['ReadWriteOnce', 'ReadWriteMany']);
  });

  it('completes flags (the command\'s and the global ones) only after a dash', async () => {
    const flags = await words('regctl status -');
    expect(flags).toEqual(expect.arrayContaining(['-w', '--watch', '-o', '--output', '--context', '--kubeconfig', '-h', '--help']));
    expect(await words('regctl status ')).toEqual([]);
    // A flag's value is not taken for a command: `-n status` is the namespace "status".
    expect(await words('regctl tags -n status --dig')).toEqual(['--digests']);
  });

  it('completes the shells of `regctl completion`', async () => {
    expect(await words('regctl completion ')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes --context from the kubeconfig (--kubeconfig on the line, or KUBECONFIG), with colons as bash needs them', async () => {
    expect(await words(`regctl --kubeconfig ${kubeconfig} status --context `)).toEqual(CONTEXTS);
    expect(await words('regctl status --context d', { KUBECONFIG: kubeconfig })).toEqual(CONTEXTS);
    expect(await words('regctl --context=de', { KUBECONFIG: kubeconfig })).toEqual(CONTEXTS);
    // bash replaces only what follows the last ':' of the word (COMP_WORDBREAKS): the match is cut to that part.
    expect(await words('regctl status --context default/api-sandbox-example-com:6443/k', { KUBECONFIG: kubeconfig })).toEqual(['6443/kube:admin']);
    expect(await words('regctl status --context ', { KUBECONFIG: path.join(dir, 'missing') })).toEqual([]);
  });

  it('completes file names for file flags', async () => {
    expect(await words(`regctl status --kubeconfig ${path.join(dir, 'kube')}`)).toEqual([kubeconfig]);
    expect(await words(`regctl status --bundle=${path.join(dir, 'regctl.b')}`)).toEqual([scripts.bash]);
  });

  it('works from COMP_WORDS alone when COMP_LINE is not set', async () => {
    const r = await complete('regctl tags -o ', {}, false);
    expect(r.words).toEqual(['table', 'wide', 'json', 'yaml', 'name']);
  });
});

/** What a shell offers on TAB at the end of `line`, sorted (fish sorts; zsh's real compadd would too). */
function shellComplete(sh: 'zsh' | 'fish', line: string): Promise<string[]> {
  const words = line.split(' ');
  const zsh = `
compdef() { :; }
source "$SCRIPT"
compadd() { if [[ $1 == -a ]]; then print -rl -- "\${(@P)2}"; else print -rl -- "$@"; fi; }
_describe() { local -a items=("\${(@P)4}"); print -rl -- "\${(@)items%%:*}"; }
_files() { print -r -- '<files>'; }
compset() { :; }
words=(${words.map((w) => `'${w}'`).join(' ')})
CURRENT=${words.length}
_regctl
exit 0
`;
  const fish = `source "$SCRIPT"; complete -C "$LINE"`;
  return new Promise((resolve, reject) => {
    execFile(
      sh,
      sh === 'zsh' ? ['-f', '-c', zsh] : ['--no-config', '-c', fish],
      { env: baseEnv({ PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, SCRIPT: scripts[sh]!, LINE: line, HOME: dir }), timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve(stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort())),
    );
  });
}

describe('regctl completion in zsh and fish (the shells run the scripts)', () => {
  for (const sh of ['zsh', 'fish'] as const) {
    it(`${sh}: commands, subcommands, flag values and flags`, async () => {
      // fish filters by the word typed; zsh's compadd would (the stub prints every candidate given to it).
      const prun = await shellComplete(sh, 'regctl prun');
      if (sh === 'fish') expect(prun).toEqual(['prune', 'pruner']);
      else expect(prun).toEqual(expect.arrayContaining(['prune', 'pruner', 'status', 'tags']));
      expect(await shellComplete(sh, 'regctl pruner ')).toEqual(expect.arrayContaining(['resume', 'set', 'show', 'suspend']));
      expect(await shellComplete(sh, 'regctl tags -o ')).toEqual(['json', 'name', 'table', 'wide', 'yaml']);
      expect(await shellComplete(sh, 'regctl trust-ca add --')).toEqual(expect.arrayContaining(['--ca', '--from-server', '--dry-run', '--render']));
      expect(await shellComplete(sh, 'regctl tags -o ')).not.toContain('--ca');
    });

    it(`${sh}: contexts come from the kubeconfig on the line (regctl itself answers)`, async () => {
      expect(await shellComplete(sh, `regctl status --kubeconfig ${kubeconfig} --context `)).toEqual([...CONTEXTS].sort());
    });
  }
});

describe('regctl completion: other shells and bad input', () => {
  it('the zsh script is valid zsh', () => {
    execFileSync('zsh', ['-n', scripts.zsh!]);
  });

  it('the zsh script parses as sh (balanced quotes and blocks; zsh-only expansions are checked by zsh -n above)', () => {
    execFileSync('bash', ['-n', scripts.zsh!]);
  });

  it('the fish script is valid fish', () => {
    execFileSync('fish', ['-n', scripts.fish!]);
  });

  it('the zsh and fish scripts register for regctl and kubectl-regctl', () => {
    const zsh = fs.readFileSync(scripts.zsh!, 'utf8');
    expect(zsh.split('\n')[0]).toBe('#compdef regctl kubectl-regctl');
    expect(zsh).toContain('compdef _regctl regctl kubectl-regctl');
    const fish = fs.readFileSync(scripts.fish!, 'utf8');
    expect(fish).toContain("complete -c regctl -f -a '(__regctl_complete)'");
    expect(fs.readFileSync(scripts.bash!, 'utf8')).toContain('complete -F _regctl regctl kubectl-regctl');
  });

  it('an unknown shell is a usage error naming the supported ones', async () => {
    const r = await runCli(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('error: unsupported shell "powershell"');
    expect(lines[1]).toMatch(/^hint: .*bash\|zsh\|fish/);
  });

  it('__contexts prints nothing for a kubeconfig that is not there or not YAML', async () => {
    fs.writeFileSync(path.join(dir, 'bad'), '{ not: [yaml');
    for (const kc of [path.join(dir, 'missing'), path.join(dir, 'bad')]) {
      const r = await runCli(['completion', '__contexts', '--kubeconfig', kc]);
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
  });
});

describe('regctl completion: namespaces', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
    sb.store.create('/namespaces', { metadata: { name: 'devproj' } });
    sb.store.create('rbac.authorization.k8s.io/rolebindings', {
      metadata: { name: 'admin', namespace: 'devproj' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'developer' }],
    });
  });
  afterAll(async () => sb?.stop());
  const envFor = (s: Sandbox) => ({ KUBECONFIG: s.kubeconfigPath, HTTPS_PROXY: s.proxyUrl, NO_PROXY: '127.0.0.1,localhost' });

  it('__namespaces lists the projects the context may see', async () => {
    const r = await runCli(['completion', '__namespaces'], { env: envFor(sb) });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const names = r.stdout.trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['default', 'devproj', 'openshift-image-registry']));
    expect(names).toEqual([...names].sort());
    expect(r.all).not.toContain(sb.tokens.admin);
    // --context given on the line is used: the developer sees only their own projects.
    const dev = await runCli(['completion', '__namespaces', '--context', 'developer'], { env: envFor(sb) });
    expect(dev).toMatchObject({ code: 0, stdout: 'devproj\n', stderr: '' });
  });

  it('bash completes -n from the cluster', async () => {
    expect(await words('regctl tags -n openshift-im', envFor(sb))).toEqual(['openshift-image-registry']);
    expect(await words('regctl --context developer tags -n ', envFor(sb))).toEqual(['devproj']);
  });

  it('__namespaces prints nothing and exits 0 when the API server is unreachable or does not answer', async () => {
    const sockets = new Set<net.Socket>();
    // Accepts and never answers.
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      for (const server of ['https://127.0.0.1:1', `https://127.0.0.1:${port}`]) {
        const kc = path.join(dir, `kubeconfig-${server.split(':').pop()}`);
        fs.writeFileSync(kc, fs.readFileSync(kubeconfig, 'utf8').replace('https://127.0.0.1:1', server));
        const r = await runCli(['completion', '__namespaces', '--kubeconfig', kc]);
        expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
        expect(await words(`regctl --kubeconfig ${kc} tags -n `)).toEqual([]);
      }
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
