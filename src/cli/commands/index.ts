/**
 * Every subcommand, in the order `--help` lists them (the order of the lessons): what the root help and
 * commander's suggestions need (name, usage, description), and the command's own file, loaded only when a
 * line runs it or asks for its help. So `list-nodes` evaluates no other command's registration, and `--help`
 * none at all. This table is the one place a command's name and description are written.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { OutputSink } from '../../console/output.ts';

/** What each command file exports. `register` must stay cheap: heavy imports belong in the action. */
export interface CommandModule {
  /**
   * Adds the options, arguments, subcommands, help text and action to `command`, which already has its
   * name, usage and description from the table. `makeProgram` builds a fresh program like the CLI's, for
   * commands that run other commands.
   */
  register(command: Command, ctx: () => CommandContext, makeProgram: (signal: AbortSignal, stdout?: OutputSink) => Command): void;
}

export interface CommandEntry {
  readonly name: string;
  /** The usage commander derives from the registration (a test holds them equal): the root help shows it. */
  readonly usage: string;
  readonly description: string;
  readonly load: () => Promise<CommandModule>;
  /** Its action runs the other commands in programs of its own (learn): loading it loads every registration. */
  readonly runsOthers?: true;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'sandbox',
    usage: '[options] [command]',
    description: 'run a real local cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok) on 127.0.0.1',
    load: () => import('./sandbox.ts'),
  },
  {
    name: 'doctor',
    usage: '[options]',
    description: 'check and explain the setup: Node, the client package, kubeconfig, and whether the API server answers',
    load: () => import('./doctor.ts'),
  },
  {
    name: 'list-nodes',
    usage: '[options]',
    description: "list the cluster's nodes: NAME, ARCH, OS (article II); -o wide adds status, roles, kubelet version, IP and age",
    load: () => import('./list-nodes.ts'),
  },
  {
    name: 'create-pod',
    usage: '[options]',
    description: 'create a single pod, as the article III program does (my-pod, container my-ctr, image httpd:alpine)',
    load: () => import('./create-pod.ts'),
  },
  {
    name: 'delete-pod',
    usage: '[options] [name]',
    description: 'delete a pod (default my-pod); --wait watches until the DELETED event',
    load: () => import('./delete-pod.ts'),
  },
  {
    name: 'trace',
    usage: '[options] <verb> <resource> [name]',
    description: 'follow one API request through every stage: kubeconfig, resource, typed client method, HTTP request, response, decoding, result',
    load: () => import('./trace.ts'),
  },
  {
    name: 'api-resources',
    usage: '[options] [apiVersion] [kind]',
    description: 'list the resources the server serves (NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND), or --resolve one to its REST path',
    load: () => import('./api-resources.ts'),
  },
  {
    name: 'workqueue',
    usage: '[options]',
    description:
      'controllers I: the work queue demo (a filler adds words, a reader reads until shutdown), showing queue, dirty and processing sets after every add/get/done',
    load: () => import('./workqueue.ts'),
  },
  {
    name: 'store',
    usage: '[options]',
    description: 'controllers II: a store of books keyed by author/title (add, get, getByKey, listKeys), then an indexer queried by author',
    load: () => import('./store.ts'),
  },
  {
    name: 'watch',
    usage: '[options] [resource]',
    description:
      "controllers II: list a resource, then watch from the list's resourceVersion, printing each event: TYPE, key, resourceVersion. With no resource: `kube-lessons exercise watch`",
    load: () => import('./watch.ts'),
  },
  {
    name: 'informer',
    usage: '[options] [resource]',
    description: 'controllers III: a shared informer with handlers printing ADD, MOD and DEL; waits for the cache to sync; Ctrl-C stops it',
    load: () => import('./informer.ts'),
  },
  {
    name: 'controller',
    usage: '[options] [command]',
    description: 'the sample controller: a Foo custom resource that owns a Deployment, reconciled on our informers and work queue',
    load: () => import('./controller.ts'),
  },
  {
    name: 'learn',
    usage: '[options] [lesson]',
    description: 'the guided lessons: read, run each example live, answer checkpoints, do the hands-on tasks',
    load: () => import('./learn.ts'),
    runsOthers: true,
  },
  {
    name: 'exercise',
    usage: '[options] [command]',
    description: 'exercises you write: init a workspace, list them with your progress, watch one until it passes',
    load: () => import('./exercise.ts'),
  },
  {
    name: 'verify',
    usage: '[options] [exercise]',
    description: 'exercises: type-check your exercise file, run it with a time limit, and check it one expectation per line',
    load: () => import('./verify.ts'),
  },
  {
    name: 'hint',
    usage: '[options] [exercise]',
    description: 'exercises: the next hint for an exercise (one more each time)',
    load: () => import('./hint.ts'),
  },
  {
    name: 'solution',
    usage: '[options] [exercise]',
    description: 'exercises: print our solution (after yours passes; before that it asks, or takes --yes)',
    load: () => import('./solution.ts'),
  },
  {
    name: 'completion',
    usage: '[options] <shell>',
    description: 'print the shell completion script: commands, options, -o values, contexts and namespaces of your kubeconfig, lesson ids',
    load: () => import('./completion.ts'),
  },
];
