import type { Command } from 'commander';
import type { Runtime } from './common.js';
import * as status from './status.js';

/** Every subcommand module; each exports register(program, runtime). Keep sorted by name. */
export const commands: Array<{ register(program: Command, rt: Runtime): void }> = [status];
