package io.sanref.hal.rdma.ibverbs;

import java.util.List;

/**
 * What the ibverbs probe found.
 *
 * @param usable        true when libibverbs loaded and at least one device is present.
 * @param libraryLoaded true when {@code libibverbs.so.1} was loaded and its symbols resolved.
 * @param devices       device names ({@code ibv_get_device_name}), empty when none.
 * @param reason        one sentence: why the engine cannot run, or what it found.
 */
public record IbverbsStatus(boolean usable, boolean libraryLoaded, List<String> devices, String reason)
{
    public IbverbsStatus
    {
        devices = List.copyOf(devices);
    }

    public static IbverbsStatus unavailable(final String reason, final boolean libraryLoaded)
    {
        return new IbverbsStatus(false, libraryLoaded, List.of(), reason);
    }
}
