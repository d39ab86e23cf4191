// docs/development.md's layout is the tree's: the map cannot drift from the house.
// - Every folder it names exists.
// - Every top-level folder in git, and every folder directly inside the code folders, has a line.
// - A line that lists modules after its colon (lib/, nodes/shared/, harness/, bench/, scripts/,
//   checks/) lists exactly that folder's code files, by name without extension (words in parentheses
//   are descriptions, not names).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../harness/runtime.mjs';

const doc = readFileSync(join(ROOT, 'docs', 'development.md'), 'utf8');
const block = /\nLayout[^\n]*\n(?:[^\n]*\n)*?```\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
/** Entries: a line that starts with a folder, with the continuation lines of its description. */
const entries = [];
for (const line of block.split('\n')) {
	const m = /^(\S+\/)\s+(.*)$/.exec(line);
	if (m) entries.push({ folder: m[1], text: m[2] });
	else if (line.trim() && entries.length > 0) entries.at(-1).text += ` ${line.trim()}`;
}
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
	.split('\n')
	.filter(Boolean);
const folders = new Set();
for (const file of tracked) {
	const parts = file.split('/');
	for (let depth = 1; depth < parts.length; depth++) folders.add(`${parts.slice(0, depth).join('/')}/`);
}
/** Folders whose direct sub-folders must each have a line too. */
const CODE_FOLDERS = ['lib/', 'nodes/', 'nodes/Prefinery/', 'test/', 'e2e/', 'examples/', 'docs/', 'bench/', 'harness/', 'scripts/', 'checks/'];
const CODE_FILE = /\.(ts|mjs|cjs|js)$/;

describe("docs/development.md's layout is the tree's", () => {
	it('has a layout block with entries', () => {
		assert.ok(entries.length > 10, 'docs/development.md has a "Layout" block with a line per folder');
	});

	it('every folder it names exists', () => {
		const missing = entries.filter((entry) => !folders.has(entry.folder)).map((entry) => entry.folder);
		assert.deepEqual(missing, [], 'these folders are in the layout but not in the tree');
	});

	it('every top-level folder, and every folder directly inside a code folder, has a line', () => {
		const named = new Set(entries.map((entry) => entry.folder));
		const wanted = [...folders].filter((folder) => {
			const depth = folder.split('/').length - 1;
			if (depth === 1) return true;
			const parent = `${folder.split('/').slice(0, -2).join('/')}/`;
			return CODE_FOLDERS.includes(parent);
		});
		assert.deepEqual(wanted.filter((folder) => !named.has(folder)).sort(), [], 'add a line for these folders');
	});

	for (const folder of ['lib/', 'nodes/shared/', 'harness/', 'bench/', 'scripts/', 'checks/']) {
		it(`${folder}: the modules listed are exactly the folder's files`, () => {
			const entry = entries.find((e) => e.folder === folder);
			assert.ok(entry, `no line for ${folder}`);
			// After the colon, up to the end of that sentence; parentheses are descriptions.
			const text = entry.text.replace(/\([^)]*\)/g, '');
			const list = text.slice(text.indexOf(':') + 1).split(/\.(\s|$)/)[0];
			const names = list.split(',').map((item) => item.trim().split(/\s+/)[0]);
			const files = tracked
				.filter((file) => file.startsWith(folder) && !file.slice(folder.length).includes('/') && CODE_FILE.test(file))
				.map((file) => file.slice(folder.length).replace(/(\.e2e)?(\.test)?\.(ts|mjs|cjs|js)$/, ''));
			assert.deepEqual([...new Set(names)].sort(), [...new Set(files)].sort());
		});
	}
});
