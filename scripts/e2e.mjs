#!/usr/bin/env node
// Runs the real-n8n test suites (e2e/*.e2e.test.mjs) with Node's test runner. Installs the n8n
// runtime on first use (the pinned one, or PREFINERY_N8N's: see harness/runtime.mjs) and expects a
// built package (npm run build). Arguments: parts of suite names (`trigger`), test files' paths, and
// `--test-name-pattern=…` (passed to Node's test runner: only the matching tests run; npm run test:quick).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRuntime, ROOT } from '../harness/runtime.mjs';

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
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...runnerFlags, ...files, ...paths], {
	cwd: ROOT,
	stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : code));
