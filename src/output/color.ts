import { Chalk, type ChalkInstance } from 'chalk';

export interface ColorDecisionInput {
  isTTY: boolean;
  noColorFlag: boolean;
  env: Record<string, string | undefined>;
}

/** no-color.org: any non-empty NO_COLOR disables colour; FORCE_COLOR=0 disables, ≥1 forces. */
export function colorLevel({ isTTY, noColorFlag, env }: ColorDecisionInput): 0 | 1 | 2 | 3 {
  if (noColorFlag) return 0;
  if (env.NO_COLOR) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n >= 3 ? 3 : n === 2 ? 2 : 1;
  }
  if (env.CLICOLOR_FORCE && env.CLICOLOR_FORCE !== '0') return 1;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return 1;
}

export function makeChalk(level: 0 | 1 | 2 | 3): ChalkInstance {
  return new Chalk({ level });
}
