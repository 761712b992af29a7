package io.sanref.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A hot-method summary of a flight recording, like {@code jfr print --events jdk.ExecutionSample} folded by
 * method: the top frames (where the CPU is, or, for {@code jdk.ObjectAllocationSample}, which method allocates,
 * weighted by bytes), and the first sanref frame under each sample (which of our methods is responsible).
 * Usage as a main: {@code java -cp benchmarks.jar io.sanref.bench.JfrSummary FILE.jfr [event] [top]}.
 */
final class JfrSummary
{
    private JfrSummary()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        System.out.println(summarise(Path.of(args[0]), args.length > 1 ? args[1] : "jdk.ExecutionSample",
            args.length > 2 ? Integer.parseInt(args[2]) : 15));
    }

    static String summarise(final Path jfr, final String event, final int top) throws IOException
    {
        final boolean alloc = "jdk.ObjectAllocationSample".equals(event);
        final Map<String, Double> self = new HashMap<>();
        final Map<String, Double> ours = new HashMap<>();
        final Map<String, Double> allocatedClass = new HashMap<>();
        final Map<String, Double> outsideOurs = new HashMap<>();
        double total = 0;
        double outside = 0;
        for (final RecordedEvent e : RecordingFile.readAllEvents(jfr))
        {
            if (!e.getEventType().getName().equals(event))
            {
                continue;
            }
            final RecordedStackTrace stack = e.getStackTrace();
            if (null == stack || stack.getFrames().isEmpty())
            {
                continue;
            }
            final double weight = alloc ? e.getLong("weight") : 1;
            final List<RecordedFrame> frames = stack.getFrames();
            if (!measured(frames))
            {
                // Set-up, JIT, GC and helper threads (the journal's agent, a driver): kept apart from the measured code.
                outside += weight;
                outsideOurs.merge(firstOurs(frames, name(frames.get(0))), weight, Double::sum);
                continue;
            }
            total += weight;
            self.merge(name(frames.get(0)), weight, Double::sum);
            for (final RecordedFrame f : frames)
            {
                final String n = name(f);
                if (n.startsWith("io.sanref.") && !n.startsWith("io.sanref.bench.jmh_generated"))
                {
                    ours.merge(n, weight, Double::sum);
                    break;
                }
            }
            if (alloc)
            {
                allocatedClass.merge(e.getClass("objectClass").getName(), weight, Double::sum);
            }
        }
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s, %s %s:%n%n", event, alloc ? "bytes sampled" : "samples",
            alloc ? Report.rate(total) : String.valueOf((long)total)));
        if (0 == total)
        {
            sb.append("(none inside the measured benchmark methods)\n");
        }
        else
        {
            sb.append(alloc ? "Allocating method (top frame):\n\n" : "Hot methods (top frame, self time):\n\n");
            append(sb, self, total, top);
            sb.append(alloc ? "\nFirst sanref frame under each allocation:\n\n" :
                "\nFirst sanref frame under each sample (our method responsible):\n\n");
            append(sb, ours, total, top);
            if (alloc)
            {
                sb.append("\nAllocated classes:\n\n");
                append(sb, allocatedClass, total, top);
            }
        }
        sb.append(String.format(Locale.ROOT, "%nOutside the measured benchmark methods (set-up, other threads such as "
            + "the journal agent, JIT, GC): %.0f more %s (%.0f%% of all); first sanref frame, else top frame:%n%n",
            outside, alloc ? "bytes" : "samples", 0 == outside + total ? 0.0 : 100.0 * outside / (outside + total)));
        append(sb, outsideOurs, outside, Math.min(top, 6));
        return sb.toString();
    }

    /** @return true if the sample is inside a JMH measurement stub, i.e. in the code being measured. */
    private static boolean measured(final List<RecordedFrame> frames)
    {
        for (final RecordedFrame f : frames)
        {
            final RecordedMethod m = f.getMethod();
            if (null != m && m.getName().endsWith("_jmhStub"))
            {
                return true;
            }
        }
        return false;
    }

    private static String firstOurs(final List<RecordedFrame> frames, final String otherwise)
    {
        for (final RecordedFrame f : frames)
        {
            final String n = name(f);
            if (n.startsWith("io.sanref.") && !n.startsWith("io.sanref.bench.jmh_generated"))
            {
                return n;
            }
        }
        return otherwise;
    }

    private static String name(final RecordedFrame f)
    {
        final RecordedMethod m = f.getMethod();
        return null == m ? "?" : m.getType().getName() + "." + m.getName();
    }

    private static void append(final StringBuilder sb, final Map<String, Double> counts, final double total,
        final int top)
    {
        final List<Map.Entry<String, Double>> list = new ArrayList<>(counts.entrySet());
        list.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
        for (int i = 0; i < Math.min(top, list.size()); i++)
        {
            sb.append(String.format(Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * list.get(i).getValue() / total,
                list.get(i).getKey()));
        }
    }
}
