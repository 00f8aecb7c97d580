import { outputOption, dryRunOption } from './common.js';
import { defineCommand } from './spec.js';

const repeat = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export const spec = defineCommand({
  name: 'copy',
  summary: 'copy images between registries, OCI layouts and docker archives (the cluster registry with your token)',
  description:
    "Copy an image, an index (all platforms, or one with --platform) or every tag of a repository. SRC and DST are oci:DIR[:TAG], docker-archive:FILE, docker://HOST/REPO[:TAG|@DIGEST], or PROJECT/NAME[:TAG] for this cluster's registry (its route host, or the in-cluster host with --internal). Blobs the destination has are not sent, blobs inside one registry are mounted across repositories, layers stream in parallel with their digests verified, and a re-run after an interruption sends only what is missing. Before anything is sent to this cluster's registry, regctl checks that you may push there (and create the image stream when it is new).",
  arguments: [
    { name: 'src', description: 'oci:DIR[:TAG] | docker-archive:FILE | docker://HOST/REPO[:TAG|@DIGEST] | PROJECT/NAME[:TAG]', required: true },
    { name: 'dst', description: 'same forms as SRC (docker-archive: writes one image)', required: true },
  ],
  options: {
    allTags: { flags: '-a, --all-tags', description: 'copy every tag of SRC (DST names the repository, without a tag)' },
    include: { flags: '--include <regex>', description: 'with --all-tags: only tags matching (repeatable)', parse: repeat },
    exclude: { flags: '--exclude <regex>', description: 'with --all-tags: skip tags matching (repeatable)', parse: repeat },
    platform: { flags: '--platform <os/arch[/variant]>', description: 'copy only this platform of an index (default: the whole index)' },
    concurrency: { flags: '--concurrency <n>', description: 'blobs in flight at once', default: '6' },
    internal: { flags: '--internal', description: 'PROJECT/NAME means the in-cluster host image-registry.openshift-image-registry.svc:5000' },
    authfile: { flags: '--authfile <file>', description: 'auth file for registries other than this cluster\'s (default: as podman)' },
    srcCreds: { flags: '--src-creds <user:password>', description: 'credentials for SRC (prefer --src-creds-stdin: flags land in shell history)' },
    destCreds: { flags: '--dest-creds <user:password>', description: 'credentials for DST (prefer --dest-creds-stdin)' },
    srcCredsStdin: { flags: '--src-creds-stdin', description: 'read USER:PASSWORD for SRC from stdin' },
    destCredsStdin: { flags: '--dest-creds-stdin', description: 'read USER:PASSWORD for DST from stdin' },
    srcCaFile: { flags: '--src-ca-file <file>', description: 'CA bundle (PEM) to verify SRC with (default: certs.d, else the cluster CA)' },
    destCaFile: { flags: '--dest-ca-file <file>', description: 'CA bundle (PEM) to verify DST with' },
    certsDir: { flags: '--certs-dir <dir>', description: 'certs.d directory to look up registry CAs in (default: as podman)' },
    dryRun: dryRunOption,
    output: outputOption(['json', 'yaml'], null, 'a CopyReport; default: one line per image on stderr'),
  },
  notes:
    'Exit codes: 2 bad arguments, 4 not allowed to push (the hint names the `regctl grant` that fixes it), 5 source not found.',
  examples: [
    'regctl copy oci:./myimage:1.0 myproject/myimage:1.0',
    'regctl copy docker-archive:app.tar myproject/app:latest',
    'regctl copy team-a/app:1.0 team-b/app:1.0',
    'printf %s "$USER:$PASS" | regctl copy --src-creds-stdin docker://registry.example.com/org/app:1.0 myproject/app:1.0',
    'regctl copy --all-tags --include "^v1\\." docker://quay.io/org/app myproject/app',
    'regctl copy myproject/app:1.0 myproject/app:stable',
  ],
});

export const load = async () => (await import('./copy.run.js')).run;
