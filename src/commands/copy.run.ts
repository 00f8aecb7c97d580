import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { spec } from './copy.js';
import { outputFormat, positiveInt } from './common.js';
import { UsageError } from '../errors.js';
import { print } from '../output/printer.js';
import { parsePlatform, humanSize } from '../registry/content.js';
import { parseEndpoint } from '../registry/copy/refs.js';

function parseCreds(v: string, flag: string): { username: string; password: string; flag: string } {
  const i = v.indexOf(':');
  if (i <= 0 || i === v.length - 1) throw new UsageError(`${flag} takes USER:PASSWORD`, 'give the user name, a colon, then the password (which may contain colons)');
  return { username: v.slice(0, i), password: v.slice(i + 1), flag };
}

function regexes(list: string[] | undefined, flag: string): RegExp[] {
  return (list ?? []).map((r) => {
    try {
      return new RegExp(r);
    } catch {
      throw new UsageError(`invalid ${flag} "${r}": not a regular expression`, 'give a JavaScript regular expression, e.g. "^v1\\."');
    }
  });
}

export async function run(ctx: Context, args: string[], o: OptionsOf<typeof spec>): Promise<void> {
  // Everything the flags alone can refuse, before any I/O.
  const format = o.output === undefined ? undefined : outputFormat(o, ['json', 'yaml'], 'json');
  const src = parseEndpoint(args[0] ?? '', 'source');
  const dst = parseEndpoint(args[1] ?? '', 'destination');
  const concurrency = positiveInt(o.concurrency, '--concurrency', 6, 64);
  const platform = o.platform ? parsePlatform(o.platform) : undefined;
  if (o.platform && !platform) throw new UsageError(`invalid --platform "${o.platform}"`, 'give OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8');
  const include = regexes(o.include, '--include');
  const exclude = regexes(o.exclude, '--exclude');
  if ((include.length || exclude.length) && !o.allTags) throw new UsageError('--include/--exclude select tags of --all-tags', 'add --all-tags, or drop the filters');
  if (o.allTags) {
    if (src.kind === 'docker-archive') throw new UsageError('--all-tags needs a registry or an OCI layout as SRC', 'a docker archive holds one image: drop --all-tags');
    if (src.kind === 'registry' && (src.ref.tag || src.ref.digest)) throw new UsageError('with --all-tags SRC names the repository, without a tag or digest', `drop the tag: ${args[0]!.replace(/[:@][^/]*$/, '')}`);
    if (src.kind === 'oci' && src.tag) throw new UsageError('with --all-tags SRC names the layout, without a tag', `use oci:${src.dir}`);
    if ((dst.kind === 'registry' && (dst.ref.tag || dst.ref.digest)) || (dst.kind === 'oci' && dst.tag)) throw new UsageError('with --all-tags DST names the repository, without a tag', 'each tag is copied under its own name');
    if (dst.kind === 'docker-archive') throw new UsageError('--all-tags cannot write a docker archive (one image per file)', 'copy one tag, or use an oci: layout');
  }
  if (dst.kind === 'registry' && dst.ref.digest) throw new UsageError('DST cannot name a digest: the digest is the content\'s', 'give DST with a tag, or without one (the source tag is kept)');
  if (o.srcCredsStdin && o.destCredsStdin) throw new UsageError('only one of --src-creds-stdin and --dest-creds-stdin can read stdin', 'give the other one as a flag');
  if ((o.srcCreds && o.srcCredsStdin) || (o.destCreds && o.destCredsStdin)) throw new UsageError('credentials given twice for one side', 'use --src-creds or --src-creds-stdin, not both');
  if ((o.srcCreds || o.srcCredsStdin) && src.kind !== 'registry') throw new UsageError('--src-creds applies to a registry SRC', 'drop it');
  if ((o.destCreds || o.destCredsStdin) && dst.kind !== 'registry') throw new UsageError('--dest-creds applies to a registry DST', 'drop it');
  let srcCreds = o.srcCreds ? parseCreds(o.srcCreds, '--src-creds') : undefined;
  let destCreds = o.destCreds ? parseCreds(o.destCreds, '--dest-creds') : undefined;
  if (o.srcCredsStdin) srcCreds = parseCreds((await ctx.readStdin('secret')).replace(/\r?\n$/, ''), '--src-creds-stdin');
  if (o.destCredsStdin) destCreds = parseCreds((await ctx.readStdin('secret')).replace(/\r?\n$/, ''), '--dest-creds-stdin');

  const { copyImages } = await import('../registry/copy/command.js');
  const report = await copyImages(ctx, {
    src,
    dst,
    srcFlags: { caFile: o.srcCaFile, certsDir: o.certsDir, authfile: o.authfile, internal: o.internal, creds: srcCreds },
    dstFlags: { caFile: o.destCaFile, certsDir: o.certsDir, authfile: o.authfile, internal: o.internal, creds: destCreds },
    allTags: Boolean(o.allTags),
    include,
    exclude,
    platform,
    concurrency,
    dryRun: Boolean(o.dryRun),
    lines: format === undefined,
  });
  if (o.dryRun) {
    if (format) return print(ctx.io, format, { kind: 'CopyPlan', data: { images: report.plan } });
    const out = report.plan.map((p) =>
      p.upToDate
        ? `${p.destination}: up to date (${p.digest}${p.upToDatePer === 'image-stream' ? ', per the image stream' : ''})\n`
        : `${p.source} → ${p.destination} (${p.digest}${p.platform ? `, ${p.platform}` : ''}): ${p.blobs} blobs, ${humanSize(p.bytes)}${p.manifests > 1 ? `, ${p.manifests} manifests` : ''}\n`,
    );
    ctx.io.stdout.write(out.join(''));
    return;
  }
  if (format) print(ctx.io, format, { kind: 'CopyReport', data: { images: report.images } });
}
