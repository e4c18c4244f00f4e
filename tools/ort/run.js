// Runs an ONNX model with ONNX Runtime (CPU) on .npy inputs and writes its
// outputs as .npy files: qc's peer for agreement tests and benchmarks.
//
//   node tools/ort/run.js model.onnx --input x=x.npy [--input NAME=FILE ...]
//        --output-dir DIR [--threads N] [--repeat N] [--warmup N]
//        [--opt-level disabled|basic|extended|all]
//
// An input given as a bare FILE goes to the graph inputs in order. Every graph
// output is written to DIR/<output name>.npy (names sanitized to [A-Za-z0-9_.-]).
// Prints one JSON line: {"outputs": {name: path}, "times_ms": [...],
// "min_ms": m, "median_ms": m, "threads": n}. --repeat runs the session that many
// times after --warmup untimed runs (outputs are those of the last run).
// Exit status 1 with "ort: error: ..." on stderr for any failure.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

const DTYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array],
  '<i2': ['int16', Int16Array], '<u2': ['uint16', Uint16Array],
  '<i4': ['int32', Int32Array], '<u4': ['uint32', Uint32Array],
  '<i8': ['int64', BigInt64Array], '|b1': ['bool', Uint8Array],
};
const DESCR = {};
for (const [descr, [type]] of Object.entries(DTYPES)) DESCR[type] = descr;

function fail(msg) {
  process.stderr.write('ort: error: ' + msg + '\n');
  process.exit(1);
}

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') fail(file + ': not a .npy file');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const order = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !order || !shape) fail(file + ': unreadable .npy header ' + header);
  if (order[1] === 'True') fail(file + ': Fortran-ordered arrays are not supported');
  const spec = DTYPES[descr[1]];
  if (!spec) fail(file + ': dtype ' + descr[1] + ' is not supported');
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const Typed = spec[1];
  const offset = start + hlen;
  const bytes = buf.subarray(offset, offset + count * Typed.BYTES_PER_ELEMENT);
  if (bytes.length !== count * Typed.BYTES_PER_ELEMENT) fail(file + ': truncated data');
  const data = new Typed(count);
  new Uint8Array(data.buffer).set(bytes);
  return new ort.Tensor(spec[0], spec[0] === 'bool' ? Uint8Array.from(data) : data, dims);
}

function writeNpy(file, tensor) {
  const descr = DESCR[tensor.type];
  if (!descr) fail('output type ' + tensor.type + ' cannot be written as .npy');
  const dims = tensor.dims.map(Number);
  const shape = dims.length === 1 ? '(' + dims[0] + ',)' : '(' + dims.join(', ') + ')';
  let header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ', }';
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

function parseArgs(argv) {
  const a = {inputs: [], threads: 1, repeat: 1, warmup: 0, optLevel: 'all', outDir: null, model: null};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(arg + ' needs a value');
      return argv[++i];
    };
    if (arg === '--input') a.inputs.push(next());
    else if (arg === '--output-dir') a.outDir = next();
    else if (arg === '--threads') a.threads = Number(next());
    else if (arg === '--repeat') a.repeat = Number(next());
    else if (arg === '--warmup') a.warmup = Number(next());
    else if (arg === '--opt-level') a.optLevel = next();
    else if (arg.startsWith('--')) fail('unknown option ' + arg);
    else if (a.model === null) a.model = arg;
    else fail('unexpected argument ' + arg);
  }
  if (!a.model) fail('usage: node run.js model.onnx --input NAME=FILE.npy ... --output-dir DIR');
  for (const [k, v] of [['--threads', a.threads], ['--repeat', a.repeat]]) {
    if (!Number.isInteger(v) || v < 1) fail(k + ' must be a positive integer');
  }
  if (!Number.isInteger(a.warmup) || a.warmup < 0) fail('--warmup must be a non-negative integer');
  return a;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  let session;
  try {
    session = await ort.InferenceSession.create(a.model, {
      intraOpNumThreads: a.threads, interOpNumThreads: 1, graphOptimizationLevel: a.optLevel,
      executionMode: 'sequential',
    });
  } catch (e) {
    fail('cannot load ' + a.model + ': ' + e.message);
  }
  const feeds = {};
  let positional = 0;
  for (const spec of a.inputs) {
    const eq = spec.indexOf('=');
    let name;
    let file;
    if (eq > 0) {
      name = spec.slice(0, eq);
      file = spec.slice(eq + 1);
    } else {
      if (positional >= session.inputNames.length) fail('more inputs than the model has');
      name = session.inputNames[positional++];
      file = spec;
    }
    if (!session.inputNames.includes(name)) fail('the model has no input ' + name + ' (' + session.inputNames.join(', ') + ')');
    feeds[name] = readNpy(file);
  }
  for (const name of session.inputNames) if (!(name in feeds)) fail('no value for input ' + name);
  let results;
  const times = [];
  try {
    for (let i = 0; i < a.warmup; i++) await session.run(feeds);
    for (let i = 0; i < a.repeat; i++) {
      const t0 = process.hrtime.bigint();
      results = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } catch (e) {
    fail('run failed: ' + e.message);
  }
  const outputs = {};
  if (a.outDir) {
    fs.mkdirSync(a.outDir, {recursive: true});
    for (const name of session.outputNames) {
      const file = path.join(a.outDir, name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.npy');
      writeNpy(file, results[name]);
      outputs[name] = file;
    }
  }
  const sorted = [...times].sort((x, y) => x - y);
  process.stdout.write(JSON.stringify({
    outputs, times_ms: times, min_ms: sorted[0], median_ms: sorted[Math.floor(sorted.length / 2)],
    threads: a.threads,
  }) + '\n');
}

main().catch((e) => fail(e.stack || String(e)));
