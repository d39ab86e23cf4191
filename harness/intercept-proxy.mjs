// An intercepting HTTPS proxy on loopback, so a suite can see the request an n8n node really sends to a
// tool's API (HubSpot, Mailchimp, …) and answer it as that API documents, with no account and no
// internet. n8n 2.41 sends its nodes' outbound HTTP through the standard proxy variables
// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); Node trusts an extra CA from NODE_EXTRA_CA_CERTS. The proxy makes a
// throw-away CA (openssl, in a temporary folder removed by close()), and for each host a CONNECT asks for
// a certificate signed by it, then reads the HTTP requests inside the tunnel.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { aptInstall } from './runtime.mjs';

const run = promisify(execFile);

async function openssl(args, cwd) {
	await run('openssl', args, { cwd });
}

/**
 * Starts the proxy. `answer(request)` returns what the tool's API would answer: `{ status, body,
 * headers }` (body: an object is sent as JSON, a string as it is); default 404. Every request is
 * recorded in `requests` as `{ host, via, method, path, query, headers, body, raw }` (`via`: 'tunnel' for
 * a CONNECT, 'absolute-uri' for a plain request naming the whole URL; body parsed from JSON or from a
 * form when it can be) and `answered` is set on it.
 * `env` holds the variables to give n8n: the proxy for http and https, loopback left out, and the CA.
 */
export async function startInterceptProxy({ answer = () => ({ status: 404, body: { message: 'not simulated' } }), log = () => {} } = {}) {
	try {
		await run('openssl', ['version']);
	} catch {
		await aptInstall(['openssl'], { label: 'openssl (the proxy\'s throw-away CA)', log });
	}
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-intercept-'));
	await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=prefinery-tests throw-away CA'], dir);
	const certs = new Map();
	let serial = 1;
	/** The host's key and certificate, made once (SAN = the host), signed by the CA. */
	const certFor = (host) => {
		if (!certs.has(host)) {
			const name = `host-${serial}`;
			serial += 1;
			writeFileSync(join(dir, `${name}.ext`), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
			certs.set(
				host,
				(async () => {
					await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${host}`], dir);
					await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
					return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) };
				})(),
			);
		}
		return certs.get(host);
	};

	const requests = [];
	const handle = (host, via, req, res) => {
		let raw = '';
		req.setEncoding('utf8');
		req.on('data', (chunk) => (raw += chunk));
		req.on('end', async () => {
			const url = new URL(req.url, `https://${host}`);
			let body = raw;
			const type = String(req.headers['content-type'] ?? '');
			try {
				if (type.includes('json') && raw) body = JSON.parse(raw);
				else if (type.includes('x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
			} catch {
				// kept raw
			}
			const request = { host, via, method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, raw };
			requests.push(request);
			let reply;
			try {
				reply = (await answer(request)) ?? { status: 404, body: { message: 'not simulated' } };
			} catch (error) {
				reply = { status: 500, body: { message: `the simulator failed: ${error.message}` } };
			}
			request.answered = reply.status;
			const text = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
			res.writeHead(reply.status, { ...(typeof reply.body === 'string' || reply.body === undefined ? {} : { 'content-type': 'application/json' }), ...reply.headers });
			res.end(text);
		});
	};

	// One HTTP server parses the requests that arrive in every tunnel; its handler learns the host from
	// the tunnel's socket.
	const inner = createServer((req, res) => handle(req.socket.interceptHost, 'tunnel', req, res));
	const proxy = createServer((req, res) => {
		// A plain-http request through the proxy: the request line holds the absolute URL.
		const url = new URL(req.url);
		req.url = `${url.pathname}${url.search}`;
		handle(url.host, 'absolute-uri', req, res);
	});
	const sockets = new Set();
	proxy.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	proxy.on('connect', async (req, socket, head) => {
		const host = req.url.replace(/:\d+$/, '');
		let tls;
		try {
			const { key, cert } = await certFor(host);
			socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			tls = new TLSSocket(socket, { isServer: true, key, cert });
		} catch (error) {
			socket.end(`HTTP/1.1 502 Bad Gateway\r\n\r\n${error.message}`);
			return;
		}
		if (head?.length) socket.unshift(head);
		tls.interceptHost = host;
		tls.on('error', () => socket.destroy());
		inner.emit('connection', tls);
	});
	await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${proxy.address().port}`;
	return {
		url,
		caFile: join(dir, 'ca.pem'),
		requests,
		env: {
			HTTPS_PROXY: url,
			HTTP_PROXY: url,
			https_proxy: url,
			http_proxy: url,
			NO_PROXY: '127.0.0.1,localhost,::1',
			no_proxy: '127.0.0.1,localhost,::1',
			NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
		},
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => proxy.close(resolve));
			inner.close();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
