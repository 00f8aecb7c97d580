// What kube-apiserver's batch/v1 defaulting and the Job strategy do on create (pkg/apis/batch/v1/defaults.go
// SetDefaults_Job/SetDefaults_CronJob, pkg/registry/batch/job/strategy.go generateSelector; kube 1.30 with
// JobPodReplacementPolicy on): completions/parallelism 1, backoffLimit 6, completionMode NonIndexed, suspend false,
// podReplacementPolicy TerminatingOrFailed, the controller-uid selector and the four job labels on the pod template;
// CronJob concurrencyPolicy Allow, suspend false, history limits 3/1, and its schedule validated (validateSchedule).
// Pod templates get the PodSpec defaults.
import { StoreError, type KubeObject } from '../types.ts';
import { parseSchedule } from '../operator/cron.ts';

function podSpecDefaults(spec: any): void {
  if (!spec || typeof spec !== 'object') return;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  for (const c of (spec.containers ?? []) as any[]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= /:latest$|^[^:@]+$/.test(String(c.image ?? '')) ? 'Always' : 'IfNotPresent';
  }
  for (const v of (spec.volumes ?? []) as any[]) if (v.configMap) v.configMap.defaultMode ??= 420;
}

/**
 * kube-apiserver's CronJob validation of spec.schedule (pkg/apis/batch/validation/validation.go
 * validateScheduleFormat): robfig/cron ParseStandard, and no TZ/CRON_TZ unless the old object had one (kube 1.30:
 * allowed on update only then, and there is no timeZone here). A 422 Invalid, in-process writers (the operator) too.
 */
function validateSchedule(obj: KubeObject, old: KubeObject | undefined): void {
  const schedule = String((obj as any).spec?.schedule ?? '');
  const invalid = (message: string, reason = 'FieldValueInvalid'): StoreError =>
    new StoreError(422, 'Invalid', `CronJob.batch "${obj.metadata.name}" is invalid: spec.schedule: ${message}`, {
      name: obj.metadata.name, group: 'batch', kind: 'CronJob', causes: [{ reason, message, field: 'spec.schedule' }],
    });
  if (!schedule) throw invalid('Required value', 'FieldValueRequired');
  try {
    parseSchedule(schedule);
  } catch (e) {
    throw invalid(`Invalid value: "${schedule}": ${(e as Error).message}`);
  }
  const oldHadTZ = String((old as any)?.spec?.schedule ?? '').includes('TZ');
  if (schedule.includes('TZ') && !oldHadTZ) throw invalid(`Invalid value: "${schedule}": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`);
}

export function admitBatch(key: string, obj: KubeObject, isCreate: boolean, old?: KubeObject): void {
  const spec = ((obj as any).spec ??= {});
  if (key === 'batch/cronjobs') {
    validateSchedule(obj, old);
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    podSpecDefaults(spec.jobTemplate?.spec?.template?.spec);
    return;
  }
  if (key !== 'batch/jobs') return;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  if (!spec.podFailurePolicy) spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  podSpecDefaults(spec.template?.spec);
  const uid = obj.metadata.uid;
  if (isCreate && uid && !spec.manualSelector && !spec.selector) {
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const md = ((spec.template ??= {}).metadata ??= {});
    md.labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': obj.metadata.name, 'controller-uid': uid, 'job-name': obj.metadata.name, ...md.labels };
  }
}
