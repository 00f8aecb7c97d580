// A Plan: what a mutating command will write, computed before anything is sent. Ordered steps (create a whole
// object, patch one with its patch type, delete one with preconditions) and the checks the command then waits for.
// One engine applies it (engine.ts); the same plan prints for people, as data, or renders for GitOps/ACM.
import type { Json } from '../cluster/rest.js';
import { apiVersionOf, type ResourceRef } from '../cluster/resources.js';

export type { Json } from '../cluster/rest.js';

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export interface Target {
  ref: ResourceRef;
  /** Only for namespaced resources. */
  namespace?: string;
  name: string;
}

interface StepBase {
  target: Target;
  /** One line for people, e.g. `create PersistentVolumeClaim openshift-image-registry/image-registry-storage (100Gi)`. */
  summary: string;
}

export interface CreateStep extends StepBase {
  action: 'create';
  /** The whole object, exactly as sent (apiVersion and kind included). */
  object: Json;
  /**
   * Sent as PUT to the object's own path instead of POST: for resources whose update creates or replaces
   * (ImageStreamTag, as `oc tag` writes it). Such a step may change an existing object: never undone by deleting it.
   */
  put?: true;
}

export interface PatchStep extends StepBase {
  action: 'patch';
  patchType: PatchType;
  /** Exactly as sent: an object (merge, strategic, apply) or a list of JSON-patch operations. */
  patch: Json | Json[];
  /**
   * The same change as a server-side apply configuration (only the fields this step sets), for rendering. Derived
   * from the patch when absent; `removes` lists fields the change takes away, which an apply configuration cannot.
   */
  applyConfig?: Json;
  removes?: string[];
  /**
   * A change that takes list items or map keys away (revoke's subjects, trust-ca remove's CA keys): the top-level
   * fields named here become exactly these values. Only ACM can say that — a `mustonlyhave` object-template, which
   * replaces maps and lists instead of merging them; every other rendering refuses the step.
   */
  exactly?: Json;
}

export interface DeleteStep extends StepBase {
  action: 'delete';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type Step = CreateStep | PatchStep | DeleteStep;

/** What the command waits for after the writes (name, and how it is told). */
export interface Check {
  name: string;
  how: string;
}

export interface Plan {
  /** Names the plan in data and in rendered objects, e.g. `set-storage-pvc` (lower case, dashes). */
  name: string;
  /** The command line that makes this plan, for messages (`regctl set-storage pvc …`). */
  command: string;
  steps: Step[];
  checks: Check[];
  warnings: string[];
  /** When a step fails after others were written: the command that finishes, and the one that undoes. */
  finish?: string;
  undo?: string;
}

export const DRY_RUN_MODES = ['none', 'client', 'server'] as const;
export type DryRunMode = (typeof DRY_RUN_MODES)[number];
export const RENDER_FORMATS = ['manifests', 'kustomize', 'acm-policy', 'argocd'] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

export function target(ref: ResourceRef, name: string, namespace?: string): Target {
  return ref.namespaced ? { ref, name, namespace } : { ref, name };
}

/** `configs.imageregistry.operator.openshift.io` / `secrets`: the resource as kubectl names it. */
export function resourceName(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

/** `Secret openshift-image-registry/x`, `Config cluster`. */
export function describeTarget(t: Target): string {
  return `${t.ref.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
}

/** The target as data: what kubectl needs to address it. */
export function targetData(t: Target): Json {
  return { apiVersion: apiVersionOf(t.ref), kind: t.ref.kind, resource: resourceName(t.ref), ...(t.namespace ? { namespace: t.namespace } : {}), name: t.name };
}

export function sameTarget(a: Target, b: Target): boolean {
  return a.ref.group === b.ref.group && a.ref.resource === b.ref.resource && a.namespace === b.namespace && a.name === b.name;
}
