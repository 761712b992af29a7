package io.sanref.scenario;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A seeded random mix across many connections: data both ways, some completions polled, and either end, or
 * both, closing at a random moment with operations in flight.
 */
final class Mixed implements Scenario, RemoteScenario
{
    public void runRemote(final ScenarioContext ctx, final io.sanref.spi.SanAddress remote)
    {
        RemoteMixed.run(ctx, remote);
    }

    private static final int WORKERS = 2;
    private static final Set<Integer> ALLOWED = Set.of(
        Winsock.NO_ERROR, Winsock.WSA_OPERATION_ABORTED, Winsock.WSAECONNRESET);

    public String name()
    {
        return "mixed";
    }

    public int liveConnections(final ScenarioOptions options)
    {
        return WORKERS;
    }

    public String proves()
    {
        return "R3-R8 together: under a seeded random mix of traffic and closes from either or both ends, every "
            + "operation completes exactly once with 0, 995 or 10054 and every socket gets one final upcall";
    }

    public void run(final ScenarioContext ctx) throws InterruptedException
    {
        final int connections = ctx.options().connections();
        final AtomicLong done = new AtomicLong();
        final AtomicLong ops = new AtomicLong();
        final Thread[] workers = new Thread[WORKERS];
        for (int w = 0; w < WORKERS; w++)
        {
            final int share = connections / WORKERS + (w < connections % WORKERS ? 1 : 0);
            final long seed = ctx.options().seed() * 31 + w;
            workers[w] = new Thread(() -> new Worker(ctx, seed).run(share, done, ops, connections), "mixed-" + w);
            workers[w].start();
        }
        for (final Thread t : workers)
        {
            t.join();
        }
    }

    private static final class Worker
    {
        private final ScenarioContext ctx;
        private final Random random;
        private final ReferenceSwitch csw;
        private final ReferenceSwitch ssw;
        private final int k;
        private final Overlapped connect;
        private final Overlapped[] clientOps;
        private final Overlapped[] serverOps;
        private final ByteBuffer[] clientBuffers;
        private final ByteBuffer[] serverBuffers;

        Worker(final ScenarioContext ctx, final long seed)
        {
            this.ctx = ctx;
            random = new Random(seed);
            csw = ctx.client().sw();
            ssw = ctx.server().sw();
            k = ctx.options().opsPerSocket() / 2;
            connect = csw.newOverlapped(false);
            clientOps = new Overlapped[2 * k];
            serverOps = new Overlapped[2 * k];
            clientBuffers = new ByteBuffer[2 * k];
            serverBuffers = new ByteBuffer[2 * k];
            for (int i = 0; i < 2 * k; i++)
            {
                final boolean polledSend = i >= k && 0 == random.nextInt(4);
                clientOps[i] = csw.newOverlapped(polledSend);
                serverOps[i] = ssw.newOverlapped(polledSend);
                clientBuffers[i] = Ops.pattern(Ops.MESSAGE, i);
                serverBuffers[i] = Ops.pattern(Ops.MESSAGE, i + 1);
            }
        }

        void run(final int connections, final AtomicLong done, final AtomicLong ops, final int total)
        {
            final SwitchSocket ls = ctx.server().listen(4);
            if (!ctx.expect(null != ls, "server listens"))
            {
                return;
            }
            for (int c = 0; c < connections; c++)
            {
                final ScenarioContext.Pair p = ctx.connect(ls, connect);
                if (null == p || !oneConnection(p, ops))
                {
                    break;
                }
                ctx.progress(done.incrementAndGet() + "/" + total + " connections, " + ops.get() + " operations");
            }
            ssw.closeSocket(ls);
        }

        private boolean oneConnection(final ScenarioContext.Pair p, final AtomicLong ops)
        {
            for (int i = 0; i < k; i++)
            {
                post(csw, p.client(), clientOps[i], clientBuffers[i], true);
                post(ssw, p.server(), serverOps[i], serverBuffers[i], true);
            }
            for (int i = k; i < 2 * k; i++)
            {
                post(csw, p.client(), clientOps[i], clientBuffers[i], false);
                post(ssw, p.server(), serverOps[i], serverBuffers[i], false);
            }
            ops.addAndGet(4L * k);

            final int mode = random.nextInt(4);
            if (3 == mode)
            {
                Ops.awaitCompleted(ctx, ctx.client(), tail(clientOps), "client sends before a quiet close");
            }
            else
            {
                final int spins = random.nextInt(5_000);
                for (int i = 0; i < spins; i++)
                {
                    Thread.onSpinWait();
                }
            }
            if (1 == mode)
            {
                ctx.expectCode(Winsock.NO_ERROR, ssw.closeSocket(p.server()), "server close");
                ctx.expectCode(Winsock.NO_ERROR, csw.closeSocket(p.client()), "client close");
            }
            else
            {
                ctx.expectCode(Winsock.NO_ERROR, csw.closeSocket(p.client()), "client close");
                if (2 != mode)
                {
                    final int spins = random.nextInt(2_000);
                    for (int i = 0; i < spins; i++)
                    {
                        Thread.onSpinWait();
                    }
                }
                ctx.expectCode(Winsock.NO_ERROR, ssw.closeSocket(p.server()), "server close");
            }
            if (!ctx.awaitHandlesClosed(p.client(), p.server()))
            {
                return false;
            }
            final int before = ctx.failures().size();
            Ops.expectAllIn(ctx, ctx.client(), clientOps, ALLOWED, "client op");
            Ops.expectAllIn(ctx, ctx.server(), serverOps, ALLOWED, "server op");
            return ctx.failures().size() == before;
        }

        private void post(
            final ReferenceSwitch sw, final SwitchSocket s, final Overlapped ov, final ByteBuffer b, final boolean recv)
        {
            final int length = recv ? Ops.MESSAGE : 1 + random.nextInt(Ops.MESSAGE);
            final int rc = recv ? sw.recv(s, b, 0, length, ov) : sw.send(s, b, 0, length, ov);
            ctx.expectCode(Winsock.WSA_IO_PENDING, rc, recv ? "recv" : "send");
        }

        private Overlapped[] tail(final Overlapped[] all)
        {
            return java.util.Arrays.copyOfRange(all, k, 2 * k);
        }
    }
}
