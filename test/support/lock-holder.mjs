// Takes the graph lock of the .workgraph in argv[2], says "held", and keeps it until
// stdin closes (or the process is killed, which is the point of some tests).
import { acquireLock } from '../../dist/store/file/lock.js';

const lock = await acquireLock(`${process.argv[2]}/graph.lock`);
process.stdout.write('held\n');
process.stdin.resume();
process.stdin.on('end', () => {
  lock.release();
  process.exit(0);
});
