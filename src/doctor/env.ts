// What the checks share: the cluster connection, the options, and each cluster object read once (memoised,
// so --only storage still reads the config it needs, and nothing is read twice).
import type { Context } from '../context.js';
import type { Cluster, Json } from '../cluster/cluster.js';
import type { RouteInfo } from '../cluster/routes.js';
import type { RegistryClient } from '../registry/client.js';
import type { CredentialSource } from '../registry/access.js';
import * as reads from '../cluster/doctor-reads.js';
import { registryRoutes } from '../cluster/routes.js';
import { NAMES, R } from '../cluster/resources.js';
import type { CheckId } from './model.js';

export interface DoctorOptions {
  namespace?: string;
  /** host[:port] of the registry; default: discovered like `regctl login`. */
  registry?: string;
  /** Check the in-cluster path (the service host) instead of the route; not with registry. */
  internal?: boolean;
  authfile?: string;
  certsDir?: string;
  only?: CheckId[];
  skip?: CheckId[];
  pushTest?: boolean;
  /** true, or the image to pull (NAME[:TAG] in the project, or PROJECT/NAME[:TAG]). */
  pullTest?: boolean | string;
}

export interface Identity {
  username: string;
  groups: string[];
}

export interface RegistryAccess {
  host: string;
  client: RegistryClient;
  credentials: Extract<CredentialSource, 'auth.json' | 'kubeconfig' | 'token' | 'none'>;
}

export interface PushedImage {
  repo: string;
  tag: string;
  digest: string;
  evidence: string[];
  /** Deletes the ImageStreamTag (and the stream when this push created it); resolves to what happened. Idempotent. */
  cleanup(): Promise<{ ok: boolean; message: string; fix?: string }>;
}

function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

export class DoctorEnv {
  user?: Identity;
  /** Admitted routes found by the route check. */
  routes?: RouteInfo[];
  /** The host the tls check looked at, and the CA (cluster side) that verifies it. */
  host?: string;
  clusterCaPem?: string;
  machineTrusted?: boolean;
  registry?: RegistryAccess;
  /** The test image pushed by pull-test/push-test (one push serves both) and its clean-up. */
  testImage?: Promise<PushedImage>;
  /** The registry-api check run for the image tests when it was not selected or gave no access (run once). */
  registryProbe?: Promise<import('./model.js').Outcome>;
  private clusterPromise?: Promise<Cluster>;

  constructor(
    readonly ctx: Context,
    readonly opts: DoctorOptions,
  ) {}

  cluster(): Promise<Cluster> {
    return (this.clusterPromise ??= this.ctx.cluster(this.opts.namespace));
  }

  /** The project (-n, else the kubeconfig context's namespace). */
  async project(): Promise<string> {
    return (await this.cluster()).namespace;
  }

  readonly config = memo(async () => reads.getRegistryConfig(await this.cluster()));
  readonly clusterOperator = memo(async () => reads.getClusterOperator(await this.cluster()));
  readonly imageConfig = memo(async () => reads.getImageConfig(await this.cluster()));
  readonly deployment = memo(async () => reads.getRegistryDeployment(await this.cluster()));
  readonly pods = memo(async () => reads.listRegistryPods(await this.cluster()));
  readonly registryRoutes = memo(async () => registryRoutes(await this.cluster()));
  readonly capability = memo(async () => reads.imageRegistryCapability(await this.cluster()));
  /** The ImagePruner (its conditions count for health, prefixed ImagePruner); null when missing or not readable. */
  readonly pruner = memo(async () => (await this.cluster()).getOrNull(R.imagePruner, NAMES.cluster).catch(() => null));

  /** The user (SelfSubjectReview); the api check fills it, other checks ask when it did not run. */
  async identity(): Promise<Identity> {
    if (!this.user) this.user = await (await this.cluster()).whoami();
    return this.user;
  }

  /** Starts the reads most checks need, in one concurrent wave (errors surface in the checks that use them). */
  prefetch(): void {
    for (const p of [this.config(), this.clusterOperator(), this.deployment(), this.pods(), this.registryRoutes(), this.capability()]) p.catch(() => undefined);
  }

  async storageSpec(): Promise<Json> {
    const cfg = await this.config();
    return cfg?.spec?.storage ?? {};
  }
}
