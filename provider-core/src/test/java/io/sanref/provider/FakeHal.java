package io.sanref.provider;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.HalStatus;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A HAL for model checking the provider: every accepted work request completes successfully at once into a
 * queue that the test drains with {@code doWork()}; connects succeed at once. Deliberately tiny, so that the
 * interleavings a model checker explores are the provider's own.
 */
final class FakeHal implements HalProvider
{
    final ConcurrentLinkedQueue<long[]> completions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Endpoint> endpoints = new ConcurrentLinkedQueue<>();

    /** Move every endpoint to {@code state} as a failing NIC would, before any news of it reaches a poll. */
    void failEndpointsSilently(final int state)
    {
        endpoints.forEach((e) -> e.state = state);
    }

    public String name()
    {
        return "fake";
    }

    public Set<HalCapability> capabilities()
    {
        return Set.of(HalCapability.SEND_RECV);
    }

    public String unavailableReason()
    {
        return null;
    }

    public HalFabric open(final HalConfig config)
    {
        return new HalFabric()
        {
            public String halName()
            {
                return "fake";
            }

            public HalEndpoint createEndpoint(final long context)
            {
                final Endpoint e = new Endpoint(context);
                endpoints.add(e);
                return e;
            }

            public HalListener createListener()
            {
                return null;
            }

            public int progress()
            {
                return 0;
            }

            public int poll(final CompletionHandler handler, final int limit)
            {
                int n = 0;
                long[] c;
                while (n < limit && null != (c = completions.poll()))
                {
                    handler.onCompletion(c[0], (int)c[1], (int)c[2], (int)c[3]);
                    n++;
                }
                return n;
            }

            public void close()
            {
            }
        };
    }

    private final class Endpoint implements HalEndpoint
    {
        private final long context;
        private volatile boolean aborted;
        private volatile int state = IDLE;

        Endpoint(final long context)
        {
            this.context = context;
        }

        public long context()
        {
            return context;
        }

        public int state()
        {
            return state;
        }

        public long connectionId()
        {
            return 1;
        }

        public SanAddress remoteAddress()
        {
            return null;
        }

        public int connect(final SanAddress remote, final long wrId)
        {
            state = ACTIVE;
            completions.add(new long[]{wrId, HalOpcode.CONNECT, HalStatus.SUCCESS, 0});
            return HalStatus.SUCCESS;
        }

        public int postSend(final long wrId, final ByteBuffer buffer, final int offset, final int length)
        {
            return post(wrId, HalOpcode.SEND, length);
        }

        public int postRecv(final long wrId, final ByteBuffer buffer, final int offset, final int length)
        {
            return post(wrId, HalOpcode.RECV, length);
        }

        private int post(final long wrId, final int opcode, final int length)
        {
            if (aborted)
            {
                return HalStatus.FLUSHED;
            }
            completions.add(new long[]{wrId, opcode, HalStatus.SUCCESS, length});
            return HalStatus.SUCCESS;
        }

        public int postRdmaWrite(
            final long wrId, final HalMemoryRegion local, final int localOffset, final int length, final long remoteKey,
            final long remoteOffset)
        {
            return HalStatus.NOT_SUPPORTED;
        }

        public int postRdmaRead(
            final long wrId, final HalMemoryRegion local, final int localOffset, final int length, final long remoteKey,
            final long remoteOffset)
        {
            return HalStatus.NOT_SUPPORTED;
        }

        public HalMemoryRegion registerMemory(final ByteBuffer buffer, final int access)
        {
            return null;
        }

        public int deregisterMemory(final HalMemoryRegion region)
        {
            return HalStatus.INVALID;
        }

        public void abort()
        {
            aborted = true;
            state = ERROR;
        }
    }
}
