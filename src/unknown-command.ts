// Commands and subcommands regctl does not have (`regctl pruner sett`): one `error:` line naming the word and the
// group, and a hint with the closest command (typos and prefixes, as commander measures them) or the group's list.
import { Command, CommanderError, Help } from 'commander';
import { EXIT } from './errors.js';

/** A command or subcommand regctl does not have: its error and hint lines, worded by regctl (exit 2). */
export class UnknownCommandError extends CommanderError {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(EXIT.usage, 'commander.unknownCommand', message);
  }
}

/** Edit distance with transpositions (optimal string alignment), as commander's suggestions measure it. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The commands of `group` closest to `word` (by name or alias; a command whose name starts with it), by their names. */
function closestCommands(group: Command, word: string): string[] {
  const w = word.toLowerCase();
  let best = 3;
  let found = new Set<string>();
  for (const c of new Help().visibleCommands(group)) {
    for (const n of [c.name(), ...c.aliases()]) {
      const d = n.startsWith(w) && w.length > 1 ? 1 : editDistance(w, n);
      if (n.length < 2 || (Math.max(w.length, n.length) - d) / Math.max(w.length, n.length) <= 0.4 || d > best) continue;
      if (d < best) {
        best = d;
        found = new Set();
      }
      found.add(c.name());
    }
  }
  return [...found].sort();
}

/** `regctl GROUP WORD` where GROUP has no command WORD: one error line and a hint with the closest one, or the list. */
function unknownCommand(group: Command, word: string): UnknownCommandError {
  const path = ['regctl', ...commandNames(group)].join(' ');
  const near = closestCommands(group, word).map((n) => `\`${path} ${n}\``);
  const top = !group.parent;
  const listed = top ? '`regctl --help` lists the commands' : `\`${path} --help\` lists its commands`;
  const names = new Help().visibleCommands(group).map((c) => c.name()).filter((n) => n !== 'help');
  const hint = near.length
    ? `did you mean ${near.length > 1 ? `${near.slice(0, -1).join(', ')} or ${near.at(-1)}` : near[0]}? (${listed})`
    : top
      ? listed
      : `\`${path}\` has the commands ${names.join(', ')} (\`${path} --help\` for more)`;
  return new UnknownCommandError(`error: unknown command '${word}'${top ? '' : ` for '${path}'`}`, hint);
}

/** The command names from the program down to `c` (without `regctl`). */
function commandNames(c: Command): string[] {
  const names: string[] = [];
  for (let x: Command | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return names;
}

/** A group answers a word that is none of its commands with regctl's unknownCommand, also when it has a default one. */
export function guardSubcommands(c: Command): void {
  // Reached when no command matches and the group has no action and no default command (commander's legacy event).
  c.on('command:*', (operands: string[]) => {
    throw unknownCommand(c, operands[0] ?? '');
  });
  // The default command (`regctl pruner` = `regctl pruner show`) would take the word as its operand; one that takes
  // none would say "too many arguments for 'show'". (Commands named, `help` included, are dispatched as usual.)
  c.hook('preSubcommand', (group, sub) => {
    const word = group.args[0];
    if (word === undefined || word.startsWith('-') || sub.registeredArguments.length) return;
    const named = new Help().visibleCommands(group).some((x) => x.name() === word || x.aliases().includes(word));
    if (!named && word !== 'help') throw unknownCommand(group, word);
  });
}

/**
 * A group's default command without arguments: a word after options (`regctl pruner --tail 5 sett`) reaches it as an
 * operand; it is an unknown command of the group, unless the command was named (`regctl pruner show extra`).
 */
export function takesNoOperand(c: Command): void {
  c.allowExcessArguments();
  c.hook('preAction', (_, action) => {
    if (!action.args.length) return;
    const group = action.parent!;
    const named = group.args[0] === action.name() || action.aliases().includes(group.args[0] ?? '');
    if (!named) throw unknownCommand(group, action.args[0]!);
    // As commander words it when excess arguments are not allowed.
    action.error(`error: too many arguments for '${action.name()}'. Expected 0 arguments but got ${action.args.length}.`, { code: 'commander.excessArguments', exitCode: EXIT.usage });
  });
}
