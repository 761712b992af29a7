package io.sanref.spi.hal;

/**
 * Receives completions polled from a {@link HalFabric}'s completion queue. Implementations must not allocate.
 */
@FunctionalInterface
public interface CompletionHandler
{
    /**
     * @param id     the work-request id given at post, or the endpoint context for an event opcode.
     * @param opcode a {@link HalOpcode}.
     * @param status a {@link HalStatus}.
     * @param bytes  bytes transferred (0 unless {@link HalStatus#SUCCESS}).
     */
    void onCompletion(long id, int opcode, int status, int bytes);
}
