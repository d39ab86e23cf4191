// harness/pool.mjs, which runs npm test's parts side by side: jobs of one group never overlap, nor a
// job and one of a kind it keeps apart from (scripts/test.mjs and scripts/compat.mjs keep the queue suite
// apart from the templates and the chaos suites, which may overlap each other). Each job is a real
// process that marks itself running with a file and fails if a job it must not meet is running, so an
// overlap fails its job. The templates and catch-up suites, which wait on polls, get slots of their own.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { runPool, SUITES_APART } from '../harness/pool.mjs';
import { ROOT } from '../harness/runtime.mjs';

/** Runs for a while; exits 3 when one of the jobs named after its own name is running. */
const JOB = `
const { existsSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [dir, name, ...never] = process.argv.slice(1);
const met = never.filter((other) => existsSync(join(dir, other + '.running')));
if (met.length > 0) { process.stderr.write(name + ' ran beside ' + met.join(', ') + '\\n'); process.exit(3); }
writeFileSync(join(dir, name + '.running'), '');
writeFileSync(join(dir, name + '.ran'), '');
setTimeout(() => rmSync(join(dir, name + '.running')), 300);
`;

it('jobs of one group, or of kinds kept apart, never run side by side', async () => {
	assert.deepEqual(SUITES_APART.queue, ['templates', 'chaos']);
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-pool-'));
	const specs = [
		{ name: '1.123/queue', kind: 'queue', apart: SUITES_APART.queue, never: ['1.123/templates', '1.85/templates', 'chaos'] },
		{ name: '1.123/templates', kind: 'templates', never: ['1.123/queue'] },
		{ name: '1.85/templates', kind: 'templates', never: ['1.123/queue'] },
		{ name: 'chaos', kind: 'chaos', never: ['1.123/queue'] },
		{ name: '1.123/install', kind: 'install', group: 'install', never: ['1.85/install'] },
		{ name: '1.85/install', kind: 'install', group: 'install', never: ['1.123/install'] },
		{ name: 'free', kind: 'trigger', never: [] },
	];
	const file = (name) => name.replace('/', '-');
	const jobs = specs.map(({ never, ...job }) => ({ ...job, quiet: true, command: process.execPath, args: ['-e', JOB, dir, file(job.name), ...never.map(file)] }));
	// The pool prints each job's block; keep it out of this check's own output.
	const nowhere = { write: () => true };
	const results = await runPool(jobs, { concurrency: specs.length, timesFile: join(dir, 'times.json'), out: nowhere, err: nowhere });
	assert.deepEqual(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.text}`), []);
	assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.ran')).sort(), specs.map((s) => `${file(s.name)}.ran`).sort());
});

it("the other versions' jobs (harness/compat.mjs, npm test's and test:compat's) carry those rules and their version", async () => {
	const { chooseSpecs, compatJobs } = await import('../harness/compat.mjs');
	const specs = chooseSpecs(['all']);
	const installed = Promise.resolve();
	const jobs = compatJobs(specs, { before: installed });
	assert.equal(jobs.length, specs.reduce((sum, spec) => sum + spec.suites.length, 0));
	for (const job of jobs) {
		assert.equal(job.env.PREFINERY_N8N, job.spec.name, job.name);
		assert.equal(job.before, installed, job.name);
		assert.equal(job.group, job.kind === 'install' ? 'install' : undefined, job.name);
		assert.deepEqual(job.apart, SUITES_APART[job.kind], job.name);
	}
	assert.ok(jobs.some((job) => job.kind === 'queue'), 'a version runs the queue suite');
	assert.throws(() => chooseSpecs(['0.1']), /No e2e\/compat\/n8n-0\.1\. Known: .*\(or all\)/);
});

it('a suite that prints LIGHT_MARKER (the rest of it waits on timers) no longer keeps the others apart', async () => {
	const { LIGHT_MARKER } = await import('../harness/pool.mjs');
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-pool-light-'));
	// "chaos" runs heavy for a moment, prints the marker, then stays running for a while; "queue" (kept
	// apart from it) records whether chaos was still running when it started, and whether it was heavy.
	const chaos = `
const { writeFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const dir = process.argv[1];
writeFileSync(join(dir, 'chaos.heavy'), '');
setTimeout(() => {
	rmSync(join(dir, 'chaos.heavy'));
	writeFileSync(join(dir, 'chaos.light'), '');
	// The marker mid-chunk, with more output after it in the same write.
	process.stdout.write('# [chaos] 219 s: ' + ${JSON.stringify(LIGHT_MARKER)} + '\\n' + '# [chaos] 220 s: catch-up: head at 1181 of 1181\\n'.repeat(20));
	// It stays running until queue has looked (queue starts only after the marker), or 60 s for a broken run.
	const since = Date.now();
	const done = setInterval(() => {
		if (!require('node:fs').existsSync(join(dir, 'queue.saw')) && Date.now() - since < 60000) return;
		clearInterval(done);
		rmSync(join(dir, 'chaos.light'));
	}, 50);
}, 500);
`;
	const queue = `
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const dir = process.argv[1];
writeFileSync(join(dir, 'queue.saw'), JSON.stringify({ heavy: existsSync(join(dir, 'chaos.heavy')), light: existsSync(join(dir, 'chaos.light')) }));
`;
	// The pool's own output (the marker included, which npm test's pool would read from this check) goes nowhere.
	const nowhere = { write: () => true };
	await runPool(
		[
			{ name: 'chaos', kind: 'chaos', quiet: true, command: process.execPath, args: ['-e', chaos, dir] },
			{ name: 'queue', kind: 'queue', quiet: true, apart: SUITES_APART.queue, command: process.execPath, args: ['-e', queue, dir] },
		],
		{ concurrency: 2, timesFile: join(dir, 'times.json'), estimates: { chaos: 10, queue: 5 }, out: nowhere, err: nowhere },
	);
	const { readFileSync } = await import('node:fs');
	assert.deepEqual(JSON.parse(readFileSync(join(dir, 'queue.saw'), 'utf8')), { heavy: false, light: true });
});

it('npm test runs 3 jobs at a time, or one a core on fewer cores (2 cores: 2)', async () => {
	const { defaultJobs } = await import('../harness/pool.mjs');
	assert.deepEqual([1, 2, 3, 4, 64].map((cores) => defaultJobs(cores)), [1, 2, 3, 3, 3]);
});

it('a timer-bound suite (TIMER_BOUND) runs in a slot of its own beside `concurrency` others; with concurrency 1, nothing overlaps', async () => {
	const { TIMER_BOUND, timerSlotsFor } = await import('../harness/pool.mjs');
	assert.deepEqual(TIMER_BOUND, ['templates', 'catchup']);
	// npm test's and test:compat's slots: one, none one after another.
	assert.equal(timerSlotsFor(3), 1);
	assert.equal(timerSlotsFor(1), 0);
	const { readFileSync, rmSync } = await import('node:fs');
	// Each job records which jobs were running when it started and when it ends (so that two jobs that
	// start at the same moment still see each other: the one that runs longer is running at the other's end).
	const job = `
const { readdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [dir, name, ms] = process.argv.slice(1);
const running = () => readdirSync(dir).filter((f) => f.endsWith('.running')).map((f) => f.replace('.running', ''));
const saw = new Set(running());
writeFileSync(join(dir, name + '.running'), '');
setTimeout(() => {
	for (const other of running()) if (other !== name) saw.add(other);
	writeFileSync(join(dir, name + '.saw'), JSON.stringify([...saw]));
	rmSync(join(dir, name + '.running'));
}, Number(ms));
`;
	const nowhere = { write: () => true };
	const run = async (options) => {
		const dir = mkdtempSync(join(tmpdir(), 'prefinery-pool-timer-'));
		try {
			const specs = [
				{ name: 'templates', kind: 'templates', ms: 1500 },
				{ name: 'chaos', kind: 'chaos', ms: 500 },
				{ name: 'unit', kind: undefined, ms: 500 },
			];
			await runPool(
				specs.map(({ ms, ...spec }) => ({ ...spec, quiet: true, command: process.execPath, args: ['-e', job, dir, spec.name, String(ms)] })),
				{ ...options, timesFile: join(dir, 'times.json'), estimates: { templates: 30, chaos: 20, unit: 10 }, out: nowhere, err: nowhere },
			);
			return Object.fromEntries(specs.map(({ name }) => [name, JSON.parse(readFileSync(join(dir, `${name}.saw`), 'utf8'))]));
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	};
	// One slot and the timer slot: the templates suite runs beside the chaos suite (started at once, the
	// longest first), and the chaos and unit jobs (one slot) never overlap.
	const two = await run({ concurrency: 1, timerSlots: 1 });
	assert.ok(two.chaos.includes('templates'), JSON.stringify(two));
	assert.ok(!two.unit.includes('chaos') && !two.chaos.includes('unit'), JSON.stringify(two));
	// Concurrency 1 (PREFINERY_TEST_JOBS=1: one after another): no timer slot by default.
	const one = await run({ concurrency: 1 });
	assert.deepEqual(Object.values(one).flat(), [], JSON.stringify(one));
});

it('of the jobs that can start, those that hold a waiting job back (it is kept apart from them) go first, then the longest', async () => {
	const { readFileSync, rmSync, writeFileSync } = await import('node:fs');
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-pool-order-'));
	try {
		// Each job appends its name to one file when it starts; one job at a time.
		const job = `require('node:fs').appendFileSync(process.argv[1], process.argv[2] + '\\n');`;
		const file = join(dir, 'order.txt');
		writeFileSync(file, '');
		const nowhere = { write: () => true };
		await runPool(
			[
				{ name: 'long', kind: 'trigger' },
				{ name: 'queue', kind: 'queue', apart: SUITES_APART.queue },
				{ name: 'chaos', kind: 'chaos' },
			].map((spec) => ({ ...spec, quiet: true, command: process.execPath, args: ['-e', job, file, spec.name] })),
			{ concurrency: 1, timesFile: join(dir, 'times.json'), estimates: { long: 300, queue: 200, chaos: 40 }, out: nowhere, err: nowhere },
		);
		assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), ['chaos', 'long', 'queue']);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

it('a job that printed LIGHT_MARKER keeps its slot: with one slot, the next job starts after it ends', async () => {
	const { LIGHT_MARKER } = await import('../harness/pool.mjs');
	const { existsSync, readFileSync, rmSync } = await import('node:fs');
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-pool-lend-'));
	try {
		// "chaos" prints the marker at once and runs on for 3 s; "unit" records whether chaos was running.
		const chaos = `
const { writeFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const dir = process.argv[1];
writeFileSync(join(dir, 'chaos.running'), '');
process.stdout.write(${JSON.stringify(LIGHT_MARKER)} + '\\n');
setTimeout(() => rmSync(join(dir, 'chaos.running')), 3000);
`;
		const unit = `require('node:fs').writeFileSync(require('node:path').join(process.argv[1], 'unit.saw'), String(require('node:fs').existsSync(require('node:path').join(process.argv[1], 'chaos.running'))));`;
		const nowhere = { write: () => true };
		await runPool(
			[
				{ name: 'chaos', kind: 'chaos', quiet: true, command: process.execPath, args: ['-e', chaos, dir] },
				{ name: 'unit', quiet: true, command: process.execPath, args: ['-e', unit, dir] },
			],
			{ concurrency: 1, timesFile: join(dir, 'times.json'), estimates: { chaos: 10, unit: 5 }, out: nowhere, err: nowhere },
		);
		assert.equal(readFileSync(join(dir, 'unit.saw'), 'utf8'), 'false', 'unit ran while chaos held the only slot');
		assert.equal(existsSync(join(dir, 'chaos.running')), false, 'the pool ended after chaos');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

it("npm test's last lines say why each part failed: node's runner and jest, from their real output", async () => {
	const { spawnSync } = await import('node:child_process');
	const { writeFileSync } = await import('node:fs');
	const { failureDigest } = await import('../harness/pool.mjs');
	const dir = mkdtempSync(join(tmpdir(), 'prefinery-digest-'));
	writeFileSync(
		join(dir, 'suite.test.mjs'),
		`import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
describe('a suite', () => {
	it('passes', () => {});
	it('fails with a message', () => { throw new Error('the sink saw 299 of 300 sign-ups\\nmissing: 4242'); });
	it('fails an assertion', () => assert.equal(1, 2, 'one is not two'));
});
`,
	);
	// As npm test runs it: not as a child of this check's own runner (NODE_TEST_CONTEXT).
	const { NODE_TEST_CONTEXT, ...env } = process.env;
	const node = spawnSync(process.execPath, ['--test', '--test-reporter=tap', join(dir, 'suite.test.mjs')], { encoding: 'utf8', env });
	assert.notEqual(node.status, 0);
	const digest = failureDigest(node.stdout);
	assert.match(digest, /✗ fails with a message\n\s+the sink saw 299 of 300 sign-ups\n\s+missing: 4242/);
	assert.match(digest, /✗ fails an assertion\n\s+one is not two/);
	assert.doesNotMatch(digest, /✗ a suite|✗ passes/, 'only the tests that failed themselves');

	writeFileSync(join(dir, 'unit.test.js'), "test('adds', () => { expect(1 + 1).toBe(3); });\n");
	writeFileSync(join(dir, 'jest.config.json'), '{}\n');
	const jest = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--rootDir', dir, '--ci', '--testMatch', '**/unit.test.js'], { encoding: 'utf8', cwd: dir, env });
	assert.notEqual(jest.status, 0);
	assert.match(failureDigest(`${jest.stdout}${jest.stderr}`), /✗ adds\n\s+expect\(received\)\.toBe\(expected\)/);

	// A line that holds a whole report is cut.
	assert.ok(failureDigest(`not ok 1 - long\n  ---\n  error: '${'x'.repeat(5000)}'\n  ...\n`).length < 600);
	// A part with no test (lint, type-check): its last lines.
	assert.match(failureDigest('> eslint nodes\n\n/x/nodes/A.ts\n  3:1  error  no-console\n\n✖ 1 problem\n'), /no-console[\s\S]*1 problem/);
});
