// The settings of `regctl pruner set`: KEY=VALUE for imagepruners.imageregistry.operator.openshift.io/cluster,
// checked before anything is sent against the CRD's schema (openshift/api imageregistry/v1 ImagePrunerSpec) and
// the rules the pruner's objects meet later, where a bad value would only show up as a Degraded operator:
// the CronJob schedule as kube-apiserver validates it (pkg/apis/batch/validation validateScheduleFormat; the
// operator's apply would fail with SyncError), history limits >= 0 (ValidateNonnegativeField on the CronJob), and
// `oc adm prune images` refusing negative --keep-tag-revisions / --keep-younger-than (openshift/oc
// pkg/cli/admin/prune/images/images.go Validate; the job would fail).
import type { Json } from './cluster.js';
import { validate, type Schema } from './config-schema.js';
import { PRUNER_SPEC_SCHEMA } from './pruner-schema-data.js';
import { PatchBuilder, SETTINGS as CONFIG_SETTINGS, type JsonPatchOp } from './registry-config.js';
import { scheduleError } from './cron.js';
import { effectiveSettings, goDurationString, parseGoDuration, PRUNER_DEFAULTS } from './pruner.js';
import { loadUserYaml } from '../input/yaml.js';
import { UsageError } from '../errors.js';
import { editDistance } from '../input/edit-distance.js';

type Kind = 'string' | 'schedule' | 'duration' | 'int' | 'nanoseconds' | 'bool' | 'enum' | 'map' | 'yaml' | 'quantity';

export interface PrunerSetting {
  key: string;
  path: string[];
  kind: Kind;
  /** One line for --help and hints. */
  help: string;
  example: string;
}

const s = (key: string, kind: Kind, help: string, example: string): PrunerSetting => ({ key, path: key.split('.'), kind, help, example });

export const PRUNER_SETTINGS: PrunerSetting[] = [
  s('schedule', 'schedule', `cron schedule in UTC (5 fields or @daily…; empty: ${PRUNER_DEFAULTS.schedule})`, 'schedule="0 3 * * 6"'),
  s('suspend', 'bool', 'true | false (also: regctl pruner suspend|resume)', 'suspend=true'),
  s('keepTagRevisions', 'int', `revisions kept per tag, >= 0 (default ${PRUNER_DEFAULTS.keepTagRevisions})`, 'keepTagRevisions=5'),
  s('keepYoungerThanDuration', 'duration', `images younger than this are kept, e.g. 24h (default ${PRUNER_DEFAULTS.keepYoungerThan})`, 'keepYoungerThanDuration=24h'),
  s('keepYoungerThan', 'nanoseconds', 'deprecated: the same in nanoseconds; keepYoungerThanDuration wins', 'keepYoungerThan-'),
  s('ignoreInvalidImageReferences', 'bool', 'true | false: go on past references that do not parse', 'ignoreInvalidImageReferences=true'),
  s('successfulJobsHistoryLimit', 'int', `finished successful Jobs kept, >= 0 (default ${PRUNER_DEFAULTS.successfulJobsHistoryLimit})`, 'successfulJobsHistoryLimit=1'),
  s('failedJobsHistoryLimit', 'int', `failed Jobs kept, >= 0 (default ${PRUNER_DEFAULTS.failedJobsHistoryLimit})`, 'failedJobsHistoryLimit=5'),
  s('logLevel', 'enum', 'Normal | Debug | Trace | TraceAll', 'logLevel=Debug'),
  s('resources', 'yaml', '@FILE.yaml: requests and limits of the pruner container', 'resources=@resources.yaml'),
  s('nodeSelector', 'map', 'LABEL=VALUE[,LABEL=VALUE…] (replaces the map; empty clears it)', 'nodeSelector=node-role.kubernetes.io/infra='),
  s('tolerations', 'yaml', '@FILE.yaml (or @- for stdin)', 'tolerations=@tolerations.yaml'),
  s('affinity', 'yaml', '@FILE.yaml (or @- for stdin)', 'affinity=@affinity.yaml'),
];

/** `resources.requests.cpu=200m`, `resources.limits.memory=1Gi`: one quantity of the pruner container. */
const RESOURCE_KEY = /^resources\.(requests|limits)\.([A-Za-z0-9][-A-Za-z0-9_./]*)$/i;

export const PRUNER_SETTINGS_HELP = `
Settings (KEY=VALUE sets, KEY- removes the field: the operator's default applies):
${PRUNER_SETTINGS.map((x) => `  ${x.key.padEnd(30)} ${x.help}`).join('\n')}
  ${'resources.requests.NAME'.padEnd(30)} a quantity, e.g. resources.requests.memory=512Mi (NAME: cpu, memory, …)
  ${'resources.limits.NAME'.padEnd(30)} a quantity, e.g. resources.limits.memory=2Gi
Values are checked against the ImagePruner CRD schema, the CronJob schedule rules and oc adm prune's limits before
anything is sent; names and enum values in any case (debug → Debug). The operator re-renders the CronJob
openshift-image-registry/image-pruner from them; the next run uses them.`;

function schemaAt(path: string[]): Schema | undefined {
  let sc: Schema | undefined = PRUNER_SPEC_SCHEMA;
  for (const p of path) sc = sc?.properties?.[p] ?? (typeof sc?.additionalProperties === 'object' ? sc.additionalProperties : undefined);
  return sc;
}


/** The setting KEY names: case-insensitive, `spec.` optional; unknown keys fail with the nearest ones. */
export function findPrunerSetting(key: string): PrunerSetting {
  const k = key.replace(/^spec\./i, '');
  const lower = k.toLowerCase();
  const found = PRUNER_SETTINGS.find((x) => x.key.toLowerCase() === lower);
  if (found) return found;
  const r = RESOURCE_KEY.exec(k);
  if (r) {
    const section = r[1]!.toLowerCase();
    return s(`resources.${section}.${r[2]}`, 'quantity', 'a quantity', `resources.${section}.${r[2]}=512Mi`);
  }
  const near = PRUNER_SETTINGS.filter((x) => editDistance(x.key.toLowerCase(), lower) <= 3 || (lower.length >= 4 && x.key.toLowerCase().includes(lower))).map((x) => x.key);
  if (/^resources\./i.test(k)) {
    throw new UsageError(`unknown setting "${key}"`, 'name one quantity as resources.requests.NAME or resources.limits.NAME (e.g. resources.limits.memory=2Gi), or all of them with resources=@FILE.yaml');
  }
  if (near.length) throw new UsageError(`unknown setting "${key}"`, `did you mean ${near.join(' or ')}? (\`regctl pruner set --help\` lists the settings)`);
  const registry = CONFIG_SETTINGS.find((x) => x.key.toLowerCase() === lower);
  if (registry) throw new UsageError(`${registry.key} is not a pruner setting: it belongs to the registry configuration`, `change it with \`regctl config set ${registry.key}=…\``);
  throw new UsageError(`unknown setting "${key}"`, `pruner settings: ${PRUNER_SETTINGS.map((x) => x.key).join(', ')}, resources.requests.NAME, resources.limits.NAME`);
}

export interface PrunerAssignment {
  setting: PrunerSetting;
  /** undefined: remove the field (KEY-). */
  value: unknown;
  /** What was typed, when the value was rewritten to the CRD's spelling (debug → Debug, True → true). */
  given?: string;
}

const bad = (a: string, msg: string, hint: string) => new UsageError(`${a}: ${msg}; nothing was changed`, hint);

/** `KEY=VALUE` sets, `KEY-` removes; `@FILE` (or `@-`) for the YAML-valued settings. */
export async function parsePrunerAssignments(args: string[], readSource: (src: string) => Promise<string>): Promise<PrunerAssignment[]> {
  if (!args.length) throw new UsageError('nothing to set', 'give one or more KEY=VALUE, e.g. `regctl pruner set keepTagRevisions=5 keepYoungerThanDuration=24h`');
  const out: PrunerAssignment[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    let key: string;
    let raw: string | undefined;
    if (eq > 0) [key, raw] = [arg.slice(0, eq), arg.slice(eq + 1)];
    else if (arg.length > 1 && arg.endsWith('-')) key = arg.slice(0, -1);
    else throw new UsageError(`"${arg}" is not KEY=VALUE`, 'write settings as KEY=VALUE (or KEY- to remove one), e.g. keepTagRevisions=5');
    const st = findPrunerSetting(key);
    if (out.some((a) => a.setting.key.toLowerCase() === st.key.toLowerCase())) throw new UsageError(`"${st.key}" is given twice`, 'give each setting once');
    if (raw === undefined) {
      out.push({ setting: st, value: undefined });
      continue;
    }
    const value = await parseValue(st, raw, readSource);
    out.push({ setting: st, value, ...(typeof value !== 'object' && String(value) !== raw ? { given: raw } : {}) });
  }
  // resources=@FILE and resources.requests.cpu=… would write the same field twice.
  if (out.some((a) => a.setting.key === 'resources') && out.some((a) => a.setting.kind === 'quantity')) {
    throw new UsageError('resources and resources.requests/limits.NAME are both given', 'give the whole resources=@FILE.yaml, or single quantities, not both');
  }
  return out;
}

async function parseValue(st: PrunerSetting, raw: string, readSource: (src: string) => Promise<string>): Promise<unknown> {
  const v = raw.trim();
  switch (st.kind) {
    case 'schedule': {
      if (v === '') return '';
      const err = scheduleError(v);
      if (err) throw bad(`schedule "${raw}"`, `the API server would refuse the CronJob: ${err}`, 'give 5 fields (minute hour day-of-month month day-of-week, UTC) or a descriptor, e.g. schedule="0 3 * * 6" or schedule=@weekly');
      return v;
    }
    case 'duration': {
      const ns = parseGoDuration(v);
      if (ns === undefined) throw bad(`${st.key} "${raw}"`, 'not a duration', `use Go duration syntax, e.g. ${st.key}=24h or ${st.key}=90m (units ns, us, ms, s, m, h)`);
      if (ns < 0) throw bad(`${st.key} "${raw}"`, 'oc adm prune images refuses a negative --keep-younger-than', `give 0 or more, e.g. ${st.key}=24h`);
      return v;
    }
    case 'nanoseconds': {
      if (parseGoDuration(v) !== undefined && !/^\d+$/.test(v)) {
        throw bad(`keepYoungerThan "${raw}"`, 'this deprecated field takes nanoseconds', `use keepYoungerThanDuration=${v} instead (and keepYoungerThan- to remove the old field)`);
      }
      if (!/^\d+$/.test(v)) throw bad(`keepYoungerThan "${raw}"`, 'not a whole number of nanoseconds', 'use keepYoungerThanDuration=24h instead');
      return Number(v);
    }
    case 'int':
      if (!/^[-+]?\d+$/.test(v)) throw bad(`${st.key} "${raw}"`, 'not an integer', `e.g. ${st.example}`);
      return Number(v);
    case 'bool':
      if (!/^(true|false)$/i.test(v)) throw bad(`${st.key} "${raw}"`, 'must be true or false', `e.g. ${st.key}=true`);
      return v.toLowerCase() === 'true';
    case 'enum': {
      const values = (schemaAt(st.path)?.enum ?? []).filter((x): x is string => typeof x === 'string' && x !== '');
      const canonical = values.find((x) => x.toLowerCase() === v.toLowerCase());
      if (!canonical) throw bad(`${st.key} "${raw}"`, `not one of ${values.join(', ')}`, `${st.key} is one of ${values.join(', ')}, e.g. ${st.key}=${values[1] ?? values[0]}`);
      return canonical;
    }
    case 'quantity':
    case 'string':
      return v;
    case 'map': {
      const m: Record<string, string> = {};
      if (v === '' || v === '{}') return m;
      for (const pair of raw.split(',')) {
        const i = pair.indexOf('=');
        if (i <= 0) throw bad(`${st.key} "${raw}"`, 'not LABEL=VALUE[,LABEL=VALUE…]', `e.g. ${st.example}`);
        m[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
      }
      return m;
    }
    case 'yaml': {
      if (!raw.startsWith('@') || raw.length < 2) throw new UsageError(`${st.key} is read from a YAML file`, `write ${st.key}=@FILE.yaml (or ${st.key}=@- to read stdin)`);
      const src = raw.slice(1);
      const label = src === '-' ? 'stdin' : src;
      let val = loadUserYaml(await readSource(src), label);
      // The bare value, or a fragment keyed by the setting's name (copied from a spec).
      if (val && typeof val === 'object' && !Array.isArray(val) && Object.keys(val).length === 1 && st.key in (val as object)) val = (val as Json)[st.key];
      if (val === undefined || val === null) throw new UsageError(`${label} is empty`, `put the ${st.key} value in ${src === '-' ? 'it' : 'the file'}`);
      return val;
    }
  }
}

/** Problems of the assignments against the CRD schema and the pruner's own rules: `spec.KEY: …` lines. */
export function prunerSchemaErrors(assignments: PrunerAssignment[]): string[] {
  const errs: string[] = [];
  for (const a of assignments) {
    if (a.value === undefined) continue;
    const path = `spec.${a.setting.key}`;
    const sc = schemaAt(a.setting.path);
    if (!sc) {
      errs.push(`${path}: not a field of the ImagePruner`);
      continue;
    }
    // The CRD's quantity pattern is unreadable in a message: say what a quantity looks like.
    errs.push(...validate(a.value, sc, path).map((e) => e.replace(/: ("[^"]*") does not match \^\(\\\+\|-\)\?.*$/, ': $1 is not a quantity such as 512Mi, 2Gi, 500m or 1')));
    if (a.setting.kind === 'int' && typeof a.value === 'number' && a.value < 0) {
      errs.push(
        a.setting.key === 'keepTagRevisions'
          ? `${path}: oc adm prune images refuses a negative --keep-tag-revisions (must be 0 or more)`
          : `${path}: the API server refuses a negative CronJob ${a.setting.key} (must be 0 or more)`,
      );
    }
  }
  return errs;
}

export interface PrunerPlan {
  ops: JsonPatchOp[];
  warnings: string[];
}

/** The JSON patch for the ImagePruner (nothing for values already set), and what the user should know. */
export function planPruner(assignments: PrunerAssignment[], pruner: Json): PrunerPlan {
  const b = new PatchBuilder(pruner);
  for (const a of assignments) {
    const path = ['spec', ...a.setting.path];
    if (a.value === undefined) b.remove(path);
    else b.set(path, a.value);
  }
  const spec: Json = b.doc.spec ?? {};
  const after = effectiveSettings(spec);
  const touched = new Set(assignments.map((a) => a.setting.key));
  const warnings: string[] = [];
  if (touched.has('keepYoungerThan') && spec.keepYoungerThan !== undefined) {
    warnings.push(
      spec.keepYoungerThanDuration !== undefined
        ? `keepYoungerThan is deprecated and keepYoungerThanDuration (${spec.keepYoungerThanDuration}) wins over it`
        : `keepYoungerThan is deprecated: keepYoungerThanDuration=${goDurationString(spec.keepYoungerThan)} says the same`,
    );
  }
  if (touched.has('keepTagRevisions') && after.keepTagRevisions === 0) warnings.push('keepTagRevisions 0: only the image each tag currently points to is kept; every older revision goes at the next run');
  if (touched.has('keepYoungerThanDuration') && parseGoDuration(String(spec.keepYoungerThanDuration ?? '')) === 0) warnings.push('keepYoungerThanDuration 0: images are pruned however new they are, also ones pushed minutes ago');
  const d = PRUNER_DEFAULTS.resources.requests;
  if (assignments.some((a) => a.setting.kind === 'quantity') && !pruner.spec?.resources && spec.resources) {
    warnings.push(`spec.resources replaces the operator's default (requests cpu ${d.cpu}, memory ${d.memory}) as a whole: only what you set applies`);
  }
  return { ops: b.ops, warnings };
}
