import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { ImportedTag, ImportRequest, ReferencePolicy, StreamTag, TagImportPolicy } from '../cluster/imagestreams.js';
import type { Json } from '../cluster/cluster.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { AuthError, NotFoundError, RegctlError, UsageError } from '../errors.js';
import { failedPartWay } from '../cluster/partial.js';
import { R } from '../cluster/resources.js';
import * as is from '../cluster/imagestreams.js';
import { assertOpenShiftRepository, formatReference, INTERNAL_REGISTRY_HOST, needsNamespace, parseReference, parseStreamTag, withNamespace } from '../registry/reference.js';
import { planMode } from '../plan/mode.js';
import { runPlan, sendStep } from '../plan/engine.js';
import { planData, planText } from '../plan/print.js';
import type { Plan, Step } from '../plan/types.js';
import { FORMATS, type spec } from './import-image.js';

function parsePolicy(v: string | undefined): ReferencePolicy | undefined {
  if (v === undefined) return undefined;
  const p = v.trim().toLowerCase();
  if (p === 'local') return 'Local';
  if (p === 'source') return 'Source';
  throw new UsageError(`invalid --reference-policy "${v}"`, 'use local or source');
}

export async function run(ctx: Context, args: string[], o: OptionsOf<typeof spec>): Promise<number | void> {
  const format = outputFormat(o, FORMATS);
  const mode = planMode(o, o.output);
  if (mode.render && o.all) {
    throw new UsageError('--render does not take --all: a repository import is a one-shot request, not desired tags', `name the tags: regctl import-image ${args[0]}:TAG --from REGISTRY/REPO:TAG --render ${mode.render.format}`);
  }
  const dry = mode.dryRun !== 'none';
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
  const req: ImportRequest = { namespace: ns, stream, images: [], insecure: o.insecure, import: true };
  const needConfirm: string[] = [];
  // What a re-import keeps of a tag (the server replaces importPolicy with the import's, see buildImageStreamImport).
  const insecureStream = existing?.metadata?.annotations?.['openshift.io/image.insecureRepository'] === 'true';
  const keep = (t: StreamTag | undefined): TagImportPolicy => ({ ...(t?.importPolicy ?? {}), ...(insecureStream ? { insecure: true } : {}) });
  const fromRepository = (repo: string) => current.filter((t) => t.from?.kind === 'DockerImage' && t.from.name.startsWith(`${repo}:`));
  /**
   * A repository import has one import policy: what the tags already imported from it agree on. A tag whose own
   * settings differ is imported again as an image of its own, which the server applies after the repository.
   */
  const repositoryImport = (repo: string): void => {
    const tags = fromRepository(repo);
    const modes = new Set(tags.map((t) => t.importPolicy?.importMode || 'Legacy'));
    const common: TagImportPolicy = {
      ...(insecureStream || tags.some((t) => t.importPolicy?.insecure) ? { insecure: true } : {}),
      ...(tags.length && tags.every((t) => t.importPolicy?.scheduled) ? { scheduled: true } : {}),
      importMode: modes.size === 1 ? [...modes][0]! : 'Legacy',
    };
    req.repository = { from: repo, referencePolicy: policy ?? 'Source', importPolicy: common };
    for (const t of tags) {
      if (Boolean(t.importPolicy?.scheduled) === Boolean(common.scheduled) && (t.importPolicy?.importMode || 'Legacy') === common.importMode) continue;
      req.images.push({ from: t.from!.name, tag: t.tag, referencePolicy: policy ?? policyOf(t.referencePolicy) ?? 'Source', importPolicy: keep(t) });
    }
  };

  if (from) {
    const source = formatReference(from);
    if (!existing) needConfirm.push(`image stream ${ns}/${stream} does not exist`);
    if (o.all) {
      if (existing) needConfirm.push(`--all may add tags to ${ns}/${stream}`);
      repositoryImport(source);
    } else {
      const cur = current.find((t) => t.tag === target);
      if (existing && !cur?.from) needConfirm.push(`${ns}/${stream} has no tag ${target} imported from anywhere yet`);
      else if (cur?.from && (cur.from.kind !== 'DockerImage' || cur.from.name !== source)) needConfirm.push(`${ns}/${stream}:${target} imports from ${cur.from.name}, not ${source}`);
      req.images.push({ from: source, tag: target, referencePolicy: policy ?? policyOf(cur?.referencePolicy) ?? 'Source', importPolicy: keep(cur) });
    }
  } else {
    if (!existing) {
      throw new NotFoundError(`image stream ${ns}/${stream} not found`, { hint: `create it and import: \`regctl import-image ${stream}${tag ? `:${tag}` : ''} --from REGISTRY/REPO[:TAG] --confirm -n ${ns}\`` });
    }
    const repo = existing.spec?.dockerImageRepository as string | undefined;
    if (o.all && repo) {
      repositoryImport(repo);
    } else {
      // --all on a stream that tracks no repository: every tag imported from another registry, as oc does.
      const candidates = current.filter((t) => t.from?.kind === 'DockerImage' && (tag === undefined || t.tag === tag));
      if (!candidates.length) {
        if (o.all) throw new UsageError(`${ns}/${stream} tracks no repository and has no tags imported from another registry`, `say which: regctl import-image ${stream} --all --from REGISTRY/REPO --confirm`);
        throw new UsageError(
          tag ? `${ns}/${stream}:${tag} is not imported from another registry` : `${ns}/${stream} has no tags imported from another registry`,
          `give the source: regctl import-image ${stream}:${target} --from REGISTRY/REPO:TAG --confirm`,
        );
      }
      for (const t of candidates) req.images.push({ from: t.from!.name, tag: t.tag, referencePolicy: policy ?? policyOf(t.referencePolicy) ?? 'Source', importPolicy: keep(t) });
    }
  }
  if (needConfirm.length && !o.confirm && !dry && !mode.render) {
    throw new UsageError(`${needConfirm[0]}: importing would ${existing ? 'change where its tags come from' : 'create it'}`, 'add --confirm to go ahead (or --dry-run to see what would be imported)');
  }

  // An import never changes the reference policy of a tag that has one (openshift-apiserver keeps it): an explicit
  // --reference-policy is applied to the existing tags being imported with a patch of the stream first.
  const importedTags = req.repository ? fromRepository(req.repository.from).map((t) => t.tag) : req.images.map((i) => i.tag);
  const changes = policy ? current.filter((t) => importedTags.includes(t.tag) && (policyOf(t.referencePolicy) ?? 'Source') !== policy).map((t) => ({ tag: t.tag, from: policyOf(t.referencePolicy) ?? 'Source', to: policy })) : [];
  // The plan: the reference-policy patch (if any), then the ImageStreamImport exactly as a real run sends it.
  const steps: Step[] = [];
  if (changes.length && existing) steps.push(is.referencePolicyStep(existing, changes.map((c) => c.tag), policy!));
  const isi = is.buildImageStreamImport(req);
  const what = req.repository ? `every tag of ${req.repository.from}` : req.images.map((i) => `${i.from} → ${i.tag}`).join(', ');
  steps.push(is.importStep(isi, what));
  const plan: Plan = { name: 'import-image', command: `regctl import-image ${args[0]}${o.from ? ` --from ${o.from}` : ''}${o.all ? ' --all' : ''} -n ${ns}`, steps, checks: [], warnings: [] };
  if (mode.render) {
    // The desired state is the stream's spec tags (what openshift-controller-manager's image stream controller
    // imports, imagestream_controller.go handleImageStream), not the one-shot ImageStreamImport.
    const desired: Plan = { ...plan, name: 'import-image', steps: [is.desiredTagsStep(isi)], warnings: [] };
    await runPlan(ctx, cluster, desired, mode, {});
    return;
  }
  if (mode.dryRun === 'client') {
    await runPlan(ctx, cluster, plan, mode, { format: format === 'table' ? undefined : format });
    return;
  }
  if (mode.dryRun === 'server') {
    for (const s of steps.slice(0, -1)) {
      await sendStep(ctx, cluster, s, true, true);
      ctx.log.success(`server dry run: ${s.summary}`);
    }
    // openshift-apiserver imagestreamimport/rest.go Create ignores dryRun (it would really import): the server's own
    // preview is the same import with spec.import false, which stores nothing.
    ctx.log.info(`server dry run: ${steps[steps.length - 1]!.summary}: checked with the server's preview (spec.import: false), not dryRun=All, which an ImageStreamImport ignores`);
  }
  let answer: Json;
  if (dry) {
    answer = await ctx.spin('Asking what would be imported', () => is.createImageStreamImport(cluster, is.buildImageStreamImport({ ...req, import: false })));
  } else {
    // The plan through the one engine: the patch, then the import (its answer carries the import's status). Never
    // `precheck`: an ImageStreamImport ignores dryRun=All and would really import. When the import fails after the
    // patch, the engine names the patched stream as left behind, with these commands.
    const finish = `regctl import-image ${args[0]}${o.from ? ` --from ${o.from}` : ''}${o.all ? ' --all' : ''}${policy ? ` --reference-policy ${policy.toLowerCase()}` : ''}${o.insecure ? ' --insecure' : ''}${needConfirm.length ? ' --confirm' : ''} -n ${ns}`;
    const undo = changes.length && existing ? is.referencePolicyUndoCommand(existing, changes) : undefined;
    const spin = (s: Step) => (s.action === 'create' ? `Importing into ${ns}/${stream}` : `Setting the reference policy of ${changes.length === 1 ? 'a tag' : `${changes.length} tags`} to ${policy}`);
    const applied = await runPlan(ctx, cluster, { ...plan, finish, ...(undo ? { undo } : {}) }, mode, { spin });
    answer = applied.results[applied.results.length - 1]!;
  }
  const importedStream = answer.status?.import as Json | undefined;
  // The policy each tag has after the import: the stream the server answers, else (dry run) what it would keep.
  const policyAfter = (t: string): ReferencePolicy => {
    const fromAnswer = policyOf(((importedStream?.spec?.tags ?? []) as Json[]).find((x) => x?.name === t)?.referencePolicy?.type);
    if (fromAnswer) return fromAnswer;
    const cur = current.find((x) => x.tag === t);
    return policy ?? (cur ? policyOf(cur.referencePolicy) ?? 'Source' : req.images.find((i) => i.tag === t)?.referencePolicy ?? req.repository?.referencePolicy ?? 'Source');
  };
  let results = is.importResults(answer);
  if (req.repository && req.images.length) {
    // Tags imported again with their own settings: one row each, in the repository's order.
    const own = new Map(results.slice(0, req.images.length).map((r) => [r.tag, r]));
    const repoRows = results.slice(req.images.length).map((r) => own.get(r.tag) ?? r);
    results = [...repoRows, ...[...own.values()].filter((r) => !repoRows.includes(r))];
  }
  results = results.map((r) => (r.tag ? { ...r, referencePolicy: policyAfter(r.tag) } : r));
  const skipped = is.additionalTags(answer);
  const policies = [...new Set(results.filter((r) => r.status === 'Success').map((r) => r.referencePolicy!))];
  const policyShown = policies.length > 1 ? 'Mixed' : policies[0] ?? req.repository?.referencePolicy ?? req.images[0]?.referencePolicy ?? 'Source';
  const data = { namespace: ns, imageStream: stream, dryRun: dry, referencePolicy: policyShown, imported: results, referencePolicyChanges: changes, skippedTags: skipped };
  // --dry-run=server: the plan, then the server's preview (as data: the Plan with `preview`, kind ImageImportResult).
  if (dry && format !== 'table') {
    const p = planData(plan, 'server');
    print(ctx.io, format, { data: { ...p, preview: { apiVersion: p.apiVersion, kind: 'ImageImportResult', ...data } } });
  } else {
    if (dry) ctx.io.stdout.write(planText(plan, 'server') + '---\n# the server would import:\n');
    print(ctx.io, format, {
      kind: 'ImageImportResult',
      data,
      rows: results,
      columns: [
        { header: 'tag', value: (r: ImportedTag) => r.tag || '-' },
        { header: 'from', value: (r) => r.from },
        { header: 'digest', value: (r) => r.digest ?? '' },
        { header: 'status', value: (r) => (r.status === 'Success' ? (dry ? 'would import' : 'imported') : `failed: ${r.reason}: ${firstLine(r.message)}`) },
      ],
    });
  }
  for (const c of changes) ctx.log.info(`${dry ? 'Would change' : 'Changed'} the reference policy of ${ns}/${stream}:${c.tag} from ${c.from} to ${c.to}.`);
  const ok = results.filter((r) => r.status === 'Success');
  const failed = results.filter((r) => r.status !== 'Success');
  if (skipped.length) ctx.log.warn(`the server imported at most ${ok.length + failed.length} tags; not imported: ${skipped.join(', ')}`);
  if (ok.length) {
    const byPolicy = policies.length > 1 ? policies.map((p) => `${p} for ${ok.filter((r) => r.referencePolicy === p).map((r) => r.tag).join(', ')}`).join('; ') : policyShown;
    ctx.log.info(`${dry ? 'Would import' : 'Imported'} ${ok.length} ${ok.length === 1 ? 'tag' : 'tags'} into ${ns}/${stream} (reference policy ${byPolicy})${dry ? ' (dry run: nothing changed)' : ''}.`);
  }
  if (!failed.length) return;
  const reasons = new Set(failed.map((f) => f.reason));
  const first = failed[0]!;
  const msg = `${failed.length} of ${results.length} ${results.length === 1 ? 'import' : 'imports'} failed: ${first.from}: ${first.reason}: ${firstLine(first.message)}`;
  let err: RegctlError;
  if (failed.length === results.length && reasons.size === 1 && reasons.has('Unauthorized')) {
    err = new AuthError(msg, { hint: `the server needs credentials for the source registry: a pull secret in project ${ns} (\`regctl pull-secret\`)` });
  } else if (failed.length === results.length && reasons.size === 1 && reasons.has('NotFound')) {
    err = new NotFoundError(msg, { hint: 'check the source reference (`regctl tags` / `skopeo list-tags` on it)' });
  } else err = new RegctlError(msg, { hint: 'see the status column above' });
  // openshift-apiserver creates the stream even when no tag could be imported: take back what this run created.
  if (!existing && !ok.length && !dry && importedStream) {
    throw await failedPartWay(err, {
      step: `importing into ${ns}/${stream}`,
      left: `image stream ${ns}/${stream} (created by the import, with no image)`,
      finish: `regctl import-image ${args[0]} --from ${o.from ?? '…'} --confirm -n ${ns}`,
      undoCommand: `oc delete imagestream ${stream} -n ${ns}`,
      undo: () => cluster.delete(R.imageStream, stream, { namespace: ns }),
    });
  }
  throw err;
}

function policyOf(p: string | undefined): ReferencePolicy | undefined {
  return p === 'Local' || p === 'Source' ? p : undefined;
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0]!;
}
