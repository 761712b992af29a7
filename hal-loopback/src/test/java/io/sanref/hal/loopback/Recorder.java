package io.sanref.hal.loopback;

import io.sanref.spi.hal.CompletionHandler;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Records completions in the order they were polled. Test code: allocates freely; one polling thread. */
final class Recorder implements CompletionHandler
{
    final List<Completion> all = new ArrayList<>();

    public void onCompletion(final long id, final int opcode, final int status, final int bytes)
    {
        all.add(new Completion(id, opcode, status, bytes));
    }

    List<Completion> forId(final long id)
    {
        final List<Completion> matches = new ArrayList<>();
        for (final Completion completion : all)
        {
            if (completion.id() == id)
            {
                matches.add(completion);
            }
        }
        return matches;
    }

    boolean has(final long id)
    {
        return !forId(id).isEmpty();
    }

    /** @return the one completion for {@code id}, failing if there is none or more than one. */
    Completion only(final long id)
    {
        final List<Completion> matches = forId(id);
        assertEquals(1, matches.size(), "completions for id " + id + " in " + all);
        return matches.get(0);
    }

    int indexOf(final long id, final int opcode)
    {
        for (int i = 0; i < all.size(); i++)
        {
            if (all.get(i).id() == id && all.get(i).opcode() == opcode)
            {
                return i;
            }
        }
        return -1;
    }
}
