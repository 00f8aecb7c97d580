// Just enough tar (POSIX ustar, GNU long names, pax path/size) for docker archives, with Node only: an index of
// the entries (name → offset, size) read header by header without reading the contents, and header blocks for
// writing. Entries are then read as file ranges, so nothing is held in memory.
import fs from 'node:fs';
import { RegctlError } from '../../errors.js';

export interface TarEntry {
  name: string;
  offset: number;
  size: number;
  type: string;
}

function octal(b: Buffer, start: number, len: number): number {
  const f = b.subarray(start, start + len);
  if (f[0]! & 0x80) {
    // base-256 (GNU) for sizes past 8 GiB
    let n = 0;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i]!;
    return n;
  }
  const s = f.toString('latin1').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function str(b: Buffer, start: number, len: number): string {
  const f = b.subarray(start, start + len);
  const z = f.indexOf(0);
  return f.subarray(0, z < 0 ? f.length : z).toString('utf8');
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString('latin1'), 10);
    if (!(len > 0)) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

const MAX_META = 1 << 20;

/** Every regular file of the tar at `file`, by normalized name (no leading ./). */
export async function indexTar(file: string): Promise<Map<string, TarEntry>> {
  const fh = await fs.promises.open(file, 'r');
  const out = new Map<string, TarEntry>();
  try {
    const { size: total } = await fh.stat();
    const h = Buffer.alloc(512);
    let pos = 0;
    let longName: string | undefined;
    let pax: Record<string, string> = {};
    while (pos + 512 <= total) {
      await fh.read(h, 0, 512, pos);
      if (h.every((x) => x === 0)) break;
      const sum = octal(h, 148, 8);
      let check = 0;
      for (let i = 0; i < 512; i++) check += i >= 148 && i < 156 ? 32 : h[i]!;
      if (sum !== check) throw new RegctlError(`${file} is not a tar archive (bad header checksum at byte ${pos})`, { hint: 'give the file `podman save` or `docker save` wrote' });
      const type = String.fromCharCode(h[156]!) || '0';
      let size = octal(h, 124, 12);
      const prefix = h.subarray(257, 263).toString('latin1').startsWith('ustar') ? str(h, 345, 155) : '';
      let name = str(h, 0, 100);
      if (prefix) name = `${prefix}/${name}`;
      const dataAt = pos + 512;
      if (type === 'L' || type === 'x' || type === 'g') {
        if (size > MAX_META) throw new RegctlError(`${file}: a tar header record is larger than 1 MiB`);
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataAt);
        if (type === 'L') longName = str(data, 0, size);
        else if (type === 'x') pax = paxRecords(data);
      } else {
        if (longName) name = longName;
        if (pax.path) name = pax.path;
        if (pax.size) size = Number(pax.size);
        longName = undefined;
        pax = {};
        if (type === '0' || type === '\0' || type === '7') out.set(name.replace(/^\.\//, ''), { name, offset: dataAt, size, type });
      }
      pos = dataAt + Math.ceil(size / 512) * 512;
    }
  } finally {
    await fh.close();
  }
  return out;
}

/** A ustar header for a regular file (names over 100 bytes get a pax record first). */
export function tarHeader(name: string, size: number, mtime = 0): Buffer {
  const blocks: Buffer[] = [];
  if (Buffer.byteLength(name) > 100) {
    const rec = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(body) + 1;
      while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
      return `${len}${body}`;
    };
    const data = Buffer.from(rec('path', name));
    blocks.push(header('PaxHeader', data.length, 'x', mtime), data, Buffer.alloc((512 - (data.length % 512)) % 512));
    name = name.slice(0, 100);
  }
  blocks.push(header(name, size, '0', mtime));
  return Buffer.concat(blocks);
}

function header(name: string, size: number, type: string, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write(Math.floor(mtime).toString(8).padStart(11, '0') + '\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

export const padding = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);
