package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Both ends close at the same moment, on two threads, with receives pending on each. */
final class SimultaneousClose implements Scenario
{
    public String name()
    {
        return "simultaneous-close";
    }

    public String proves()
    {
        return "R5, R6, R7: when both ends close at once, both closes return 0, each pending operation completes "
            + "once (WSA_OPERATION_ABORTED, or WSAECONNRESET if the peer's reset won), one final upcall per end";
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
            final Overlapped[] clientRecvs = Ops.recvs(ctx, ctx.client(), p.client(), k);
            final Overlapped[] serverRecvs = Ops.recvs(ctx, ctx.server(), p.server(), k);

            final CountDownLatch start = new CountDownLatch(1);
            final AtomicInteger serverRc = new AtomicInteger(-1);
            final Thread serverCloser = new Thread(() ->
            {
                try
                {
                    if (start.await(ctx.options().waitBoundMs(), TimeUnit.MILLISECONDS))
                    {
                        serverRc.set(ctx.server().sw().closeSocket(p.server()));
                    }
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }, "server-closer");
            serverCloser.start();
            start.countDown();
            final int clientRc = ctx.client().sw().closeSocket(p.client());
            serverCloser.join(ctx.options().waitBoundMs());

            ctx.expectCode(Winsock.NO_ERROR, clientRc, "client closeSocket");
            ctx.expectCode(Winsock.NO_ERROR, serverRc.get(), "server closeSocket");
            ctx.awaitHandlesClosed(p.client(), p.server());
            final Set<Integer> allowed = Set.of(Winsock.WSA_OPERATION_ABORTED, Winsock.WSAECONNRESET);
            Ops.expectAllIn(ctx, ctx.client(), clientRecvs, allowed, "client recv");
            Ops.expectAllIn(ctx, ctx.server(), serverRecvs, allowed, "server recv");
        }
        ctx.server().sw().closeSocket(ls);
    }
}
