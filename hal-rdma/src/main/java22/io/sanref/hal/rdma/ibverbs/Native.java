package io.sanref.hal.rdma.ibverbs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Downcall handles into libibverbs, librdmacm and libc, resolved once when the ibverbs engine first opens a device.
 * Calls that report failure through errno take a capture segment first ({@link #errnoSegment}, {@link #errno}).
 * The data-path calls ({@code poll_cq}, {@code post_send}, {@code post_recv}) are static inline in verbs.h and go
 * through the context's ops table instead ({@link IbverbsOps}).
 */
final class Native
{
    static final String RDMACM = "librdmacm.so.1";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    private static final SymbolLookup VERBS = SymbolLookup.libraryLookup(IbverbsProbe.LIBRARY, Arena.global());
    private static final SymbolLookup CM = SymbolLookup.libraryLookup(RDMACM, Arena.global());

    // libibverbs
    static final MethodHandle GET_DEVICE_LIST = verbs("ibv_get_device_list", FunctionDescriptor.of(PTR, PTR));
    static final MethodHandle FREE_DEVICE_LIST = verbs("ibv_free_device_list", FunctionDescriptor.ofVoid(PTR));
    static final MethodHandle GET_DEVICE_NAME = verbs("ibv_get_device_name", FunctionDescriptor.of(PTR, PTR));
    static final MethodHandle OPEN_DEVICE = verbsErrno("ibv_open_device", FunctionDescriptor.of(PTR, PTR));
    static final MethodHandle CLOSE_DEVICE = verbs("ibv_close_device", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle ALLOC_PD = verbsErrno("ibv_alloc_pd", FunctionDescriptor.of(PTR, PTR));
    static final MethodHandle DEALLOC_PD = verbs("ibv_dealloc_pd", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle REG_MR_IOVA =
        verbsErrno("ibv_reg_mr_iova", FunctionDescriptor.of(PTR, PTR, PTR, LONG, LONG, INT));
    static final MethodHandle DEREG_MR = verbs("ibv_dereg_mr", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle CREATE_CQ =
        verbsErrno("ibv_create_cq", FunctionDescriptor.of(PTR, PTR, INT, PTR, PTR, INT));
    static final MethodHandle DESTROY_CQ = verbs("ibv_destroy_cq", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle CREATE_QP = verbsErrno("ibv_create_qp", FunctionDescriptor.of(PTR, PTR, PTR));
    static final MethodHandle MODIFY_QP = verbs("ibv_modify_qp", FunctionDescriptor.of(INT, PTR, PTR, INT));
    static final MethodHandle DESTROY_QP = verbs("ibv_destroy_qp", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle GET_ASYNC_EVENT = verbsErrno("ibv_get_async_event", FunctionDescriptor.of(INT, PTR, PTR));
    static final MethodHandle ACK_ASYNC_EVENT = verbs("ibv_ack_async_event", FunctionDescriptor.ofVoid(PTR));

    // librdmacm
    static final MethodHandle CREATE_EVENT_CHANNEL = cmErrno("rdma_create_event_channel", FunctionDescriptor.of(PTR));
    static final MethodHandle DESTROY_EVENT_CHANNEL = cm("rdma_destroy_event_channel", FunctionDescriptor.ofVoid(PTR));
    static final MethodHandle CREATE_ID = cmErrno("rdma_create_id", FunctionDescriptor.of(INT, PTR, PTR, PTR, INT));
    static final MethodHandle DESTROY_ID = cm("rdma_destroy_id", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle BIND_ADDR = cmErrno("rdma_bind_addr", FunctionDescriptor.of(INT, PTR, PTR));
    static final MethodHandle LISTEN = cmErrno("rdma_listen", FunctionDescriptor.of(INT, PTR, INT));
    static final MethodHandle RESOLVE_ADDR =
        cmErrno("rdma_resolve_addr", FunctionDescriptor.of(INT, PTR, PTR, PTR, INT));
    static final MethodHandle RESOLVE_ROUTE = cmErrno("rdma_resolve_route", FunctionDescriptor.of(INT, PTR, INT));
    static final MethodHandle CONNECT = cmErrno("rdma_connect", FunctionDescriptor.of(INT, PTR, PTR));
    static final MethodHandle ACCEPT = cmErrno("rdma_accept", FunctionDescriptor.of(INT, PTR, PTR));
    static final MethodHandle REJECT = cmErrno("rdma_reject", FunctionDescriptor.of(INT, PTR, PTR, BYTE));
    static final MethodHandle ESTABLISH = cmErrno("rdma_establish", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle DISCONNECT = cmErrno("rdma_disconnect", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle GET_CM_EVENT = cmErrno("rdma_get_cm_event", FunctionDescriptor.of(INT, PTR, PTR));
    static final MethodHandle ACK_CM_EVENT = cm("rdma_ack_cm_event", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle INIT_QP_ATTR = cmErrno("rdma_init_qp_attr", FunctionDescriptor.of(INT, PTR, PTR, PTR));
    static final MethodHandle GET_SRC_PORT = cm("rdma_get_src_port", FunctionDescriptor.of(SHORT, PTR));

    // libc
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 0x800;
    private static final MethodHandle FCNTL = LINKER.downcallHandle(
        LINKER.defaultLookup().find("fcntl").orElseThrow(), FunctionDescriptor.of(INT, INT, INT, INT),
        Linker.Option.firstVariadicArg(2));

    static final int EAGAIN = 11;

    private Native()
    {
    }

    /** @return a segment for one call's captured errno (connection setup and other cold paths). */
    static MemorySegment errnoSegment(final Arena arena)
    {
        return arena.allocate(CAPTURE);
    }

    /** @return a capture segment for one call whose errno nobody reads (cold paths, any thread; freed by the GC). */
    static MemorySegment scratchErrno()
    {
        return errnoSegment(Arena.ofAuto());
    }

    static int errno(final MemorySegment capture)
    {
        return (int)ERRNO.get(capture, 0L);
    }

    /** Make {@code fd} non-blocking, so the progress thread can poll CM and async events without waiting. */
    static void nonBlocking(final int fd) throws Throwable
    {
        final int flags = (int)FCNTL.invokeExact(fd, F_GETFL, 0);
        if (flags < 0 || (int)FCNTL.invokeExact(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        {
            throw new IllegalStateException("fcntl(" + fd + ", O_NONBLOCK) failed");
        }
    }

    static String string(final MemorySegment cString)
    {
        return MemorySegment.NULL.equals(cString) ? "?" : cString.reinterpret(256).getString(0);
    }

    private static MethodHandle verbs(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(find(VERBS, IbverbsProbe.LIBRARY, name), descriptor);
    }

    private static MethodHandle verbsErrno(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(find(VERBS, IbverbsProbe.LIBRARY, name), descriptor, ERRNO_OPTION);
    }

    private static MethodHandle cm(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(find(CM, RDMACM, name), descriptor);
    }

    private static MethodHandle cmErrno(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(find(CM, RDMACM, name), descriptor, ERRNO_OPTION);
    }

    private static MemorySegment find(final SymbolLookup lib, final String library, final String symbol)
    {
        return lib.find(symbol).orElseThrow(() -> new IllegalStateException(library + " has no symbol " + symbol));
    }
}
