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
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { compatSpecs, ROOT } from '../harness/runtime.mjs';

const specs = compatSpecs();

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !specs.some((spec) => spec.name === name));
if (unknown.length > 0) {
	console.error(`No e2e/compat/n8n-${unknown[0]}. Known: ${specs.map((spec) => spec.name).join(', ')}.`);
	process.exit(2);
}
const chosen = asked.length > 0 ? specs.filter((spec) => asked.includes(spec.name)) : specs;

function runSuites(spec) {
	return new Promise((resolveRun) => {
		const started = Date.now();
		const child = spawn(process.execPath, [join(ROOT, 'scripts', 'e2e.mjs'), ...spec.suites], {
			cwd: ROOT,
			env: { ...process.env, PREFINERY_N8N: spec.name },
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		const counts = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
		let buffer = '';
		child.stdout.on('data', (chunk) => {
			process.stdout.write(chunk);
			buffer += chunk.toString();
			const lines = buffer.split('\n');
			buffer = lines.pop();
			for (const line of lines) {
				const m = /^# (pass|fail|skipped|cancelled|todo) (\d+)$/.exec(line);
				if (m) counts[m[1]] += Number(m[2]);
			}
		});
		child.on('exit', (code) => {
			const fine = code === 0 && counts.pass > 0 && counts.fail === 0 && counts.cancelled === 0;
			resolveRun({ fine, counts, seconds: Math.round((Date.now() - started) / 1000) });
		});
	});
}

const results = [];
for (const spec of chosen) {
	console.log(`\n=== n8n ${spec.n8n} (Node ${spec.node}), expected: ${spec.expect === 'works' ? 'works' : 'does not load the package'}; suites: ${spec.suites.join(', ')} ===`);
	results.push({ spec, ...(await runSuites(spec)) });
}

console.log('\nCompatibility (npm run test:compat; the pinned n8n is covered by npm test):');
console.log('| n8n | Node | Expected | Tests | Result | Time |');
console.log('|---|---|---|---|---|---|');
for (const { spec, fine, counts, seconds } of results) {
	const expected = spec.expect === 'works' ? 'works' : 'does not load';
	const others = ['skipped', 'cancelled', 'todo'].filter((key) => counts[key] > 0).map((key) => `, ${counts[key]} ${key}`).join('');
	console.log(`| ${spec.n8n} | ${spec.node} | ${expected} | ${counts.pass} passed, ${counts.fail} failed${others} | ${fine ? 'as expected' : 'NOT as expected'} | ${seconds} s |`);
}
process.exit(results.every(({ fine }) => fine) ? 0 : 1);
