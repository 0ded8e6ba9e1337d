// A background job that runs now and then every interval in a serving or evaluating process: one run at
// a time (a slow run is not overlapped by the next), and a failed run is logged and tried again at the
// next interval instead of stopping the process.

/** Starts `run` now and every `intervalMs` (default hourly); `what` names it in the failure line. */
export function startPeriodic(
  what: string,
  run: () => Promise<void>,
  opts: { intervalMs?: number; log?: (line: string) => void } = {},
): { stop(): void } {
  const log = opts.log ?? (() => {});
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await run();
    } catch (err) {
      log(`${what} failed: ${(err as Error).message}; retrying at the next interval`);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 3_600_000);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
