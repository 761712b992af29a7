package io.sanref.hal.loopback;

import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;

/** One polled completion, for assertions. */
record Completion(long id, int opcode, int status, int bytes)
{
    public String toString()
    {
        return HalOpcode.name(opcode) + "(id=" + id + ", " + HalStatus.name(status) + ", bytes=" + bytes + ")";
    }
}
