// harness/runtime.mjs installs a pinned npm folder once even when two processes ask at the same time
// (CI installs the other n8n versions in the background while npm test runs): one installs, the other
// waits for it; a lock left by a process that died is taken over.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../harness/runtime.mjs';

const work = mkdtempSync(join(tmpdir(), 'prefinery-lock-'));
after(() => rmSync(work, { recursive: true, force: true }));
const spec = join(work, 'spec');
mkdirSync(spec);
writeFileSync(join(spec, 'package.json'), JSON.stringify({ name: 'lock-check', version: '1.0.0', private: true, dependencies: {} }));
writeFileSync(join(spec, 'package-lock.json'), JSON.stringify({ name: 'lock-check', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'lock-check', version: '1.0.0' } } }));

/** A separate process that installs `spec` into `dir`; its `after()` step appends to `calls` and takes 1.5 s. */
function installer(dir, calls) {
	const script = `
		import { ensurePinnedInstall } from ${JSON.stringify(pathToFileURL(join(ROOT, 'harness', 'runtime.mjs')).href)};
		import { appendFileSync } from 'node:fs';
		await ensurePinnedInstall({ label: 'lock check', specDir: ${JSON.stringify(spec)}, dir: ${JSON.stringify(dir)}, log: () => {},
			after: async () => { appendFileSync(${JSON.stringify(calls)}, 'installed\\n'); await new Promise((r) => setTimeout(r, 1500)); } });`;
	const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
	return new Promise((resolveExit) => child.on('exit', resolveExit));
}

describe('installing a pinned folder from two processes at once', { timeout: 120_000 }, () => {
	it('installs once; the second process waits and finds it ready', async () => {
		const dir = join(work, 'target');
		const calls = join(work, 'calls.txt');
		writeFileSync(calls, '');
		assert.deepEqual(await Promise.all([installer(dir, calls), installer(dir, calls)]), [0, 0]);
		assert.equal(readFileSync(calls, 'utf8'), 'installed\n');
	});

	it('takes over a lock left by a process that no longer runs', async () => {
		const dir = join(work, 'stale');
		const calls = join(work, 'stale-calls.txt');
		writeFileSync(calls, '');
		mkdirSync(`${dir}.lock`, { recursive: true });
		writeFileSync(join(`${dir}.lock`, 'pid'), '2147483646\n');
		assert.equal(await installer(dir, calls), 0);
		assert.equal(readFileSync(calls, 'utf8'), 'installed\n');
	});
});

// The README's Set-up names the EBADENGINE warnings npm prints on the development floors (issue 36):
// the lockfile's packages whose engines exclude each floor are exactly those it names.
describe("the README's expected EBADENGINE warnings are the lockfile's", () => {
	const require = createRequire(import.meta.url);
	const semver = require('semver');
	const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
	const refusing = (version) => {
		const names = new Set();
		for (const [path, info] of Object.entries(lock.packages)) {
			const range = info.engines?.node;
			if (path && range && !info.optional && !semver.satisfies(version, range)) names.add(path.replace(/^.*node_modules\//, ''));
		}
		return [...names].sort();
	};
	it('Node 20.19: isolated-vm and content-type; 22.13: isolated-vm; 24: none', () => {
		assert.deepEqual(refusing('20.19.0'), ['content-type', 'isolated-vm']);
		assert.deepEqual(refusing('22.13.0'), ['isolated-vm']);
		assert.deepEqual(refusing('24.0.0'), []);
	});
	it('the README names those floors and packages', () => {
		const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
		assert.match(readme, /Node 20\.19, 22\.13, 24 or newer/);
		for (const name of ['isolated-vm', 'content-type']) assert.ok(readme.includes(`\`${name}\``), `the README names ${name}`);
	});
});
