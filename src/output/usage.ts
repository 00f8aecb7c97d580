// `regctl usage` output: the table (sizes in binary units) and the OpenMetrics exposition.
import type { Column } from './table.js';
import type { UsageReport, UsageUnit } from '../cluster/usage.js';

/** 1536 → "1.5 KiB"; whole bytes below 1 KiB. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

const shortDigest = (d: string) => (d.startsWith('sha256:') ? d.slice(0, 19) : d);

export function usageColumns(r: UsageReport): Column<UsageUnit>[] {
  const first: Column<UsageUnit>[] =
    r.by === 'project'
      ? [{ header: 'PROJECT', value: (u) => u.name }]
      : r.by === 'stream'
        ? [{ header: 'IMAGE STREAM', value: (u) => u.name }]
        : [
            { header: 'IMAGE', value: (u) => shortDigest(u.name) },
            { header: 'IMAGE STREAM', value: (u) => (u.firstStream ? `${u.firstStream}${u.streams! > 1 ? ` (+${u.streams! - 1})` : ''}` : '<none>') },
            { header: 'DIGEST', value: (u) => u.name, wide: true },
          ];
  return [
    ...first,
    ...(r.by === 'image' ? [] : [{ header: 'IMAGES', value: (u: UsageUnit) => u.images }]),
    { header: 'BLOBS', value: (u) => u.blobs, wide: true },
    { header: 'EXCLUSIVE', value: (u) => humanBytes(u.exclusive) },
    { header: 'SHARED', value: (u) => humanBytes(u.shared) },
    { header: 'TOTAL', value: (u) => humanBytes(u.total) },
    { header: 'ATTRIBUTED', value: (u) => humanBytes(u.attributed) },
    { header: 'ATTRIBUTED BYTES', value: (u) => u.attributed, wide: true },
  ];
}

/** An OpenMetrics label value: backslash, double quote and newline escaped. */
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelsOf(r: UsageReport, u: UsageUnit): string {
  const pairs: Array<[string, string]> =
    r.by === 'image' ? [['image', u.name]] : r.by === 'stream' ? (u.project !== undefined ? [['project', u.project], ['imagestream', u.stream ?? '']] : [['project', ''], ['imagestream', u.name]]) : [['project', u.name]];
  return pairs.map(([k, v]) => `${k}="${esc(v)}"`).join(',');
}

/** OpenMetrics text: one family per measure, every family's samples together, `# EOF` last. */
export function usageOpenMetrics(r: UsageReport): string {
  const out: string[] = [];
  const family = (name: string, unit: string | undefined, help: string, samples: string[]) => {
    out.push(`# TYPE ${name} gauge`);
    if (unit) out.push(`# UNIT ${name} ${unit}`);
    out.push(`# HELP ${name} ${help}`);
    out.push(...samples);
  };
  const per = (kind: 'exclusive' | 'shared' | 'total' | 'attributed') => r.units.map((u) => `regctl_registry_usage_bytes{${labelsOf(r, u)},kind="${kind}"} ${u[kind]}`);
  family(
    'regctl_registry_usage_bytes',
    'bytes',
    `Bytes of the blobs (layers and configs) each ${r.by === 'stream' ? 'image stream' : r.by} references: exclusive (no other unit references them), shared, total (distinct), attributed (shared blobs split so that all units add up to the registry's bytes).`,
    [...per('exclusive'), ...per('shared'), ...per('total'), ...per('attributed')],
  );
  if (r.by !== 'image') family('regctl_registry_usage_images', undefined, `Images each ${r.by === 'stream' ? 'image stream' : r.by} holds (its tag history).`, r.units.map((u) => `regctl_registry_usage_images{${labelsOf(r, u)}} ${u.images}`));
  family('regctl_registry_stored_bytes', 'bytes', 'Distinct bytes of every blob of every counted image in the registry.', [`regctl_registry_stored_bytes ${r.registry.bytes}`]);
  family('regctl_registry_blobs', undefined, 'Distinct blobs (layers and configs) of every counted image.', [`regctl_registry_blobs ${r.registry.blobs}`]);
  family('regctl_registry_images', undefined, 'Images counted (managed by the registry, or all with --all).', [`regctl_registry_images ${r.registry.images}`]);
  out.push('# EOF');
  return out.join('\n') + '\n';
}
