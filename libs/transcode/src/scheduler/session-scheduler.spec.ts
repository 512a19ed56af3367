import { INITIAL_SCHEDULER_STATE, SchedulerCommand, SchedulerConfig, SchedulerEvent, SchedulerState, schedule } from './session-scheduler';

const CONFIG: SchedulerConfig = {
  waitWindowSegments: 12,
  lookaheadSegments: 30,
  comfortableSegments: 6,
  maxRunsPerSession: 3,
  idleMs: 30_000,
  supersededMs: 8_000,
  segmentWaitMs: 30_000,
  hardwareAllowed: false,
};

type Step = [at: number, event: SchedulerEvent];

let waiterIds = 0;
const ask = (index: number, ready = false, deadline = 1e12, waiter = ++waiterIds): SchedulerEvent => ({
  type: 'requested',
  waiter,
  index,
  ready,
  deadline,
});
const listed = (run: number, index: number): SchedulerEvent => ({ type: 'listed', run, index });

/** Freezes a value and everything it holds: a reducer that writes to its input throws (specs run in strict mode). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const held of Object.values(value)) deepFreeze(held);
  }
  return value;
}

/**
 * Runs the events in order from the initial state, every input (state, event, config) deeply
 * frozen, so every row also proves the scheduler pure; returns the final state and every command
 * but `wake`.
 */
function play(steps: Step[], config: Partial<SchedulerConfig> = {}, from: SchedulerState = INITIAL_SCHEDULER_STATE) {
  let state = from;
  const commands: SchedulerCommand[] = [];
  const wakes: (number | null)[] = [];
  for (const [at, event] of steps) {
    const result = schedule(deepFreeze(state), deepFreeze(event), at, deepFreeze({ ...CONFIG, ...config }));
    state = result.state;
    for (const command of result.commands) {
      if (command.type === 'wake') wakes.push(command.at);
      else commands.push(command);
    }
  }
  return { state, commands, wakes };
}

/** Commands as short strings: `start 1@0`, `answer #3`, `stop 1 idle`, `pause 1`, … (`keep`, the bookkeeping of every listing, left out: rows of their own show it). */
function brief(commands: SchedulerCommand[]): string[] {
  return commands
    .filter((command) => command.type !== 'keep')
    .map((command) => {
      switch (command.type) {
        case 'start':
          return `start ${command.run}@${command.index}${command.hardware ? ' hw' : ''}`;
        case 'stop':
          return `stop ${command.run} ${command.reason}`;
        case 'pause':
        case 'resume':
          return `${command.type} ${command.run}`;
        case 'renice':
          return `renice ${command.run} ${command.relaxed ? 'low' : 'normal'}`;
        case 'answer':
          return `answer ${command.index}`;
        case 'fail':
          return `fail ${command.index} ${command.failure.kind}`;
        case 'ignore':
          return `ignore ${command.run}@${command.index}`;
        case 'fell-back':
          return `fell-back ${command.run}: ${command.reason}`;
        default:
          return command.type;
      }
    });
}

/** A session whose run 1 started at 0 and has finished segments 0..last. */
function encodedUpTo(last: number, at = 0): Step[] {
  return [[at, ask(0)], ...Array.from({ length: last + 1 }, (_, i): Step => [at, listed(1, i)])];
}

beforeEach(() => (waiterIds = 0));

describe('the session scheduler', () => {
  it.each<[string, Step[], string[]]>([
    ['serves a finished segment at once', [[0, ask(5, true)]], ['answer 5']],
    ['starts a run at a segment nothing will make', [[0, ask(7)]], ['start 1@7']],
    [
      'answers the waiter when its segment is listed',
      [
        [0, ask(0)],
        [10, listed(1, 0)],
      ],
      ['start 1@0', 'answer 0'],
    ],
    ['makes a request within the wait window wait for the run in front of it', [...encodedUpTo(2), [0, ask(8)]], ['start 1@0', 'answer 0']],
    [
      'starts a second run for a request beyond the wait window (a seek), pausing the first',
      [...encodedUpTo(2), [0, ask(200)]],
      ['start 1@0', 'answer 0', 'start 2@200', 'pause 1'],
    ],
    [
      'starts a run for a seek back before where the run began',
      [
        [0, ask(50)],
        [0, listed(1, 50)],
        [0, ask(10)],
      ],
      ['start 1@50', 'answer 50', 'start 2@10', 'pause 1'],
    ],
    [
      'lets a withdrawn request start, stop or move nothing: the seek after it gives exactly one new run',
      [...encodedUpTo(7), [0, ask(8, false, 1e12, -8)], [0, { type: 'withdrawn', waiter: -8 }], [0, ask(215)], [0, ask(216)], [1, listed(2, 215)]],
      ['start 1@0', 'answer 0', 'renice 1 low', 'renice 1 normal', 'start 2@215', 'pause 1', 'answer 215'],
    ],
    [
      'resumes a run paused for a seek when its viewer comes back to it',
      [...encodedUpTo(3), [0, ask(200)], [1000, ask(3, true)]],
      ['start 1@0', 'answer 0', 'start 2@200', 'pause 1', 'answer 3', 'resume 1'],
    ],
    [
      'stops a run paused for a seek that nobody came back to',
      [...encodedUpTo(3), [0, ask(200)], [0, listed(2, 200)], [8_000, { type: 'tick' }]],
      ['start 1@0', 'answer 0', 'start 2@200', 'pause 1', 'answer 200', 'stop 1 superseded'],
    ],
    [
      'stops a run when it reaches segments another run made: that run serves its viewer on',
      [[0, ask(0)], [0, listed(1, 0)], [0, ask(20)], [0, listed(2, 20)], [0, ask(1)], ...Array.from({ length: 19 }, (_, i): Step => [0, listed(1, i + 1)])],
      ['start 1@0', 'answer 0', 'start 2@20', 'pause 1', 'answer 20', 'resume 1', 'answer 1', 'renice 1 low', 'stop 1 caught-up'],
    ],
    [
      'stops a run no request came near for the idle time',
      [...encodedUpTo(2), [29_999, { type: 'tick' }], [30_000, { type: 'tick' }]],
      ['start 1@0', 'answer 0', 'stop 1 idle'],
    ],
    [
      'keeps a run somebody waits for, however long nobody else asked',
      [...encodedUpTo(2), [0, ask(3, false, 60_000)], [45_000, { type: 'tick' }]],
      ['start 1@0', 'answer 0'],
    ],
    [
      'fails a request whose segment did not come by its deadline (504)',
      [
        [0, ask(0, false, 5_000)],
        [5_000, { type: 'tick' }],
      ],
      ['start 1@0', 'fail 0 timeout'],
    ],
    [
      'fails a request whose own run ended before its segment (502), rather than restarting in a loop',
      [
        [0, ask(4)],
        [10, { type: 'exited', run: 1 }],
      ],
      ['start 1@4', 'fail 4 encoder-failed'],
    ],
    [
      'fails a request whose own run went past its segment without making it',
      [
        [0, ask(4)],
        [10, listed(1, 5)],
      ],
      ['start 1@4', 'fail 4 encoder-failed'],
    ],
    [
      'restarts, at the waiting segment, a run that was killed under a request it did not start',
      [...encodedUpTo(2), [0, ask(4)], [1, { type: 'exited', run: 1 }]],
      ['start 1@0', 'answer 0', 'start 2@4'],
    ],
    [
      'goes on in software when a hardware run ends before its first segment, and reports the hardware at fault once software made a segment',
      [
        [0, ask(0)],
        [10, { type: 'exited', run: 1, reason: 'exit code 1' }],
        [20, listed(2, 0)],
      ],
      ['start 1@0 hw', 'fell-back 1: exit code 1', 'start 2@0', 'hardware-failed', 'answer 0'],
    ],
    [
      'falls back once when two hardware runs fail to start, and keeps the first reason',
      [
        [0, ask(0)],
        [0, ask(100)],
        [10, { type: 'exited', run: 1, reason: 'no device' }],
        [11, { type: 'exited', run: 2, reason: 'session limit' }],
        [20, listed(3, 0)],
        [20, listed(3, 1)],
      ],
      ['start 1@0 hw', 'start 2@100 hw', 'fell-back 1: no device', 'start 3@0', 'start 4@100', 'hardware-failed', 'answer 0'],
    ],
    [
      'reports that the hardware works when a hardware run makes its first segment, and only then',
      [
        [0, ask(0)],
        [10, listed(1, 0)],
        [20, listed(1, 1)],
      ],
      ['start 1@0 hw', 'hardware-works', 'answer 0'],
    ],
    [
      'lays no blame on the hardware for a hardware run it stopped before its first segment',
      [
        [0, ask(0)],
        [0, { type: 'preempt', run: 1 }],
        [1, { type: 'exited', run: 1, reason: 'killed by SIGTERM' }],
        [2, listed(2, 0)],
      ],
      ['start 1@0 hw', 'stop 1 preempted', 'start 2@0 hw', 'hardware-works', 'answer 0'],
    ],
    [
      'blames a hardware run that never spawned (a recording gone) on the recording, not the encoder: the request fails',
      [
        [0, ask(0)],
        [10, { type: 'exited', run: 1, beforeSpawn: true }],
      ],
      ['start 1@0 hw', 'fail 0 encoder-failed'],
    ],
    [
      'gives up its run when the process limit preempts it, and starts none for nobody',
      [...encodedUpTo(2), [0, { type: 'preempt', run: 1 }], [1, { type: 'exited', run: 1 }]],
      ['start 1@0', 'answer 0', 'stop 1 preempted'],
    ],
    [
      'answers 503 when no process slot could be had, and starts no other run in that step',
      [
        [0, ask(9)],
        [0, ask(90)],
        [0, { type: 'refused', run: 1 }],
      ],
      ['start 1@9', 'start 2@90', 'fail 9 busy'],
    ],
  ])('%s', (_name, steps, expected) => {
    const hardware = _name.includes('hardware');
    expect(brief(play(steps, { hardwareAllowed: hardware }).commands)).toEqual(expected);
  });

  it.each<[string, number, number, string[]]>([
    // [case, segments finished (0..n) with the viewer at 0, where the viewer asks next, pauses and resumes]
    ['pauses a run LOOKAHEAD segments ahead of its viewer', 30, 0, ['pause 1']],
    ['keeps it running one segment short of that', 29, 0, []],
    ['resumes it as the viewer catches up', 30, 10, ['pause 1', 'resume 1']],
  ])('%s', (_name, last, viewer, expected) => {
    const { commands } = play([...encodedUpTo(last), [1, ask(viewer, true)]]);
    expect(brief(commands).filter((c) => c.startsWith('pause') || c.startsWith('resume'))).toEqual(expected);
  });

  it("keeps each file a live run lists as its segment, ignores one that starts before the run's next, and says nothing of a stopping run's", () => {
    const { commands } = play([
      [0, ask(0)],
      [0, listed(1, 0)],
      [0, listed(1, 1)],
      // ffmpeg's count drifted back: a file that starts before segment 2.
      [0, listed(1, 1)],
      [0, { type: 'preempt', run: 1 }],
      // The segment it was writing, closed on SIGTERM and cut short.
      [0, listed(1, 2)],
    ]);
    expect(commands.filter((command) => command.type === 'keep' || command.type === 'ignore' || command.type === 'answer')).toEqual([
      { type: 'keep', run: 1, index: 0 },
      { type: 'answer', waiter: 1, index: 0 },
      { type: 'keep', run: 1, index: 1 },
      { type: 'ignore', run: 1, index: 1 },
    ]);
  });

  it('never writes to what it is given, and gives the same answer to the same input', () => {
    const state = play([...encodedUpTo(3), [0, ask(200)], [5, ask(4)]]).state;
    const copy = structuredClone(state);
    const event: SchedulerEvent = { type: 'tick' };
    const first = schedule(state, event, 40_000, CONFIG);
    const second = schedule(state, event, 40_000, CONFIG);
    expect(state).toEqual(copy);
    expect(second).toEqual(first);
    expect(first.state).not.toBe(state);
  });

  it('renices a run to the lowest priority once comfortably ahead and back as the viewer nears', () => {
    const { commands } = play([...encodedUpTo(8), [1, ask(8, true)]]);
    expect(brief(commands).filter((c) => c.startsWith('renice'))).toEqual(['renice 1 low', 'renice 1 normal']);
  });

  it('never pauses a run short of a segment a request waits for', () => {
    const { commands } = play([...encodedUpTo(29), [0, ask(39)], [0, listed(1, 30)]]);
    expect(brief(commands)).not.toContain('pause 1');
  });

  it('never replaces a run before its first segment while it is young: the request waits', () => {
    const steps: Step[] = [
      [0, ask(100)],
      [0, ask(200)],
      [0, ask(300)],
      [0, ask(400)],
    ];
    expect(brief(play(steps).commands)).toEqual(['start 1@100', 'start 2@200', 'start 3@300']);
    // Past the wait timeout, the run nobody waits for any more may be replaced.
    const later = play([...steps, [0, { type: 'withdrawn', waiter: 1 }], [30_000, { type: 'tick' }]]);
    expect(brief(later.commands).slice(3)).toEqual(['stop 1 replaced', 'start 4@400']);
  });

  it('replaces the run wanted least recently when the session has its most runs', () => {
    const { commands } = play([
      [0, ask(0)],
      [0, listed(1, 0)],
      [1, ask(100)],
      [1, listed(2, 100)],
      [2, ask(200)],
      [2, listed(3, 200)],
      [3, ask(101, true)],
      [4, ask(201, true)],
      [5, ask(300)],
    ]);
    expect(
      brief(commands)
        .filter((c) => c.startsWith('st'))
        .slice(-2),
    ).toEqual(['stop 1 replaced', 'start 4@300']);
  });

  it('serves two viewers far apart with a run each, neither restarting the other', () => {
    const { commands } = play([
      [0, ask(0)],
      [0, listed(1, 0)],
      [0, ask(600)],
      [0, listed(2, 600)],
      ...Array.from({ length: 10 }, (_, i): Step[] => [
        [1000 * (i + 1), ask(i + 1)],
        [1000 * (i + 1), listed(1, i + 1)],
        [1000 * (i + 1), ask(601 + i)],
        [1000 * (i + 1), listed(2, 601 + i)],
      ]).flat(),
    ]);
    expect(brief(commands).filter((c) => c.startsWith('start') || c.startsWith('stop'))).toEqual(['start 1@0', 'start 2@600']);
  });

  it('asks to be woken at the nearest deadline or idle time, and not at all when nothing is pending', () => {
    expect(play([[0, ask(0, false, 5_000)]]).wakes).toEqual([5_000]);
    expect(play([...encodedUpTo(0)]).wakes.at(-1)).toBe(30_000);
    expect(play([[0, ask(3, true)]]).wakes).toEqual([null]);
    // A run still starting past its protection asks for no wake in the past (no timer spinning).
    const late = play([
      [0, ask(0, false, 60_000)],
      [40_000, { type: 'tick' }],
    ]);
    expect(late.wakes.at(-1)).toBe(60_000);
  });
});
