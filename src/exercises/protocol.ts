/** The messages between verify (parent) and the harness (child) over the IPC channel. */
export interface HarnessRequest {
  learnerFile: string;
  checkFile: string;
  expectations: string[];
  tmpDir: string;
  kube?: { kubeconfig: string | undefined; context: string; namespace: string };
}

export interface ErrorInfo {
  name: string;
  message: string;
  stack: string;
}

export type HarnessMessage =
  /** Our side is loaded: the learner's time limit starts now, not at the fork. */
  | { type: 'ready' }
  | { type: 'start'; id: string }
  /** The check called this export of the learner's (sent when it changes): what a hang or exit is blamed on. */
  | { type: 'calling'; exportName: string }
  | { type: 'pass'; id: string }
  | { type: 'fail'; id: string; expected: string; got: string; exportName?: string }
  /** The learner's code threw (id undefined: outside any expectation, e.g. from a timer). */
  | { type: 'threw'; id: string | undefined; error: ErrorInfo }
  /** Importing the learner's file threw: top-level code. */
  | { type: 'import-failed'; error: ErrorInfo }
  /**
   * Nothing was left to run while a promise was awaited: the learner's file's top-level await (id undefined),
   * or the promise the export gave the expectation `id`.
   */
  | { type: 'stalled'; id: string | undefined; exportName?: string }
  /** Our side failed (a broken check, the cluster unreachable). */
  | { type: 'error'; id: string | undefined; error: ErrorInfo }
  | { type: 'done' }
  /** The learner's code created this pod outside the run's namespace: verify deletes it (by uid) afterwards. */
  | { type: 'created'; path: string; uid: string };
