package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

/** Close with sends pending (the peer never posts a receive): each completes once with 995, 0 bytes. */
final class ClosePendingSend implements Scenario
{
    public String name()
    {
        return "close-pending-send";
    }

    public String proves()
    {
        return "R5, R7, A2: sends the peer never received complete once with WSA_OPERATION_ABORTED (0 bytes) "
            + "before closeSocketHandle";
    }

    public void run(final ScenarioContext ctx)
    {
        final int n = ctx.options().connections();
        final int k = ctx.options().opsPerSocket();
        final SwitchSocket ls = ctx.server().listen(n);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        ctx.client().sw().recordUpcalls(true);
        for (int i = 0; i < n; i++)
        {
            final ScenarioContext.Pair p = ctx.connect(ls, ctx.client().sw().newOverlapped(false));
            if (null == p)
            {
                return;
            }
            final Overlapped[] sends = Ops.sends(ctx, ctx.client(), p.client(), k);
            final long handle = p.client().handle();
            ctx.expect(ctx.client().sw().isOutstanding(sends[k - 1]), "a send to a peer without receives pends");
            ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(p.client()), "closeSocket");
            ctx.awaitHandlesClosed(p.client());
            Ops.expectAll(ctx, ctx.client(), sends, Winsock.WSA_OPERATION_ABORTED, "client send");
            ClosePendingRecv.expectFinalUpcallLast(ctx, ctx.client().sw(), handle, k);

            Ops.expectResetSeen(ctx, ctx.server(), p.server(), "server");
            ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(p.server()), "server closeSocket");
            ctx.awaitHandlesClosed(p.server());
        }
        ctx.server().sw().closeSocket(ls);
    }
}
