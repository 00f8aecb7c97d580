import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSize, pruneMode, runHardPrune } from './hard-prune.ts';

describe('the registry hard-prune entry point', () => {
  it('recognises the documented command lines only', () => {
    expect(pruneMode(['/usr/bin/dockerregistry', '-prune=delete'])).toBe('delete');
    expect(pruneMode(['/bin/sh', '-c', '/usr/bin/dockerregistry -prune=check'])).toBe('check');
    expect(pruneMode(['sh', '-c', 'dockerregistry --prune=delete'])).toBe('delete');
    expect(pruneMode(['/usr/bin/dockerregistry', '-prune=now'])).toBeUndefined();
    expect(pruneMode(['/bin/sh', '-c', 'rm -rf /'])).toBeUndefined();
  });

  it('prints sizes as go-units BytesSize (%.4g, binary units, no space)', () => {
    expect(bytesSize(0)).toBe('0B');
    expect(bytesSize(1023)).toBe('1023B');
    expect(bytesSize(1536)).toBe('1.5KiB');
    expect(bytesSize(3 * 1024 * 1024 + 1)).toBe('3MiB');
    expect(bytesSize(12345678)).toBe('11.77MiB');
  });

  it('a registry without repositories: nothing to delete (docker-registry garbage-collect fails to mark; the pruner says 0)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hard-prune-'));
    try {
      fs.mkdirSync(path.join(dir, 'storage'));
      fs.writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${JSON.stringify(path.join(dir, 'storage'))}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:0\n`);
      expect(await runHardPrune(dir, 'delete')).toEqual({ stdout: 'Deleted 0 blobs\nFreed up 0B of disk space\n', stderr: '', exitCode: 0 });
      expect((await runHardPrune(dir, 'check')).stdout).toBe('Would delete 0 blobs\nWould free up 0B of disk space\nUse -prune=delete to actually delete the data\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
