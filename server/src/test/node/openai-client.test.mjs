// The official openai npm client against a running `mistral serve` (BASE_URL, MODEL_ID and API_KEY from
// OpenAiNodeClientTest): chat, streaming, completions with logprobs, moderations and errors, unchanged client code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 });
const model = process.env.MODEL_ID;
const messages = [{ role: 'system', content: 'Speak as Moses.' }, { role: 'user', content: 'In the beginning' }];

test('chat completion', async () => {
  const r = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.ok(r.choices[0].message.content.length > 0);
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  if (process.env.EXPECTED_TEXT !== undefined) assert.equal(r.choices[0].message.content, process.env.EXPECTED_TEXT);
});

test('streamed chat adds up to the whole answer, usage in the last chunk', async () => {
  const whole = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0 });
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 16, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, whole.choices[0].message.content);
  assert.ok(finish);
  assert.equal(usage.completion_tokens, whole.usage.completion_tokens);
});

test('completion with logprobs', async () => {
  const r = await client.completions.create({ model, prompt: 'In the beginning God', max_tokens: 6, temperature: 0, logprobs: 2 });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].logprobs.tokens.length, 6);
  assert.equal(r.choices[0].logprobs.token_logprobs.length, 6);
  assert.equal(Object.keys(r.choices[0].logprobs.top_logprobs[0]).length, 2);
});

test('moderation', async () => {
  const r = await client.moderations.create({ model, input: 'And God said, Let there be light' });
  assert.equal(r.results.length, 1);
  assert.equal(typeof r.results[0].flagged, 'boolean');
  assert.equal(Object.keys(r.results[0].category_scores).length, 13);
});

test('errors come back as the client\'s API errors', async () => {
  await assert.rejects(client.chat.completions.create({ model, messages, n: 3 }), (e) => e.status === 400 && e.param === 'n');
  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages }), (e) => e.status === 404);
  const wrongKey = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(wrongKey.models.list(), (e) => e.status === 401);
  const models = await client.models.list();
  assert.equal(models.data[0].id, model);
});
