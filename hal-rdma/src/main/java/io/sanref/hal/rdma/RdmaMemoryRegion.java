package io.sanref.hal.rdma;

import io.sanref.hal.rdma.verbs.Mr;
import io.sanref.spi.hal.HalMemoryRegion;

import java.nio.ByteBuffer;

/**
 * A region the provider registered on an rdma endpoint: a verbs memory region in that endpoint's own protection
 * domain, so its rkey works only on that connection (R9). Remote write implies local write at the verbs level
 * (verbs refuses remote write without it); {@link #access()} reports the flags the provider asked for.
 * <p>
 * Threading: any thread.
 */
public final class RdmaMemoryRegion implements HalMemoryRegion
{
    final RdmaEndpoint owner;
    final Mr mr;
    final int slot;
    private final int access;

    RdmaMemoryRegion(final RdmaEndpoint owner, final Mr mr, final int slot, final int access)
    {
        this.owner = owner;
        this.mr = mr;
        this.slot = slot;
        this.access = access;
    }

    public ByteBuffer buffer()
    {
        return mr.buffer();
    }

    public int length()
    {
        return mr.length();
    }

    public int access()
    {
        return access;
    }

    public long localKey()
    {
        return mr.lkey() & 0xFFFF_FFFFL; // verbs keys are 32-bit unsigned
    }

    public long remoteKey()
    {
        return RdmaEndpoint.remoteKey(mr);
    }

    public boolean isValid()
    {
        return mr.isValid();
    }

    public String toString()
    {
        return "RdmaMemoryRegion{" + mr + '}';
    }
}
