// One-at-a-time work per key inside this process: a read-modify-write (a triage step, a review label)
// for one incident or item never interleaves with another for the same key. Each caller keeps its own
// set of keys. Across processes the stores' versioned rows decide, as their modules say.
export function keyedLock(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const locks = new Map<string, Promise<unknown>>();
  return async function exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const prior = locks.get(key) ?? Promise.resolve();
    const run = prior.then(work, work);
    const settled = run.catch(() => undefined);
    locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (locks.get(key) === settled) locks.delete(key);
    }
  };
}
