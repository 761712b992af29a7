package io.sanref.cli;

import io.sanref.journal.JournalReader;
import io.sanref.journal.JournalRecord;
import io.sanref.journal.JournalStory;
import io.sanref.journal.JournalUnreadableException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code sanref journal}: one socket's story, in order, in words. */
@Command(name = "journal", description = "Print one socket's (or one connection's) journal records in order, in words.")
final class JournalCommand implements Callable<Integer>
{
    @Parameters(index = "0", paramLabel = "DIR", description = "Journal directory.")
    Path directory;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Selector selector;

    @Option(names = "--node", defaultValue = "1",
        description = "Node whose descriptor or handle is meant (sanref run: 1 client, 2 server; default ${DEFAULT-VALUE}).")
    int node;

    @Option(names = "--follow", description = "Keep printing new records as they are journaled, until interrupted.")
    boolean follow;

    static final class Selector
    {
        @Option(names = "--descriptor", paramLabel = "D", description = "A provider descriptor.")
        Long descriptor;

        @Option(names = "--handle", paramLabel = "H", description = "A switch handle.")
        Long handle;

        @Option(names = "--connection", paramLabel = "C", description = "A connection id (both ends).")
        Long connection;
    }

    public Integer call() throws InterruptedException
    {
        final JournalStory story = null != selector.descriptor ? JournalStory.descriptor(node, selector.descriptor, System.out) :
            null != selector.handle ? JournalStory.handle(node, selector.handle, System.out) :
            JournalStory.connection(selector.connection, System.out);
        final long[] lastSeq = new long[1];
        final JournalReader.Handler newOnly = new JournalReader.Handler()
        {
            public void onRecord(final JournalRecord r)
            {
                if (r.seq > lastSeq[0])
                {
                    lastSeq[0] = r.seq;
                    story.onRecord(r);
                }
            }

            public void onMalformed(final long chronicleIndex, final String reason)
            {
                story.onMalformed(chronicleIndex, reason);
            }
        };
        try
        {
            do
            {
                // Follow re-reads the queue and prints what is new: simple, and bounded by the journal's size.
                JournalReader.read(directory, newOnly);
                System.out.flush();
                if (follow)
                {
                    TimeUnit.MILLISECONDS.sleep(500);
                }
            }
            while (follow);
        }
        catch (final JournalUnreadableException ex)
        {
            System.err.println("sanref journal: " + ex.getMessage());
            return Sanref.EXIT_INPUT;
        }
        if (0 == story.told())
        {
            System.err.println("sanref journal: no record matches in " + directory);
        }
        return Sanref.EXIT_PASS;
    }
}
