// A scripted OpenAI-compatible chat model on 127.0.0.1, for the AI Agent suite (e2e/agent.e2e.test.mjs).
// No network, no real model: it answers what n8n's OpenAI Chat Model node calls.
// - GET  /v1/models: one model (the node's model list in the editor, and the OpenAI credential's Test).
// - POST /v1/chat/completions: while the conversation holds no tool result, it calls the tool whose name
//   `pickTool(tools)` chooses with `argumentsFor(tool)`; once a tool message came back, it answers with
//   `finalAnswer(toolMessages)`. Streamed (`stream: true`, server-sent events) or not, as asked.
// Every request is recorded (`requests`), so a test can show what the model received.
import { createServer } from 'node:http';

export const SCRIPTED_MODEL = 'scripted-model';

export async function startScriptedModel({
	pickTool = (tools) => tools[0],
	argumentsFor = () => ({}),
	finalAnswer = (toolMessages) => `Here is what the tool returned: ${toolMessages.map((m) => m.content).join('\n')}`,
} = {}) {
	const requests = [];
	let calls = 0;
	const server = createServer((req, res) => {
		let raw = '';
		req.on('data', (chunk) => (raw += chunk));
		req.on('end', () => {
			let body = null;
			try {
				body = raw ? JSON.parse(raw) : null;
			} catch {
				body = raw;
			}
			const path = new URL(req.url, 'http://127.0.0.1').pathname;
			requests.push({ method: req.method, path, headers: req.headers, body });
			const json = (status, value) => {
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(value));
			};
			if (req.method === 'GET' && path.endsWith('/models')) {
				return json(200, { object: 'list', data: [{ id: SCRIPTED_MODEL, object: 'model', created: 1700000000, owned_by: 'prefinery-tests' }] });
			}
			if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
				return json(404, { error: { message: `the scripted model does not answer ${req.method} ${path}`, type: 'invalid_request_error' } });
			}
			const messages = Array.isArray(body?.messages) ? body.messages : [];
			const toolMessages = messages.filter((m) => m.role === 'tool');
			const tools = (body?.tools ?? []).map((t) => t.function ?? t);
			let message;
			let finishReason;
			if (toolMessages.length === 0 && tools.length > 0) {
				const tool = pickTool(tools);
				if (!tool) return json(400, { error: { message: 'no tool to call among ' + tools.map((t) => t.name).join(', ') } });
				calls += 1;
				message = {
					role: 'assistant',
					content: null,
					tool_calls: [{ id: `call_scripted_${calls}`, type: 'function', function: { name: tool.name, arguments: JSON.stringify(argumentsFor(tool)) } }],
				};
				finishReason = 'tool_calls';
			} else {
				message = { role: 'assistant', content: finalAnswer(toolMessages, messages) };
				finishReason = 'stop';
			}
			const id = `chatcmpl-scripted-${requests.length}`;
			const created = Math.floor(Date.now() / 1000);
			const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
			if (body?.stream) {
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
				const send = (delta, finish_reason = null, extra = {}) =>
					res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason }], ...extra })}\n\n`);
				if (message.tool_calls) {
					send({ role: 'assistant', content: null, tool_calls: message.tool_calls.map((call, index) => ({ index, ...call })) });
				} else {
					send({ role: 'assistant', content: message.content });
				}
				send({}, finishReason);
				if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })}\n\n`);
				res.end('data: [DONE]\n\n');
				return;
			}
			json(200, { id, object: 'chat.completion', created, model: body?.model ?? SCRIPTED_MODEL, choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }], usage });
		});
	});
	await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
	const origin = `http://127.0.0.1:${server.address().port}`;
	return {
		origin,
		/** The OpenAI credential's Base URL. */
		url: `${origin}/v1`,
		requests,
		/** The chat-completion requests, in order. */
		completions: () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chat/completions')),
		close: () =>
			new Promise((resolveClose) => {
				server.closeAllConnections?.();
				server.close(() => resolveClose());
			}),
	};
}
