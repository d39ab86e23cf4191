// The test harness has one home (harness/), and imports point one way: the commands (scripts/), the
// benchmarks (bench/) and the suites (e2e/) import harness/; harness/ imports none of them, and the
// commands and benchmarks import no suite file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../harness/runtime.mjs';

function imports(file) {
	const text = readFileSync(file, 'utf8');
	return [...text.matchAll(/(?:\bfrom|\bimport\(|\brequire\()\s*['"](\.[^'"]+)['"]/g)].map((m) => relative(ROOT, resolve(file, '..', m[1])));
}
const filesIn = (dir) => readdirSync(join(ROOT, dir)).filter((name) => /\.(mjs|cjs|js)$/.test(name)).map((name) => join(ROOT, dir, name));

describe('the harness has one home, with imports in one direction', () => {
	it('harness/ imports nothing from scripts/, bench/ or e2e/', () => {
		for (const file of filesIn('harness')) {
			const wrong = imports(file).filter((target) => ['scripts/', 'bench/', 'e2e/'].some((dir) => target.startsWith(dir)));
			assert.deepEqual(wrong, [], relative(ROOT, file));
		}
	});

	it('the commands in scripts/ import no suite file from e2e/', () => {
		for (const file of filesIn('scripts')) {
			const wrong = imports(file).filter((target) => target.startsWith('e2e/'));
			assert.deepEqual(wrong, [], relative(ROOT, file));
		}
	});

	it('the benchmarks in bench/ import no suite file from e2e/', () => {
		const files = filesIn('bench');
		assert.ok(files.length > 0, 'bench/ holds the benchmarks');
		for (const file of files) {
			const wrong = imports(file).filter((target) => target.startsWith('e2e/'));
			assert.deepEqual(wrong, [], relative(ROOT, file));
		}
	});

	it('the benchmarks live in bench/, not among the commands in scripts/', () => {
		const stray = readdirSync(join(ROOT, 'scripts')).filter((name) => /^bench/.test(name));
		assert.deepEqual(stray, [], 'move them to bench/ (npm run bench runs bench/run.mjs)');
	});
});
