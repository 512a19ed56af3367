import { HttpException } from '@nestjs/common';
import { SessionEngine, TranscodeEvents, transcodeSessionId } from '@app/transcode';
import { ClusterModuleOptions } from './cluster.module-definition';
import { InMemorySessionRegistry } from './in-memory-session.registry';
import { beatIntervalMs } from './ownership-deadlines';
import { NotOwnerException, SessionOwnership } from './session-ownership';
import { SessionRecord } from './session-registry';

const options = { nodeId: 'me', capacity: 1, nodeTimeoutSeconds: 3 } as ClusterModuleOptions;
const range = { camera: 'front', start: 100, end: 160 };
const id = transcodeSessionId(range.camera, range.start, range.end);
const recordOf = (owner: string): SessionRecord => ({ id, owner, ...range, durationSeconds: 60, state: 'active', lastAccessAt: 1 });

/** An engine that runs what it is told to, or fails to when `fails` is set. */
function fakeEngine(fails = false) {
  const running = new Set<string>();
  const engine = {
    localSession: (sessionId: string) => (running.has(sessionId) ? { id: sessionId } : undefined),
    isAdmitting: () => false,
    open: async (camera: string, start: number, end: number) => {
      if (fails) throw new HttpException('no first segment', 504);
      running.add(transcodeSessionId(camera, start, end));
      return { id, camera, timeline: { durationSeconds: end - start }, variant: () => ({ audio: false }) };
    },
    adopt: async (camera: string, start: number, end: number) => {
      if (fails) throw new HttpException('cannot start', 500);
      running.add(transcodeSessionId(camera, start, end));
    },
  } as unknown as SessionEngine;
  return { engine, running };
}

function ownership(registry: InMemorySessionRegistry, fails = false) {
  const { engine, running } = fakeEngine(fails);
  return { ownership: new SessionOwnership(options, registry, engine, new TranscodeEvents()), running };
}

/** A registry whose reads are counted and whose reconnects the test fires. */
class CountingRegistry extends InMemorySessionRegistry {
  gets = 0;
  private readyListeners: (() => void)[] = [];
  override async get(sessionId: string) {
    this.gets += 1;
    return super.get(sessionId);
  }
  override onReady(listener: () => void) {
    this.readyListeners.push(listener);
  }
  reconnect() {
    for (const listener of this.readyListeners) listener();
  }
}

describe('SessionOwnership', () => {
  describe('openHere: claim → slot → start, giving back only what it took', () => {
    it('claims the record, takes a slot and starts the session', async () => {
      const registry = new InMemorySessionRegistry();
      const { ownership: subject, running } = ownership(registry);
      await expect(subject.openHere(range)).resolves.toMatchObject({ sessionId: id });
      expect((await registry.get(id))?.owner).toBe('me');
      expect(await registry.acquireSlot('me', 'another', 1)).toBe(false);
      expect(running.has(id)).toBe(true);
    });

    it('refuses with 409 a session another live node owns, taking no slot', async () => {
      const registry = new InMemorySessionRegistry();
      await registry.claim(recordOf('other'));
      const { ownership: subject } = ownership(registry);
      await expect(subject.openHere(range)).rejects.toBeInstanceOf(NotOwnerException);
      expect(await registry.acquireSlot('me', 'another', 1)).toBe(true);
    });

    it('takes a session over from an owner the caller could not reach', async () => {
      const registry = new InMemorySessionRegistry();
      await registry.claim(recordOf('gone'));
      const { ownership: subject } = ownership(registry);
      await subject.openHere(range, undefined, undefined, 'gone');
      expect((await registry.get(id))?.owner).toBe('me');
    });

    it('answers 429 with no free slot, and gives its new claim back', async () => {
      const registry = new InMemorySessionRegistry();
      await registry.acquireSlot('me', 'busy', 1);
      const { ownership: subject } = ownership(registry);
      await expect(subject.openHere(range)).rejects.toMatchObject({ status: 429 });
      expect(await registry.get(id)).toBeNull();
    });

    it('gives back its slot and its new claim when the session fails to start', async () => {
      const registry = new InMemorySessionRegistry();
      const { ownership: subject } = ownership(registry, true);
      await expect(subject.openHere(range)).rejects.toMatchObject({ status: 504 });
      expect(await registry.get(id)).toBeNull();
      expect(await registry.acquireSlot('me', 'another', 1)).toBe(true);
    });

    it('keeps a claim it did not make when the session fails to start', async () => {
      const registry = new InMemorySessionRegistry();
      await registry.claim(recordOf('me'));
      const { ownership: subject } = ownership(registry, true);
      await expect(subject.openHere(range)).rejects.toMatchObject({ status: 504 });
      expect((await registry.get(id))?.owner).toBe('me');
    });
  });

  describe('runHere', () => {
    it.each([
      ['gives back a claim made for this request', true, null],
      ['keeps a claim this node already had', false, 'me'],
    ])('when the session cannot start, %s', async (_name, claimedNow, ownerAfter) => {
      const registry = new InMemorySessionRegistry();
      await registry.claim(recordOf('me'));
      const { ownership: subject } = ownership(registry, true);
      await expect(subject.runHere(recordOf('me'), claimedNow)).rejects.toMatchObject({ status: 500 });
      expect((await registry.get(id))?.owner ?? null).toBe(ownerAfter);
    });

    it('starts the session the registry says this node owns', async () => {
      const registry = new InMemorySessionRegistry();
      const { ownership: subject, running } = ownership(registry);
      await subject.runHere(recordOf('me'), false);
      expect(running.has(id)).toBe(true);
    });
  });

  describe('record: a deadline, not a polling loop', () => {
    afterEach(() => jest.useRealTimers());

    it('answers at once, with one read, when the registry has not just reconnected', async () => {
      const registry = new CountingRegistry();
      const { ownership: subject } = ownership(registry);
      await expect(subject.record(id)).resolves.toBeNull();
      expect(registry.gets).toBe(1);
    });

    it('reads once more, when every node has beaten, just after the registry reconnected', async () => {
      jest.useFakeTimers({ now: 50_000 });
      const registry = new CountingRegistry();
      const { ownership: subject } = ownership(registry);
      registry.reconnect();
      const found = subject.record(id);
      await jest.advanceTimersByTimeAsync(beatIntervalMs(options.nodeTimeoutSeconds) - 10);
      expect(registry.gets).toBe(1);
      // The owner's beat writes its record back before the deadline.
      await registry.publish([recordOf('other')]);
      await jest.advanceTimersByTimeAsync(1000);
      await expect(found).resolves.toMatchObject({ owner: 'other' });
      expect(registry.gets).toBe(2);
    });
  });
});
