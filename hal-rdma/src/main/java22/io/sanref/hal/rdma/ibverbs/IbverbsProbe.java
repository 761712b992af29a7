package io.sanref.hal.rdma.ibverbs;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Looks for libibverbs and RDMA devices through the FFM API (Java 22+; this class replaces the Java 17 one in the
 * multi-release jar). It loads {@code libibverbs.so.1}, enumerates devices with {@code ibv_get_device_list} and names
 * them with {@code ibv_get_device_name}; with a device present it opens the first one and resolves the data-path
 * entry points from the context's ops table ({@link IbverbsOps}), because {@code ibv_post_send} and
 * {@code ibv_poll_cq} are static inline in {@code verbs.h} and not exported.
 * <p>
 * Threading: stateless; any thread. Never throws: every failure becomes the status's reason.
 */
public final class IbverbsProbe
{
    public static final String LIBRARY = "libibverbs.so.1";

    private IbverbsProbe()
    {
    }

    public static IbverbsStatus probe()
    {
        final SymbolLookup lib;
        try
        {
            lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        }
        catch (final IllegalArgumentException | IllegalCallerException ex)
        {
            return IbverbsStatus.unavailable("library missing: " + LIBRARY + " could not be loaded (" +
                ex.getMessage() + "); install libibverbs1 (Debian/Ubuntu) or rdma-core", false);
        }

        final Linker linker = Linker.nativeLinker();
        final AddressLayout pointer = ValueLayout.ADDRESS;
        try
        {
            final MethodHandle getDeviceList = linker.downcallHandle(find(lib, "ibv_get_device_list"),
                FunctionDescriptor.of(pointer, pointer));
            final MethodHandle freeDeviceList = linker.downcallHandle(find(lib, "ibv_free_device_list"),
                FunctionDescriptor.ofVoid(pointer));
            final MethodHandle getDeviceName = linker.downcallHandle(find(lib, "ibv_get_device_name"),
                FunctionDescriptor.of(pointer, pointer));
            final MethodHandle openDevice = linker.downcallHandle(find(lib, "ibv_open_device"),
                FunctionDescriptor.of(pointer, pointer));
            final MethodHandle closeDevice = linker.downcallHandle(find(lib, "ibv_close_device"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, pointer));

            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
                final MemorySegment list = (MemorySegment)getDeviceList.invokeExact(count);
                if (MemorySegment.NULL.equals(list))
                {
                    return IbverbsStatus.unavailable("no device: " + LIBRARY + " loaded, but ibv_get_device_list " +
                        "failed (no RDMA support in this kernel, or no access to /sys/class/infiniband)", true);
                }
                final int n = count.get(ValueLayout.JAVA_INT, 0);
                final List<String> names = new ArrayList<>();
                final MemorySegment devices = list.reinterpret((long)(n + 1) * pointer.byteSize());
                String ops = "";
                try
                {
                    for (int i = 0; i < n; i++)
                    {
                        final MemorySegment device = devices.getAtIndex(pointer, i);
                        final MemorySegment name = (MemorySegment)getDeviceName.invokeExact(device);
                        names.add(MemorySegment.NULL.equals(name) ? "?" : name.reinterpret(256).getString(0));
                    }
                    if (n > 0)
                    {
                        final MemorySegment context = (MemorySegment)openDevice.invokeExact(devices.getAtIndex(pointer, 0));
                        if (MemorySegment.NULL.equals(context))
                        {
                            ops = "; ibv_open_device(" + names.get(0) + ") failed";
                        }
                        else
                        {
                            final IbverbsOps table = IbverbsOps.resolve(context);
                            ops = "; ops table of " + names.get(0) + ": " + table;
                            final int rc = (int)closeDevice.invokeExact(context);
                            if (0 != rc)
                            {
                                ops += "; ibv_close_device returned " + rc;
                            }
                        }
                    }
                }
                finally
                {
                    freeDeviceList.invokeExact(list);
                }
                if (0 == n)
                {
                    return new IbverbsStatus(false, true, List.of(), "no device: " + LIBRARY +
                        " loaded and ibv_get_device_list found 0 RDMA devices");
                }
                try
                {
                    SymbolLookup.libraryLookup("librdmacm.so.1", Arena.global());
                }
                catch (final IllegalArgumentException | IllegalCallerException ex)
                {
                    return new IbverbsStatus(false, true, names, "library missing: " + n + " device(s) " + names +
                        " but librdmacm.so.1 could not be loaded (" + ex.getMessage() + "); install librdmacm1");
                }
                return new IbverbsStatus(true, true, names, n + " device(s) " + names + ops);
            }
        }
        catch (final Throwable ex)
        {
            return IbverbsStatus.unavailable(LIBRARY + " loaded but probing failed: " + ex, true);
        }
    }

    private static MemorySegment find(final SymbolLookup lib, final String symbol)
    {
        return lib.find(symbol).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no symbol " + symbol));
    }
}
