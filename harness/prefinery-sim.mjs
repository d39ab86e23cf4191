// Prefinery's webhook deliveries, by its documented rules (../shared/reference/prefinery.md §2), for the
// test suites and benchmarks:
//   - 200 or 201: delivered;
//   - 429, no answer within 15 s, or a connection error: retried, up to 15 retries after the first
//     delivery, the N-th about 5 s + N^4 s after the attempt before (about two days from first to last:
//     178,387 s, which is the "roughly two days" Prefinery states);
//   - 410: the endpoint is removed (this and every later event to it is dropped);
//   - any other status: dropped for good.
// Time between attempts is compressed by `speed` (speed 3000: the two days pass in about a minute);
// the 15 s answer limit is not (n8n answers in real time). Every event's fate is recorded.
import { signatureHeader } from '../dist/lib/signature.js';
import { sleep } from './n8n.mjs';

/** Retries after the first delivery. */
export const MAX_RETRIES = 15;
export const ANSWER_LIMIT_MS = 15_000;

/** Seconds Prefinery waits before the N-th retry (N = 1 for the second attempt). */
export const retryDelaySeconds = (n) => 5 + n ** 4;

/** Seconds from the first delivery to the last retry: the retry window (178,387 s, about 2.06 days). */
export const RETRY_WINDOW_SECONDS = Array.from({ length: MAX_RETRIES }, (_, i) => retryDelaySeconds(i + 1)).reduce((a, b) => a + b, 0);

/**
 * What Prefinery does with one attempt's answer (an HTTP status, 'timeout' or 'connection_error'):
 * 'delivered', 'retried', 'endpoint_removed' (410) or 'dropped'.
 */
export function fateOfAnswer(status) {
	if (status === 200 || status === 201) return 'delivered';
	if (status === 410) return 'endpoint_removed';
	if (status === 429 || status === 'timeout' || status === 'connection_error') return 'retried';
	return 'dropped';
}

export class PrefinerySimulator {
	/**
	 * @param {object} options
	 * @param {string | (() => string)} options.url where to deliver (a function: read at every attempt)
	 * @param {string} options.secret the project's signing secret
	 * @param {number} [options.speed] time compression of the retry schedule (default 1: real time)
	 * @param {boolean} [options.resign] whether a retry is signed anew with a new `t` (Prefinery does not
	 *   say; default false, the harder case: the first attempt's signature is sent again)
	 * @param {number} [options.answerLimitMs] how long an attempt waits for an answer (default 15 s)
	 */
	constructor({ url, secret, speed = 1, resign = false, answerLimitMs = ANSWER_LIMIT_MS }) {
		this.url = typeof url === 'function' ? url : () => url;
		this.secret = secret;
		this.speed = speed;
		this.resign = resign;
		this.answerLimitMs = answerLimitMs;
		this.endpointRemoved = false;
		/**
		 * One record per delivery (a redelivery of the same event is a record of its own).
		 * @type {Array<{event: object, attempts: Array<{at: number, status: number | string}>, fate: string}>}
		 */
		this.records = [];
		this.pending = new Set();
	}

	/**
	 * Starts delivering `event` (an envelope); returns a promise that settles with its fate, which is also
	 * in `fates()`. Delivering an event again is a redelivery (Prefinery's at-least-once): its own record.
	 */
	deliver(event) {
		const record = { event, attempts: [], fate: 'pending' };
		this.records.push(record);
		const running = this.#run(record).then(() => record.fate).finally(() => this.pending.delete(running));
		this.pending.add(running);
		return running;
	}

	async #run(record) {
		const body = JSON.stringify(record.event);
		let header = signatureHeader(this.secret, Math.floor(Date.now() / 1000), body);
		for (let retry = 0; retry <= MAX_RETRIES; retry++) {
			if (this.endpointRemoved) {
				record.fate = 'endpoint_removed';
				return;
			}
			if (retry > 0) {
				await sleep((retryDelaySeconds(retry) * 1000) / this.speed);
				if (this.resign) header = signatureHeader(this.secret, Math.floor(Date.now() / 1000), body);
			}
			const status = await this.#attempt(body, header);
			record.attempts.push({ at: Date.now(), status });
			const fate = fateOfAnswer(status);
			if (fate === 'endpoint_removed') this.endpointRemoved = true;
			if (fate !== 'retried') {
				record.fate = fate;
				return;
			}
		}
		record.fate = 'exhausted';
	}

	/** One POST: the HTTP status, or 'timeout' / 'connection_error'. */
	async #attempt(body, header) {
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), this.answerLimitMs);
		try {
			const res = await fetch(this.url(), {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'x-prefinery-signature': header, 'user-agent': 'Prefinery-simulator' },
				body,
				signal: controller.signal,
			});
			await res.arrayBuffer();
			return res.status;
		} catch (error) {
			return controller.signal.aborted ? 'timeout' : 'connection_error';
		} finally {
			clearTimeout(timer);
		}
	}

	/** Waits until every event delivered so far has its fate. */
	async drain() {
		while (this.pending.size > 0) await Promise.all([...this.pending]);
	}

	/** Counts by fate, and the records. */
	fates() {
		const counts = { delivered: 0, dropped: 0, exhausted: 0, endpoint_removed: 0, pending: 0 };
		for (const record of this.records) counts[record.fate] += 1;
		return { counts, records: [...this.records] };
	}
}
