// Coalescing and rate limiting: incidents opened within one window (OVERSIGHT_ALERT_WINDOW_SECONDS)
// leave as one message per channel and audience, so an evaluator backfill that opens a thousand
// incidents produces one chat message and one e-mail per recipient group, not a thousand.
import { SEVERITY_RANK, type Severity } from '../contracts/flags.ts';
import { hasChannels, type AlertConfig } from './config.ts';
import { incidentsMail, incidentsWebhookPayload, summarize, type AlertIncident, type IncidentSummary, type MailMessage } from './message.ts';
import { withRetries, type Transports } from './transports.ts';

export interface DeliveryStats {
  incidents: number;
  webhooks: number;
  mails: number;
  failures: number;
}

/** Ids already notified are remembered (bounded) so a replayed batch does not alert twice. */
const REMEMBERED_IDS = 20_000;

export class AlertDispatcher {
  private pending: IncidentSummary[] = [];
  private readonly pendingIds = new Set<string>();
  private readonly notified = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  readonly totals: DeliveryStats = { incidents: 0, webhooks: 0, mails: 0, failures: 0 };

  private readonly config: AlertConfig;
  private readonly transports: Transports;
  private readonly log: (line: string) => void;
  private readonly retry: { tries: number; baseDelayMs: number };

  constructor(config: AlertConfig, transports: Transports, log: (line: string) => void, retry = { tries: 3, baseDelayMs: 500 }) {
    this.config = config;
    this.transports = transports;
    this.log = log;
    this.retry = retry;
  }

  /** Queues incidents of severity >= high; they leave when the window closes. Returns how many were queued. */
  enqueue(incidents: readonly AlertIncident[]): number {
    let queued = 0;
    for (const incident of incidents) {
      if ((SEVERITY_RANK[incident.severity as Severity] ?? -1) < SEVERITY_RANK.high) continue;
      const summary = summarize(incident, this.config.publicBaseUrl);
      if (this.pendingIds.has(summary.incident_id) || this.notified.has(summary.incident_id)) continue;
      this.pending.push(summary);
      this.pendingIds.add(summary.incident_id);
      queued++;
    }
    if (queued > 0 && !this.timer) {
      // unref: a pending alert never keeps a finished CLI alive; notify.ts flushes on beforeExit instead.
      this.timer = setTimeout(() => void this.flush(), this.config.windowMs);
      this.timer.unref();
    }
    return queued;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Sends what is queued now (window end, shutdown) and resolves when delivered or given up. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.pending;
    this.pending = [];
    this.pendingIds.clear();
    if (batch.length > 0) this.chain = this.chain.then(() => this.deliver(batch));
    return this.chain;
  }

  private remember(ids: string[]): void {
    for (const id of ids) this.notified.add(id);
    if (this.notified.size > REMEMBERED_IDS) {
      const drop = this.notified.size - REMEMBERED_IDS;
      let i = 0;
      for (const id of this.notified) {
        if (i++ >= drop) break;
        this.notified.delete(id);
      }
    }
  }

  private async deliver(batch: IncidentSummary[]): Promise<void> {
    this.remember(batch.map((s) => s.incident_id));
    this.totals.incidents += batch.length;
    const severities = Object.entries(countBy(batch.map((s) => s.severity))).map(([k, v]) => `${k} ${v}`).join(', ');
    if (!hasChannels(this.config)) {
      this.log(`${batch.length} incident(s) opened (${severities}); no alert channel configured, logged only: ${batch.slice(0, 10).map((s) => s.url).join(' ')}${batch.length > 10 ? ' …' : ''}`);
      return;
    }
    const sends: Array<Promise<void>> = [];
    if (this.transports.webhook) {
      const payload = incidentsWebhookPayload(batch, this.config.publicBaseUrl);
      sends.push(this.attempt('webhook', () => this.transports.webhook!(payload)).then((ok) => void (ok && this.totals.webhooks++)));
    }
    if (this.transports.mail) {
      for (const mail of this.mails(batch)) {
        sends.push(this.attempt(`mail to ${mail.to.length} recipient(s)`, () => this.transports.mail!(mail)).then((ok) => void (ok && this.totals.mails++)));
      }
    }
    await Promise.all(sends);
    this.log(`${batch.length} incident(s) opened (${severities}): notified`);
  }

  /** The reviewers get everything; each ministry's CAIOs get their own ministry's incidents. */
  private mails(batch: IncidentSummary[]): MailMessage[] {
    const base = this.config.publicBaseUrl;
    const out: MailMessage[] = [];
    if (this.config.reviewers.length > 0) out.push(incidentsMail(batch, this.config.reviewers, base));
    const byMinistry = new Map<string, IncidentSummary[]>();
    for (const s of batch) {
      if (!byMinistry.has(s.ministry)) byMinistry.set(s.ministry, []);
      byMinistry.get(s.ministry)!.push(s);
    }
    for (const [ministry, list] of [...byMinistry].sort((a, b) => a[0].localeCompare(b[0]))) {
      const caios = this.config.caioEmails[ministry] ?? [];
      if (caios.length > 0) out.push(incidentsMail(list, caios, base, ministry));
    }
    return out;
  }

  private async attempt(what: string, send: () => Promise<void>): Promise<boolean> {
    try {
      await withRetries(what, send, this.retry.tries, this.retry.baseDelayMs);
      return true;
    } catch (err) {
      // The incidents stay open in the queue: a lost notification is logged, never fatal.
      this.totals.failures++;
      this.log(`${(err as Error).message}; the incidents remain in the triage queue`);
      return false;
    }
  }
}

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}
