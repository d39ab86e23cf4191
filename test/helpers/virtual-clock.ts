/**
 * A clock for rate-limit tests: `now()` is virtual milliseconds and `sleep(ms)` moves it forward at
 * once (yielding to the event loop), so a minute of Prefinery's limits passes in no real time. The
 * mock API (`now` option) and the node's limiter (`resetSharedRateLimiter`) can share one.
 */
import type { Clock } from '../../lib/rate-limit';

export interface VirtualClock extends Clock {
	sleep: (ms: number) => Promise<void>;
	advance(ms: number): void;
	/** Every sleep asked for, in order. */
	sleeps: number[];
}

export function virtualClock(start = Date.parse('2026-01-01T00:00:00Z')): VirtualClock {
	let now = start;
	const sleeps: number[] = [];
	return {
		now: () => now,
		sleeps,
		advance(ms: number) {
			now += ms;
		},
		async sleep(ms: number) {
			sleeps.push(ms);
			now += ms;
			await Promise.resolve();
		},
	};
}
