import { Counter, type Registry } from 'prom-client';

/** What became of a consumed message that was not applied: `skipped` (poison, logged) or `retried`. */
export type ConsumerOutcome = 'skipped' | 'retried';

/**
 * `centrifugo_consumers_messages_processed_total` and `centrifugo_consumers_errors_total` by
 * `consumer_name`, as in Centrifugo, and Parsec's `parsec_consumers_messages_total` by outcome.
 */
export class ConsumerMetrics {
  private readonly processedTotal: Counter<'consumer_name'>;
  private readonly errorsTotal: Counter<'consumer_name'>;
  private readonly outcomes: Counter<'consumer_name' | 'outcome'>;

  constructor(registry: Registry, private readonly on: boolean) {
    const registers = [registry];
    this.processedTotal = new Counter({ name: 'centrifugo_consumers_messages_processed_total', help: 'Total number of processed messages in consumer', labelNames: ['consumer_name'], registers });
    this.errorsTotal = new Counter({ name: 'centrifugo_consumers_errors_total', help: 'Total number of errors in consumer', labelNames: ['consumer_name'], registers });
    this.outcomes = new Counter({ name: 'parsec_consumers_messages_total', help: 'Consumed messages not applied, by consumer and outcome (skipped or retried).', labelNames: ['consumer_name', 'outcome'], registers });
  }

  /** Series at zero from the start, so a dashboard shows a consumer before its first message. */
  init(consumer: string): void {
    if (!this.on) return;
    this.processedTotal.inc({ consumer_name: consumer }, 0);
    this.errorsTotal.inc({ consumer_name: consumer }, 0);
  }

  processed(consumer: string, n = 1): void {
    if (this.on && n > 0) this.processedTotal.inc({ consumer_name: consumer }, n);
  }

  /** A failure: a command that failed (then retried or skipped) or an error talking to the source. */
  error(consumer: string, outcome?: ConsumerOutcome): void {
    if (!this.on) return;
    this.errorsTotal.inc({ consumer_name: consumer });
    if (outcome) this.outcomes.inc({ consumer_name: consumer, outcome });
  }
}
