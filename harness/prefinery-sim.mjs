// Prefinery's webhook deliveries, by its documented rules (../shared/reference/prefinery.md §2), for the
// test suites and benchmarks:
//   - 200 or 201: delivered;
//   - 429, no answer within 15 s, or a connection error: retried, up to 15 retries after the first
//     delivery, the N-th about 5 s + N^4 s after the attempt before (about two days from first to last:
//     178,387 s, which is the "roughly two days" Prefinery states);
//   - 410: the endpoint is removed (this and every later event to it is dropped);
//   - any other status: dropped for good.
// Time between attempts is either compressed by `speed` (speed 3000: the two days pass in about a
// minute), or virtual (`virtual: true`): no retry happens until the test moves the simulated clock on
// with `advance(seconds)`, which sends every retry due by then in schedule order and waits for each
// one's answer, so what a test sees depends on what was answered, never on how fast the machine is.
// The 15 s answer limit is real either way (n8n answers in real time). Every event's fate is recorded.
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
	 * @param {string} options.secret the project's signing secret (may be changed, as a rotation in
	 *   Prefinery does: new deliveries are signed with the new one; retries keep their first signature
	 *   unless `resign`)
	 * @param {number} [options.speed] time compression of the retry schedule (default 1: real time)
	 * @param {boolean} [options.resign] whether a retry is signed anew with a new `t` (Prefinery does not
	 *   say; default false, the harder case: the first attempt's signature is sent again)
	 * @param {number} [options.answerLimitMs] how long an attempt waits for an answer (default 15 s)
	 * @param {boolean} [options.virtual] a simulated clock that only `advance()` moves (then `speed` is unused)
	 */
	constructor({ url, secret, speed = 1, resign = false, answerLimitMs = ANSWER_LIMIT_MS, virtual = false }) {
		this.url = typeof url === 'function' ? url : () => url;
		this.secret = secret;
		this.speed = speed;
		this.virtual = virtual;
		/** Simulated milliseconds since the simulator was made (virtual clock only). */
		this.now = 0;
		/** Retries waiting for the virtual clock: { at, wake }. */
		this.due = [];
		/** Deliveries between two waits (sending, or about to): `advance()` lets them finish first. */
		this.active = 0;
		this.idle = [];
		this.resign = resign;
		this.answerLimitMs = answerLimitMs;
		this.endpointRemoved = false;
		/**
		 * One record per delivery (a redelivery of the same event is a record of its own).
		 * `at` is the wall clock; `simulatedAt` the virtual clock's milliseconds (virtual clock only).
		 * @type {Array<{event: object, attempts: Array<{at: number, simulatedAt?: number, status: number | string}>, fate: string}>}
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
		this.active += 1;
		const running = this.#run(record)
			.then(() => record.fate)
			.finally(() => {
				this.pending.delete(running);
				this.#settled();
			});
		this.pending.add(running);
		return running;
	}

	/** One delivery stopped sending: it waits for its next retry or is done. */
	#settled() {
		this.active -= 1;
		if (this.active === 0) for (const wake of this.idle.splice(0)) wake();
	}

	/** Waits `seconds` of Prefinery's retry schedule: compressed real time, or until `advance()` gets there. */
	#wait(seconds) {
		if (!this.virtual) return sleep((seconds * 1000) / this.speed);
		return new Promise((wake) => {
			this.due.push({ at: this.now + seconds * 1000, wake });
			this.#settled();
		});
	}

	/** Resolves once no delivery is sending (every attempt so far has its answer). */
	#quiet() {
		return this.active === 0 ? Promise.resolve() : new Promise((wake) => this.idle.push(wake));
	}

	/**
	 * Virtual clock only: moves simulated time on by `seconds` (Infinity: until no retry is left), sending
	 * every retry due by then in schedule order (those due at the same moment together) and waiting for
	 * their answers before the clock moves further.
	 */
	async advance(seconds) {
		if (!this.virtual) throw new Error('advance() needs a simulator made with virtual: true');
		const until = this.now + seconds * 1000;
		for (;;) {
			await this.#quiet();
			if (this.due.length === 0) break;
			const next = Math.min(...this.due.map((d) => d.at));
			if (next > until) break;
			this.now = next;
			const woken = this.due.filter((d) => d.at === next);
			this.due = this.due.filter((d) => d.at !== next);
			this.active += woken.length;
			for (const { wake } of woken) wake();
		}
		if (Number.isFinite(until)) this.now = until;
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
				await this.#wait(retryDelaySeconds(retry));
				if (this.resign) header = signatureHeader(this.secret, Math.floor(Date.now() / 1000), body);
			}
			const status = await this.#attempt(body, header);
			record.attempts.push(this.virtual ? { at: Date.now(), simulatedAt: this.now, status } : { at: Date.now(), status });
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

	/** Waits until every event delivered so far has its fate (virtual clock: runs the schedule to its end). */
	async drain() {
		if (this.virtual) await this.advance(Infinity);
		while (this.pending.size > 0) await Promise.all([...this.pending]);
	}

	/** How many deliveries still wait for the answer to their first attempt (each gets one, or times out, within `answerLimitMs`). */
	unanswered() {
		let count = 0;
		for (const record of this.records) if (record.fate === 'pending' && record.attempts.length === 0) count += 1;
		return count;
	}

	/** How many attempts so far were answered with `status` (an HTTP status, 'timeout' or 'connection_error'). */
	answersWith(status) {
		let count = 0;
		for (const record of this.records) for (const attempt of record.attempts) if (attempt.status === status) count += 1;
		return count;
	}

	/** Counts by fate, and the records. */
	fates() {
		const counts = { delivered: 0, dropped: 0, exhausted: 0, endpoint_removed: 0, pending: 0 };
		for (const record of this.records) counts[record.fate] += 1;
		return { counts, records: [...this.records] };
	}
}
