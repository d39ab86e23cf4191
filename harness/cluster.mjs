// n8n's queue mode on loopback, as self-hosters run it: PostgreSQL 17 and Redis (harness/
// services.mjs), one main process (editor, API, test webhooks), webhook processes (production
// webhooks, enqueue) and workers (executions), each with its own user folder holding the package.
// Also a round-robin HTTP proxy in front of the webhook processes, as a load balancer would be.
import { createServer, request as httpRequest } from 'node:http';
import { startN8n } from './n8n.mjs';
import { runtimeRequire } from './runtime.mjs';
import { startPostgres, startRedis } from './services.mjs';

/** N8N_GRACEFUL_SHUTDOWN_TIMEOUT for every process of the cluster; bounds only a broken stop. */
const GRACEFUL_SHUTDOWN_SECONDS = 120;

/** The `pg` client that ships inside the n8n runtime. */
export function pgClient(port, database = 'postgres') {
	const { Client } = runtimeRequire('pg');
	return new Client({ host: '127.0.0.1', port, user: 'n8n', database });
}

export async function sql(port, text, { database } = {}) {
	const client = pgClient(port, database);
	await client.connect();
	try {
		return await client.query(text);
	} finally {
		await client.end();
	}
}

/**
 * Starts the cluster. `tarball` is installed into every process's user folder except the ones
 * named in `withoutPackage` (e.g. ['worker-1']). Returns { pg, redis, main, webhooks, workers,
 * env, stop() }; processes are named main, webhook-1…, worker-1….
 */
export async function startCluster({ tarball, webhooks = 2, workers = 1, log = () => {}, withoutPackage = [], env: extraEnv = {} } = {}) {
	const started = [];
	const stopAll = async () => {
		for (const part of started.reverse()) await part.stop().catch(() => {});
	};
	try {
		log('[queue] starting PostgreSQL 17 and Redis');
		const pg = await startPostgres({ log });
		started.push({ stop: () => pg.stop() });
		const redis = await startRedis({ log });
		started.push({ stop: () => redis.stop() });
		const env = {
			EXECUTIONS_MODE: 'queue',
			...pg.n8nDatabase('postgres'),
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			N8N_ENCRYPTION_KEY: 'prefinery-queue-mode-test-encryption-key',
			// How long a stopping process waits for the executions it holds (n8n's default 30 s). A webhook
			// process waits for every execution it enqueued: killed before they finish, no process is left to
			// record a job that then fails as stalled (n8n 2.41.1 sets Bull's maxStalledCount to 0), and its
			// execution stays "new" or "running" until main's queue recovery (at start-up, else every 3 h).
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: String(GRACEFUL_SHUTDOWN_SECONDS),
			...extraEnv,
		};
		const start = async (name, command, more = {}) => {
			log(`[queue] starting ${name} (n8n ${command})`);
			const instance = await startN8n({
				command,
				// A stopping process finishes its executions first (n8n waits up to
				// N8N_GRACEFUL_SHUTDOWN_TIMEOUT): never cut that short.
				stopGraceMs: (GRACEFUL_SHUTDOWN_SECONDS + 15) * 1000,
				tarball: withoutPackage.includes(name) ? undefined : tarball,
				log,
				env: { ...env, ...more },
			});
			instance.name = name;
			started.push({ stop: () => instance.dispose() });
			return instance;
		};
		// Main first: it runs the database migrations. It serves the editor, the API and test
		// webhooks; production webhooks go to the webhook processes only (with none, main serves
		// them: with EXECUTIONS_MODE=regular that is the single-process baseline of the benchmark).
		const main = await start('main', 'start', webhooks > 0 ? { N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true' } : {});
		const webhookProcesses = [];
		for (let i = 1; i <= webhooks; i += 1) webhookProcesses.push(await start(`webhook-${i}`, 'webhook'));
		const workerProcesses = [];
		for (let i = 1; i <= workers; i += 1) workerProcesses.push(await start(`worker-${i}`, 'worker'));
		return { pg, redis, main, webhooks: webhookProcesses, workers: workerProcesses, env, stop: stopAll };
	} catch (error) {
		await stopAll();
		throw error;
	}
}

/**
 * A loopback round-robin proxy over `targets` (base URLs), configured like docs/duplicates-and-queue-mode.md recommends for
 * a load balancer (nginx: `proxy_next_upstream error timeout http_404 non_idempotent;`): a request
 * that cannot reach one webhook process, or that it answers 404 (a process that has just started
 * and not yet registered the published workflows), goes to the next one. When every process answers
 * 404 the client gets that 404; when none answers, a connection reset (which Prefinery retries),
 * never a made-up status.
 */
export async function startRoundRobinProxy(allTargets) {
	let targets = [...allTargets];
	let next = 0;
	const forward = (target, req, body) =>
		new Promise((resolveForward, reject) => {
			const url = new URL(req.url, target);
			const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, resolveForward);
			upstream.on('error', reject);
			upstream.end(body);
		});
	const server = createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', async () => {
			const body = Buffer.concat(chunks);
			const first = next % targets.length;
			next = (first + 1) % targets.length;
			let notFound = null;
			for (let i = 0; i < targets.length; i += 1) {
				let upstream;
				try {
					upstream = await forward(targets[(first + i) % targets.length], req, body);
				} catch {
					continue; // connection refused or reset: try the next webhook process
				}
				if (upstream.statusCode === 404 && i < targets.length - 1) {
					notFound = upstream;
					upstream.resume();
					continue;
				}
				res.writeHead(upstream.statusCode, upstream.headers);
				upstream.pipe(res);
				return;
			}
			if (notFound) {
				res.writeHead(404, notFound.headers);
				res.end();
				return;
			}
			req.socket.destroy();
		});
	});
	await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		/** Takes a target out of rotation (drain it before stopping it), or puts it back. */
		drain: (target) => {
			targets = targets.filter((t) => t !== target);
		},
		restore: (target) => {
			if (!targets.includes(target)) targets.push(target);
		},
		close: () => new Promise((resolveClose) => server.close(resolveClose)),
	};
}
