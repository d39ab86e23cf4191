#!/usr/bin/env node
// Runs the real-n8n test suites (e2e/*.e2e.test.mjs) with Node's test runner. Installs the pinned
// n8n runtime on first use (cached in .cache/n8n-runtime) and expects a built package (npm run build).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRuntime, ROOT } from './lib/runtime.mjs';

if (!existsSync(join(ROOT, 'dist', 'nodes', 'PrefineryTrigger', 'PrefineryTrigger.node.js'))) {
	console.error('dist/ is missing: run `npm run build` first (npm test does).');
	process.exit(1);
}
await ensureRuntime({ log: (line) => console.log(line) });
const files = readdirSync(join(ROOT, 'e2e'))
	.filter((name) => name.endsWith('.e2e.test.mjs'))
	.filter((name) => process.argv.length <= 2 || process.argv.slice(2).some((arg) => name.includes(arg)))
	.map((name) => join('e2e', name));
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
	cwd: ROOT,
	stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : code));
