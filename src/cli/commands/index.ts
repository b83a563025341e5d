/** Every subcommand, in the order `--help` lists them (the order of the lessons). */
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { OutputSink } from '../../console/output.ts';
import * as sandbox from './sandbox.ts';
import * as doctor from './doctor.ts';
import * as listNodes from './list-nodes.ts';
import * as createPod from './create-pod.ts';
import * as deletePod from './delete-pod.ts';
import * as trace from './trace.ts';
import * as apiResources from './api-resources.ts';
import * as workqueue from './workqueue.ts';
import * as store from './store.ts';
import * as watch from './watch.ts';
import * as informer from './informer.ts';
import * as controller from './controller.ts';
import * as learn from './learn.ts';
import * as exercise from './exercise.ts';
import * as verify from './verify.ts';
import * as hint from './hint.ts';
import * as solution from './solution.ts';
import * as completion from './completion.ts';

/** Each command file exports a `register`. It must stay cheap: heavy imports belong in the action. */
export interface CommandModule {
  /** The name `register` gives the command (a test holds them equal): a line naming it registers it alone. */
  name: string;
  /** `makeProgram` builds a fresh program like the CLI's, for commands that run other commands. */
  register(program: Command, ctx: () => CommandContext, makeProgram: (signal: AbortSignal, stdout?: OutputSink) => Command): void;
}

export const COMMANDS: CommandModule[] = [
  { name: 'sandbox', register: sandbox.register },
  { name: 'doctor', register: doctor.register },
  { name: 'list-nodes', register: listNodes.register },
  { name: 'create-pod', register: createPod.register },
  { name: 'delete-pod', register: deletePod.register },
  { name: 'trace', register: trace.register },
  { name: 'api-resources', register: apiResources.register },
  { name: 'workqueue', register: workqueue.register },
  { name: 'store', register: store.register },
  { name: 'watch', register: watch.register },
  { name: 'informer', register: informer.register },
  { name: 'controller', register: controller.register },
  { name: 'learn', register: learn.register },
  { name: 'exercise', register: exercise.register },
  { name: 'verify', register: verify.register },
  { name: 'hint', register: hint.register },
  { name: 'solution', register: solution.register },
  { name: 'completion', register: completion.register },
];
