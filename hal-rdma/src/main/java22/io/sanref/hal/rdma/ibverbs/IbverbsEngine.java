package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.sanref.hal.rdma.ibverbs.IbvLayout.CONTEXT_ASYNC_FD;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.CONTEXT_SIZE;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.EVENT_CHANNEL_FD;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Opens an ibverbs device as a verbs {@link Device} (Java 22+ version, in {@code META-INF/versions/22}): its own
 * {@code ibv_context} and {@code rdma_event_channel}, both made non-blocking for the progress thread.
 */
public final class IbverbsEngine
{
    private IbverbsEngine()
    {
    }

    /**
     * @param deviceName    {@code ibv_get_device_name} of the device to open; empty for the first.
     * @param maxQps        live QPs at once.
     * @param waitTimeoutNs bound on every wait (destroy, deregistration).
     * @param rnrRetry      RNR retries of the active side's QP (0..7).
     * @throws IllegalStateException with the reason when the device cannot be opened.
     */
    public static Device open(
        final String nodeName, final String deviceName, final int maxQps, final long waitTimeoutNs, final int rnrRetry)
    {
        try
        {
            return openDevice(nodeName, deviceName, maxQps, waitTimeoutNs, rnrRetry);
        }
        catch (final ExceptionInInitializerError | NoClassDefFoundError ex)
        {
            final Throwable cause = null == ex.getCause() ? ex : ex.getCause();
            throw new IllegalStateException("rdma.engine=ibverbs cannot run: library missing: " + cause.getMessage() +
                " (install libibverbs1 and librdmacm1, or rdma-core)", ex);
        }
    }

    private static Device openDevice(
        final String nodeName, final String deviceName, final int maxQps, final long waitTimeoutNs, final int rnrRetry)
    {
        MemorySegment context = MemorySegment.NULL;
        String name = null;
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment count = call.allocate(JAVA_INT);
            final MemorySegment list = (MemorySegment)Native.GET_DEVICE_LIST.invokeExact(count);
            if (MemorySegment.NULL.equals(list))
            {
                throw new IllegalStateException("rdma.engine=ibverbs cannot run: no device: ibv_get_device_list failed");
            }
            final List<String> names = new ArrayList<>();
            try
            {
                final int n = count.get(JAVA_INT, 0);
                final MemorySegment devices = list.reinterpret((n + 1L) * ADDRESS.byteSize());
                for (int i = 0; i < n && MemorySegment.NULL.equals(context); i++)
                {
                    final MemorySegment device = devices.getAtIndex(ADDRESS, i);
                    final String candidate = Native.string((MemorySegment)Native.GET_DEVICE_NAME.invokeExact(device));
                    names.add(candidate);
                    if (deviceName.isEmpty() || deviceName.equals(candidate))
                    {
                        final MemorySegment errno = Native.errnoSegment(call);
                        context = (MemorySegment)Native.OPEN_DEVICE.invokeExact(errno, device);
                        if (MemorySegment.NULL.equals(context))
                        {
                            throw new IllegalStateException("ibv_open_device(" + candidate + ") failed: errno " +
                                Native.errno(errno));
                        }
                        name = candidate;
                    }
                }
            }
            finally
            {
                Native.FREE_DEVICE_LIST.invokeExact(list);
            }
            if (null == name)
            {
                throw new IllegalStateException("rdma.engine=ibverbs cannot run: " + (deviceName.isEmpty() ?
                    "no device: ibv_get_device_list found 0 RDMA devices" :
                    "no device named '" + deviceName + "' (rdma.device); found " + names));
            }
            context = context.reinterpret(CONTEXT_SIZE);
            final MemorySegment errno = Native.errnoSegment(call);
            final MemorySegment channel = (MemorySegment)Native.CREATE_EVENT_CHANNEL.invokeExact(errno);
            if (MemorySegment.NULL.equals(channel))
            {
                final int ignored = (int)Native.CLOSE_DEVICE.invokeExact(context);
                throw new IllegalStateException("rdma_create_event_channel failed: errno " + Native.errno(errno) +
                    " (is /dev/infiniband/rdma_cm accessible?)");
            }
            final MemorySegment ch = channel.reinterpret(4);
            Native.nonBlocking(ch.get(JAVA_INT, EVENT_CHANNEL_FD));
            Native.nonBlocking(context.get(JAVA_INT, CONTEXT_ASYNC_FD));
            return new IbverbsDevice(nodeName, name, context, ch, maxQps, waitTimeoutNs, rnrRetry);
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("opening ibverbs device failed: " + ex, ex);
        }
    }
}
