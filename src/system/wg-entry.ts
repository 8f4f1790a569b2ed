/** bin/wg.js of this installation: how wg starts itself again, PATH or not. */
import { packagePath } from './package-root.js';

export const WG_ENTRY = packagePath('bin', 'wg.js');
