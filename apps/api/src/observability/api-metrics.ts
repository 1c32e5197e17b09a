import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RegistryEventKind } from '@berth/registry';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Seconds; registry requests range from a cached HEAD to a multi-gigabyte upload. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

interface RouteSeries {
  duration: ReturnType<Histogram<'method' | 'route'>['labels']>;
  byStatus: Map<number, ReturnType<Counter<'method' | 'route' | 'status'>['labels']>>;
}

/**
 * The api's Prometheus metrics, in a registry of their own (one per application, so tests can
 * run several). Labels never carry names: `route` is a /v2 route kind or a Nest route pattern.
 * Label children are bound once per (method, route) and status and kept, so an observed request
 * costs two map lookups and two increments.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'berth_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'berth_http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its answer, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly received = new Counter({
    name: 'berth_registry_bytes_received_total',
    help: 'Bytes of blobs whose upload completed here, and of manifests pushed.',
    registers: [this.registry],
  });
  private readonly sent = new Counter({
    name: 'berth_registry_bytes_sent_total',
    help: 'Bytes of blobs and manifests served (by Content-Length of GET answers).',
    registers: [this.registry],
  });
  private readonly uploads = new Counter({
    name: 'berth_uploads_completed_total',
    help: 'Blob uploads completed (monolithic or the final PUT of a session).',
    registers: [this.registry],
  });
  private readonly events = new Counter({
    name: 'berth_registry_events_total',
    help: 'Registry events (pushes, pulls, deletes, uploads), by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly series = new Map<string, Map<string, RouteSeries>>();
  private readonly eventSeries = new Map<RegistryEventKind, ReturnType<Counter<'kind'>['labels']>>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** One answered request; `route` must come from a bounded set. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const m = METHODS.has(method) ? method : 'OTHER';
    let byRoute = this.series.get(m);
    if (!byRoute) this.series.set(m, (byRoute = new Map<string, RouteSeries>()));
    let series = byRoute.get(route);
    if (!series) {
      series = { duration: this.duration.labels(m, route), byStatus: new Map() };
      byRoute.set(route, series);
    }
    let counter = series.byStatus.get(status);
    if (!counter) series.byStatus.set(status, (counter = this.requests.labels(m, route, String(status))));
    counter.inc();
    series.duration.observe(seconds);
  }

  bytesReceived(bytes: number): void {
    if (bytes > 0) this.received.inc(bytes);
  }

  bytesSent(bytes: number): void {
    if (bytes > 0) this.sent.inc(bytes);
  }

  uploadCompleted(): void {
    this.uploads.inc();
  }

  event(kind: RegistryEventKind): void {
    let counter = this.eventSeries.get(kind);
    if (!counter) this.eventSeries.set(kind, (counter = this.events.labels(kind)));
    counter.inc();
  }

  /** A gauge whose value is computed at scrape time (queues, Redis). */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => Promise<void>,
  ): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await collect(this);
      },
    });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
