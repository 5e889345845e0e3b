// Load on an OpenAI-compatible server (mistral serve, llama-server, ...): requests/s, time to first token and
// aggregate decode tok/s at each concurrency. Node 18+ (fetch), no packages.
//   node bench/serve-bench.mjs http://127.0.0.1:8080 [concurrency list, default 1,4,8] [requests per level, default 16] [max_tokens, default 64]
// Streams chat completions with stream_options.include_usage and counts the completion tokens the server reports.
const [base = 'http://127.0.0.1:8080', levels = '1,4,8', perLevel = '16', maxTokens = '64'] = process.argv.slice(2);
const headers = { 'Content-Type': 'application/json' };
if (process.env.API_KEY) headers.Authorization = `Bearer ${process.env.API_KEY}`;
const prompts = ['Tell me about the sea.', 'Write a short poem about bread.', 'What is a window in attention?', 'Name three rivers.'];

async function one(i) {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST', headers,
    body: JSON.stringify({
      messages: [{ role: 'user', content: `${prompts[i % prompts.length]} (${i})` }], max_tokens: Number(maxTokens),
      temperature: 0.7, seed: i, stream: true, stream_options: { include_usage: true },
    }),
  });
  if (res.status !== 200) return { status: res.status };
  let first = null, tokens = 0, buf = '';
  const decoder = new TextDecoder();
  for await (const part of res.body) {
    buf += decoder.decode(part, { stream: true });
    let k;
    while ((k = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, k); buf = buf.slice(k + 2);
      if (!ev.startsWith('data: {')) continue;
      const chunk = JSON.parse(ev.slice(6));
      if (first === null && chunk.choices?.some((c) => c.delta?.content)) first = performance.now();
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
  }
  const t1 = performance.now();
  return { status: 200, ttft: (first ?? t1) - t0, decodeMs: t1 - (first ?? t1), tokens, total: t1 - t0 };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const results = [];
for (const c of levels.split(',').map(Number)) {
  let next = 0;
  const done = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < Number(perLevel)) done.push(await one(next++));
  }));
  const secs = (performance.now() - t0) / 1000;
  const ok = done.filter((r) => r.status === 200);
  const tokens = ok.reduce((s, r) => s + r.tokens, 0);
  results.push({
    concurrency: c, requests: done.length, ok: ok.length, requests_per_s: ok.length / secs,
    ttft_ms_median: median(ok.map((r) => r.ttft)), aggregate_decode_tok_s: tokens / secs,
    per_stream_decode_tok_s_median: median(ok.filter((r) => r.decodeMs > 0).map((r) => (r.tokens - 1) / (r.decodeMs / 1000))),
  });
  const r = results.at(-1);
  console.error(`concurrency ${c}: ${r.ok}/${r.requests} ok, ${r.requests_per_s.toFixed(3)} req/s, TTFT ${r.ttft_ms_median.toFixed(0)} ms, `
    + `aggregate ${r.aggregate_decode_tok_s.toFixed(2)} tok/s, per stream ${r.per_stream_decode_tok_s_median.toFixed(2)} tok/s`);
}
console.log(JSON.stringify({ base, max_tokens: Number(maxTokens), results }, null, 1));
