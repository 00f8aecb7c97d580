// Part A of the sandbox: the API server and its building blocks.
export { startApiServer } from './server.ts';
export type { ApiServerHandle, ApiServerOptions } from './server.ts';
export { createAuthRegistry, newToken, serviceAccountGroups } from './auth.ts';
export type { SandboxAuthRegistry } from './auth.ts';
export { createAuthorizer, seedBootstrapRbac, defaultProjectRoleBindings, effectiveClusterRoleRules, loadRbacFile } from './rbac.ts';
export { oauthMetadata } from './oauth.ts';
