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
import { countTests, printTimeTable, runPool, SUITES_APART } from '../harness/pool.mjs';
import { compatSpecs, ROOT } from '../harness/runtime.mjs';

const specs = compatSpecs();

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !specs.some((spec) => spec.name === name));
if (unknown.length > 0) {
	console.error(`No e2e/compat/n8n-${unknown[0]}. Known: ${specs.map((spec) => spec.name).join(', ')}.`);
	process.exit(2);
}
const chosen = asked.length > 0 ? specs.filter((spec) => asked.includes(spec.name)) : specs;

// Every version's suites side by side (harness/pool.mjs), PREFINERY_TEST_JOBS at a time (default 3),
// each installing its runtime on first use (one install per version, the others wait for it). The
// install suite never runs on two versions at once (one local registry, one private /home), nor the
// queue suite beside a templates or chaos suite (SUITES_APART), whichever versions they run on.
const started = Date.now();
const jobs = chosen.flatMap((spec) =>
	spec.suites.map((suite) => ({
		name: `${spec.name}/${suite.replace(/^.*\//, '').replace(/\.test\.mjs$/, '')}`,
		spec,
		command: process.execPath,
		args: [join(ROOT, 'scripts', 'e2e.mjs'), suite],
		env: { ...process.env, PREFINERY_N8N: spec.name },
		group: suite === 'install' ? 'install' : undefined,
		kind: suite,
		apart: SUITES_APART[suite],
	})),
);
for (const spec of chosen) console.log(`n8n ${spec.n8n} (Node ${spec.node}), expected: ${spec.expect === 'works' ? 'works' : 'does not load the package'}; suites: ${spec.suites.join(', ')}`);
const ran = await runPool(jobs, {
	concurrency: Math.max(1, Number(process.env.PREFINERY_TEST_JOBS) || 3),
	timesFile: join(ROOT, '.cache', 'compat-times.json'),
});
printTimeTable('Time table (npm run test:compat)', ran, started);
const results = chosen.map((spec) => {
	const mine = ran.filter((r) => jobs.find((job) => job.name === r.name).spec === spec);
	const counts = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
	for (const r of mine) for (const [key, value] of Object.entries(countTests(r.text))) counts[key] += value;
	const fine = mine.length === spec.suites.length && mine.every((r) => r.ok) && counts.pass > 0 && counts.fail === 0 && counts.cancelled === 0;
	return { spec, fine, counts, seconds: Math.round(mine.reduce((sum, r) => sum + r.ms, 0) / 1000) };
});

console.log('\nCompatibility (npm run test:compat; the pinned n8n is covered by npm test):');
console.log('| n8n | Node | Expected | Tests | Result | Seconds (suites added up) |');
console.log('|---|---|---|---|---|---|');
for (const { spec, fine, counts, seconds } of results) {
	const expected = spec.expect === 'works' ? 'works' : 'does not load';
	const others = ['skipped', 'cancelled', 'todo'].filter((key) => counts[key] > 0).map((key) => `, ${counts[key]} ${key}`).join('');
	console.log(`| ${spec.n8n} | ${spec.node} | ${expected} | ${counts.pass} passed, ${counts.fail} failed${others} | ${fine ? 'as expected' : 'NOT as expected'} | ${seconds} s |`);
}
const passed = results.reduce((sum, r) => sum + r.counts.pass, 0);
const failed = results.reduce((sum, r) => sum + r.counts.fail, 0) + results.filter((r) => !r.fine && r.counts.fail === 0).length;
console.log(`\ncompat: ${passed} passed, ${failed} failed`);
process.exit(results.every(({ fine }) => fine) ? 0 : 1);
