/**
 * `work` run one at a time, however often it is asked for: a request while it runs
 * means one more run once it ends (a burst of requests is one run, and none is lost).
 * `work` handles its own errors.
 */
export function oneAtATime(work: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await work();
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => void run();
}
