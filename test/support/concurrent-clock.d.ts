export interface ConcurrentClock {
	now(): number;
	sleep(ms: number): Promise<void>;
	/** Every sleep asked for, in order. */
	sleeps: number[];
	/** Runs `fn` as one actor (an n8n process): virtual time moves only while every actor sleeps. */
	actor<T>(fn: () => Promise<T>): Promise<T>;
}
export function concurrentClock(start?: number): ConcurrentClock;
