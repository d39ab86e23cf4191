// Runs a command (the arguments) and, once it has ended, writes the CPU seconds (user + system) that it
// and every process it waited for used to file descriptor 3, as JSON: the CPU column of npm test's time
// table (harness/pool.mjs). Linux's /proc/self/stat holds them (cutime, cstime); a process that leaves
// its parent (a daemon) is not counted. The exit code (or signal) is the command's.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeSync } from 'node:fs';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('close', (code, signal) => {
	try {
		const stat = readFileSync('/proc/self/stat', 'utf8');
		// The fields after "pid (comm) ": the 3rd field of the file (state) first, so the 16th (cutime) is at 13.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
		writeSync(3, JSON.stringify({ cpuSeconds: (Number(fields[13]) + Number(fields[14])) / ticks }));
	} catch {
		// no /proc here: the table shows no CPU time
	}
	if (signal) process.kill(process.pid, signal);
	else process.exit(code ?? 1);
});
