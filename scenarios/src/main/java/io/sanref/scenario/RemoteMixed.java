package io.sanref.scenario;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * The client half of {@code mixed} against a {@link PeerService}: per connection, a seeded random mix of echoed
 * sends, RDMA writes read back, then one of three endings: close with a receive pending (995 here, a peer reset
 * there), ask the service to close (a peer reset here: the pending receive completes with 10054), or close idle.
 */
final class RemoteMixed
{
    private static final int LOCAL_BYTES = 64 * 1024;

    private RemoteMixed()
    {
    }

    static void run(final ScenarioContext ctx, final SanAddress remote)
    {
        final Node node = ctx.client();
        final ReferenceSwitch sw = node.sw();
        final Random random = ctx.random();
        final int n = ctx.options().connections();
        final int k = ctx.options().opsPerSocket();
        final Overlapped ov = sw.newOverlapped(false);
        final Overlapped pending = sw.newOverlapped(false);
        final ByteBuffer local = ByteBuffer.allocateDirect(LOCAL_BYTES);
        final ByteBuffer in = ByteBuffer.allocate(LOCAL_BYTES);
        for (int i = 0; i < n; i++)
        {
            final SwitchSocket s = sw.socket();
            if (!ctx.expect(null != s && 0 == s.error(), "client socket " + i))
            {
                return;
            }
            if (!ctx.expectCode(Winsock.WSA_IO_PENDING, sw.connect(s, remote, ov), "connect " + i + " to " + remote) ||
                !await(ctx, sw, ov, "connect " + i) ||
                !ctx.expectCode(Winsock.NO_ERROR, ov.offsetHigh(), "connect " + i + " completion"))
            {
                sw.closeSocket(s);
                ctx.awaitHandlesClosed(s);
                return;
            }
            final long handle = s.handle();
            if (!recvExact(ctx, sw, s, ov, in, PeerService.GREETING_BYTES, "greeting " + i))
            {
                sw.closeSocket(s);
                ctx.awaitHandlesClosed(s);
                return;
            }
            final long rkey = in.getLong(0);
            final int regionBytes = in.getInt(8);
            final long reg = sw.registerMemory(s, local, MemoryAccess.LOCAL_WRITE);
            boolean ok = ctx.expect(rkey > 0 && regionBytes >= 1024 && reg > 0, "greeting names a region, and we registered ours");
            for (int op = 0; ok && op < k; op++)
            {
                final int m = 1 + random.nextInt(4096);
                final int seed = random.nextInt(1000);
                if (random.nextBoolean())
                {
                    final ByteBuffer out = Ops.pattern(m, seed);
                    ok = ctx.expectCode(Winsock.WSA_IO_PENDING, sw.send(s, out, 0, m, pending), "echo send") &&
                        recvExact(ctx, sw, s, ov, in, m, "echo of " + m + " bytes") &&
                        await(ctx, sw, pending, "echo send completion") &&
                        ctx.expectCode(Winsock.NO_ERROR, pending.offsetHigh(), "echo send completion") &&
                        ctx.expect(Ops.samePattern(in, 0, m, seed), "the echo came back unchanged");
                }
                else
                {
                    final int at = 8 + random.nextInt(regionBytes - 8 - m);
                    local.put(0, Ops.pattern(m, seed), 0, m);
                    ok = ctx.expectCode(Winsock.WSA_IO_PENDING, sw.rdmaWrite(s, reg, 0, m, rkey, at, ov), "rdma write") &&
                        await(ctx, sw, ov, "rdma write") &&
                        ctx.expectCode(Winsock.NO_ERROR, ov.offsetHigh(), "rdma write completion") &&
                        ctx.expectCode(Winsock.WSA_IO_PENDING, sw.rdmaRead(s, reg, 8192, m, rkey, at, ov), "rdma read") &&
                        await(ctx, sw, ov, "rdma read") &&
                        ctx.expectCode(Winsock.NO_ERROR, ov.offsetHigh(), "rdma read completion") &&
                        ctx.expect(Ops.samePattern(local, 8192, m, seed), "rdma read brought back what was written");
                }
            }
            final int ending = ok ? random.nextInt(3) : 2;
            if (0 == ending)
            {
                ctx.expectCode(Winsock.WSA_IO_PENDING, sw.recv(s, in, 0, 64, pending), "receive pending at close");
                ctx.expectCode(Winsock.NO_ERROR, sw.closeSocket(s), "closeSocket with a receive pending");
                ctx.awaitHandlesClosed(s);
                ctx.expectCode(Winsock.WSA_OPERATION_ABORTED, pending.offsetHigh(), "receive pending at close (R5)");
            }
            else if (1 == ending)
            {
                ctx.expectCode(Winsock.WSA_IO_PENDING, sw.recv(s, in, 0, 64, pending), "receive pending at the peer's close");
                local.putLong(0, PeerService.RESET_COMMAND);
                ctx.expectCode(Winsock.WSA_IO_PENDING, sw.rdmaWrite(s, reg, 0, 8, rkey, 0, ov), "reset command");
                await(ctx, sw, pending, "the peer's reset");
                ctx.expectCode(Winsock.WSAECONNRESET, pending.offsetHigh(), "pending receive after the peer reset (R6)");
                await(ctx, sw, ov, "the reset command's write");
                ctx.expectCode(Winsock.NO_ERROR, sw.closeSocket(s), "closeSocket after the peer reset");
                ctx.awaitHandlesClosed(s);
            }
            else
            {
                ctx.expectCode(Winsock.NO_ERROR, sw.closeSocket(s), "closeSocket");
                ctx.awaitHandlesClosed(s);
            }
            ctx.expect(s.isHandleClosed(handle), "final upcall for connection " + i);
            ctx.progress((i + 1) + "/" + n + " connections");
        }
    }

    private static boolean await(final ScenarioContext ctx, final ReferenceSwitch sw, final Overlapped ov, final String what)
    {
        return ctx.await(() -> !sw.isOutstanding(ov), what);
    }

    private static boolean recvExact(
        final ScenarioContext ctx, final ReferenceSwitch sw, final SwitchSocket s, final Overlapped ov,
        final ByteBuffer in, final int length, final String what)
    {
        int got = 0;
        while (got < length)
        {
            if (!ctx.expectCode(Winsock.WSA_IO_PENDING, sw.recv(s, in, got, length - got, ov), what + " receive") ||
                !await(ctx, sw, ov, what) ||
                !ctx.expectCode(Winsock.NO_ERROR, ov.offsetHigh(), what + " completion"))
            {
                return false;
            }
            got += ov.internalHigh();
        }
        return true;
    }
}
