// CPU seconds (user + system) of this process, worker threads included: what a stage
// logs next to its wall time, because on a shared machine wall time mostly measures
// the other processes.
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
