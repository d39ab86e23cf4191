export interface HostileServer {
	url: string;
	requests: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined>; host?: string }>;
	close(): Promise<void>;
}
export function startRecorder(host?: string): Promise<HostileServer>;
export function startRedirector(status: number, location: string): Promise<HostileServer>;
export function startDripper(options?: { everyMs?: number; bytes?: number }): Promise<HostileServer & { state: { sent: number; finished: boolean } }>;
export function startEndlessList(options?: { perPage?: number }): Promise<HostileServer>;
export function startHugePage(options: { count: number }): Promise<HostileServer>;
