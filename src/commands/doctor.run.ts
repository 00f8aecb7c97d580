import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { EXIT, ErrorAfterOutput, UsageError } from '../errors.js';
import { parseCheckIds } from '../doctor/model.js';
import { renderReport } from '../doctor/render.js';
import { validateAccessOptions } from '../registry/access.js';
import { FORMATS, type spec } from './doctor.js';

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
