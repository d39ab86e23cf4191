// A loopback HTTP server standing in for a CRM: the side effect of the suites' and benchmarks' workflows.
/**
 * A loopback HTTP server that records what it receives (stands in for a CRM). `statusFor(request)`
 * chooses the answer (default 201), e.g. to make the CRM fail for some events.
 */
export async function startSink({ statusFor = () => 201 } = {}) {
	const { createServer } = await import('node:http');
	const requests = [];
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
			const request = { method: req.method, url: req.url, headers: req.headers, body: json ?? body };
			request.status = statusFor(request);
			requests.push(request);
			res.writeHead(request.status, { 'content-type': 'application/json' });
			res.end(request.status < 400 ? '{"ok":true}' : '{"error":"the CRM failed"}');
		});
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((r) => server.close(r)) };
}
