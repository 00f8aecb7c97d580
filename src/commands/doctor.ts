import { collect, defineCommand } from './spec.js';
import { CHECK_IDS, CHECKS, INTERNAL_REGISTRY_HOST, namespaceOption, outputOption } from './common.js';

export const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;

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

export const load = async () => (await import('./doctor.run.js')).run;
