/** Every subcommand, in the order `--help` lists them (the order of the lessons). */
import type { CommandModule } from '../program.ts';
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
import * as completion from './completion.ts';

export const COMMANDS: CommandModule[] = [
  sandbox,
  doctor,
  listNodes,
  createPod,
  deletePod,
  trace,
  apiResources,
  workqueue,
  store,
  watch,
  informer,
  controller,
  learn,
  completion,
];
