package io.sanref.scenario;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

import java.util.List;

/** Close with receives pending: each completes once with 995 and 0 bytes before the final upcall. */
final class ClosePendingRecv implements Scenario
{
    public String name()
    {
        return "close-pending-recv";
    }

    public String proves()
    {
        return "R5, R7, A2, A6: pending receives complete once with WSA_OPERATION_ABORTED (0 bytes) before "
            + "closeSocketHandle; the peer's pending receives complete with WSAECONNRESET";
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
            final Overlapped[] clientRecvs = Ops.recvs(ctx, ctx.client(), p.client(), k);
            final Overlapped[] serverRecvs = Ops.recvs(ctx, ctx.server(), p.server(), k);
            final long handle = p.client().handle();

            ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(p.client()), "closeSocket");
            ctx.awaitHandlesClosed(p.client());
            Ops.expectAll(ctx, ctx.client(), clientRecvs, Winsock.WSA_OPERATION_ABORTED, "client recv");
            expectFinalUpcallLast(ctx, ctx.client().sw(), handle, k);

            Ops.awaitCompleted(ctx, ctx.server(), serverRecvs, "server receives to complete");
            Ops.expectAll(ctx, ctx.server(), serverRecvs, Winsock.WSAECONNRESET, "server recv after peer close");
            ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(p.server()), "server closeSocket");
            ctx.awaitHandlesClosed(p.server());
        }
        ctx.server().sw().closeSocket(ls);
    }

    /** R7: every completion upcall for the handle came before its one closeSocketHandle. */
    static void expectFinalUpcallLast(
        final ScenarioContext ctx, final ReferenceSwitch sw, final long handle, final int expectedCompletions)
    {
        final List<ReferenceSwitch.Upcall> upcalls = sw.recordedUpcalls();
        int completions = 0;
        int closes = 0;
        boolean afterClose = false;
        for (final ReferenceSwitch.Upcall u : upcalls)
        {
            if (u.handle() != handle)
            {
                continue;
            }
            if ("closeSocketHandle".equals(u.kind()))
            {
                closes++;
            }
            else if ("completeOverlappedRequest".equals(u.kind()))
            {
                completions++;
                afterClose |= closes > 0;
            }
        }
        ctx.expect(1 == closes, "exactly one closeSocketHandle for handle " + handle + ", saw " + closes);
        ctx.expect(!afterClose, "no completion upcall after closeSocketHandle for handle " + handle);
        ctx.expect(completions >= expectedCompletions,
            "handle " + handle + " got " + completions + " completion upcalls, expected at least " + expectedCompletions);
    }
}
