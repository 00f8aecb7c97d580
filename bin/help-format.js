// `regctl --help` on a terminal without commander: the layout of commander 14's Help.formatHelp (default styles,
// which add no colour) applied to the data scripts/build.mjs extracted from the program into dist/help.json.
// The build copies this file to dist/help-format.js and writes help.json only after checking that the copy renders
// exactly what the bundle's commander writes at every width listed in it; bin/regctl.js uses that pair.
// No imports: the launcher loads this on the fast path.

/** Bumped when the shape of help.json changes; a help.json of another format is not used. */
export const FORMAT = 1;

/**
 * The help text for this terminal width, or undefined when the data is unusable (not JSON, another format, a width
 * the build did not check): the caller then has commander render it.
 * @param {string} json contents of dist/help.json
 * @param {number} width as commander gets it: the terminal's columns, 120 when unknown
 * @returns {string | undefined}
 */
export function renderHelp(json, width) {
  let d;
  try {
    d = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isHelpData(d) || !Number.isInteger(width) || width < d.widths[0] || width > d.widths[1]) return undefined;
  return formatHelp(d, width);
}

function isHelpData(d) {
  const str = (s) => typeof s === 'string';
  return (
    d !== null &&
    typeof d === 'object' &&
    d.format === FORMAT &&
    Array.isArray(d.widths) &&
    d.widths.length === 2 &&
    d.widths.every(Number.isInteger) &&
    Number.isInteger(d.termWidth) &&
    [d.usage, d.description, d.before, d.after].every(str) &&
    Array.isArray(d.sections) &&
    d.sections.every(
      (s) => s && str(s.title) && Array.isArray(s.items) && s.items.every((i) => Array.isArray(i) && i.length === 2 && i.every(str)),
    )
  );
}

/**
 * commander's Help.formatHelp + the help text events, for text without escape sequences (display width = length).
 * @param {{usage: string, description: string, termWidth: number, sections: {title: string, items: [string, string][]}[], before: string, after: string}} d
 * @param {number} width
 */
export function formatHelp(d, width) {
  let out = [`Usage: ${d.usage}`, ''];
  if (d.description.length > 0) out.push(boxWrap(d.description, width), '');
  for (const s of d.sections) {
    if (s.items.length) out = out.concat(s.title, s.items.map(([term, desc]) => formatItem(term, d.termWidth, desc, width)), '');
  }
  return d.before + out.join('\n') + d.after;
}

const MIN_WIDTH_TO_WRAP = 40;

/** Help.formatItem: the term padded to termWidth, the description wrapped beside it. */
function formatItem(term, termWidth, description, width) {
  if (!description) return `  ${term}`;
  const remaining = width - termWidth - 2 - 2;
  let desc = description;
  if (remaining >= MIN_WIDTH_TO_WRAP && !/\n[^\S\r\n]/.test(description)) {
    desc = boxWrap(description, remaining).replace(/\n/g, `\n${' '.repeat(termWidth + 2)}`);
  }
  return `  ${term.padEnd(termWidth)}  ${desc.replace(/\n/g, '\n  ')}`;
}

/** Help.boxWrap: wraps at whitespace, keeping existing line breaks; not below MIN_WIDTH_TO_WRAP. */
function boxWrap(str, width) {
  if (width < MIN_WIDTH_TO_WRAP) return str;
  const lines = [];
  for (const line of str.split(/\r\n|\n/)) {
    const chunks = line.match(/[\s]*[^\s]+/g);
    if (chunks === null) {
      lines.push('');
      continue;
    }
    let sum = [chunks.shift()];
    let sumWidth = sum[0].length;
    for (const chunk of chunks) {
      if (sumWidth + chunk.length <= width) {
        sum.push(chunk);
        sumWidth += chunk.length;
        continue;
      }
      lines.push(sum.join(''));
      const next = chunk.trimStart();
      sum = [next];
      sumWidth = next.length;
    }
    lines.push(sum.join(''));
  }
  return lines.join('\n');
}

/**
 * What formatHelp needs of a commander Command, taken with its own Help (the build runs this on the bundle's
 * program; tests on the program built from source). Throws when the text has escape sequences: the formatter
 * counts width as length and writes no colour, which is what commander does only for text without them.
 * @param {import('commander').Command} cmd
 */
export function helpData(cmd) {
  const h = cmd.createHelp();
  h.prepareContext({ helpWidth: 80 });
  const item = (term, desc) => [term, desc];
  const sections = [{ title: 'Arguments:', items: h.visibleArguments(cmd).map((a) => item(h.argumentTerm(a), h.argumentDescription(a))) }];
  h.groupItems(cmd.options, h.visibleOptions(cmd), (o) => o.helpGroupHeading ?? 'Options:').forEach((options, title) =>
    sections.push({ title, items: options.map((o) => item(h.optionTerm(o), h.optionDescription(o))) }),
  );
  if (h.showGlobalOptions) {
    sections.push({ title: 'Global Options:', items: h.visibleGlobalOptions(cmd).map((o) => item(h.optionTerm(o), h.optionDescription(o))) });
  }
  h.groupItems(cmd.commands, h.visibleCommands(cmd), (c) => c.helpGroup() || 'Commands:').forEach((commands, title) =>
    sections.push({ title, items: commands.map((c) => item(h.subcommandTerm(c), h.subcommandDescription(c))) }),
  );
  // Text added with addHelpText: what the help events write around the help (outputHelp's order).
  const chain = [];
  for (let c = cmd; c; c = c.parent) chain.push(c);
  let before = '';
  let after = '';
  const ctx = (add) => ({ error: false, command: cmd, write: (s) => add(String(s)) });
  const toBefore = ctx((s) => (before += s));
  const toAfter = ctx((s) => (after += s));
  for (const c of [...chain].reverse()) c.emit('beforeAllHelp', toBefore);
  cmd.emit('beforeHelp', toBefore);
  cmd.emit('afterHelp', toAfter);
  for (const c of chain) c.emit('afterAllHelp', toAfter);
  const d = { format: FORMAT, usage: h.commandUsage(cmd), description: h.commandDescription(cmd), termWidth: h.padWidth(cmd, h), sections, before, after };
  if (JSON.stringify(d).includes('\\u001b')) throw new Error('the help has escape sequences (colour); the formatter only renders plain text');
  return d;
}
