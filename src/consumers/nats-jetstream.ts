import { readFileSync } from 'node:fs';
import { AckPolicy, DeliverPolicy, connect, credsAuthenticator, type ConnectionOptions, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { clientTls, type NatsJetStreamConsumerConfig } from '../config/index.js';
import { natsTlsOf, natsTlsOptions } from '../lib/index.js';
import { backoffDelay, sleep } from './backoff.js';
import type { Command } from './dispatch.js';
import { publicationCommand } from './publication-mode.js';
import type { Consumer, ConsumerDeps } from './types.js';

/** How long JetStream waits for an acknowledgement before delivering again (Centrifugo's value). */
const ACK_WAIT_MS = 30_000;

/**
 * A durable JetStream pull consumer, as Centrifugo runs it: created (or updated) on the
 * configured stream unless `use_existing_consumer`; each message is a server API command
 * (the method in the `method_header` header, or Centrifugo's method/payload envelope) and is
 * acknowledged after the command succeeded. A temporary failure is negatively acknowledged
 * with a delay growing with its delivery count; a poison message is terminated (logged,
 * never delivered again). Messages are applied one at a time, in stream order.
 */
export class NatsJetStreamConsumer implements Consumer {
  private readonly stop = new AbortController();
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> = Promise.resolve();
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly cfg: NatsJetStreamConsumerConfig,
    private readonly deps: ConsumerDeps,
    private readonly nc: NatsConnection,
  ) {}

  /** @throws Error naming the consumer when NATS cannot be reached or the consumer cannot be created. */
  static async start(cfg: NatsJetStreamConsumerConfig, deps: ConsumerDeps): Promise<NatsJetStreamConsumer> {
    // A PEM that cannot be used is a config error naming its key, thrown as it is.
    const options = connectionOptions(cfg, deps);
    let nc: NatsConnection | undefined;
    try {
      nc = await connect(options);
      const consumer = new NatsJetStreamConsumer(cfg, deps, nc);
      await consumer.ensureConsumer();
      consumer.loop = consumer.run();
      return consumer;
    } catch (err) {
      await nc?.close();
      // A handshake's error alone rarely names the setting to look at.
      const hint = cfg.tls.enabled && nc === undefined ? `; check ${deps.at}.nats_jetstream.tls (server_ca_pem, server_name, and cert_pem/key_pem for a server that verifies clients)` : '';
      throw new Error(`consumer "${deps.name}": ${(err as Error).message}${hint}`, { cause: err });
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stop.abort();
      await this.messages?.close();
      await this.loop;
      await this.nc.drain().catch(() => this.nc.close());
    })();
    return this.closed;
  }

  /** The durable consumer, created or brought to the configured settings; or looked up when it must exist. */
  private async ensureConsumer(): Promise<void> {
    const { streamName, durableConsumerName } = this.cfg;
    const jsm = await this.nc.jetstreamManager();
    if (this.cfg.useExistingConsumer) {
      await jsm.consumers.info(streamName, durableConsumerName);
      return;
    }
    const settings = {
      filter_subjects: this.cfg.subjects.length > 0 ? this.cfg.subjects : undefined,
      max_ack_pending: this.cfg.maxAckPending,
      ack_wait: ACK_WAIT_MS * 1_000_000,
    };
    try {
      await jsm.consumers.info(streamName, durableConsumerName);
      await jsm.consumers.update(streamName, durableConsumerName, settings);
    } catch (err) {
      if (!/consumer not found/i.test((err as Error).message)) throw err;
      await jsm.consumers.add(streamName, {
        ...settings,
        durable_name: durableConsumerName,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: this.cfg.deliverPolicy === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      });
    }
  }

  /** Consumes until closed; when the consumer goes away (deleted, stream lost) it is created again with backoff. */
  private async run(): Promise<void> {
    const { signal } = this.stop;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const consumer = await this.nc.jetstream().consumers.get(this.cfg.streamName, this.cfg.durableConsumerName);
        this.messages = await consumer.consume({ max_messages: Math.min(this.cfg.maxAckPending, 100) });
        // Closed while consume() was starting: close() found nothing to close. Closing messages
        // never read from does not settle, so it is not awaited; draining the connection ends it.
        if (signal.aborted) {
          void this.messages.close().catch(() => undefined);
          return;
        }
        failures = 0;
        for await (const msg of this.messages) {
          await this.process(msg);
          failures = 0;
        }
      } catch (err) {
        if (signal.aborted) return;
        this.deps.metrics.error(this.deps.name);
        this.deps.log.error({ err }, 'consuming from JetStream failed: starting again');
      }
      if (signal.aborted) return;
      failures++;
      await sleep(backoffDelay(failures), signal);
      await this.ensureConsumer().catch((err: unknown) => this.deps.log.warn({ err }, 'recreating the JetStream consumer failed'));
    }
  }

  private command(msg: JsMsg): Command {
    return commandOf(msg, this.cfg, (method, payload) => this.deps.dispatcher.decode(method, payload));
  }

  private async process(msg: JsMsg): Promise<void> {
    const { dispatcher, log, metrics, name, maxAttempts } = this.deps;
    const command = this.command(msg);
    const method = 'method' in command ? command.method : '';
    const outcome = await dispatcher.run(command, (k) => (msg.headers?.has(k) ? msg.headers.get(k) : undefined));
    const deliveries = msg.info.deliveryCount;
    if (outcome.kind === 'applied') {
      msg.ack();
      metrics.processed(name);
      return;
    }
    if (outcome.kind === 'poison') {
      metrics.error(name, 'skipped');
      log.error({ subject: msg.subject, seq: msg.seq, method, reason: outcome.reason }, 'JetStream message cannot be applied: skipped');
      // No reason text: servers before 2.10.4 ignore a +TERM that carries one.
      msg.term();
      return;
    }
    if (maxAttempts > 0 && deliveries >= maxAttempts) {
      metrics.error(name, 'skipped');
      log.error({ subject: msg.subject, seq: msg.seq, method, reason: outcome.reason, deliveries }, 'JetStream message still failing after max_attempts deliveries: skipped');
      msg.term();
      return;
    }
    metrics.error(name, 'retried');
    log.warn({ subject: msg.subject, seq: msg.seq, method, reason: outcome.reason, deliveries }, 'JetStream message failed: delivered again after a backoff');
    msg.nak(backoffDelay(deliveries));
  }
}

/** The message's command: the method header and body, or in publication data mode a publication of the body. */
function commandOf(msg: JsMsg, cfg: NatsJetStreamConsumerConfig, decode: (method: string, payload: string) => Command): Command {
  const header = (name: string): string | undefined => (name && msg.headers?.has(name) ? msg.headers.get(name) : undefined);
  const m = cfg.publicationDataMode;
  if (m.enabled) {
    const names = { channels: m.channelsHeader, idempotencyKey: m.idempotencyKeyHeader, delta: m.deltaHeader, version: m.versionHeader, versionEpoch: m.versionEpochHeader, tagsPrefix: m.tagsHeaderPrefix };
    const fields = new Map<string, string>();
    for (const [k] of msg.headers ?? []) fields.set(k, msg.headers!.get(k));
    return publicationCommand(msg.data, fields, names);
  }
  return decode(header(cfg.methodHeader) ?? '', new TextDecoder().decode(msg.data));
}

/** @throws ConfigError naming the consumer's `tls` key when a PEM cannot be used. */
function connectionOptions(cfg: NatsJetStreamConsumerConfig, deps: ConsumerDeps): ConnectionOptions {
  const servers = cfg.url.split(',').map((s) => s.trim());
  const opts: ConnectionOptions = {
    servers,
    name: `parsec-consumer-${deps.name}`,
    maxReconnectAttempts: -1,
    timeout: 5000,
  };
  const tls = clientTls(cfg.tls, `${deps.at}.nats_jetstream.tls`);
  if (tls) opts.tls = natsTlsOptions(natsTlsOf(tls), servers);
  if (cfg.credentialsFile) opts.authenticator = credsAuthenticator(readFileSync(cfg.credentialsFile));
  else if (cfg.username) Object.assign(opts, { user: cfg.username, pass: cfg.password });
  else if (cfg.token) opts.token = cfg.token;
  return opts;
}
