import type { Context } from '../context.js';
import { defineCommand, type OptionsOf } from './spec.js';
import type { ImportedTag, ImportRequest, ReferencePolicy } from '../cluster/imagestreams.js';
import { outputFormat, namespaceOption, outputOption, dryRunOption } from './common.js';
import { print } from '../output/printer.js';
import { AuthError, NotFoundError, RegctlError, UsageError } from '../errors.js';
import * as is from '../cluster/imagestreams.js';
import { assertOpenShiftRepository, formatReference, INTERNAL_REGISTRY_HOST, needsNamespace, parseReference, parseStreamTag, withNamespace } from '../registry/reference.js';

const FORMATS = ['table', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'import-image',
  summary: 'import an image (or every tag of a repository) into an image stream',
  description:
    'Import image metadata into an image stream with an ImageStreamImport, like `oc import-image`: the API server reads the source registry and points the stream\'s tags at the images it found. --reference-policy local makes pods pull through the integrated registry (other projects need no credentials for the source).\n' +
    'STREAM[:TAG]: the target (tag default latest). --from: the source image; without a host it is in the integrated registry (image-registry.openshift-image-registry.svc:5000). Without --from the stream\'s imported tags are re-imported.\n' +
    'Creating the stream, adding a tag or changing where a tag comes from needs --confirm; --dry-run asks the server what it would import and changes nothing.',
  arguments: [{ name: 'stream', description: 'image stream NAME or NAME:TAG', required: true }],
  options: {
    from: { flags: '--from <ref>', description: 'source image: HOST/PATH[:TAG|@DIGEST] (with --all: HOST/PATH)' },
    all: { flags: '--all', description: 'import every tag of the --from repository (the server may cap the number)' },
    referencePolicy: { flags: '--reference-policy <policy>', description: "source (pull from the source registry) or local (pull through the integrated registry); default: the tag's current policy, else source" },
    confirm: { flags: '--confirm', description: "allow creating the stream, adding a tag or changing a tag's source" },
    insecure: { flags: '--insecure', description: 'let the server use HTTP or skip TLS verification for the source registry' },
    namespace: namespaceOption(),
    dryRun: dryRunOption,
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl import-image myis:1.0 --from registry.example.com/myorg/myimage:1.0 --confirm',
    'regctl import-image myis --from registry.example.com/myorg/myimage --all --confirm',
    'regctl import-image myis --from registry.example.com/myorg/myimage --reference-policy local --confirm -n shared',
    "regctl import-image myis:1.0            # re-import from the tag's source",
    'regctl import-image myis --from team/app:v1 --confirm --dry-run',
  ],
});

function parsePolicy(v: string | undefined): ReferencePolicy | undefined {
  if (v === undefined) return undefined;
  const p = v.trim().toLowerCase();
  if (p === 'local') return 'Local';
  if (p === 'source') return 'Source';
  throw new UsageError(`invalid --reference-policy "${v}"`, 'use local or source');
}

export async function run(ctx: Context, args: string[], o: OptionsOf<typeof spec>): Promise<number | void> {
  const format = outputFormat(o, FORMATS);
  const { stream, tag } = parseStreamTag(args[0]!);
  const policy = parsePolicy(o.referencePolicy);
  if (o.all && tag !== undefined) throw new UsageError('--all imports every tag: give the stream without a tag', `regctl import-image ${stream} --all --from …`);
  let from: ReturnType<typeof parseReference> | undefined;
  if (o.from !== undefined) {
    from = parseReference(o.from, { what: '--from', example: 'registry.example.com/myorg/myimage:latest' });
    if (o.all && (from.tag || from.digest)) throw new UsageError('--all imports every tag of a repository: give --from without a tag or digest', `--from ${formatReference({ ...from, tag: undefined, digest: undefined })}`);
  }

  const cluster = await ctx.cluster(o.namespace);
  const ns = cluster.namespace;
  if (from && !from.hostExplicit) {
    if (needsNamespace(from)) from = withNamespace(from, ns);
    assertOpenShiftRepository(from, o.from!, '--from');
    from = { ...from, host: INTERNAL_REGISTRY_HOST };
  }
  const existing = await is.getImageStream(cluster, ns, stream);
  const current = existing ? is.streamTags(existing) : [];
  const target = tag ?? 'latest';
  const req: ImportRequest = { namespace: ns, stream, images: [], insecure: o.insecure, import: !o.dryRun };
  const needConfirm: string[] = [];

  if (from) {
    const source = formatReference(from);
    if (!existing) needConfirm.push(`image stream ${ns}/${stream} does not exist`);
    if (o.all) {
      if (existing) needConfirm.push(`--all may add tags to ${ns}/${stream}`);
      req.repository = { from: source, referencePolicy: policy ?? 'Source' };
    } else {
      const cur = current.find((t) => t.tag === target);
      if (existing && !cur?.from) needConfirm.push(`${ns}/${stream} has no tag ${target} imported from anywhere yet`);
      else if (cur?.from && (cur.from.kind !== 'DockerImage' || cur.from.name !== source)) needConfirm.push(`${ns}/${stream}:${target} imports from ${cur.from.name}, not ${source}`);
      req.images.push({ from: source, tag: target, referencePolicy: policy ?? policyOf(cur?.referencePolicy) ?? 'Source' });
    }
  } else {
    if (!existing) {
      throw new NotFoundError(`image stream ${ns}/${stream} not found`, { hint: `create it and import: \`regctl import-image ${stream}${tag ? `:${tag}` : ''} --from REGISTRY/REPO[:TAG] --confirm -n ${ns}\`` });
    }
    if (o.all) {
      const repo = existing.spec?.dockerImageRepository as string | undefined;
      if (!repo) throw new UsageError(`${ns}/${stream} does not track a repository`, `say which: --all --from REGISTRY/REPO --confirm`);
      req.repository = { from: repo, referencePolicy: policy ?? 'Source' };
    } else {
      const candidates = current.filter((t) => t.from?.kind === 'DockerImage' && (tag === undefined || t.tag === tag));
      if (!candidates.length) {
        throw new UsageError(
          tag ? `${ns}/${stream}:${tag} is not imported from another registry` : `${ns}/${stream} has no tags imported from another registry`,
          `give the source: regctl import-image ${stream}:${target} --from REGISTRY/REPO:TAG --confirm`,
        );
      }
      for (const t of candidates) req.images.push({ from: t.from!.name, tag: t.tag, referencePolicy: policy ?? policyOf(t.referencePolicy) ?? 'Source' });
    }
  }
  if (needConfirm.length && !o.confirm && !o.dryRun) {
    throw new UsageError(`${needConfirm[0]}: importing would ${existing ? 'change where its tags come from' : 'create it'}`, 'add --confirm to go ahead (or --dry-run to see what would be imported)');
  }

  const answer = await ctx.spin(o.dryRun ? 'Asking what would be imported' : `Importing into ${ns}/${stream}`, () => is.createImageStreamImport(cluster, is.buildImageStreamImport(req)));
  const results = is.importResults(answer);
  const skipped = is.additionalTags(answer);
  const policyShown = req.repository?.referencePolicy ?? req.images[0]?.referencePolicy ?? 'Source';
  const data = { namespace: ns, imageStream: stream, dryRun: Boolean(o.dryRun), referencePolicy: policyShown, imported: results, skippedTags: skipped };
  print(ctx.io, format, {
    data,
    rows: results,
    columns: [
      { header: 'tag', value: (r: ImportedTag) => r.tag || '-' },
      { header: 'from', value: (r) => r.from },
      { header: 'digest', value: (r) => r.digest ?? '' },
      { header: 'status', value: (r) => (r.status === 'Success' ? (o.dryRun ? 'would import' : 'imported') : `failed: ${r.reason}: ${firstLine(r.message)}`) },
    ],
  });
  const ok = results.filter((r) => r.status === 'Success');
  const failed = results.filter((r) => r.status !== 'Success');
  if (skipped.length) ctx.log.warn(`the server imported at most ${ok.length + failed.length} tags; not imported: ${skipped.join(', ')}`);
  if (ok.length) {
    ctx.log.info(`${o.dryRun ? 'Would import' : 'Imported'} ${ok.length} ${ok.length === 1 ? 'tag' : 'tags'} into ${ns}/${stream} (reference policy ${policyShown})${o.dryRun ? ' (dry run: nothing changed)' : ''}.`);
  }
  if (!failed.length) return;
  const reasons = new Set(failed.map((f) => f.reason));
  const first = failed[0]!;
  const msg = `${failed.length} of ${results.length} ${results.length === 1 ? 'import' : 'imports'} failed: ${first.from}: ${first.reason}: ${firstLine(first.message)}`;
  if (failed.length === results.length && reasons.size === 1 && reasons.has('Unauthorized')) {
    throw new AuthError(msg, { hint: `the server needs credentials for the source registry: a pull secret in project ${ns} (\`regctl pull-secret\`)` });
  }
  if (failed.length === results.length && reasons.size === 1 && reasons.has('NotFound')) {
    throw new NotFoundError(msg, { hint: 'check the source reference (`regctl tags` / `skopeo list-tags` on it)' });
  }
  throw new RegctlError(msg, { hint: 'see the status column above' });
}

function policyOf(p: string | undefined): ReferencePolicy | undefined {
  return p === 'Local' || p === 'Source' ? p : undefined;
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0]!;
}
