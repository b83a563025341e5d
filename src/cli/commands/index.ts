/** Every subcommand, in the order `--help` lists them (the order of the lessons). */
import type { CommandModule } from '../program.ts';
import * as sandbox from './sandbox.ts';

export const COMMANDS: CommandModule[] = [sandbox];
