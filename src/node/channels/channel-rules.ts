import type { ChannelOptions, Config } from '../../config/types.js';
import { ClientError, ErrorCode } from '../../protocol/index.js';

const LONE_SURROGATE = /\p{Surrogate}/u;

/** What the rules know about a channel name. */
export interface ChannelInfo {
  channel: string;
  /** Namespace name; '' for channels without one. */
  namespace: string;
  options: ChannelOptions;
  /** Starts with the private prefix (`$`): a subscription token is required. */
  private: boolean;
  /** Users listed after the user boundary (`chan#u1,u2`); empty when not user-limited. */
  allowedUsers: string[];
  /** Whether the channel keeps history (size and ttl both set). */
  history: boolean;
  /** Effective meta TTL (namespace value or the global one), ms. */
  historyMetaTtl: number;
}

/**
 * Channel names → namespace options, following Centrifugo's naming rules:
 * `[$]namespace:name[#user1,user2]`.
 */
export class ChannelRules {
  private readonly namespaces: Map<string, ChannelOptions>;
  private readonly withoutNamespace: ChannelOptions;
  private readonly regexes = new Map<string, RegExp>();

  constructor(private readonly cfg: Config['channel']) {
    // `channel.publication_data_format` is what a namespace that sets none gets, as in Centrifugo.
    const format = cfg.publicationDataFormat;
    const own = <T extends ChannelOptions>(o: T): T => (o.publicationDataFormat === '' && format !== '' ? { ...o, publicationDataFormat: format } : o);
    this.withoutNamespace = own(cfg.withoutNamespace);
    this.namespaces = new Map(cfg.namespaces.map((ns) => [ns.name, own(ns)]));
    for (const [name, opts] of [['', cfg.withoutNamespace] as const, ...cfg.namespaces.map((ns) => [ns.name, ns] as const)]) {
      if (opts.channelRegex) this.regexes.set(name, new RegExp(opts.channelRegex));
    }
  }

  /** Resolves a channel; throws 102 for an unknown namespace and 107 for a bad name. */
  resolve(channel: string): ChannelInfo {
    if (channel.length > this.cfg.maxLength) throw new ClientError(ErrorCode.badRequest, 'channel name too long');
    // A lone surrogate has no UTF-8 form: engines could not name the channel reversibly.
    if (LONE_SURROGATE.test(channel)) throw new ClientError(ErrorCode.badRequest, 'channel name is not valid Unicode');
    const bare = this.bareOf(channel);
    const isPrivate = bare.length !== channel.length;
    const boundary = bare.indexOf(this.cfg.namespaceBoundary);
    let namespace = '';
    let name = bare;
    let options = this.withoutNamespace;
    if (boundary > 0) {
      namespace = bare.slice(0, boundary);
      name = bare.slice(boundary + this.cfg.namespaceBoundary.length);
      const ns = this.namespaces.get(namespace);
      if (!ns) throw new ClientError(ErrorCode.unknownChannel);
      options = ns;
    }
    const regex = this.regexes.get(namespace);
    if (regex && !regex.test(name)) throw new ClientError(ErrorCode.unknownChannel);
    const userPart = this.cfg.userBoundary ? bare.lastIndexOf(this.cfg.userBoundary) : -1;
    const allowedUsers = userPart >= 0 ? bare.slice(userPart + this.cfg.userBoundary.length).split(this.cfg.userSeparator).filter(Boolean) : [];
    return {
      channel,
      namespace,
      options,
      private: isPrivate,
      allowedUsers,
      history: options.historySize > 0 && options.historyTtl > 0,
      historyMetaTtl: options.historyMetaTtl || this.cfg.historyMetaTtl,
    };
  }

  /** The channel without its private prefix. */
  private bareOf(channel: string): string {
    return this.cfg.privatePrefix !== '' && channel.startsWith(this.cfg.privatePrefix) ? channel.slice(this.cfg.privatePrefix.length) : channel;
  }

  /** The namespace a channel name names ('' for none), without checking the channel (rate limits look it up before the command runs). */
  namespaceOf(channel: string): string {
    const bare = this.bareOf(channel);
    const boundary = bare.indexOf(this.cfg.namespaceBoundary);
    return boundary > 0 ? bare.slice(0, boundary) : '';
  }

  /** The personal channel of a user (`<namespace>:#<user>`). */
  personalChannel(namespace: string, user: string): string {
    const prefix = namespace ? namespace + this.cfg.namespaceBoundary : '';
    return `${prefix}${this.cfg.userBoundary}${user}`;
  }
}
