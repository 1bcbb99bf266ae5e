// SPDX-License-Identifier: Apache-2.0
// External anchor of the CPU engine benchmarks: ONNX Runtime (npm onnxruntime-node) on one
// thread, timing session.run() on a ready input tensor (the NCHW float file written by
// `bench_classify --dump-input`).  Bench only: installed by bench/ort/install.sh, never by tests.
//
// usage: node ort_bench.js NAME MODEL.onnx INPUT.f32 [runs=30]
// Prints top-1 index and probability, then one RESULT line: median wall and CPU ms per run
// (after 5 warm-ups), minimum, and peak RSS (of the whole node process).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

async function main() {
  const [name, modelPath, inputPath, runsArg] = process.argv.slice(2);
  if (!inputPath) {
    console.error('usage: node ort_bench.js NAME MODEL.onnx INPUT.f32 [runs=30]');
    process.exit(2);
  }
  const runs = Math.max(1, parseInt(runsArg || '30', 10));
  const bytes = fs.readFileSync(inputPath);
  if (bytes.length !== 3 * 224 * 224 * 4) throw new Error(`${inputPath}: not a 1x3x224x224 float tensor`);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: Math.max(1, parseInt(process.env.ORT_THREADS || '1', 10)), // cpu_engines.sh THREADS
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, 224, 224]) };
  const run = async () => (await session.run(feeds))[session.outputNames[0]].data;

  const logits = await run();
  let best = 0;
  for (let i = 1; i < logits.length; ++i) if (logits[i] > logits[best]) best = i;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - logits[best]);
  console.log(`${name} load ${loadMs.toFixed(1)} ms, top-1 class ${best} p=${(1 / sum).toFixed(3)}`);

  for (let i = 0; i < 5; ++i) await run();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; ++i) {
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    await run();
    wall.push(Number(process.hrtime.bigint() - w0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`RESULT engine=${name} runs=${runs} infer_wall_ms=${median(wall).toFixed(2)} ` +
              `infer_cpu_ms=${median(cpu).toFixed(2)} infer_min_ms=${Math.min(...wall).toFixed(2)} ` +
              `peak_rss_mib=${rss.toFixed(0)} ort=${ort.env.versions ? ort.env.versions.common : '?'}`);
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});
