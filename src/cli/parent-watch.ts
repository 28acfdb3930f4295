/** How often an npm-started server checks that npm is still its parent. */
const CHECK_INTERVAL_MS = 1000;

/**
 * Calls `onGone` once when this process's parent exits (the process is re-parented, so
 * `process.ppid` changes). A server started by `npm start` is npm's child: npm passes a
 * SIGTERM on, but when npm itself is killed outright (SIGKILL, an OOM kill) nothing
 * tells the server, which would live on as an orphan holding the port and its clients.
 */
export function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, CHECK_INTERVAL_MS);
  timer.unref();
}
