'use strict';
// Encodes and decodes CQL protocol v4 values and frames with the cassandra-driver's own encoder, request classes and
// frame reader, so the .NET client's bytes are checked against an independent implementation.
// Also the routing of a statement: the routing key the driver builds from a partition key's encoded parts and the
// Murmur3Partitioner token it computes for it.
// stdin: { values: [{ type, value, hex }], requests: [request], responses: [hex], routing: [[hex]] } (types as
// { code, info }, values in the canonical JSON the .NET test writes). stdout: { values: [{ hex, decoded }],
// requests: [hex], responses: [parsed], routing: [{ key, token }] } (token in decimal).
const { types } = require('cassandra-driver');
const Encoder = require('cassandra-driver/lib/encoder');
const requests = require('cassandra-driver/lib/requests');
const { FrameWriter } = require('cassandra-driver/lib/writers');
const { FrameReader } = require('cassandra-driver/lib/readers');
const { ExecutionOptions } = require('cassandra-driver/lib/execution-options');
const { Murmur3Tokenizer } = require('cassandra-driver/lib/tokenizer');

const encoder = new Encoder(4, { encoding: { map: Map } });
const C = types.dataTypes;

function toDriver(type, value) {
  if (value === null) return null;
  switch (type.code) {
    case C.bigint: case C.counter: return types.Long.fromString(value);
    case C.timestamp: return new Date(value);
    case C.uuid: case C.timeuuid: return types.Uuid.fromString(value);
    case C.blob: return Buffer.from(value, 'hex');
    case C.list: case C.set: return value.map(v => toDriver(type.info, v));
    case C.map: return new Map(value.map(([k, v]) => [toDriver(type.info[0], k), toDriver(type.info[1], v)]));
    default: return value;
  }
}

function canonical(type, value) {
  if (value === null || value === undefined) return null;
  switch (type.code) {
    case C.bigint: case C.counter: return value.toString();
    case C.timestamp: return value.getTime();
    case C.uuid: case C.timeuuid: return value.toString();
    case C.blob: return value.toString('hex');
    case C.list: case C.set: return Array.from(value, v => canonical(type.info, v));
    case C.map: return Array.from(value.entries(), ([k, v]) => [canonical(type.info[0], k), canonical(type.info[1], v)]);
    default: return value;
  }
}

function typeOf(type) {
  if (type.code === C.list || type.code === C.set) return { code: type.code, info: typeOf(type.info) };
  if (type.code === C.map) return { code: type.code, info: [typeOf(type.info[0]), typeOf(type.info[1])] };
  return { code: type.code };
}

class Options extends ExecutionOptions {
  constructor(r) { super(); this.r = r; }
  getConsistency() { return this.r.consistency; }
  getSerialConsistency() { return this.r.serialConsistency == null ? undefined : this.r.serialConsistency; }
  getFetchSize() { return this.r.pageSize || 0; }
  getPageState() { return this.r.pagingState ? Buffer.from(this.r.pagingState, 'hex') : undefined; }
  getOrGenerateTimestamp() { return this.r.timestamp == null ? null : types.Long.fromString(this.r.timestamp); }
  getHints() { return this.r.hints; }
  getCustomPayload() { return undefined; }
  getKeyspace() { return undefined; }
  isQueryTracing() { return false; }
  isBatchLogged() { return this.r.batchType === 0; }
  isBatchCounter() { return this.r.batchType === 2; }
}

function values(list) { return (list || []).map(v => toDriver(v.type, v.value)); }

function writeRequest(r) {
  switch (r.kind) {
    case 'startup': {
      const writer = new FrameWriter(types.opcodes.startup);
      writer.writeStringMap(Object.fromEntries(r.options));
      return writer.write(4, r.stream);
    }
    case 'options': return requests.options.write(encoder, r.stream);
    case 'auth': return new requests.AuthResponseRequest(Buffer.from(r.token, 'hex')).write(encoder, r.stream);
    case 'prepare': return new requests.PrepareRequest(r.query).write(encoder, r.stream);
    case 'query': {
      r.hints = (r.values || []).map(v => v.type);
      return new requests.QueryRequest(r.query, values(r.values), new Options(r), false).write(encoder, r.stream);
    }
    case 'execute': {
      const meta = { columns: (r.values || []).map(v => ({ type: v.type })) };
      return new requests.ExecuteRequest(r.query, Buffer.from(r.id, 'hex'), values(r.values), new Options(r), meta).write(encoder, r.stream);
    }
    case 'batch': {
      r.hints = r.entries.map(e => (e.values || []).map(v => v.type));
      const queries = r.entries.map(e => e.id
        ? { queryId: Buffer.from(e.id, 'hex'), params: values(e.values), meta: { columns: (e.values || []).map(v => ({ type: v.type })) } }
        : { query: e.query, params: values(e.values) });
      return new requests.BatchRequest(queries, new Options(r)).write(encoder, r.stream);
    }
    default: throw new Error('unknown request ' + r.kind);
  }
}

function columns(meta) {
  return meta.columns.map(c => ({ keyspace: c.ksname || meta.keyspace, table: c.tablename || meta.table, name: c.name, type: typeOf(c.type) }));
}

function readResponse(hex) {
  const buffer = Buffer.from(hex, 'hex');
  const header = types.FrameHeader.fromBuffer(buffer);
  const reader = new FrameReader(header, buffer.slice(9));
  const flags = reader.readFlagsInfo();
  const out = { stream: header.streamId, opcode: header.opcode, warnings: flags.warnings || [] };
  switch (header.opcode) {
    case types.opcodes.ready: break;
    case types.opcodes.authenticate: out.authenticator = reader.readString(); break;
    case types.opcodes.authSuccess: out.token = (reader.readBytes() || Buffer.alloc(0)).toString('hex'); break;
    case types.opcodes.supported: out.options = reader.readStringMultiMap(); break;
    case types.opcodes.error: {
      const e = reader.readError();
      Object.assign(out, { code: e.code, consistency: e.consistencies, required: e.required, alive: e.alive, received: e.received,
        blockFor: e.blockFor, failures: e.failures, writeType: e.writeType, dataPresent: e.isDataPresent, keyspace: e.keyspace,
        table: e.table, functionName: e.functionName, argTypes: e.argTypes, id: e.queryId ? e.queryId.toString('hex') : undefined });
      if (![0x1000, 0x1100, 0x1200, 0x1300, 0x1500].includes(e.code)) out.message = e.message;
      break;
    }
    case types.opcodes.result: {
      const kind = out.kind = reader.readInt();
      if (kind === 2) {
        const meta = reader.readMetadata(kind);
        out.pagingState = meta.pageState ? meta.pageState.toString('hex') : null;
        out.columns = columns(meta);
        const count = reader.readInt();
        out.rows = [];
        for (let i = 0; i < count; i++) {
          out.rows.push(meta.columns.map(c => canonical(c.type, encoder.decode(reader.readBytes(), c.type))));
        }
      } else if (kind === 3) {
        out.keyspace = reader.readString();
      } else if (kind === 4) {
        out.id = reader.readShortBytes().toString('hex');
        const bind = reader.readMetadata(kind);
        out.partitionKeys = bind.partitionKeys;
        out.bind = columns(bind);
        out.result = columns(reader.readMetadata(2));
      } else if (kind === 5) {
        const change = reader.parseSchemaChange();
        Object.assign(out, { change: change.schemaChangeType, target: change.target, keyspace: change.keyspace,
          name: change.table || change.udt || change.functionName || change.aggregate || null, argTypes: change.signature || null });
      }
      break;
    }
    default: throw new Error('unexpected opcode ' + header.opcode);
  }
  return out;
}

// The driver's routing key of a partition key's parts (its own composite layout for several), and that key's token.
function route(parts) {
  const options = { key: parts.map(p => Buffer.from(p, 'hex')), getRoutingKey() { return this.key; }, setRoutingKey(k) { this.key = k; } };
  encoder.setRoutingKeyFromUser([], options);
  return { key: options.key.toString('hex'), token: tokenizer.hash(options.key).getValue().toString() };
}

const tokenizer = new Murmur3Tokenizer();

// The driver encodes an empty collection as null.
function hexOf(buffer) { return buffer === null ? null : buffer.toString('hex'); }

let input = '';
process.stdin.on('data', d => { input += d; });
process.stdin.on('end', () => {
  const job = JSON.parse(input);
  const result = {
    values: (job.values || []).map(v => ({
      hex: v.value === null ? null : hexOf(encoder.encode(toDriver(v.type, v.value), v.type)),
      decoded: v.hex === null ? null : canonical(v.type, encoder.decode(Buffer.from(v.hex, 'hex'), v.type)),
    })),
    requests: (job.requests || []).map(r => writeRequest(r).toString('hex')),
    responses: (job.responses || []).map(readResponse),
    routing: (job.routing || []).map(route),
  };
  process.stdout.write(JSON.stringify(result));
});
