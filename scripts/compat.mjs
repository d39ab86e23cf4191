#!/usr/bin/env node
// npm run test:compat [-- <name> ...]: the real-n8n suites e2e/trigger (the delivery contract, the
// sample mock), e2e/action (the action node against the mock API) and e2e/install (n8n's own Community
// Nodes installer, the README's npm and Docker lines) on every other n8n in e2e/compat/ (n8n-<name>/,
// each pinned by its lockfile with the Node it needs, installed on first use into
// .cache/n8n-compat-<name>), plus the suites a spec names itself (the newest 1.x: queue mode).
// `npm test` covers the pinned n8n.
//
// A spec whose package.json says "prefineryCompat": { "expect": "no-load" } is an n8n older than the
// package's floor: it runs only when named, and checks that n8n starts but refuses the package, and why.
// Prints a summary table at the end; exits 1 when any version did not do what its spec expects.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { compatSpecs, ROOT } from './lib/runtime.mjs';

const specs = compatSpecs();

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !specs.some((spec) => spec.name === name));
if (unknown.length > 0) {
	console.error(`No e2e/compat/n8n-${unknown[0]}. Known: ${specs.map((spec) => spec.name).join(', ')}.`);
	process.exit(2);
}
const chosen = asked.length > 0 ? specs.filter((spec) => asked.includes(spec.name)) : specs.filter((spec) => spec.expect === 'works');

function runSuites(spec) {
	return new Promise((resolveRun) => {
		const started = Date.now();
		const child = spawn(process.execPath, [join(ROOT, 'scripts', 'e2e.mjs'), ...spec.suites], {
			cwd: ROOT,
			env: { ...process.env, PREFINERY_N8N: spec.name },
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		let pass = 0;
		let fail = 0;
		let buffer = '';
		child.stdout.on('data', (chunk) => {
			process.stdout.write(chunk);
			buffer += chunk.toString();
			const lines = buffer.split('\n');
			buffer = lines.pop();
			for (const line of lines) {
				const m = /^# (pass|fail) (\d+)$/.exec(line);
				if (m) m[1] === 'pass' ? (pass += Number(m[2])) : (fail += Number(m[2]));
			}
		});
		child.on('exit', (code) => resolveRun({ code, pass, fail, seconds: Math.round((Date.now() - started) / 1000) }));
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
for (const { spec, code, pass, fail, seconds } of results) {
	const expected = spec.expect === 'works' ? 'works' : 'does not load';
	console.log(`| ${spec.n8n} | ${spec.node} | ${expected} | ${pass} passed, ${fail} failed | ${code === 0 ? 'as expected' : 'NOT as expected'} | ${seconds} s |`);
}
process.exit(results.every((result) => result.code === 0) ? 0 : 1);
