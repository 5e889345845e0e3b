// Times llama.cpp (the prebuilt binaries of the npm package node-llama-cpp, pinned 3.21.1) on a GGUF
// the same way `mistral bench` does: prefill N random plain-text tokens, then G greedy decode steps.
// Setup (outside the repo): npm install node-llama-cpp@3.21.1
// Usage: node bench/llama-cpp-bench.mjs MODEL.gguf [prompt=512] [gen=128] [threads=all] [repeat=3]
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import os from "node:os";

const [modelPath, promptArg = "512", genArg = "128", threadsArg = String(os.availableParallelism()), repeatArg = "3"] = process.argv.slice(2);
const prompt = Number(promptArg), gen = Number(genArg), threads = Number(threadsArg), repeat = Number(repeatArg);

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: threads });
const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
const context = await model.createContext({ contextSize: prompt + gen + 16, threads: { ideal: threads, min: threads }, batchSize: Math.min(prompt, 512), flashAttention: false });
const seq = context.getSequence();

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const vocab = model.tokens.vocabSize ?? 32000;
const tokens = [model.tokens.bos ?? 1];
while (tokens.length < prompt) tokens.push(259 + Math.floor(random() * (vocab - 259)));

async function once() {
  await seq.clearHistory();
  const t0 = performance.now();
  await seq.evaluateWithoutGeneratingNewTokens(tokens);
  const t1 = performance.now();
  let n = 0;
  for await (const t of seq.evaluate([tokens[tokens.length - 1]], { temperature: 0 })) {
    if (++n >= gen) break;
  }
  const t2 = performance.now();
  return { prefill: prompt / ((t1 - t0) / 1000), decode: n / ((t2 - t1) / 1000) };
}

await once(); // warm-up
const runs = [];
for (let i = 0; i < repeat; i++) runs.push(await once());
const median = xs => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log(JSON.stringify({
  engine: "llama.cpp (node-llama-cpp 3.21.1)", model: modelPath, threads, prompt, gen,
  prefill_tok_s: median(runs.map(r => r.prefill)), decode_tok_s: median(runs.map(r => r.decode)), runs,
}));
process.exit(0);
