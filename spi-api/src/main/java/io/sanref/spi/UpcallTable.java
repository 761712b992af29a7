package io.sanref.spi;

/**
 * The switch's upcall dispatch table (the WPU* functions), handed to the provider at {@code startup} (R1).
 * <p>
 * Threading: the provider may call any upcall from any thread, including its progress thread and the thread
 * that is inside {@code closeSocket}. For one switch handle the provider guarantees: one
 * {@link #createSocketHandle}, then any number of {@link #completeOverlappedRequest}, then exactly one
 * {@link #closeSocketHandle}, after which nothing for that handle (R2, R7).
 */
public interface UpcallTable
{
    /**
     * {@code WPUCreateSocketHandle}: obtain the switch's handle for a new provider socket (R2).
     *
     * @param providerDescriptor the provider's own descriptor for the socket.
     * @param switchContext      the context the switch passed to {@code socket}/{@code accept}.
     * @return the switch handle (positive), or a negated Winsock error.
     */
    long createSocketHandle(long providerDescriptor, long switchContext);

    /**
     * {@code WPUCloseSocketHandle}: the final upcall for a handle (R7).
     *
     * @param switchHandle the handle from {@link #createSocketHandle}.
     * @return 0, or a Winsock error.
     */
    int closeSocketHandle(long switchHandle);

    /**
     * {@code WPUCompleteOverlappedRequest}: report the completion of an overlapped operation (R3). The
     * provider has already released the operation's memory (R5) and written the overlapped's fields (R4).
     *
     * @param switchHandle the socket's switch handle.
     * @param overlapped   the overlapped structure of the operation.
     * @param error        the Winsock code the operation completed with.
     * @param bytes        bytes transferred.
     * @return 0, or a Winsock error.
     */
    int completeOverlappedRequest(long switchHandle, Overlapped overlapped, int error, int bytes);

    /**
     * {@code WPUQuerySocketHandleContext}: the context the switch associated with a handle.
     *
     * @param switchHandle the handle.
     * @return the context, or a negated Winsock error for a handle the switch does not know.
     */
    long querySocketHandleContext(long switchHandle);
}
