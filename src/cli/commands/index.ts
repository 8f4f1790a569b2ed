import type { Command } from 'commander';
import { register as actor } from './actor.js';
import { register as add } from './add.js';
import { register as artifact } from './artifact.js';
import { register as blocked } from './blocked.js';
import { register as bottlenecks } from './bottlenecks.js';
import { register as check } from './check.js';
import { register as claim } from './claim.js';
import { register as context } from './context.js';
import { register as criticalPath } from './critical-path.js';
import { register as edit } from './edit.js';
import { register as graph } from './graph.js';
import { register as impact } from './impact.js';
import { register as init } from './init.js';
import { register as lifecycle } from './lifecycle.js';
import { register as list } from './list.js';
import { register as log } from './log.js';
import { register as match } from './match.js';
import { register as next } from './next.js';
import { register as progress } from './progress.js';
import { register as ready } from './ready.js';
import { register as run } from './run.js';
import { register as show } from './show.js';
import { register as trajectory } from './trajectory.js';

/** Every command registers itself on the program; help lists them in this order. */
export const COMMANDS: Array<(program: Command) => void> = [init, add, edit, list, show, ready, blocked, claim, trajectory, lifecycle, log, progress, artifact, run, actor, match, next, context, impact, criticalPath, bottlenecks, graph, check];
