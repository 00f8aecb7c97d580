import { defineCommand } from './spec.js';
import { outputOption, planOptions, removalRenderOptions } from './common.js';

export const LIST_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export const CHANGE_FORMATS = ['text', 'json', 'yaml'] as const;

/** add/remove print a change, not a table: text (messages on stderr; YAML with --dry-run), json or yaml. */
const changeOutputOption = outputOption(CHANGE_FORMATS, 'text', 'with --dry-run: text prints the plan, json|yaml the plan as data (kind Plan)');

export const addSpec = defineCommand({
  name: 'add',
  summary: 'trust a CA for one or more registries',
  description:
    'Add (or replace) the CA of one or more registries. If image.config already references a ConfigMap the keys go into that one and its other keys are kept; otherwise a ConfigMap is created (--configmap, default registry-cas) and referenced. Concurrent changes are merged (read-modify-write, retried on conflict). Adding the same CA again changes nothing.',
  arguments: [{ name: 'host', description: 'registry HOST or HOST:PORT, each followed by its --ca FILE', variadic: true }],
  options: {
    ca: { flags: '--ca <file>', description: 'PEM CA (or bundle) for the HOST at the same position; repeat per host', parse: (v: string, prev: string[] | undefined) => [...(prev ?? []), v] },
    fromDir: { flags: '--from-dir <dir>', description: 'add every HOST[:PORT].crt file of a directory' },
    fromServer: { flags: '--from-server <host[:port]>', description: "connect to the registry (TLS, through HTTPS_PROXY unless NO_PROXY), show its chain and trust the chain's top certificate" },
    configmap: { flags: '--configmap <name>', description: 'ConfigMap to create when image.config references none (default registry-cas)' },
    yes: { flags: '-y, --yes', description: 'with --from-server: trust the presented certificate without asking' },
    ...planOptions,
    output: changeOutputOption,
  },
  examples: [
    'regctl trust-ca add registry.example.com --ca ca.pem',
    'regctl trust-ca add a.example.com --ca a.pem b.example.com:5000 --ca b.pem',
    'regctl trust-ca add --from-dir ./cas        # files named HOST[:PORT].crt',
    'regctl trust-ca add --from-server registry.example.com:8443 --yes',
    'regctl trust-ca add registry.example.com --ca ca.pem --dry-run -o json',
    'regctl trust-ca add registry.example.com --ca ca.pem --render acm-policy --output-dir policy/',
  ],
});

export const listSpec = defineCommand({
  name: 'list',
  aliases: ['ls'],
  summary: 'list the trusted registry CAs',
  description: 'List the registries of the additionalTrustedCA ConfigMap (keys decoded to HOST:PORT) with subject, expiry and SHA-256 fingerprint of each certificate; expired ones are marked.',
  options: { output: outputOption(LIST_FORMATS) },
  examples: ['regctl trust-ca list', "regctl trust-ca list -o json | jq -r '.items[] | select(.expired) | .host'"],
});

export const removeSpec = defineCommand({
  name: 'remove',
  aliases: ['rm'],
  summary: 'stop trusting the CA of one or more registries',
  description: 'Remove registry keys from the additionalTrustedCA ConfigMap; other keys are kept. Removing a registry that is not there changes nothing.',
  arguments: [{ name: 'host', description: 'registry HOST or HOST:PORT', required: true, variadic: true }],
  options: { dryRun: planOptions.dryRun, ...removalRenderOptions, output: changeOutputOption },
  examples: ['regctl trust-ca remove registry.example.com:5000', 'regctl trust-ca remove old.example.com --dry-run', 'regctl trust-ca remove old.example.com --render acm-policy --output-dir policy/   # mustonlyhave of the ConfigMap data'],
});

export const spec = defineCommand({
  name: 'trust-ca',
  summary: 'trust additional registry CAs cluster-wide (additionalTrustedCA)',
  description:
    'Manage the CAs the cluster trusts for other registries: a ConfigMap in openshift-config whose keys are registry hosts (HOST..PORT for HOST:PORT) and values PEM CAs, referenced by image.config.openshift.io/cluster spec.additionalTrustedCA. The operator copies it to openshift-image-registry/image-registry-certificates and node-ca installs each CA as /etc/docker/certs.d/HOST:PORT/ca.crt on every node.',
  examples: [
    'regctl trust-ca add registry.example.com:5000 --ca ca.crt',
    'regctl trust-ca add --from-server quay.internal:8443 --yes',
    'regctl trust-ca list -o json',
    'regctl trust-ca remove registry.example.com:5000',
  ],
  subcommands: [
    { spec: addSpec, load: async () => (await import('./trust-ca.run.js')).runAdd },
    { spec: listSpec, load: async () => (await import('./trust-ca.run.js')).runList },
    { spec: removeSpec, load: async () => (await import('./trust-ca.run.js')).runRemove },
  ],
});
