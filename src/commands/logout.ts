import { defineCommand } from './spec.js';
import { outputOption } from './common.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;
export const INTERNAL_HOST = 'image-registry.openshift-image-registry.svc:5000';

export const spec = defineCommand({
  name: 'logout',
  summary: 'remove registry credentials from the auth file',
  description:
    "Remove the credentials for HOST (default: the registry host `regctl login` finds) from the auth file `regctl login` writes (--authfile, $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json; --docker for ~/.docker/config.json). Other entries and settings are kept; --all removes every entry of that file.",
  arguments: [{ name: 'host' }],
  options: {
    all: { flags: '--all', description: 'remove the credentials of every registry in the file' },
    internal: { flags: '--internal', description: `log out of ${INTERNAL_HOST}` },
    authfile: { flags: '--authfile <file>', description: 'auth file to change' },
    docker: { flags: '--docker', description: 'change ~/.docker/config.json' },
    output: outputOption(FORMATS),
  },
  examples: ['regctl logout', 'regctl logout default-route-openshift-image-registry.apps.example.com', 'regctl logout --all --authfile ./auth.json'],
});

export const load = async () => (await import('./logout.run.js')).run;
