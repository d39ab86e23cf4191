#!/usr/bin/env node
/**
 * Handler benchmark: what one Prefinery delivery costs in the trigger, against the floor of simply
 * parsing the same body with JSON.parse.
 *
 * Runs against the BUILT package (dist/): build first with `npx n8n-node build` (or `npm run build`).
 *
 * For each sample payload (dist/lib/samples.js `allSamples()`) plus the integration article's sample
 * (test/fixtures/article-sample.json, bytes as stored), it measures ops/s of
 *   (a) JSON.parse(body bytes → UTF-8 string)                       — the floor;
 *   (b) handleDelivery() with a valid signature, verification on, typed output, no duplicate memory
 *       (verify HMAC + parse + filter + normalise)                   — the handler;
 * and, to show where the handler's time goes,
 *   HMAC alone (computeSignature), verifySignature (header parse + HMAC + constant-time compare),
 *   parseEnvelope alone, normalizeEvent alone (on an already parsed envelope).
 *
 * Method: warm-up, then ROUNDS rounds; in every round each payload's measurements run back to back
 * in a rotating order, each for a fixed time slice of calibrated batches. The reported figure is the
 * median over rounds, so every function is measured in the same process, under the same conditions,
 * interleaved with the others. Total runtime is about 20 s.
 *
 * No target: the ratio to JSON.parse is reported, not gated. A 3× target was set once and never met
 * with signature verification on (the HMAC alone costs about as much as parsing a small body); it is
 * retired because the whole handler costs about 20 µs per tester event, far below the milliseconds n8n
 * spends on every execution, so the ratio says where the time goes, not whether it matters.
 *
 * Writes bench-results/handler.json (see bench/results.mjs): every payload's figures and, in `figures`,
 * the medians the docs quote (tester events, reward/point events).
 *
 * Usage: node bench/handler.mjs [--json] [--rounds N] [--slice-ms N]
 *   --json   print only one JSON object (for an aggregate `npm run bench`)
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import { ratio as roundRatio, writeResults } from './results.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const jsonOnly = args.includes('--json');
const argValue = (name, fallback) => {
	const index = args.indexOf(name);
	if (index < 0 || index + 1 >= args.length) return fallback;
	const value = Number(args[index + 1]);
	return Number.isFinite(value) && value > 0 ? value : fallback;
};
const ROUNDS = Math.round(argValue('--rounds', 7));
const SLICE_MS = argValue('--slice-ms', 40);
const TARGET_RETIRED =
	'no target: the ratio to JSON.parse is reported, not gated (the 3× target was never met with signature verification on; ' +
	'about 20 µs per event is far below the milliseconds n8n spends per execution)';

const distLib = path.join(root, 'dist', 'lib');
if (!existsSync(path.join(distLib, 'delivery.js'))) {
	process.stderr.write('dist/lib/delivery.js not found: build first with `npx n8n-node build`.\n');
	process.exit(2);
}
const require = createRequire(import.meta.url);
const { handleDelivery } = require(path.join(distLib, 'delivery.js'));
const { parseEnvelope, normalizeEvent } = require(path.join(distLib, 'normalize.js'));
const { computeSignature, signatureHeader, verifySignature } = require(path.join(distLib, 'signature.js'));
const { allSamples } = require(path.join(distLib, 'samples.js'));

// ---- Payloads ------------------------------------------------------------------------------------

const SECRET = 'bench-signing-secret-not-real';
const NOW = Math.floor(Date.now() / 1000);

const payloads = allSamples().map((sample) => ({
	event: sample.type,
	body: Buffer.from(JSON.stringify(sample), 'utf8'),
}));
const articlePath = path.join(root, 'test', 'fixtures', 'article-sample.json');
if (existsSync(articlePath)) {
	payloads.push({ event: 'article sample (tester_created)', body: readFileSync(articlePath) });
}

const settings = {
	events: ['*'],
	verifySignature: true,
	secret: SECRET,
	toleranceSeconds: 300,
	project: { kind: 'any' },
	fixable: 'retry',
	output: 'typed',
	includeHeaders: false,
	memory: null,
	allowUnsigned: false,
};

for (const payload of payloads) {
	const header = signatureHeader(SECRET, NOW, payload.body);
	payload.request = {
		rawBody: payload.body,
		headers: { 'content-type': 'application/json', 'x-prefinery-signature': header },
		now: NOW,
	};
	payload.header = header;
	const parsed = parseEnvelope(payload.body);
	if (!parsed.ok) throw new Error(`payload ${payload.event} does not parse: ${parsed.message}`);
	payload.envelope = parsed.envelope;
	// Sanity: the handler really takes the full path (verified, emitted) for every payload.
	const outcome = handleDelivery(payload.request, settings);
	if (!outcome.emit || outcome.item.signature_verified !== true) {
		throw new Error(`handler did not emit a verified item for ${payload.event}: ${JSON.stringify(outcome.answer)}`);
	}
}

// ---- Measured functions ----------------------------------------------------------------------------

let sink = 0; // consumed at the end so no call can be optimised away
const MEASURES = {
	json_parse: (p) => {
		const value = JSON.parse(p.body.toString('utf8'));
		sink += value.id & 1;
	},
	handler: (p) => {
		const outcome = handleDelivery(p.request, settings);
		sink += outcome.httpStatus & 1;
	},
	hmac: (p) => {
		sink += computeSignature(SECRET, NOW, p.body).length & 1;
	},
	verify: (p) => {
		sink += verifySignature({ secret: SECRET, rawBody: p.body, header: p.header, now: NOW, toleranceSeconds: 300 })
			.valid
			? 1
			: 0;
	},
	parse_envelope: (p) => {
		sink += parseEnvelope(p.body).ok ? 1 : 0;
	},
	normalize: (p) => {
		sink += normalizeEvent(p.envelope, { signatureVerified: true }).object.length & 1;
	},
};
const NAMES = Object.keys(MEASURES);

const nowNs = () => process.hrtime.bigint();

/** Batch size so that one batch takes about 0.5 ms (keeps timer overhead negligible). */
function calibrate(fn, payload) {
	let n = 1;
	for (;;) {
		const start = nowNs();
		for (let i = 0; i < n; i++) fn(payload);
		const elapsed = Number(nowNs() - start);
		if (elapsed > 500_000 || n >= 1 << 20) return n;
		n *= 2;
	}
}

/** ops/s of `fn` over one time slice of whole batches. */
function measure(fn, payload, batch) {
	const budget = SLICE_MS * 1e6;
	let ops = 0;
	const start = nowNs();
	let elapsed = 0;
	while (elapsed < budget) {
		for (let i = 0; i < batch; i++) fn(payload);
		ops += batch;
		elapsed = Number(nowNs() - start);
	}
	return (ops * 1e9) / elapsed;
}

const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---- Run ---------------------------------------------------------------------------------------------

const startedAt = Date.now();

// Warm-up: every function on every payload, long enough for the JIT to settle.
const batches = new Map();
for (const payload of payloads) {
	for (const name of NAMES) {
		const fn = MEASURES[name];
		for (let i = 0; i < 2000; i++) fn(payload);
		batches.set(`${payload.event}|${name}`, calibrate(fn, payload));
	}
}

const samples = new Map(); // key → ops/s per round
for (let round = 0; round < ROUNDS; round++) {
	for (const payload of payloads) {
		// Rotate the order every round so no function always runs first (or right after GC-heavy work).
		const order = NAMES.map((_, i) => NAMES[(i + round) % NAMES.length]);
		for (const name of order) {
			const key = `${payload.event}|${name}`;
			const opsPerSecond = measure(MEASURES[name], payload, batches.get(key));
			if (!samples.has(key)) samples.set(key, []);
			samples.get(key).push(opsPerSecond);
		}
	}
}

const results = payloads.map((payload) => {
	const ops = Object.fromEntries(NAMES.map((name) => [name, median(samples.get(`${payload.event}|${name}`))]));
	const usPerOp = Object.fromEntries(NAMES.map((name) => [name, 1e6 / ops[name]]));
	return {
		event: payload.event,
		bytes: payload.body.length,
		json_parse_ops: Math.round(ops.json_parse),
		handler_ops: Math.round(ops.handler),
		ratio: Number((ops.json_parse / ops.handler).toFixed(2)),
		breakdown_ops: {
			hmac: Math.round(ops.hmac),
			verify_signature: Math.round(ops.verify),
			parse_envelope: Math.round(ops.parse_envelope),
			normalize: Math.round(ops.normalize),
		},
		breakdown_us: {
			json_parse: Number(usPerOp.json_parse.toFixed(2)),
			handler: Number(usPerOp.handler.toFixed(2)),
			hmac: Number(usPerOp.hmac.toFixed(2)),
			verify_signature: Number(usPerOp.verify.toFixed(2)),
			parse_envelope: Number(usPerOp.parse_envelope.toFixed(2)),
			normalize: Number(usPerOp.normalize.toFixed(2)),
		},
	};
});

const ratios = results.map((r) => r.ratio);
/** The groups the docs quote: tester events (~1.5 kB) and reward/point events (~0.2–0.3 kB). */
const group = (rows) => ({
	events: rows.map((r) => r.event),
	median_ratio: roundRatio(median(rows.map((r) => r.ratio)), 2),
	min_ratio: Math.min(...rows.map((r) => r.ratio)),
	max_ratio: Math.max(...rows.map((r) => r.ratio)),
	handler_us: [Math.min(...rows.map((r) => r.breakdown_us.handler)), Math.max(...rows.map((r) => r.breakdown_us.handler))],
	json_parse_us: [Math.min(...rows.map((r) => r.breakdown_us.json_parse)), Math.max(...rows.map((r) => r.breakdown_us.json_parse))],
});
const groups = {
	tester: group(results.filter((r) => r.event.startsWith('tester_'))),
	rewardPoint: group(results.filter((r) => /^(reward|point)_/.test(r.event))),
};
const summary = {
	benchmark: 'handler',
	description:
		'handleDelivery (valid signature, verification on, typed output, no memory) vs JSON.parse of the same body; ratio = handler cost / JSON.parse cost',
	node: process.version,
	platform: `${os.platform()} ${os.arch()}`,
	cpu: os.cpus()[0]?.model ?? 'unknown',
	rounds: ROUNDS,
	slice_ms: SLICE_MS,
	target: null,
	target_retired: TARGET_RETIRED,
	median_ratio: Number(median(ratios).toFixed(2)),
	max_ratio: Math.max(...ratios),
	groups,
	duration_s: Number(((Date.now() - startedAt) / 1000).toFixed(1)),
	results,
};
if (sink === -1) summary.sink = sink;
const written = writeResults('handler', {
	command: 'node bench/handler.mjs',
	options: { rounds: ROUNDS, slice_ms: SLICE_MS },
	// Fewer than 5 rounds (a quick look) are too noisy to hold against the docs' ranges.
	comparable: ROUNDS >= 5,
	figures: {
		'tester.ratio': groups.tester.median_ratio,
		'rewardPoint.ratio': groups.rewardPoint.median_ratio,
		'all.ratio': summary.median_ratio,
	},
	result: summary,
});

if (jsonOnly) {
	process.stdout.write(`${JSON.stringify(summary)}\n`);
	process.exit(0);
}

// ---- Human-readable output ---------------------------------------------------------------------

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pad = (value, width, left = false) => (left ? String(value).padEnd(width) : String(value).padStart(width));
const eventWidth = Math.max(5, ...results.map((r) => r.event.length));

const lines = [];
lines.push(
	`Prefinery handler benchmark — ${summary.node}, ${summary.platform}, ${summary.cpu}; ` +
		`${ROUNDS} rounds × ${SLICE_MS} ms slices, medians`,
);
lines.push('');
lines.push(
	`${pad('event', eventWidth, true)}  ${pad('bytes', 6)}  ${pad('JSON.parse ops/s', 17)}  ${pad('handler ops/s', 14)}  ${pad('ratio', 6)}`,
);
lines.push('-'.repeat(eventWidth + 64));
for (const r of results) {
	lines.push(
		`${pad(r.event, eventWidth, true)}  ${pad(r.bytes, 6)}  ${pad(fmt(r.json_parse_ops), 17)}  ${pad(fmt(r.handler_ops), 14)}  ${pad(`${r.ratio.toFixed(2)}×`, 6)}`,
	);
}
lines.push('');
lines.push(`median ratio ${summary.median_ratio}×, max ${summary.max_ratio}×`);
lines.push(
	`median ratio, tester events ${groups.tester.median_ratio}× (${groups.tester.min_ratio}–${groups.tester.max_ratio}×, handler ${groups.tester.handler_us[0]}–${groups.tester.handler_us[1]} µs); ` +
		`reward/point events ${groups.rewardPoint.median_ratio}× (${groups.rewardPoint.min_ratio}–${groups.rewardPoint.max_ratio}×, handler ${groups.rewardPoint.handler_us[0]}–${groups.rewardPoint.handler_us[1]} µs)`,
);
lines.push(TARGET_RETIRED);

lines.push('');
lines.push('Where the handler time goes (µs per call, medians; verify = header parse + HMAC + compare):');
lines.push(
	`${pad('event', eventWidth, true)}  ${pad('JSON.parse', 10)}  ${pad('handler', 8)}  ${pad('HMAC', 6)}  ${pad('verify', 7)}  ${pad('parseEnv', 8)}  ${pad('normalise', 9)}  ${pad('rest', 6)}`,
);
lines.push('-'.repeat(eventWidth + 70));
for (const r of results) {
	const b = r.breakdown_us;
	const rest = b.handler - b.verify_signature - b.parse_envelope - b.normalize;
	lines.push(
		`${pad(r.event, eventWidth, true)}  ${pad(b.json_parse.toFixed(2), 10)}  ${pad(b.handler.toFixed(2), 8)}  ${pad(b.hmac.toFixed(2), 6)}  ${pad(b.verify_signature.toFixed(2), 7)}  ${pad(b.parse_envelope.toFixed(2), 8)}  ${pad(b.normalize.toFixed(2), 9)}  ${pad(rest.toFixed(2), 6)}`,
	);
}
lines.push('');
lines.push(`took ${summary.duration_s} s; ${written} written`);
lines.push('');
lines.push(`BENCH_HANDLER_JSON ${JSON.stringify(summary)}`);
process.stdout.write(`${lines.join('\n')}\n`);
