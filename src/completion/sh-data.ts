// The data functions the bash and zsh scripts share (POSIX `case`, valid in both shells). Each answers in
// $__regctl_r (words separated by spaces) or by its exit status.
import { argKeys, shQuote, valuedKeys, valueWord, type CompletionTree } from './tree.js';

export function shDataFunctions(tree: CompletionTree): string {
  const canon: string[] = [];
  for (const n of tree.nodes) {
    const byName = new Map<string, string[]>();
    for (const [word, name] of Object.entries(n.names)) byName.set(name, [...(byName.get(name) ?? []), word]);
    for (const [name, words] of byName) canon.push(`    ${words.map((w) => shQuote(`${n.path}|${w}`)).join('|')}) __regctl_r=${shQuote(name)} ;;`);
  }
  const valued = valuedKeys(tree);
  const globalValued = tree.globals.filter((f) => f.takesValue);
  const globalPatterns = (f: { names: string[] }) => f.names.map((n) => `*${shQuote(`|${n}`)}`);
  // Flags of a command before the program's own: a command's flag wins over a global one of the same name.
  const byWord = new Map<string, string[]>();
  for (const { key, flag } of valued) {
    const word = valueWord(flag);
    if (word) byWord.set(word, [...(byWord.get(word) ?? []), shQuote(key)]);
  }
  const values = [...byWord].map(([word, patterns]) => `    ${patterns.join('|')}) __regctl_r=${shQuote(word)} ;;`);
  for (const f of globalValued) if (valueWord(f)) values.push(`    ${globalPatterns(f).join('|')}) __regctl_r=${shQuote(valueWord(f))} ;;`);
  const byPath = new Map<string, string[]>();
  for (const { key } of valued) {
    const path = key.slice(0, key.lastIndexOf('|'));
    byPath.set(path, [...(byPath.get(path) ?? []), shQuote(key)]);
  }
  const valuedCases = [...byPath.values(), globalValued.flatMap(globalPatterns)].filter((p) => p.length).map((p) => `    ${p.join('|')}) return 0 ;;`);
  return `# The command a word names at a command path (aliases and hidden commands too), or ''.
__regctl_canon() {
  case "$1|$2" in
${canon.join('\n')}
    *) __regctl_r= ;;
  esac
}

# Whether flag $2 takes a value at command path $1.
__regctl_valued() {
  case "$1|$2" in
${valuedCases.join('\n')}
  esac
  return 1
}

# The fixed values of positional argument $2 (0, 1, …) at command path $1, or ''.
__regctl_args() {
  case "$1|$2" in
${argKeys(tree).map((a) => `    ${shQuote(a.key)}) __regctl_r=${shQuote(a.values.join(' '))} ;;`).join('\n')}
    *) __regctl_r= ;;
  esac
}

# The values of flag $2 at command path $1: words, @contexts, @namespaces, @files, @dirs, or '' (free text).
__regctl_values() {
  case "$1|$2" in
${values.join('\n')}
    *) __regctl_r= ;;
  esac
}
`;
}
