// Entry point for the evaluator runner: `notifyIncidentsOpened(incidents)` queues the incidents it
// just opened; the process-wide dispatcher coalesces them per window and delivers to the configured
// webhook and mail recipients (or logs them when none is configured).
import { loadAlertConfig, type AlertConfig } from './config.ts';
import { AlertDispatcher, type DeliveryStats } from './dispatcher.ts';
import type { AlertIncident } from './message.ts';
import { createTransports, type Transports } from './transports.ts';

export type { AlertIncident } from './message.ts';

const SLOT = Symbol.for('genai-oversight.alerts');
type Holder = { [SLOT]?: { dispatcher: AlertDispatcher; transports: Transports } };

function defaultLog(line: string): void {
  process.stderr.write(`alerts: ${line}\n`);
}

/** The process-wide dispatcher (on globalThis, like the ClickHouse client, so the bundle and the CLI share it). */
export function getAlertDispatcher(config: AlertConfig = loadAlertConfig(), log: (line: string) => void = defaultLog): AlertDispatcher {
  const holder = globalThis as Holder;
  if (!holder[SLOT]) {
    const transports = createTransports(config);
    holder[SLOT] = { dispatcher: new AlertDispatcher(config, transports, log), transports };
    // The window timer does not keep a process alive; whatever is still queued goes out before exit.
    process.once('beforeExit', () => void flushAlerts());
  }
  return holder[SLOT].dispatcher;
}

/** Called by the evaluator runner with the incidents a pass opened (severity >= high). */
export async function notifyIncidentsOpened(incidents: readonly AlertIncident[]): Promise<void> {
  getAlertDispatcher().enqueue(incidents);
}

/** Sends anything queued now and waits for delivery (graceful shutdown, end of a CLI run). */
export async function flushAlerts(): Promise<void> {
  await (globalThis as Holder)[SLOT]?.dispatcher.flush();
}

/** Flushes, closes the SMTP pool and forgets the dispatcher (tests, shutdown). */
export async function closeAlerts(): Promise<DeliveryStats | undefined> {
  const holder = globalThis as Holder;
  const shared = holder[SLOT];
  if (!shared) return undefined;
  await shared.dispatcher.flush();
  shared.transports.close();
  holder[SLOT] = undefined;
  return shared.dispatcher.totals;
}
