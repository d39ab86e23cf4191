'use strict';
/**
 * A virtual clock for several actors at once (two queue-mode workers, each with its own rate limiter)
 * sharing the mock Prefinery API's clock: a conservative discrete-event clock. `sleep(ms)` wakes at
 * `now + ms`; time moves to the earliest wake only when every running actor is asleep, so an actor's
 * HTTP round trip takes no virtual time and no sleep passes while another actor is still sending at
 * the earlier time. Every sleeper due at that time wakes together, and their requests race as two
 * processes' would (waking one at a time would let it send its whole burst before the other woke). Used by test/rate-limit-workers.test.ts and bench/ratelimit.mjs.
 */
function concurrentClock(start = Date.parse('2026-01-01T00:00:00Z')) {
	let now = start;
	let actors = 0;
	let seq = 0;
	const sleeps = [];
	const sleepers = [];
	const wake = () => {
		if (sleepers.length === 0 || sleepers.length < actors) return;
		sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
		now = Math.max(now, sleepers[0].at);
		while (sleepers.length > 0 && sleepers[0].at <= now) sleepers.shift().resolve();
	};
	return {
		now: () => now,
		sleeps,
		sleep(ms) {
			sleeps.push(ms);
			return new Promise((resolve) => {
				sleepers.push({ at: now + ms, seq: (seq += 1), resolve });
				wake();
			});
		},
		/** Runs `fn` as one actor; register every actor (call this) before any of them awaits. */
		async actor(fn) {
			actors += 1;
			try {
				return await fn();
			} finally {
				actors -= 1;
				wake();
			}
		},
	};
}

module.exports = { concurrentClock };
