/** Polls `cond` until it holds; fails after `ms` milliseconds. */
export async function until(cond: () => Promise<boolean> | boolean, ms = 5000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
