/**
 * What the agent said about its own work, as its events came: its result, a halt it asked
 * for, its last words and its summary. Tool calls and errors go to the task's log.
 */
import type { AgentEvent } from '../../backends/types.js';
import type { RefusalPolicy } from '../refusals.js';
import type { HaltEvent, ResultEvent } from './judge.js';
import { LoopDetector, type Loop } from './loop-detector.js';
import type { TaskLog } from './task-log.js';

type Said = Extract<AgentEvent, { type: 'tool' | 'error' | 'text' | 'summary' | 'result' | 'halt' }>;

export class AgentReport {
  result: ResultEvent | undefined;
  halt: HaltEvent | undefined;
  lastText: string | undefined;
  summary: string | undefined;
  /** The call the agent kept repeating, when that is why it was stopped. */
  loop: Loop | undefined;
  private readonly loops: LoopDetector;

  constructor(
    private readonly log: TaskLog,
    /** Called once, with the first halt that stops the agent. */
    private readonly stopAgent: () => void,
    private readonly onRefusal: RefusalPolicy = 'fail',
    /** `[run] loop_limit`: the same call this many times in a row stops the agent; 0 never. */
    loopLimit = 0,
  ) {
    this.loops = new LoopDetector(loopLimit);
  }

  take(event: Said): void {
    switch (event.type) {
      case 'tool':
        this.log.log(`tool ${event.name}: ${event.summary}${event.isError ? ' (error)' : ''}`);
        return this.takeLoop(this.loops.offer(event));
      case 'error':
        this.log.log(`error: ${event.message}`);
        return;
      case 'text':
        this.lastText = event.text;
        return;
      case 'summary':
        this.summary = event.text;
        return;
      case 'result':
        this.result = event;
        if (!event.ok && event.reason) this.log.log(`agent reported failure: ${event.reason}`);
        return;
      case 'halt':
        return this.takeHalt(event);
    }
  }

  /** Only the first reason to stop counts: a loop found after a halt (or a halt after a loop) changes nothing. */
  private takeLoop(loop: Loop | undefined): void {
    if (!loop || this.halt || this.loop) return;
    this.loop = loop;
    this.log.log(
      `stopping the agent: looping: the same call ${loop.times} times in a row: ${loop.tool} ${loop.summary}`,
    );
    this.stopAgent();
  }

  private takeHalt(event: HaltEvent): void {
    if (this.halt || this.loop) return;
    if (event.kind === 'permission-denied' && this.onRefusal === 'continue') {
      // The agent got the refusal as its call's result and goes on; the task's check still decides.
      const allow = event.rule
        ? `; \`wg edit ${this.log.taskId} --tool ${JSON.stringify(event.rule)}\` would allow it`
        : '';
      this.log.log(`refused: ${event.request}${allow} (on_permission_denied = continue: the agent goes on)`);
      return;
    }
    this.halt = event;
    this.log.log(`stopping the agent: ${event.kind.replace('-', ' ')}: ${event.request}`);
    this.stopAgent();
  }
}
