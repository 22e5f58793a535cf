import type { Client } from 'pg';
import type { PgShape } from '../redaction/pg-values.js';

/** Nesting past this is read as text: no catalog nests types this deep on purpose. */
const MAX_DEPTH = 16;

const TYPE_SQL = `SELECT t.typtype, t.typelem::int AS elem, t.typbasetype::int AS base, t.typrelid::int AS relid, t.typdelim AS delim, p.proname AS output
  FROM pg_type t JOIN pg_proc p ON p.oid = t.typoutput WHERE t.oid = $1`;
const FIELDS_SQL = `SELECT a.attname AS name, a.atttypid::int AS oid FROM pg_attribute a
 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;

/**
 * What the catalog says values of a type are made of, by type OID: arrays (array_out, with their
 * element type's delimiter), composites (record_out, with pg_attribute's field names: dropped
 * fields are not printed), hstore (hstore_out) and bytea; a domain as its base type; anything
 * else is text. One lookup per type, shared by every column of the export.
 */
export function createShapeReader(client: Client): (oid: number) => Promise<PgShape> {
  const known = new Map<number, Promise<PgShape>>([[17, Promise.resolve({ kind: 'bytea' })]]);
  const shapeOf = (oid: number, depth: number): Promise<PgShape> => {
    let shape = known.get(oid);
    if (!shape) {
      shape = read(oid, depth);
      known.set(oid, shape);
    }
    return shape;
  };
  const read = async (oid: number, depth: number): Promise<PgShape> => {
    if (depth > MAX_DEPTH) return { kind: 'text' };
    const t = (await client.query<{ typtype: string; elem: number; base: number; relid: number; delim: string; output: string }>(TYPE_SQL, [oid])).rows[0];
    if (!t) return { kind: 'text' };
    if (t.typtype === 'd') return shapeOf(t.base, depth + 1);
    if (t.output === 'array_out' && t.elem !== 0) {
      // array_out writes elements apart with the element type's own delimiter (box's is ';').
      const delim = (await client.query<{ delim: string }>('SELECT typdelim AS delim FROM pg_type WHERE oid = $1', [t.elem])).rows[0]?.delim ?? ',';
      return { kind: 'array', delimiter: delim, element: await shapeOf(t.elem, depth + 1) };
    }
    if (t.typtype === 'c' && t.output === 'record_out') {
      const fields = (await client.query<{ name: string; oid: number }>(FIELDS_SQL, [t.relid])).rows;
      const shaped = [];
      for (const f of fields) shaped.push({ name: f.name, shape: await shapeOf(f.oid, depth + 1) });
      return { kind: 'record', fields: shaped };
    }
    if (t.output === 'hstore_out') return { kind: 'hstore' };
    return { kind: 'text' };
  };
  return (oid) => shapeOf(oid, 0);
}
