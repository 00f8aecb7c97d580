import { defineCommand } from './spec.js';
import { INTERNAL_REGISTRY_HOST as INTERNAL_HOST, namespaceOption, outputOption, dryRunOption } from './common.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'login',
  summary: 'log podman/skopeo/buildah in to the registry with your OpenShift token, verified',
  description: [
    'Write registry credentials where podman, skopeo and buildah read them (containers auth.json, or Docker config.json with --docker), after checking them: GET /v2/ following the Bearer challenge to /openshift/token, trusting --ca-file, the certs.d entry or the CA from the cluster.',
    "Host: --registry, else image.config externalRegistryHostnames, else the default route (--internal: the in-cluster service). Token: the kubeconfig's (or --token), --service-account SA (short-lived, TokenRequest; for CI) or --username U (OAuth; the password from --password-stdin, or asked for on a terminal).",
    'Another registry (REGISTRY argument with -u USER, as podman login): its own user name and password, checked against its /v2/ and saved as auths[REGISTRY]; no cluster is involved.',
  ].join('\n\n'),
  arguments: [{ name: 'registry' }],
  options: {
    registry: { flags: '--registry <host>', description: 'registry host[:port] (default: discovered from the cluster)' },
    internal: { flags: '--internal', description: `use the in-cluster host ${INTERNAL_HOST} (pods, CI jobs inside the cluster)` },
    serviceAccount: { flags: '-z, --service-account <name>', description: 'log in as this service account with a short-lived token (TokenRequest)' },
    duration: { flags: '--duration <duration>', description: 'with --service-account: token lifetime (min 10m; default: 1h)' },
    username: { flags: '-u, --username <user>', description: "log in as this OpenShift user through the OAuth server; with REGISTRY: that registry's user (the password is asked for on a terminal)" },
    passwordStdin: { flags: '--password-stdin', description: 'read the password from stdin (with --username)' },
    registryUsername: { flags: '--registry-username <name>', description: 'user name written to the auth file (default: the OpenShift user name without colons)' },
    authfile: { flags: '--authfile <file>', description: 'auth file to write (default: $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json)' },
    docker: { flags: '--docker', description: 'write ~/.docker/config.json instead (its other settings are kept)' },
    caFile: { flags: '--ca-file <file>', description: 'CA bundle (PEM) to verify the registry with; also saved to <certs.d>/HOST/ca.crt for podman and skopeo' },
    certsDir: { flags: '--certs-dir <dir>', description: 'certs.d directory to look up the registry CA in (default: as podman)' },
    insecureSkipTlsVerify: { flags: '--insecure-skip-tls-verify', description: 'check the credentials without verifying the registry certificate (not recommended)' },
    skipCheck: { flags: '--skip-check', description: 'write the credentials without checking them against the registry' },
    namespace: namespaceOption("with --service-account: its namespace (default: the context's)"),
    dryRun: dryRunOption,
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl login',
    'regctl login --service-account pipeline -n ci --duration 2h --authfile ./auth.json',
    'printf %s "$PASSWORD" | regctl login -u developer --password-stdin',
    'regctl login registry.redhat.io -u myuser       # another registry (as podman login): asks for the password',
    'regctl login --registry registry.apps.example.com --ca-file ingress-ca.crt',
    'regctl login --internal --skip-check   # inside a pod',
  ],
});

export const load = async () => (await import('./login.run.js')).run;
