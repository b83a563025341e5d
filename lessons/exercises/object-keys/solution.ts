// Our solution to the object-keys exercise.
export interface ObjectMeta {
  metadata: { name: string; namespace?: string };
}

export function keyOf(obj: ObjectMeta): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: '', name: parts[0] };
  if (parts.length === 2 && parts[1]) return { namespace: parts[0]!, name: parts[1] };
  throw new Error(`unexpected key format: "${key}"`);
}
