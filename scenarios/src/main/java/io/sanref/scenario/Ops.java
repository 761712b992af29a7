package io.sanref.scenario;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Posting and checking helpers shared by the scenarios.
 */
final class Ops
{
    static final int MESSAGE = 256;

    private Ops()
    {
    }

    static Overlapped[] recvs(final ScenarioContext ctx, final Node node, final SwitchSocket s, final int count)
    {
        final ReferenceSwitch sw = node.sw();
        final Overlapped[] ovs = new Overlapped[count];
        for (int i = 0; i < count; i++)
        {
            ovs[i] = sw.newOverlapped(false);
            ctx.expectCode(Winsock.WSA_IO_PENDING, sw.recv(s, ByteBuffer.allocate(MESSAGE), 0, MESSAGE, ovs[i]),
                node + " recv " + i);
        }
        return ovs;
    }

    static Overlapped[] sends(final ScenarioContext ctx, final Node node, final SwitchSocket s, final int count)
    {
        final ReferenceSwitch sw = node.sw();
        final Overlapped[] ovs = new Overlapped[count];
        for (int i = 0; i < count; i++)
        {
            ovs[i] = sw.newOverlapped(false);
            ctx.expectCode(Winsock.WSA_IO_PENDING, sw.send(s, pattern(MESSAGE, i), 0, MESSAGE, ovs[i]),
                node + " send " + i);
        }
        return ovs;
    }

    /** A direct buffer (registrable on every HAL: verbs pins memory, so rdma registers direct buffers only). */
    static ByteBuffer pattern(final int length, final int seed)
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(length);
        for (int i = 0; i < length; i++)
        {
            b.put(i, (byte)(seed * 31 + i));
        }
        return b;
    }

    static boolean samePattern(final ByteBuffer b, final int offset, final int length, final int seed)
    {
        for (int i = 0; i < length; i++)
        {
            if (b.get(offset + i) != (byte)(seed * 31 + i))
            {
                return false;
            }
        }
        return true;
    }

    /** Every operation completed exactly with {@code code} and, unless it succeeded, 0 bytes (R4). */
    /**
     * R10: a connect to {@code address} is refused, either at once ({@code WSAECONNREFUSED}, its overlapped completed
     * with it) or, on a fabric whose refusal is a message (rdma_cm's REJ), pending and then completed with it.
     */
    static void expectRefused(final ScenarioContext ctx, final Node node, final SwitchSocket socket,
        final SanAddress address, final String what)
    {
        final Overlapped ov = node.sw().newOverlapped(false);
        final int rc = node.sw().connect(socket, address, ov);
        if (Winsock.WSA_IO_PENDING == rc)
        {
            awaitCompleted(ctx, node, new Overlapped[]{ov}, what);
            expectAll(ctx, node, new Overlapped[]{ov}, Winsock.WSAECONNREFUSED, what);
            return;
        }
        ctx.expectCode(Winsock.WSAECONNREFUSED, rc, what);
        ctx.expect(!ov.isPending() && Winsock.WSAECONNREFUSED == ov.offsetHigh(),
            what + ": a refused connect leaves its overlapped completed with WSAECONNREFUSED");
    }

    static void expectAll(final ScenarioContext ctx, final Node node, final Overlapped[] ovs, final int code,
        final String what)
    {
        expectAllIn(ctx, node, ovs, Set.of(code), what);
    }

    static void expectAllIn(final ScenarioContext ctx, final Node node, final Overlapped[] ovs,
        final Set<Integer> codes, final String what)
    {
        for (int i = 0; i < ovs.length; i++)
        {
            final Overlapped ov = ovs[i];
            node.sw().reap(ov);
            if (!ctx.expect(!node.sw().isOutstanding(ov), what + " #" + i + " completed"))
            {
                continue;
            }
            final int error = ov.offsetHigh();
            ctx.expect(codes.contains(error),
                what + " #" + i + " completed with " + Winsock.name(error) + " (" + error + "), expected one of " + codes);
            if (Winsock.NO_ERROR != error)
            {
                ctx.expect(0 == ov.internalHigh(), what + " #" + i + " failed with " + error + " but reported " +
                    ov.internalHigh() + " bytes");
            }
        }
    }

    /** Wait until the switch has been told of every operation's completion. */
    static boolean awaitCompleted(final ScenarioContext ctx, final Node node, final Overlapped[] ovs, final String what)
    {
        return ctx.await(() ->
        {
            for (final Overlapped ov : ovs)
            {
                if (!node.sw().reap(ov))
                {
                    return false;
                }
            }
            return true;
        }, what);
    }

    /** Post a receive on a socket whose peer is gone until the socket reports the reset (R6). */
    static void expectResetSeen(final ScenarioContext ctx, final Node node, final SwitchSocket s, final String what)
    {
        final int[] code = new int[1];
        ctx.await(() ->
        {
            final Overlapped ov = node.sw().newOverlapped(false);
            final int rc = node.sw().recv(s, ByteBuffer.allocate(16), 0, 16, ov);
            if (Winsock.WSA_IO_PENDING != rc)
            {
                code[0] = rc;
                return true;
            }
            if (!awaitCompleted(ctx, node, new Overlapped[]{ov}, what + ": probe receive"))
            {
                return true;
            }
            code[0] = ov.offsetHigh();
            return Winsock.WSAECONNRESET == code[0];
        }, what + " to see the peer reset");
        ctx.expectCode(Winsock.WSAECONNRESET, code[0], what + ": receive after the peer's close");
    }
}
