import { defineCommand } from './spec.js';
import { outputOption, planOptions } from './common.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'expose',
  summary: 'expose the registry on a route, and trust its CA locally (certs.d)',
  description: [
    'Expose the integrated registry outside the cluster and make podman, skopeo and buildah trust it.',
    '--default-route sets spec.defaultRoute on the operator config and waits until the route is admitted; --route NAME adds or updates an entry in spec.routes (your certificate with --cert/--key [--ca] or an existing TLS secret with --secret, else the ingress one); --remove undoes either.',
    '--ca-out FILE writes the CA that signs the route; --trust installs it as <certs.d>/<host>/ca.crt (~/.config/containers/certs.d unless root: no sudo). The host goes to stdout.',
  ].join('\n\n'),
  options: {
    defaultRoute: { flags: '--default-route', description: "enable the operator's default route (default-route-openshift-image-registry.<apps domain>)" },
    route: { flags: '--route <name>', description: 'a custom route in spec.routes (any name but default-route)' },
    hostname: { flags: '--hostname <host>', description: 'with --route: its host (default: allocated under the apps domain)' },
    cert: { flags: '--cert <file>', description: 'with --route: TLS certificate (PEM) for the host' },
    key: { flags: '--key <file>', description: 'with --cert: its private key (PEM)' },
    ca: { flags: '--ca <file>', description: 'with --cert: the CA that signed it (PEM)' },
    secret: { flags: '--secret <name>', description: 'with --route: an existing secret in openshift-image-registry with tls.crt and tls.key (e.g. from oc create secret tls), instead of --cert/--key' },
    remove: { flags: '--remove', description: 'remove the default route (or, with --route, that custom route)' },
    wait: { flags: '--wait', description: 'wait until the route is admitted (default)', negate: 'return once the operator config is changed' },
    timeout: { flags: '--timeout <duration>', description: 'how long to wait for the route', default: '2m' },
    caOut: { flags: '--ca-out <file>', description: "write the CA that signs the route's certificate to FILE" },
    trust: { flags: '--trust', description: 'install that CA where podman/skopeo/buildah look: <certs.d>/<host>/ca.crt (with --remove: delete it)' },
    certsDir: { flags: '--certs-dir <dir>', description: 'certs.d directory for --trust (default: /etc/containers/certs.d as root, else ~/.config/containers/certs.d)' },
    ...planOptions,
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl expose --default-route --trust',
    'HOST=$(regctl expose --default-route)',
    'regctl expose --route registry --hostname registry.example.com --cert tls.crt --key tls.key --ca ca.crt --trust',
    'regctl expose --route registry --hostname registry.example.com --secret public-route-tls   # a secret you created',
    'regctl expose --default-route --ca-out ingress-ca.crt --no-wait',
    'regctl expose --remove --trust',
  ],
});

export const load = async () => (await import('./expose.run.js')).run;
