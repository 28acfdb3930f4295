import type { PerMessageDeflateOptions } from 'ws';
import type { CompressionConfig } from '../../config/types.js';

/**
 * ws's permessage-deflate options for `websocket` / `uni_websocket` compression; false
 * when it is off. ws agrees to it only with a client whose handshake offers it.
 */
export function perMessageDeflate(c: CompressionConfig): PerMessageDeflateOptions | false {
  if (!c.compression) return false;
  return {
    // Centrifugo compresses messages longer than compression_min_size; ws those at least `threshold` long.
    threshold: c.compressionMinSize + 1,
    zlibDeflateOptions: { level: c.compressionLevel },
    // No context kept between messages, as with Go's WebSocket library: a kept zlib window
    // costs tens of KiB per idle connection for a better ratio on similar messages.
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
  };
}
