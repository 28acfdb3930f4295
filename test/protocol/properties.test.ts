import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { jsonCodec, protoPath, protobufCodec, type ClientInfo, type Publication, type Reply } from '../../src/protocol/index.js';
import { checkProperty } from '../helpers/property.js';

/**
 * The JSON codec is written by hand for speed; protobuf goes through protobufjs from the
 * proto file. Both must say the same thing: a command reads the same in either protocol,
 * and a reply encoded as JSON is the protobuf reply seen as JSON (payloads embedded raw,
 * zero values omitted). protobufjs is the oracle for the shape.
 */

const root = protobuf.loadSync(protoPath('client.proto'));
const CommandType = root.lookupType('centrifugal.centrifuge.protocol.Command');
const ReplyType = root.lookupType('centrifugal.centrifuge.protocol.Reply');

/** Fields that carry raw JSON in the JSON protocol and opaque bytes in protobuf. */
const PAYLOADS = new Set(['data', 'conn_info', 'chan_info']);
/** Map fields (by their path's last two names): their keys are data, and an empty map is the same as none. */
const MAPS = /(^|\.)(tags|subs|headers|presence\.presence)$/;

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** protobufjs object (camelCase, Uint8Array payloads) → the JSON protocol's view of it. */
function asJsonView(v: unknown, path = ''): JsonValue {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (v instanceof Uint8Array) return PAYLOADS.has(key) ? (JSON.parse(Buffer.from(v).toString('utf8')) as JsonValue) : Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map((x) => asJsonView(x, `${path}.[]`));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    // Map fields keep their keys as they are; message fields become snake_case.
    const isMap = MAPS.test(path);
    for (const [k, x] of Object.entries(v)) out[isMap ? k : snake(k)] = asJsonView(x, `${path}.${isMap ? '*' : snake(k)}`);
    return out;
  }
  return v as JsonValue;
}

/** Drops zero values (never inside payloads), which protobuf cannot tell from absence. */
function normalize(v: JsonValue, path = ''): JsonValue | undefined {
  if (PAYLOADS.has(path.slice(path.lastIndexOf('.') + 1))) return v;
  if (v === 0 || v === '' || v === false || v === null) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => normalize(x, `${path}.[]`) ?? null);
  if (typeof v === 'object') {
    const isMap = MAPS.test(path);
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normalize(x, `${path}.${isMap ? '*' : k}`);
      if (n !== undefined) out[k] = n;
    }
    return isMap && Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

// ---- arbitraries --------------------------------------------------------------------------

const text = fc.string({ maxLength: 12, unit: 'grapheme' });
const name = fc.stringMatching(/^[a-z0-9:_.-]{0,10}$/);
const jsonText = fc.json({ maxDepth: 2 });
const payload = jsonText.map((t) => Buffer.from(t));
const offset = fc.nat({ max: 2 ** 40 });
/**
 * Keys of protocol maps (tags, presence by client id). Not `__proto__`: protobufjs, the
 * reference decoder here, builds maps as plain objects, where that key sets the prototype
 * instead of adding an entry (Parsec's client ids are UUIDs; tags come from publishers).
 */
const mapKey = name.filter((k) => k !== '__proto__');

const tags = fc.dictionary(mapKey, text, { maxKeys: 3 });

const clientInfo: fc.Arbitrary<ClientInfo> = fc.record(
  { user: text, client: name, connInfo: payload, chanInfo: payload },
  { requiredKeys: ['user', 'client'] },
);

const publication: fc.Arbitrary<Publication> = fc.record(
  { data: payload, info: clientInfo, offset, tags, time: offset, channel: name },
  { requiredKeys: ['data'] },
);

const push = fc.oneof(
  fc.record({ channel: name, pub: publication }),
  fc.record({ channel: name, join: fc.record({ info: clientInfo }) }),
  fc.record({ channel: name, leave: fc.record({ info: clientInfo }) }),
  fc.record({ channel: name, unsubscribe: fc.record({ code: fc.integer({ min: 0, max: 4999 }), reason: text }) }),
  fc.record({ message: fc.record({ data: payload }) }),
  fc.record({ disconnect: fc.record({ code: fc.integer({ min: 3000, max: 4999 }), reason: text, reconnect: fc.boolean() }) }),
  fc.record({ channel: name, refresh: fc.record({ expires: fc.boolean(), ttl: fc.nat({ max: 1e6 }) }, { requiredKeys: [] }) }),
);

const subscribeResult = fc.record(
  {
    expires: fc.boolean(), ttl: fc.nat({ max: 1e6 }), recoverable: fc.boolean(), epoch: name,
    publications: fc.array(publication, { maxLength: 3 }), recovered: fc.boolean(), offset,
    positioned: fc.boolean(), data: payload, wasRecovering: fc.boolean(), delta: fc.boolean(),
  },
  { requiredKeys: [] },
);

const id = fc.integer({ min: 1, max: 2 ** 31 });

const reply: fc.Arbitrary<Reply> = fc.oneof(
  fc.record({ push }),
  fc.record({ id, error: fc.record({ code: fc.integer({ min: 100, max: 2999 }), message: text, temporary: fc.boolean() }) }),
  fc.record({ id, subscribe: subscribeResult }),
  fc.record({ id, history: fc.record({ publications: fc.array(publication, { maxLength: 3 }), epoch: name, offset }) }),
  fc.record({ id, presence: fc.record({ presence: fc.dictionary(mapKey, clientInfo, { maxKeys: 3 }) }) }),
  fc.record({ id, presenceStats: fc.record({ numClients: fc.nat(), numUsers: fc.nat() }) }),
  fc.record({ id, rpc: fc.record({ data: payload }, { requiredKeys: [] }) }),
  fc.record({ id, refresh: fc.record({ client: name, version: name, expires: fc.boolean(), ttl: fc.nat({ max: 1e6 }) }, { requiredKeys: [] }) }),
  fc.record({ id, subRefresh: fc.record({ expires: fc.boolean(), ttl: fc.nat({ max: 1e6 }) }, { requiredKeys: [] }) }),
);

/** A command as a client builds it: JSON text for payloads, plain values elsewhere. */
interface CommandSpec {
  id: number;
  method: string;
  body: Record<string, unknown>;
}

const commandSpec: fc.Arbitrary<CommandSpec> = fc.oneof(
  fc.record({ id, method: fc.constant('connect'), body: fc.record({ token: text, data: jsonText, name, version: name, headers: tags }, { requiredKeys: [] }) }),
  fc.record({
    id, method: fc.constant('subscribe'),
    body: fc.record({ channel: name, token: text, recover: fc.boolean(), epoch: name, offset, data: jsonText, positioned: fc.boolean(), recoverable: fc.boolean(), joinLeave: fc.boolean(), delta: fc.constantFrom('', 'fossil') }, { requiredKeys: [] }),
  }),
  fc.record({ id, method: fc.constantFrom('unsubscribe', 'presence', 'presenceStats'), body: fc.record({ channel: name }, { requiredKeys: [] }) }),
  fc.record({ id, method: fc.constant('publish'), body: fc.record({ channel: name, data: jsonText }, { requiredKeys: [] }) }),
  fc.record({ id, method: fc.constant('history'), body: fc.record({ channel: name, limit: fc.integer({ min: -1, max: 1000 }), reverse: fc.boolean(), since: fc.record({ offset, epoch: name }) }, { requiredKeys: [] }) }),
  fc.record({ id, method: fc.constant('rpc'), body: fc.record({ method: name, data: jsonText }, { requiredKeys: [] }) }),
  fc.record({ id: fc.constant(0), method: fc.constant('send'), body: fc.record({ data: jsonText }, { requiredKeys: [] }) }),
  fc.record({ id, method: fc.constant('refresh'), body: fc.record({ token: text }, { requiredKeys: [] }) }),
  fc.record({ id, method: fc.constant('subRefresh'), body: fc.record({ channel: name, token: text }, { requiredKeys: [] }) }),
);

function asJsonFrame(c: CommandSpec): string {
  const body = Object.entries(c.body)
    .map(([k, v]) => `${JSON.stringify(snake(k))}:${k === 'data' ? (v as string) : JSON.stringify(v)}`)
    .join(',');
  return `{"id":${c.id},${JSON.stringify(snake(c.method))}:{${body}}}`;
}

function asProtobufFrame(c: CommandSpec): Uint8Array {
  const body: Record<string, unknown> = { ...c.body };
  if (typeof body.data === 'string') body.data = Buffer.from(body.data);
  return CommandType.encodeDelimited(CommandType.fromObject({ id: c.id, [c.method]: body })).finish();
}

describe('codec properties', () => {
  it('a command reads the same in JSON and in protobuf', () =>
    checkProperty(
      fc.property(commandSpec, (c) => {
        const [j] = jsonCodec.decodeCommands(Buffer.from(asJsonFrame(c)));
        const [p] = protobufCodec.decodeCommands(asProtobufFrame(c));
        assert.deepEqual(normalize(asJsonView(j)), normalize(asJsonView(p)), asJsonFrame(c));
      }),
      1000,
    ));

  it('several commands in one frame decode in order in both protocols', () =>
    checkProperty(
      fc.property(fc.array(commandSpec, { minLength: 1, maxLength: 5 }), (cs) => {
        const j = jsonCodec.decodeCommands(Buffer.from(cs.map(asJsonFrame).join('\n')));
        const p = protobufCodec.decodeCommands(Buffer.concat(cs.map(asProtobufFrame)));
        assert.deepEqual(j.map((c) => c.id), cs.map((c) => c.id));
        assert.deepEqual(normalize(asJsonView(j)), normalize(asJsonView(p)));
      }),
      300,
    ));

  it('a reply encoded as JSON is the protobuf reply seen as JSON', () =>
    checkProperty(
      fc.property(reply, (r) => {
        const json = Buffer.from(jsonCodec.encodeReply(r)).toString('utf8');
        assert.ok(!json.includes('\n'), 'a JSON reply never holds a raw newline');
        const viaProtobuf = ReplyType.toObject(ReplyType.decodeDelimited(protobufCodec.encodeReply(r)), { longs: Number });
        assert.deepEqual(normalize(JSON.parse(json) as JsonValue), normalize(asJsonView(viaProtobuf)), json);
      }),
      1000,
    ));

  it('replies joined into one frame split back into the same replies', () =>
    checkProperty(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 5 }), (rs) => {
        const frame = Buffer.from(jsonCodec.joinFrame(rs.map((r) => jsonCodec.encodeReply(r)))).toString('utf8');
        const lines = frame.split('\n');
        assert.equal(lines.length, rs.length);
        lines.forEach((line, i) => assert.equal(line, Buffer.from(jsonCodec.encodeReply(rs[i]!)).toString('utf8')));
        const reader = protobuf.Reader.create(protobufCodec.joinFrame(rs.map((r) => protobufCodec.encodeReply(r))));
        let n = 0;
        while (reader.pos < reader.len) {
          ReplyType.decodeDelimited(reader);
          n++;
        }
        assert.equal(n, rs.length);
      }),
      300,
    ));
});
