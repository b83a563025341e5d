/**
 * The environment for a Node process verify starts (the harness, the warm checker): this process's compile
 * cache, when it has one (bin/ enables it), is handed down, as Node does not. The child then skips compiling
 * what an earlier run compiled: our modules, the compiler, and the learner's file as type-stripped while it
 * is unchanged.
 */
import module from 'node:module';

export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const cache = module.getCompileCacheDir?.();
  return cache && !env.NODE_DISABLE_COMPILE_CACHE ? { ...env, NODE_COMPILE_CACHE: cache } : env;
}
