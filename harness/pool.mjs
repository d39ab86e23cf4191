// Runs commands side by side, a few at a time, for npm test (scripts/test.mjs) and npm run test:compat
// (scripts/compat.mjs): each job's output is kept and printed as one block when it ends, its stderr
// lines also go out as they come, prefixed with the job's name (progress of slow steps). Longest first,
// by the seconds each job took in the previous run on this machine (`timesFile`), else by `estimates`.
// Then a time table: each job's seconds and the wall time, printed and never asserted (they depend on
// the machine).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './runtime.mjs';

export const seconds = (ms) => Math.round(ms / 100) / 10;

/**
 * The real-n8n suites that never run beside each other (a job's `kind` and `apart`, in npm test and in
 * npm run test:compat, whatever n8n version each runs on). The queue suite (five n8n processes,
 * PostgreSQL, Redis and a stream of 400 deliveries) runs beside neither a templates suite (five workflows
 * polling every minute) nor the chaos suite (900 deliveries a stretch, n8n stopped and killed); those may
 * overlap each other. CI run 39, with the chaos and queue suites side by side and CI's other n8n versions
 * installing meanwhile, took the chaos suite past its 20-minute bound and left a queue execution running.
 * Tried again on 2026-12-07 without the installs (npm test, warm): beside the queue suite the chaos
 * suite's deliveries took 1,175 s to have their fates (229–674 s in earlier runs): its overloaded n8n
 * answered so many late that their retries, further apart each time, kept it waiting.
 */
export const SUITES_APART = { queue: ['templates', 'chaos'] };

/**
 * What a suite prints (on stdout or stderr) once the rest of it only waits on timers, so that the suites
 * kept apart from it may start beside it: the chaos suite, once every delivery has its fate and its
 * webhook-only workflows are quiet (the rest waits on the Catch-Up Trigger's one-minute polls and the
 * stale age of open claims, about 200–250 s); a templates suite, once its tools' requests are checked
 * (the rest waits on five Catch-Up Triggers' polls, about 240 s, with 10 sign-ups a tool).
 */
export const LIGHT_MARKER = '[pool] from here on this suite waits on timers';

/**
 * The suites that mostly wait on timers (whatever n8n version they run on): the templates suite (its
 * Catch-Up Triggers' one-minute polls: about 70 CPU seconds in 360 s) and the catch-up suite (30 in
 * 180 s). Besides its `concurrency` jobs, runPool keeps `timerSlots` more for them (default 1), so that a
 * suite that waits does not hold a slot a suite that computes could use; the other slots take one of
 * them only when nothing else can start.
 */
export const TIMER_BOUND = ['templates', 'catchup'];

/**
 * Jobs at a time when PREFINERY_TEST_JOBS does not say: 3, or one a core on fewer than 3 cores. On 2
 * cores with a CPU hog on one, 3 at a time (4 with the timer slot) starved the chaos suite's n8n: its
 * rotated-secret stretch got a third of the answers it waits for (2026-12-07).
 */
export function defaultJobs(cores = availableParallelism()) {
	return Math.max(1, Math.min(3, cores));
}

/** Jobs at a time for npm test and npm run test:compat: PREFINERY_TEST_JOBS, else `defaultJobs`. */
export function testJobs(env = process.env) {
	return Math.max(1, Number(env.PREFINERY_TEST_JOBS) || defaultJobs());
}

/**
 * The timer slots npm test and npm run test:compat give runPool: one, none when `concurrency` is 1 (one
 * job after another). One per templates suite (CI runs three) was tried on 2026-12-07: six suites at once
 * in CI (three templates suites beside the chaos, claims and editor suites) starved n8n 1.123 so that its
 * 250 ms limit on a regular expression (n8n-workflow's safe-regex, checking the Airtable node's base ID)
 * ran out and an Airtable execution failed.
 */
export function timerSlotsFor(concurrency) {
	return concurrency > 1 ? 1 : 0;
}

/**
 * Runs one command; resolves { name, ok, code, ms, cpuSeconds, text } (stdout and stderr together).
 * On Linux it runs through harness/cpu-time.mjs, which reports the CPU seconds of the command and of
 * every process it waited for (null elsewhere).
 */
export function runJob({ name, command, args, env = process.env, quiet = false }, { onLight = () => {} } = {}) {
	return new Promise((resolveRun) => {
		const begin = Date.now();
		const measured = process.platform === 'linux';
		const child = measured
			? spawn(process.execPath, [join(ROOT, 'harness', 'cpu-time.mjs'), command, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
			: spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let cpu = '';
		if (measured) child.stdio[3].on('data', (chunk) => (cpu += chunk));
		const out = [];
		let partial = '';
		// LIGHT_MARKER, looked for in what came last (a chunk may end inside it).
		let recent = '';
		let light = false;
		const look = (chunk) => {
			if (light) return;
			const text = recent + chunk.toString();
			recent = text.slice(-LIGHT_MARKER.length);
			if (text.includes(LIGHT_MARKER)) {
				light = true;
				onLight();
			}
		};
		child.stdout.on('data', (chunk) => {
			out.push(chunk);
			look(chunk);
		});
		child.stderr.on('data', (chunk) => {
			out.push(chunk);
			look(chunk);
			if (quiet) return;
			const lines = (partial + chunk.toString()).split('\n');
			partial = lines.pop();
			for (const line of lines) process.stderr.write(`[${name}] ${line}\n`);
		});
		child.on('close', (code, signal) => {
			let cpuSeconds = null;
			try {
				cpuSeconds = JSON.parse(cpu).cpuSeconds;
			} catch {
				// not measured
			}
			resolveRun({ name, ok: code === 0 && !signal, code: signal ?? code, ms: Date.now() - begin, cpuSeconds, text: Buffer.concat(out).toString() });
		});
	});
}

/** Tests counted from a job's output: node's runner (`# pass N`, …) and jest (`Tests: …`). */
export function countTests(text) {
	const result = { pass: 0, fail: 0, skipped: 0, cancelled: 0 };
	for (const m of text.matchAll(/^# (pass|fail|skipped|cancelled) (\d+)$/gm)) result[m[1]] += Number(m[2]);
	const jest = /^Tests:\s+(.*)$/m.exec(text);
	if (jest) {
		for (const m of jest[1].matchAll(/(\d+) (passed|failed|skipped)/g)) result[{ passed: 'pass', failed: 'fail', skipped: 'skipped' }[m[2]]] += Number(m[1]);
	}
	return result;
}

/**
 * Runs `jobs` ({ name, command, args, env?, before?: Promise, kind?, apart? }) `concurrency` at a time,
 * plus `timerSlots` timer-bound suites (TIMER_BOUND; none when `concurrency` is 1); a job that printed
 * LIGHT_MARKER no longer keeps the others apart (it keeps its slot); first the jobs that hold a waiting one back
 * (it is kept apart from them), then the longest;
 * its own lines go to `out` (each job's block) and `err` (progress), process.stdout and process.stderr
 * unless given.
 * A job waits for its `before` (e.g. an install) once it is its turn. Returns the results in the order
 * they ended, and records their seconds in `timesFile` for the next run's order.
 */
export async function runPool(jobs, { concurrency, timerSlots = timerSlotsFor(concurrency), timesFile, estimates = {}, out = process.stdout, err = process.stderr }) {
	const previous = existsSync(timesFile) ? JSON.parse(readFileSync(timesFile, 'utf8')) : {};
	const expected = (job) => previous[job.name] ?? estimates[job.name] ?? 60;
	const queue = [...jobs].sort((a, b) => expected(b) - expected(a));
	const results = [];
	// Jobs of one `group` (e.g. the install suite on two n8n versions: one local registry) never overlap,
	// nor a job and one of a `kind` it keeps `apart` from (either way round).
	const busy = new Set();
	const running = new Set();
	const apart = (a, b) => Boolean(a.apart?.includes(b.kind) || b.apart?.includes(a.kind));
	// A running job that printed LIGHT_MARKER no longer keeps others apart.
	const light = new Set();
	const canStart = (job) => ready.has(job) && (!job.group || !busy.has(job.group)) && ![...running].some((other) => !light.has(other) && apart(job, other));
	const waiting = [];
	const wakeAll = () => {
		for (const wake of waiting.splice(0)) wake();
	};
	// A job whose `before` (an install) has not finished gives way to one that can start now.
	const ready = new Set(jobs.filter((job) => !job.before));
	for (const job of jobs.filter((j) => j.before)) {
		// Ready either way: a failed install fails the job itself, with its own message.
		Promise.resolve(job.before)
			.catch(() => undefined)
			.then(() => {
				ready.add(job);
				wakeAll();
			});
	}
	const timerBound = (job) => TIMER_BOUND.includes(job.kind);
	// A job that a waiting job is kept apart from (the chaos and templates suites, for the queue suite) holds
	// it back for as long as it runs: of the jobs that can start, those go first, then the longest.
	const holdsBack = (job) => queue.some((other) => other !== job && other.apart?.includes(job.kind));
	// A timer slot takes only a timer-bound suite; another slot takes one only when nothing else can start.
	const pick = (timerSlot) =>
		timerSlot
			? queue.findIndex((job) => timerBound(job) && canStart(job))
			: ([(job) => !timerBound(job) && holdsBack(job), (job) => !timerBound(job), () => true].map((rule) => queue.findIndex((job) => rule(job) && canStart(job))).find((i) => i >= 0) ?? -1);
	const next = async (timerSlot) => {
		for (;;) {
			if (queue.length === 0 || (timerSlot && !queue.some(timerBound))) return undefined;
			const index = pick(timerSlot);
			if (index >= 0) {
				const job = queue.splice(index, 1)[0];
				if (job.group) busy.add(job.group);
				running.add(job);
				return job;
			}
			await new Promise((resolveFreed) => waiting.push(resolveFreed));
		}
	};
	const worker = async (timerSlot) => {
		for (let job = await next(timerSlot); job; job = await next(timerSlot)) {
			if (job.before) await job.before;
			err.write(`[${job.name}] started (${jobs.length - queue.length} of ${jobs.length})\n`);
			// It keeps its slot: lending it while the job waits on timers (tried on 2026-12-07) put up to six
			// suites side by side in CI, and on a slower 2-core machine n8n then missed its own deadlines
			// (start-up over 120 s, a database ping over 5 s, a 250 ms regex limit).
			const result = await runJob(job, {
				onLight: () => {
					light.add(job);
					err.write(`[${job.name}] the rest waits on timers: the suites kept apart from it may start\n`);
					wakeAll();
				},
			});
			light.delete(job);
			results.push(result);
			out.write(`\n===== ${job.name}: ${result.ok ? 'passed' : `FAILED (exit ${result.code})`} in ${seconds(result.ms)} s =====\n`);
			out.write(result.text);
			if (!result.ok) out.write(`\n===== ${job.name} FAILED (see above) =====\n`);
			if (job.group) busy.delete(job.group);
			running.delete(job);
			wakeAll();
		}
	};
	await Promise.all([...Array.from({ length: Math.max(1, concurrency) }, () => worker(false)), ...Array.from({ length: Math.max(0, timerSlots) }, () => worker(true))]);
	mkdirSync(dirname(timesFile), { recursive: true });
	writeFileSync(timesFile, `${JSON.stringify({ ...previous, ...Object.fromEntries(results.map((r) => [r.name, Math.round(r.ms / 1000)])) }, null, '\t')}\n`);
	return results;
}

/**
 * Prints the time table of `results` and the wall time since `started`:
 * each part's seconds and CPU seconds (the command's processes, user + system), and their sums. The CPU
 * seconds added up, over the machine's cores, are what no order of the parts can go below.
 */
export function printTimeTable(title, results, started) {
	process.stdout.write(`\n${title} (seconds depend on the machine; nothing is asserted on them):\n`);
	process.stdout.write('| Part | Seconds | CPU seconds | Result | Tests passed | failed | skipped |\n|---|---:|---:|---|---:|---:|---:|\n');
	const total = { pass: 0, fail: 0, skipped: 0, cancelled: 0 };
	const cpu = (r) => (r.cpuSeconds === null || r.cpuSeconds === undefined ? '' : String(Math.round(r.cpuSeconds)));
	for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
		const c = countTests(r.text);
		for (const key of Object.keys(total)) total[key] += c[key];
		process.stdout.write(`| ${r.name} | ${seconds(r.ms)} | ${cpu(r)} | ${r.ok ? 'passed' : 'FAILED'} | ${c.pass} | ${c.fail} | ${c.skipped} |\n`);
	}
	const wall = Date.now() - started;
	const measured = results.filter((r) => typeof r.cpuSeconds === 'number');
	const cpuTotal = measured.reduce((sum, r) => sum + r.cpuSeconds, 0);
	const parts = seconds(results.reduce((sum, r) => sum + r.ms, 0));
	process.stdout.write(`| **all parts added up** | ${parts} | ${measured.length > 0 ? Math.round(cpuTotal) : ''} | | | | |\n`);
	process.stdout.write(`| **wall time** | **${seconds(wall)}** (${Math.floor(wall / 60000)} min ${Math.round((wall % 60000) / 1000)} s) | | | | | |\n`);
	if (measured.length > 0) {
		const cores = availableParallelism();
		process.stdout.write(`\nCPU: ${Math.round(cpuTotal)} s over ${cores} cores, so no order of the parts ends in less than ${Math.round(cpuTotal / cores)} s on this machine.\n`);
	}
	return total;
}

/**
 * What failed in a job's output, in a few lines each: every failing test that has no failing subtest
 * (node's runner: its name and the first lines of its error), every failing jest test (its ● title and
 * first lines), else the output's last lines (lint, type-check, a suite that did not start). npm test
 * prints it last, so that a log cut to its end (as CI shows it) still says why each part failed.
 */
export function failureDigest(text, { lines = 6, width = 400 } = {}) {
	// A line of an error may hold a whole report (the chaos suite's): its start says enough.
	const all = text.split('\n').map((line) => (line.length > width ? `${line.slice(0, width)} …` : line));
	const found = [];
	for (let i = 0; i < all.length; i++) {
		const m = /^(\s*)not ok \d+ - (.*)$/.exec(all[i]);
		if (!m) continue;
		const block = [];
		for (let j = i + 1; j < all.length && !/^\s*\.\.\.$/.test(all[j]); j++) block.push(all[j]);
		if (block.some((line) => /failureType: 'subtestsFailed'/.test(line))) continue;
		const at = block.findIndex((line) => /^\s*error: /.test(line));
		const error = [];
		if (at >= 0) {
			const first = block[at].replace(/^\s*error: (\|-)?\s*/, '');
			if (first) error.push(first.replace(/^'(.*)'$/, '$1'));
			const indent = /^\s*/.exec(block[at])[0].length;
			for (let j = at + 1; j < block.length && /^\s*/.exec(block[j])[0].length > indent && error.length < lines; j++) error.push(block[j].trim());
		}
		found.push([`  ✗ ${m[2]}`, ...error.filter(Boolean).map((line) => `      ${line}`)].join('\n'));
	}
	for (let i = 0; i < all.length; i++) {
		if (!/^\s+● /.test(all[i]) || /● Console/.test(all[i])) continue;
		const message = all.slice(i + 1).filter((line) => line.trim()).slice(0, lines).map((line) => `      ${line.trim()}`);
		found.push([`  ✗ ${all[i].trim().slice(2)}`, ...message].join('\n'));
	}
	if (found.length > 0) return found.join('\n');
	return all.filter((line) => line.trim()).slice(-lines * 2).map((line) => `    ${line}`).join('\n');
}
