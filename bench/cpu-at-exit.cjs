// Preloaded (node --require) into a process the benchmarks time as a whole:
// at exit it writes the process's CPU time, user + system in ms, as the last
// line of stderr.
process.on('exit', () => {
  const u = process.cpuUsage();
  process.stderr.write(`\n{"cpuMs":${(u.user + u.system) / 1e3}}\n`);
});
