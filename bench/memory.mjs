#!/usr/bin/env node
// The trigger's in-process memories with many workflows: heap used by the duplicate memory and the
// secret cache of the built package (dist/lib), against a baseline measured in the same run: the same
// load kept the way 0.1.0 kept it (one Set of up to 10,000 ids per trigger node, nothing ever freed).
// Each measurement runs in its own Node process with --expose-gc, so one does not inflate another.
//   node bench/memory.mjs [--workflows N] [--ids N] [--json]
// Defaults: 2,000 trigger nodes (workflows), each receiving 1,000 distinct event ids (the docs' sizes).
// Writes bench-results/memory.json (see bench/results.mjs).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../harness/runtime.mjs';
import { ratio, writeResults } from './results.mjs';

const { values } = parseArgs({
	options: {
		workflows: { type: 'string', default: '2000' },
		ids: { type: 'string', default: '1000' },
		json: { type: 'boolean', default: false },
		// internal: run one measurement in this process
		measure: { type: 'string' },
	},
	// Imported by bench.mjs, whose own options are in argv too.
	strict: false,
});
const WORKFLOWS = Number(values.workflows);
const IDS = Number(values.ids);

/** Heap used after a full GC, in bytes. */
function heap() {
	globalThis.gc();
	globalThis.gc();
	return process.memoryUsage().heapUsed;
}

/** One scenario, in this process: the heap it keeps, and what it holds. */
async function measure(kind) {
	const { MemoryRegistry } = await import(join(ROOT, 'dist', 'lib', 'dedupe.js'));
	const { SecretCache } = await import(join(ROOT, 'dist', 'lib', 'secret-cache.js'));
	const key = (workflow, id) => `id:${900_000_000 + workflow * IDS + id}`;
	const before = heap();
	let held;
	if (kind === 'empty') {
		held = { ids: 0 };
	} else if (kind === 'unbounded') {
		// 0.1.0: one Set per trigger node (10,000 ids each at most), never freed.
		const memories = new Map();
		for (let w = 0; w < WORKFLOWS; w++) {
			const seen = new Set();
			memories.set(`wf-${w}:node`, seen);
			for (let i = 0; i < IDS; i++) {
				seen.add(key(w, i));
				if (seen.size > 10_000) seen.delete(seen.values().next().value);
			}
		}
		held = { ids: [...memories.values()].reduce((sum, seen) => sum + seen.size, 0), keep: memories };
	} else if (kind === 'bounded') {
		const registry = new MemoryRegistry();
		for (let w = 0; w < WORKFLOWS; w++) {
			const memory = registry.for(`wf-${w}:node`);
			for (let i = 0; i < IDS; i++) memory.claim(key(w, i));
		}
		held = { ids: registry.size, scopes: registry.scopes, keep: registry };
	} else if (kind === 'secrets') {
		// Every workflow read its secret once, then was deleted; a minute later one live trigger reads.
		let now = 0;
		const cache = new SecretCache({ clock: () => now });
		for (let w = 0; w < WORKFLOWS; w++) cache.set(`wf-${w}:node:cred`, `whsec_bench_${w}_${'x'.repeat(32)}`);
		const peak = cache.size;
		now += 61_000;
		cache.set('live:node:cred', 'whsec_bench_live');
		held = { peakEntries: peak, entriesAfterTtl: cache.size, keep: cache };
	}
	const bytes = heap() - before;
	const { keep: _keep, ...counts } = held;
	return { kind, heapBytes: Math.max(0, bytes), ...counts };
}

if (values.measure) {
	process.stdout.write(`${JSON.stringify(await measure(values.measure))}\n`);
	process.exit(0);
}

export function benchMemory({ workflows = WORKFLOWS, ids = IDS } = {}) {
	const run = (kind) =>
		JSON.parse(
			execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'bench', 'memory.mjs'), '--measure', kind, '--workflows', String(workflows), '--ids', String(ids)], {
				encoding: 'utf8',
				maxBuffer: 1 << 20,
			}),
		);
	const empty = run('empty');
	const unbounded = run('unbounded');
	const bounded = run('bounded');
	const secrets = run('secrets');
	const net = (x) => Math.max(0, x.heapBytes - empty.heapBytes);
	const result = {
		workflows,
		idsPerWorkflow: ids,
		idsSent: workflows * ids,
		unbounded: { ids: unbounded.ids, heapMB: net(unbounded) / 1e6 },
		bounded: { ids: bounded.ids, scopes: bounded.scopes, heapMB: net(bounded) / 1e6 },
		boundedToUnboundedHeapRatio: net(bounded) / net(unbounded),
		bytesPerId: net(unbounded) / unbounded.ids,
		secrets,
	};
	result.written = writeResults('memory', {
		command: 'node bench/memory.mjs',
		options: { workflows, ids },
		comparable: workflows === 2000 && ids === 1000,
		figures: {
			'bounded.ids': result.bounded.ids,
			'bounded.heapRatio': ratio(result.boundedToUnboundedHeapRatio, 4),
			'secrets.afterTtl': secrets.entriesAfterTtl,
		},
		result,
	});
	return result;
}

export function printMemory(m) {
	console.log(`\n== Memory with many workflows (${m.workflows} trigger nodes × ${m.idsPerWorkflow} event ids = ${m.idsSent} ids) ==`);
	console.log(`  as 0.1.0 (a Set per node, never freed): ${m.unbounded.ids} ids held, ${m.unbounded.heapMB.toFixed(1)} MB of heap (${m.bytesPerId.toFixed(0)} B per id)`);
	console.log(`  bounded LRU registry:                   ${m.bounded.ids} ids held in ${m.bounded.scopes} nodes, ${m.bounded.heapMB.toFixed(1)} MB of heap`);
	console.log(`  bounded / as 0.1.0: ${m.boundedToUnboundedHeapRatio.toFixed(3)}×`);
	console.log(`  secret cache: ${m.secrets.peakEntries} secrets kept at the peak, ${m.secrets.entriesAfterTtl} a minute after those workflows stopped receiving`);
	console.log(`  ${m.written} written`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const result = benchMemory();
	if (values.json) console.log(JSON.stringify(result));
	else printMemory(result);
}
