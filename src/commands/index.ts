import type { CommandModule } from './spec.js';
import * as access from './access.js';
import * as catalog from './catalog.js';
import * as completion from './completion.js';
import * as config from './config.js';
import * as deleteCmd from './delete.js';
import * as doctor from './doctor.js';
import * as expose from './expose.js';
import * as grant from './grant.js';
import * as importImage from './import-image.js';
import * as inspect from './inspect.js';
import * as login from './login.js';
import * as logout from './logout.js';
import * as logs from './logs.js';
import * as metrics from './metrics.js';
import * as pullSecret from './pull-secret.js';
import * as revoke from './revoke.js';
import * as setStorage from './set-storage.js';
import * as status from './status.js';
import * as tags from './tags.js';
import * as token from './token.js';
import * as trustCa from './trust-ca.js';

/** Every command: each module exports its `spec` and its `run`. Keep sorted by name. */
export const commands: readonly CommandModule[] = [access, catalog, completion, config, deleteCmd, doctor, expose, grant, importImage, inspect, login, logout, logs, metrics, pullSecret, revoke, setStorage, status, tags, token, trustCa];
