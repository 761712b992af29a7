package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.Ibv;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every offset, size and enum value the FFM binding uses ({@link IbvLayout}), and every verbs value the engines share
 * ({@link Ibv}: the ibverbs engine passes states, flags, opcodes, statuses and events through unchanged), equals what
 * gcc computes from the installed {@code <infiniband/verbs.h>} and {@code <rdma/rdma_cma.h>}: a wrong value would
 * corrupt memory or misread a completion on a real device, where no test here can run. CI installs {@code libibverbs-dev} and {@code librdmacm-dev} for this.
 */
class IbvLayoutTest
{
    @Test
    void everyConstantMatchesTheInstalledHeaders() throws Exception
    {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/include/infiniband/verbs.h")) &&
            Files.exists(Path.of("/usr/include/rdma/rdma_cma.h")), "needs libibverbs-dev and librdmacm-dev");
        final Path dir = Files.createTempDirectory("ibv-layout");
        final Path binary = dir.resolve("ibv_layout");
        run(List.of("gcc", "-O0", "-o", binary.toString(), Path.of("src/test/c/ibv_layout.c").toAbsolutePath().toString()));
        final String out = run(List.of(binary.toString()));

        final Map<String, Long> expected = new HashMap<>();
        for (final String line : out.split("\n"))
        {
            final String[] parts = line.trim().split(" ");
            expected.put(parts[0], Long.parseLong(parts[1]));
        }
        final int layout = check(IbvLayout.class, "", Set.of(), expected);
        // Not in the headers: the IB spec's "retry forever" value, and the soft model's own receive opcode.
        final int ibv = check(Ibv.class, "Ibv.", Set.of("RNR_RETRY_INFINITE", "WR_RECV"), expected);
        assertTrue(expected.isEmpty(), "not checked: " + expected.keySet());
        System.out.println("IbvLayout: " + layout + " constants and Ibv: " + ibv +
            " constants match the installed verbs.h and rdma_cma.h");
    }

    private static int check(final Class<?> holder, final String prefix, final Set<String> notInHeaders,
        final Map<String, Long> expected) throws IllegalAccessException
    {
        int checked = 0;
        for (final Field field : holder.getDeclaredFields())
        {
            if (!Modifier.isStatic(field.getModifiers()) || notInHeaders.contains(field.getName()))
            {
                continue;
            }
            final Long value = expected.remove(prefix + field.getName());
            assertTrue(null != value, "ibv_layout.c does not print " + prefix + field.getName());
            assertEquals(value.longValue(), ((Number)field.get(null)).longValue(), prefix + field.getName());
            checked++;
        }
        return checked;
    }

    private static String run(final List<String> command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, process.exitValue(), command + ":\n" + out);
        return out;
    }
}
