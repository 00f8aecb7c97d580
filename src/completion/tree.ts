// What shell completion knows about regctl, read from commander's own Command tree at run time, so a completion
// script always matches the CLI that printed it.
import type { Command, Option } from 'commander';

/** Values a flag's argument completes to: a fixed list, or something looked up when TAB is pressed. */
export type Dynamic = 'contexts' | 'namespaces' | 'files' | 'dirs';

export interface FlagInfo {
  /** `-o`, `--output` (short first). */
  names: string[];
  description: string;
  takesValue: boolean;
  values?: string[];
  dynamic?: Dynamic;
}

export interface CommandInfo {
  name: string;
  summary: string;
}

export interface NodeInfo {
  /** Command path below the program, e.g. '' (regctl), 'set-storage s3'. */
  path: string;
  /** Subcommands shown in help (no hidden ones). */
  subs: CommandInfo[];
  /** Every name (aliases, hidden commands too) → the subcommand's name. */
  names: Record<string, string>;
  /** Flags shown in this command's help, its global flags included. */
  listed: FlagInfo[];
  /** Flags of this command and its parents below the program (hidden too): what it parses beyond the globals. */
  own: FlagInfo[];
  /** Fixed values of each positional argument (from its choices, or an `a|b|c` description); [] for free text. */
  args: string[][];
}

export interface CompletionTree {
  /** The program's own flags: accepted at every level. */
  globals: FlagInfo[];
  nodes: NodeInfo[];
}

export function completionTree(program: Command): CompletionTree {
  const nodes: NodeInfo[] = [];
  const visit = (cmd: Command, path: string[], inherited: FlagInfo[]) => {
    const help = cmd.createHelp();
    const isRoot = path.length === 0;
    const own = isRoot ? [] : [...inherited, ...cmd.options.map((o) => flagInfo(o, false))];
    const listed = [...help.visibleOptions(cmd), ...help.visibleGlobalOptions(cmd)].map((o) => flagInfo(o, isRoot || program.options.includes(o)));
    const visible = help.visibleCommands(cmd);
    const names: Record<string, string> = {};
    for (const c of cmd.commands) for (const n of [c.name(), ...c.aliases()]) names[n] = c.name();
    const args = cmd.registeredArguments.map((a) => (a.argChoices?.length ? [...a.argChoices] : (enumIn(a.description) ?? [])));
    nodes.push({ path: path.join(' '), subs: visible.map((c) => ({ name: c.name(), summary: summaryOf(c) })), names, listed, own, args });
    // commander's implicit `help [command]`: it completes the command names beside it.
    const helpCmd = visible.find((c) => !cmd.commands.includes(c));
    if (helpCmd) {
      names[helpCmd.name()] = helpCmd.name();
      const siblings = visible.filter((c) => c !== helpCmd).map((c) => ({ name: c.name(), summary: summaryOf(c) }));
      nodes.push({ path: [...path, helpCmd.name()].join(' '), subs: siblings, names: {}, listed: listed.filter((f) => !f.names.includes('--version')), own: [], args: [] });
    }
    for (const c of cmd.commands) visit(c, [...path, c.name()], own);
  };
  visit(program, [], []);
  return { globals: program.options.map((o) => flagInfo(o, true)), nodes };
}

function summaryOf(c: Command): string {
  return firstLine(c.summary() || c.description());
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function flagInfo(o: Option, global: boolean): FlagInfo {
  const names = [o.short, o.long].filter((n): n is string => Boolean(n));
  const takesValue = Boolean(o.required || o.optional);
  const info: FlagInfo = { names, description: firstLine(o.description), takesValue };
  if (!takesValue) return info;
  const placeholder = /<([^>]+)>|\[([^\]]+)\]/.exec(o.flags);
  const arg = (placeholder?.[1] ?? placeholder?.[2] ?? '').toLowerCase();
  if (global && o.long === '--context') info.dynamic = 'contexts';
  else if (o.long === '--namespace' || o.long === '--role-namespace') info.dynamic = 'namespaces';
  else if (o.argChoices?.length) info.values = [...o.argChoices];
  else if (arg === 'file') info.dynamic = 'files';
  else if (arg === 'dir') info.dynamic = 'dirs';
  else {
    const values = enumIn(o.description);
    if (values) info.values = values;
  }
  return info;
}

/**
 * The values a description lists as `a|b|c` (e.g. "output format: table|wide|json|yaml", "as json|yaml"): lower-case
 * words only, so placeholders such as `HOST/PATH[:TAG|@DIGEST]` are not taken for values.
 */
export function enumIn(description: string): string[] | undefined {
  const m = /(?:^|[\s:(])([a-z][a-z0-9-]*(?:\|[a-z][a-z0-9-]*)+)(?=$|[\s,;.)])/.exec(description);
  return m ? m[1]!.split('|') : undefined;
}

/** A word in single quotes for bash and zsh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A word in single quotes for fish (where \\ and \' are escapes inside them). */
export function fishQuote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `path|flag` keys of every flag that takes a value below the program, with the flag's info. */
export function valuedKeys(tree: CompletionTree): Array<{ key: string; flag: FlagInfo }> {
  const out: Array<{ key: string; flag: FlagInfo }> = [];
  for (const n of tree.nodes) {
    for (const f of n.own) if (f.takesValue) for (const name of f.names) out.push({ key: `${n.path}|${name}`, flag: f });
  }
  return out;
}

/** The value list of a flag as the sh/fish data functions return it: words, `@contexts`, … or '' (free text). */
export function valueWord(f: FlagInfo): string {
  return f.dynamic ? `@${f.dynamic}` : (f.values ?? []).join(' ');
}

/** `path|index` keys of positional arguments with fixed values, and those values. */
export function argKeys(tree: CompletionTree): Array<{ key: string; values: string[] }> {
  return tree.nodes.flatMap((n) => n.args.flatMap((values, i) => (values.length ? [{ key: `${n.path}|${i}`, values }] : [])));
}
