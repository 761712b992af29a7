package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Close while a completion upcall for the same socket is running (blocked) on the progress thread.
 */
final class CloseDuringCompletion implements Scenario
{
    public String name()
    {
        return "close-during-completion";
    }

    public String proves()
    {
        return "R7: closeSocket while a completion upcall is running on another thread returns at once, aborts the "
            + "other pending operations, and the final closeSocketHandle waits until that upcall has returned";
    }

    public void run(final ScenarioContext ctx) throws InterruptedException
    {
        final int n = Math.min(ctx.options().connections(), 8);
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
            final Overlapped first = ctx.client().sw().newOverlapped(false);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final AtomicLong returnedNanos = new AtomicLong();
            ctx.client().sw().completionListener((s, ov, error, bytes) ->
            {
                if (ov == first)
                {
                    entered.countDown();
                    try
                    {
                        ctx.expect(release.await(ctx.options().waitBoundMs(), TimeUnit.MILLISECONDS),
                            "the blocked upcall was released");
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                    returnedNanos.set(System.nanoTime());
                }
            });
            ctx.expectCode(Winsock.WSA_IO_PENDING,
                ctx.client().sw().recv(p.client(), ByteBuffer.allocate(Ops.MESSAGE), 0, Ops.MESSAGE, first), "recv");
            final Overlapped[] others = Ops.recvs(ctx, ctx.client(), p.client(), k - 1);
            final Overlapped[] sends = Ops.sends(ctx, ctx.server(), p.server(), 1);

            if (!ctx.expect(entered.await(ctx.options().waitBoundMs(), TimeUnit.MILLISECONDS),
                "the completion upcall started"))
            {
                release.countDown();
                return;
            }
            final long handle = p.client().handle();
            ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(p.client()),
                "closeSocket while the upcall blocks");
            Ops.awaitCompleted(ctx, ctx.client(), others, "the other receives to be aborted");
            ctx.expect(!p.client().isHandleClosed(handle),
                "no closeSocketHandle while a completion upcall for the handle is still running (R7)");
            release.countDown();
            ctx.awaitHandlesClosed(p.client());
            ctx.expect(p.client().closeHandleNanos() >= returnedNanos.get() && 0 != returnedNanos.get(),
                "closeSocketHandle came after the running upcall returned (R7)");
            Ops.expectAll(ctx, ctx.client(), new Overlapped[]{first}, Winsock.NO_ERROR, "the blocked receive");
            Ops.expectAll(ctx, ctx.client(), others, Winsock.WSA_OPERATION_ABORTED, "the other receives");
            ctx.client().sw().completionListener(null);

            Ops.awaitCompleted(ctx, ctx.server(), sends, "server send to complete");
            ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(p.server()), "server closeSocket");
            ctx.awaitHandlesClosed(p.server());
        }
        ctx.server().sw().closeSocket(ls);
    }
}
