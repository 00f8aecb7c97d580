// YAML from users: js-yaml shares an anchor's value between its aliases, so a few hundred bytes of nested aliases
// load instantly and then expand to billions of values when validated, patched or printed. Count the values the
// document stands for (an alias counts as often as it is used) and refuse past a bound, before anything else runs.
import yaml from 'js-yaml';
import { UsageError } from '../errors.js';

/** Far above any real setting (a long tolerations list has hundreds of values). */
export const MAX_YAML_VALUES = 100_000;

export function loadUserYaml(text: string, label: string): unknown {
  let v: unknown;
  try {
    v = yaml.load(text);
  } catch (e) {
    // The first line of js-yaml's message is the reason and position; the lines after it quote the input.
    throw new UsageError(`${label}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'fix the file and run again');
  }
  if (expandedSizeExceeds(v, MAX_YAML_VALUES)) {
    throw new UsageError(`${label}: the YAML expands to more than ${MAX_YAML_VALUES} values (anchors and aliases)`, 'write the value out without nested aliases (*name); nothing was changed');
  }
  return v;
}

/** Walks the value as it would be serialised, stopping as soon as more than `limit` values were seen. */
function expandedSizeExceeds(root: unknown, limit: number): boolean {
  let seen = 0;
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (++seen > limit) return true;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push(x);
  }
  return false;
}
