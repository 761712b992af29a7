package io.sanref.hal.faulty;

import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fabric that passes everything to the inner one and injects faults on the way: completions held back or
 * shuffled, connections failed or reset under the provider's feet, registrations refused.
 * <p>
 * A connection fault is decided on the posting thread but carried out on the progress thread: the event
 * ({@link HalOpcode#EVENT_TRANSPORT_ERROR} or {@link HalOpcode#EVENT_PEER_RESET}) is delivered first, then the inner
 * endpoint is aborted, which flushes its work requests and tells the real peer — so the order is the one a HAL
 * promises. Threading: as {@link HalFabric}.
 */
final class FaultyFabric implements HalFabric
{
    private static final int BATCH = 256;
    private static final int HELD = 4096;
    private static final int DOOMED = 4096;

    private final HalFabric inner;
    private final FaultPlan plan;
    private final AtomicLong decisions = new AtomicLong();
    private final ManyToOneConcurrentArrayQueue<FaultyEndpoint> doomed = new ManyToOneConcurrentArrayQueue<>(DOOMED);
    private final AtomicLong delayed = new AtomicLong();
    private final AtomicLong reordered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong crashed = new AtomicLong();
    final AtomicLong registrationFailures = new AtomicLong();

    // Progress thread only.
    private final long[] ids = new long[BATCH];
    private final int[] opcodes = new int[BATCH];
    private final int[] statuses = new int[BATCH];
    private final int[] bytes = new int[BATCH];
    private int count;
    private final long[] heldIds = new long[HELD];
    private final int[] heldOpcodes = new int[HELD];
    private final int[] heldStatuses = new int[HELD];
    private final int[] heldBytes = new int[HELD];
    private final int[] heldPolls = new int[HELD];
    private int heldCount;
    private final long[] eventIds = new long[DOOMED];
    private final int[] eventOpcodes = new int[DOOMED];
    private int eventCount;
    private final CompletionHandler collector = this::collect;

    FaultyFabric(final HalFabric inner, final FaultPlan plan)
    {
        this.inner = inner;
        this.plan = plan;
    }

    public String halName()
    {
        return FaultyDecorator.NAME + ":" + inner.halName();
    }

    public HalEndpoint createEndpoint(final long context)
    {
        final HalEndpoint endpoint = inner.createEndpoint(context);
        return null == endpoint ? null : new FaultyEndpoint(this, endpoint);
    }

    public HalListener createListener()
    {
        final HalListener listener = inner.createListener();
        return null == listener ? null : new FaultyListener(this, listener);
    }

    public int progress()
    {
        int work = inner.progress();
        FaultyEndpoint victim;
        while (eventCount < DOOMED && null != (victim = doomed.poll()))
        {
            if (HalEndpoint.ACTIVE == victim.inner.state())
            {
                eventIds[eventCount] = victim.context();
                eventOpcodes[eventCount] = victim.doom;
                eventCount++;
                (HalOpcode.EVENT_PEER_RESET == victim.doom ? crashed : dropped).incrementAndGet();
                victim.inner.abort();
                work++;
            }
        }
        return work;
    }

    public int poll(final CompletionHandler handler, final int limit)
    {
        int delivered = 0;
        for (int i = 0; i < eventCount; i++)
        {
            handler.onCompletion(eventIds[i], eventOpcodes[i], HalStatus.TRANSPORT_ERROR, 0);
            delivered++;
        }
        eventCount = 0;

        count = 0;
        final int polled = inner.poll(collector, Math.min(limit, BATCH));
        if (count > 1 && chance(plan.reorder()))
        {
            reordered.incrementAndGet();
            for (int i = count - 1; i > 0; i--)
            {
                swap(i, (int)Long.remainderUnsigned(next(), i + 1));
            }
        }
        for (int i = 0; i < count; i++)
        {
            if (heldCount < HELD && chance(plan.delay()))
            {
                delayed.incrementAndGet();
                heldIds[heldCount] = ids[i];
                heldOpcodes[heldCount] = opcodes[i];
                heldStatuses[heldCount] = statuses[i];
                heldBytes[heldCount] = bytes[i];
                heldPolls[heldCount] = 1 + (int)Long.remainderUnsigned(next(), plan.maxDelayPolls());
                heldCount++;
            }
            else
            {
                handler.onCompletion(ids[i], opcodes[i], statuses[i], bytes[i]);
                delivered++;
            }
        }

        // Release what has waited long enough, and everything once the fabric is idle: a hold never outlives work.
        int kept = 0;
        for (int i = 0; i < heldCount; i++)
        {
            if (0 == polled || --heldPolls[i] <= 0)
            {
                handler.onCompletion(heldIds[i], heldOpcodes[i], heldStatuses[i], heldBytes[i]);
                delivered++;
            }
            else
            {
                heldIds[kept] = heldIds[i];
                heldOpcodes[kept] = heldOpcodes[i];
                heldStatuses[kept] = heldStatuses[i];
                heldBytes[kept] = heldBytes[i];
                heldPolls[kept] = heldPolls[i];
                kept++;
            }
        }
        heldCount = kept;
        return delivered;
    }

    public Map<String, Long> counters()
    {
        final Map<String, Long> counters = new LinkedHashMap<>(inner.counters());
        counters.put("faults_delayed_completions", delayed.get());
        counters.put("faults_reordered_batches", reordered.get());
        counters.put("faults_dropped_connections", dropped.get());
        counters.put("faults_crashed_peers", crashed.get());
        counters.put("faults_registration_failures", registrationFailures.get());
        return counters;
    }

    public void close()
    {
        inner.close();
    }

    /** Any thread: a decision from the plan's seed (the sequence is seeded; which thread draws which is not). */
    boolean chance(final double rate)
    {
        return rate > 0 && (next() >>> 11) * 0x1.0p-53 < rate;
    }

    /** Any thread: mark a connection to fail; the progress thread carries it out. */
    void doom(final FaultyEndpoint endpoint, final int eventOpcode)
    {
        if (endpoint.markDoomed(eventOpcode) && !doomed.offer(endpoint))
        {
            endpoint.doom = 0;
        }
    }

    FaultPlan plan()
    {
        return plan;
    }

    private long next()
    {
        long z = plan.seed() + decisions.incrementAndGet() * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void collect(final long id, final int opcode, final int status, final int n)
    {
        ids[count] = id;
        opcodes[count] = opcode;
        statuses[count] = status;
        bytes[count] = n;
        count++;
    }

    private void swap(final int i, final int j)
    {
        final long id = ids[i];
        ids[i] = ids[j];
        ids[j] = id;
        final int op = opcodes[i];
        opcodes[i] = opcodes[j];
        opcodes[j] = op;
        final int st = statuses[i];
        statuses[i] = statuses[j];
        statuses[j] = st;
        final int b = bytes[i];
        bytes[i] = bytes[j];
        bytes[j] = b;
    }
}
