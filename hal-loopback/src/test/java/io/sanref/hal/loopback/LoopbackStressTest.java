package io.sanref.hal.loopback;

import io.sanref.spi.MemoryAccess;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded, multi-threaded: posters on both ends race an aborter while each node runs its own progress thread.
 * Rerun a failing seed with {@code -Dsanref.seed=N}.
 */
class LoopbackStressTest
{
    private static final int ROUNDS = 12;
    private static final int POSTS_PER_THREAD = 300;
    private static final int MAX_LENGTH = 3000;
    private static final long HANG_GUARD_NS = 30_000_000_000L;
    private static final long SEED = Long.getLong("sanref.seed", System.nanoTime());

    /** Thread-safe completion tally, written by a node's progress thread. */
    private static final class Tally implements CompletionHandler
    {
        final Map<Long, AtomicInteger> counts = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Completion> log = new ConcurrentLinkedQueue<>();

        public void onCompletion(final long id, final int opcode, final int status, final int bytes)
        {
            counts.computeIfAbsent(id, (k) -> new AtomicInteger()).incrementAndGet();
            log.add(new Completion(id, opcode, status, bytes));
        }
    }

    private static final class ProgressThread extends Thread
    {
        private final LoopbackFabric node;
        private final Tally tally;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        ProgressThread(final String name, final LoopbackFabric node, final Tally tally)
        {
            super(name);
            this.node = node;
            this.tally = tally;
        }

        public void run()
        {
            try
            {
                while (running.get())
                {
                    if (0 == node.progress() + node.poll(tally, 64))
                    {
                        Thread.yield();
                    }
                }
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }

        void finish() throws InterruptedException
        {
            running.set(false);
            join();
            assertNull(failure.get(), () -> "progress thread " + getName() + " failed: " + failure.get());
        }
    }

    @Test
    void postsRacingAnAbortCompleteExactlyOnceAndRejectedPostsNeverComplete() throws Exception
    {
        System.out.println("LoopbackStressTest seed=" + SEED + " (rerun with -Dsanref.seed=" + SEED + ")");
        for (int round = 0; round < ROUNDS; round++)
        {
            runPostAbortRound(SEED + round);
        }
    }

    private void runPostAbortRound(final long seed) throws Exception
    {
        final Random random = new Random(seed);
        final String[] options = {
            LoopbackOptions.RING_BYTES, "1024",
            LoopbackOptions.CREDITS, String.valueOf(16 + random.nextInt(64))};
        final LoopbackPair pair = new LoopbackPair(
            LoopbackPair.config("client", 8, 8, options), LoopbackPair.config("server", 8, 8, options)).connect();

        final ByteBuffer serverMemory = ByteBuffer.allocateDirect(4096);
        final HalMemoryRegion serverRegion = pair.serverEndpoint.registerMemory(
            serverMemory, MemoryAccess.REMOTE_READ | MemoryAccess.REMOTE_WRITE);
        final HalMemoryRegion clientRegion = pair.clientEndpoint.registerMemory(
            ByteBuffer.allocateDirect(4096), MemoryAccess.ALL);
        final HalMemoryRegion serverLocal = pair.serverEndpoint.registerMemory(
            ByteBuffer.allocateDirect(4096), MemoryAccess.ALL);

        final Tally clientTally = new Tally();
        final Tally serverTally = new Tally();
        final Set<Long> accepted = ConcurrentHashMap.newKeySet();
        final Map<Long, Integer> rejected = new ConcurrentHashMap<>();
        final AtomicInteger posts = new AtomicInteger();
        final int abortAfter = random.nextInt(3 * POSTS_PER_THREAD);
        final boolean abortClient = random.nextBoolean();
        final CountDownLatch start = new CountDownLatch(1);

        final ProgressThread clientProgress = new ProgressThread("progress-client", pair.client, clientTally);
        final ProgressThread serverProgress = new ProgressThread("progress-server", pair.server, serverTally);
        clientProgress.start();
        serverProgress.start();

        final List<Thread> threads = new ArrayList<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < 3; t++)
        {
            final boolean onClient = t < 2;
            final HalEndpoint endpoint = onClient ? pair.clientEndpoint : pair.serverEndpoint;
            final HalMemoryRegion local = onClient ? clientRegion : serverLocal;
            final long remoteKey = onClient ? serverRegion.remoteKey() : 0;
            final long idBase = ((long)t + 1) << 40;
            final Random threadRandom = new Random(seed * 31 + t);
            final ByteBuffer buffer = ByteBuffer.allocate(MAX_LENGTH);
            threads.add(new Thread(() ->
            {
                try
                {
                    start.await();
                    for (int i = 0; i < POSTS_PER_THREAD; i++)
                    {
                        final long id = idBase + i;
                        int status = postOne(endpoint, threadRandom, id, local, remoteKey, buffer);
                        for (int retry = 0; HalStatus.NO_RESOURCES == status && retry < 100; retry++)
                        {
                            Thread.yield();
                            status = postOne(endpoint, threadRandom, id, local, remoteKey, buffer);
                        }
                        if (HalStatus.SUCCESS == status)
                        {
                            accepted.add(id);
                        }
                        else
                        {
                            rejected.put(id, status);
                        }
                        posts.incrementAndGet();
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }, "poster-" + t));
        }
        threads.add(new Thread(() ->
        {
            try
            {
                start.await();
                // A poster that failed stops counting: stop waiting for it too, so the failure is reported.
                while (posts.get() < abortAfter && null == failure.get())
                {
                    Thread.yield();
                }
                (abortClient ? pair.clientEndpoint : pair.serverEndpoint).abort();
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        }, "aborter"));

        threads.forEach(Thread::start);
        start.countDown();
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertNull(failure.get(), () -> "seed " + seed + ": " + failure.get());

        // No second abort here: it would flush again and hide a request that the race left behind.
        final long deadline = System.nanoTime() + HANG_GUARD_NS;
        while (!allCompleted(accepted, clientTally, serverTally))
        {
            if (System.nanoTime() - deadline > 0)
            {
                clientProgress.finish();
                serverProgress.finish();
                fail("seed " + seed + ": accepted requests never completed");
            }
            Thread.yield();
        }
        // Cleanup aborts of both ends must add no completion for any work request.
        pair.clientEndpoint.abort();
        pair.serverEndpoint.abort();
        clientProgress.finish();
        serverProgress.finish();
        pair.client.progress();
        pair.server.progress();
        pair.client.poll(clientTally, Integer.MAX_VALUE);
        pair.server.poll(serverTally, Integer.MAX_VALUE);

        for (final Long id : accepted)
        {
            assertEquals(1, count(id, clientTally, serverTally), "seed " + seed + ": completions of accepted " + id);
        }
        for (final Map.Entry<Long, Integer> entry : rejected.entrySet())
        {
            assertEquals(0, count(entry.getKey(), clientTally, serverTally),
                "seed " + seed + ": rejected post " + entry.getKey() + " (" + HalStatus.name(entry.getValue()) +
                ") completed");
            final int status = entry.getValue();
            assertTrue(HalStatus.FLUSHED == status || HalStatus.REMOTE_RESET == status ||
                HalStatus.NO_RESOURCES == status, "seed " + seed + ": unexpected rejection " + HalStatus.name(status));
        }
        for (final Completion completion : clientTally.log)
        {
            checkKnown(seed, completion, accepted, LoopbackPair.CLIENT_CONTEXT);
        }
        for (final Completion completion : serverTally.log)
        {
            checkKnown(seed, completion, accepted, LoopbackPair.SERVER_CONTEXT);
        }

        pair.listener.close();
        assertEquals(pair.client.options().credits(), pair.client.availableCredits(), "seed " + seed + ": credits");
        assertEquals(pair.server.options().credits(), pair.server.availableCredits(), "seed " + seed + ": credits");
        pair.client.close();
        pair.server.close();
    }

    private static int postOne(
        final HalEndpoint endpoint,
        final Random random,
        final long id,
        final HalMemoryRegion local,
        final long remoteKey,
        final ByteBuffer buffer)
    {
        final int length = random.nextInt(MAX_LENGTH);
        final int kind = random.nextInt(10);
        if (kind < 4)
        {
            return endpoint.postSend(id, buffer, 0, length);
        }
        if (kind < 8 || 0 == remoteKey)
        {
            return endpoint.postRecv(id, buffer, 0, length);
        }

        final int rdmaLength = random.nextInt(256);
        final long offset = random.nextInt(4096 - rdmaLength);
        return 8 == kind ?
            endpoint.postRdmaWrite(id, local, 0, rdmaLength, remoteKey, offset) :
            endpoint.postRdmaRead(id, local, 0, rdmaLength, remoteKey, offset);
    }

    private static boolean allCompleted(final Set<Long> accepted, final Tally client, final Tally server)
    {
        for (final Long id : accepted)
        {
            if (0 == count(id, client, server))
            {
                return false;
            }
        }
        return true;
    }

    private static int count(final long id, final Tally client, final Tally server)
    {
        final AtomicInteger a = client.counts.get(id);
        final AtomicInteger b = server.counts.get(id);
        return (null == a ? 0 : a.get()) + (null == b ? 0 : b.get());
    }

    private static void checkKnown(
        final long seed, final Completion completion, final Set<Long> accepted, final long context)
    {
        if (HalOpcode.isEvent(completion.opcode()))
        {
            assertEquals(context, completion.id(), "seed " + seed + ": event for the wrong endpoint " + completion);
            return;
        }
        assertTrue(accepted.contains(completion.id()), "seed " + seed + ": completion nobody posted " + completion);
    }

    @Test
    void acceptRacingAbortOfTheConnectingEndpointHasExactlyOneWinner() throws Exception
    {
        System.out.println("LoopbackStressTest accept/abort seed=" + SEED);
        final Random random = new Random(SEED);
        try (LoopbackPair pair = LoopbackPair.open())
        {
            final HalListener listener = pair.server.createListener();
            assertEquals(HalStatus.SUCCESS, listener.listen(new SanAddress("127.0.0.1", 0), 4));
            for (int i = 0; i < 200; i++)
            {
                final long connectId = 5000 + i;
                final HalEndpoint endpoint = pair.client.createEndpoint(i);
                assertEquals(HalStatus.SUCCESS, endpoint.connect(listener.localAddress(), connectId));
                final int acceptDelay = random.nextInt(2000);
                final int abortDelay = random.nextInt(2000);
                final AtomicReference<HalEndpoint> acceptedRef = new AtomicReference<>();
                final Thread acceptor = new Thread(() ->
                {
                    spin(acceptDelay);
                    acceptedRef.set(listener.accept(10_000 + connectId));
                });
                final Thread aborter = new Thread(() ->
                {
                    spin(abortDelay);
                    endpoint.abort();
                });
                acceptor.start();
                aborter.start();
                acceptor.join();
                aborter.join();

                pair.pumpUntil("connect " + connectId, () -> pair.clientCompletions.has(connectId));
                final Completion connect = pair.clientCompletions.only(connectId);
                final HalEndpoint accepted = acceptedRef.get();
                if (null == accepted)
                {
                    assertEquals(HalStatus.FLUSHED, connect.status(), "seed " + SEED + ": " + connect);
                }
                else
                {
                    assertTrue(HalStatus.SUCCESS == connect.status() || HalStatus.FLUSHED == connect.status(),
                        "seed " + SEED + ": " + connect);
                    pair.pumpUntil("accepted end learns of the abort", () -> HalEndpoint.RESET == accepted.state());
                    accepted.abort();
                }
                assertEquals(HalEndpoint.ERROR, endpoint.state());
            }
            pair.settle();
            listener.close();
        }
    }

    private static void spin(final int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            Thread.onSpinWait();
        }
    }
}
