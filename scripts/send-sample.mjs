#!/usr/bin/env node
// Plays Prefinery's "Test" button: POSTs a sample event to a URL, signed exactly as Prefinery signs
// (X-Prefinery-Signature: t=<unix>,v1=HMAC-SHA256(secret, t + "." + raw body)), and prints the answer.
//
//   npm run send-sample -- --url <webhook URL> [--event tester_created] [--secret S | env PREFINERY_SIGNING_SECRET]
//                          [--id 123] [--unsigned] [--list] [--print]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../harness/runtime.mjs';

const USAGE = `Usage: npm run send-sample -- --url <webhook URL> [options]

Options:
  --url URL        the Prefinery Trigger's Test or Production URL (or env PREFINERY_WEBHOOK_URL)
  --event NAME     which sample to send (default tester_created; --list shows them)
  --secret S       the webhook signing secret (better: env PREFINERY_SIGNING_SECRET, kept out of shell history)
  --id ID          event id to send (default: a new one each time, so the duplicate filter lets it through)
  --unsigned       send without X-Prefinery-Signature (to see the rejection, or for a trigger with verification off)
  --list           list the sample events and exit
  --print          print the body and headers instead of sending`;

async function main() {
	const { values } = parseArgs({
		options: {
			url: { type: 'string' },
			event: { type: 'string', default: 'tester_created' },
			secret: { type: 'string' },
			id: { type: 'string' },
			unsigned: { type: 'boolean', default: false },
			list: { type: 'boolean', default: false },
			print: { type: 'boolean', default: false },
			help: { type: 'boolean', short: 'h', default: false },
		},
	});
	if (values.help) return console.log(USAGE);
	if (!existsSync(join(ROOT, 'dist', 'lib', 'samples.js'))) {
		throw new Error('dist/ is missing: run `npm run build` first.');
	}
	const { samplePayload } = await import(join(ROOT, 'dist', 'lib', 'samples.js'));
	const { PREFINERY_EVENTS } = await import(join(ROOT, 'dist', 'lib', 'events.js'));
	const { signatureHeader } = await import(join(ROOT, 'dist', 'lib', 'signature.js'));
	if (values.list) {
		for (const event of PREFINERY_EVENTS) {
			console.log(`${event.value.padEnd(18)} ${event.certainty === 'verified' ? '' : '(unverified name) '}${event.name}`);
		}
		return;
	}
	const url = values.url ?? process.env.PREFINERY_WEBHOOK_URL;
	const secret = values.secret ?? process.env.PREFINERY_SIGNING_SECRET ?? '';
	if (!url && !values.print) throw new Error(`--url is required.\n\n${USAGE}`);
	if (!values.unsigned && !secret) {
		throw new Error('No signing secret: pass --secret or set PREFINERY_SIGNING_SECRET (or use --unsigned).');
	}
	const id = values.id === undefined ? Date.now() : /^\d+$/.test(values.id) ? Number(values.id) : values.id;
	const body = JSON.stringify(samplePayload(values.event, id));
	const headers = { 'content-type': 'application/json', 'user-agent': 'n8n-nodes-prefinery send-sample' };
	if (!values.unsigned) headers['x-prefinery-signature'] = signatureHeader(secret, Math.floor(Date.now() / 1000), body);
	if (values.print) {
		console.log(JSON.stringify({ headers, body: JSON.parse(body) }, null, 2));
		return;
	}
	console.log(`POST ${url}\n  event ${values.event}, id ${id}, ${values.unsigned ? 'unsigned' : 'signed'} (${Buffer.byteLength(body)} bytes)`);
	const started = Date.now();
	const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
	const text = await res.text();
	let answer = null;
	try {
		answer = JSON.parse(text);
	} catch {
		answer = null;
	}
	if (answer && typeof answer.reason === 'string' && answer.status === 'rejected') {
		// The trigger's own answer: say what it means rather than the HTTP phrase (429 is "Too Many
		// Requests" to HTTP, but here it is a rejection Prefinery would retry).
		console.log(`← ${res.status} in ${Date.now() - started} ms: the trigger rejected the delivery: ${answer.reason}`);
		if (answer.message) console.log(`  ${answer.message}`);
		console.log(
			res.status === 429
				? '  Prefinery retries a 429 for about two days, so a real event is not lost once this is fixed; this command does not retry.'
				: `  Prefinery does not retry a ${res.status}: a real event answered like this is dropped.`,
		);
		if (answer.reason.startsWith('mismatch')) console.log('  To fix: pass the same signing secret as the trigger\'s Prefinery Webhook credential (--secret or PREFINERY_SIGNING_SECRET).');
	} else {
		console.log(`← ${res.status} ${res.statusText} in ${Date.now() - started} ms\n${text}`);
	}
	if (res.status === 404) {
		console.log('\n404: the workflow is not published (Production URL), or the editor is not listening (Test URL).');
	}
	process.exitCode = res.ok ? 0 : 1;
}

main().catch((error) => {
	console.error(`send-sample: ${error.message}`);
	process.exitCode = 2;
});
