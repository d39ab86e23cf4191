#!/usr/bin/env node
// Runs the real-n8n test suites (e2e/*.e2e.test.mjs) with Node's test runner. Installs the n8n
// runtime on first use (the pinned one, or PREFINERY_N8N's: see harness/runtime.mjs) and expects a
// built package (npm run build). Arguments: parts of suite names (`trigger`), test files' paths, and
// `--test-name-pattern=…` (passed to Node's test runner: only the matching tests run; npm run test:quick).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logDigest, tail } from '../harness/n8n.mjs';
import { ensureRuntime, ROOT } from '../harness/runtime.mjs';

/** Lines printed from the end of each n8n's log when the suite fails. */
const LOG_LINES = 40;

if (!existsSync(join(ROOT, 'dist', 'nodes', 'PrefineryTrigger', 'PrefineryTrigger.node.js'))) {
	console.error('dist/ is missing: run `npm run build` first (npm test does).');
	process.exit(1);
}
const runnerFlags = process.argv.slice(2).filter((arg) => arg.startsWith('--test-name-pattern='));
const args = process.argv.slice(2).filter((arg) => !runnerFlags.includes(arg));
const paths = args.filter((arg) => arg.endsWith('.mjs') && existsSync(join(ROOT, arg)));
const names = args.filter((arg) => !paths.includes(arg));
const suites = readdirSync(join(ROOT, 'e2e')).filter((name) => name.endsWith('.e2e.test.mjs'));
const unmatched = names.filter((arg) => !suites.some((name) => name.includes(arg)));
if (unmatched.length > 0) {
	console.error(`No suite e2e/*${unmatched[0]}*.e2e.test.mjs (and no such test file). Suites: ${suites.map((name) => name.replace('.e2e.test.mjs', '')).join(', ')}.`);
	process.exit(2);
}
const files = suites.filter((name) => args.length === 0 || names.some((arg) => name.includes(arg))).map((name) => join('e2e', name));
await ensureRuntime({ log: (line) => console.log(line) });
// Each n8n the suite started leaves its log here when it is disposed; printed only if the suite fails
// (the end of each, so that a CI run that shows only its output still shows what n8n said).
const logs = mkdtempSync(join(tmpdir(), 'prefinery-n8n-logs-'));
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...runnerFlags, ...files, ...paths], {
	cwd: ROOT,
	stdio: 'inherit',
	env: { ...process.env, PREFINERY_N8N_LOGS: logs },
});
child.on('exit', (code, signal) => {
	if (signal || code !== 0) {
		for (const name of readdirSync(logs).sort()) {
			const label = name.replace(/^\d+-/, '');
			console.log(`\n----- what ${label} (n8n's log, kept because the suite failed) says most often -----`);
			console.log(logDigest(readFileSync(join(logs, name), 'utf8')));
			console.log(`----- its last ${LOG_LINES} lines -----`);
			console.log(tail(join(logs, name), LOG_LINES));
		}
	}
	rmSync(logs, { recursive: true, force: true });
	process.exit(signal ? 1 : code);
});
