import type { Context } from '../context.js';
import { collect, defineCommand, type OptionsOf } from './spec.js';
import { outputFormat, namespaceOption, outputOption } from './common.js';
import { print } from '../output/printer.js';
import { EXIT, ErrorAfterOutput, UsageError } from '../errors.js';
import { CHECK_IDS, CHECKS, isCheckId, type CheckId } from '../doctor/model.js';
import { renderReport } from '../doctor/render.js';
import { validateAccessOptions, INTERNAL_REGISTRY_HOST } from '../registry/access.js';

const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'doctor',
  summary: 'diagnose the whole registry path, each check with its verdict, evidence and fix',
  description:
    'Run ordered checks from the API server to a push: ' +
    CHECK_IDS.join(' → ') +
    '.\nEach check says ok, warn, fail or skipped, shows its evidence and, when not ok, the command that fixes it; a failed check skips the checks that depend on it.\n' +
    'Exit code 0 when no check failed, 3 otherwise (a registry that is not exposed outside the cluster is a warning). --push-test/--pull-test push a tiny generated image to <project>/regctl-doctor and remove it again.\n' +
    `--internal checks the in-cluster path instead of the route: the service host ${INTERNAL_REGISTRY_HOST}, trusted with the service CA.`,
  options: {
    only: { flags: '--only <checks>', description: 'run only these checks (comma-separated or repeated)', parse: collect },
    skip: { flags: '--skip <checks>', description: 'do not run these checks (comma-separated or repeated)', parse: collect },
    pullTest: { flags: '--pull-test [image]', description: 'pull an image: IMAGE (NAME[:TAG] of the project, or PROJECT/NAME[:TAG]), else the generated test image when you may push, else the first image of the project' },
    pushTest: { flags: '--push-test', description: 'push a tiny generated image to <project>/regctl-doctor:doctor-<random>, check it, then delete the tag' },
    registry: { flags: '--registry <host>', description: 'registry host[:port] to check (default: discovered like regctl login)' },
    internal: { flags: '--internal', description: `check the in-cluster path: the service host ${INTERNAL_REGISTRY_HOST} (route and tls do not apply)` },
    authfile: { flags: '--authfile <file>', description: 'auth file with the saved registry credentials (default: where podman looks)' },
    certsDir: { flags: '--certs-dir <dir>', description: 'certs.d directory to look up the registry CA in (default: where podman looks)' },
    namespace: namespaceOption("the project for the RBAC checks and the pull/push tests (default: the context's)"),
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl doctor',
    'regctl doctor -n myapp --push-test --pull-test',
    'regctl doctor --internal --push-test   # the in-cluster path (a registry not exposed)',
    'regctl doctor --only api,rbac -o json | jq \'.checks[] | select(.verdict == "fail")\'',
    'regctl doctor --skip tls,registry-api   # only the cluster side',
  ],
  epilog: `\nChecks:\n${CHECK_IDS.map((id) => `  ${id.padEnd(17)}${CHECKS[id].title}`).join('\n')}\n`,
});

export function parseCheckIds(flag: string, values: string[] | undefined): CheckId[] | undefined {
  if (!values) return undefined;
  if (!values.length) throw new UsageError(`${flag} needs at least one check`, `valid checks: ${CHECK_IDS.join(', ')}`);
  for (const v of values) {
    if (!isCheckId(v)) throw new UsageError(`unknown check "${v}" in ${flag}`, `valid checks: ${CHECK_IDS.join(', ')}`);
  }
  return [...new Set(values)] as CheckId[];
}

export async function run(ctx: Context, _args: string[], opts: OptionsOf<typeof spec>): Promise<number> {
  const format = outputFormat(opts, FORMATS);
  const only = parseCheckIds('--only', opts.only);
  const skip = parseCheckIds('--skip', opts.skip);
  if (only && skip) {
    const both = only.filter((id) => skip.includes(id));
    if (both.length) throw new UsageError(`${both.join(', ')} is both in --only and --skip`, 'name each check in one of them');
  }
  if (typeof opts.pullTest === 'string' && !/^([a-z0-9][a-z0-9-]*\/)?[a-z0-9][a-z0-9._-]*(:[\w][\w.-]{0,127})?$/.test(opts.pullTest)) {
    throw new UsageError(`invalid --pull-test image "${opts.pullTest}"`, 'give NAME[:TAG] of the project or PROJECT/NAME[:TAG], e.g. --pull-test app:v1');
  }
  validateAccessOptions(opts);
  const { runDoctor } = await import('../doctor/run.js');
  const report = await ctx.spin('Running checks', (s) =>
    runDoctor(ctx, { namespace: opts.namespace, registry: opts.registry, internal: opts.internal, authfile: opts.authfile, certsDir: opts.certsDir, only, skip, pushTest: opts.pushTest, pullTest: opts.pullTest }, (id) =>
      s.update(`Checking ${id}`),
    ),
  );
  print(ctx.io, format, { data: report, human: () => renderReport(ctx.io, report, format === 'wide') });
  if (report.result !== 'fail') return EXIT.ok;
  const failed = report.checks.filter((c) => c.verdict === 'fail');
  const first = failed[0]!;
  throw new ErrorAfterOutput(`${failed.length} ${failed.length === 1 ? 'check' : 'checks'} failed: ${failed.map((c) => c.id).join(', ')}`, {
    hint: first.fix ? `start with ${first.id}: \`${first.fix}\`` : undefined,
    exitCode: EXIT.checkFailed,
  });
}
