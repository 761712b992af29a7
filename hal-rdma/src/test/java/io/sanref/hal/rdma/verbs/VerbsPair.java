package io.sanref.hal.rdma.verbs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Two soft devices with one RC QP each, connected in RTS, plus helpers to poll and to collect async events. */
final class VerbsPair
{
    static final long WAIT_NS = 200_000_000L;

    final SoftDevice deviceA = new SoftDevice("a", 16, WAIT_NS);
    final SoftDevice deviceB = new SoftDevice("b", 16, WAIT_NS);
    final SoftPd pdA = deviceA.allocPd(16);
    final SoftPd pdB = deviceB.allocPd(16);
    final SoftCq cqA;
    final SoftCq cqB;
    final SoftQp a;
    final SoftQp b;

    VerbsPair(final int cqe, final int depth, final int rnrRetry)
    {
        cqA = deviceA.createCq(cqe);
        cqB = deviceB.createCq(cqe);
        a = deviceA.createQp(pdA, cqA, cqA, depth, depth);
        b = deviceB.createQp(pdB, cqB, cqB, depth, depth);
        check(0 == a.modify(Ibv.QPS_INIT) && 0 == b.modify(Ibv.QPS_INIT));
        check(0 == a.modifyToRtr(b, rnrRetry) && 0 == b.modifyToRtr(a, rnrRetry));
        check(0 == a.modify(Ibv.QPS_RTS) && 0 == b.modify(Ibv.QPS_RTS));
    }

    VerbsPair()
    {
        this(64, 16, Ibv.RNR_RETRY_INFINITE);
    }

    static List<Wc> poll(final SoftCq cq)
    {
        final List<Wc> wcs = new ArrayList<>();
        while (0 != cq.poll((id, status, opcode, len, qp) -> wcs.add(new Wc(id, status, opcode, len, qp)), 64))
        {
            // drain
        }
        return wcs;
    }

    static List<int[]> events(final SoftDevice device)
    {
        final List<int[]> events = new ArrayList<>();
        device.pollAsyncEvents((type, element) -> events.add(new int[]{type, element}), 1024);
        return events;
    }

    static boolean hasEvent(final List<int[]> events, final int type, final int element)
    {
        for (final int[] e : events)
        {
            if (e[0] == type && e[1] == element)
            {
                return true;
            }
        }
        return false;
    }

    static ByteBuffer pattern(final int length, final int seed)
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(length);
        for (int i = 0; i < length; i++)
        {
            b.put(i, (byte)(seed + i * 31));
        }
        return b;
    }

    static boolean allZero(final ByteBuffer b)
    {
        for (int i = 0; i < b.capacity(); i++)
        {
            if (0 != b.get(i))
            {
                return false;
            }
        }
        return true;
    }

    private static void check(final boolean condition)
    {
        if (!condition)
        {
            throw new IllegalStateException("pair setup failed");
        }
    }
}
