#!/usr/bin/env node
// npm test: the build, then every check side by side, and a time table at the end.
//
// 1. `npm run build` (the verification checks and the real-n8n suites load dist/).
// 2. PREFINERY_TEST_JOBS jobs at a time (default 3, or one a core on fewer cores: `defaultJobs` in
//    harness/pool.mjs): lint, typecheck, the unit and node tests (jest), the verification checks
//    (checks/) and each real-n8n suite (e2e/*.e2e.test.mjs, each through scripts/e2e.mjs, so each
//    starts its own n8n and services as it does alone). The suites that spend their time waiting on
//    timers (n8n's one-minute poll, Prefinery's retry schedule) then overlap the ones that use the CPU,
//    and the templates and catch-up suites, which mostly wait on polls, get a slot of their own besides
//    (TIMER_BOUND in harness/pool.mjs). Longest first, by the previous run's times on this machine
//    (.cache/test-times.json), else by the estimates below. The pinned n8n, and what the suites start
//    (Chromium, Redis, PostgreSQL) when the machine lacks them, install while lint, typecheck and jest
//    run; no suite starts before they have.
// 3. Each job's output is printed as one block when it ends; then the time table and the counts.
//
// Exits non-zero when any job failed. Each part still runs alone (npm run lint, test:unit, test:verify,
// test:e2e -- <suite>). PREFINERY_TEST_JOBS=1 runs them one after another. CI (.ci/run) adds the other
// n8n versions' suites to the same pool (PREFINERY_TEST_COMPAT=all) and the chaos suite's full 300
// sign-ups (PREFINERY_CHAOS_SIGNUPS=300; 144 here unless told).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chooseSpecs, compatJobs, installCompatRuntime, reportCompat } from '../harness/compat.mjs';
import { countTests, failureDigest, printTimeTable, runJob, runPool, SUITES_APART, testJobs, timerSlotsFor } from '../harness/pool.mjs';
import { ensureRuntime, ROOT } from '../harness/runtime.mjs';
import { ensureChromium } from '../harness/browser.mjs';
import { ensurePostgres, ensureRedis } from '../harness/services.mjs';

const JOBS = testJobs();
/**
 * PREFINERY_TEST_COMPAT=all (CI's .ci/run), or a comma-separated list of e2e/compat names: the other n8n
 * versions' suites join the same pool (harness/compat.mjs), as npm run test:compat runs them alone.
 */
let compat = [];
try {
	compat = process.env.PREFINERY_TEST_COMPAT ? chooseSpecs(process.env.PREFINERY_TEST_COMPAT.split(',').map((name) => name.trim())) : [];
} catch (error) {
	process.stderr.write(`PREFINERY_TEST_COMPAT: ${error.message}\n`);
	process.exit(2);
}
/** Seconds, from clean-clone runs on 2 cores, for the first run's order only. */
const ESTIMATES = { chaos: 420, queue: 290, editor: 160, reliability: 140, unit: 105, install: 80, catchup: 150, trigger: 50, templates: 300, recovery: 35, lint: 30, typecheck: 25, agent: 20, action: 20, readme: 20, verify: 15 };

/** The chaos suite's sign-ups in npm test (it runs 300 alone and in CI). */
const CHAOS_SIGNUPS = 144;

const started = Date.now();
process.stdout.write(`npm test: the build, then lint, type-check, unit tests, checks and the real-n8n suites, ${JOBS} at a time\n`);
const build = await runJob({ name: 'build', command: 'npm', args: ['run', 'build'], quiet: true });
process.stdout.write(build.text);
if (!build.ok) {
	process.stdout.write(`\nThe build failed (exit ${build.code}); nothing else ran.\n0 passed, 1 failed\n`);
	process.exit(1);
}

const suites = readdirSync(join(ROOT, 'e2e'))
	.filter((file) => file.endsWith('.e2e.test.mjs'))
	.map((file) => file.replace('.e2e.test.mjs', ''));
// A failed install is reported by each suite's own scripts/e2e.mjs, which tries it again.
/**
 * Progress lines of an install, prefixed with `label`. The first line that says something is really
 * being installed (not only checked) resolves `installing`.
 */
let markInstalling;
const installing = new Promise((resolveInstalling) => (markInstalling = resolveInstalling));
const progress = (label) => (line) => {
	if (/^\s*(Installing |… waiting for another process)/.test(line)) markInstalling();
	process.stderr.write(`[${label}] ${line}\n`);
};
const pinned = ensureRuntime({ log: progress('runtime') }).catch(() => undefined);
// The other versions (PREFINERY_TEST_COMPAT) install beside the pinned one (one sqlite3 build, copied
// by the others: harness/runtime.mjs), and no suite starts before every install has ended: two CI runs
// on 2 cores went red in the chaos suite with n8n installs (140,000–170,000 files each) writing beside
// it. Lint, type-check and the unit tests run meanwhile.
// So do the services the suites start (Chromium and Redis from Debian, PostgreSQL from npm) when the
// machine lacks them: a clean-clone run on 2 cores went red with the editor suite's apt-get installing
// Chromium beside the chaos and reliability suites (n8n answered 503 "Database is not ready", and a
// 250 ms regular-expression limit ran out). Each suite still installs what it lacks when run alone.
const services = (label, install) => install(progress(label)).catch(() => undefined);
const installs = [
	pinned,
	...compat.map((spec) => installCompatRuntime(spec, progress(`runtime ${spec.name}`))),
	// One apt-get at a time (harness/runtime.mjs holds a lock), so one after the other.
	services('Debian packages', async (log) => {
		await ensureChromium({ log });
		await ensureRedis(log);
	}),
	services('PostgreSQL', ensurePostgres),
];
const runtime = Promise.all(installs);
const otherVersions = compatJobs(compat, { before: runtime });
const jobs = [
	{ name: 'lint', command: 'npm', args: ['run', 'lint'] },
	{ name: 'typecheck', command: 'npm', args: ['run', 'typecheck'] },
	{ name: 'unit', command: 'npm', args: ['run', 'test:unit'] },
	{ name: 'verify', command: 'npm', args: ['run', 'test:verify'] },
	...suites.map((suite) => ({
		name: suite,
		command: process.execPath,
		args: [join(ROOT, 'scripts', 'e2e.mjs'), `e2e/${suite}.e2e.test.mjs`],
		before: runtime,
		// The chaos suite's stretches with fewer sign-ups in each (144; CI's .ci/run asks for 300, as
		// `npm run test:chaos` runs alone): e2e/chaos.e2e.test.mjs.
		env: suite === 'chaos' ? { ...process.env, PREFINERY_CHAOS_SIGNUPS: process.env.PREFINERY_CHAOS_SIGNUPS ?? String(CHAOS_SIGNUPS) } : process.env,
		kind: suite,
		apart: SUITES_APART[suite],
	})),
	...otherVersions,
];
const timerSlots = timerSlotsFor(JOBS);
// The pool starts once every install has been checked and either found in place or begun: on a machine
// with everything installed the suites are ready from the start, so the longest of them (the chaos suite)
// takes the first slot instead of the shorter lint, type-check and unit jobs that need no install.
if ((await Promise.race([runtime.then(() => 'installed'), installing.then(() => 'installing')])) === 'installed') {
	for (const job of jobs) delete job.before;
}
const results = await runPool(jobs, {
	concurrency: JOBS,
	timerSlots,
	timesFile: join(ROOT, '.cache', 'test-times.json'),
	// Another version's suite is estimated as the pinned one's (the first run's order only).
	estimates: { ...ESTIMATES, ...Object.fromEntries(otherVersions.filter((job) => ESTIMATES[job.kind]).map((job) => [job.name, ESTIMATES[job.kind]])) },
});

const total = printTimeTable(`Time table (npm test, ${JOBS} jobs at a time and ${timerSlots} for the suites that wait on timers)`, [build, ...results], started);
const failed = results.filter((r) => !r.ok);
// A version older than the package's floor passes by refusing it: its suites' own results say so.
const versions = compat.length > 0 ? reportCompat(compat, otherVersions, results) : { ok: true };
// A job that failed without a failing test (lint, a suite that did not start) counts as one failure.
const failures = total.fail + failed.filter((r) => countTests(r.text).fail === 0).length;
if (failed.length > 0) {
	process.stdout.write(`\nFailed: ${failed.map((r) => r.name).join(', ')}.\n`);
	for (const r of failed) process.stdout.write(`\n${r.name}:\n${failureDigest(r.text)}\n`);
}
process.stdout.write(`\n${total.pass} passed, ${failures} failed, ${total.skipped} skipped\n`);
process.exit(failed.length > 0 || !versions.ok ? 1 : 0);
