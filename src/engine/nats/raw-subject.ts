/*
 * Subjects of raw mode (`broker.nats.raw_mode`), where other services publish plain
 * payloads to NATS subjects they name themselves. As in Centrifugo a channel's subject is
 * the raw prefix glued to the channel name with the configured replacements applied
 * (`{":": "."}` makes `chat:room` the subject `chat.room`); nothing is escaped, so a
 * name that does not make a valid subject is refused rather than sent.
 */

export interface RawModeOptions {
  /** Put before every subject as it is (`ext.`); may be empty. */
  prefix: string;
  /** Substrings of channel names replaced in the subject: `{":": "."}`. */
  channelReplacements: Readonly<Record<string, string>>;
}

// Whitespace ends a subject in the NATS protocol; empty tokens are invalid.
const BAD_SUBJECT = /\s|^\.|\.$|\.\./;

export class RawSubjects {
  private readonly replaced: ReadonlyArray<readonly [string, string]>;

  constructor(private readonly opts: RawModeOptions) {
    // Longest first, so overlapping keys ("::" and ":") replace the same way every time.
    this.replaced = Object.entries(opts.channelReplacements).sort(([a], [b]) => b.length - a.length);
  }

  /** The subject of `channel`, or undefined when the result is not a valid NATS subject. */
  subject(channel: string): string | undefined {
    const subject = this.opts.prefix + this.replace(channel);
    if (subject === '' || BAD_SUBJECT.test(subject)) return undefined;
    return subject;
  }

  /** The subject a message arrived on without the raw prefix, as Centrifugo names a publication's channel. */
  channelOf(subject: string): string {
    return subject.startsWith(this.opts.prefix) ? subject.slice(this.opts.prefix.length) : subject;
  }

  /** One pass from left to right: at each position the longest matching key is replaced. */
  private replace(channel: string): string {
    if (this.replaced.length === 0) return channel;
    let out = '';
    let i = 0;
    while (i < channel.length) {
      const hit = this.replaced.find(([from]) => channel.startsWith(from, i));
      if (hit) {
        out += hit[1];
        i += hit[0].length;
      } else {
        out += channel[i];
        i++;
      }
    }
    return out;
  }
}
