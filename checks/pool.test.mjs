// harness/pool.mjs, which runs npm test's parts side by side: jobs that share a group never overlap,
// whether a job names one group or several (scripts/test.mjs keeps the queue suite apart from both the
// templates and the chaos suites, and lets those two overlap). Each job is a real process that takes a
// lock file per group it names and fails if one is already held, so an overlap fails its job.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { runPool } from '../harness/pool.mjs';

/** Holds a lock per group for a while; exits 3 when another job holds one of them. */
const JOB = `
const { openSync, closeSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [dir, name, ...groups] = process.argv.slice(1);
const held = [];
for (const group of groups) {
	try { closeSync(openSync(join(dir, group + '.lock'), 'wx')); held.push(group); }
	catch { process.stderr.write(name + ' overlaps a job of group ' + group + '\\n'); process.exit(3); }
}
writeFileSync(join(dir, name + '.ran'), '');
setTimeout(() => { for (const group of held) rmSync(join(dir, group + '.lock')); }, 300);
`;

it('jobs that share a group never run side by side; a job may name several groups', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-pool-'));
	const job = (name, group) => ({ name, group, command: process.execPath, args: ['-e', JOB, dir, name, ...[group ?? []].flat()] });
	const jobs = [job('queue', ['heavy', 'cluster']), job('templates', 'heavy'), job('chaos', ['cluster']), job('free-1'), job('free-2')];
	const write = { out: process.stdout.write, err: process.stderr.write };
	let results;
	// The pool prints each job's block; keep it out of this check's own output.
	process.stdout.write = process.stderr.write = () => true;
	try {
		results = await runPool(jobs, { concurrency: 5, timesFile: join(dir, 'times.json'), estimates: { queue: 5, templates: 4, chaos: 3 } });
	} finally {
		Object.assign(process.stdout, { write: write.out });
		Object.assign(process.stderr, { write: write.err });
	}
	assert.deepEqual(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.text}`), []);
	assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.ran')).sort(), ['chaos.ran', 'free-1.ran', 'free-2.ran', 'queue.ran', 'templates.ran']);
});
