// The version and user agent, from package.json (inlined by the bundle at build time).
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
export const USER_AGENT = `regctl/${VERSION} (openshift-regctl; node ${process.versions.node})`;
