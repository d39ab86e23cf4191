// A loopback HTTP server standing in for a CRM: the side effect of the suites' and benchmarks' workflows.
/**
 * A loopback HTTP server that records what it receives (stands in for a CRM). `statusFor(request)`
 * chooses the answer (default 201), e.g. to make the CRM fail for some events: a status, or
 * `{ status, delayMs }` for a CRM that carries the request out at once but answers late (a stall past
 * the caller's timeout: the contact exists, the caller saw no answer).
 *
 * Like the CRM and payment APIs that document an `Idempotency-Key` header (the examples send one),
 * a request whose key already succeeded is answered as before and creates nothing: it is recorded
 * with `replayed: true`, and `effects()` leaves it out. Requests without the header are all effects.
 */
export async function startSink({ statusFor = () => 201 } = {}) {
	const { createServer } = await import('node:http');
	const requests = [];
	/** Idempotency keys whose request succeeded. */
	const succeeded = new Set();
	const server = createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			let json = null;
			try {
				json = JSON.parse(body);
			} catch {
				// keep raw
			}
			const request = { method: req.method, url: req.url, headers: req.headers, body: json ?? body, at: Date.now() };
			const key = req.headers['idempotency-key'];
			const scopedKey = key === undefined ? undefined : `${req.url} ${key}`;
			request.replayed = scopedKey !== undefined && succeeded.has(scopedKey);
			const answer = request.replayed ? 201 : statusFor(request);
			request.status = typeof answer === 'number' ? answer : answer.status;
			request.delayMs = typeof answer === 'number' ? 0 : (answer.delayMs ?? 0);
			if (scopedKey !== undefined && request.status < 400) succeeded.add(scopedKey);
			requests.push(request);
			const reply = () => {
				if (res.destroyed) return;
				res.writeHead(request.status, { 'content-type': 'application/json' });
				res.end(request.status < 400 ? '{"ok":true}' : JSON.stringify({ errors: [{ message: request.status === 422 ? 'Email is not accepted' : 'the CRM failed' }] }));
			};
			if (request.delayMs > 0) setTimeout(reply, request.delayMs).unref();
			else reply();
		});
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		requests,
		/** The requests that changed something: succeeded, and not a replay of an idempotency key. */
		effects: () => requests.filter((request) => request.status < 400 && !request.replayed),
		close: () => new Promise((r) => server.close(r)),
	};
}
