package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** closeSocket twice, in sequence and racing on two threads. */
final class DoubleClose implements Scenario
{
    public String name()
    {
        return "double-close";
    }

    public String proves()
    {
        return "R8, R7: a second closeSocket answers WSAENOTSOCK (never touching freed memory), two racing closes "
            + "give exactly one 0 and one WSAENOTSOCK, and either way there is exactly one closeSocketHandle";
    }

    public void run(final ScenarioContext ctx) throws InterruptedException
    {
        final int n = ctx.options().connections();
        final int k = ctx.options().opsPerSocket();
        final SwitchSocket ls = ctx.server().listen(n);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        for (int i = 0; i < n; i++)
        {
            final ScenarioContext.Pair p = ctx.connect(ls, ctx.client().sw().newOverlapped(false));
            if (null == p)
            {
                return;
            }
            final Overlapped[] recvs = Ops.recvs(ctx, ctx.client(), p.client(), k);
            final long before = ctx.client().sw().stats().closeHandleUpcalls();
            if (0 == (i & 1))
            {
                ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(p.client()), "first closeSocket");
                ctx.expectCode(Winsock.WSAENOTSOCK, ctx.client().sw().closeSocket(p.client()), "second closeSocket");
            }
            else
            {
                final CountDownLatch start = new CountDownLatch(1);
                final AtomicInteger other = new AtomicInteger(-1);
                final Thread t = new Thread(() ->
                {
                    try
                    {
                        if (start.await(ctx.options().waitBoundMs(), TimeUnit.MILLISECONDS))
                        {
                            other.set(ctx.client().sw().closeSocket(p.client()));
                        }
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }, "second-closer");
                t.start();
                start.countDown();
                final int mine = ctx.client().sw().closeSocket(p.client());
                t.join(ctx.options().waitBoundMs());
                ctx.expect((0 == mine && Winsock.WSAENOTSOCK == other.get()) ||
                    (Winsock.WSAENOTSOCK == mine && 0 == other.get()),
                    "racing closes return one 0 and one WSAENOTSOCK, got " + mine + " and " + other.get());
            }
            ctx.awaitHandlesClosed(p.client());
            Ops.expectAll(ctx, ctx.client(), recvs, Winsock.WSA_OPERATION_ABORTED, "recv at close");
            ctx.expect(1 == ctx.client().sw().stats().closeHandleUpcalls() - before, "exactly one closeSocketHandle");
            ctx.server().sw().closeSocket(p.server());
            ctx.awaitHandlesClosed(p.server());
        }
        ctx.server().sw().closeSocket(ls);
    }
}
