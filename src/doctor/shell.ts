/** Quotes a value for a POSIX shell command line when it needs it. */
export function sh(v: string): string {
  return /^[A-Za-z0-9_./:@%+=,~-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** The first `command` in a hint, if it names one. */
export function commandIn(hint: string | undefined): string | undefined {
  return hint ? /`([^`]+)`/.exec(hint)?.[1] : undefined;
}
