import type { Server } from '@grpc/grpc-js';

/**
 * Stops a gRPC server: no new calls, in-flight ones may finish, and after `timeoutMs` those
 * still running are cut. `onForced` says why it came to that (the timeout, or a failed graceful stop).
 */
export function shutdownGrpcServer(server: Server, timeoutMs: number, onForced: (why: 'timeout' | Error) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      onForced('timeout');
      server.forceShutdown();
      resolve();
    }, timeoutMs);
    server.tryShutdown((err) => {
      clearTimeout(timer);
      if (err) {
        onForced(err);
        server.forceShutdown();
      }
      resolve();
    });
  });
}
