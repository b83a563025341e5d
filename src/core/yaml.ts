/**
 * The YAML parser and serialiser behind one ESM module. `yaml` is CommonJS: a dynamic import of it from the
 * bundle gets no named exports, so code that loads YAML only when needed imports this file instead.
 */
export { parse as parseYaml, stringify as toYaml } from 'yaml';
