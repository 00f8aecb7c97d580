// Registry intents of `regctl grant/revoke`: short words for the roles the registry checks (behaviours c.5, f).

import { UsageError } from '../errors.js';
import { REGISTRY_READER_ROLE } from './reader-role.js';
import { editDistance } from '../input/edit-distance.js';

export interface Intent {
  intent: string;
  /** The ClusterRole(s): the first one that exists is used (metrics); grant creates the last one when none does. */
  roles: string[];
  clusterWide: boolean;
  what: string;
}

export const METRICS_ROLES = ['registry-monitoring', 'prometheus-scraper'] as const;
export { REGISTRY_READER_ROLE, registryReaderRole } from './reader-role.js';

export const INTENTS: Record<string, Intent> = {
  viewer: { intent: 'viewer', roles: ['registry-viewer'], clusterWide: false, what: 'pull and view image streams' },
  editor: { intent: 'editor', roles: ['registry-editor'], clusterWide: false, what: 'push, pull, tag and manage image streams' },
  puller: { intent: 'puller', roles: ['system:image-puller'], clusterWide: false, what: 'pull images' },
  pusher: { intent: 'pusher', roles: ['system:image-pusher'], clusterWide: false, what: 'push to existing image streams and pull' },
  builder: { intent: 'builder', roles: ['system:image-builder'], clusterWide: false, what: 'push (also to new image streams) and pull' },
  metrics: { intent: 'metrics', roles: [...METRICS_ROLES], clusterWide: true, what: 'read the registry metrics' },
  pruner: { intent: 'pruner', roles: ['system:image-pruner'], clusterWide: true, what: 'prune images' },
  reader: { intent: 'reader', roles: [REGISTRY_READER_ROLE], clusterWide: true, what: 'find the registry host and read its status' },
};

export const INTENT_NAMES = Object.keys(INTENTS);

/** An unknown intent: a usage error naming the intents, the closest one, and --cluster-role for other ClusterRoles. */
export function unknownIntent(word: string): UsageError {
  // The docs' `oc policy add-role-to-user system:image-puller …`: the ClusterRole an intent binds, named instead of it.
  const byRole = Object.values(INTENTS).find((i) => i.roles.includes(word));
  if (byRole) {
    return new UsageError(
      `unknown intent "${word}": ${word} is the ClusterRole of the intent ${byRole.intent}`,
      `write ${byRole.intent} in its place (intents: ${INTENT_NAMES.join(', ')})`,
    );
  }
  const close = INTENT_NAMES.filter((n) => editDistance(n, word.toLowerCase()) <= 2 || (word.length >= 3 && n.startsWith(word.toLowerCase())));
  const shown = word.length > 60 ? `${word.slice(0, 60)}…` : word;
  return new UsageError(
    `unknown intent "${shown}"${close.length ? ` (did you mean ${close.join(' or ')}?)` : ''}`,
    `intents: ${INTENT_NAMES.join(', ')}; to bind any other ClusterRole, use --cluster-role NAME`,
  );
}


/** An intent word, or (with --role-namespace) a Role name. */
export function resolveIntent(word: string): Intent {
  return INTENTS[word] ?? { intent: '', roles: [word], clusterWide: false, what: '' };
}

/** The ClusterRole the docs tell administrators to create for metrics (../openshift/rbac/prometheus-scraper-clusterrole.yaml). */
export function prometheusScraperRole(): Record<string, any> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'prometheus-scraper' },
    rules: [{ apiGroups: ['image.openshift.io'], resources: ['registry/metrics'], verbs: ['get'] }],
  };
}
