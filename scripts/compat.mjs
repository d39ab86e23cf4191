#!/usr/bin/env node
// npm run test:compat [-- <name> ...]: the real-n8n suites e2e/trigger (the delivery contract, the
// sample mock), e2e/action (the action node against the mock API) and e2e/install (n8n's own Community
// Nodes installer, the README's npm and Docker lines) on every other n8n in e2e/compat/ (n8n-<name>/,
// each pinned by its lockfile with the Node it needs, installed on first use into
// .cache/n8n-compat-<name>), plus the suites a spec names itself (the newest 1.x: queue mode).
// `npm test` covers the pinned n8n.
//
// A spec whose package.json says "prefineryCompat": { "expect": "no-load" } is an n8n older than the
// package's floor: e2e/compat/floor.test.mjs checks that it starts but refuses the package, and why.
// Prints a summary table at the end; exits 1 when any version did not do what its spec expects.
import { join } from 'node:path';
import { chooseSpecs, compatJobs, reportCompat } from '../harness/compat.mjs';
import { failureDigest, printTimeTable, runPool, testJobs, timerSlotsFor } from '../harness/pool.mjs';
import { ROOT } from '../harness/runtime.mjs';

let chosen;
try {
	chosen = chooseSpecs(process.argv.slice(2));
} catch (error) {
	console.error(error.message);
	process.exit(2);
}

// Every version's suites side by side (harness/pool.mjs), PREFINERY_TEST_JOBS at a time (default: `defaultJobs`),
// each installing its runtime on first use (one install per version, the others wait for it).
const started = Date.now();
const jobs = compatJobs(chosen);
for (const spec of chosen) console.log(`n8n ${spec.n8n} (Node ${spec.node}), expected: ${spec.expect === 'works' ? 'works' : 'does not load the package'}; suites: ${spec.suites.join(', ')}`);
const concurrency = testJobs();
const ran = await runPool(jobs, {
	concurrency,
	timerSlots: timerSlotsFor(concurrency),
	timesFile: join(ROOT, '.cache', 'compat-times.json'),
});
printTimeTable('Time table (npm run test:compat)', ran, started);
for (const r of ran.filter((result) => !result.ok)) console.log(`\n${r.name}:\n${failureDigest(r.text)}`);
const { ok, passed, failed } = reportCompat(chosen, jobs, ran);
console.log(`\ncompat: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
