package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;

/** Close while a connect is pending; connect to nothing. */
final class CloseDuringConnect implements Scenario
{
    public String name()
    {
        return "close-during-connect";
    }

    public String proves()
    {
        return "R10, R5: closeSocket during a pending connect aborts it promptly (995) and releases it, the "
            + "listener never hands out the dead connection, and connecting to nothing is WSAECONNREFUSED";
    }

    public void run(final ScenarioContext ctx)
    {
        final int n = ctx.options().connections();
        final SwitchSocket ls = ctx.server().listen(n);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        final SanAddress address = ctx.server().addressOf(ls);
        for (int i = 0; i < n; i++)
        {
            final SwitchSocket c = ctx.client().sw().socket();
            final Overlapped ov = ctx.client().sw().newOverlapped(false);
            ctx.expectCode(Winsock.WSA_IO_PENDING, ctx.client().sw().connect(c, address, ov), "connect");
            ctx.expect(ov.isPending(), "connect pends while nobody accepts");
            ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(c), "closeSocket during connect");
            ctx.awaitHandlesClosed(c);
            Ops.expectAll(ctx, ctx.client(), new Overlapped[]{ov}, Winsock.WSA_OPERATION_ABORTED, "aborted connect");
        }
        ctx.expect(null == ctx.server().sw().accept(ls), "accept hands out no aborted connection");
        ctx.expectCode(Winsock.WSAEWOULDBLOCK, ctx.server().sw().lastAcceptError(), "accept with nothing waiting");

        final SwitchSocket gone = ctx.server().listen(1);
        final SanAddress nobody = ctx.server().addressOf(gone);
        ctx.server().sw().closeSocket(gone);
        final SwitchSocket c = ctx.client().sw().socket();
        Ops.expectRefused(ctx, ctx.client(), c, nobody, "connect to nothing");
        ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(c), "close the refused socket");
        ctx.awaitHandlesClosed(c);
        ctx.server().sw().closeSocket(ls);
    }
}
