// The files a rendering wrote into a directory, by name, as text (re-renders are compared byte for byte).
import fs from 'node:fs';
import path from 'node:path';

export function files(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}
