// CPU accounting of an httpd instance, shared by bench.mjs and ab.mjs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

// Every process: pid, ppid and /proc/PID/stat fields by number.
export function processes() {
  const list = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8'); } catch { continue; }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');   // f[0] is field 3
    const field = (n) => Number(f[n - 3]);
    list.push({ pid: Number(ent), ppid: field(4), field });
  }
  return list;
}

// CPU time of an httpd instance (its pid file), in µs: its parent and the
// parent's children. Each thread's scheduler runtime (/proc/PID/task/TID/schedstat,
// in ns) is exact, where /proc/PID/stat rounds down to clock ticks (10 ms:
// a tenth of a slice of 50 logins). A thread that ends mid-slice takes its
// runtime with it, so then the slice falls back to the tick counts of
// /proc/PID/stat fields 14-17, whose cutime and cstime keep the children
// the parent has reaped.
export function cpuSample(pidFile) {
  const parent = Number(fs.readFileSync(pidFile, 'utf8'));
  const sample = { ticks: 0, ns: 0, threads: new Set() };
  for (const { pid, ppid, field } of processes()) {
    if (pid !== parent && ppid !== parent) continue;
    sample.ticks += field(14) + field(15) + (pid === parent ? field(16) + field(17) : 0);
    let tids = [];
    try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        sample.ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        sample.threads.add(tid);
      } catch { /* ended meanwhile */ }
    }
  }
  return sample;
}

export function cpuSpentUs(before, after) {
  const whole = [...before.threads].every((t) => after.threads.has(t));
  return whole ? (after.ns - before.ns) / 1e3 : (after.ticks - before.ticks) * TICK_US;
}
