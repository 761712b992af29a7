package io.sanref.spi;

import java.nio.ByteBuffer;

/**
 * The SAN service provider's procedure table (the WSP* entry points) as the switch sees it.
 * <p>
 * Every entry point returns a Winsock code ({@code 0}, {@link Winsock#WSA_IO_PENDING} or an error) and never
 * throws for a caller's mistake: a bad descriptor, a null or busy overlapped, a buffer out of range, a call
 * before {@code startup} or after the final {@code cleanup} each get the code of the error matrix in
 * {@code CLOSE-PROTOCOL.md}. Entry points that create something return a positive {@code long}
 * (descriptor or handle) or the negated error code; decode with {@link Winsock#errorOf(long)}.
 * <p>
 * Threading: every entry point may be called from any number of threads at once.
 */
public interface SanProvider
{
    /**
     * {@code WSPStartupEx}: reference-counted; the first call stores the upcall table and starts progress (R1).
     *
     * @param upcalls the switch's upcall table.
     * @return 0, or a Winsock error.
     */
    int startup(UpcallTable upcalls);

    /**
     * {@code WSPCleanup}: reference-counted; the final call completes every pending operation with
     * {@link Winsock#WSA_OPERATION_ABORTED}, closes every socket and stops progress (R1).
     *
     * @return 0, or {@link Winsock#WSANOTINITIALISED}.
     */
    int cleanup();

    /**
     * {@code WSPSocket}: create a socket and obtain its switch handle through the create upcall (R2).
     *
     * @param switchContext handed back to the switch in {@code createSocketHandle}.
     * @return the descriptor, or a negated error.
     */
    long socket(long switchContext);

    /** {@code WSPBind}. @return 0 or an error. */
    int bind(long socket, SanAddress local);

    /** {@code WSPListen}: the backlog bounds the connection requests waiting for {@code accept} (R10). */
    int listen(long socket, int backlog);

    /**
     * {@code WSPAccept}, non-blocking: take one waiting connection request.
     *
     * @param listener      a listening socket.
     * @param switchContext for the new socket's create upcall.
     * @return the new socket's descriptor, {@code -WSAEWOULDBLOCK} when none waits, or a negated error.
     */
    long accept(long listener, long switchContext);

    /**
     * {@code WSPConnect}, overlapped (in the manner of {@code ConnectEx}): completes through the overlapped
     * with 0, {@link Winsock#WSAECONNREFUSED}, {@link Winsock#WSAETIMEDOUT}, or
     * {@link Winsock#WSA_OPERATION_ABORTED} if the socket is closed first (R10).
     *
     * @return {@link Winsock#WSA_IO_PENDING} or an error (a refusal known at once is returned at once).
     */
    int connect(long socket, SanAddress remote, Overlapped overlapped);

    /** {@code WSPSend}: @return {@link Winsock#WSA_IO_PENDING} or an error (R3). */
    int send(long socket, ByteBuffer buffer, int offset, int length, Overlapped overlapped);

    /** {@code WSPRecv}: @return {@link Winsock#WSA_IO_PENDING} or an error (R3). */
    int recv(long socket, ByteBuffer buffer, int offset, int length, Overlapped overlapped);

    /**
     * {@code WSPGetOverlappedResult}, never waiting.
     *
     * @return {@link Winsock#WSA_IO_INCOMPLETE} while pending; otherwise the operation's code, with the byte
     * count in {@link Overlapped#internalHigh()}.
     */
    int getOverlappedResult(long socket, Overlapped overlapped);

    /**
     * {@code WSPCloseSocket}: abortive close (R5, R7, R8, R11).
     *
     * @return 0, {@link Winsock#WSAENOTSOCK} (never issued, stale, or closed before), or
     * {@link Winsock#WSAENETDOWN}; {@link Winsock#WSANOTINITIALISED} outside startup/cleanup.
     */
    int closeSocket(long socket);

    /**
     * {@code WSPRegisterMemory}: register {@code buffer[0, capacity)} on a connected socket (R9).
     *
     * @param access {@link MemoryAccess} flags.
     * @return a registration handle valid only on this socket, or a negated error.
     */
    long registerMemory(long socket, ByteBuffer buffer, int access);

    /**
     * {@code WSPRegisterRdmaMemory}'s descriptor: the key a peer names to reach a registration remotely.
     *
     * @return the remote key, or a negated error.
     */
    long remoteKey(long socket, long registration);

    /** {@code WSPDeregisterMemory}. @return 0 or an error. */
    int deregisterMemory(long socket, long registration);

    /**
     * {@code WSPRdmaWrite}: write {@code length} bytes from a local registration to the peer's memory.
     *
     * @return {@link Winsock#WSA_IO_PENDING} or an error; a local range outside the registration is
     * {@link Winsock#WSAEFAULT}.
     */
    int rdmaWrite(
        long socket, long localRegistration, int localOffset, int length, long remoteKey, long remoteOffset,
        Overlapped overlapped);

    /** {@code WSPRdmaRead}: read {@code length} bytes of the peer's memory into a local registration. */
    int rdmaRead(
        long socket, long localRegistration, int localOffset, int length, long remoteKey, long remoteOffset,
        Overlapped overlapped);
}
