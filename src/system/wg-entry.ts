/** bin/wg.js of this installation (this file is dist/system/wg-entry.js): how wg starts itself again, PATH or not. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WG_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/wg.js');
