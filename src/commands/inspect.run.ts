import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { ImageDetails, Inspection } from '../registry/content.js';
import type { IO } from '../output/io.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { renderTable } from '../output/table.js';
import { NotFoundError, UsageError } from '../errors.js';
import { assertOpenShiftRepository, formatReference, manifestRef, needsNamespace, parseReference, withNamespace } from '../registry/reference.js';
import { RegistryHttpError } from '../registry/errors.js';
import * as content from '../registry/content.js';
import { FORMATS, type spec } from './inspect.js';

export async function run(ctx: Context, args: string[], o: OptionsOf<typeof spec>): Promise<void> {
  const format = outputFormat(o, FORMATS);
  const input = args[0]!;
  let platform: ReturnType<typeof content.parsePlatform> | undefined;
  if (o.platform !== undefined) {
    platform = content.parsePlatform(o.platform);
    if (!platform) throw new UsageError(`invalid --platform "${o.platform}"`, 'give os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm/v7');
  }
  if (o.raw && o.output !== undefined && o.output !== 'table') throw new UsageError('--raw prints the bytes as served; it cannot be combined with -o', 'drop -o, or drop --raw');
  const ref = await resolveReference(ctx, input, o.namespace);
  const s = await ctx.registry(o, { referenceHost: ref.host });
  const repo = ref.path;
  const reference = manifestRef(ref);
  const full = formatReference({ ...ref, host: s.host });
  try {
    if (o.raw || o.config) {
      let m = await content.fetchManifest(s.client, repo, reference, { signal: ctx.signal });
      if (m.kind === 'index' && (o.config || platform)) {
        const entries = ((m.json.manifests ?? []) as any[]).map((d) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, platform: d.platform }));
        const want = platform ?? { os: 'linux', architecture: 'amd64' };
        const chosen = content.selectPlatform(entries, want);
        if (!chosen) throw noPlatform(full, content.formatPlatform(want), entries.map((e) => content.formatPlatform(e.platform)));
        m = await content.fetchManifest(s.client, repo, chosen.digest, { signal: ctx.signal });
      }
      if (!o.config) {
        ctx.io.stdout.write(m.raw.toString('utf8'));
        return;
      }
      const digest = m.json?.config?.digest as string | undefined;
      if (!digest) throw new NotFoundError(`${full} has no config blob (${m.mediaType})`);
      const blob = await content.fetchSmallBlob(s.client, repo, digest, { signal: ctx.signal });
      if (o.raw) ctx.io.stdout.write(blob.toString('utf8'));
      else print(ctx.io, format === 'yaml' ? 'yaml' : 'json', { data: JSON.parse(blob.toString('utf8')) });
      return;
    }
    const r = await content.inspectImage(s.client, repo, reference, { platform, signal: ctx.signal });
    if (r.kind === 'index' && platform && !r.image) throw noPlatform(full, content.formatPlatform(platform), (r.manifests ?? []).map((m) => m.platform));
    const data = {
      name: `${s.host}/${repo}`,
      registry: s.host,
      repository: repo,
      tag: ref.digest ? null : (ref.tag ?? 'latest'),
      ...r,
    };
    print(ctx.io, format, { data, human: () => human(ctx.io, data, content.humanSize) });
  } catch (e) {
    if (e instanceof RegistryHttpError && e.status === 404) {
      // No such repository (distribution's NAME_UNKNOWN): its tags cannot be listed either; the project's repositories can.
      if (e.errorCode === 'NAME_UNKNOWN') {
        throw new NotFoundError(`repository ${repo} not found in ${s.host} (${e.message})`, {
          hint: `list the repositories: \`regctl catalog ${ref.hostExplicit ? `--registry ${s.host}` : `-n ${repo.split('/')[0]}`}\``,
        });
      }
      throw new NotFoundError(`image ${full} not found (${e.message})`, { hint: `list its tags: \`regctl tags ${ref.hostExplicit ? `${s.host}/` : ''}${repo}\`` });
    }
    throw e;
  }
}

/** Parses IMAGE, fills in the project of `name[:tag]`, and checks the OpenShift <project>/<name> form. */
export async function resolveReference(ctx: Context, input: string, namespace?: string) {
  let ref = parseReference(input, { what: 'image' });
  if (needsNamespace(ref)) ref = withNamespace(ref, (await ctx.cluster(namespace)).namespace);
  else if (namespace && ref.namespace && namespace !== ref.namespace && !ref.hostExplicit) {
    throw new UsageError(`the image names project ${ref.namespace} but -n says ${namespace}`, 'give the project in one place only');
  }
  if (!ref.hostExplicit) assertOpenShiftRepository(ref, input);
  return ref;
}

function noPlatform(image: string, want: string, have: string[]): NotFoundError {
  return new NotFoundError(`${image} has no ${want} image`, { hint: `choose one with --platform: ${have.filter(Boolean).join(', ') || '(the index names no platforms)'}` });
}

type InspectData = Inspection & { name: string; registry: string; repository: string; tag: string | null };

function human(io: IO, d: InspectData, humanSize: (n: number) => string): string {
  const c = io.out;
  const lines: string[] = [];
  const kvAt = (pad: string) => (k: string, v: string) => lines.push(`${pad}${c.bold(`${k}:`.padEnd(16 - pad.length))}${v.replace(/\n/g, `\n${' '.repeat(16)}`)}`);
  const kv = kvAt('');
  kv('Name', d.name);
  if (d.tag) kv('Tag', d.tag);
  kv('Digest', d.digest);
  kv('Media type', d.mediaType);
  kv('Manifest size', humanSize(d.manifestSize));
  if (!d.manifests) {
    imageLines(io, d.image!, kv, lines, humanSize, '');
    return lines.join('\n') + '\n';
  }
  lines.push(c.bold('Manifests:'));
  lines.push(
    indent(
      renderTable(io, d.manifests, [
        { header: 'platform', value: (m) => m.platform || '-' },
        { header: 'digest', value: (m) => m.digest },
        { header: 'size', value: (m) => humanSize(m.size) },
        { header: 'media type', value: (m) => m.mediaType },
      ]),
    ),
  );
  if (!d.image) return lines.join('\n') + '\n';
  lines.push(c.bold(`Image for ${d.platform}:`));
  const sub = kvAt('  ');
  sub('Digest', d.image.digest);
  sub('Media type', d.image.mediaType);
  imageLines(io, d.image, sub, lines, humanSize, '  ');
  return lines.join('\n') + '\n';
}

function imageLines(io: IO, i: ImageDetails, kv: (k: string, v: string) => void, lines: string[], humanSize: (n: number) => string, pad: string): void {
  const c = io.out;
  kv('Created', i.created ?? '-');
  kv('Platform', [i.os, i.architecture, i.variant].filter(Boolean).join('/') || '-');
  kv('Size', `${humanSize(i.size)} (config and ${i.layers.length} ${i.layers.length === 1 ? 'layer' : 'layers'}, compressed)`);
  if (i.author) kv('Author', i.author);
  const labels = Object.entries(i.labels);
  kv('Labels', labels.length ? labels.map(([k, v]) => `${k}=${v}`).join('\n') : '<none>');
  if (i.entrypoint) kv('Entrypoint', JSON.stringify(i.entrypoint));
  if (i.cmd) kv('Cmd', JSON.stringify(i.cmd));
  if (i.user) kv('User', i.user);
  if (i.workingDir) kv('Working dir', i.workingDir);
  if (i.exposedPorts.length) kv('Ports', i.exposedPorts.join(', '));
  if (i.env.length) kv('Env', i.env.join('\n'));
  if (i.config) kv('Config', `${i.config.digest} (${humanSize(i.config.size)})`);
  lines.push(pad + c.bold('Layers:'));
  lines.push(
    indent(
      renderTable(io, i.layers, [
        { header: 'digest', value: (l) => l.digest },
        { header: 'size', value: (l) => humanSize(l.size) },
        { header: 'media type', value: (l) => l.mediaType },
      ]),
      pad + '  ',
    ),
  );
}

function indent(s: string, pad = '  '): string {
  return s
    .trimEnd()
    .split('\n')
    .map((l) => `${pad}${l}`)
    .join('\n');
}
