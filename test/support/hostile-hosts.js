// Hostile API hosts for the transport's tests (issue 37 #2 and #4), on loopback only: a base URL that
// redirects, a recorder that stands for where a redirect points, a server that drips its body a byte at
// a time, and one whose list never ends. Each records what it received; each closes its sockets on close().
'use strict';
const http = require('node:http');

function listen(handler, host = '127.0.0.1') {
	const requests = [];
	const sockets = new Set();
	const server = http.createServer((req, res) => {
		requests.push({ method: req.method, url: req.url, headers: req.headers, host: req.headers.host });
		handler(req, res, requests.length);
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, host, () => {
			const { port } = server.address();
			resolve({
				url: `http://${host}:${port}`,
				requests,
				close: () =>
					new Promise((done) => {
						for (const socket of sockets) socket.destroy();
						server.close(() => done());
					}),
			});
		});
	});
}

/** Records every request and answers a JSON list, as a real API would: where a redirect points. */
function startRecorder(host = '127.0.0.1') {
	return listen((_req, res) => {
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify([{ id: 666, email: 'from-the-other-host@example.com' }]));
	}, host);
}

/** Answers every request with `status` and `Location: location`. */
function startRedirector(status, location) {
	return listen((_req, res) => {
		res.writeHead(status, { location, 'content-type': 'text/plain' });
		res.end('Moved');
	});
}

/**
 * Answers 200 with a JSON list, one byte every `everyMs` (never silent long enough for an idle
 * timeout), `bytes` in all. `sent()` tells how many bytes went out; `finished` whether the body ended.
 */
function startDripper({ everyMs = 200, bytes = 10_000 } = {}) {
	const state = { sent: 0, finished: false };
	const body = Buffer.from(JSON.stringify([{ id: 1, email: 'a@example.com', pad: 'p'.repeat(bytes) }]));
	return listen((_req, res) => {
		res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
		let at = 0;
		const tick = () => {
			if (res.destroyed) return;
			if (at >= body.length) {
				state.finished = true;
				res.end();
				return;
			}
			res.write(body.subarray(at, at + 1));
			at += 1;
			state.sent = at;
			setTimeout(tick, everyMs).unref();
		};
		tick();
	}).then((server) => Object.assign(server, { state }));
}

/** A list that always has a next page (`X-Pagination` says so), `perPage` testers a page. */
function startEndlessList({ perPage = 25 } = {}) {
	return listen((req, res) => {
		const page = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? 1);
		const testers = Array.from({ length: perPage }, (_, i) => ({ id: (page - 1) * perPage + i + 1, email: `t${page}-${i}@example.com` }));
		res.writeHead(200, {
			'content-type': 'application/json',
			'x-pagination': JSON.stringify({ current_page: page, next_page: page + 1, pages: page + 1, total_count: (page + 1) * perPage }),
		});
		res.end(JSON.stringify(testers));
	});
}

/** One page holding `count` testers, and no next page. */
function startHugePage({ count }) {
	const body = JSON.stringify(Array.from({ length: count }, (_, i) => ({ id: i + 1 })));
	return listen((_req, res) => {
		res.writeHead(200, { 'content-type': 'application/json', 'x-pagination': JSON.stringify({ current_page: 1, pages: 1, total_count: count }) });
		res.end(body);
	});
}

module.exports = { startRecorder, startRedirector, startDripper, startEndlessList, startHugePage };
