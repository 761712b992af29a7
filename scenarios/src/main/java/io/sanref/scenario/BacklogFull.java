package io.sanref.scenario;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;

import java.nio.ByteBuffer;

/** A full accept backlog refuses at once; accepted connections keep data sent before the first receive. */
final class BacklogFull implements Scenario
{
    private static final int FIRST_MESSAGE = 300;

    public String name()
    {
        return "backlog-full";
    }

    public String proves()
    {
        return "R10: with the backlog full a connect is refused at once with WSAECONNREFUSED; waiting connects "
            + "complete when accepted; a first message (>= 256 bytes) sent before the switch posts a receive is kept";
    }

    public void run(final ScenarioContext ctx)
    {
        final ReferenceSwitch csw = ctx.client().sw();
        final ReferenceSwitch ssw = ctx.server().sw();
        final int backlog = Math.max(1, Math.min(ctx.options().connections(), 8));
        final SwitchSocket ls = ctx.server().listen(backlog);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        final SanAddress address = ctx.server().addressOf(ls);
        final SwitchSocket[] clients = new SwitchSocket[backlog];
        final Overlapped[] connects = new Overlapped[backlog];
        for (int i = 0; i < backlog; i++)
        {
            clients[i] = csw.socket();
            connects[i] = csw.newOverlapped(false);
            ctx.expectCode(Winsock.WSA_IO_PENDING, csw.connect(clients[i], address, connects[i]), "connect " + i);
        }
        final SwitchSocket refused = csw.socket();
        Ops.expectRefused(ctx, ctx.client(), refused, address, "connect beyond the backlog");
        csw.closeSocket(refused);

        final SwitchSocket[] servers = new SwitchSocket[backlog];
        for (int i = 0; i < backlog; i++)
        {
            final int n = i;
            ctx.await(() -> null != (servers[n] = ssw.accept(ls)), "accept " + i);
        }
        Ops.awaitCompleted(ctx, ctx.client(), connects, "waiting connects to complete");
        Ops.expectAll(ctx, ctx.client(), connects, Winsock.NO_ERROR, "connect from the backlog");

        final Overlapped first = csw.newOverlapped(false);
        ctx.expectCode(Winsock.WSA_IO_PENDING,
            csw.send(clients[0], Ops.pattern(FIRST_MESSAGE, 5), 0, FIRST_MESSAGE, first), "first message");
        final ByteBuffer in = ByteBuffer.allocate(512);
        final Overlapped recv = ssw.newOverlapped(false);
        ctx.expectCode(Winsock.WSA_IO_PENDING, ssw.recv(servers[0], in, 0, 512, recv), "the switch's first receive");
        Ops.awaitCompleted(ctx, ctx.server(), new Overlapped[]{recv}, "the first message");
        ctx.expect(FIRST_MESSAGE == recv.internalHigh() && Ops.samePattern(in, 0, FIRST_MESSAGE, 5),
            "the first message arrived whole although no receive was posted when it was sent (" +
            recv.internalHigh() + " bytes)");
        Ops.awaitCompleted(ctx, ctx.client(), new Overlapped[]{first}, "the first message's send");

        for (int i = 0; i < backlog; i++)
        {
            csw.closeSocket(clients[i]);
            ssw.closeSocket(servers[i]);
        }
        ctx.awaitHandlesClosed(clients);
        ctx.awaitHandlesClosed(servers);
        ssw.closeSocket(ls);
    }
}
