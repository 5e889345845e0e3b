// Log-probabilities that llama.cpp (the prebuilt CPU binaries of node-llama-cpp, pinned 3.21.1)
// gives each next token of a token sequence, as JSON: the number `mistral score --json` prints, for
// checking that the engine reads a GGUF (a K-quant, say) the way llama.cpp does.
// Setup (outside the repo): npm install node-llama-cpp@3.21.1
// Usage: node bench/llama-cpp-logprobs.mjs MODEL.gguf 1,415,2341,...
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const [modelPath, idsArg] = process.argv.slice(2);
const ids = idsArg.split(",").map(Number);
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: ids.length + 8, batchSize: Math.max(512, ids.length), threads: 1, flashAttention: false });
const seq = context.getSequence();
const input = ids.map(t => [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }]);
const out = await seq.controlledEvaluate(input);
const logprobs = [];
for (let p = 0; p + 1 < ids.length; p++) {
  const probs = out[p].next.probabilities;
  logprobs.push(Math.log(probs.get(ids[p + 1]) ?? 0));
}
console.log(JSON.stringify({ engine: "llama.cpp (node-llama-cpp 3.21.1)", model: modelPath, token_ids: ids, logprobs }));
process.exit(0);
