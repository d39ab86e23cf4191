// The benchmarks' load generator (bench.mjs, bench-queue.mjs, bench-stream.mjs).

/**
 * POSTs `bodies` to `url` from `concurrency` parallel senders; returns the answer rate, p50/p99 answer
 * time, the answers' statuses and when the first request went out (for completion rates).
 */
export async function fire(url, bodies, concurrency, headersFor) {
	const latencies = [];
	const statuses = {};
	/** Answers slower than Prefinery's 15 s limit, by status: Prefinery would have timed out and retried them. */
	const overAnswerLimit = {};
	const queue = [...bodies];
	const started = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
				const t = performance.now();
				const res = await fetch(url, { method: 'POST', headers: headersFor(body), body });
				await res.arrayBuffer();
				latencies.push(performance.now() - t);
				if (performance.now() - t > 15_000) overAnswerLimit[res.status] = (overAnswerLimit[res.status] ?? 0) + 1;
				statuses[res.status] = (statuses[res.status] ?? 0) + 1;
			}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	latencies.sort((a, b) => a - b);
	const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
	return { started, requests: bodies.length, seconds, answersPerSecond: bodies.length / seconds, p50Ms: pct(50), p99Ms: pct(99), statuses, overAnswerLimit };
}
