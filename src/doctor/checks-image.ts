// --pull-test and --push-test: a tiny generated image pushed to <project>/regctl-doctor:doctor-<random>,
// pulled back with its digests checked, then the ImageStreamTag deleted (and the stream, when the push
// created it). One push serves both tests.
import { randomBytes } from 'node:crypto';
import type { Cluster, Json } from '../cluster/cluster.js';
import { R } from '../cluster/resources.js';
import { isApiError } from '../cluster/api-error.js';
import { deleteImageStreamTag, getImageStream } from '../cluster/imagestreams.js';
import { pullImage, putManifest, uploadBlob } from '../registry/doctor-image.js';
import { RegistryAuthError, RegistryHttpError } from '../registry/errors.js';
import { toRegctlError, RegctlError } from '../errors.js';
import type { CheckImpl } from './engine.js';
import type { DoctorEnv, PushedImage, RegistryAccess } from './env.js';
import { registryApiCheck, grantSubject } from './checks-access.js';
import { fail, ok, skip, warn, type CheckResult, type CheckId, type Outcome } from './model.js';
import { buildTestImage, MEDIA, TEST_STREAM } from './test-image.js';
import { commandIn, sh } from './shell.js';
import { explainDeniedPush } from './push-denied.js';

const MAX_LAYER = 10 * 1024 * 1024;

/** The registry-api check run on behalf of the image tests (it was not selected, or gave no access), once. */
function probeRegistry(env: DoctorEnv, results: ReadonlyMap<CheckId, CheckResult> = new Map()): Promise<Outcome> {
  return (env.registryProbe ??= registryApiCheck.run(env, results));
}

async function registryAccess(env: DoctorEnv): Promise<RegistryAccess> {
  if (!env.registry) {
    const out = await probeRegistry(env);
    if (!env.registry) throw new RegctlError(`the registry API is not usable: ${out.summary}`, { hint: out.fix ? `\`${out.fix}\`` : undefined });
  }
  return env.registry!;
}

/** When the registry API check skips (the registry is not exposed, its host cannot be found), so do the image tests. */
async function registrySkipped(env: DoctorEnv, results: ReadonlyMap<CheckId, CheckResult>): Promise<Outcome | undefined> {
  if (env.registry) return undefined;
  const out = await probeRegistry(env, results).catch(() => undefined);
  return out?.verdict === 'skipped' ? skip(out.summary, out.evidence) : undefined;
}

function requested(env: DoctorEnv, id: CheckId): boolean {
  const flag = id === 'push-test' ? env.opts.pushTest : env.opts.pullTest;
  return (Boolean(flag) || Boolean(env.opts.only?.includes(id))) && !env.opts.skip?.includes(id);
}

async function streamExists(c: Cluster, ns: string): Promise<boolean | undefined> {
  try {
    return Boolean(await getImageStream(c, ns, TEST_STREAM));
  } catch {
    return undefined;
  }
}

async function pushTestImage(env: DoctorEnv): Promise<PushedImage> {
  await env.identity().catch(() => undefined);
  const { client, host } = await registryAccess(env);
  const c = await env.cluster();
  const ns = c.namespace;
  const existed = await streamExists(c, ns);
  const nonce = randomBytes(4).toString('hex');
  const tag = `doctor-${nonce}`;
  const repo = `${ns}/${TEST_STREAM}`;
  const img = buildTestImage(nonce, env.ctx.now());
  const signal = env.ctx.signal;
  const layer = await uploadBlob(client, repo, img.layer, signal);
  const config = await uploadBlob(client, repo, img.config, signal);
  const digest = await putManifest(client, repo, tag, img.manifest.data, MEDIA.manifest, signal);
  const evidence = [
    `layer ${img.layer.digest.slice(0, 19)}… (${img.layer.data.length} B): ${layer}`,
    `config ${img.config.digest.slice(0, 19)}… (${img.config.data.length} B): ${config}`,
    `PUT https://${host}/v2/${repo}/manifests/${tag} → 201, ${digest}`,
  ];
  let done: Promise<{ ok: boolean; message: string; fix?: string }> | undefined;
  const cleanup = () =>
    (done ??= (async () => {
      try {
        await deleteImageStreamTag(c, ns, TEST_STREAM, tag);
      } catch (e) {
        if (!isApiError(e, 404)) {
          return { ok: false, message: `could not delete ImageStreamTag ${ns}/${TEST_STREAM}:${tag}: ${toRegctlError(e).message}`, fix: `regctl delete ${sh(`${repo}:${tag}`)}` };
        }
      }
      let streamGone = false;
      if (existed === false) {
        try {
          const is = await getImageStream(c, ns, TEST_STREAM);
          if (is && !(is.status?.tags ?? []).length && !(is.spec?.tags ?? []).length) {
            await c.delete(R.imageStream, TEST_STREAM, { namespace: ns });
            streamGone = true;
          }
        } catch {
          /* the empty stream stays: harmless */
        }
      }
      return { ok: true, message: `deleted ImageStreamTag ${ns}/${TEST_STREAM}:${tag}${streamGone ? ` and the image stream ${TEST_STREAM} it created` : ''}` };
    })());
  return { repo, tag, digest, evidence, cleanup };
}

/** A blob the manifest names that the registry cannot serve, or a 5xx: the registry's storage is at fault. */
function storageFailure(e: unknown, what: string): Outcome | undefined {
  if (!(e instanceof RegistryHttpError)) return undefined;
  const blob = /\/blobs\/(sha256:[0-9a-f]{12})/.exec(e.url)?.[1];
  if (e.status >= 500 || (blob && (e.status === 404 || e.errorCode === 'BLOB_UNKNOWN'))) {
    return fail(`${what}: the registry cannot serve ${blob ? `blob ${blob}…` : 'the image'} (${e.status}${e.errorCode ? ` ${e.errorCode}` : ''}): its storage lost or cannot read it`, 'regctl logs', [toRegctlError(e).message]);
  }
  return undefined;
}

/**
 * A failed push (or pull). A denied push (403 DENIED on the manifest PUT, 401 on the uploads) is explained the way
 * the real registry decides it: no project, or a new image stream the user may not create (push-denied.ts).
 */
async function pushFailure(env: DoctorEnv, e: unknown, what: string, ns: string, pushing = true): Promise<Outcome> {
  const err = toRegctlError(e);
  const denied = e instanceof RegistryAuthError || (e instanceof RegistryHttpError && e.status === 403 && e.method === 'PUT' && /\/manifests\//.test(e.url));
  const user = env.user?.username ?? 'USER';
  const who = grantSubject(user, ns);
  if (denied && pushing) {
    const status = e instanceof RegistryHttpError ? `${e.status}${e.errorCode ? ` ${e.errorCode}` : ''}` : err.message;
    const client = env.registry?.client;
    const inRegistry = client
      ? async () => {
          const res = await client.get(`/v2/${ns}/${TEST_STREAM}/tags/list`, { accept: 'application/json' });
          return res.ok ? true : res.status === 404 && /NAME_UNKNOWN/.test(res.text()) ? false : undefined;
        }
      : undefined;
    const why = await explainDeniedPush(await env.cluster(), ns, TEST_STREAM, user, who, inRegistry);
    return fail(`${what}: the registry denied it (${status}): ${why.reason}`, why.fix, [err.message, ...why.evidence]);
  }
  if (e instanceof RegistryAuthError) {
    return fail(`${what}: the registry denied it (${err.message})`, `regctl grant pusher ${who} -n ${sh(ns)}`, err.hint ? [`hint: ${err.hint}`] : []);
  }
  return fail(`${what}: ${err.message}`, commandIn(err.hint) ?? 'regctl logs', err.hint ? [`hint: ${err.hint}`] : []);
}

export const pushTestCheck: CheckImpl<DoctorEnv> = {
  id: 'push-test',
  accepts: { rbac: (r: CheckResult) => r.details?.push !== false },
  async run(env, results) {
    const skipped = await registrySkipped(env, results);
    if (skipped) return skipped;
    let p: PushedImage;
    try {
      p = await (env.testImage ??= pushTestImage(env));
    } catch (e) {
      env.testImage = undefined;
      return storageFailure(e, 'the push failed') ?? (await pushFailure(env, e, 'the push failed', (await env.cluster()).namespace));
    }
    const c = await env.cluster();
    const evidence = [...p.evidence];
    let verified: Outcome | undefined;
    try {
      const ist: Json = await c.get(R.imageStreamTag, `${TEST_STREAM}:${p.tag}`, c.namespace);
      const image = ist.image?.metadata?.name ?? ist.tag?.items?.[0]?.image;
      evidence.push(`ImageStreamTag ${c.namespace}/${TEST_STREAM}:${p.tag} → ${image ?? '(no image)'}`);
      if (image && image !== p.digest) verified = fail(`the image stream tag points at ${image}, not the pushed ${p.digest}`, 'regctl logs');
    } catch (e) {
      if (isApiError(e, 404)) verified = fail(`the registry accepted the push, but ImageStreamTag ${TEST_STREAM}:${p.tag} does not exist`, 'regctl logs');
      else if (!isApiError(e, 403)) throw e;
    }
    const cleaned = await p.cleanup();
    evidence.push(cleaned.message);
    if (verified) return { ...verified, evidence };
    if (!cleaned.ok) return warn(`pushed ${p.repo}:${p.tag}, but the test image was left behind`, cleaned.fix, evidence);
    return ok(`pushed ${p.repo}:${p.tag} (${p.digest.slice(0, 19)}…) and removed it`, evidence, { repository: p.repo, tag: p.tag, digest: p.digest });
  },
};

/** --pull-test NAME[:TAG] or PROJECT/NAME[:TAG]. */
export function pullTarget(image: string, ns: string): { repo: string; tag: string } {
  const at = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  const [name, tag] = at > slash ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
  return { repo: name.includes('/') ? name : `${ns}/${name}`, tag };
}

/** The first tag in the project with an image, for users who may pull but not push. */
async function existingImage(c: Cluster, ns: string): Promise<{ repo: string; tag: string } | undefined> {
  const list = await c.list(R.imageStream, { namespace: ns, limit: 100 });
  for (const is of list.items) {
    for (const t of (is.status?.tags ?? []) as Json[]) if (t.items?.[0]?.image) return { repo: `${ns}/${is.metadata.name}`, tag: t.tag };
  }
  return undefined;
}

export const pullTestCheck: CheckImpl<DoctorEnv> = {
  id: 'pull-test',
  accepts: { rbac: (r: CheckResult) => r.details?.pull !== false },
  async run(env, results) {
    const skipped = await registrySkipped(env, results);
    if (skipped) return skipped;
    const c = await env.cluster();
    const ns = c.namespace;
    const rbac = results.get('rbac');
    const pushAllowed =
      rbac?.details?.push !== undefined
        ? rbac.details.push === true
        : (await c.can({ verb: 'update', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace: ns })).allowed;
    let target: { repo: string; tag: string } | undefined = typeof env.opts.pullTest === 'string' ? pullTarget(env.opts.pullTest, ns) : undefined;
    let pushed: PushedImage | undefined;
    const evidence: string[] = [];
    if (target) evidence.push(`pulling ${target.repo}:${target.tag} (--pull-test)`);
    else if (pushAllowed) {
      try {
        pushed = await (env.testImage ??= pushTestImage(env));
        target = { repo: pushed.repo, tag: pushed.tag };
        evidence.push(`pushed the test image ${pushed.repo}:${pushed.tag} to pull it back`);
      } catch (e) {
        env.testImage = undefined;
        return await pushFailure(env, e, 'pushing the test image to pull failed', ns);
      }
    }
    if (!target) {
      try {
        target = await existingImage(c, ns);
      } catch (e) {
        if (!isApiError(e, 403)) throw e;
      }
      if (!target) return warn(`nothing to pull: no image found in ${ns}, and you may not push the test image there`, `regctl doctor --pull-test IMAGE:TAG -n ${sh(ns)}`, evidence);
      evidence.push(`pulling the existing ${target.repo}:${target.tag}`);
    }
    const { client, host } = await registryAccess(env);
    let outcome: Outcome;
    try {
      const r = await pullImage(client, target.repo, target.tag, { maxLayerBytes: MAX_LAYER, signal: env.ctx.signal });
      evidence.push(`GET https://${host}/v2/${target.repo}/manifests/${target.tag} → ${r.digest}`, `${r.fetched.length} blob(s) downloaded and verified (${r.bytes} B)${r.checked.length ? `, ${r.checked.length} large layer(s) checked with HEAD` : ''}`);
      outcome = ok(`pulled ${target.repo}:${target.tag} (${r.digest.slice(0, 19)}…), digests verified`, evidence, { repository: target.repo, tag: target.tag, digest: r.digest });
    } catch (e) {
      const f = storageFailure(e, `pulling ${target.repo}:${target.tag} failed`) ?? (await pushFailure(env, e, `pulling ${target.repo}:${target.tag} failed`, ns, false));
      outcome = { ...f, fix: e instanceof RegistryAuthError ? `regctl grant puller ${grantSubject(env.user?.username ?? 'USER', ns)} -n ${sh(ns)}` : f.fix, evidence: [...evidence, ...(f.evidence ?? [])] };
    }
    if (pushed && !requested(env, 'push-test')) {
      const cleaned = await pushed.cleanup();
      outcome.evidence = [...(outcome.evidence ?? []), cleaned.message];
      if (!cleaned.ok && outcome.verdict === 'ok') return warn(`${outcome.summary}, but the test image was left behind`, cleaned.fix, outcome.evidence);
    }
    return outcome;
  },
};
