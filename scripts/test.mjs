#!/usr/bin/env node
// npm test: the build, then every check side by side, and a time table at the end.
//
// 1. `npm run build` (the verification checks and the real-n8n suites load dist/).
// 2. A pool of PREFINERY_TEST_JOBS jobs at a time (default 3): lint, typecheck, the unit and node tests
//    (jest), the verification checks (checks/) and each real-n8n suite (e2e/*.e2e.test.mjs, each through
//    scripts/e2e.mjs, so each starts its own n8n and services as it does alone). The suites that spend
//    their time waiting on timers (n8n's one-minute poll, Prefinery's retry schedule) then overlap the
//    ones that use the CPU. Longest first, by the times of the previous run on this machine
//    (.cache/test-times.json), else by the estimates below.
// 3. Each job's output is printed as one block when it ends (its progress lines go to stderr as they
//    come, prefixed with the job's name); a failed job's block ends with its name.
// 4. The time table (each job's seconds and the wall time), printed, never asserted; then the counts.
//
// `npm test` exits non-zero when any job failed. Each part still runs alone (npm run lint, test:unit,
// test:verify, test:e2e -- <suite>). PREFINERY_TEST_JOBS=1 runs them one after another.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRuntime, ROOT } from '../harness/runtime.mjs';

const JOBS = Math.max(1, Number(process.env.PREFINERY_TEST_JOBS) || 3);
const TIMES = join(ROOT, '.cache', 'test-times.json');
/** Seconds, from a clean-clone run on 2 cores, for the first run's order only. */
const ESTIMATES = { chaos: 420, queue: 290, editor: 160, reliability: 140, unit: 105, install: 80, catchup: 65, trigger: 50, templates: 40, recovery: 35, lint: 30, typecheck: 25, agent: 20, action: 20, readme: 20, verify: 15 };

const started = Date.now();
const seconds = (ms) => Math.round(ms / 100) / 10;

function run(name, command, args, { quiet = false } = {}) {
	return new Promise((resolveRun) => {
		const begin = Date.now();
		const child = spawn(command, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
		const out = [];
		let partial = '';
		child.stdout.on('data', (chunk) => out.push(chunk));
		child.stderr.on('data', (chunk) => {
			out.push(chunk);
			if (quiet) return;
			const lines = (partial + chunk.toString()).split('\n');
			partial = lines.pop();
			for (const line of lines) process.stderr.write(`[${name}] ${line}\n`);
		});
		child.on('close', (code, signal) => {
			const text = Buffer.concat(out).toString();
			resolveRun({ name, ok: code === 0 && !signal, code: signal ?? code, ms: Date.now() - begin, text });
		});
	});
}

/** Tests counted from a job's output: node's runner (`# pass N`, `# fail N`) and jest (`Tests: …`). */
function counts(text) {
	const result = { pass: 0, fail: 0, skipped: 0 };
	for (const m of text.matchAll(/^# (pass|fail|skipped) (\d+)$/gm)) result[m[1]] += Number(m[2]);
	const jest = /^Tests:\s+(.*)$/m.exec(text);
	if (jest) {
		for (const m of jest[1].matchAll(/(\d+) (passed|failed|skipped)/g)) result[{ passed: 'pass', failed: 'fail', skipped: 'skipped' }[m[2]]] += Number(m[1]);
	}
	return result;
}

// 1. The build.
process.stdout.write('npm test: build, then lint, type-check, unit tests, checks and the real-n8n suites side by side\n');
const build = await run('build', 'npm', ['run', 'build'], { quiet: true });
process.stdout.write(build.text);
if (!build.ok) {
	process.stdout.write(`\nThe build failed (exit ${build.code}); nothing else ran.\n`);
	process.exit(1);
}

// 2. The pool.
const suites = readdirSync(join(ROOT, 'e2e'))
	.filter((file) => file.endsWith('.e2e.test.mjs'))
	.map((file) => file.replace('.e2e.test.mjs', ''));
const jobs = [
	{ name: 'lint', command: 'npm', args: ['run', 'lint'] },
	{ name: 'typecheck', command: 'npm', args: ['run', 'typecheck'] },
	{ name: 'unit', command: 'npm', args: ['run', 'test:unit'] },
	{ name: 'verify', command: 'npm', args: ['run', 'test:verify'] },
	...suites.map((suite) => ({ name: suite, command: process.execPath, args: [join(ROOT, 'scripts', 'e2e.mjs'), `e2e/${suite}.e2e.test.mjs`] })),
];
const previous = existsSync(TIMES) ? JSON.parse(readFileSync(TIMES, 'utf8')) : {};
const expected = (job) => previous[job.name] ?? ESTIMATES[job.name] ?? 60;
jobs.sort((a, b) => expected(b) - expected(a));

// The pinned n8n is installed once, before the suites that need it start (each would wait for it).
const runtime = ensureRuntime({ log: (line) => process.stderr.write(`[runtime] ${line}\n`) });
const results = [];
const queue = [...jobs];
async function worker() {
	for (let job = queue.shift(); job; job = queue.shift()) {
		if (suites.includes(job.name)) await runtime;
		process.stderr.write(`[${job.name}] started (${jobs.length - queue.length} of ${jobs.length})\n`);
		const result = await run(job.name, job.command, job.args);
		results.push(result);
		process.stdout.write(`\n===== ${job.name}: ${result.ok ? 'passed' : `FAILED (exit ${result.code})`} in ${seconds(result.ms)} s =====\n`);
		process.stdout.write(result.text);
		if (!result.ok) process.stdout.write(`\n===== ${job.name} FAILED (see above) =====\n`);
	}
}
await Promise.all(Array.from({ length: JOBS }, () => worker()));

// 3. The time table, and the times for the next run's order.
mkdirSync(join(ROOT, '.cache'), { recursive: true });
writeFileSync(TIMES, `${JSON.stringify(Object.fromEntries(results.map((r) => [r.name, Math.round(r.ms / 1000)])), null, '\t')}\n`);
const total = { pass: 0, fail: 0, skipped: 0 };
const rows = [['build', build.ms, true, counts(build.text)], ...results.sort((a, b) => b.ms - a.ms).map((r) => [r.name, r.ms, r.ok, counts(r.text)])];
process.stdout.write(`\nTime table (npm test, ${JOBS} jobs at a time; seconds depend on the machine, nothing is asserted on them):\n`);
process.stdout.write('| Part | Seconds | Result | Tests passed | failed | skipped |\n|---|---:|---|---:|---:|---:|\n');
for (const [name, ms, ok, c] of rows) {
	for (const key of Object.keys(total)) total[key] += c[key];
	process.stdout.write(`| ${name} | ${seconds(ms)} | ${ok ? 'passed' : 'FAILED'} | ${c.pass} | ${c.fail} | ${c.skipped} |\n`);
}
const wall = Date.now() - started;
process.stdout.write(`| **wall time** | **${seconds(wall)}** (${Math.floor(wall / 60000)} min ${Math.round((wall % 60000) / 1000)} s) | | | | |\n`);
const failed = results.filter((r) => !r.ok).map((r) => r.name);
if (failed.length > 0) process.stdout.write(`\nFailed: ${failed.join(', ')}.\n`);
process.stdout.write(`\n${total.pass} passed, ${total.fail + failed.filter((name) => counts(results.find((r) => r.name === name).text).fail === 0).length} failed, ${total.skipped} skipped\n`);
process.exit(failed.length > 0 ? 1 : 0);
