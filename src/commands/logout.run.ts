import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { UsageError } from '../errors.js';
import { discoverRegistryHost } from '../cluster/routes.js';
import * as af from '../registry/authfile.js';
import { FORMATS, INTERNAL_HOST, type spec } from './logout.js';

export async function run(ctx: Context, args: string[], o: OptionsOf<typeof spec>): Promise<void> {
  const format = outputFormat(o, FORMATS);
  const hostArg = args[0];
  if (o.all && (hostArg || o.internal)) throw new UsageError('--all cannot be combined with a host', 'drop the host to remove every entry, or drop --all');
  if (hostArg && o.internal) throw new UsageError('a host and --internal cannot be combined', 'give one of them');
  if (o.authfile && o.docker) throw new UsageError('--authfile and --docker cannot be combined', 'choose the file with one of them');
  if (hostArg && /^[a-z]+:\/\//i.test(hostArg)) throw new UsageError(`invalid host "${hostArg}"`, 'give host[:port] without a scheme');
  const target = af.resolveAuthFile({ authfile: o.authfile, docker: o.docker, env: ctx.env });
  af.readAuthFile(target.path); // a corrupt file is refused before anything else

  const access = { env: ctx.env, debug: (l: string) => ctx.log.debug(l) };
  let removed: string[];
  let host: string | undefined;
  if (o.all) {
    const r = af.removeCredentials(target.path, 'all', access);
    removed = r.removed;
    if (removed.length) ctx.log.info(`Removed login credentials for ${removed.length} ${removed.length === 1 ? 'registry' : 'registries'} from ${target.path}`);
    else ctx.log.info(`No credentials in ${target.path}; nothing to do`);
    if (r.keptInHelpers.length) {
      ctx.log.info(`Credentials of ${r.keptInHelpers.join(', ')} stay in the credential helpers ${target.path} names (credHelpers); log out of each with \`regctl logout HOST\``);
    }
  } else {
    host = hostArg ?? (o.internal ? INTERNAL_HOST : undefined);
    if (!host) {
      const cluster = await ctx.cluster();
      host = (await discoverRegistryHost(cluster, cluster.namespace)).host;
    }
    const r = af.removeCredentials(target.path, [host], access);
    removed = r.removed;
    if (r.helper?.erased) ctx.log.info(`Removed login credentials for ${host} from credential helper: ${r.helper.name}`);
    if (removed.length) ctx.log.info(`Removed login credentials for ${host} from ${target.path}`);
    if (r.helper?.erased && !removed.includes(host)) removed = [host, ...removed];
    if (!removed.length) {
      if (r.helper) ctx.log.info(`Not logged in to ${host} in credential helper ${r.helper.name} (credHelpers in ${target.path}); nothing to do`);
      else ctx.log.info(`Not logged in to ${host} in ${target.path}; nothing to do`);
      let elsewhere: { file: string } | undefined;
      try {
        elsewhere = af.lookupCredentials(host, { env: ctx.env, debug: access.debug });
      } catch (e) {
        ctx.log.debug(`looking for ${host} in other auth files: ${(e as Error).message}`);
      }
      if (elsewhere && elsewhere.file !== target.path) ctx.log.warn(`credentials for ${host} are also in ${elsewhere.file}; remove them with --authfile ${elsewhere.file}`);
    }
  }
  print(ctx.io, format, { kind: 'LogoutResult', data: { authfile: target.path, removed }, human: () => '' });
}
