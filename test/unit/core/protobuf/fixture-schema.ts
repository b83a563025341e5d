/** A small schema exercising every rule the decoder follows (flags as scripts/proto-schema writes them). */
import { compileSchema, type SchemaFile } from '../../../../src/core/protobuf/schema.ts';

export const FIXTURE: SchemaFile = {
  version: 'fixture',
  kinds: { 'test/v1/Thing': 'test/v1.Thing', 'test/v1/ThingList': 'test/v1.ThingList', 'v1/Status': 'meta/v1.Status' },
  messages: {
    'test/v1.Thing': [
      [1, 'metadata', 'test/v1.Meta', 2],
      [2, 'name', 's', 0],
      [3, 'note', 's', 2],
      [4, 'count', 'i', 2],
      [5, 'replicas', 'i', 6],
      [6, 'tags', 's', 3],
      [7, 'ports', 'i', 1],
      [8, 'labels', 's', 34, 's'],
      [9, 'limits', 'Quantity', 34, 's'],
      [10, 'data', 'y', 34, 's'],
      [11, 'port', 'IntOrString', 0],
      [12, 'created', 'Time', 10],
      [13, 'renewed', 'MicroTime', 6],
      [14, 'timeout', 'Duration', 6],
      [15, '', 'test/v1.Source', 16],
      [16, 'raw', 'RawExtension', 0],
      [17, 'extra', 's', 98, 's'],
      [18, 'ratio', 'd', 2],
      [19, 'enabled', 'b', 0],
      [20, 'child', 'test/v1.Meta', 0],
      [21, 'fields', 'FieldsV1', 6],
      [22, 'blob', 'y', 2],
      [23, 'verbs', 's', 64],
      [24, 'byName', 'test/v1.Meta', 34, 's'],
    ],
    'test/v1.Meta': [
      [1, 'name', 's', 2],
      [2, 'deletedAt', 'Time', 6],
      [3, 'since', 'Time', 0],
    ],
    'test/v1.Source': [
      [1, 'path', 's', 2],
      [2, 'readOnly', 'b', 2],
    ],
    'test/v1.ThingList': [
      [1, 'metadata', 'meta/v1.ListMeta', 2],
      [2, 'items', 'test/v1.Thing', 1],
    ],
    'meta/v1.ListMeta': [[2, 'resourceVersion', 's', 2]],
    'meta/v1.Status': [
      [2, 'status', 's', 2],
      [3, 'message', 's', 2],
      [4, 'reason', 's', 2],
      [6, 'code', 'i', 2],
    ],
  },
};

export const fixtureSchema = () => compileSchema(FIXTURE);

/** What JSON carries for a Thing whose wire holds nothing (Go's zero value through encoding/json). */
export const EMPTY_THING = {
  kind: 'Thing',
  apiVersion: 'test/v1',
  metadata: { since: null },
  name: '',
  ports: null,
  port: 0,
  raw: null,
  enabled: false,
  child: { since: null },
  verbs: null,
};
