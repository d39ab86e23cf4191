// The test harness has one home (harness/), and imports point one way: the commands (scripts/) and the
// suites (e2e/) import harness/; harness/ imports neither, and the commands import no suite file.
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
	it('harness/ imports nothing from scripts/ or e2e/', () => {
		for (const file of filesIn('harness')) {
			const wrong = imports(file).filter((target) => target.startsWith('scripts/') || target.startsWith('e2e/'));
			assert.deepEqual(wrong, [], relative(ROOT, file));
		}
	});

	it('the commands in scripts/ import no suite file from e2e/', () => {
		for (const file of filesIn('scripts')) {
			const wrong = imports(file).filter((target) => target.startsWith('e2e/'));
			assert.deepEqual(wrong, [], relative(ROOT, file));
		}
	});
});
