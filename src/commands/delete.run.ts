import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { ImageReference } from '../registry/reference.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { AuthError, UsageError } from '../errors.js';
import { assertOpenShiftRepository, needsNamespace, parseReference, withNamespace } from '../registry/reference.js';
import { isApiError } from '../cluster/api-error.js';
import { failedPartWay } from '../cluster/partial.js';
import * as is from '../cluster/imagestreams.js';
import { R } from '../cluster/resources.js';
import { acmOnlyRemoval, planMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import { planData, planText } from '../plan/print.js';
import type { Plan, Step } from '../plan/types.js';
import { FORMATS, type spec } from './delete.js';

export interface DeletedTag {
  namespace: string;
  imageStream: string;
  tag: string;
  /** The image (digest) the tag pointed at. */
  image: string | null;
  /** Other tags of the stream that still point at that image. */
  stillReferencedBy: string[];
  /**
   * Other tags whose history (older revisions) holds the image: the stream still references it, so the registry
   * keeps serving it by digest and refuses a manifest DELETE (405 UNSUPPORTED) until that history is gone.
   */
  inHistoryOf: string[];
  result: 'deleted' | 'would delete' | 'not found';
}

const planOf = (steps: Step[], warnings: string[] = []): Plan => ({ name: 'delete', command: 'regctl delete', steps, checks: [], warnings });

/** Why --dry-run=server does not send the deletes (openshift-apiserver pkg/image/apiserver/registry/imagestreamtag/rest.go). */
export const SERVER_DRY_RUN_NOTE =
  "ImageStreamTag deletes are not sent with dryRun=All (openshift-apiserver's ImageStreamTag delete honours dryRun only since the May 2025 z-streams of 4.16+; older clusters would really delete): each was checked with a GET and a permission check instead";

export async function run(ctx: Context, args: string[], o: OptionsOf<typeof spec>): Promise<void> {
  const format = outputFormat(o, FORMATS);
  acmOnlyRemoval(o.render, 'delete');
  const mode = planMode(o, o.output);
  // --render acm-policy: a mustnothave ImageStreamTag per tag the plan deletes; computed like a dry run.
  const dry = mode.dryRun !== 'none' || mode.render !== undefined;
  // Every argument is checked before anything is deleted.
  const parsed = args.map((input) => {
    const ref = parseReference(input, { what: 'image', example: 'team/app:v1' });
    if (!ref.tag && !ref.digest) {
      throw new UsageError(`"${input}" names no tag to delete`, `give the tag, e.g. ${input}:latest (to delete a whole image stream: kubectl delete imagestream NAME -n PROJECT)`);
    }
    assertOpenShiftRepository(needsNamespace(ref) ? withNamespace(ref, 'x') : ref, input);
    return { input, ref };
  });
  const cluster = await ctx.cluster(o.namespace);
  const refs = parsed.map(({ input, ref }) => {
    if (needsNamespace(ref)) return { input, ref: withNamespace(ref, cluster.namespace) };
    if (o.namespace && ref.namespace !== o.namespace) throw new UsageError(`"${input}" names project ${ref.namespace} but -n says ${o.namespace}`, 'give the project in one place only');
    return { input, ref };
  });
  const results: DeletedTag[] = [];
  const streams = new Map<string, Awaited<ReturnType<typeof is.getImageStream>>>();
  const planned: Array<{ input: string; ref: ImageReference; tags: string[]; stream: any }> = [];
  for (const { input, ref } of refs) {
    const key = ref.path;
    if (!streams.has(key)) streams.set(key, await is.getImageStream(cluster, ref.namespace!, ref.name));
    const stream = streams.get(key);
    if (stream && ref.hostExplicit) checkHost(ref, stream, input);
    const all = stream ? is.streamTags(stream) : [];
    const tags = ref.digest ? is.tagsPointingAt(stream ?? {}, ref.digest) : all.some((t) => t.tag === ref.tag) ? [ref.tag!] : [];
    planned.push({ input, ref, tags, stream });
  }

  if (mode.dryRun !== 'none' && planned.some((p) => p.tags.length)) {
    for (const ns of new Set(planned.filter((p) => p.tags.length).map((p) => p.ref.namespace!))) {
      const can = await cluster.can({ verb: 'delete', group: 'image.openshift.io', resource: 'imagestreamtags', namespace: ns });
      if (!can.allowed) {
        throw new AuthError(`you may not delete imagestreamtags in project ${ns}`, { hint: `ask a project admin for registry-editor (or edit): \`regctl grant\`; check with \`kubectl auth can-i delete imagestreamtags.image.openshift.io -n ${ns}\`` });
      }
    }
  }

  const steps: Step[] = [];
  const doomed = new Set(planned.flatMap((p) => p.tags.map((t) => `${p.ref.path}:${t}`)));
  const deleted = new Set<string>();
  for (const p of planned) {
    const { ref } = p;
    if (!p.tags.length) {
      const what = ref.digest ? `no tag of ${ref.path} points at ${ref.digest}` : p.stream ? `${ref.path}:${ref.tag} not found` : `image stream ${ref.path} not found`;
      const history = ref.digest && p.stream ? historyHolding(p.stream, ref.digest, new Set()) : [];
      if (history.length) {
        ctx.log.warn(
          `${what} now, but the history of ${tagList(ref.name, history)} still holds it: nothing deleted, and the registry keeps serving ${ref.path}@${ref.digest} ` +
            `(it refuses to delete a manifest its image stream references). Delete ${history.length > 1 ? 'those tags' : 'that tag'} to drop ${history.length > 1 ? 'their' : 'its'} history, or prune old revisions (oc adm prune images --keep-tag-revisions=N).`,
        );
      } else ctx.log.warn(`${what}: nothing to delete`);
      results.push({ namespace: ref.namespace!, imageStream: ref.name, tag: ref.tag ?? '', image: ref.digest ?? null, stillReferencedBy: [], inHistoryOf: history, result: 'not found' });
      continue;
    }
    const current = is.streamTags(p.stream);
    for (const tag of p.tags) {
      const key = `${ref.path}:${tag}`;
      if (deleted.has(key)) continue;
      deleted.add(key);
      const image = current.find((t) => t.tag === tag)?.image ?? null;
      let result: DeletedTag['result'] = dry ? 'would delete' : 'deleted';
      const step = is.deleteTagStep(ref.namespace!, ref.name, tag, image);
      steps.push(step);
      if (!dry) {
        try {
          await runPlan(ctx, cluster, planOf([step]), mode, { quiet: true });
        } catch (e) {
          if (!isApiError(e, 404)) {
            const gone = results.filter((r) => r.result === 'deleted');
            if (!gone.length) throw e;
            // Some tags are already gone: name them, how to delete the rest, and how to tag them back.
            const rest = [...doomed].filter((k) => !gone.some((r) => k === `${r.namespace}/${r.imageStream}:${r.tag}`));
            throw await failedPartWay(e, {
              step: `deleting ${key}`,
              left: `${gone.map((r) => `${r.namespace}/${r.imageStream}:${r.tag}`).join(', ')} deleted, ${rest.join(', ')} not`,
              finish: `regctl delete ${rest.join(' ')}`,
              undoCommand: gone.map((r) => `oc tag ${r.namespace}/${r.imageStream}@${r.image} ${r.namespace}/${r.imageStream}:${r.tag}`).join(' && '),
            });
          }
          result = 'not found';
        }
      }
      const others = image ? current.filter((t) => t.image === image && !doomed.has(`${ref.path}:${t.tag}`)).map((t) => t.tag) : [];
      const doomedHere = new Set([...doomed].filter((k) => k.startsWith(`${ref.path}:`)).map((k) => k.slice(ref.path.length + 1)));
      const history = image ? historyHolding(p.stream, image, doomedHere).filter((t) => !others.includes(t)) : [];
      results.push({ namespace: ref.namespace!, imageStream: ref.name, tag, image, stillReferencedBy: others, inHistoryOf: history, result });
    }
  }

  if (mode.render) {
    await runPlan(ctx, cluster, { ...planOf(steps), name: is.deleteTagsPlanName(steps), command: `regctl delete ${args.join(' ')}` }, mode);
    return;
  }
  for (const r of results.filter((x) => x.result !== 'not found' && x.image)) {
    if (dry) ctx.log.info(`${r.namespace}/${r.imageStream}:${r.tag} would be deleted; image ${r.image!.slice(0, 19)}… ${stillLine(r)}.`);
  }
  if (dry) {
    if (mode.dryRun === 'client') {
      await runPlan(ctx, cluster, planOf(steps), mode, { format: format === 'table' ? undefined : format });
      return;
    }
    // --dry-run=server: a GET of each ImageStreamTag (it exists and is readable) besides the permission check above.
    for (const s of steps) {
      await cluster.get(R.imageStreamTag, s.target.name, s.target.namespace);
      ctx.log.success(`server dry run: ${s.summary}: checked with a GET and a permission check (not sent with dryRun=All)`);
    }
    const plan = planOf(steps, steps.length ? [SERVER_DRY_RUN_NOTE] : []);
    for (const w of plan.warnings) ctx.log.warn(w);
    if (format === 'table') ctx.io.stdout.write(planText(plan, 'server'));
    else print(ctx.io, format, { data: planData(plan, 'server') });
    return;
  }
  const data = { dryRun: false, items: results };
  print(ctx.io, format, {
    kind: 'DeleteResult',
    data,
    rows: results,
    columns: [
      { header: 'imagestreamtag', value: (r) => `${r.namespace}/${r.imageStream}:${r.tag || '-'}` },
      { header: 'image', value: (r) => r.image ?? '' },
      { header: 'result', value: (r) => (r.result === 'would delete' ? 'would delete (dry run)' : r.result) },
    ],
  });
  for (const r of results.filter((x) => x.result !== 'not found' && x.image)) {
    ctx.log.info(`${r.namespace}/${r.imageStream}:${r.tag} deleted; image ${r.image!.slice(0, 19)}… ${stillLine(r)}.`);
  }
}

function stillLine(r: DeletedTag): string {
  return r.stillReferencedBy.length
    ? `still tagged ${r.stillReferencedBy.map((t) => `${r.imageStream}:${t}`).join(', ')}`
    : r.inHistoryOf.length
      ? `no longer tagged, but still in the history of ${tagList(r.imageStream, r.inHistoryOf)}: the registry keeps serving it by digest until that history is pruned`
      : 'no longer tagged in this stream; its layers go at the next image pruning';
}

/** Tags (not in `skip`) whose status history holds `digest` in an older revision than the current one. */
function historyHolding(stream: any, digest: string, skip: Set<string>): string[] {
  const out: string[] = [];
  for (const t of (stream?.status?.tags ?? []) as any[]) {
    if (!t?.tag || skip.has(t.tag)) continue;
    const items = (t.items ?? []) as any[];
    if (items.slice(1).some((i) => i?.image === digest) && items[0]?.image !== digest) out.push(t.tag);
  }
  return out.sort();
}

function tagList(stream: string, tags: string[]): string {
  return `${tags.length > 1 ? 'tags' : 'tag'} ${tags.map((t) => `${stream}:${t}`).join(', ')}`;
}

/** A full reference must name this cluster's registry: its stream's internal or public repository host. */
function checkHost(ref: ImageReference, stream: any, input: string): void {
  const hosts = new Set(['image-registry.openshift-image-registry.svc:5000']);
  for (const r of [stream?.status?.dockerImageRepository, stream?.status?.publicDockerImageRepository]) if (r) hosts.add(String(r).split('/')[0]!);
  if (!hosts.has(ref.host!)) {
    throw new UsageError(`"${input}" is not in this cluster's registry (${[...hosts].join(', ')})`, `drop the host to delete ${ref.path}:${ref.tag ?? ''} in this cluster`);
  }
}
